"""Writes to the region tree: the shipped Chongqing data, synthetic townships, the 2025 reform, CSV imports.

These run from the CLI and from the demo loader, not on behalf of a staff member, so they take no actor.
Everything is idempotent: a second run writes nothing new.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Literal

from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from minzheng.core.errors import Conflict
from minzheng.core.regions import synthetic
from minzheng.core.regions.models import Region, RegionChange, RegionChangeKind, RegionLevel

logger = logging.getLogger(__name__)

DATA_FILE = Path(__file__).resolve().parent / "data" / "chongqing.json"
SYNTHETIC_VALID_FROM = date(2000, 1, 1)
SYNTHETIC_SOURCE = "合成演示数据（seed=%(seed)d）；村级代码分段 001–199 社区、200–399 村未经确认"
# Parents before children, so one UPDATE per level sees its parents' fresh paths.
LEVEL_ORDER = (
    RegionLevel.PROVINCE,
    RegionLevel.CITY,
    RegionLevel.DISTRICT,
    RegionLevel.TOWNSHIP,
    RegionLevel.VILLAGE,
)
BULK_BATCH = 2000


@dataclass(frozen=True)
class RegionTreeSummary:
    districts: int  # county-level rows, closed ones included
    current_districts: int
    townships: int
    villages: int
    created: int  # Region rows inserted by this run
    changes_created: int  # RegionChange rows inserted by this run


@dataclass(frozen=True)
class Division:
    """One row of the data file (the root or a county-level unit)."""

    code: str
    name: str
    level: str
    valid_from: date
    valid_to: date | None
    confirmed: bool
    source: str
    profile: synthetic.Profile


@dataclass(frozen=True)
class ChangeSpec:
    """One event of the data file's "changes" list; `townships=None` means every township of `from_code`."""

    on: date
    kind: str
    confirmed: bool
    source: str
    code: str = ""
    successor: str = ""
    from_code: str = ""
    to_code: str = ""
    townships: tuple[str, ...] | None = None
    except_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class RegionData:
    root: Division
    districts: tuple[Division, ...]
    changes: tuple[ChangeSpec, ...]

    @property
    def baseline_on(self) -> date:
        """The last day before the first recorded change: the tree the synthetic townships describe."""
        return min(change.on for change in self.changes) - timedelta(days=1)


@cache
def region_data() -> RegionData:
    raw = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return RegionData(
        root=_division(raw["root"], RegionLevel.PROVINCE),
        districts=tuple(_division(row, RegionLevel.DISTRICT) for row in raw["districts"]),
        changes=tuple(_change(row) for row in raw["changes"]),
    )


def _division(row: dict[str, Any], level: str) -> Division:
    return Division(
        code=row["code"],
        name=row["name"],
        level=row.get("level", level),
        valid_from=date.fromisoformat(row["valid_from"]),
        valid_to=date.fromisoformat(row["valid_to"]) if row.get("valid_to") else None,
        confirmed=row["confirmed"],
        source=row["source"],
        profile=row.get("profile", "district"),
    )


def _change(row: dict[str, Any]) -> ChangeSpec:
    townships = row.get("townships")
    return ChangeSpec(
        on=date.fromisoformat(row["on"]),
        kind=row["kind"],
        confirmed=row["confirmed"],
        source=row["source"],
        code=row.get("code", ""),
        successor=row.get("successor", ""),
        from_code=row.get("from", ""),
        to_code=row.get("to", ""),
        townships=None if townships == "all" else tuple(townships or ()),
        except_names=tuple(row.get("except", ())),
    )


@transaction.atomic
def region_tree_ensure(*, seed: int = 2025, scale: Literal["demo", "full"] = "demo") -> RegionTreeSummary:
    """Load the Chongqing tree: counties from the data file, synthetic townships/villages, the 2025 reform.

    Synthetic townships are generated only for districts of the pre-reform tree that have no township
    coded under them yet, so a second run (or a run after a real import) adds nothing.
    """
    regions_before = Region.objects.count()
    changes_before = RegionChange.objects.count()
    data = region_data()
    _divisions_upsert(data)
    _synthetic_ensure(data, seed=seed, scale=scale)
    region_reform_apply()
    region_paths_rebuild()
    return _tree_summary(
        created=Region.objects.count() - regions_before,
        changes_created=RegionChange.objects.count() - changes_before,
    )


