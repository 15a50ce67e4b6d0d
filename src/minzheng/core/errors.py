"""One error hierarchy for services and selectors (ARCHITECTURE §7 Errors).

Services raise these and never return error dicts. The API exception handler and the web
middleware map them to HTTP status codes: InvalidInput → 422, NotFound → 404,
AccessDenied → 403, Conflict → 409. Codes are dotted English; messages are Chinese gettext strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise


@dataclass(frozen=True)
class FieldError:
    """One validation failure: where (`path`, e.g. ``members[2].id_number``), which check, and why."""

    path: str
    code: str
    message: str | Promise

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "code": self.code, "message": str(self.message)}


class ApplicationError(Exception):
    status = 400

    def __init__(
        self, code: str, message: str | Promise, field: str | None = None, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message
        self.field = field
        self.extra = extra or {}

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def field_errors(self) -> list[FieldError]:
        """The individual failures; a single error is reported as a one-item list."""
        errors: list[FieldError] | None = self.extra.get("errors")
        if errors:
            return list(errors)
        return [FieldError(self.field or "", self.code, str(self.message))]


class InvalidInput(ApplicationError):
    status = 422


class NotFound(ApplicationError):
    status = 404


class AccessDenied(ApplicationError):
    status = 403


class Conflict(ApplicationError):
    status = 409
