"""Staff pages of the registry (ARCHITECTURE §1 interfaces): parse input, call a selector, render.

Every page works on the actor's region subtree through `minzheng.registry.selectors`; records outside it raise
NotFound, which the ApplicationErrorMiddleware turns into the same 404 as a record that does not exist.
Lists show masked ID numbers and phones and page by keyset (`?after=<id>`), never by OFFSET.
htmx requests (header `HX-Request`) get only the results partial of a search page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from minzheng.cases.selectors import household_assistance_chain
from minzheng.core.access.actor import Actor, actor_for_request
from minzheng.core.masking import mask_id_number, mask_phone
from minzheng.core.money import format_yuan
from minzheng.core.pagination import Page, keyset_page
from minzheng.core.regions.models import Region
from minzheng.registry import selectors
from minzheng.registry.codes import ETHNIC_GROUPS
from minzheng.registry.models import AssetItem, ExpenseItem, HouseholdMember, IncomeItem, Person, SelfCareAssessment
from minzheng.registry.selectors import HouseholdEconomics, RegistryCounts, RegistryOverview

_View = TypeVar("_View", bound=Callable[..., HttpResponse])

PAGE_SIZE = 50
MAX_QUERY_LENGTH = 64

# The page and the htmx results partial of each search view, by URL name.
SEARCH_TEMPLATES = {
    "person_search": ("registry/person_search.html", "registry/_person_results.html"),
    "household_list": ("registry/household_list.html", "registry/_household_results.html"),
}

# The six headline counts of the home page, in display order: (RegistryCounts field, label).
METRICS: tuple[tuple[str, Promise], ...] = (
    ("persons", gettext_lazy("人员总数")),
    ("households", gettext_lazy("家庭户数")),
    ("elderly", gettext_lazy("60岁及以上老年人")),
    ("oldest", gettext_lazy("80岁及以上高龄老人")),
    ("children", gettext_lazy("未满18周岁儿童")),
    ("disabled", gettext_lazy("持证残疾人")),
)


def _staff_page(view: _View) -> _View:
    """A staff page: GET only, login required, never cached (it shows personal data)."""
    return require_GET(login_required(never_cache(view)))


# ---------------------------------------------------------------------------------------------------- home


@_staff_page
def home(request: HttpRequest) -> HttpResponse:
    """Counts for the actor's region (or a sub-region, `?region=<id>`) and a chart by child region."""
    actor = actor_for_request(request)
    if not actor.can("registry.stats"):
        return render(request, "registry/home_no_data.html")
    region_id = _int_param(request, "region") or actor.region_id
    region = selectors.region_in_scope_by_id(actor=actor, region_id=region_id)
    overview = selectors.registry_overview(actor=actor, region=region)
    return render(request, "registry/home.html", _home_context(overview, actor))


def _home_context(overview: RegistryOverview, actor: Actor) -> dict[str, Any]:
    region, counts, by_child = overview.region, overview.total, overview.children
    return {
        "region": region,
        "metrics": [{"key": key, "label": label, "value": getattr(counts, key)} for key, label in METRICS],
        "metric_labels": [label for _key, label in METRICS],
        "children": [
            {"region": child, "values": _metric_values(child_counts), "url": _home_url(child.id, actor)}
            for child, child_counts in by_child
        ],
        "chart": _chart_data(region, counts, by_child, actor),
        "parent_url": _home_url(region.parent_id, actor) if region.id != actor.region_id else None,
        "computed_at": overview.computed_at,
    }


def _home_url(region_id: int | None, actor: Actor) -> str:
    if region_id is None or region_id == actor.region_id:
        return reverse("home")
    return f"{reverse('home')}?{urlencode({'region': region_id})}"


def _metric_values(counts: RegistryCounts) -> list[int]:
    return [int(getattr(counts, key)) for key, _label in METRICS]


