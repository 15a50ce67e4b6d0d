from __future__ import annotations

from django.db.models import QuerySet

from minzheng.core.access.actor import Actor
from minzheng.core.audit.models import AuditEvent


def audit_event_list(*, actor: Actor, object_type: str = "", object_id: str = "") -> QuerySet[AuditEvent]:
    """Audit events in the supervisor's region: filed under the region of the object they concern."""
    actor.require("audit.view")
    events = AuditEvent.objects.filter(region_path__startswith=actor.scope_path)
    if object_type:
        events = events.filter(object_type=object_type)
    if object_id:
        events = events.filter(object_id=object_id)
    return events
