"""Reads of the region tree (ARCHITECTURE §7 Access control).

Actor-facing selectors keep to the actor's subtree by `path` (never a code prefix: since the 2025 reform
townships coded under 500105 sit in 两江新区), plus the chain of ancestors of the actor's own region, so a
village assistant can see which township and district the village belongs to (names only; no data hangs
off a region row). Anything else raises NotFound, exactly like a code that does not exist. The helpers
without an actor are for services and other selectors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core.access.actor import Actor
from minzheng.core.errors import NotFound
from minzheng.core.regions.models import Region, RegionChange, RegionChangeKind


@dataclass(frozen=True)
class RegionDetail:
    region: Region
    children_count: int
    history: list[RegionChange]


def valid_on(on: date) -> Q:
    """Rows whose [valid_from, valid_to] contains `on` (valid_to is the last valid day)."""
    return Q(valid_from__lte=on) & (Q(valid_to__isnull=True) | Q(valid_to__gte=on))


def _not_found(code: str) -> NotFound:
    return NotFound("region.not_found", _("未找到该区划：%(code)s") % {"code": code})


def _ancestor_ids(actor: Actor) -> list[int]:
    """Ids on the path of the actor's own region ("/1/5/80/" → [1, 5, 80]), that region included."""
    return [int(part) for part in actor.scope_path.strip("/").split("/") if part.isdigit()]


def visible_to(actor: Actor) -> Q:
    """The actor's subtree and its ancestors; an actor without a scope path sees nothing (fail closed)."""
    if not actor.scope_path:
        return Q(pk__in=[])
    return Q(path__startswith=actor.scope_path) | Q(pk__in=_ancestor_ids(actor))


def _require_visible(actor: Actor, region: Region) -> None:
    in_subtree = bool(actor.scope_path) and region.path.startswith(actor.scope_path)
    if not (in_subtree or region.pk in _ancestor_ids(actor)):
        raise _not_found(region.code)


def region_by_code(*, code: str, on: date | None = None) -> Region | None:
    """The row of `code` valid on `on` (default today), unscoped; closed codes resolve for past dates."""
    day = on or timezone.localdate()
    return Region.objects.filter(valid_on(day), code=code).order_by("-valid_from").first()


def region_get(*, actor: Actor, code: str, on: date | None = None) -> Region:
    actor.require("region.view")
    day = on or timezone.localdate()
    region = (
        Region.objects.filter(visible_to(actor), valid_on(day), code=code)
        .select_related("parent")
        .order_by("-valid_from")
        .first()
    )
    if region is None:
        raise _not_found(code)
    return region


def region_children(*, actor: Actor, region: Region, on: date | None = None) -> QuerySet[Region]:
    """Children valid on `on` (default today) as the tree stood that day.

    Transfers after `on` are undone: townships moved in later are left out and those moved away later
    are included, so 江北区's children as of 2025-01-01 are its own townships, now in 两江新区.
    """
    actor.require("region.view")
    _require_visible(actor, region)
    day = on or timezone.localdate()
    later = RegionChange.objects.filter(kind=RegionChangeKind.TRANSFER, on__gt=day)
    moved_in = later.filter(to_region=region).values("region_id")
    moved_out = later.filter(from_region=region).values("region_id")
    return (
        Region.objects.filter((Q(parent=region) & ~Q(id__in=moved_in)) | Q(id__in=moved_out))
        .filter(visible_to(actor), valid_on(day))
        .select_related("parent")
        .order_by("code")
    )


def region_subtree(*, actor: Actor, region: Region) -> QuerySet[Region]:
    """`region` and everything below it (closed rows included), kept within the actor's subtree.

    For an ancestor of the actor's region this is the actor's own subtree, not its ancestor's.
    """
    actor.require("region.view")
    _require_visible(actor, region)
    return (
        Region.objects.filter(path__startswith=region.path).filter(path__startswith=actor.scope_path).order_by("path")
    )


def region_history(*, region: Region) -> QuerySet[RegionChange]:
    """Events of the region itself and transfers into or out of it, oldest first."""
    return (
        RegionChange.objects.filter(Q(region=region) | Q(from_region=region) | Q(to_region=region))
        .select_related("region", "from_region", "to_region")
        .order_by("on", "id")
    )


def region_parent_as_of(*, region: Region, on: date) -> Region | None:
    """The parent on `on`: the old parent of the first transfer after that day, else the current parent."""
    transfer = (
        RegionChange.objects.filter(region=region, kind=RegionChangeKind.TRANSFER, on__gt=on)
        .select_related("from_region")
        .order_by("on", "id")
        .first()
    )
    if transfer is not None:
        return transfer.from_region
    return region.parent


def region_detail(*, actor: Actor, code: str, on: date | None = None) -> RegionDetail:
    """A region with its children count (as of `on`) and its change history, for the detail API."""
    region = region_get(actor=actor, code=code, on=on)
    return RegionDetail(
        region=region,
        children_count=region_children(actor=actor, region=region, on=on).count(),
        history=list(region_history(region=region)),
    )
