"""Building `rule_params`: one row per subject, one column per parameter the rule reads (ARCHITECTURE §6).

A parameter `dibao.standard_fen` becomes the column `dibao_standard_fen` plus `dibao_standard_fen_confirmed`,
so explanations can show 未确认 next to a value no official text confirms. Where a parameter has variants
(dibao.standard_fen: urban / rural) the subject's `area` picks one. Values depend only on a subject's region
and area, so each distinct (region, area) is resolved once, from one query, and the result is joined onto
the subjects: a million households in a thousand villages cost one query and a thousand look-ups.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date
from functools import partial
from typing import Any, Protocol

import pyarrow as pa
from django.utils.translation import gettext_lazy as _

from minzheng.core.errors import Conflict, InvalidInput, NotFound
from minzheng.core.parameters.selectors import ParameterValue, parameter_values_for
from minzheng.core.regions.models import Region

PARAMS_RELATION = "rule_params"
PARAMS_KEY = "household_id"  # parameters depend on a household's region and area; person rules join through it


class ReadsParams(Protocol):
    """A rule, or a set of rules: what matters here is the parameter keys it reads."""

    @property
    def params(self) -> tuple[str, ...]: ...


Pair = tuple[Any, ...]  # the values of the columns a parameter set depends on, e.g. (region_id, area)


def param_column(key: str) -> str:
    """The SQL column of a parameter key: dots become underscores."""
    return key.replace(".", "_")


def params_from_store(rule: ReadsParams, *, subjects: pa.Table, as_of: date) -> pa.Table:
    """`rule_params` for `subjects` (subject_id, region_id, area) from the parameter store, as in force on `as_of`.

    All regions together cost one query (`parameter_values_for`); a value missing on the date raises
    Conflict("param.missing"), as `parameter_value` does.
    """
    pairs = _distinct(subjects, ("region_id", "area"))
    regions = _regions({region_id for region_id, _area in pairs})
    by_region = parameter_values_for(regions=regions.values(), on=as_of)
    memo: dict[tuple[int, str], dict[str, Any]] = {}  # keyed by the shared list's identity: resolved once per area
    resolved: dict[Pair, dict[str, Any]] = {}
    for region_id, area in pairs:
        values = by_region[region_id]
        if (id(values), area) not in memo:
            pick = partial(_pick, {(v.key, v.variant): v for v in values}, area=area, on=as_of)
            memo[(id(values), area)] = _columns({key: pick(key=key) for key in rule.params})
        resolved[(region_id, area)] = memo[(id(values), area)]
    return _broadcast(rule, subjects, ("region_id", "area"), resolved)


def _regions(ids: set[int]) -> dict[int, Region]:
    regions = Region.objects.in_bulk(ids)
    missing = sorted(ids - set(regions), key=str)
    if missing:
        raise NotFound("region.not_found", _("区划不存在：%(ids)s") % {"ids": missing}, field="region_id")
    return regions


def _pick(values: Mapping[tuple[str, str], ParameterValue], *, key: str, area: str, on: date) -> tuple[Any, bool]:
    """(value, confirmed): the variant named by `area` where the parameter has variants in force, else the plain one."""
    variant = area if any(k == key and v for k, v in values) else ""
    found = values.get((key, variant))
    if found is None:
        message = _("参数 %(key)s 在 %(on)s 对该区划无有效取值") % {"key": key, "on": on.isoformat()}
        raise Conflict("param.missing", message, field=key)
    return found.value, found.confirmed


def params_from_values(
    rule: ReadsParams, *, subjects: pa.Table, values: Mapping[str, Any], unconfirmed: Collection[str] = ()
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
    rule: ReadsParams, subjects: pa.Table, keys: tuple[str, ...], resolved: Mapping[Pair, dict[str, Any]]
) -> pa.Table:
    """Join the per-(region, area) columns onto the subjects, set-based, keeping the key columns' types."""
    key_types = {key: subjects.schema.field(key).type for key in keys}
    lookup = {key: pa.array([pair[index] for pair in resolved], key_types[key]) for index, key in enumerate(keys)}
    columns = [param_column(key) + suffix for key in rule.params for suffix in ("", "_confirmed")]
    lookup |= {column: pa.array([row[column] for row in resolved.values()]) for column in columns}
    table = subjects.select(["subject_id", *keys]).join(pa.table(lookup), keys=list(keys), join_type="inner")
    return table.select(["subject_id", *columns]).rename_columns([PARAMS_KEY, *columns])
