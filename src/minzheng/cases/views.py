"""Staff pages of the case workflow (ARCHITECTURE §1 interfaces): the work queue with its bulk actions, the
dashboard, the village's public notice list and the file downloads. The case page and its forms are in
views_case.py, the intake form in views_intake.py, referrals in views_referrals.py.

Every view parses the request, calls the cases selectors and services, and renders; out-of-scope records are
the selectors' NotFound (404) and missing roles their AccessDenied (403), mapped by the middleware. The
queue pages by page number with a fixed number of queries per page (the selector joins what a row shows).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.cases import selectors
from minzheng.cases.casework import BulkOutcome, assignable_staff, cases_bulk_act, cases_bulk_assign
from minzheng.cases.documents import CASE_DOCUMENT_KINDS, case_document, notice_list_document
from minzheng.cases.forms import BULK_OPERATIONS, BulkForm, QueueFilterForm
from minzheng.cases.intake import attachment_read
from minzheng.cases.models import Case, CaseState, ReferralStatus
from minzheng.cases.services import ActionInput
from minzheng.cases.views_common import (
    date_param,
    error_page,
    file_response,
    form_error,
    is_htmx,
    staff_page,
    staff_post,
)
from minzheng.core.access.actor import Actor, actor_for_request
from minzheng.core.errors import Conflict, InvalidInput, NotFound
from minzheng.core.masking import mask_name
from minzheng.core.programmes import Programme
from minzheng.core.regions.models import Region
from minzheng.registry.selectors import region_in_scope, region_in_scope_by_id

PAGE_SIZE = 50
MAX_REGION_CODE_LENGTH = 12
# Column → (ascending order, descending order) of the sortable columns; None where the selector has no such order.
SORTS: dict[str, tuple[str, str | None]] = {"due": ("due", "-due"), "step_due": ("step_due", None),
                                            "received": ("received", "-received")}  # fmt: skip


@dataclass(frozen=True)
class QueueRow:
    case: Case
    applicant: str  # masked
    assignee: str
    urgency: str  # overdue | due_soon | ""


@staff_page
def queue(request: HttpRequest) -> HttpResponse:
    """The actor's cases, filtered and sorted from the query string; htmx gets the results partial only."""
    actor = actor_for_request(request)
    form = QueueFilterForm(request.GET)
    filters = form.queue_filter()
    today = timezone.localdate()
    paginator = Paginator(selectors.case_queue(actor=actor, filters=filters, today=today), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    staff = assignable_staff(actor=actor)
    names = dict(staff)
    soon = selectors.urgency_bounds(today)
    rows = [
        QueueRow(
            case=case,
            applicant=mask_name(case.intake.applicant.name),
            assignee=names.get(case.assignee_id or 0) or (case.assignee.get_username() if case.assignee else ""),
            urgency=selectors.case_urgency(case, today, soon),
        )
        for case in page
    ]
    params = _filter_params(form)
    context = {
        "form": form,
        "rows": rows,
        "page": page,
        "order": filters.order,
        "sort_urls": {column: _sort_url(params, filters.order, column) for column in SORTS},
        "page_urls": _page_urls(params, filters.order, page),
        "query": _query({**params, "order": filters.order, "page": page.number}),
        "can_manage": actor.can("case.manage"),
        "staff": staff,
        "bulk_operations": BULK_OPERATIONS,
        "today": today,
        "soon": soon,
    }
    template = "cases/_queue_results.html" if is_htmx(request) else "cases/queue.html"
    return render(request, template, context)


def _filter_params(form: QueueFilterForm) -> dict[str, Any]:
    data = form.cleaned_data if form.is_valid() else {}
    keys = ("state", "programme", "urgency", "mine", "closed")
    return {key: ("1" if data[key] is True else data[key]) for key in keys if data.get(key)}


def _query(params: dict[str, Any]) -> str:
    query = QueryDict(mutable=True)
    query.update({key: str(value) for key, value in params.items() if value not in ("", None)})
    return query.urlencode()


def _sort_url(params: dict[str, Any], current: str, column: str) -> str:
    ascending, descending = SORTS[column]
    order = descending if current == ascending and descending else ascending
    return f"{reverse('cases:queue')}?{_query({**params, 'order': order})}"


def _page_urls(params: dict[str, Any], order: str, page: Page[Case]) -> dict[str, str]:
    def url(number: int) -> str:
        return f"{reverse('cases:queue')}?{_query({**params, 'order': order, 'page': number})}"

    urls = {}
    if page.has_previous():
        urls["previous"] = url(page.previous_page_number())
    if page.has_next():
        urls["next"] = url(page.next_page_number())
    return urls


@staff_post
def bulk(request: HttpRequest) -> HttpResponse:
    """批量审批 / 公示期满 / 分配: each ticked case on its own; the queue then shows what was done and what failed."""
    actor = actor_for_request(request)
    actor.require("case.manage")
    staff = assignable_staff(actor=actor)
    form = BulkForm(request.POST, staff=staff)
    back = f"{reverse('cases:queue')}?{QueryDict(request.POST.get('back', '')[:500]).urlencode()}"
    if not form.is_valid():
        for message in form_error(form).items:
            messages.error(request, message)
        return redirect(back)
    data = form.cleaned_data
    if data["operation"] == "assign":
        outcome = cases_bulk_assign(actor=actor, case_ids=data["case_ids"], assignee_id=data["assignee"])
    else:
        action = ActionInput(action=data["operation"], on=data["on"])
        outcome = cases_bulk_act(actor=actor, case_ids=data["case_ids"], data=action)
    _outcome_messages(request, outcome, str(BULK_OPERATIONS[data["operation"]]))
    return redirect(back)


def _outcome_messages(request: HttpRequest, outcome: BulkOutcome, label: str) -> None:
    done = len(outcome.done)
    summary = _("%(operation)s：已办理 %(done)d 件，未办理 %(failed)d 件") % {
        "operation": label.rstrip("…"),
        "done": done,
        "failed": len(outcome.failed),
    }
    (messages.success if not outcome.failed else messages.warning)(request, summary)
    for failure in outcome.failed:
        text = _("申请 %(number)06d 未办理：%(reason)s") % {"number": failure["case_id"], "reason": failure["message"]}
        messages.error(request, text)


# --------------------------------------------------------------------------------------------------- dashboard


@staff_page
def dashboard(request: HttpRequest) -> HttpResponse:
    """Counts of the actor's region: by state, by programme, deadlines, referrals and intake per month."""
    actor = actor_for_request(request)
    board = selectors.case_dashboard(actor=actor, today=timezone.localdate())
    by_state = [(CaseState(code).label, board.by_state[code]) for code in CaseState.values if code in board.by_state]
    by_programme = [(Programme(code).label, n) for code, n in board.by_programme.items()]
    referrals = [(ReferralStatus(code).label, board.referrals[code]) for code in ReferralStatus.values
                 if code in board.referrals]  # fmt: skip
    months = _every_month(board.monthly_intake)
    chart = {
        "states": {"labels": [str(label) for label, _n in by_state], "values": [n for _label, n in by_state]},
        "months": {"labels": [month for month, _n in months], "values": [n for _month, n in months]},
        "titles": {"states": _("按状态"), "months": _("每月受理")},
    }  # fmt: skip
    context = {
        "board": board,
        "by_state": by_state,
        "by_programme": by_programme,
        "referrals": referrals,
        "open_total": sum(board.by_programme.values()),
        "chart": chart,
    }
    return render(request, "cases/dashboard.html", context)


def _every_month(counts: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The monthly counts ("2026-09") with the months without any intake in between as 0, for the trend line."""
    if not counts:
        return []
    known = dict(counts)
    year, month = (int(part) for part in counts[0][0].split("-"))
    filled = []
    while (key := f"{year:04d}-{month:02d}") <= counts[-1][0]:
        filled.append((key, known.get(key, 0)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return filled


# ----------------------------------------------------------------------------------------------- public notices


def _notice_region(actor: Actor, code: str) -> Region:
    """A village, community or township within the actor's own subtree (the actor's region without a code)."""
    if not code:
        actor.require("case.view")
        return region_in_scope_by_id(actor=actor, region_id=actor.region_id)
    region = region_in_scope(actor=actor, code=code, permission="case.view")
    if not region.path.startswith(actor.scope_path):  # a region above the actor's: other villages' notices
        raise NotFound("region.not_found", _("未找到该区划"), field="region")
    return region


def _notice_params(request: HttpRequest) -> tuple[str, date]:
    code = request.GET.get("region", "").strip()[:MAX_REGION_CODE_LENGTH]
    return code, date_param(request.GET.get("on", "").strip()) or timezone.localdate()


@staff_page
def notices(request: HttpRequest) -> HttpResponse:
    """The 公示 list of a village (or every village of a township) on a date: masked name, members, amount."""
    actor = actor_for_request(request)
    code, on = _notice_params(request)
    region = _notice_region(actor, code)
    rows = selectors.public_notices(region=region, on=on)
    context = {"region": region, "on": on, "rows": list(rows), "totals": selectors.notice_totals(rows), "code": code}
    return render(request, "cases/notices.html", context)


@staff_page
def notice_pdf(request: HttpRequest) -> HttpResponse:
    actor = actor_for_request(request)
    code, on = _notice_params(request)
    region = _notice_region(actor, code)
    rendered = notice_list_document(actor=actor, region_id=region.pk, on=on)
    return file_response(rendered.content, filename=rendered.filename, content_type="application/pdf", inline=True)


# --------------------------------------------------------------------------------------------------- downloads


@staff_page
def attachment(request: HttpRequest, attachment_id: int) -> HttpResponse:
    """A scanned material, for staff of its region only; the read is audited by `attachment_read`."""
    item, content = attachment_read(actor=actor_for_request(request), attachment_id=attachment_id)
    return file_response(content, filename=item.filename, content_type=item.content_type)


@staff_page
def document(request: HttpRequest, case_id: int, kind: str) -> HttpResponse:
    """A case's decision letter, completeness notice or investigation record as PDF."""
    if kind not in CASE_DOCUMENT_KINDS:
        raise Http404
    try:
        rendered = case_document(actor=actor_for_request(request), case_id=case_id, kind=kind)
    except (Conflict, InvalidInput) as error:
        return error_page(request, error, back_url=reverse("cases:detail", args=[case_id]))
    return file_response(rendered.content, filename=rendered.filename, content_type="application/pdf", inline=True)
