"""Building `rule_params`: one row per subject, one column per parameter the rule reads (ARCHITECTURE §6).

A parameter `dibao.standard_fen` becomes the column `dibao_standard_fen` plus `dibao_standard_fen_confirmed`,
so explanations can show 未确认 next to a value no official text confirms. Where a parameter has variants
(dibao.standard_fen: urban / rural) the subject's `area` picks one. Values depend only on a subject's region
and area, so each distinct (region, area) is resolved once and the result is joined onto the subjects:
a million households in a few hundred villages cost a few hundred look-ups, not a million.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date
from functools import partial
from typing import Any

import pyarrow as pa
from django.utils.translation import gettext_lazy as _

from minzheng.core.engine.rules import Rule
from minzheng.core.errors import InvalidInput, NotFound
from minzheng.core.parameters.selectors import ParameterValue, parameter_value, parameter_values
from minzheng.core.regions.models import Region

PARAMS_RELATION = "rule_params"
Pair = tuple[Any, ...]  # the values of the columns a parameter set depends on, e.g. (region_id, area)


def param_column(key: str) -> str:
    """The SQL column of a parameter key: dots become underscores."""
    return key.replace(".", "_")


def params_from_store(rule: Rule, *, subjects: pa.Table, as_of: date) -> pa.Table:
    """`rule_params` for `subjects` (subject_id, region_id, area) from the parameter store, as in force on `as_of`.

    Each distinct region costs one query (`parameter_values`); a missing value raises the store's own
    Conflict("param.missing") through `parameter_value`.
    """
    pairs = _distinct(subjects, ("region_id", "area"))
    regions = _regions({region_id for region_id, _area in pairs})
    in_force = {region_id: _in_force(region, as_of) for region_id, region in regions.items()}
    resolved: dict[Pair, dict[str, Any]] = {}
    for region_id, area in pairs:
        pick = partial(_pick, in_force[region_id], area=area, region=regions[region_id], on=as_of)
        resolved[(region_id, area)] = _columns({key: pick(key=key) for key in rule.params})
    return _broadcast(rule, subjects, ("region_id", "area"), resolved)


def _regions(ids: set[int]) -> dict[int, Region]:
    regions = Region.objects.in_bulk(ids)
    missing = sorted(ids - set(regions), key=str)
    if missing:
        raise NotFound("region.not_found", _("区划不存在：%(ids)s") % {"ids": missing}, field="region_id")
    return regions


def _in_force(region: Region, on: date) -> dict[tuple[str, str], ParameterValue]:
    return {(value.key, value.variant): value for value in parameter_values(region=region, on=on)}


def _pick(
    values: Mapping[tuple[str, str], ParameterValue], *, key: str, area: str, region: Region, on: date
) -> tuple[Any, bool]:
    """(value, confirmed): the variant named by `area` where the parameter has variants in force, else the plain one."""
    variant = area if any(k == key and v for k, v in values) else ""
    found = values.get((key, variant)) or parameter_value(key=key, region=region, on=on, variant=variant)
    return found.value, found.confirmed


def params_from_values(
    rule: Rule, *, subjects: pa.Table, values: Mapping[str, Any], unconfirmed: Collection[str] = ()
) -> pa.Table:
    """`rule_params` for `subjects` (subject_id, area) from given values, without the database (scenario tests,
    what-if runs). A value is a scalar, or a mapping from variant to scalar that the subject's area picks from."""
    resolved = {}
    for (area,) in _distinct(subjects, ("area",)):
        picked = {key: (_given(values, key, area), key not in unconfirmed) for key in rule.params}
        resolved[(area,)] = _columns(picked)
    return _broadcast(rule, subjects, ("area",), resolved)


def _given(values: Mapping[str, Any], key: str, area: str) -> Any:
    value = values.get(key)
    if isinstance(value, Mapping):
        value = value.get(area)
    if value is None:
        raise InvalidInput("param.missing", _("未给出参数 %(key)s（%(area)s）") % {"key": key, "area": area}, field=key)
    return value


def _columns(picked: Mapping[str, tuple[Any, bool]]) -> dict[str, Any]:
    """{key: (value, confirmed)} → {column: value, column_confirmed: confirmed}."""
    columns: dict[str, Any] = {}
    for key, (value, confirmed) in picked.items():
        columns[param_column(key)] = value
        columns[f"{param_column(key)}_confirmed"] = confirmed
    return columns


def _distinct(subjects: pa.Table, keys: tuple[str, ...]) -> list[Pair]:
    rows = subjects.select(list(keys)).group_by(list(keys)).aggregate([]).to_pylist()
    return [tuple(row[key] for key in keys) for row in rows]


def _broadcast(
    rule: Rule, subjects: pa.Table, keys: tuple[str, ...], resolved: Mapping[Pair, dict[str, Any]]
) -> pa.Table:
    """Join the per-(region, area) columns onto the subjects, set-based, keeping the key columns' types."""
    key_types = {key: subjects.schema.field(key).type for key in keys}
    lookup = {key: pa.array([pair[index] for pair in resolved], key_types[key]) for index, key in enumerate(keys)}
    columns = [param_column(key) + suffix for key in rule.params for suffix in ("", "_confirmed")]
    lookup |= {column: pa.array([row[column] for row in resolved.values()]) for column in columns}
    table = subjects.select(["subject_id", *keys]).join(pa.table(lookup), keys=list(keys), join_type="inner")
    return table.select(["subject_id", *columns]).rename_columns([rule.subject_key, *columns])
