"""Staff pages of core: the supervisor's audit log (ARCHITECTURE §7 Audit).

Parse the query string, call the audit selectors, render. The page is keyset-paged newest first (`?after=<id>`);
htmx requests (header `HX-Request`) get only the results partial. Labels come from minzheng.core.audit.selectors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from minzheng.core.access.actor import Actor, actor_for_request
from minzheng.core.audit import selectors
from minzheng.core.audit.models import AuditEvent
from minzheng.core.audit.selectors import AuditFilters
from minzheng.core.pagination import Page

PAGE_SIZE = 50
MAX_TEXT_LENGTH = 150  # the longest recorded value (AuditEvent.username)
TEXT_FILTERS = ("action", "username", "object_type", "object_id")  # query parameters; dates are `from` and `to`


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    username: str
    roles: list[str]
    action: str
    action_code: str
    object_type: str
    object_id: str
    object_url: str | None
    region_code: str
    client_address: str | None
    detail: str


@require_GET
@login_required
@never_cache
def audit_list(request: HttpRequest) -> HttpResponse:
    """Events in the supervisor's region subtree, newest first, filtered by the query string; the view is audited."""
    actor = actor_for_request(request)
    filters, params, dates_invalid = _filters(request)
    after = _int_param(request, "after")
    page = selectors.audit_page(actor=actor, filters=filters, after=after, limit=PAGE_SIZE)
    partial = request.headers.get("HX-Request") == "true" and not request.headers.get("HX-History-Restore-Request")
    context = _results_context(page, params, after, dates_invalid)
    if not partial:
        context |= _form_context(actor, filters.action)
    response = render(request, "core/_audit_results.html" if partial else "core/audit_list.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _results_context(
    page: Page[AuditEvent], params: dict[str, str], after: int | None, dates_invalid: bool
) -> dict[str, Any]:
    next_after = page.next_after
    return {
        "rows": [_row(event) for event in page.items],
        "params": params,
        "filtered": bool(params),
        "dates_invalid": dates_invalid,
        "next_url": _page_url(params, next_after) if next_after is not None else None,
        "first_url": _page_url(params, None) if after is not None else None,
    }


def _form_context(actor: Actor, action: str) -> dict[str, Any]:
    """The filter form's options: the known actions, and the one asked for when it is not among them."""
    choices = selectors.audit_action_choices(actor=actor)
    if action and action not in {code for code, _label in choices}:
        choices.append((action, selectors.action_label(action)))
    return {"action_choices": choices, "object_types": selectors.OBJECT_TYPE_LABELS}


def _row(event: AuditEvent) -> AuditRow:
    return AuditRow(
        at=event.at,
        username=event.username,
        roles=selectors.role_labels(event.roles),
        action=selectors.action_label(event.action),
        action_code=event.action,
        object_type=selectors.object_type_label(event.object_type),
        object_id=event.object_id,
        object_url=selectors.object_url(event.object_type, event.object_id),
        region_code=event.region_code,
        client_address=event.client_address,
        detail=selectors.detail_text(event.detail),
    )


def _filters(request: HttpRequest) -> tuple[AuditFilters, dict[str, str], bool]:
    """The filters, the query parameters that set them (for the form and the pager links), and whether a date
    was unreadable (an unreadable date does not filter)."""
    text = {name: request.GET.get(name, "").strip()[:MAX_TEXT_LENGTH] for name in (*TEXT_FILTERS, "from", "to")}
    date_from, date_to = _date_param(text["from"]), _date_param(text["to"])
    invalid = bool((text["from"] and date_from is None) or (text["to"] and date_to is None))
    text |= {"from": date_from.isoformat() if date_from else "", "to": date_to.isoformat() if date_to else ""}
    filters = AuditFilters(
        action=text["action"],
        username=text["username"],
        object_type=text["object_type"],
        object_id=text["object_id"],
        date_from=date_from,
        date_to=date_to,
    )
    return filters, {name: value for name, value in text.items() if value}, invalid


def _page_url(params: dict[str, str], after: int | None) -> str:
    query: dict[str, str | int] = {**params, "after": after} if after is not None else dict(params)
    return f"{reverse('audit_list')}?{urlencode(query)}" if query else reverse("audit_list")


def _int_param(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


def _date_param(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None
