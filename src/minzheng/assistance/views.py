"""Staff pages of social assistance: a household's assessment with its explanation, printable (ARCHITECTURE §1).

GET shows the latest stored assessment; POST re-assesses on a date (caseworkers) and redirects back, so a
reload never assesses twice. Out-of-scope households are the registry selector's NotFound (404).
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from minzheng.assistance import selectors, services
from minzheng.core.access.actor import actor_for_request
from minzheng.core.errors import InvalidInput, NotFound
from minzheng.registry.selectors import household_get


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def household_assessment(request: HttpRequest, household_id: int) -> HttpResponse:
    actor = actor_for_request(request)
    error = None
    if request.method == "POST":
        try:
            services.household_assess(actor=actor, household_id=household_id, as_of=_as_of(request))
            return redirect("assistance:household_assessment", household_id=household_id)
        except (InvalidInput, NotFound) as invalid:
            if isinstance(invalid, NotFound) and invalid.field != "as_of":
                raise  # the household itself: 404
            error = invalid.message  # a bad date, or one on which the household had no members
    view = selectors.assessment_latest(actor=actor, household_id=household_id)
    household = view.household if view else household_get(actor=actor, household_id=household_id)
    context = {
        "household": household,
        "view": view,
        "error": error,
        "today": timezone.localdate(),
        "can_assess": actor.can("assessment.run"),
    }
    return render(request, "assistance/household_assessment.html", context)


def _as_of(request: HttpRequest) -> date:
    text = request.POST.get("as_of", "").strip()
    try:
        return date.fromisoformat(text) if text else timezone.localdate()
    except ValueError as error:
        raise InvalidInput("as_of.invalid", _("评估日期格式不正确"), field="as_of") from error
