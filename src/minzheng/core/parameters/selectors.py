"""Looking a parameter up for a region on a date: the nearest region up the tree with a version in force."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import gettext_lazy as _

from minzheng.core.errors import Conflict
from minzheng.core.parameters.models import Parameter
from minzheng.core.regions.models import Region


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
    ancestors = _ancestor_ids(region)
    depth = {region_id: index for index, region_id in enumerate(ancestors)}
    rows = Parameter.objects.filter(region_id__in=ancestors, valid_from__lte=on).select_related("region")
    chosen: dict[tuple[str, str], Parameter] = {}
    for row in rows:
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
