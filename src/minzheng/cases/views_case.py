"""The case page (办件详情) and the forms on it; the printable completeness notice (一次性告知).

The page shows the case, its timeline and records, and a form for each action `actions_allowed` returns plus
the small casework forms. Every form posts to one view that calls one service and redirects back to the page
(POST-redirect-GET). A service's refusal (InvalidInput 422, Conflict 409) is shown on the page itself, above
the forms, with the form as it was filled in, and the list of what is missing where the service gives one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.cases import selectors
from minzheng.cases.casework import (
    assignable_staff,
    case_advance_aid,
    case_assign,
    case_extend,
    decision_notified,
    economic_check_complete,
    home_visit_record,
)
from minzheng.cases.forms import (
    ActionForm,
    AdvanceAidForm,
    AssignForm,
    AttachmentForm,
    EconomicCheckForm,
    ExtendForm,
    HomeVisitForm,
    NotifiedForm,
    ReferralSendForm,
)
from minzheng.cases.intake import MATERIALS, attachment_add, case_missing
from minzheng.cases.models import (
    Case,
    CaseState,
)
from minzheng.cases.referrals import referral_send
from minzheng.cases.services import actions_allowed, case_act
from minzheng.cases.views_common import PageError, form_error, int_param, page_error, staff_page, staff_post
from minzheng.cases.workflow import ACTIONS, Action, procedure_for
from minzheng.core.access.actor import Actor, actor_for_request
from minzheng.core.access.permissions import Permission
from minzheng.core.errors import Conflict, InvalidInput
from minzheng.core.masking import mask_name, mask_phone
from minzheng.core.money import format_yuan

_Form = TypeVar("_Form", bound=forms.Form)
_VISIT_STATES = frozenset({CaseState.ACCEPTED, CaseState.INVESTIGATING})
# The services' field names that the forms call otherwise.
FORM_FIELDS = {"amount_fen": "amount", "department_code": "department", "assignee_id": "assignee"}
# Actions that end or pause the procedure: listed last and never opened by default.
EXIT_ACTIONS = frozenset({"suspend", "withdraw", "terminate"})


@dataclass(frozen=True)
class ActionView:
    action: Action
    form: ActionForm


# --------------------------------------------------------------------------------------------------- the page


@staff_page
def detail(request: HttpRequest, case_id: int) -> HttpResponse:
    return _case_page(request, actor_for_request(request), case_id)


def _case_page(
    request: HttpRequest,
    actor: Actor,
    case_id: int,
    *,
    error: PageError | None = None,
    bound: dict[str, forms.Form] | None = None,
) -> HttpResponse:
    case = selectors.case_get(actor=actor, case_id=case_id)
    records = selectors.case_records(case=case)
    context = _case_context(actor, case, records) | _forms(actor, case, records, bound or {})
    context["error"] = error
    return render(request, "cases/detail.html", context, status=error.status if error else 200)


def _case_context(actor: Actor, case: Case, records: selectors.CaseRecords) -> dict[str, Any]:
    today = timezone.localdate()
    soon = selectors.urgency_bounds(today)
    decision = records.decision
    return {
        "case": case,
        "intake": case.intake,
        "procedure": procedure_for(case.programme, case.aid_kind),
        "applicant": mask_name(case.intake.applicant.name),
        "subject": mask_name(case.person.name) if case.person else "",
        "contact_phone": mask_phone(case.intake.contact_phone),
        "urgency": selectors.case_urgency(case, today, soon),
        "today": today,
        "soon": soon,
        "records": records,
        "timeline": [(t, ACTIONS[t.action].label if t.action in ACTIONS else t.action) for t in records.transitions],
        "materials": [
            (a, MATERIALS[a.material].title if a.material in MATERIALS else a.material) for a in records.attachments
        ],
        "missing": case_missing(case) if case.is_open else [],
        "missing_to_approve": case_missing(case, to_approve=True) if case.is_open else [],
        "show_objector_contact": actor.can("case.accept") or actor.can("case.review"),
        "can_assess": actor.can("assessment.view"),
        "overridden": bool(decision and decision.override_reason),
        "documents": _documents(case, records),
        "notice_on": records.notices[-1].starts_on if records.notices else None,
    }


def _documents(case: Case, records: selectors.CaseRecords) -> list[tuple[str, str]]:
    """The PDFs that exist for this case: (kind, title)."""
    documents = [("completeness_notice", _("一次性告知书"))]
    if any(not visit.by_district for visit in records.visits):
        documents.append(("investigation_record", _("入户调查记录")))
    if records.decision is not None:
        documents.append(("decision", _("审批决定书")))
    return documents


def _forms(actor: Actor, case: Case, records: selectors.CaseRecords, bound: dict[str, forms.Form]) -> dict[str, Any]:
    """A form for each thing this actor may do to the case now; `bound` holds a form posted back with errors."""
    procedure = procedure_for(case.programme, case.aid_kind)
    staff = assignable_staff(actor=actor) if actor.can("case.accept") or actor.can("case.manage") else []
    decision = records.decision
    shown: dict[str, Callable[[], forms.Form]] = {}
    if actor.can("case.accept") and case.state in _VISIT_STATES:
        shown["home_visit"] = lambda: HomeVisitForm(staff=staff)
    if actor.can("case.approve") and case.state == CaseState.DISTRICT_REVIEW and case.district_visit_required:
        shown["district_visit"] = lambda: HomeVisitForm(staff=staff, initial={"by_district": True})
    if actor.can("case.accept") and any(check.completed_on is None for check in records.checks):
        shown["economic_check"] = EconomicCheckForm
    if actor.can("case.manage") and case.is_open:
        shown["assign"] = lambda: AssignForm(staff=staff, initial={"assignee": case.assignee_id})
        if case.accepted_on and not case.extended:
            shown["extend"] = ExtendForm
    if actor.can("case.accept") and procedure.advance_aid and case.is_open and not case.advance_aid_fen:
        shown["advance_aid"] = AdvanceAidForm
    if actor.can("case.accept") and decision is not None and decision.notified_on is None:
        shown["notified"] = NotifiedForm
    if actor.can("case.intake") and case.is_open:
        shown["attachment"] = lambda: AttachmentForm(initial={"case_id": case.pk})
    if actor.can("referral.send"):
        shown["referral"] = lambda: ReferralSendForm(
            departments=selectors.departments_active(), initial={"intake_id": case.intake_id}
        )
    built = {name: bound.get(name) or make() for name, make in shown.items()}
    for name, form in built.items():
        form.auto_id = f"{name}-%s"  # several forms on one page: ids must not collide
    actions = [ActionView(a, _action_form(a, case, bound)) for a in actions_allowed(actor=actor, case=case)]
    return {
        "forms": built,
        "actions": [view for view in actions if view.action.name not in EXIT_ACTIONS],
        "exits": [view for view in actions if view.action.name in EXIT_ACTIONS],
    }


def _action_form(action: Action, case: Case, bound: dict[str, forms.Form]) -> ActionForm:
    posted = bound.get(f"action:{action.name}")
    if isinstance(posted, ActionForm):
        return posted
    initial: dict[str, Any] = {}
    if action.name == "approve" and case.assessed_amount_fen is not None:
        initial["amount"] = format_yuan(case.assessed_amount_fen)
    return ActionForm(initial=initial, action=action, auto_id=f"action-{action.name}-%s")


# ----------------------------------------------------------------------------------------------- the actions


def _back(case_id: int, anchor: str) -> HttpResponse:
    return redirect(f"{reverse('cases:detail', args=[case_id])}#{anchor}")


def _submit(
    request: HttpRequest,
    actor: Actor,
    case_id: int,
    *,
    key: str,
    form: _Form,
    call: Callable[[_Form], object],
    done: str,
    anchor: str = "work",
) -> HttpResponse:
    """Validate, call the service, and redirect back; or show the page again with the refusal and the form."""
    if not form.is_valid():
        return _case_page(request, actor, case_id, error=form_error(form), bound={key: form})
    try:
        call(form)
    except (InvalidInput, Conflict) as refusal:
        field = FORM_FIELDS.get(refusal.field or "", refusal.field)
        if field in form.fields:  # also beside the field it is about
            form.add_error(field, str(refusal.message))
        return _case_page(request, actor, case_id, error=page_error(refusal), bound={key: form})
    messages.success(request, done)
    return _back(case_id, anchor)


def _action_permission(name: str) -> Permission:
    """The least permission an action may need, checked before the case is looked up, so that a role that may
    never do it is refused (403) whatever the case; the service then checks the exact one (delegated approval)."""
    if name in {"approve", "refuse"}:
        return "case.approve_delegated"
    return ACTIONS[name].permission if name in ACTIONS else "case.view"


@staff_post
def act(request: HttpRequest, case_id: int) -> HttpResponse:
    """One state-moving action through `case_act`."""
    actor = actor_for_request(request)
    name = request.POST.get("action", "")
    actor.require(_action_permission(name))
    if name not in ACTIONS:
        return HttpResponseBadRequest()
    form = ActionForm(request.POST, action=ACTIONS[name], auto_id=f"action-{name}-%s")
    return _submit(
        request, actor, case_id, key=f"action:{name}", form=form, anchor="timeline",
        call=lambda f: case_act(actor=actor, case_id=case_id, data=f.action_input()),
        done=_("已办理：%(action)s") % {"action": ACTIONS[name].label},
    )  # fmt: skip


@staff_post
def home_visit(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = actor_for_request(request)
    form = HomeVisitForm(request.POST, staff=assignable_staff(actor=actor))
    key = "district_visit" if request.POST.get("by_district") else "home_visit"
    return _submit(
        request, actor, case_id, key=key, form=form, anchor="visits",
        call=lambda f: home_visit_record(actor=actor, case_id=case_id, data=f.visit_input()),
        done=_("已登记入户调查"),
    )  # fmt: skip


@staff_post
def economic_check(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = actor_for_request(request)
    return _submit(
        request, actor, case_id, key="economic_check", form=EconomicCheckForm(request.POST), anchor="checks",
        call=lambda f: economic_check_complete(actor=actor, case_id=case_id, **f.cleaned_data),
        done=_("已登记信息核对结果"),
    )  # fmt: skip


@staff_post
def extend(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = actor_for_request(request)
    return _submit(
        request, actor, case_id, key="extend", form=ExtendForm(request.POST),
        call=lambda f: case_extend(actor=actor, case_id=case_id, reason=f.cleaned_data["reason"]),
        done=_("已延长办理期限"),
    )  # fmt: skip


@staff_post
def assign(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = actor_for_request(request)
    actor.require("case.manage")
    form = AssignForm(request.POST, staff=assignable_staff(actor=actor))
    return _submit(
        request, actor, case_id, key="assign", form=form,
        call=lambda f: case_assign(actor=actor, case_id=case_id, assignee_id=f.cleaned_data["assignee"]),
        done=_("已分配经办人"),
    )  # fmt: skip


@staff_post
def advance_aid(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = actor_for_request(request)
    return _submit(
        request, actor, case_id, key="advance_aid", form=AdvanceAidForm(request.POST),
        call=lambda f: case_advance_aid(actor=actor, case_id=case_id, amount_fen=f.cleaned_data["amount"],
                                        paid_on=f.cleaned_data["paid_on"], reason=f.cleaned_data["reason"]),
        done=_("已登记先行救助"),
    )  # fmt: skip


@staff_post
def notified(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = actor_for_request(request)
    return _submit(
        request, actor, case_id, key="notified", form=NotifiedForm(request.POST), anchor="decision",
        call=lambda f: decision_notified(actor=actor, case_id=case_id, notified_on=f.cleaned_data["notified_on"]),
        done=_("已登记书面告知"),
    )  # fmt: skip


@staff_post
def attachment_upload(request: HttpRequest, intake_id: int) -> HttpResponse:
    """A scanned material for the intake of the case the form was on (multipart)."""
    actor = actor_for_request(request)
    actor.require("case.intake")
    form = AttachmentForm(request.POST, request.FILES)
    case_id = form.cleaned_data["case_id"] if form.is_valid() else int_param(request.POST.get("case_id"))
    if case_id is None:  # the form on the case page always names its case
        return HttpResponseBadRequest()

    def upload(valid: AttachmentForm) -> object:
        file = valid.cleaned_data["file"]
        return attachment_add(actor=actor, intake_id=intake_id, material=valid.cleaned_data["material"],
                              filename=file.name or "", content=file.read())  # fmt: skip

    return _submit(
        request, actor, case_id, key="attachment", form=form, anchor="materials", call=upload,
        done=_("已上传材料"),
    )  # fmt: skip


@staff_post
def referral_new(request: HttpRequest, case_id: int) -> HttpResponse:
    """转办 from the case page: the need goes to another department with a feedback deadline."""
    actor = actor_for_request(request)
    actor.require("referral.send")
    form = ReferralSendForm(request.POST, departments=selectors.departments_active())
    return _submit(
        request, actor, case_id, key="referral", form=form, anchor="referrals",
        call=lambda f: referral_send(actor=actor, intake_id=f.cleaned_data["intake_id"], case_id=case_id,
                                     department_code=f.cleaned_data["department"], matter=f.cleaned_data["matter"],
                                     sent_on=f.cleaned_data["sent_on"]),
        done=_("已转办"),
    )  # fmt: skip


# ------------------------------------------------------------------------------------------- 一次性告知


@staff_page
def completeness(request: HttpRequest, case_id: int) -> HttpResponse:
    """The completeness notice as a printable page: everything still missing, listed at once."""
    actor = actor_for_request(request)
    case = selectors.case_get(actor=actor, case_id=case_id)
    context = {
        "case": case,
        "applicant": mask_name(case.intake.applicant.name),
        "missing": case_missing(case),
        "missing_to_approve": case_missing(case, to_approve=True),
        "today": timezone.localdate(),
    }
    return render(request, "cases/completeness.html", context)