def _chart_data(
    region: Region, counts: RegistryCounts, by_child: list[tuple[Region, RegistryCounts]], actor: Actor
) -> dict[str, Any]:
    """What static/core/charts.js draws: one bar group per child region, or the region's own counts."""
    labels = [str(label) for _key, label in METRICS]
    if not by_child:
        return {
            "mode": "categories",
            "title": _("%(region)s分类统计") % {"region": region.name},
            "categories": labels,
            "series": [{"name": region.name, "data": _metric_values(counts)}],
            "links": [],
        }
    return {
        "mode": "regions",
        "title": _("%(region)s下级区划统计") % {"region": region.name},
        "categories": [child.name for child, _counts in by_child],
        "series": [
            {"name": label, "data": [int(getattr(child_counts, key)) for _child, child_counts in by_child]}
            for (key, _label), label in zip(METRICS, labels, strict=True)
        ],
        "links": [_home_url(child.id, actor) for child, _counts in by_child],
    }


# ----------------------------------------------------------------------------------------------- persons


@dataclass(frozen=True)
class PersonRow:
    id: int
    name: str
    sex: str
    age: int  # never the birth date beside a masked ID: the masked digits ARE the birth date
    id_number: str
    phone: str
    residence: str
    deceased: bool


@_staff_page
def person_search(request: HttpRequest) -> HttpResponse:
    """Search by name prefix or full ID number; results masked and keyset-paged by id."""
    actor = actor_for_request(request)
    query, after = _query_param(request), _int_param(request, "after")
    page = keyset_page(selectors.person_search(actor=actor, query=query), after=after, limit=PAGE_SIZE)
    rows = [_person_row(person) for person in page.items]
    return _search_response(request, "person_search", query=query, after=after, page=page, rows=rows)


def _person_row(person: Person) -> PersonRow:
    return PersonRow(
        id=person.id,
        name=person.name,
        sex=person.get_sex_display(),
        age=_age_of(person),
        id_number=mask_id_number(person.id_number),
        phone=mask_phone(person.phone),
        residence=person.residence_region.name,
        deceased=person.died_on is not None,
    )


@_staff_page
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    """One person's record; `?unmask=1` shows the full ID number and phone (checked and audited)."""
    actor = actor_for_request(request)
    unmask = request.GET.get("unmask") == "1"
    person = selectors.person_get(actor=actor, person_id=person_id, unmask=unmask)
    return render(request, "registry/person_detail.html", _person_detail_context(person, unmask, actor))


def _person_detail_context(person: Person, unmask: bool, actor: Actor) -> dict[str, Any]:
    return {
        "person": person,
        "id_number": person.id_number if unmask else mask_id_number(person.id_number),
        "phone": person.phone if unmask else mask_phone(person.phone),
        "unmasked": unmask,
        "can_unmask": actor.can("person.unmask"),
        "ethnic_group": ETHNIC_GROUPS.get(person.ethnic_group, person.ethnic_group),
        "age": _age_of(person),
        "certificates": list(selectors.person_disability_certificates(person=person)),
        "membership": selectors.person_current_membership(person=person),
        "self_care": selectors.person_self_care(person=person),
    }


def _age_of(person: Person, on: date | None = None) -> int:
    """Age on `on` (today by default), or at death if that came first."""
    day = min(on or timezone.localdate(), person.died_on or date.max)
    born = person.birth_on
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


# -------------------------------------------------------------------------------------------- households


@dataclass(frozen=True)
class MemberRow:
    person_id: int
    name: str
    relation: str
    is_head: bool
    id_number: str
    age: int
    valid_from: date
    valid_to: date | None
    end_reason: str
    absence: str = ""
    absent_since: date | None = None
    self_care: SelfCareAssessment | None = None


def _member_row(
    member: HouseholdMember, on: date | None = None, self_care: dict[int, SelfCareAssessment] | None = None
) -> MemberRow:
    return MemberRow(
        person_id=member.person_id,
        name=member.person.name,
        relation=member.get_relation_display(),
        is_head=member.is_head,
        id_number=mask_id_number(member.person.id_number),
        age=_age_of(member.person, on),
        valid_from=member.valid_from,
        valid_to=member.valid_to,
        end_reason=member.end_reason,
        absence=member.get_absence_display() if member.absence else "",
        absent_since=member.absent_since,
        self_care=(self_care or {}).get(member.person_id),
    )


