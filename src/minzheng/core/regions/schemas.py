"""Response schemas of the regions API (`/api/v1/regions`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from ninja import Schema

from minzheng.core.regions.models import Region, RegionChange
from minzheng.core.regions.selectors import RegionDetail


class RegionOut(Schema):
    code: str
    name: str
    level: str
    level_label: str
    parent_code: str | None
    urban_rural_class: str
    valid_from: date
    valid_to: date | None
    synthetic: bool
    confirmed: bool
    source: str

    @classmethod
    def from_region(cls, region: Region) -> RegionOut:
        return cls(**_region_fields(region))


def _region_fields(region: Region) -> dict[str, Any]:
    return {
        "code": region.code,
        "name": region.name,
        "level": region.level,
        "level_label": str(region.get_level_display()),
        "parent_code": region.parent.code if region.parent is not None else None,
        "urban_rural_class": region.urban_rural_class,
        "valid_from": region.valid_from,
        "valid_to": region.valid_to,
        "synthetic": region.synthetic,
        "confirmed": region.confirmed,
        "source": region.source,
    }


class RegionChangeOut(Schema):
    on: date
    kind: str
    kind_label: str
    region_code: str
    region_name: str
    from_code: str | None
    from_name: str | None
    to_code: str | None
    to_name: str | None
    old_name: str
    new_name: str
    source: str
    confirmed: bool

    @classmethod
    def from_change(cls, change: RegionChange) -> RegionChangeOut:
        before, after = change.from_region, change.to_region
        return cls(
            on=change.on,
            kind=change.kind,
            kind_label=str(change.get_kind_display()),
            region_code=change.region.code,
            region_name=change.region.name,
            from_code=before.code if before else None,
            from_name=before.name if before else None,
            to_code=after.code if after else None,
            to_name=after.name if after else None,
            old_name=change.old_name,
            new_name=change.new_name,
            source=change.source,
            confirmed=change.confirmed,
        )


class RegionDetailOut(RegionOut):
    parent_name: str | None
    children_count: int
    history: list[RegionChangeOut]

    @classmethod
    def from_detail(cls, detail: RegionDetail) -> RegionDetailOut:
        region = detail.region
        return cls(
            **_region_fields(region),
            parent_name=region.parent.name if region.parent is not None else None,
            children_count=detail.children_count,
            history=[RegionChangeOut.from_change(change) for change in detail.history],
        )


class ErrorOut(Schema):
    """The body of every error response (see minzheng.api): a dotted code, a message and field errors."""

    code: str
    message: str
    errors: list[dict[str, str]]
