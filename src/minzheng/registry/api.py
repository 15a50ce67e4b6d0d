"""Registry API under /api/v1: persons, households, counts (ARCHITECTURE §3, §7).

Handlers parse input, call a selector or service with the request's actor, and return a schema.
Scope, permissions and audit are the selectors' and services' job; masking is the schemas'.
Lists use keyset pagination on `id` with an opaque cursor, so page N costs the same as page 1.
"""

import base64
import binascii
from datetime import date
from typing import TypeVar

from django.db.models import F, Model, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Status
from ninja.responses import codes_4xx

from minzheng.core.access.actor import Actor, actor_for_request
from minzheng.core.errors import InvalidInput, NotFound
from minzheng.core.regions.models import Region
from minzheng.registry import selectors, services
from minzheng.registry.models import Household, HouseholdMember, Person
from minzheng.registry.schemas import (
    DeathIn,
    ErrorOut,
    HouseholdDetail,
    HouseholdDetailOut,
    HouseholdIn,
    HouseholdPageOut,
    HouseholdQuery,
    MemberAddIn,
    MemberEndIn,
    MembershipOut,
    Page,
    PageQuery,
    PersonDetail,
    PersonDetailOut,
    PersonIn,
    PersonOut,
    PersonPageOut,
    PersonPatchIn,
    PersonQuery,
    RegionCountsView,
    RegistryCountsOut,
    RegistryCountsView,
)

router = Router(tags=["registry"])

PERSONS = ["persons"]
HOUSEHOLDS = ["households"]
CURSOR_PREFIX = "id:"

_M = TypeVar("_M", bound=Model)


# ---------------------------------------------------------------------------------------------------------
# Persons
# ---------------------------------------------------------------------------------------------------------


@router.get(
    "/persons",
    response={200: PersonPageOut, codes_4xx: ErrorOut},
    operation_id="person_list",
    tags=PERSONS,
    summary=str(_("人员列表")),
    description=str(_("按姓名前缀或公民身份号码查询；号码与电话脱敏；游标分页。")),
)
def person_list(request: HttpRequest, query: Query[PersonQuery]) -> Page:
    actor = actor_for_request(request)
    persons = (
        selectors.person_search(actor=actor, query=query.q)
        if query.q is not None
        else selectors.person_list(actor=actor)
    )
    if query.region:
        region = _region_in_scope(actor=actor, code=query.region)
        persons = persons.filter(
            Q(residence_region__path__startswith=region.path) | Q(hukou_region__path__startswith=region.path)
        )
    if query.alive is not None:
        persons = persons.filter(died_on__isnull=query.alive)
    return _keyset_page(persons, query)


@router.get(
    "/persons/{person_id}",
    response={200: PersonDetailOut, codes_4xx: ErrorOut},
    operation_id="person_get",
    tags=PERSONS,
    summary=str(_("人员详情")),
    description=str(_("unmask=true 返回完整号码与电话，需相应权限，并记入审计（person.unmask）。")),
)
def person_get(request: HttpRequest, person_id: int, unmask: bool = False) -> PersonDetail:
    actor = actor_for_request(request)
    person = selectors.person_get(actor=actor, person_id=person_id, unmask=unmask)
    return PersonDetail(
        person=person,
        unmasked=unmask,
        membership=selectors.person_current_membership(person=person),
        disability_certificates=list(selectors.person_disability_certificates(person=person)),
    )


@router.post(
    "/persons",
    response={201: PersonOut, codes_4xx: ErrorOut},
    operation_id="person_create",
    tags=PERSONS,
    summary=str(_("登记人员")),
)
def person_create(request: HttpRequest, payload: PersonIn) -> Status[Person]:
    actor = actor_for_request(request)
    data = services.PersonInput(**payload.dict())
    return Status(201, services.person_create(actor=actor, data=data))


@router.patch(
    "/persons/{person_id}",
    response={200: PersonOut, codes_4xx: ErrorOut},
    operation_id="person_update",
    tags=PERSONS,
    summary=str(_("修改人员信息")),
    description=str(_("只修改请求中出现的字段。")),
)
def person_update(request: HttpRequest, person_id: int, payload: PersonPatchIn) -> Person:
    actor = actor_for_request(request)
    changes = payload.dict(exclude_unset=True)
    return services.person_update(actor=actor, person_id=person_id, changes=changes)


@router.post(
    "/persons/{person_id}/death",
    response={200: PersonOut, codes_4xx: ErrorOut},
    operation_id="person_record_death",
    tags=PERSONS,
    summary=str(_("登记死亡")),
    description=str(_("记录死亡日期，并于当日结束其家庭成员关系。")),
)
def person_record_death(request: HttpRequest, person_id: int, payload: DeathIn) -> Person:
    actor = actor_for_request(request)
    return services.person_record_death(actor=actor, person_id=person_id, died_on=payload.died_on)


# ---------------------------------------------------------------------------------------------------------
# Households
# ---------------------------------------------------------------------------------------------------------


@router.get(
    "/households",
    response={200: HouseholdPageOut, codes_4xx: ErrorOut},
    operation_id="household_list",
    tags=HOUSEHOLDS,
    summary=str(_("家庭列表")),
)
def household_list(request: HttpRequest, query: Query[HouseholdQuery]) -> Page:
    actor = actor_for_request(request)
    households = selectors.household_list(actor=actor)
    if query.region:
        region = _region_in_scope(actor=actor, code=query.region)
        households = households.filter(region__path__startswith=region.path)
    if query.number:
        households = households.filter(number__startswith=query.number.strip())
    return _keyset_page(households, query)