@_staff_page
def household_detail(request: HttpRequest, household_id: int) -> HttpResponse:
    """Members as of today or `?on=YYYY-MM-DD`, and the full membership history with ended rows."""
    actor = actor_for_request(request)
    on_text = request.GET.get("on", "").strip()
    on = _date_param(on_text)
    household = selectors.household_get(actor=actor, household_id=household_id)
    economics = selectors.household_economics_of(household=household, on=on)
    members = selectors.household_members(household=household, on=on)
    context = {
        "household": household,
        "on": on or timezone.localdate(),
        "on_is_today": on is None,
        "on_invalid": bool(on_text) and on is None,
        "members": [_member_row(m, on, economics.self_care) for m in members],
        "history": [_member_row(m) for m in selectors.household_history(household=household)],
        "economics": _economics_context(economics),
        "assistance_chain": (
            household_assistance_chain(actor=actor, household_id=household.id) if actor.can("case.view") else None
        ),
    }
    return render(request, "registry/household_detail.html", context)


@dataclass(frozen=True)
class ItemRow:
    """One income, asset or expense as the page shows it: amounts in yuan, never float."""

    kind: str
    person: str
    amount: str
    day: date
    detail: str


def _economics_context(economics: HouseholdEconomics) -> dict[str, Any]:
    def person(item: IncomeItem | AssetItem | ExpenseItem) -> str:
        return item.person.name if item.person is not None else _("全户")

    def period(item: IncomeItem) -> str:
        return _("每月") if item.period_months == 1 else _("%(months)d 个月合计") % {"months": item.period_months}

    incomes = [
        ItemRow(i.get_kind_display(), person(i), format_yuan(i.amount_fen), i.valid_from, period(i))
        for i in economics.incomes
    ]
    assets = [
        ItemRow(a.get_kind_display(), person(a), format_yuan(a.value_fen), a.valid_from, a.note)
        for a in economics.assets
    ]
    expenses = [
        ItemRow(e.get_kind_display(), person(e), format_yuan(e.amount_fen), e.incurred_on, e.note)
        for e in economics.expenses
    ]
    return {
        "incomes": incomes,
        "assets": assets,
        "assets_total": format_yuan(sum(a.value_fen for a in economics.assets)),
        "expenses": expenses,
        "expenses_total": format_yuan(sum(e.amount_fen for e in economics.expenses)),
    }


@_staff_page
def household_search(request: HttpRequest) -> HttpResponse:
    """Households in scope by number prefix (all of them without a query), keyset-paged by number."""
    actor = actor_for_request(request)
    query, after = _query_param(request), _int_param(request, "after")
    households = selectors.household_list(actor=actor, number_prefix=query)
    page = keyset_page(households, after=after, limit=PAGE_SIZE, order="number")
    return _search_response(request, "household_list", query=query, after=after, page=page, households=page.items)


# ----------------------------------------------------------------------------------------------- helpers


def _page_url(name: str, query: str, after: int | None) -> str:
    params: dict[str, str | int] = {"q": query} if query else {}
    if after is not None:
        params["after"] = after
    return f"{reverse(name)}?{urlencode(params)}" if params else reverse(name)


def _search_response(
    request: HttpRequest, name: str, *, query: str, after: int | None, page: Page[Any], **context: Any
) -> HttpResponse:
    """A search page with its pager links; only the results partial for htmx requests (not history restores,
    which need the whole page)."""
    next_after = page.next_after
    context |= {
        "query": query,
        "page": page,
        "after": after,
        "next_url": _page_url(name, query, next_after) if next_after is not None else None,
        "first_url": _page_url(name, query, None) if after is not None else None,
    }
    full, partial = SEARCH_TEMPLATES[name]
    is_partial = request.headers.get("HX-Request") == "true" and not request.headers.get("HX-History-Restore-Request")
    response = render(request, partial if is_partial else full, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _query_param(request: HttpRequest) -> str:
    return request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]


def _int_param(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


def _date_param(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None
