"""Registry API under /api/v1: persons, households, counts (ARCHITECTURE §3, §7).

Handlers parse input, call a selector or service with the request's actor, and return a schema.
Scope, permissions and audit are the selectors' and services' job; masking is the schemas'.
Lists use keyset pagination on `id` with an opaque cursor (core.pagination), so page N costs the same as page 1.
"""

from datetime import date

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Status
from ninja.responses import codes_4xx

from minzheng.core.access.actor import actor_for_request
from minzheng.core.pagination import Page, cursor_decode, keyset_page
from minzheng.registry import selectors, services
from minzheng.registry.models import Household, HouseholdMember, Person
from minzheng.registry.schemas import (
    DeathIn,
    ErrorOut,
    HouseholdDetail,
    HouseholdDetailOut,
    HouseholdIn,
    HouseholdPageOut,
    HouseholdPatchIn,
    HouseholdQuery,
    MemberAddIn,
    MemberEndIn,
    MembershipOut,
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
def person_list(request: HttpRequest, query: Query[PersonQuery]) -> Page[Person]:
    actor = actor_for_request(request)
    region = (
        selectors.region_in_scope(actor=actor, code=query.region, permission="person.view") if query.region else None
    )
    if query.q is None:
        persons = selectors.person_list(actor=actor, region=region, alive=query.alive)
    else:
        persons = selectors.person_search(actor=actor, query=query.q, region=region, alive=query.alive)
    return keyset_page(persons, after=cursor_decode(query.cursor), limit=query.limit)


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
def household_list(request: HttpRequest, query: Query[HouseholdQuery]) -> Page[Household]:
    actor = actor_for_request(request)
    region = (
        selectors.region_in_scope(actor=actor, code=query.region, permission="household.view") if query.region else None
    )
    households = selectors.household_list(actor=actor, region=region, number_prefix=query.number or "")
    return keyset_page(households, after=cursor_decode(query.cursor), limit=query.limit)


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


@router.patch(
    "/households/{household_id}",
    response={200: HouseholdDetailOut, codes_4xx: ErrorOut},
    operation_id="household_update",
    tags=HOUSEHOLDS,
    summary=str(_("修改家庭信息")),
    description=str(_("可修改住址和户口性质；户编号和所在村（社区）不可修改。")),
)
def household_update(request: HttpRequest, household_id: int, payload: HouseholdPatchIn) -> HouseholdDetail:
    actor = actor_for_request(request)
    changes = payload.dict(exclude_unset=True)
    household = services.household_update(actor=actor, household_id=household_id, changes=changes)
    return _household_detail(household, on=timezone.localdate())


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
    place = selectors.region_in_scope(actor=actor, code=region or actor.region_code, permission="registry.stats")
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
