"""The audit log is append-only: the application refuses changes, and PostgreSQL's trigger rejects them too."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import DatabaseError, connection, transaction

from minzheng.core.access.actor import Actor
from minzheng.core.access.models import Role
from minzheng.core.audit.models import AuditEvent
from minzheng.core.audit.selectors import audit_event_list
from minzheng.core.audit.services import audit_record, changed_fields
from minzheng.core.errors import AccessDenied
from tests.conftest import Tree


@pytest.fixture
def event(tree: Tree, actor_of: Callable[..., Actor]) -> AuditEvent:
    actor = actor_of(Role.VILLAGE_ASSISTANT)
    return audit_record(actor=actor, action="person.view", obj=tree.village, region=tree.village)


def test_event_records_who_what_where(event: AuditEvent, tree: Tree) -> None:
    assert event.username.startswith("village_assistant")
    assert (event.roles, event.object_type, event.region_code) == (
        "village_assistant",
        "core.region",
        tree.village.code,
    )
    assert event.region_path == tree.village.path


def test_application_cannot_update_or_delete(event: AuditEvent) -> None:
    event.action = "tampered"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(id=event.id).update(action="tampered")
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(id=event.id).delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
@pytest.mark.parametrize("statement", ["UPDATE core_auditevent SET action = 'x'", "DELETE FROM core_auditevent"])
def test_postgresql_trigger_rejects_raw_update_and_delete(event: AuditEvent, statement: str) -> None:
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert AuditEvent.objects.get(id=event.id).action == "person.view"


def test_write_and_audit_roll_back_together(tree: Tree, actor_of: Callable[..., Actor]) -> None:
    actor = actor_of(Role.VILLAGE_ASSISTANT)

    @transaction.atomic
    def failing_write() -> None:
        audit_record(actor=actor, action="person.create", obj=tree.village)
        raise RuntimeError("the write failed")

    with pytest.raises(RuntimeError):
        failing_write()
    assert not AuditEvent.objects.exists()


def test_supervisor_sees_events_of_own_region_only(
    event: AuditEvent, tree: Tree, actor_of: Callable[..., Actor]
) -> None:
    other_event = audit_record(
        actor=actor_of(Role.DISTRICT_APPROVER, tree.other_district), action="x", region=tree.other_village
    )
    events = list(audit_event_list(actor=actor_of(Role.SUPERVISOR)))
    assert event in events
    assert other_event not in events
    with pytest.raises(AccessDenied):
        audit_event_list(actor=actor_of(Role.DISTRICT_APPROVER))


def test_changed_fields_lists_old_and_new() -> None:
    assert changed_fields({"a": 1, "b": "x"}, {"a": 2, "b": "x"}) == {"a": [1, 2]}
