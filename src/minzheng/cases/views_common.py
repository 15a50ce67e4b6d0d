"""Helpers shared by the case pages: the decorators every view wears, query-string parsing, error display and
file responses. Nothing here reads or writes data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from minzheng.core.errors import ApplicationError

_View = TypeVar("_View", bound=Callable[..., HttpResponse])


def staff_page(view: _View) -> _View:
    """A staff page: GET only, login required, never cached (it shows personal data)."""
    return require_GET(login_required(never_cache(view)))


def staff_post(view: _View) -> _View:
    """A staff form target: POST only, login required; it redirects on success (POST-redirect-GET)."""
    return require_POST(login_required(never_cache(view)))


def int_param(value: str | None) -> int | None:
    text = value or ""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def date_param(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def is_htmx(request: HttpRequest) -> bool:
    """An htmx request for a fragment (not a history restore, which needs the whole page)."""
    return request.headers.get("HX-Request") == "true" and not request.headers.get("HX-History-Restore-Request")


@dataclass(frozen=True)
class PageError:
    """A service's refusal as the page shows it: the message and, where it lists several, each item."""

    message: str
    items: list[str]
    status: int


def page_error(error: ApplicationError) -> PageError:
    listed = error.extra.get("errors") or []
    return PageError(str(error.message), [str(item.message) for item in listed], error.status)


def form_error(form: forms.Form) -> PageError:
    items = [str(message) for errors in form.errors.values() for message in errors]
    return PageError(str(_("请检查填写的内容")), items, 422)


def file_response(content: bytes, *, filename: str, content_type: str, inline: bool = False) -> HttpResponse:
    """A private file: never cached, never sniffed into another type, downloaded under its own name."""
    response = HttpResponse(content, content_type=content_type)
    response.headers["Content-Disposition"] = content_disposition_header(not inline, filename) or "attachment"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def error_page(request: HttpRequest, error: ApplicationError, **context: Any) -> HttpResponse:
    """A refusal that has no form to show it beside (a document that does not exist yet): its own page."""
    return render(request, "cases/error.html", {"error": page_error(error), **context}, status=error.status)
