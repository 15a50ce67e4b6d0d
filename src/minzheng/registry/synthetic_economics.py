"""The synthetic city's economic facts: incomes, property, rigid expenses, self-care, schooling and absences.

Shapes are approximate and Chongqing-like; no legal rule uses them. They are tuned so that the assistance
rules find realistic cases on the 2021 standards (REFERENCE §14: 636 元 urban, 515 元 rural per person and
month): about 5 % of households have a counted income below the standard (低保), about 3 % between 1 and
1.5 times it (低保边缘), and the rest at least 1.6 times it, so rounding never moves a household across a line.
Some poor households hold deposits above 24 months of the standard (the property test refuses them), some
elderly live alone with no counted income (特困 candidates), and seriously ill or disabled members carry
medical and rehabilitation costs. Every amount is integer fen.

`EconomicsBuilder` draws from its own `random.Random`, so adding facts leaves the population rows of a seed
as they were; rows are tuples in the column order of `synthetic_load`.
"""

from __future__ import annotations

import random
from math import exp
from typing import NamedTuple

from minzheng.registry.synthetic_load import IdCounters, Rows

URBAN_STANDARD_FEN = 63_600  # 2021 dibao standard, 元/人·月 × 100 (REFERENCE §14)
RURAL_STANDARD_FEN = 51_500
NEAR_LINE_PERMILLE = 1500  # 低保边缘: below 1.5 × the standard
DEPOSIT_LIMIT_MONTHS = 24  # a common local property limit: deposits ≤ 24 months of the standard per member
POOR_SHARE = 0.05  # targets on all households; `_class` weights them by the household's risk
NEAR_SHARE = 0.03
# Kinds the rules count (审核确认办法 第13条); the others are exempt or not generated.
COUNTED = frozenset({"wage", "business", "farm", "property", "pension", "support", "unemployment", "transfer", "other"})
# The Katz order in which abilities are usually lost: bathing first, eating last.
LOSS_ORDER = ("bathing", "dressing", "toileting", "transferring", "walking", "eating")
SELF_CARE_COLUMNS = ("eating", "dressing", "transferring", "toileting", "walking", "bathing")
_YEAR = 365.2425
_AGE_16, _AGE_18, _AGE_60 = int(16 * _YEAR), int(18 * _YEAR), int(60 * _YEAR)
_FARM_YEAR_START = 365  # farm income: the 12 months up to AS_OF
_BASIC_PENSION_FROM = 733_773  # 2010-01-01: 城乡居民基本养老保险 covers the countryside
_ABILITIES = {  # unmet count → the six indicators in SELF_CARE_COLUMNS order
    unmet: tuple(name not in LOSS_ORDER[:unmet] for name in SELF_CARE_COLUMNS) for unmet in range(7)
}
# An income while it is built: (person id, kind, amount in fen, period in months, valid_from, valid_to, source).
Income = tuple[int | None, str, int, int, int, int | None, str]


class Resident(NamedTuple):
    """A current member as the economics need them."""

    person_id: int
    age: float
    birth: int  # ordinal day
    category: str  # 残疾人证 category, "" without one
    grade: int  # 0 without a certificate
    work: str  # full | partial | none
    illness: bool
    in_school: bool
    absent: bool


def _yuan(value: float) -> int:
    """Whole yuan as fen: declared amounts are round figures."""
    return int(value) * 100


def monthly_fen(amount_fen: int, period_months: int) -> int:
    """A monthly figure, rounded half up to the fen, as the rules' input relation computes it."""
    return amount_fen if period_months == 1 else (2 * amount_fen + period_months) // (2 * period_months)


def _counted_monthly(incomes: list[Income]) -> int:
    return sum(monthly_fen(i[2], i[3]) for i in incomes if i[1] in COUNTED and i[5] is None)


