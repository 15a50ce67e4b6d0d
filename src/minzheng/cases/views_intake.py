"""The intake form (一门受理登记): choose a household in scope, then the channel, programmes, applicant,
authorisation, proxy, related-party filing, declared items and referrals, in one form.

As the user types, htmx posts the form to `intake_validate`, which runs `intake_validate` (the same checks
as `intake_create`, writing nothing) and returns the list of problems; "添加一行" fetches one more declared
row. Registering a new household in the same step is offered by the API (`NewHousehold`); this page works
with households already registered.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from minzheng.cases import intake as intake_services
from minzheng.cases import selectors
from minzheng.cases.forms import (
    MAX_DECLARED_ROWS,
    DeclaredRowForm,
    IntakeForm,
    declared_rows,
    error_label,
    intake_input,
)
from minzheng.cases.views_common import int_param, is_htmx, staff_page, staff_post
from minzheng.core.access.actor import Actor, actor_for_request
from minzheng.core.errors import FieldError, InvalidInput
from minzheng.core.pagination import keyset_page
from minzheng.registry.selectors import household_get, household_list, household_members

SEARCH_LIMIT = 20
MAX_QUERY_LENGTH = 64


def _members(actor: Actor, household_id: int) -> tuple[Any, list[tuple[int, str]]]:
    household = household_get(actor=actor, household_id=household_id)
    members = [(m.person_id, f"{m.person.name}（{m.get_relation_display()}）")
               for m in household_members(household=household)]  # fmt: skip
    return household, members


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def intake(request: HttpRequest) -> HttpResponse:
    """Without `?household=`: find the household. With it: the form; a valid POST registers the intake and
    opens its first case."""
    actor = actor_for_request(request)
    actor.require("case.intake")
    household_id = int_param(request.GET.get("household") or request.POST.get("household"))
    if household_id is None:
        return _household_search(request, actor)
    household, members = _members(actor, household_id)
    if request.method == "GET":
        form = IntakeForm(
            initial={"household": household.pk}, members=members, departments=selectors.departments_active()
        )
        rows = [DeclaredRowForm(prefix="declared-0", members=members)]
        return _form_page(request, household, form, rows, errors=[])
    form = IntakeForm(request.POST, members=members, departments=selectors.departments_active())
    rows = declared_rows(request.POST, members)
    if not (form.is_valid() and all(row.is_valid() for row in rows)):
        return _form_page(request, household, form, rows, errors=_form_errors(form, rows), status=422)
    data = intake_input(form, rows)
    try:
        created = intake_services.intake_create(actor=actor, data=data)
    except InvalidInput as error:
        errors = [(error_label(e.path, data), str(e.message)) for e in error.field_errors()]
        return _form_page(request, household, form, rows, errors=errors, status=422)
    first = created.cases.order_by("pk").values_list("pk", flat=True).first()
    if first is None:  # only needs outside civil affairs: they went out as referrals
        return redirect(f"{reverse('household_detail', args=[household.pk])}#assistance-chain")
    return redirect("cases:detail", case_id=first)


def _household_search(request: HttpRequest, actor: Actor) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    page = keyset_page(household_list(actor=actor, number_prefix=query), after=None, limit=SEARCH_LIMIT, order="number")
    context = {"query": query, "households": page.items, "more": page.has_next}
    template = "cases/_intake_households.html" if is_htmx(request) else "cases/intake_household.html"
    return render(request, template, context)


def _form_page(
    request: HttpRequest,
    household: Any,
    form: IntakeForm,
    rows: list[DeclaredRowForm],
    *,
    errors: list[tuple[str, str]],
    status: int = 200,
) -> HttpResponse:
    context = {
        "household": household,
        "form": form,
        "rows": rows,
        "next_row": _next_row(rows),
        "errors": errors,
        "checked": False,
        "max_rows": MAX_DECLARED_ROWS,
    }
    return render(request, "cases/intake.html", context, status=status)


def _next_row(rows: list[DeclaredRowForm]) -> int:
    return max((int(str(row.prefix).rsplit("-", 1)[1]) for row in rows), default=-1) + 1


def _form_errors(form: IntakeForm, rows: list[DeclaredRowForm]) -> list[tuple[str, str]]:
    errors = [(str(form.fields[name].label) if name in form.fields else "", str(message))
              for name, messages in form.errors.items() for message in messages]  # fmt: skip
    for number, row in enumerate(rows, start=1):
        for messages in row.errors.values():
            errors.extend((error_label(f"declared[{number - 1}]", None), str(message)) for message in messages)
    return errors


@staff_post
def validate(request: HttpRequest) -> HttpResponse:
    """The problems of the form as filled in so far (htmx fragment): the form's own parsing first, then the
    service's checks."""
    actor = actor_for_request(request)
    actor.require("case.intake")
    form = IntakeForm(request.POST, members=[], departments=selectors.departments_active())
    rows = declared_rows(request.POST, [])
    errors = _form_errors(form, rows) if not form.is_valid() or not all(r.is_valid() for r in rows) else None
    if errors is None:
        data = intake_input(form, rows)
        problems: list[FieldError] = intake_services.intake_validate(actor=actor, data=data)
        errors = [(error_label(e.path, data), str(e.message)) for e in problems]
    return render(request, "cases/_intake_errors.html", {"errors": errors, "checked": True})


@staff_page
def declared_row(request: HttpRequest) -> HttpResponse:
    """One more declared row (`?household=<id>&declared_next=<n>`), and the counter for the one after it."""
    actor = actor_for_request(request)
    actor.require("case.intake")
    _household, members = _members(actor, int_param(request.GET.get("household")) or 0)
    index = min(int_param(request.GET.get("declared_next")) or 0, MAX_DECLARED_ROWS * 10)
    row = DeclaredRowForm(prefix=f"declared-{index}", members=members)
    return render(request, "cases/_declared_row.html", {"row": row, "next_row": index + 1, "oob": True})
