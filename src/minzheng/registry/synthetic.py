"""A deterministic synthetic population for Chongqing (`minzheng generate-city`).

Demos, tests and the §9 benchmarks need a city that looks real: district sizes from the 2020 census, an ageing
population (~22 % aged 60+), households of 1–7 with GB/T 4761 relations, valid GB 11643 ID numbers whose
address, birth date and sex digits agree with the person, disability certificates, 人户分离, deaths and
household history, and the economic facts the assistance rules read (`synthetic_economics`: incomes, property,
expenses, self-care, schooling, absences). The same seed and size always give the same rows, so figures can be
compared across runs.

Rows are built in plain Python from one `random.Random(seed)` and written in chunks through `synthetic_load`
(COPY on PostgreSQL), never through per-row ORM saves.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Literal, NamedTuple

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core.errors import Conflict, InvalidInput
from minzheng.core.identifiers import ID_CHECK_CHARS, ID_WEIGHTS
from minzheng.core.regions.models import Region, RegionLevel
from minzheng.core.regions.services import region_tree_ensure
from minzheng.registry.synthetic_economics import EconomicsBuilder, Resident
from minzheng.registry.synthetic_load import (
    BulkWriter,
    IdCounters,
    Rows,
    next_ids,
    prefetched,
    registry_clear,
    registry_is_empty,
)
from minzheng.registry.synthetic_names import (
    CENSUS_2020,
    DAUGHTER,
    DISABILITY_CATEGORIES,
    DISABILITY_GRADES,
    GRANDCHILD,
    HEAD,
    HOUSEHOLD_TEMPLATES,
    PARENT,
    SICHUAN_ERA_CODES,
    SICHUAN_ERA_LIST,
    SON,
    SPOUSE,
    SURNAMES,
    Member,
    Picker,
    between,
    compose,
    given_name,
    household_address,
    mobile_number,
)

CHUNK_HOUSEHOLDS = 20_000
FULL_SCALE_FROM = 100_000  # from this many households the full township/village tree is loaded
URBAN_WEIGHT = 2.0  # a 社区 houses about twice the households of a rural 村 in the same district


@dataclass(frozen=True)
class CitySummary:
    households: int
    persons: int
    members: int
    certificates: int
    seconds: float
    incomes: int = 0
    assets: int = 0
    expenses: int = 0
    assessments: int = 0


def generate_city(
    *,
    households: int,
    seed: int,
    progress: Callable[[int], None] | None = None,
    replace: bool = False,
) -> CitySummary:
    """Generate and bulk-load `households` households; `progress` receives the households written so far.

    Raises `Conflict("city.exists")` when the registry already holds people, unless `replace` is set, in which
    case the existing registry rows are removed set-based first. Everything happens in one transaction.
    """
    if households < 1:
        raise InvalidInput("city.households", _("户数必须为正整数"), field="households")
    started = time.perf_counter()
    _ensure_region_tree("full" if households >= FULL_SCALE_FROM else "demo")
    villages = current_villages()
    with transaction.atomic():
        _claim_registry(replace=replace)
        counts = _load(villages, households=households, seed=seed, progress=progress)
    return CitySummary(**counts, seconds=round(time.perf_counter() - started, 2))


def _ensure_region_tree(scale: Literal["demo", "full"]) -> None:
    """Load Chongqing's divisions if missing; a seam that tests replace with a small hand-made tree."""
    region_tree_ensure(scale=scale)


def _claim_registry(*, replace: bool) -> None:
    if registry_is_empty():
        return
    if not replace:
        raise Conflict("city.exists", _("人口库中已有人员或家庭数据；重新生成须先选择替换现有数据"))
    registry_clear()


class Village(NamedTuple):
    id: int
    code: str
    name: str
    urban: bool
    district_code: str  # code[:6]: the district that coded it, which the ID numbers of its people carry


