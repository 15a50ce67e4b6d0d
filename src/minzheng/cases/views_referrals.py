"""Referrals (转办) as the receiving department and the township see them: the list, overdue and escalated ones
highlighted, and one referral with the department's feedback form.

A department officer sees only its own department's referrals (`referrals_visible`) and nothing of the case
itself: the page shows the matter, the household number and the applicant's masked name.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from minzheng.cases.forms import FeedbackForm
from minzheng.cases.models import Referral, ReferralStatus
from minzheng.cases.referrals import referral_feedback, referral_get, referrals_visible
from minzheng.cases.views_common import PageError, form_error, int_param, page_error, staff_page
from minzheng.core.access.actor import actor_for_request
from minzheng.core.errors import Conflict, InvalidInput
from minzheng.core.masking import mask_name
from minzheng.core.pagination import keyset_page

PAGE_SIZE = 50
CLOSED = frozenset({ReferralStatus.HELPED, ReferralStatus.DECLINED})


@dataclass(frozen=True)
class ReferralRow:
    referral: Referral
    overdue: bool


@staff_page
def referrals(request: HttpRequest) -> HttpResponse:
    """Newest first, keyset-paged (`?after=<id>`)."""
    actor = actor_for_request(request)
    after = int_param(request.GET.get("after"))
    page = keyset_page(referrals_visible(actor=actor), after=after, limit=PAGE_SIZE, order="-pk")
    today = timezone.localdate()
    rows = [ReferralRow(r, r.status == ReferralStatus.SENT and r.due_on < today) for r in page.items]
    context = {"rows": rows, "next_after": page.next_after, "after": after}
    return render(request, "cases/referrals.html", context)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def referral(request: HttpRequest, referral_id: int) -> HttpResponse:
    """One referral; a department officer posts its feedback here (accepted, helped or declined)."""
    actor = actor_for_request(request)
    error: PageError | None = None
    form = FeedbackForm()
    if request.method == "POST":
        actor.require("referral.feedback")
        form = FeedbackForm(request.POST)
        if form.is_valid():
            try:
                referral_feedback(actor=actor, referral_id=referral_id, data=form.feedback_input())
            except (InvalidInput, Conflict) as refusal:
                error = page_error(refusal)
            else:
                messages.success(request, _("已反馈办理结果"))
                return redirect("cases:referral", referral_id=referral_id)
        else:
            error = form_error(form)
    item = referral_get(actor=actor, referral_id=referral_id)
    context = {
        "referral": item,
        "applicant": mask_name(item.intake.applicant.name),
        "overdue": item.status == ReferralStatus.SENT and item.due_on < timezone.localdate(),
        "form": form if actor.can("referral.feedback") and item.status not in CLOSED else None,
        "case_link": actor.can("case.view") and item.case_id is not None,
        "error": error,
    }
    return render(request, "cases/referral_detail.html", context, status=error.status if error else 200)
