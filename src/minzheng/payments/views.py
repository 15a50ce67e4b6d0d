"""Enrolment pages: a list (filter by state, programme, reviews due) and one enrolment with its events and the
forms of its later life — periodic review (复核, with or without a new amount), 渐退, suspension, stop. Each form
posts to the same page, which calls the payments services and redirects (POST-redirect-GET)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from minzheng.core.access.actor import Actor, actor_for_request
from minzheng.core.errors import ApplicationError, InvalidInput
from minzheng.core.money import parse_yuan
from minzheng.core.pagination import cursor_decode, cursor_encode, keyset_page
from minzheng.core.programmes import Programme
from minzheng.payments import selectors, services
from minzheng.payments.models import EnrolmentState

PAGE_SIZE = 50


@require_GET
@login_required
@never_cache
def enrolment_list(request: HttpRequest) -> HttpResponse:
    actor = actor_for_request(request)
    today = timezone.localdate()
    state, programme = request.GET.get("state", ""), request.GET.get("programme", "")
    due = request.GET.get("due") == "1"
    rows = selectors.enrolment_list(actor=actor, state=state if state in EnrolmentState.values else "",
                                    programme=programme if programme in Programme.values else "",
                                    due_for_review_on=today if due else None)  # fmt: skip
    page = keyset_page(rows, after=cursor_decode(request.GET.get("after")), limit=PAGE_SIZE, order="-pk")
    query: dict[str, str] = {key: str(value) for key, value in request.GET.items() if key != "after"}
    next_url = None
    if page.has_next:
        next_url = f"?{urlencode({**query, 'after': cursor_encode(page.items[-1].pk)})}"
    context = {
        "page": "enrolments",
        "rows": page.items,
        "next_url": next_url,
        "states": EnrolmentState.choices,
        "programmes": Programme.choices,
        "filters": {"state": state, "programme": programme, "due": due},
        "today": today,
    }
    return render(request, "payments/enrolment_list.html", context)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def enrolment_detail(request: HttpRequest, enrolment_id: int) -> HttpResponse:
    actor = actor_for_request(request)
    error = ""
    if request.method == "POST":
        try:
            enrolment_id = _apply(actor, enrolment_id, request.POST)
            messages.success(request, _("已保存"))
            return redirect(reverse("payments:enrolment", args=[enrolment_id]))
        except ApplicationError as failure:
            if failure.status in {403, 404}:  # not a form error: the error pages
                raise
            error = "；".join(str(e.message) for e in failure.field_errors())
    enrolment = selectors.enrolment_get(actor=actor, enrolment_id=enrolment_id)
    context = {
        "page": "enrolments",
        "enrolment": enrolment,
        "events": enrolment.events.select_related("actor").order_by("on", "id"),
        "error": error,
        "today": timezone.localdate(),
        "can_manage": actor.can("enrolment.manage"),
        "can_stop": actor.can("enrolment.stop"),
    }
    return render(request, "payments/enrolment_detail.html", context)


def _apply(actor: Actor, enrolment_id: int, form: Any) -> int:
    """Call the service the submitted form names; returns the enrolment to show next (a change supersedes)."""
    action, reason = form.get("action", ""), form.get("reason", "")
    on = _date(form.get("on", ""), "on") or timezone.localdate()
    if action == "review":
        amount = form.get("amount", "").strip()
        data = services.ReviewInput(reviewed_on=on, amount_fen=parse_yuan(amount, field="amount") if amount else None,
                                    reason=reason)  # fmt: skip
        return services.enrolment_review(actor=actor, enrolment_id=enrolment_id, data=data).pk
    if action == "phase_out":
        months = int(form.get("months", "0") or 0)
        return services.enrolment_phase_out(actor=actor, enrolment_id=enrolment_id, on=on, months=months,
                                            reason=reason).pk  # fmt: skip
    if action in {"suspend", "resume"}:
        return services.enrolment_suspend(actor=actor, enrolment_id=enrolment_id, on=on, reason=reason,
                                          resume=action == "resume").pk  # fmt: skip
    if action == "stop":
        last = _date(form.get("last_month", "") + "-01", "last_month") if form.get("last_month") else None
        return services.enrolment_stop(actor=actor, enrolment_id=enrolment_id, on=on,
                                       last_month=last or on, reason=reason).pk  # fmt: skip
    raise InvalidInput("enrolment.action", _("未知的操作"), field="action")


def _date(text: str, field: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError as error:
        raise InvalidInput("date.invalid", _("日期格式不正确"), field=field) from error