def _tree_summary(*, created: int, changes_created: int) -> RegionTreeSummary:
    districts = Region.objects.filter(level=RegionLevel.DISTRICT)
    return RegionTreeSummary(
        districts=districts.count(),
        current_districts=districts.filter(valid_to__isnull=True).count(),
        townships=Region.objects.filter(level=RegionLevel.TOWNSHIP).count(),
        villages=Region.objects.filter(level=RegionLevel.VILLAGE).count(),
        created=created,
        changes_created=changes_created,
    )


def _divisions_upsert(data: RegionData) -> None:
    """Upsert by (code, valid_from); about forty rows, so plain update_or_create is fine."""
    root = _division_upsert(data.root, parent=None)
    for division in data.districts:
        _division_upsert(division, parent=root)


def _division_upsert(division: Division, *, parent: Region | None) -> Region:
    region, _created = Region.objects.update_or_create(
        code=division.code,
        valid_from=division.valid_from,
        defaults={
            "name": division.name,
            "level": division.level,
            "parent": parent,
            "valid_to": division.valid_to,
            "confirmed": division.confirmed,
            "source": division.source,
            "synthetic": False,
        },
    )
    return region


def _synthetic_ensure(data: RegionData, *, seed: int, scale: synthetic.Scale) -> None:
    baseline = [d for d in data.districts if _valid(d, data.baseline_on)]
    counts = _township_counts(baseline, seed=seed, scale=scale)
    required = _required_townships(data.changes)
    covered = _districts_with_townships()
    parents = _districts_by_code(baseline)
    plan: list[tuple[Region, synthetic.TownshipSpec]] = []
    for division in baseline:
        if division.code in covered:
            continue
        names = required.get(division.code, ())
        townships = synthetic.district_townships(
            district_code=division.code,
            counts=synthetic.with_required(counts[division.code], names, division.profile),
            required=names,
            seed=seed,
            scale=scale,
        )
        plan += [(parents[division.code], spec) for spec in townships]
    _synthetic_write(plan, seed=seed)


def _valid(division: Division, on: date) -> bool:
    return division.valid_from <= on and (division.valid_to is None or division.valid_to >= on)


def _township_counts(
    districts: list[Division], *, seed: int, scale: synthetic.Scale
) -> dict[str, synthetic.KindCounts]:
    if scale == "full":
        return synthetic.full_counts({d.code: d.profile for d in districts})
    return {d.code: synthetic.demo_counts(seed=seed, district_code=d.code, profile=d.profile) for d in districts}


def _required_townships(changes: tuple[ChangeSpec, ...]) -> dict[str, tuple[str, ...]]:
    """Township names the reform moves by name must exist under their pre-reform district."""
    required: dict[str, list[str]] = {}
    for change in changes:
        names = [*(change.townships or ()), *change.except_names]
        if change.kind == RegionChangeKind.TRANSFER and names:
            bucket = required.setdefault(change.from_code, [])
            bucket += [name for name in names if name not in bucket]
    return {code: tuple(names) for code, names in required.items()}


def _districts_with_townships() -> set[str]:
    """District codes that already have a township coded under them (synthetic or imported)."""
    codes = Region.objects.filter(level=RegionLevel.TOWNSHIP).values_list("code", flat=True)
    return {code[:6] for code in codes}


def _districts_by_code(districts: list[Division]) -> dict[str, Region]:
    rows = Region.objects.filter(
        level=RegionLevel.DISTRICT,
        code__in=[d.code for d in districts],
        valid_from__in={d.valid_from for d in districts},
    )
    return {row.code: row for row in rows}


def _synthetic_write(plan: list[tuple[Region, synthetic.TownshipSpec]], *, seed: int) -> None:
    """Townships first, then their villages (bulk inserts; the villages need the townships' ids)."""
    source = SYNTHETIC_SOURCE % {"seed": seed}
    townships = [
        _synthetic_row(spec.code, spec.name, RegionLevel.TOWNSHIP, parent_id=district.pk, source=source)
        for district, spec in plan
    ]
    Region.objects.bulk_create(townships, batch_size=BULK_BATCH)
    township_ids = dict(
        Region.objects.filter(
            level=RegionLevel.TOWNSHIP, code__in=[t.code for t in townships], valid_from=SYNTHETIC_VALID_FROM
        ).values_list("code", "id")
    )
    villages = [
        _synthetic_row(
            village.code,
            village.name,
            RegionLevel.VILLAGE,
            parent_id=township_ids[spec.code],
            source=source,
            urban_rural_class=village.urban_rural_class,
        )
        for _district, spec in plan
        for village in spec.villages
    ]
    Region.objects.bulk_create(villages, batch_size=BULK_BATCH)


