"""Who the synthetic people are: census weights, names, phones, ethnic groups and household shapes.

Kept apart from the row builder so the tables can be read (and corrected) without wading through the loading
logic. Figures are approximate where noted: they shape a realistic demo population; no legal rule uses them.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Sequence
from itertools import accumulate
from typing import Generic, NamedTuple, TypeVar

T = TypeVar("T")


class Picker(Generic[T]):
    """Weighted choice by bisecting cumulative weights: one `random()` call, no list allocation per pick.

    `random.choices` builds a list on every call; at a million persons that overhead is measurable.
    """

    __slots__ = ("_cumulative", "_items", "_total")

    def __init__(self, weighted: Sequence[tuple[T, float]]) -> None:
        if not weighted:
            raise ValueError("Picker needs at least one item")
        self._items = [item for item, _ in weighted]
        self._cumulative = list(accumulate(weight for _, weight in weighted))
        self._total = self._cumulative[-1]

    def pick(self, rng: random.Random) -> T:
        return self._items[bisect(self._cumulative, rng.random() * self._total)]

    def pick_index(self, rng: random.Random) -> int:
        return bisect(self._cumulative, rng.random() * self._total)

    def __len__(self) -> int:
        return len(self._items)


def between(rng: random.Random, low: int, high: int) -> int:
    """An integer in [low, high): `randrange` does the same but costs several times more per call."""
    return low + int(rng.random() * (high - low))


# 2020 (seventh) census resident population by county-level unit, 万人. The 26 districts are the published
# figures; the 12 counties are rounded (sum 3,199.9 against the published city total of 3,205.4).
CENSUS_2020: dict[str, float] = {
    "500101": 156.44, "500102": 111.50, "500103": 58.87, "500104": 42.19, "500105": 92.58,
    "500106": 147.73, "500107": 152.68, "500108": 119.76, "500109": 83.49, "500110": 101.13,
    "500111": 83.46, "500112": 219.15, "500113": 117.89, "500114": 48.73, "500115": 69.30,
    "500116": 135.96, "500117": 124.53, "500118": 114.89, "500119": 57.24, "500120": 75.60,
    "500151": 68.57, "500152": 68.81, "500153": 66.90, "500154": 120.33, "500155": 64.53,
    "500156": 35.67, "500229": 19.79, "500230": 55.70, "500231": 64.66, "500233": 72.14,
    "500235": 92.91, "500236": 74.49, "500237": 46.29, "500238": 38.76, "500240": 38.90,
    "500241": 48.29, "500242": 60.71, "500243": 49.37,
}  # fmt: skip

# Before 1997-03-14 Chongqing was a city of Sichuan (5102xx); IDs issued then keep those codes for life.
# Districts of the old city map to their predecessor; the rest draw from the whole list (a simplification:
# 万县, 涪陵 and 黔江 were separate prefectures with their own codes).
SICHUAN_ERA_CODES: dict[str, str] = {
    "500103": "510202", "500104": "510203", "500105": "510211", "500106": "510212", "500107": "510213",
    "500108": "510214", "500109": "510215", "500115": "510221", "500113": "510222", "500110": "510223",
    "500112": "510224", "500152": "510227", "500151": "510228", "500111": "510230",
}  # fmt: skip
SICHUAN_ERA_LIST: tuple[str, ...] = tuple(sorted(set(SICHUAN_ERA_CODES.values())))

# GB 3304 民族 codes: 01 汉族, 06 苗族, 15 土家族. Shares in the autonomous counties and 黔江 are approximate.
_ETHNIC_DEFAULT: tuple[tuple[str, float], ...] = (("01", 0.994), ("15", 0.004), ("06", 0.002))
_ETHNIC_BY_DISTRICT: dict[str, tuple[tuple[str, float], ...]] = {
    "500114": (("01", 0.39), ("15", 0.48), ("06", 0.13)),  # 黔江区
    "500240": (("01", 0.27), ("15", 0.72), ("06", 0.01)),  # 石柱土家族自治县
    "500241": (("01", 0.40), ("15", 0.52), ("06", 0.08)),  # 秀山土家族苗族自治县
    "500242": (("01", 0.20), ("15", 0.60), ("06", 0.20)),  # 酉阳土家族苗族自治县
    "500243": (("01", 0.37), ("15", 0.17), ("06", 0.46)),  # 彭水苗族土家族自治县
}
_ETHNIC_PICKERS = {code: Picker(shares) for code, shares in _ETHNIC_BY_DISTRICT.items()}
_ETHNIC_FALLBACK = Picker(_ETHNIC_DEFAULT)


def ethnic_picker(district_code: str) -> Picker[str]:
    return _ETHNIC_PICKERS.get(district_code, _ETHNIC_FALLBACK)


# Common surnames with approximate national frequencies (%), a few raised for Chongqing (谭, 冉, 向, 秦).
SURNAMES = Picker[str](
    [
        ("王", 7.1), ("李", 7.0), ("张", 6.6), ("刘", 5.4), ("陈", 5.0), ("杨", 3.3), ("黄", 2.2),
        ("赵", 2.1), ("吴", 2.0), ("周", 2.0), ("徐", 1.5), ("孙", 1.4), ("马", 1.2), ("朱", 1.2),
        ("胡", 1.3), ("郭", 1.1), ("何", 1.3), ("高", 1.0), ("林", 1.0), ("罗", 1.3), ("郑", 0.9),
        ("梁", 0.8), ("谢", 0.8), ("宋", 0.7), ("唐", 0.9), ("许", 0.6), ("韩", 0.6), ("冯", 0.6),
        ("邓", 0.8), ("曹", 0.6), ("彭", 0.7), ("曾", 0.6), ("肖", 0.6), ("田", 0.6), ("董", 0.5),
        ("袁", 0.6), ("潘", 0.4), ("于", 0.3), ("蒋", 0.5), ("蔡", 0.4), ("余", 0.5), ("杜", 0.5),
        ("叶", 0.4), ("程", 0.4), ("苏", 0.3), ("魏", 0.4), ("吕", 0.3), ("丁", 0.3), ("任", 0.4),
        ("沈", 0.3), ("姚", 0.3), ("卢", 0.3), ("姜", 0.3), ("崔", 0.2), ("钟", 0.3), ("谭", 0.6),
        ("陆", 0.2), ("汪", 0.3), ("范", 0.3), ("金", 0.2), ("石", 0.3), ("廖", 0.4), ("贾", 0.2),
        ("夏", 0.2), ("韦", 0.1), ("付", 0.3), ("方", 0.2), ("白", 0.2), ("邹", 0.3), ("孟", 0.2),
        ("熊", 0.3), ("秦", 0.3), ("邱", 0.2), ("江", 0.2), ("尹", 0.2), ("薛", 0.1), ("段", 0.2),
        ("雷", 0.3), ("侯", 0.2), ("龙", 0.2), ("史", 0.1), ("陶", 0.2), ("黎", 0.2), ("贺", 0.2),
        ("顾", 0.1), ("毛", 0.2), ("郝", 0.1), ("龚", 0.2), ("邵", 0.1), ("万", 0.2), ("钱", 0.1),
        ("严", 0.1), ("向", 0.3), ("冉", 0.2), ("文", 0.2), ("汤", 0.1), ("况", 0.05), ("牟", 0.1),
    ]
)  # fmt: skip

# Given-name characters by birth cohort and sex: (male, female). Names drift with the times, so a grandmother
# is 秀英 and a granddaughter 梓涵.
_GIVEN_CHARS: dict[str, tuple[str, str]] = {
    "old": (
        "建国军华明强平伟志勇林德福贵文发成忠学荣兴永海清春祥光宗正民",
        "秀英兰桂芳珍玉凤琼淑华梅素翠群芬莲云菊霞惠琴萍敏丽芝春红",
    ),
    "mid": (
        "伟杰涛斌波军勇鹏磊超强刚辉明亮俊峰浩飞宇东平林建健兵成龙洋",
        "丽敏静燕艳娟霞玲芳婷雪琳倩颖莉红梅琴丹洁慧璐佳露娜蓉",
    ),
    "young": (
        "浩宇轩子梓俊杰博文涵睿泽明辰逸航铭哲宸一瑞皓嘉锦",
        "梓涵欣怡子萱雨诗琪佳悦可馨思语彤若芷晨一依瑶婉诺",
    ),
}
OLD_COHORT_BEFORE = 1970
YOUNG_COHORT_FROM = 1995
SINGLE_CHAR_SHARE = 0.18


def given_name(rng: random.Random, *, male: bool, birth_year: int) -> str:
    """One or two characters from the pool of the person's cohort."""
    if birth_year < OLD_COHORT_BEFORE:
        cohort = "old"
    elif birth_year >= YOUNG_COHORT_FROM:
        cohort = "young"
    else:
        cohort = "mid"
    chars = _GIVEN_CHARS[cohort][0 if male else 1]
    first = chars[int(rng.random() * len(chars))]
    if rng.random() < SINGLE_CHAR_SHARE:
        return first
    return first + chars[int(rng.random() * len(chars))]


