"""audit_record(): called by services inside their transaction.atomic() block, so the row commits with the write."""

from __future__ import annotations

from typing import Any

from django.db import models

from minzheng.core.access.actor import Actor
from minzheng.core.audit.models import AuditEvent
from minzheng.core.regions.models import Region

SYSTEM_USERNAME = "system"


def audit_record(
    *,
    actor: Actor | None,
    action: str,
    obj: models.Model | None = None,
    region: Region | None = None,
    other_region: Region | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record one event; `actor=None` is an operator action from the command line (token issue, loads)."""
    return AuditEvent.objects.create(
        user_id=actor.user_id if actor else None,
        username=actor.username if actor else SYSTEM_USERNAME,
        roles=actor.roles_label if actor else "",
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        region_code=region.code if region is not None else "",
        region_path=region.path if region is not None else "",
        other_region_path=other_region.path if other_region is not None and other_region != region else "",
        detail=detail or {},
        client_address=actor.client_address if actor else None,
    )


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """The fields whose value differs, as {field: [old, new]} with JSON-safe values."""
    return {
        key: [_json_safe(before.get(key)), _json_safe(value)]
        for key, value in after.items()
        if before.get(key) != value
    }


def _json_safe(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)
