"""Staff pages of the registry (ARCHITECTURE §1 interfaces): parse input, call a selector, render.

Every page works on the actor's region subtree through `minzheng.registry.selectors`; records outside it raise
NotFound, which the ApplicationErrorMiddleware turns into the same 404 as a record that does not exist.
Lists show masked ID numbers and phones and page by keyset (`?after=<id>`), never by OFFSET.
htmx requests (header `HX-Request`) get only the results partial of a search page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet, Subquery
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

from minzheng.core.access.actor import Actor, actor_for_request
from minzheng.core.errors import NotFound
from minzheng.core.masking import mask_id_number, mask_phone
from minzheng.core.regions.models import Region
from minzheng.registry import selectors
from minzheng.registry.codes import ETHNIC_GROUPS
from minzheng.registry.models import Household, HouseholdMember, Person
from minzheng.registry.selectors import RegistryCounts

PAGE_SIZE = 50
_Row = TypeVar("_Row", Person, Household)
MAX_QUERY_LENGTH = 64

# The six headline counts of the home page, in display order: (RegistryCounts field, label).
METRICS: tuple[tuple[str, Promise], ...] = (
    ("persons", gettext_lazy("人员总数")),
    ("households", gettext_lazy("家庭户数")),
    ("elderly", gettext_lazy("60岁及以上老年人")),
    ("oldest", gettext_lazy("80岁及以上高龄老人")),
    ("children", gettext_lazy("未满18周岁儿童")),
    ("disabled", gettext_lazy("持证残疾人")),
)


# ---------------------------------------------------------------------------------------------------- home


@require_GET
@login_required
@never_cache
def home(request: HttpRequest) -> HttpResponse:
    """Counts for the actor's region (or a sub-region, `?region=<id>`) and a chart by child region."""
    actor = actor_for_request(request)
    if not actor.can("registry.stats"):
        return render(request, "registry/home_no_data.html")
    region = _home_region(actor, _int_param(request, "region"))
    overview = selectors.registry_overview(actor=actor, region=region)
    counts, by_child = overview.total, overview.children
    children = [
        {"region": child, "values": _metric_values(child_counts), "url": _home_url(child.id, actor)}
        for child, child_counts in by_child
    ]
    context = {
        "region": region,
        "metrics": [{"key": key, "label": label, "value": getattr(counts, key)} for key, label in METRICS],
        "metric_labels": [label for _key, label in METRICS],
        "children": children,
        "chart": _chart_data(region, counts, by_child, actor),
        "parent_url": _home_url(region.parent_id, actor) if region.id != actor.region_id else None,
    }
    return render(request, "registry/home.html", context)


def _home_region(actor: Actor, region_id: int | None) -> Region:
    """The region the home page reports on; the selectors check that it lies in the actor's scope."""
    region = Region.objects.filter(pk=region_id or actor.region_id).first()
    if region is None:
        raise NotFound("region.not_found", _("未找到该区划"))
    return region


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
    birth_on: date
    id_number: str
    phone: str
    residence: str
    deceased: bool


@require_GET
@login_required
@never_cache
def person_search(request: HttpRequest) -> HttpResponse:
    """Search by name prefix or full ID number; results masked and keyset-paged by (name, id)."""
    actor = actor_for_request(request)
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    after = _int_param(request, "after")
    persons = selectors.person_search(actor=actor, query=query)
    if after is not None:
        persons = persons.filter(id__gt=after)
    page, has_next = _page(persons)
    rows = [
        PersonRow(
            id=p.id,
            name=p.name,
            sex=p.get_sex_display(),
            birth_on=p.birth_on,
            id_number=mask_id_number(p.id_number),
            phone=mask_phone(p.phone),
            residence=p.residence_region.name,
            deceased=p.died_on is not None,
        )
        for p in page
    ]
    context = {
        "query": query,
        "rows": rows,
        "after": after,
        "next_url": _page_url("person_search", query, rows[-1].id) if has_next and rows else None,
        "first_url": _page_url("person_search", query, None) if after is not None else None,
    }
    return _search_response(request, "registry/person_search.html", "registry/_person_results.html", context)