# Mobile prefixes in use on the three carriers' networks (《电信网编号计划（2017年版）》).
_MOBILE_PREFIXES = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "147", "150", "151", "152",
    "153", "155", "156", "157", "158", "159", "166", "173", "175", "176", "177", "178", "180", "181",
    "182", "183", "184", "185", "186", "187", "188", "189", "191", "198", "199",
)  # fmt: skip


def mobile_number(rng: random.Random) -> str:
    return _MOBILE_PREFIXES[int(rng.random() * len(_MOBILE_PREFIXES))] + f"{int(rng.random() * 1e8):08d}"


_ROADS = ("人民路", "解放路", "建设路", "新华路", "中山路", "民生路", "和平路", "健康路", "长江路", "嘉陵路")


def household_address(rng: random.Random, *, village_name: str, urban: bool) -> str:
    """A plausible street address: building and flat in town, 组 and house number in the countryside."""
    if not urban:
        return f"{village_name}{between(rng, 1, 13)}组{between(rng, 1, 161)}号"
    road = _ROADS[int(rng.random() * len(_ROADS))]
    building, unit = between(rng, 1, 31), between(rng, 1, 5)
    flat = f"{between(rng, 1, 33)}{between(rng, 1, 7):02d}"
    return f"{village_name}{road}{between(rng, 1, 301)}号{building}栋{unit}单元{flat}"


