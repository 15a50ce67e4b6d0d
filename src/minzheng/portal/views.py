"""Pages of the resident portal (/portal/): phone login with a one-time code, the resident's applications, the
online application, and the public notice lists. Parse the request, call a service or selector, render.

The session holds the verified number under `session.PHONE`; it expires like a staff session (30 minutes idle,
closed browser). Nothing here touches staff login: a resident is no Django user.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from minzheng.cases.intake import intake_create_online
from minzheng.core.errors import Conflict, InvalidInput, NotFound
from minzheng.core.masking import mask_phone
from minzheng.portal import selectors, services, session
from minzheng.portal.forms import ApplicationForm, CodeForm, IncomeFormSet, PhoneForm

ResidentView = Callable[..., HttpResponse]


def resident_required(view: ResidentView) -> Callable[[HttpRequest], HttpResponse]:
    """Pass the verified number as `phone`; without one, go to the login page and come back afterwards."""

    @wraps(view)
    def wrapped(request: HttpRequest) -> HttpResponse:
        phone = request.session.get(session.PHONE)
        if not phone:
            return redirect(f"{reverse('portal:login')}?{urlencode({'next': request.get_full_path()})}")
        return view(request, phone)

    return never_cache(wrapped)


def _safe_next(request: HttpRequest, target: str) -> str:
    portal = reverse("portal:home")
    allowed = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    return target if target.startswith(portal) and allowed else portal


# ---------------------------------------------------------------------------------------------------- login


@never_cache
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    """Ask for a number and send it a code; the answer is the same whether the number is registered or not."""
    if request.session.get(session.PHONE):
        return redirect("portal:home")
    form = PhoneForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            phone = services.code_issue(phone=form.cleaned_data["phone"])
        except (InvalidInput, Conflict) as error:
            form.add_error("phone", str(error.message))
            status = 429 if isinstance(error, Conflict) else 200
        else:
            request.session[session.PENDING] = phone
            request.session[session.NEXT] = request.GET.get("next", "")
            return redirect("portal:verify")
    return render(request, "portal/login.html", {"form": form}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Check the code; on success the session (with a new key) holds the verified number."""
    pending = request.session.get(session.PENDING)
    if not pending:
        return redirect("portal:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            phone = services.code_verify(phone=pending, code=form.cleaned_data["code"])
        except InvalidInput as error:
            form.add_error("code", str(error.message))
        else:
            target = _safe_next(request, request.session.pop(session.NEXT, ""))
            del request.session[session.PENDING]
            request.session.cycle_key()
            request.session[session.PHONE] = phone
            return redirect(target)
    context = {"form": form, "phone_masked": mask_phone(pending), "phone": pending}
    return render(request, "portal/verify.html", context)


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    """Forget the verified number (a staff login in the same browser is left alone)."""
    for key in (session.PHONE, session.PENDING, session.NEXT):
        request.session.pop(key, None)
    request.session.cycle_key()
    return redirect("portal:login")


# ------------------------------------------------------------------------------------------- applications


@require_GET
@resident_required
def home(request: HttpRequest, phone: str) -> HttpResponse:
    """The resident's households and their applications with the steps so far."""
    households = selectors.resident_applications(phone=phone)
    return render(request, "portal/home.html", {"households": households, "phone_masked": mask_phone(phone)})


@require_http_methods(["GET", "POST"])
@resident_required
def apply(request: HttpRequest, phone: str) -> HttpResponse:
    """Apply online for the household of `?person=<id>` (a person with the verified number)."""
    person_id = _int(request.GET.get("person", ""))
    if person_id is None:
        choices = selectors.resident_choices(phone=phone)
        if len(choices) != 1:
            return render(request, "portal/apply_choose.html", {"residents": choices})
        person_id = choices[0].person_id
    try:
        membership = selectors.resident_get(phone=phone, person_id=person_id)
    except NotFound as error:
        return render(request, "portal/not_found.html", {"message": error.message}, status=404)
    members = selectors.resident_members(membership=membership)
    data = request.POST if request.method == "POST" else None
    form = ApplicationForm(data, members=members, options=selectors.programme_options())
    incomes = IncomeFormSet(data, prefix="income", form_kwargs={"members": members})
    if data is not None and form.is_valid() and incomes.is_valid():
        try:
            intake = intake_create_online(
                person_id=person_id, phone=phone, data=form.intake_input(incomes, timezone.localdate())
            )
        except InvalidInput as error:
            form.add_service_errors(error.field_errors(), incomes)
        else:
            messages.success(request, _submitted_message(intake.cases.count()))
            return redirect(f"{reverse('portal:home')}#household-{membership.household_id}")
    context = _apply_context(form, incomes, membership)
    return render(request, "portal/apply.html", context, status=200 if data is None else 422)


def _submitted_message(count: int) -> str:
    if count == 0:  # only other needs: the township refers them to the departments concerned
        return _("求助已提交，乡镇（街道）将转交有关部门办理。")
    return _("申请已提交（%(count)s 项），请等待乡镇（街道）受理。") % {"count": count}


def _apply_context(form: ApplicationForm, incomes: Any, membership: Any) -> dict[str, Any]:
    return {
        "form": form,
        "incomes": incomes,
        "village": membership.household.region.name,
        "person_id": membership.person_id,
        "today": timezone.localdate(),
    }


def _int(text: str) -> int | None:
    return int(text) if text.isdigit() else None


# -------------------------------------------------------------------------------------------- public notices


@require_GET
def notices(request: HttpRequest) -> HttpResponse:
    """The notice list of a village or community, public: district → township → village, then the list."""
    today = timezone.localdate()
    place = selectors.notice_place(
        district=request.GET.get("district", ""),
        township=request.GET.get("township", ""),
        village=request.GET.get("village", ""),
        on=today,
    )
    listing = selectors.notice_list(village=place.village, on=today) if place.village else None
    template = "portal/_notices.html" if request.headers.get("HX-Request") else "portal/notices.html"
    response = render(request, template, {"place": place, "listing": listing, "today": today})
    patch_vary_headers(response, ["HX-Request"])
    return response
