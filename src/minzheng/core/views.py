"""Staff pages of core: the supervisor's audit log (ARCHITECTURE §7 Audit) and the standards page (§6 Parameters).

Parse the query string, call the selectors, render. The audit page is keyset-paged newest first (`?after=<id>`);
htmx requests (header `HX-Request`) get only the results partial. Labels come from minzheng.core.audit.selectors.
The standards page shows the policy parameters in force for a region on a date, formatted for people.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from minzheng.core.access.actor import Actor, actor_for_request
from minzheng.core.audit import selectors
from minzheng.core.audit.models import AuditEvent
from minzheng.core.audit.selectors import AuditFilters
from minzheng.core.money import format_yuan
from minzheng.core.pagination import Page
from minzheng.core.parameters.models import ParameterUnit
from minzheng.core.parameters.selectors import ParameterPeriod, ParameterStanding, region_standards

_View = TypeVar("_View", bound=Callable[..., HttpResponse])

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


# ------------------------------------------------------------------------------------------------- standards


def _staff_page(view: _View) -> _View:
    """A staff page: GET only, login required, never cached."""
    return require_GET(login_required(never_cache(view)))


MAX_REGION_CODE_LENGTH = 12

VARIANT_LABELS: dict[str, Promise] = {
    "urban": gettext_lazy("城市"),
    "rural": gettext_lazy("农村"),
}

# Periods with their Chinese unit.
COUNT_FORMATS: dict[str, Promise] = {
    ParameterUnit.MONTHS: gettext_lazy("%(count)d个月"),
    ParameterUnit.YEARS: gettext_lazy("%(count)d年"),
    ParameterUnit.DAYS: gettext_lazy("%(count)d天"),
    ParameterUnit.WORKING_DAYS: gettext_lazy("%(count)d个工作日"),
}

# Values of the `choice` parameters in the shipped files (assistance/rules/params.yaml); others show as stored.
CHOICE_LABELS: dict[str, Promise] = {
    "same_month": gettext_lazy("自批准当月起发放"),
    "next_month": gettext_lazy("自批准次月起发放"),
    "yes": gettext_lazy("是"),
    "no": gettext_lazy("否"),
    "highest": gettext_lazy("就高享受一类，不叠加"),
}


@dataclass(frozen=True)
class PeriodRow:
    value: str
    applies_from: date
    applies_to: date | None
    region_name: str
    confirmed: bool
    source: str
    note: str
    state: str  # "current", "earlier" or "later" relative to the date asked for


@dataclass(frozen=True)
class StandardRow:
    key: str
    title: str
    variant: str
    variant_code: str
    value: str
    valid_from: date
    region_name: str
    region_code: str
    inherited: bool
    confirmed: bool
    source: str
    note: str
    history: list[PeriodRow]


@_staff_page
def standards(request: HttpRequest) -> HttpResponse:
    """The policy parameters in force for a region (`?region=<code>`, default the actor's) on a date (`?on=`)."""
    actor = actor_for_request(request)
    on_text = request.GET.get("on", "").strip()
    on = _date_param(on_text) or timezone.localdate()
    code = request.GET.get("region", "").strip()[:MAX_REGION_CODE_LENGTH]
    standards = region_standards(actor=actor, code=code or None, on=on)
    rows = [_standard_row(standing, on) for standing in standards.standings]
    context = {
        "region": standards.region,
        "on": on,
        "on_is_today": on == timezone.localdate(),
        "on_invalid": bool(on_text) and _date_param(on_text) is None,
        "region_code": code,
        "own_region": standards.region.id == actor.region_id,
        "rows": rows,
        "unconfirmed": sum(not row.confirmed for row in rows),
    }
    return render(request, "core/standards.html", context)


def _standard_row(standing: ParameterStanding, on: date) -> StandardRow:
    current = standing.current.version
    return StandardRow(
        key=current.key,
        title=standing.title,
        variant=variant_label(current.variant),
        variant_code=current.variant,
        value=value_text(current.unit, current.value),
        valid_from=current.valid_from,
        region_name=standing.current.region_name,
        region_code=current.region_code,
        inherited=standing.inherited,
        confirmed=current.confirmed,
        source=current.source,
        note=standing.current.note,
        history=[_period_row(period, on) for period in standing.history] if len(standing.history) > 1 else [],
    )


def _period_row(period: ParameterPeriod, on: date) -> PeriodRow:
    version = period.version
    if period.applies_to is not None and period.applies_to < on:
        state = "earlier"
    else:
        state = "later" if period.applies_from > on else "current"
    return PeriodRow(
        value=value_text(version.unit, version.value),
        applies_from=period.applies_from,
        applies_to=period.applies_to,
        region_name=period.region_name,
        confirmed=version.confirmed,
        source=version.source,
        note=period.note,
        state=state,
    )


def variant_label(variant: str) -> str:
    label = VARIANT_LABELS.get(variant)
    return str(label) if label is not None else variant


def value_text(unit: str, value: Any) -> str:
    """A stored value for people: fen as yuan, per-mille as a multiple, periods with their Chinese unit."""
    if unit == ParameterUnit.FEN:
        return format_yuan(value, symbol=True)
    if unit == ParameterUnit.PERMILLE:
        return f"{Decimal(value) / 1000:f}×"
    if unit in COUNT_FORMATS:
        return str(COUNT_FORMATS[unit]) % {"count": value}
    label = CHOICE_LABELS.get(str(value))
    return str(label) if label is not None else str(value)