class Template(NamedTuple):
    """A household shape: head, optional spouse, children, the head's parents and grandchildren."""

    spouse: bool
    children: int
    parents: int
    grandchildren: int
    head_min: float  # head's age range in years
    head_max: float


# Shares of all households. Sizes by current members: 1 → 22 %, 2 → 32 %, 3 → 22 %, 4 → 13 %, 5 → 6.5 %,
# 6 → 3 %, 7 → 1.5 % (mean ≈ 2.65; with former members ≈ 2.7 persons per household). Head ages are tuned so
# that about 22 % of living persons are 60 or older, 17 % 65+ and 16 % under 15 (Chongqing, 2020 census:
# 21.9 %, 17.1 %, 15.9 %).
HOUSEHOLD_TEMPLATES = Picker[Template](
    [
        (Template(False, 0, 0, 0, 20, 40), 7.0),
        (Template(False, 0, 0, 0, 40, 60), 5.0),
        (Template(False, 0, 0, 0, 60, 80), 7.2),
        (Template(False, 0, 0, 0, 80, 96), 2.6),
        (Template(True, 0, 0, 0, 22, 35), 4.0),
        (Template(True, 0, 0, 0, 35, 60), 9.5),
        (Template(True, 0, 0, 0, 60, 80), 10.0),
        (Template(True, 0, 0, 0, 80, 92), 1.5),
        (Template(False, 1, 0, 0, 35, 75), 6.4),
        (Template(True, 1, 0, 0, 24, 56), 15.8),
        (Template(True, 0, 1, 0, 28, 58), 2.2),
        (Template(False, 1, 0, 1, 56, 85), 1.8),
        (Template(False, 2, 0, 0, 40, 75), 2.2),
        (Template(True, 2, 0, 0, 28, 52), 7.2),
        (Template(True, 1, 1, 0, 28, 55), 3.2),
        (Template(True, 1, 0, 1, 52, 75), 1.6),
        (Template(True, 0, 2, 0, 30, 55), 1.0),
        (Template(True, 3, 0, 0, 32, 52), 1.6),
        (Template(True, 2, 1, 0, 30, 55), 2.3),
        (Template(True, 1, 2, 0, 28, 52), 1.6),
        (Template(True, 1, 0, 2, 54, 75), 1.0),
        (Template(True, 2, 2, 0, 30, 52), 1.65),
        (Template(True, 3, 1, 0, 32, 55), 0.75),
        (Template(True, 2, 0, 2, 56, 76), 0.6),
        (Template(True, 3, 2, 0, 32, 52), 0.9),
        (Template(True, 2, 0, 3, 56, 78), 0.6),
        # Grandparents raising grandchildren whose parents live elsewhere (留守儿童, 隔代家庭).
        (Template(True, 0, 0, 1, 50, 68), 0.7),
        (Template(True, 0, 0, 2, 50, 68), 0.4),
        (Template(False, 0, 0, 1, 52, 72), 0.4),
    ]
)

