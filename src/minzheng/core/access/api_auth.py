"""API authentication: hashed bearer tokens for scripts, the staff session (with CSRF) for the browser."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from minzheng.core.access.services import api_token_authenticate


class ApiTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(token=token)
        if user is not None:
            request.user = user  # type: ignore[assignment]  # any auth user model
        return user


class SessionStaffAuth(SessionAuth):
    """The logged-in staff session, so the docs page and htmx calls work without a token."""
