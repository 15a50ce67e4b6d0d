"""Regions API, mounted at /api/v1/regions: thin handlers over the region selectors."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from ninja import P, PathEx, Router

from minzheng.core.access.actor import actor_for_request
from minzheng.core.regions import selectors
from minzheng.core.regions.schemas import ErrorOut, RegionDetailOut, RegionOut

router = Router(tags=["regions"])

# 6-digit GB/T 2260, 9-digit township or 12-digit village code.
RegionCode = PathEx[str, P(pattern=r"^\d{6}(\d{3}){0,2}$")]
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


@router.get("/{code}", response={200: RegionDetailOut, **ERRORS}, operation_id="region_get")
def region_get(request: HttpRequest, code: RegionCode, on: date | None = None) -> RegionDetailOut:
    """A division by code as of `on` (default today), with its children count and change history."""
    actor = actor_for_request(request)
    actor.require("region.view")
    detail = selectors.region_detail(actor=actor, code=code, on=on)
    return RegionDetailOut.from_detail(detail)


@router.get("/{code}/children", response={200: list[RegionOut], **ERRORS}, operation_id="region_children")
def region_children(request: HttpRequest, code: RegionCode, on: date | None = None) -> list[RegionOut]:
    """The children of a division valid on `on` (default today), as the tree stood that day."""
    actor = actor_for_request(request)
    actor.require("region.view")
    region = selectors.region_get(actor=actor, code=code, on=on)
    children = selectors.region_children(actor=actor, region=region, on=on)
    return [RegionOut.from_region(child) for child in children]