@router.get(
    "/households/{household_id}",
    response={200: HouseholdDetailOut, codes_4xx: ErrorOut},
    operation_id="household_get",
    tags=HOUSEHOLDS,
    summary=str(_("家庭详情")),
    description=str(_("on=YYYY-MM-DD 时返回该日的成员构成（默认今天），并附全部成员变动历史。")),
)
def household_get(request: HttpRequest, household_id: int, on: date | None = None) -> HouseholdDetail:
    actor = actor_for_request(request)
    household = selectors.household_get(actor=actor, household_id=household_id)
    return _household_detail(household, on=on or timezone.localdate())


@router.post(
    "/households",
    response={201: HouseholdDetailOut, codes_4xx: ErrorOut},
    operation_id="household_create",
    tags=HOUSEHOLDS,
    summary=str(_("登记家庭")),
    description=str(_("连同成员一并登记；户主的关系代码为 02。")),
)
def household_create(request: HttpRequest, payload: HouseholdIn) -> Status[HouseholdDetail]:
    actor = actor_for_request(request)
    household = services.household_create(
        actor=actor,
        number=payload.number,
        region_code=payload.region_code,
        address=payload.address,
        hukou_type=payload.hukou_type,
        valid_from=payload.valid_from,
        members=[services.MemberInput(person_id=m.person_id, relation=m.relation) for m in payload.members],
    )
    return Status(201, _household_detail(household, on=payload.valid_from))


@router.post(
    "/households/{household_id}/members",
    response={201: MembershipOut, codes_4xx: ErrorOut},
    operation_id="household_member_add",
    tags=HOUSEHOLDS,
    summary=str(_("增加家庭成员")),
)
def household_member_add(request: HttpRequest, household_id: int, payload: MemberAddIn) -> Status[HouseholdMember]:
    actor = actor_for_request(request)
    member = services.MemberInput(person_id=payload.person_id, relation=payload.relation)
    membership = services.household_member_add(
        actor=actor, household_id=household_id, member=member, valid_from=payload.valid_from
    )
    return Status(201, membership)


@router.post(
    "/households/{household_id}/members/{person_id}/end",
    response={200: MembershipOut, codes_4xx: ErrorOut},
    operation_id="household_member_end",
    tags=HOUSEHOLDS,
    summary=str(_("结束家庭成员关系")),
    description=str(_("成员迁出或离开：记录截止日期与原因，历史保留。")),
)
def household_member_end(
    request: HttpRequest, household_id: int, person_id: int, payload: MemberEndIn
) -> HouseholdMember:
    actor = actor_for_request(request)
    return services.household_member_end(
        actor=actor,
        household_id=household_id,
        person_id=person_id,
        valid_to=payload.valid_to,
        reason=payload.reason,
    )


# ---------------------------------------------------------------------------------------------------------
# Counts for dashboards
# ---------------------------------------------------------------------------------------------------------


@router.get(
    "/registry/counts",
    response={200: RegistryCountsOut, codes_4xx: ErrorOut},
    operation_id="registry_counts",
    summary=str(_("人员与家庭统计")),
    description=str(_("区划（默认本账号所属区划）及其各下级的在世人员与家庭数。")),
)
def registry_counts(request: HttpRequest, region: str | None = None, on: date | None = None) -> RegistryCountsView:
    actor = actor_for_request(request)
    place = _region_in_scope(actor=actor, code=region or actor.region_code)
    day = on or timezone.localdate()
    overview = selectors.registry_overview(actor=actor, region=place, on=day)
    return RegistryCountsView(
        region=place,
        on=day,
        counts=overview.total,
        children=[RegionCountsView(region=r, counts=c) for r, c in overview.children],
    )


# ---------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------


def _household_detail(household: Household, *, on: date) -> HouseholdDetail:
    return HouseholdDetail(
        household=household,
        on=on,
        members=list(selectors.household_members(household=household, on=on)),
        history=list(selectors.household_history(household=household)),
    )


def _region_in_scope(*, actor: Actor, code: str) -> Region:
    """The region with `code` in or above the actor's subtree (current row if the code was reused); else 404.

    Regions inside the actor's subtree and its ancestors qualify: a village assistant may filter by their own
    district and still sees only their village, because the selectors apply the scope. Other branches do not.
    """
    region = (
        Region.objects.filter(code=code.strip())
        .filter(Q(path__startswith=actor.scope_path) | Q(path__in=_ancestor_paths(actor.scope_path)))
        .order_by(F("valid_to").desc(nulls_first=True), "-valid_from")
        .first()
    )
    if region is None:
        raise NotFound("region.not_found", _("未找到该区划"), field="region")
    return region


def _ancestor_paths(path: str) -> list[str]:
    """'/1/2/3/' → ['/1/', '/1/2/']: the paths of the regions above the one at `path`."""
    ids = path.strip("/").split("/")
    return ["/" + "/".join(ids[:depth]) + "/" for depth in range(1, len(ids))]


def _keyset_page(queryset: QuerySet[_M], page: PageQuery) -> Page:
    """One page in `id` order after the cursor; one extra row tells whether another page follows."""
    after = _cursor_decode(page.cursor) if page.cursor else 0
    rows = list(queryset.filter(pk__gt=after).order_by("pk")[: page.limit + 1])
    items = rows[: page.limit]
    has_more = len(rows) > page.limit
    return Page(items=items, next_cursor=_cursor_encode(items[-1].pk) if has_more else None)


def _cursor_encode(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"{CURSOR_PREFIX}{last_id}".encode()).decode().rstrip("=")


def _cursor_decode(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if text.startswith(CURSOR_PREFIX):
            value = int(text.removeprefix(CURSOR_PREFIX))
            if value >= 0:
                return value
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise InvalidInput("pagination.cursor", _("分页游标无效，请从第一页重新查询"), field="cursor")
