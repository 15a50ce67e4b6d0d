from __future__ import annotations

from django.http import HttpRequest

from minzheng.core.access.actor import Actor, actor_for_request
from minzheng.core.errors import AccessDenied


def actor(request: HttpRequest) -> dict[str, Actor | None]:
    """The logged-in staff member, for the page header (region and roles)."""
    try:
        return {"actor": actor_for_request(request)}
    except AccessDenied:
        return {"actor": None}
