from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from minzheng.core.access.actor import actor_for_request
from minzheng.core.access.permissions import PERMISSIONS
from minzheng.core.errors import AccessDenied


def actor(request: HttpRequest) -> dict[str, Any]:
    """The logged-in staff member for the page header, and `actor_can.<permission>` (dots as underscores)
    so templates show only the links the actor may follow, from the same table the services check."""
    try:
        current = actor_for_request(request)
    except AccessDenied:
        return {"actor": None, "actor_can": {}}
    can = {name.replace(".", "_"): bool(current.roles & roles) for name, roles in PERMISSIONS.items()}
    return {"actor": current, "actor_can": can}
