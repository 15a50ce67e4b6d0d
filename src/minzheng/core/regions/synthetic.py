"""Synthetic townships and villages for the demo and the benchmarks (pure functions, no database).

Codes follow the NBS statistical-code layout (REFERENCE §13.2): township = district code + 3 digits
(001–099 街道, 100–199 镇, 200–399 乡); village = township code + 3 digits (001–199 社区, 200–399 村).
The village sub-ranges are observed in NBS data but not confirmed by the formal rule text (UNCONFIRMED),
which is why every generated row ships with `confirmed=False` and a source note.

Generation is deterministic: one `random.Random` per district seeded with "<seed>:<district code>".
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from minzheng.core.regions.models import UrbanRuralClass

Scale = Literal["demo", "full"]
TownshipKind = Literal["jiedao", "zhen", "xiang"]
Profile = Literal["core", "district", "county"]

KINDS: tuple[TownshipKind, ...] = ("jiedao", "zhen", "xiang")
SUFFIX: dict[TownshipKind, str] = {"jiedao": "街道", "zhen": "镇", "xiang": "乡"}
CODE_RANGE: dict[TownshipKind, tuple[int, int]] = {"jiedao": (1, 99), "zhen": (100, 199), "xiang": (200, 399)}
COMMUNITY_RANGE = (1, 199)
VILLAGE_RANGE = (200, 399)

# NBS 2023: Chongqing has 1,031 township-level units = 245 街道 + 625 镇 + 161 乡 (REFERENCE §13.1).
FULL_TOTALS: dict[TownshipKind, int] = {"jiedao": 245, "zhen": 625, "xiang": 161}
# Relative weight of each kind per district profile, used to spread FULL_TOTALS over the districts.
PROFILE_WEIGHTS: dict[Profile, dict[TownshipKind, float]] = {
    "core": {"jiedao": 8.0, "zhen": 3.0, "xiang": 0.0},
    "district": {"jiedao": 2.5, "zhen": 7.0, "xiang": 0.5},
    "county": {"jiedao": 1.0, "zhen": 6.0, "xiang": 4.0},
}
VILLAGES_PER_TOWNSHIP: dict[Scale, tuple[int, int]] = {"demo": (3, 6), "full": (8, 12)}
TOWNSHIPS_PER_DISTRICT_DEMO = (4, 8)

_STEM_FIRST = (
    "龙石青白双桂新凤黄金观莲高马回柏太永兴安长清福大东西南北红三五九云天玉"
    "铁铜沙花松竹梨杨罗陈何万宝华鹿鱼鹤虎丰和平仁义文德盐茶"
)
_STEM_SECOND = "溪桥河坝湾山坪岭林塘滩口沟岩场垭冲堡寺池井田峰洞门关庙滨湖江"
_URBAN_STEMS = (
    "新华", "和平", "光明", "建设", "人民", "民主", "友谊", "幸福", "团结", "胜利",
    "花园", "滨江", "锦绣", "翠湖", "学府", "桃源", "阳光", "金山", "龙湖", "天星",
    "嘉陵", "长江", "南山", "北城", "东风", "朝阳", "振兴", "繁荣", "春晖", "育才",
    "书院", "文星", "华福", "康居", "枫林", "桂园", "紫荆", "银杏", "梧桐", "星光",
)  # fmt: skip


# Two-character place-name stems in the style of Chongqing names (龙溪, 石坝, 青岩 …).
_PLACE_STEMS = tuple(first + second for first in _STEM_FIRST for second in _STEM_SECOND if first != second)


@dataclass(frozen=True)
class KindCounts:
    jiedao: int = 0
    zhen: int = 0
    xiang: int = 0

    def of(self, kind: TownshipKind) -> int:
        return int(getattr(self, kind))

    @property
    def total(self) -> int:
        return self.jiedao + self.zhen + self.xiang


@dataclass(frozen=True)
class VillageSpec:
    code: str
    name: str
    urban_rural_class: str


@dataclass(frozen=True)
class TownshipSpec:
    code: str
    name: str
    kind: TownshipKind
    villages: tuple[VillageSpec, ...]


def kind_of_name(name: str) -> TownshipKind | None:
    """The township kind implied by the generic part of a name (街道 / 镇 / 乡)."""
    for kind in KINDS:
        if name.endswith(SUFFIX[kind]):
            return kind
    return None


def apportion(total: int, weights: Mapping[str, float]) -> dict[str, int]:
    """Split `total` over the keys in proportion to `weights` (largest remainder; ties by key order)."""
    weight_sum = sum(weights.values())
    if weight_sum <= 0:
        return dict.fromkeys(weights, 0)
    quotas = {key: total * weight / weight_sum for key, weight in weights.items()}
    shares = {key: int(quota) for key, quota in quotas.items()}
    by_remainder = sorted(weights, key=lambda key: quotas[key] - shares[key], reverse=True)
    for key in by_remainder[: total - sum(shares.values())]:
        shares[key] += 1
    return shares


def full_counts(profiles: Mapping[str, Profile]) -> dict[str, KindCounts]:
    """Township counts per district code so the whole city reaches the NBS totals (about 1,031)."""
    per_kind = {
        kind: apportion(FULL_TOTALS[kind], {code: PROFILE_WEIGHTS[p][kind] for code, p in profiles.items()})
        for kind in KINDS
    }
    return {code: KindCounts(**{kind: per_kind[kind][code] for kind in KINDS}) for code in profiles}


def demo_counts(*, seed: int, district_code: str, profile: Profile) -> KindCounts:
    """4–8 townships, mostly 街道 in the core districts and 镇/乡 in the counties."""
    rng = random.Random(f"{seed}:{district_code}:counts")
    total = rng.randint(*TOWNSHIPS_PER_DISTRICT_DEMO)
    if profile == "core":
        return KindCounts(jiedao=total - 1, zhen=1)
    if profile == "district":
        return KindCounts(jiedao=2, zhen=total - 3, xiang=1)
    return KindCounts(jiedao=1, zhen=total // 2, xiang=total - 1 - total // 2)


def with_required(counts: KindCounts, required: Sequence[str], profile: Profile) -> KindCounts:
    """Make room for the named townships, plus two generated ones so a reform never empties a district."""
    values = {kind: max(counts.of(kind), sum(1 for n in required if kind_of_name(n) == kind)) for kind in KINDS}
    shortfall = len(required) + 2 - sum(values.values()) if required else 0
    if shortfall > 0:
        main_kind: TownshipKind = "jiedao" if profile == "core" else "zhen"
        values[main_kind] += shortfall
    return KindCounts(**values)


def district_townships(
    *, district_code: str, counts: KindCounts, required: Sequence[str], seed: int, scale: Scale
) -> list[TownshipSpec]:
    """Townships (with their villages) of one district; `required` names are always among them."""
    rng = random.Random(f"{seed}:{district_code}")
    stems = rng.sample(_unused_stems(_PLACE_STEMS, required), counts.total)
    townships: list[TownshipSpec] = []
    for kind in KINDS:
        names = [n for n in required if kind_of_name(n) == kind]
        names += [stems.pop() + SUFFIX[kind] for _ in range(counts.of(kind) - len(names))]
        for code, name in zip(_codes(district_code, CODE_RANGE[kind], len(names)), names, strict=True):
            townships.append(TownshipSpec(code, name, kind, _villages(rng, code, kind, scale)))
    return townships


def _unused_stems(stems: Iterable[str], required: Sequence[str]) -> list[str]:
    taken = {name[:2] for name in required}
    return [stem for stem in stems if stem not in taken]


def _codes(prefix: str, code_range: tuple[int, int], count: int) -> list[str]:
    first, last = code_range
    if first + count - 1 > last:
        raise ValueError(f"{count} codes do not fit in {first:03d}-{last:03d} under {prefix}")
    return [f"{prefix}{number:03d}" for number in range(first, first + count)]


def _villages(rng: random.Random, township_code: str, kind: TownshipKind, scale: Scale) -> tuple[VillageSpec, ...]:
    count = rng.randint(*VILLAGES_PER_TOWNSHIP[scale])
    communities = {"jiedao": count, "zhen": 1 if count <= 6 else 2, "xiang": 0}[kind]
    urban = rng.sample(_URBAN_STEMS, communities)
    rural = rng.sample(_PLACE_STEMS, count - communities)
    specs = [
        VillageSpec(code, f"{urban.pop()}社区", _community_class(rng, kind, index))
        for index, code in enumerate(_codes(township_code, COMMUNITY_RANGE, communities))
    ]
    specs += [
        VillageSpec(code, f"{rural.pop()}村", _village_class(kind, index))
        for index, code in enumerate(_codes(township_code, VILLAGE_RANGE, count - communities))
    ]
    return tuple(specs)


def _community_class(rng: random.Random, kind: TownshipKind, index: int) -> str:
    if kind == "jiedao":
        if index == 0:
            return UrbanRuralClass.MAIN_URBAN.value
        return rng.choice((UrbanRuralClass.MAIN_URBAN.value, UrbanRuralClass.URBAN_FRINGE.value))
    return UrbanRuralClass.TOWN_CENTRE.value if index == 0 else UrbanRuralClass.TOWN_FRINGE.value


def _village_class(kind: TownshipKind, index: int) -> str:
    """The first 村 of a 乡 hosts its seat (乡中心区); every other 村 is 村庄."""
    if kind == "xiang" and index == 0:
        return UrbanRuralClass.TOWNSHIP_CENTRE.value
    return UrbanRuralClass.VILLAGE.value
