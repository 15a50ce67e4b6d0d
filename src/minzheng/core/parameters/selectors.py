"""Looking a parameter up for a region on a date: the nearest region up the tree with a version in force.

Also what the standards page and API show: every value in force for a region the actor may see, with titles
from the shipped files and the history of what applied when.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml
from django.apps import apps
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minzheng.core.access.actor import Actor
from minzheng.core.errors import Conflict, NotFound
from minzheng.core.parameters.models import Parameter
from minzheng.core.regions.models import Region
from minzheng.core.regions.selectors import region_get


@dataclass(frozen=True)
class ParameterValue:
    key: str
    variant: str
    value: Any
    unit: str
    valid_from: date
    source: str
    status: str
    region_code: str

    @property
    def confirmed(self) -> bool:
        return self.status == "official"


def _ancestor_ids(region: Region) -> list[int]:
    """The region's ancestors and itself, nearest last (paths are '/root/…/self/')."""
    return [int(part) for part in region.path.strip("/").split("/") if part]


def parameter_values(*, region: Region, on: date) -> list[ParameterValue]:
    """Every parameter in force for `region` on `on`, one per key and variant: one query."""
    return parameter_values_for(regions=[region], on=on)[region.pk]


def parameter_values_for(*, regions: Iterable[Region], on: date) -> dict[int, list[ParameterValue]]:
    """`parameter_values` of many regions with one query: a batch over a thousand villages asks the database once.
    Regions that inherit everything from the same ancestors get the same list object (resolved once)."""
    chains = {region.pk: _ancestor_ids(region) for region in regions}
    wanted = {region_id for chain in chains.values() for region_id in chain}
    rows = list(Parameter.objects.filter(region_id__in=wanted, valid_from__lte=on).select_related("region"))
    holders = {row.region_id for row in rows}
    shared: dict[tuple[int, ...], list[ParameterValue]] = {}  # regions whose ancestors set the same values share
    for chain in chains.values():
        effective = tuple(region_id for region_id in chain if region_id in holders)
        if effective not in shared:
            shared[effective] = _in_force(rows, list(effective))
    return {
        region_id: shared[tuple(region_id for region_id in chain if region_id in holders)]
        for region_id, chain in chains.items()
    }


def _in_force(rows: list[Parameter], ancestors: list[int]) -> list[ParameterValue]:
    """Per key and variant, the version of the nearest region with one, latest first."""
    depth = {region_id: index for index, region_id in enumerate(ancestors)}
    chosen: dict[tuple[str, str], Parameter] = {}
    for row in rows:
        if row.region_id not in depth:
            continue
        current = chosen.get((row.key, row.variant))
        if current is None or (depth[row.region_id], row.valid_from) > (depth[current.region_id], current.valid_from):
            chosen[(row.key, row.variant)] = row
    return [_value(row) for _key, row in sorted(chosen.items())]


def parameter_value(*, key: str, region: Region, on: date, variant: str = "") -> ParameterValue:
    """The value of `key` (and `variant`) for `region` on `on`; Conflict("param.missing") when none is in force."""
    for value in parameter_values(region=region, on=on):
        if (value.key, value.variant) == (key, variant):
            return value
    message = _("参数 %(key)s 在 %(on)s 对该区划无有效取值") % {"key": key, "on": on.isoformat()}
    raise Conflict("param.missing", message, field=key)


def _value(row: Parameter) -> ParameterValue:
    return ParameterValue(
        key=row.key,
        variant=row.variant,
        value=row.value,
        unit=row.unit,
        valid_from=row.valid_from,
        source=row.source,
        status=row.status,
        region_code=row.region.code,
    )


# ---------------------------------------------------------------------------------------------------------
# The standards page and API: what is in force, where it comes from, and what applied when.
# ---------------------------------------------------------------------------------------------------------

PARAMS_FILE = Path("rules") / "params.yaml"


@dataclass(frozen=True)
class ParameterPeriod:
    """A stretch of days in which one version was the value for the region (`applies_to` is the last day)."""

    version: ParameterValue
    region_name: str
    note: str
    applies_from: date
    applies_to: date | None  # None: it still applies