# 残疾人证 category (GB/T 26341) and grade shares, approximate (2006 national sample survey).
DISABILITY_CATEGORIES = Picker[str]([("4", 29), ("2", 24), ("7", 16), ("1", 15), ("6", 7.5), ("5", 7), ("3", 1.5)])
DISABILITY_GRADES = Picker[int]([(1, 13), (2, 24), (3, 28), (4, 35)])


# --- Household composition ---------------------------------------------------------------------------------

HEAD, SPOUSE, SON, DAUGHTER, GRANDCHILD, PARENT = "02", "10", "20", "30", "40", "50"  # GB/T 4761


class Member(NamedTuple):
    relation: str
    age: float
    male: bool
    surname: str
    ethnic: str


def compose(rng: random.Random, template: Template, district_code: str) -> list[Member]:
    """The current members of one household, head first, with ages consistent with their relations."""
    ethnic = ethnic_picker(district_code)
    head_age = rng.uniform(template.head_min, template.head_max)
    head = Member(
        HEAD,
        head_age,
        rng.random() < (0.72 if template.spouse else 0.48),
        SURNAMES.pick(rng),
        ethnic.pick(rng),
    )
    couple = [head]
    mother_age, surname = head_age, head.surname
    if template.spouse:
        shift = rng.uniform(-5, 2) if head.male else rng.uniform(-2, 5)
        spouse = Member(SPOUSE, max(18.0, head_age + shift), not head.male, SURNAMES.pick(rng), ethnic.pick(rng))
        couple.append(spouse)
        mother_age, surname = (spouse.age, head.surname) if head.male else (head_age, spouse.surname)
    children = _children(rng, template.children, mother_age, surname, couple)
    # Without children at home the grandchildren's parent lives elsewhere; their ages still follow it.
    grandchildren: list[Member] = []
    if template.grandchildren:
        parent = children[0] if children else _children(rng, 1, mother_age, surname, couple)[0]
        grandchildren = _grandchildren(rng, template.grandchildren, parent)
    return couple + children + grandchildren + _parents(rng, template.parents, head)


def _children(rng: random.Random, count: int, mother_age: float, surname: str, couple: list[Member]) -> list[Member]:
    """First child at the mother's age 21–33, the next ones 1.5–6 years apart."""
    children: list[Member] = []
    age = mother_age
    for index in range(count):
        if index == 0:
            high = min(33.0, age - 0.2)
            age -= rng.uniform(min(21.0, high), high)
        else:
            # A sibling too young to exist becomes a baby of random age: one clamped birthday for all of them
            # would exhaust that day's 499 ID sequence numbers in a large district.
            age = age - rng.uniform(1.5, 6.0) if age > 6.1 else rng.uniform(0.05, 1.0)
        male = rng.random() < 0.515
        ethnic = couple[int(rng.random() * len(couple))].ethnic
        children.append(Member(SON if male else DAUGHTER, age, male, surname, ethnic))
    return children


def _grandchildren(rng: random.Random, count: int, parent: Member) -> list[Member]:
    surname = parent.surname if parent.male else SURNAMES.pick(rng)
    grandchildren: list[Member] = []
    age = max(rng.uniform(0.1, 3.0), parent.age - rng.uniform(22, 32))
    for index in range(count):
        if index:
            age = age - rng.uniform(1.5, 5.0) if age > 5.1 else rng.uniform(0.05, 1.0)
        grandchildren.append(Member(GRANDCHILD, age, rng.random() < 0.515, surname, parent.ethnic))
    return grandchildren


def _parents(rng: random.Random, count: int, head: Member) -> list[Member]:
    """The head's father (same surname) and/or mother, 24–34 years older; a widowed mother most often."""
    if not count:
        return []
    father_age = min(102.0, head.age + rng.uniform(24, 34))
    father = Member(PARENT, father_age, True, head.surname, head.ethnic)
    mother = Member(PARENT, max(head.age + 18, father_age - rng.uniform(0, 4)), False, SURNAMES.pick(rng), head.ethnic)
    if count >= 2:
        return [father, mother]
    return [mother if rng.random() < 0.65 else father]