def _synthetic_row(
    code: str, name: str, level: str, *, parent_id: int, source: str, urban_rural_class: str = ""
) -> Region:
    return Region(
        code=code,
        name=name,
        level=level,
        parent_id=parent_id,
        urban_rural_class=urban_rural_class,
        valid_from=SYNTHETIC_VALID_FROM,
        synthetic=True,
        confirmed=False,
        source=source,
    )


@transaction.atomic
def region_reform_apply() -> int:
    """Apply the data file's "changes" (the 2025-11 Chongqing reform); returns the RegionChange rows created.

    Townships keep their codes when they move; only `parent` changes and a transfer is recorded, so staff
    scoping (by path) follows the new district while old records keep valid codes. Safe to run again.
    """
    appliers = {
        RegionChangeKind.CREATE: _apply_create,
        RegionChangeKind.ABOLISH: _apply_abolish,
        RegionChangeKind.TRANSFER: _apply_transfer,
    }
    return sum(appliers[RegionChangeKind(change.kind)](change) for change in region_data().changes)


def _division_on(code: str, on: date) -> Region:
    region = (
        Region.objects.filter(code=code, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .first()
    )
    if region is None:
        raise Conflict(
            "region.reform_division_missing",
            _("区划变更涉及的区划不存在：%(code)s（%(on)s），请先运行 load-regions") % {"code": code, "on": on},
        )
    return region


def _change_ensure(change: ChangeSpec, region: Region, **fields: Any) -> int:
    _row, created = RegionChange.objects.get_or_create(
        region=region,
        kind=change.kind,
        on=change.on,
        defaults={"source": change.source, "confirmed": change.confirmed, **fields},
    )
    return int(created)


def _apply_create(change: ChangeSpec) -> int:
    return _change_ensure(change, _division_on(change.code, change.on))


def _apply_abolish(change: ChangeSpec) -> int:
    last_day = change.on - timedelta(days=1)
    region = _division_on(change.code, last_day)
    if region.valid_to != last_day:
        Region.objects.filter(pk=region.pk).update(valid_to=last_day)
    successor = _division_on(change.successor, change.on) if change.successor else None
    return _change_ensure(change, region, to_region=successor)


def _apply_transfer(change: ChangeSpec) -> int:
    source = _division_on(change.from_code, change.on - timedelta(days=1))
    target = _division_on(change.to_code, change.on)
    townships = Region.objects.filter(parent=source, level=RegionLevel.TOWNSHIP)
    if change.townships is not None:
        townships = townships.filter(name__in=change.townships)
        _warn_missing(change, found=set(townships.values_list("name", flat=True)))
    ids = list(townships.exclude(name__in=change.except_names).values_list("id", flat=True))
    Region.objects.filter(id__in=ids).update(parent=target)
    recorded = set(
        RegionChange.objects.filter(kind=change.kind, on=change.on, region_id__in=ids).values_list(
            "region_id", flat=True
        )
    )
    new = [
        RegionChange(
            region_id=region_id,
            kind=change.kind,
            on=change.on,
            from_region=source,
            to_region=target,
            source=change.source,
            confirmed=change.confirmed,
        )
        for region_id in ids
        if region_id not in recorded
    ]
    RegionChange.objects.bulk_create(new)
    return len(new)


def _warn_missing(change: ChangeSpec, *, found: set[str]) -> None:
    """A named township that is neither under its old district nor already moved is worth a log line."""
    missing = set(change.townships or ()) - found
    if missing:
        moved = set(
            RegionChange.objects.filter(
                kind=change.kind, on=change.on, from_region__code=change.from_code, region__name__in=missing
            ).values_list("region__name", flat=True)
        )
        if missing - moved:
            logger.warning(
                "Reform %s: townships not found under %s: %s",
                change.on,
                change.from_code,
                sorted(missing - moved),
            )


@transaction.atomic
def region_paths_rebuild() -> None:
    """Recompute every `path` set-based: one UPDATE for the roots, then one per level (never a row loop)."""
    table = connection.ops.quote_name(Region._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET path = '/' || CAST(id AS TEXT) || '/' WHERE parent_id IS NULL")
        for level in LEVEL_ORDER:
            cursor.execute(
                f"UPDATE {table} SET path = "
                f"(SELECT p.path FROM {table} p WHERE p.id = {table}.parent_id) || CAST(id AS TEXT) || '/' "
                "WHERE parent_id IS NOT NULL AND level = %s",
                [level.value],
            )


@transaction.atomic
def region_admin_save(*, region: Region) -> Region:
    """Save a region edited in the admin and rebuild paths, so scoping never sees an empty or stale path."""
    region.save()
    region_paths_rebuild()
    region.refresh_from_db(fields=["path"])
    return region