def current_villages() -> list[Village]:
    """Current village-level regions in code order (the order fixes which rows a seed produces)."""
    rows = (
        Region.objects.filter(level=RegionLevel.VILLAGE, valid_to__isnull=True)
        .order_by("code", "id")
        .values_list("id", "code", "name", "urban_rural_class")
    )
    villages = [Village(pk, code, name, _is_urban(code, cls), code[:6]) for pk, code, name, cls in rows]
    if not villages:
        raise Conflict("city.no_villages", _("尚未加载村（社区）级行政区划，无法生成人口"))
    return villages


def _is_urban(code: str, urban_rural_class: str) -> bool:
    """城乡分类 1xx is urban, 2xx rural; without a class, a 街道 (township code 0xx) counts as urban."""
    if urban_rural_class:
        return urban_rural_class.startswith("1")
    return code[6:7] == "0"


def village_weights(villages: list[Village]) -> list[float]:
    """Each district's census population, shared among its villages (社区 weighted ×2).

    Villages are grouped by the district that coded them, so those now under 两江新区 carry the weight of
    江北 or 渝北 and those moved to 北碚 keep 渝北's. Unknown district codes get the median village weight.
    """
    factors: dict[str, float] = {}
    for village in villages:
        factors[village.district_code] = factors.get(village.district_code, 0.0) + _factor(village)
    weights = [
        CENSUS_2020[v.district_code] * _factor(v) / factors[v.district_code] if v.district_code in CENSUS_2020 else -1
        for v in villages
    ]
    known = sorted(weight for weight in weights if weight >= 0)
    fallback = known[len(known) // 2] if known else 1.0
    return [weight if weight >= 0 else fallback for weight in weights]


def _factor(village: Village) -> float:
    return URBAN_WEIGHT if village.urban else 1.0


def allocate(total: int, weights: list[float]) -> list[int]:
    """Split `total` households over villages by `weights` (largest remainder method, no randomness)."""
    scale = total / sum(weights)
    quotas = [weight * scale for weight in weights]
    counts = [int(quota) for quota in quotas]
    by_remainder = sorted(range(len(weights)), key=lambda i: (counts[i] - quotas[i], i))
    for index in by_remainder[: total - sum(counts)]:
        counts[index] += 1
    return counts


def _load(
    villages: list[Village], *, households: int, seed: int, progress: Callable[[int], None] | None
) -> dict[str, int]:
    weights = village_weights(villages)
    builder = HouseholdBuilder(
        villages,
        residence_picker=Picker(list(enumerate(weights))),
        seed=seed,
        ids=next_ids(),
        stamp=connection.ops.adapt_datetimefield_value(timezone.now()),
    )
    writer = BulkWriter()
    writer.start()
    totals = dict.fromkeys(SUMMARY_FIELDS, 0)
    for rows in prefetched(_chunks(builder, allocate(households, weights))):
        writer.write(rows)
        for name in SUMMARY_FIELDS:
            totals[name] += len(getattr(rows, name))
        if progress is not None:
            progress(totals["households"])
    writer.finish()
    return totals


SUMMARY_FIELDS = ("households", "persons", "members", "certificates", "incomes", "assets", "expenses", "assessments")


def _chunks(builder: HouseholdBuilder, counts: list[int]) -> Iterator[Rows]:
    """Households village by village, handed out in chunks of CHUNK_HOUSEHOLDS."""
    pending = 0
    for village_index, count in enumerate(counts):
        for _household in range(count):
            builder.add_household(village_index)
            pending += 1
            if pending == CHUNK_HOUSEHOLDS:
                yield builder.take_rows()
                pending = 0
    if pending:
        yield builder.take_rows()


# --- Building rows ------------------------------------------------------------------------------------------

AS_OF = date(2026, 1, 1)  # a fixed "today" for ages and dates, so a seed gives the same rows on any day
_AS_OF = AS_OF.toordinal()
_YEAR = 365.2425
_FIRST_DAY = date(1900, 1, 1).toordinal()
# Dates are formatted once: ISO for date columns, YYYYMMDD for ID numbers (to AS_OF plus a certificate term).
_ISO = [date.fromordinal(day).isoformat() for day in range(_FIRST_DAY, _AS_OF + 11 * 366)]
_COMPACT = [text.replace("-", "") for text in _ISO]
_HUKOU_REGISTRATION = date(1958, 1, 9).toordinal()  # 《户口登记条例》: no household history before it
_SICHUAN_ERA_END = date(1997, 3, 14).toordinal()  # Chongqing becomes a municipality
SICHUAN_ERA_SHARE = 0.15
_SEQUENCE_SLOTS = 499  # per sex and day: odd 001–997 male, even 002–998 female (GB 11643 §5.3)
CERTIFICATE_TERM_DAYS = 3652  # 残疾人证 are renewed every ten years
DECEASED_HOUSEHOLD_SHARE = 0.03  # a former member died: ≈ 1 % of persons
MOVED_OUT_HOUSEHOLD_SHARE = 0.03  # a grown-up child moved away (迁出)


def _birth(age: float) -> int:
    return max(_FIRST_DAY, _AS_OF - max(1, int(age * _YEAR)))


def _iso(day: int | None) -> str | None:
    return None if day is None else _ISO[day - _FIRST_DAY]


class HouseholdBuilder:
    """Builds the rows of one household at a time from a single seeded `random.Random`."""

    def __init__(
        self,
        villages: list[Village],
        *,
        residence_picker: Picker[int],
        seed: int,
        ids: IdCounters,
        stamp: object,
    ) -> None:
        self._villages = villages
        self._residence = residence_picker
        self._rng = random.Random(seed)
        self._ids = ids
        self._stamp = stamp  # created_at / updated_at, already adapted for the database
        self._rows = Rows()
        self._economics = EconomicsBuilder(
            seed=seed, ids=ids, as_of=_AS_OF, iso_days=_ISO, first_day=_FIRST_DAY, stamp=stamp
        )
        # Category, grade, work ability, illness and schooling of the person `_person` built last.
        self._facts: tuple[str, int, str, bool, bool] = ("", 0, "full", False, False)
        self._sequences: dict[str, int] = {}  # ID prefix + birth date + sex → used × 1000 + first slot
        self._numbers: dict[str, int] = {}  # village code → last household number
        self._partial_sums: dict[str, int] = {}  # address code or birth date → its weighted digit sum

    def take_rows(self) -> Rows:
        rows, self._rows = self._rows, Rows()
        return rows

    def add_household(self, home: int) -> None:
        rng, village = self._rng, self._villages[home]
        members = compose(rng, HOUSEHOLD_TEMPLATES.pick(rng), village.district_code)
        head_birth = _birth(members[0].age)
        founded = min(head_birth + int(rng.uniform(20, 30) * _YEAR), _AS_OF - between(rng, 30, 700))
        founded = max(_HUKOU_REGISTRATION, founded)
        household_id = self._household(village)
        residents: list[Resident] = []
        for member in members:
            birth = _birth(member.age)
            person_id = self._person(member, birth, home=home, prefix=village.district_code)
            start = max(founded, birth) if member.relation in (SON, DAUGHTER, GRANDCHILD) else founded
            absence, since = self._economics.absence(member.relation, member.age, member.male, birth)
            since = None if since is None else max(since, start)
            self._member(household_id, person_id, member.relation, start, absence=absence, since=since)
            residents.append(Resident(person_id, member.age, birth, *self._facts, bool(absence)))
        self._economics.household(self._rows, household_id, urban=village.urban, residents=residents, founded=founded)
        if rng.random() < DECEASED_HOUSEHOLD_SHARE:
            self._deceased(household_id, members, home, founded)
        if rng.random() < MOVED_OUT_HOUSEHOLD_SHARE:
            self._moved_out(household_id, members[0], home, founded)

    def _household(self, village: Village) -> int:
        household_id = self._ids.household
        self._ids.household += 1
        number = self._numbers.get(village.code, 0) + 1
        self._numbers[village.code] = number
        address = household_address(self._rng, village_name=village.name, urban=village.urban)
        hukou_type = "urban" if village.urban else "rural"
        self._rows.households.append(
            (household_id, f"{village.code}{number:05d}", village.id, address, hukou_type, self._stamp)
        )
        return household_id

    def _member(
        self,
        household_id: int,
        person_id: int,
        relation: str,
        start: int,
        end: int | None = None,
        reason: str = "",
        absence: str = "",
        since: int | None = None,
    ) -> None:
        member_id = self._ids.member
        self._ids.member += 1
        row = (
            member_id, household_id, person_id, relation, relation == HEAD, _iso(start), _iso(end), reason, absence,
            _iso(since),
        )  # fmt: skip
        self._rows.members.append(row)

    def _deceased(self, household_id: int, members: list[Member], home: int, founded: int) -> None:
        """A spouse (for a head living alone) or a parent of the head who died in the last eight years."""
        rng, head = self._rng, members[0]
        died = max(founded + 1, _AS_OF - between(rng, 1, 8 * 365))
        years_ago = (_AS_OF - died) / _YEAR
        if len(members) == 1 and head.age >= 45:
            relation, age, male = SPOUSE, head.age - years_ago + rng.uniform(-3, 6), not head.male
        elif head.age <= 70:
            relation, age, male = PARENT, head.age - years_ago + rng.uniform(24, 34), rng.random() < 0.5
        else:
            return
        surname = head.surname if relation == PARENT and male else SURNAMES.pick(rng)
        age = min(age, 102.0)
        member = Member(relation, age, male, surname, head.ethnic)
        birth = max(_FIRST_DAY, died - int(age * _YEAR))
        prefix = self._villages[home].district_code
        person_id = self._person(member, birth, home=home, prefix=prefix, died=died)
        self._member(household_id, person_id, relation, founded, end=died, reason="死亡")

    def _moved_out(self, household_id: int, head: Member, home: int, founded: int) -> None:
        """A grown-up child whose hukou moved to another village; the ID keeps the birthplace's code."""
        rng = self._rng
        age = head.age - rng.uniform(22, 32)
        if age < 18:
            return
        male = rng.random() < 0.515
        birth = _birth(age)
        start = max(founded, birth)
        left = min(_AS_OF, max(start + 1, birth + int(18 * _YEAR), _AS_OF - between(rng, 30, 3650)))
        relation = SON if male else DAUGHTER
        surname = head.surname if head.male else SURNAMES.pick(rng)
        member = Member(relation, age, male, surname, head.ethnic)
        new_home = self._residence.pick(rng)
        person_id = self._person(member, birth, home=new_home, prefix=self._villages[home].district_code)
        self._member(household_id, person_id, relation, start, end=left, reason="迁出")

    def _person(self, member: Member, birth: int, *, home: int, prefix: str, died: int | None = None) -> int:
        rng = self._rng
        person_id = self._ids.person
        self._ids.person += 1
        age = (_AS_OF - birth) / _YEAR
        compact = _COMPACT[birth - _FIRST_DAY]
        id_number = self._id_number(prefix, compact, birth, male=member.male)
        name = member.surname + given_name(rng, male=member.male, birth_year=int(compact[:4]))
        hukou = self._villages[home].id
        work, illness, phone, residence, in_school = "full", False, "", hukou, False
        if died is None:
            category, grade = self._disability(person_id, id_number, birth, age)
            work, illness = _health(rng, age, grade)
            phone = _phone(rng, age)
            residence = self._residence_of(home, age)
            in_school = self._economics.in_school(age)
            self._facts = (category, grade, work, illness, in_school)
        sex = "male" if member.male else "female"
        self._rows.persons.append(
            (person_id, id_number, name, sex, _iso(birth), member.ethnic, phone, hukou, residence, _iso(died),
             work, illness, in_school, self._stamp, self._stamp)
        )  # fmt: skip
        return person_id

    def _id_number(self, district_code: str, compact: str, birth: int, *, male: bool) -> str:
        """GB 11643: address code + birth date + sequence (odd male, even female) + MOD 11-2 check.

        Sequences are handed out per address, date and sex from a random first slot, so numbers never collide.
        """
        rng = self._rng
        prefix = district_code
        if birth < _SICHUAN_ERA_END and rng.random() < SICHUAN_ERA_SHARE:
            prefix = SICHUAN_ERA_CODES.get(district_code) or SICHUAN_ERA_LIST[int(rng.random() * len(SICHUAN_ERA_LIST))]
        key = f"{prefix}{compact}{int(male)}"
        state = self._sequences.get(key)
        used, first = (0, int(rng.random() * _SEQUENCE_SLOTS)) if state is None else divmod(state, 1000)
        if used >= _SEQUENCE_SLOTS:
            raise RuntimeError(f"ID sequence exhausted for {key}")
        self._sequences[key] = (used + 1) * 1000 + first
        slot = (first + used) % _SEQUENCE_SLOTS
        sequence = 2 * slot + 1 if male else 2 * slot + 2
        return f"{prefix}{compact}{sequence:03d}{self._check_char(prefix, compact, sequence)}"

    def _check_char(self, prefix: str, compact: str, sequence: int) -> str:
        """GB 11643 MOD 11-2 (`core.identifiers`) from cached weighted sums of the address and date parts:
        the same result as `id_check_char`, a few times faster over a million numbers."""
        partial = self._partial_sums
        head = partial.get(prefix)
        if head is None:
            head = partial[prefix] = _weighted(prefix, 0)
        middle = partial.get(compact)
        if middle is None:
            middle = partial[compact] = _weighted(compact, 6)
        tail = (sequence // 100) * _W14 + (sequence // 10 % 10) * _W15 + (sequence % 10) * _W16
        return ID_CHECK_CHARS[(head + middle + tail) % 11]

    def _residence_of(self, home: int, age: float) -> int:
        """人户分离: mostly working-age people living in another (usually populous) village."""
        rng = self._rng
        share = 0.14 if 18 <= age < 45 else 0.07 if 45 <= age < 60 else 0.04
        if rng.random() >= share:
            return self._villages[home].id
        other = self._residence.pick(rng)
        if other == home:
            other = (home + 1) % len(self._villages)
        return self._villages[other].id

    def _disability(self, person_id: int, id_number: str, birth: int, age: float) -> tuple[str, int]:
        """Maybe issue a 残疾人证 (number = ID number + category + grade); returns category and grade, or ("", 0)."""
        rng = self._rng
        if rng.random() >= _disability_rate(age) or birth + 366 > _AS_OF:
            return "", 0
        category, grade = DISABILITY_CATEGORIES.pick(rng), DISABILITY_GRADES.pick(rng)
        issued = max(birth + 366, _AS_OF - between(rng, 1, CERTIFICATE_TERM_DAYS))
        certificate_id = self._ids.certificate
        self._ids.certificate += 1
        self._rows.certificates.append(
            (certificate_id, person_id, f"{id_number}{category}{grade}", category, grade, _iso(issued),
             _iso(issued + CERTIFICATE_TERM_DAYS))
        )  # fmt: skip
        return category, grade


_W14, _W15, _W16 = ID_WEIGHTS[14:]  # weights of the three sequence digits


def _weighted(digits: str, offset: int) -> int:
    """Σ digit × weight for `digits` placed at `offset` of the 17 (GB 11643 §5.5)."""
    return sum(int(digit) * weight for digit, weight in zip(digits, ID_WEIGHTS[offset:], strict=False))


def _disability_rate(age: float) -> float:
    """Prevalence rises steeply with age; overall about 6 % of persons."""
    if age < 18:
        return 0.012
    if age < 45:
        return 0.03
    if age < 60:
        return 0.065
    return 0.11 if age < 80 else 0.2


def _health(rng: random.Random, age: float, grade: int) -> tuple[str, bool]:
    """Work ability and serious illness: severe disability or illness reduces ability; a few % overall."""
    illness = rng.random() < (0.012 if age < 45 else 0.035 if age < 60 else 0.07)
    if grade in (1, 2):
        return "none", illness
    if grade == 3 or illness:
        return ("none" if rng.random() < 0.3 else "partial"), illness
    if age >= 75 and rng.random() < 0.1:
        return "partial", illness
    return "full", illness


def _phone(rng: random.Random, age: float) -> str:
    if age < 16:
        return ""
    return mobile_number(rng) if rng.random() < (0.93 if age < 80 else 0.45) else ""
