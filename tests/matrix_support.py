"""The building blocks of the permission matrix (tests/test_permission_matrix.py): the world of records in the
own and the other district, and an endpoint's description. App test packages add their own endpoints to the
matrix (tests/cases/matrix_web.py, matrix_api.py) with these types."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.test import Client

from minzheng.registry.models import Household, Person
from tests.conftest import Tree


@dataclass
class World:
    tree: Tree
    own: Household
    other: Household
    own_person: Person
    other_person: Person
    spare_own: Person  # not in any household: used by membership endpoints
    spare_other: Person


@dataclass(frozen=True)
class Endpoint:
    """`call(client, world, own)` performs the request on own-region (True) or other-region (False) data."""

    permission: str
    call: Callable[[Client, World, bool], Any]
    success: int = 200
    other_region: int = 404
    extra_roles_denied: frozenset[str] = field(default_factory=frozenset)


def _get(url: Callable[[World, bool], str]) -> Callable[[Client, World, bool], Any]:
    return lambda client, world, own: client.get(url(world, own))


def _send(
    method: str, url: Callable[[World, bool], str], body: Callable[[World, bool], dict[str, Any]]
) -> Callable[[Client, World, bool], Any]:
    def call(client: Client, world: World, own: bool) -> Any:
        return getattr(client, method)(
            url(world, own), data=json.dumps(body(world, own)), content_type="application/json"
        )

    return call


def _person(world: World, own: bool) -> Person:
    return world.own_person if own else world.other_person


def _household(world: World, own: bool) -> Household:
    return world.own if own else world.other


def _district(world: World, own: bool) -> str:
    return (world.tree.district if own else world.tree.other_district).code


def _village(world: World, own: bool) -> str:
    return (world.tree.village if own else world.tree.other_village).code


def _spare(world: World, own: bool) -> Person:
    return world.spare_own if own else world.spare_other
