"""What synthetic cases are drawn from (`minzheng cases generate`): the region's households with their heads,
sizes, elderly and disabled members, their latest assessments, the staff acting on each village, and the
departments with their officers. Read set-based, a handful of queries whatever the size, through the registry's
and assistance's selectors as an operator scoped to the region.

A plan fixes what a case will be. States are drawn by quota (so every state is present) and programmes by
weight; approvals come mostly from households whose latest assessment qualifies for the programme, with its
amount, refusals mostly from the others, as they would in practice.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from minzheng.assistance.selectors import latest_assessments
from minzheng.cases.models import OPEN_STATES, Channel, Department, DepartmentOfficer, TemporaryAidKind
from minzheng.cases.synthetic_rows import Crew, HouseholdRow, Plan, StaffUser
from minzheng.cases.workflow import PERSON_PROGRAMMES, procedure_for
from minzheng.core.access.actor import Actor
from minzheng.core.access.models import Role, Staff
from minzheng.core.errors import Conflict
from minzheng.core.programmes import Programme
from minzheng.core.regions.models import Region, RegionLevel
from minzheng.registry.selectors import household_list, person_list

P, K = Programme, TemporaryAidKind
PROGRAMMES: tuple[tuple[str, str, int], ...] = (  # programme, 临时救助 kind, weight (per mille)
    (P.DIBAO, "", 370), (P.DIBAO_SINGLE, "", 30), (P.TEMPORARY_AID, K.EMERGENCY, 80),
    (P.TEMPORARY_AID, K.EXPENDITURE, 120), (P.NEAR_DIBAO, "", 120), (P.DISABILITY_LIVING, "", 70),
    (P.DISABILITY_NURSING, "", 50), (P.TEKUN, "", 80), (P.RIGID_EXPENSE, "", 80),
)  # fmt: skip
STATES: tuple[tuple[str, int], ...] = (  # per cent; closed states 55 %
    ("submitted", 5), ("accepted", 6), ("investigating", 14), ("on_notice", 7), ("district_review", 10),
    ("suspended", 3), ("approved", 35), ("refused", 8), ("withdrawn", 7), ("terminated", 5),
)  # fmt: skip
CHANNELS: tuple[tuple[str, int], ...] = (
    (Channel.WINDOW, 55), (Channel.ASSISTANT, 25), (Channel.ONLINE, 15), (Channel.OUTREACH, 5),
)  # fmt: skip
RELATED_PARTY_SHARE = 0.02
LATE_SHARE = 0.065  # of open cases with a limit: past it (with those the overall limit catches, ~8 %)
ELDERLY_AGE = 60
NAME_BATCH = 2000
DRAW_ATTEMPTS = 5
ROLES = (Role.VILLAGE_ASSISTANT, Role.TOWNSHIP_CASEWORKER, Role.TOWNSHIP_REVIEWER, Role.DISTRICT_APPROVER)

Candidate = tuple[int, int | None, int, int]  # household id, person id, assessed amount, assessment id


class World:
    def __init__(self, *, actor: Actor, region: Region, today: date) -> None:
        self.households = _households(actor)
        if not self.households:
            raise Conflict("cases.no_households", _("该区划没有可抽取的家庭，请先生成合成城市"))
        self.by_id = {household.id: household for household in self.households}
        self.villages = list(Region.objects.filter(path__startswith=region.path, level=RegionLevel.VILLAGE))
        self._paths = {village.pk: (village.path, village.code) for village in self.villages}
        self._staff = _staff()
        departments = Department.objects.filter(active=True).order_by("order", "code")
        self.departments = list(departments.values_list("id", "code"))
        officers = DepartmentOfficer.objects.order_by("id")
        self._officers = list(officers.values_list("department_id", "staff__user_id", "staff__region__path"))
        elderly, disabled = _members(actor, today)  # of households with a living head only
        self.elderly = [member for member in elderly if member[0] in self.by_id]
        self.disabled = [member for member in disabled if member[0] in self.by_id]
        self.results, self.pools = _assessments(actor, self.by_id)
        self.names = {person: name for group in (self.elderly, self.disabled) for _, person, name in group}
        self._names_complete(actor)
        self._crews: dict[int, tuple[Crew, dict[int, int]]] = {}
        self._taken: set[tuple[int, str, int | None]] = set()

    def plans(self, count: int, rng: random.Random) -> Iterator[Plan]:
        states = _quota(count, STATES)
        rng.shuffle(states)
        for state in states:
            yield self._plan(state, rng)

    def _plan(self, state: str, rng: random.Random) -> Plan:
        programme, aid_kind = self._programme(state, rng)
        wants_eligible = state == "approved" or (state != "refused" and rng.random() < 0.6)
        for _attempt in range(DRAW_ATTEMPTS):  # one open or approved case per programme and applicant, if possible
            household, person, assessed = self._draw(programme, wants_eligible, rng)
            key = (household.id, programme, person[0] if person else None)
            if key not in self._taken:
                break
        if state == "approved" or state in OPEN_STATES:
            self._taken.add(key)
        claimed = _claimed(programme, aid_kind, household.members, rng)
        amount: int | None = claimed
        assessment_id: int | None = None
        if assessed is None:  # never assessed: eligible as the state suggests, at a plausible amount
            eligible = state != "refused" and rng.random() < 0.9
        else:
            assessment_id, amount = assessed
            eligible = amount is not None
        crew, officers = self._crew(household.region_id)
        return Plan(
            programme=programme, aid_kind=aid_kind, state=state, household=household, person=person,
            eligible=eligible, amount_fen=(amount or 0) if eligible else 0, claimed_fen=claimed,
            assessment_id=assessment_id, channel=rng.choices([c for c, _w in CHANNELS], [w for _c, w in CHANNELS])[0],
            related_party=rng.random() < RELATED_PARTY_SHARE, late=state in OPEN_STATES and rng.random() < LATE_SHARE,
            region_code=self._paths[household.region_id][1], crew=crew, officers=officers,
        )  # fmt: skip

    @staticmethod
    def _programme(state: str, rng: random.Random) -> tuple[str, str]:
        """A weighted programme; a case on public notice needs a procedure with one."""
        choices = [(p, k, w) for p, k, w in PROGRAMMES if state != "on_notice" or procedure_for(p, k).notice]
        programme, kind, _weight = rng.choices(choices, weights=[w for _p, _k, w in choices])[0]
        return programme, kind

    def _draw(
        self, programme: str, wants_eligible: bool, rng: random.Random
    ) -> tuple[HouseholdRow, tuple[int, str] | None, tuple[int, int | None] | None]:
        """(household, person, (assessment id, qualifying amount or None) or None when never assessed)."""
        pool = self.pools.get(programme) if wants_eligible else None
        if pool:
            household_id, person_id, amount, assessment_id = rng.choice(pool)
            person = (person_id, self.names.get(person_id, "")) if person_id is not None else None
            return self.by_id[household_id], person, (assessment_id, amount)
        household, person = self._applicant(programme, rng)
        stored = self.results.get(household.id)
        if stored is None:
            return household, person, None
        assessment_id, amounts = stored
        return household, person, (assessment_id, amounts.get((programme, person[0] if person else None)))

    def _applicant(self, programme: str, rng: random.Random) -> tuple[HouseholdRow, tuple[int, str] | None]:
        if programme not in PERSON_PROGRAMMES:
            return rng.choice(self.households), None
        group = self.elderly if programme == Programme.TEKUN else (self.disabled or self.elderly)
        if not group:
            household = rng.choice(self.households)
            return household, (household.head_id, household.head_name)
        household_id, person_id, name = rng.choice(group)
        return self.by_id[household_id], (person_id, name)

    def _crew(self, village_id: int) -> tuple[Crew, dict[int, int]]:
        """The nearest staff of each role above the village (else any of that role, else anyone), and the
        officer of each department covering it."""
        if village_id not in self._crews:
            path = self._paths[village_id][0]
            nearest = {role: _nearest(self._staff, role, path) for role in ROLES}
            crew = Crew(
                assistant=nearest[Role.VILLAGE_ASSISTANT], caseworker=_someone(self._staff, nearest[ROLES[1]]),
                reviewer=_someone(self._staff, nearest[ROLES[2]]), approver=_someone(self._staff, nearest[ROLES[3]]),
            )  # fmt: skip
            officers = {department: user for department, user, home in self._officers if path.startswith(home)}
            self._crews[village_id] = (crew, officers)
        return self._crews[village_id]

    def _names_complete(self, actor: Actor) -> None:
        """Names of persons the assessments qualify who are neither elderly nor disabled (e.g. 特困 minors)."""
        missing = sorted({c[1] for pool in self.pools.values() for c in pool if c[1] and c[1] not in self.names})
        for start in range(0, len(missing), NAME_BATCH):
            batch = missing[start : start + NAME_BATCH]
            self.names.update(person_list(actor=actor).filter(id__in=batch).values_list("id", "name"))


StaffEntry = tuple[str, frozenset[str], StaffUser]


def _staff() -> list[StaffEntry]:
    staff = Staff.objects.select_related("user", "region").prefetch_related("roles").order_by("id")
    entries = []
    for member in staff:
        roles = frozenset(role.role for role in member.roles.all())
        user = StaffUser(member.user_id, member.user.get_username(), member.display_name or member.user.get_username(),
                         ",".join(sorted(roles)))  # fmt: skip
        entries.append((member.region.path, roles, user))
    if not entries:
        raise Conflict("cases.no_staff", _("尚无工作人员账号，无法生成办理记录；请先创建演示账号"))
    return entries


def _nearest(staff: list[StaffEntry], role: str, path: str) -> StaffUser | None:
    covering = [entry for entry in staff if role in entry[1] and path.startswith(entry[0])]
    if covering:
        return max(covering, key=lambda entry: (len(entry[0]), -entry[2].user_id))[2]
    return next((entry[2] for entry in staff if role in entry[1]), None)


def _someone(staff: list[StaffEntry], user: StaffUser | None) -> StaffUser:
    return user if user is not None else staff[0][2]


def _households(actor: Actor) -> list[HouseholdRow]:
    """Households with a living head, in id order, with their number of current members."""
    sizes = dict(
        household_list(actor=actor)
        .filter(members__valid_to__isnull=True)
        .values("id")
        .annotate(n=Count("members"))
        .order_by()
        .values_list("id", "n")
    )
    heads = (
        household_list(actor=actor)
        .filter(members__is_head=True, members__valid_to__isnull=True, members__person__died_on__isnull=True)
        .values_list(
            "id", "region_id", "hukou_type", "members__person_id", "members__person__name", "members__person__phone"
        )
        .order_by("id")
    )
    rows: dict[int, HouseholdRow] = {}
    for pk, region_id, hukou, head_id, name, phone in heads:
        rows.setdefault(pk, HouseholdRow(pk, region_id, hukou == "urban", head_id, name, phone, sizes.get(pk, 1)))
    return list(rows.values())


Member = tuple[int, int, str]  # household id, person id, name


def _members(actor: Actor, today: date) -> tuple[list[Member], list[Member]]:
    """Living current members aged 60 or more, and those holding a valid disability certificate."""
    current = {"members__valid_to__isnull": True, "members__person__died_on__isnull": True}
    born_by = today.replace(year=today.year - ELDERLY_AGE, day=28 if (today.month, today.day) == (2, 29) else today.day)
    columns = ("id", "members__person_id", "members__person__name")
    elderly = household_list(actor=actor).filter(**current, members__person__birth_on__lte=born_by)
    certified = Q(members__person__disability_certificates__valid_to__isnull=True) | Q(
        members__person__disability_certificates__valid_to__gte=today
    )
    disabled = household_list(actor=actor).filter(
        certified, **current, members__person__disability_certificates__valid_from__lte=today
    )
    return (
        list(elderly.values_list(*columns).order_by("id", "members__person_id")),
        list(disabled.values_list(*columns).order_by("id", "members__person_id").distinct()),
    )


Amounts = dict[tuple[str, int | None], int]


def _assessments(
    actor: Actor, households: dict[int, HouseholdRow]
) -> tuple[dict[int, tuple[int, Amounts]], dict[str, list[Candidate]]]:
    """Per household its latest assessment (id, qualifying amount per programme and person), and per programme
    the households (or persons) it qualifies; amounts are summed as `assessment_programme_amounts` does."""
    results: dict[int, tuple[int, Amounts]] = {}
    pools: dict[str, list[Candidate]] = {}
    rows = latest_assessments(actor=actor).order_by("household_id").values_list("household_id", "id", "results")
    for household_id, assessment_id, qualifying in rows:
        if household_id not in households:
            continue
        amounts: Amounts = {}
        for result in qualifying or []:
            person = result.get("person_id") if result["programme"] in PERSON_PROGRAMMES else None
            key = (result["programme"], person)
            amounts[key] = amounts.get(key, 0) + int(result.get("amount_fen") or 0)
        results[household_id] = (assessment_id, amounts)
        for (programme, person), amount in amounts.items():
            pools.setdefault(programme, []).append((household_id, person, amount, assessment_id))
    return results, pools


def _quota(count: int, weights: tuple[tuple[str, int], ...]) -> list[str]:
    """`count` labels in the proportions of `weights` (largest remainder), every label at least once if possible."""
    total = sum(weight for _label, weight in weights)
    exact = [count * weight / total for _label, weight in weights]
    counts = [max(int(share), 1 if count >= len(weights) else 0) for share in exact]
    while sum(counts) > count:
        counts[counts.index(max(counts))] -= 1
    for index in sorted(range(len(weights)), key=lambda i: counts[i] - exact[i])[: count - sum(counts)]:
        counts[index] += 1
    return [label for (label, _weight), n in zip(weights, counts, strict=True) for _ in range(n)]


def _claimed(programme: str, aid_kind: str, members: int, rng: random.Random) -> int:
    """A plausible monthly (or one-off) amount in fen; 0 for the recognitions without a benefit of their own."""
    ranges: dict[str, Any] = {
        Programme.DIBAO: lambda: members * rng.randint(25, 70) * 1000,
        Programme.DIBAO_SINGLE: lambda: rng.randint(40, 70) * 1000,
        Programme.TEKUN: lambda: rng.randint(90, 130) * 1000,
        Programme.TEMPORARY_AID: lambda: (
            rng.randint(5, 30) * 10_000 if aid_kind == TemporaryAidKind.EMERGENCY else rng.randint(10, 80) * 10_000
        ),
        Programme.DISABILITY_LIVING: lambda: 9000,
        Programme.DISABILITY_NURSING: lambda: rng.choice((8000, 10_000)),
    }
    draw = ranges.get(programme)
    return int(draw()) if draw else 0