class EconomicsBuilder:
    """Draws the facts of one household at a time; written for speed (a million persons in a few seconds)."""

    def __init__(self, *, seed: int, ids: IdCounters, as_of: int, iso_days: list[str], first_day: int, stamp: object):
        self._rng = random.Random(f"economics:{seed}")
        self._ids = ids
        self._as_of = as_of
        self._iso_days = iso_days  # ISO text of day `first_day + i`
        self._first_day = first_day
        self._stamp = stamp

    def _iso(self, day: int | None) -> str | None:
        return None if day is None else self._iso_days[day - self._first_day]

    # --- person and member facts, drawn while those rows are built ----------------------------------------

    def in_school(self, age: float) -> bool:
        """Full-time education up to 本科: compulsory years, most of 高中, over half of 18–21 year-olds."""
        if age < 6 or age >= 23:
            return False
        share = 0.99 if age < 15 else 0.92 if age < 18 else 0.58 if age < 22 else 0.1
        return self._rng.random() < share

    def absence(self, relation: str, age: float, male: bool, birth: int) -> tuple[str, int | None]:
        """Rarely, a member not counted by the rules (审核确认办法 第7条, 重庆条例 第11条) and since when."""
        if relation == "02" or age < 18 or age >= 65:
            return "", None
        rnd, as_of = self._rng.random, self._as_of
        draw = rnd()
        if draw >= 0.0126:  # above every share below
            return "", None
        adult = birth + _AGE_18
        soldier = 0.008 if male else 0.0015
        if relation in ("20", "30") and age < 25 and draw < soldier:
            return "soldier_unmarried", max(adult, as_of - 30 - int(rnd() * 4 * 365))
        draw -= soldier
        prison = (0.0025 if male else 0.0004) if 20 <= age < 60 else 0.0
        if 0 <= draw < prison:
            return "prison", max(adult, as_of - 30 - int(rnd() * 6 * 365))
        draw -= prison
        if 0 <= draw < 0.0012:  # religious staff: both sides of Chongqing's one-year and the national three-year test
            return "religious", max(adult, as_of - 60 - int(rnd() * 8 * 365))
        draw -= 0.0012
        if 0 <= draw < 0.0004:
            return ("drug_rehab" if draw < 0.0002 else "missing"), max(adult, as_of - 30 - int(rnd() * 730))
        return "", None

    # --- household facts ------------------------------------------------------------------------------------

    def household(self, rows: Rows, household_id: int, *, urban: bool, residents: list[Resident], founded: int) -> None:
        counted = [r for r in residents if not r.absent]
        incomes, risk, no_worker = self._natural_incomes(counted, urban=urban)
        kind = self._class(risk)
        if counted:
            standard = URBAN_STANDARD_FEN if urban else RURAL_STANDARD_FEN
            line = standard * len(counted)
            incomes = self._adjust(incomes, counted, kind=kind, urban=urban, no_worker=no_worker, line=line)
        self._income_rows(rows, household_id, incomes)
        self._assets(rows, household_id, residents, incomes, kind=kind, urban=urban, founded=founded)
        for r in residents:
            if r.illness or r.grade or r.age >= 75 or (r.in_school and r.age >= 18):
                self._expenses(rows, household_id, r)
                if r.age >= 75 or r.grade in (1, 2):
                    self._self_care(rows, r)

    def _natural_incomes(self, residents: list[Resident], *, urban: bool) -> tuple[list[Income], float, bool]:
        """Incomes by age, work ability and area; also the household's poverty risk and whether anyone can work."""
        rng = self._rng
        rnd, lognormal, as_of = rng.random, rng.lognormvariate, self._as_of
        incomes: list[Income] = []
        farmers, full_worker, any_worker, elderly, fragile = 0, False, False, 0, False
        adults: list[Resident] = []
        able = 0.85 if urban else 0.62
        for r in residents:
            age, pid = r.age, r.person_id
            if r.illness or r.grade in (1, 2):
                fragile = True
            if 16 <= age < 60 and not r.in_school:
                work = r.work
                any_worker = any_worker or work != "none"
                if work == "full":
                    full_worker = True
                    if age >= 25:
                        adults.append(r)
                if age >= 25 and not urban:
                    farmers += 1
                if rnd() < (able if work == "full" else 0.35 if work == "partial" else 0.0):
                    amount = 0 if rnd() < 0.03 else _yuan(min(9000.0, max(1500.0, lognormal(8.3, 0.42))))
                    start = max(as_of - 30 - int(rnd() * 2920), r.birth + _AGE_16)
                    if rnd() < 0.06:  # an earlier job, ended when this one began
                        incomes.append((pid, "wage", _yuan(1500 + 4500 * rnd()), 1, start - 400, start, "部门数据"))
                    incomes.append((pid, "wage", amount, 1, start, None, "部门数据"))
                elif urban and rnd() < 0.04:
                    incomes.append((pid, "unemployment", _yuan(1500 + 400 * rnd()), 1, as_of - 200, None, "核对"))
            elif age >= 60:
                elderly += 1
                if age < 75 and not urban:
                    farmers += 1
                retired = r.birth + _AGE_60
                if rnd() < (0.72 if urban else 0.07):
                    pension = _yuan(min(9000.0, max(1800.0, lognormal(8.05, 0.3))))
                    incomes.append((pid, "pension", pension, 1, retired, None, "核对"))
                else:
                    start = max(retired, _BASIC_PENSION_FROM)
                    incomes.append((pid, "basic_pension", _yuan(150 + 51 * rnd()), 1, start, None, "部门数据"))
            if r.grade and r.grade <= 2 and rnd() < 0.6:
                incomes.append((pid, "disability_subsidy", _yuan(80 + 31 * rnd()), 1, as_of - 300, None, "部门数据"))
            elif r.in_school and age >= 15 and rnd() < 0.04:
                incomes.append((pid, "scholarship", _yuan(100 + 400 * rnd()), 1, as_of - 120, None, "申报"))
        if farmers and rnd() < 0.78:
            farm = _yuan(min(60_000.0, max(3000.0, lognormal(9.55, 0.5))))
            incomes.append((None, "farm", farm, 12, as_of - _FARM_YEAR_START, None, "申报"))
        if adults and rnd() < 0.07:
            owner = adults[int(rnd() * len(adults))].person_id
            profit = _yuan(min(40_000.0, max(2000.0, lognormal(8.7, 0.6))))
            incomes.append((owner, "business", profit, 1, as_of - 60 - int(rnd() * 3000), None, "核对"))
        if urban and residents and rnd() < 0.03:
            rent = _yuan(800 + 3200 * rnd())
            incomes.append((residents[0].person_id, "property", rent, 1, as_of - 1 - int(rnd() * 2000), None, "申报"))
        if residents and elderly == len(residents) and rnd() < 0.3:
            support = _yuan(200 + 1000 * rnd())
            incomes.append((residents[0].person_id, "support", support, 1, as_of - 400, None, "申报"))
        risk = (1.0 if urban else 1.35) * (2.0 if fragile else 1.0) * (1.0 if full_worker else 1.8)
        return incomes, risk, not any_worker

    def _class(self, risk: float) -> str:
        """poor, near or normal: more likely poor with illness, severe disability, no worker, in the country."""
        poor = min(0.5, POOR_SHARE * 0.68 * risk)
        draw = self._rng.random()
        if draw < poor:
            return "poor"
        return "near" if draw < poor + min(0.3, NEAR_SHARE * 0.7 * risk) else "normal"

    def _adjust(
        self, incomes: list[Income], residents: list[Resident], *, kind: str, urban: bool, no_worker: bool, line: int
    ) -> list[Income]:
        """Scale the counted incomes to the class: below `line`, 1.04–1.45 × it, or at least 1.6 × it."""
        rnd = self._rng.random
        current = _counted_monthly(incomes)
        if kind == "poor":
            target = 0 if no_worker and rnd() < 0.4 else int(line * 0.9 * rnd())
        elif kind == "near":
            target = int(line * (1.04 + 0.41 * rnd()))
        elif current * 1000 >= line * 1600:
            return incomes
        else:
            target = int(line * (1.65 + 1.35 * rnd()))
        target = target // 100 * 100  # declared amounts are whole yuan
        kept = [i for i in incomes if i[1] not in COUNTED or i[5] is not None]
        if target == 0:
            return kept
        if current == 0:
            return [*kept, self._new_income(residents, target, urban=urban)]
        counted = [i for i in incomes if i[1] in COUNTED and i[5] is None]
        return kept + [(i[0], i[1], i[2] * target // current // 100 * 100, *i[3:]) for i in counted]

    def _new_income(self, residents: list[Resident], monthly: int, *, urban: bool) -> Income:
        """An income that brings a household without counted income to `monthly` fen."""
        as_of = self._as_of
        start = as_of - 30 - int(self._rng.random() * 1500)
        workers = [r for r in residents if 16 <= r.age < 70 and r.work != "none" and not r.in_school]
        if workers and not urban:
            return (None, "farm", monthly * 12, 12, as_of - _FARM_YEAR_START, None, "申报")
        if workers and workers[0].age < 60:
            return (workers[0].person_id, "wage", monthly, 1, start, None, "申报")
        return (residents[0].person_id, "support", monthly, 1, start, None, "申报")

    def _income_rows(self, rows: Rows, household_id: int, incomes: list[Income]) -> None:
        iso, first, last, stamp = self._iso_days, self._first_day, self._as_of - 1, self._stamp
        next_id = self._ids.income
        append = rows.incomes.append
        for person_id, kind, amount, months, valid_from, valid_to, source in incomes:
            start = iso[min(valid_from, last) - first]
            end = None if valid_to is None else iso[valid_to - first]
            append((next_id, household_id, person_id, kind, amount, months, start, end, source, stamp))
            next_id += 1
        self._ids.income = next_id

    def _assets(
        self,
        rows: Rows,
        household_id: int,
        residents: list[Resident],
        incomes: list[Income],
        *,
        kind: str,
        urban: bool,
        founded: int,
    ) -> None:
        rng = self._rng
        rnd, lognormal = rng.random, rng.lognormvariate
        head = residents[0].person_id
        items: list[tuple[str, int, int | None, str]] = []
        if kind == "normal":
            if rnd() < 0.9:
                items.append(("deposit", _yuan(min(3e6, lognormal(10.5 if urban else 9.9, 1.1))), None, ""))
            if urban and rnd() < 0.08:
                items.append(("securities", _yuan(min(2e6, lognormal(10.8, 1.0))), head, ""))
            if rnd() < 0.29:
                items.append(("vehicle", _yuan(min(8e5, max(2e4, lognormal(11.4, 0.6)))), head, ""))
        else:
            if rnd() < (0.7 if kind == "poor" else 0.8):
                counted = sum(not r.absent for r in residents) or 1
                limit = (URBAN_STANDARD_FEN if urban else RURAL_STANDARD_FEN) * counted * DEPOSIT_LIMIT_MONTHS
                above = rnd() < (0.1 if kind == "poor" else 0.08)  # fails the property test
                share = 1.1 + 1.9 * rnd() if above else (0.6 if kind == "poor" else 0.9) * rnd()
                items.append(("deposit", int(limit * share) // 100 * 100, None, ""))
            if kind == "near" and rnd() < 0.05:
                items.append(("vehicle", _yuan(15_000 + 45_000 * rnd()), head, ""))
        for r in residents:
            if r.category == "4" and 1 <= r.grade <= 3 and rnd() < 0.12:
                items.append(
                    ("mobility_vehicle", _yuan(5000 + 25_000 * rnd()), r.person_id, "残疾人功能性补偿代步机动车")
                )
        draw = rnd()
        if urban:
            houses = 2 if draw < 0.2 else 1 if draw < 0.85 else 0
        else:
            houses = 2 if draw < 0.1 else 1 if draw < 0.95 else 0
        factor = 1.0 if kind == "normal" else 0.6
        for _house in range(houses if kind == "normal" else min(houses, 1)):
            items.append(("house", _yuan(factor * (lognormal(13.7, 0.5) if urban else lognormal(11.7, 0.6))), head, ""))
        for income in incomes:
            if income[1] == "business" and income[5] is None:
                items.append(("business", _yuan(min(5e6, lognormal(11.9, 0.9))), income[0], "个体工商户"))
        iso, first, stamp = self._iso_days, self._first_day, self._stamp
        span = max(1, self._as_of - founded)
        next_id = self._ids.asset
        append = rows.assets.append
        for asset_kind, value, person_id, note in items:
            since = iso[founded + int(rnd() * span) - first]
            append((next_id, household_id, person_id, asset_kind, value, since, None, note, stamp))
            next_id += 1
        self._ids.asset = next_id

    def _expenses(self, rows: Rows, household_id: int, r: Resident) -> None:
        """Out-of-pocket costs of the last 12 months: medical for the ill, rehabilitation for the disabled."""
        rng = self._rng
        rnd = rng.random
        items: list[tuple[str, int, str]] = []
        if r.illness:
            for _visit in range(1 + int(rnd() * 4)):
                items.append(("medical", _yuan(min(3e5, max(300.0, exp(8.7 + rng.gauss())))), "住院自付"))
            if rnd() < 0.12:
                items.append(("medical", _yuan(50_000 + 150_000 * rnd()), "重特大疾病自付"))
        if r.grade and rnd() < (0.5 if r.grade <= 2 else 0.15):
            for _session in range(1 + int(rnd() * 2)):
                items.append(("rehabilitation", _yuan(1000 + 29_000 * rnd()), "康复训练"))
        if r.age >= 75 and rnd() < 0.15:
            items.append(("medical", _yuan(500 + 4500 * rnd()), "门诊自付"))
        if r.in_school and r.age >= 18 and rnd() < 0.3:
            items.append(("education", _yuan(4000 + 5000 * rnd()), "学费"))
        iso, first, last, stamp = self._iso_days, self._first_day, self._as_of - 1, self._stamp
        for kind, amount, note in items:
            day = iso[last - int(rnd() * 364) - first]
            rows.expenses.append((self._ids.expense, household_id, r.person_id, kind, amount, day, note, stamp))
            self._ids.expense += 1

    def _self_care(self, rows: Rows, r: Resident) -> None:
        """Most people aged 75+ and most severely disabled are assessed; some lose 1–3 abilities, some 4+."""
        rnd = self._rng.random
        severe = r.grade in (1, 2)
        if not ((r.age >= 75 and rnd() < 0.8) or (severe and rnd() < 0.9)):
            return
        able, partial = (0.3, 0.35) if severe else (0.45, 0.3) if r.age >= 85 else (0.72, 0.18)
        draw = rnd()
        unmet = 0 if draw < able else 1 + int(rnd() * 3) if draw < able + partial else 4 + int(rnd() * 3)
        assessed = self._as_of - 10 - int(rnd() * 700)
        if rnd() < 0.12 and assessed - 400 > r.birth:  # an earlier assessment, before abilities declined
            self._assessment(rows, r.person_id, assessed - 365 - int(rnd() * 300), max(0, unmet - 2))
        self._assessment(rows, r.person_id, assessed, unmet)

    def _assessment(self, rows: Rows, person_id: int, day: int, unmet: int) -> None:
        day_text = self._iso_days[day - self._first_day]
        row = (self._ids.assessment, person_id, day_text, *_ABILITIES[unmet], "第三方评估机构", self._stamp)
        rows.assessments.append(row)
        self._ids.assessment += 1