@require_GET
@login_required
@never_cache
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    """One person's record; `?unmask=1` shows the full ID number and phone (checked and audited)."""
    actor = actor_for_request(request)
    unmask = request.GET.get("unmask") == "1"
    person = selectors.person_get(actor=actor, person_id=person_id, unmask=unmask)
    context = {
        "person": person,
        "id_number": person.id_number if unmask else mask_id_number(person.id_number),
        "phone": person.phone if unmask else mask_phone(person.phone),
        "unmasked": unmask,
        "can_unmask": actor.can("person.unmask"),
        "ethnic_group": ETHNIC_GROUPS.get(person.ethnic_group, person.ethnic_group),
        "age": _age(person.birth_on, person.died_on or timezone.localdate()),
        "certificates": list(selectors.person_disability_certificates(person=person)),
        "membership": selectors.person_current_membership(person=person),
    }
    return render(request, "registry/person_detail.html", context)


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


# -------------------------------------------------------------------------------------------- households


@dataclass(frozen=True)
class MemberRow:
    person_id: int
    name: str
    relation: str
    is_head: bool
    id_number: str
    birth_on: date
    valid_from: date
    valid_to: date | None
    end_reason: str


def _member_row(member: HouseholdMember) -> MemberRow:
    return MemberRow(
        person_id=member.person_id,
        name=member.person.name,
        relation=member.get_relation_display(),
        is_head=member.is_head,
        id_number=mask_id_number(member.person.id_number),
        birth_on=member.person.birth_on,
        valid_from=member.valid_from,
        valid_to=member.valid_to,
        end_reason=member.end_reason,
    )


@require_GET
@login_required
@never_cache
def household_detail(request: HttpRequest, household_id: int) -> HttpResponse:
    """Members as of today or `?on=YYYY-MM-DD`, and the full membership history with ended rows."""
    actor = actor_for_request(request)
    on_text = request.GET.get("on", "").strip()
    on = _date_param(on_text)
    household = selectors.household_get(actor=actor, household_id=household_id)
    context = {
        "household": household,
        "on": on or timezone.localdate(),
        "on_is_today": on is None,
        "on_invalid": bool(on_text) and on is None,
        "members": [_member_row(m) for m in selectors.household_members(household=household, on=on)],
        "history": [_member_row(m) for m in selectors.household_history(household=household)],
    }
    return render(request, "registry/household_detail.html", context)


@require_GET
@login_required
@never_cache
def household_search(request: HttpRequest) -> HttpResponse:
    """Households in scope by number prefix (all of them without a query), keyset-paged by number."""
    actor = actor_for_request(request)
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    after = _int_param(request, "after")
    households = selectors.household_list(actor=actor).order_by("number")
    if query:
        households = households.filter(number__startswith=query)
    if after is not None:
        anchor = Subquery(Household.objects.filter(id=after).values("number")[:1])
        households = households.filter(number__gt=anchor)
    page, has_next = _page(households)
    context = {
        "query": query,
        "households": page,
        "after": after,
        "next_url": _page_url("household_list", query, page[-1].id) if has_next and page else None,
        "first_url": _page_url("household_list", query, None) if after is not None else None,
    }
    return _search_response(request, "registry/household_list.html", "registry/_household_results.html", context)


# ----------------------------------------------------------------------------------------------- helpers


def _page(rows: QuerySet[_Row]) -> tuple[list[_Row], bool]:
    """One keyset page: PAGE_SIZE rows and whether another page follows (one query for PAGE_SIZE + 1)."""
    fetched = list(rows[: PAGE_SIZE + 1])
    return fetched[:PAGE_SIZE], len(fetched) > PAGE_SIZE


def _page_url(name: str, query: str, after: int | None) -> str:
    params: dict[str, str | int] = {"q": query} if query else {}
    if after is not None:
        params["after"] = after
    return f"{reverse(name)}?{urlencode(params)}" if params else reverse(name)


def _search_response(request: HttpRequest, page: str, partial: str, context: dict[str, Any]) -> HttpResponse:
    """The results partial for htmx requests (not history restores, which need the whole page)."""
    is_partial = request.headers.get("HX-Request") == "true" and not request.headers.get("HX-History-Restore-Request")
    response = render(request, partial if is_partial else page, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _int_param(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


def _date_param(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None
