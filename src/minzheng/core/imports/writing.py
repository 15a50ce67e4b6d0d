"""Set-based upserts by natural key: chunked lookups, bulk writes, and the created/updated/unchanged tally.

Imports write thousands of rows; a save() per row would be thousands of round trips and skip nothing. Here a
file costs a few queries per 900 keys, and an object whose values are already stored is not written at all,
so re-importing a file changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.utils import timezone

_T = TypeVar("_T")
_M = TypeVar("_M", bound=Model)

# Below SQLite's limit on bound parameters, so `__in` lookups of a large file run in a few queries.
CHUNK_SIZE = 900
BATCH_SIZE = 500


def chunks(items: Sequence[_T], size: int = CHUNK_SIZE) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def objects_by_key(queryset: QuerySet[_M], key: str, values: Sequence[Any]) -> dict[Any, _M]:
    """{natural key: object} for the given key values, in one query per chunk."""
    return {getattr(obj, key): obj for chunk in chunks(values) for obj in queryset.filter(**{f"{key}__in": chunk})}


def ids_by_key(queryset: QuerySet[_M], key: str, values: Sequence[Any]) -> dict[Any, int]:
    """{natural key: primary key}; used after bulk_create, which does not return ids on every backend."""
    pairs = queryset.values_list(key, "pk")
    return {value: pk for chunk in chunks(values) for value, pk in pairs.filter(**{f"{key}__in": chunk})}


@dataclass(frozen=True)
class Upserted:
    """Primary keys by natural key after an upsert, and which of them were created or updated."""

    ids: dict[Any, int]
    created: list[int]
    updated: list[int]

    def counts(self, name: str) -> dict[str, int]:
        return {
            f"{name}_created": len(self.created),
            f"{name}_updated": len(self.updated),
            f"{name}_unchanged": len(self.ids) - len(self.created) - len(self.updated),
        }


def upsert_by_key(model: type[_M], key: str, wanted: Mapping[Any, tuple[dict[str, Any], dict[str, Any]]]) -> Upserted:
    """`wanted` maps each natural key to (fields to create it with, fields to set if it exists).

    Existing objects get only the values that differ; `auto_now` fields are stamped by hand because
    bulk_update does not touch them.
    """
    keys = sorted(wanted)
    manager = model._default_manager
    existing = objects_by_key(manager.all(), key, keys)
    manager.bulk_create([model(**wanted[k][0]) for k in keys if k not in existing], batch_size=BATCH_SIZE)
    changed: list[_M] = []
    fields: set[str] = set()
    for natural_key, obj in existing.items():
        diff = {name for name, value in wanted[natural_key][1].items() if getattr(obj, name) != value}
        for name in diff:
            setattr(obj, name, wanted[natural_key][1][name])
        if diff:
            changed.append(obj)
            fields |= diff
    if changed:
        stamped = _stamp_auto_now(model, changed)
        manager.bulk_update(changed, fields=[*sorted(fields), *stamped], batch_size=BATCH_SIZE)
    ids = ids_by_key(manager.all(), key, keys)
    return Upserted(ids, sorted(ids[k] for k in keys if k not in existing), sorted(obj.pk for obj in changed))


def _stamp_auto_now(model: type[_M], objects: list[_M]) -> list[str]:
    names = [field.name for field in model._meta.concrete_fields if getattr(field, "auto_now", False)]
    now = timezone.now()
    for obj in objects:
        for name in names:
            setattr(obj, name, now)
    return names