@dataclass(frozen=True)
class ParameterStanding:
    """One key (and variant) for a region on a date: the version in force and the region's whole timeline."""

    title: str
    current: ParameterPeriod
    inherited: bool  # the value comes from a region above, not the region itself
    history: list[ParameterPeriod]  # oldest first, `current` included

    @property
    def key(self) -> str:
        return self.current.version.key

    @property
    def variant(self) -> str:
        return self.current.version.variant


def parameter_titles() -> Mapping[str, str]:
    """The Chinese title of each key, from the `title` in each app's rules/params.yaml (read once)."""
    return _shipped()[0]


@cache
def _shipped() -> tuple[Mapping[str, str], Mapping[tuple[str, str], int]]:
    """Titles by key, and the order of keys and variants as the files list them (for display)."""
    titles: dict[str, str] = {}
    order: dict[tuple[str, str], int] = {}
    for config in apps.get_app_configs():
        path = Path(config.path) / PARAMS_FILE
        if path.exists():
            for key, spec in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
                titles[key] = str(spec.get("title") or key)
                for entry in spec.get("values") or []:
                    order.setdefault((key, str(entry.get("variant", ""))), len(order))
    return MappingProxyType(titles), MappingProxyType(order)


def parameter_standings(*, region: Region, on: date) -> list[ParameterStanding]:
    """Every key in force for `region` on `on` with its history there, in file order: one query.

    The value on any day follows `parameter_values` (nearest region with a version in force, then its latest
    version); the history lists each version for the days it was that value, so a version of a region above
    that a nearer region's version overrides does not appear.
    """
    ancestors = _ancestor_ids(region)
    depth = {region_id: index for index, region_id in enumerate(ancestors)}
    versions: dict[tuple[str, str], list[Parameter]] = {}
    for row in Parameter.objects.filter(region_id__in=ancestors).select_related("region"):
        versions.setdefault((row.key, row.variant), []).append(row)
    titles, order = _shipped()
    standings = []
    for (key, _variant), rows in sorted(versions.items(), key=lambda item: (order.get(item[0], len(order)), item[0])):
        history = _periods(rows, depth)
        current = next((period for period in history if _covers(period, on)), None)
        if current is not None:
            inherited = current.version.region_code != region.code
            standings.append(ParameterStanding(titles.get(key, key), current, inherited, history))
    return standings


def _periods(rows: list[Parameter], depth: dict[int, int]) -> list[ParameterPeriod]:
    """The versions as they applied over time: on each day the nearest region's latest version in force."""
    starts = sorted({row.valid_from for row in rows})
    winners: list[tuple[date, Parameter]] = []
    for start in starts:
        in_force = [row for row in rows if row.valid_from <= start]
        winner = max(in_force, key=lambda row: (depth[row.region_id], row.valid_from))
        if not winners or winners[-1][1].pk != winner.pk:
            winners.append((start, winner))
    periods = []
    for index, (start, row) in enumerate(winners):
        end = winners[index + 1][0] - timedelta(days=1) if index + 1 < len(winners) else None
        periods.append(ParameterPeriod(_value(row), row.region.name, row.note, start, end))
    return periods


def _covers(period: ParameterPeriod, on: date) -> bool:
    return period.applies_from <= on and (period.applies_to is None or on <= period.applies_to)


@dataclass(frozen=True)
class RegionStandards:
    region: Region
    on: date
    standings: list[ParameterStanding]


def region_standards(*, actor: Actor, code: str | None, on: date) -> RegionStandards:
    """The standings for a region the actor may see (own subtree or the chain above; default its own region).

    The region is taken as it stood on `on`, or as it stands today when its code did not exist then; outside
    what the actor sees it is NotFound, like a code that does not exist.
    """
    actor.require("parameter.view")
    code = code or actor.region_code
    try:
        region = region_get(actor=actor, code=code, on=on)
    except NotFound:
        if on == timezone.localdate():
            raise
        region = region_get(actor=actor, code=code)
    return RegionStandards(region=region, on=on, standings=parameter_standings(region=region, on=on))
