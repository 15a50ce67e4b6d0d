"""Shared fixtures: a small region tree (two districts), staff of every role, and persons with valid IDs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client

from minzheng.core.access.actor import Actor, actor_for_user
from minzheng.core.access.models import Role, Staff, StaffRole
from minzheng.core.identifiers import id_check_char
from minzheng.core.regions.models import Region, RegionLevel
from minzheng.registry.models import Household, HouseholdMember, HukouType, Person, Relation, Sex

PASSWORD = "test-pass-9f3a"


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Cached counts must not leak between tests (SQLite reuses row ids after a rollback)."""
    cache.clear()


@pytest.fixture(autouse=True)
def _private_files_in_tmp(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Uploaded materials go to a temporary directory, never into the developer's var/private."""
    settings.PRIVATE_FILES_DIR = tmp_path_factory.mktemp("private")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """PBKDF2's deliberate slowness is for production; tests create many accounts."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Tree:
    city: Region
    district: Region  # 渝中区: "own" region in permission tests
    township: Region
    village: Region
    other_district: Region  # 沙坪坝区: "other" region
    other_township: Region
    other_village: Region


def _region(code: str, name: str, level: str, parent: Region | None) -> Region:
    region = Region.objects.create(code=code, name=name, level=level, parent=parent, valid_from=date(2000, 1, 1))
    region.path = (parent.path if parent else "/") + f"{region.id}/"
    region.save(update_fields=["path"])
    return region


@pytest.fixture
def tree(db: None) -> Tree:
    city = _region("500000", "重庆市", RegionLevel.PROVINCE, None)
    district = _region("500103", "渝中区", RegionLevel.DISTRICT, city)
    township = _region("500103001", "七星岗街道", RegionLevel.TOWNSHIP, district)
    village = _region("500103001001", "金汤街社区", RegionLevel.VILLAGE, township)
    other = _region("500106", "沙坪坝区", RegionLevel.DISTRICT, city)
    other_township = _region("500106001", "小龙坎街道", RegionLevel.TOWNSHIP, other)
    other_village = _region("500106001001", "小龙坎社区", RegionLevel.VILLAGE, other_township)
    return Tree(city, district, township, village, other, other_township, other_village)


ROLE_HOME: dict[str, str] = {
    Role.VILLAGE_ASSISTANT: "village",
    Role.TOWNSHIP_CASEWORKER: "township",
    Role.TOWNSHIP_REVIEWER: "township",
    Role.DISTRICT_APPROVER: "district",
    Role.CITY_ANALYST: "city",
    Role.SUPERVISOR: "district",
    Role.ADMINISTRATOR: "city",
    Role.DEPARTMENT_OFFICER: "district",
}


def make_staff(username: str, region: Region, *roles: str) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, is_staff=Role.ADMINISTRATOR in roles)
    staff = Staff.objects.create(user=user, region=region, display_name=username)
    StaffRole.objects.bulk_create([StaffRole(staff=staff, role=role) for role in roles])
    return user


@pytest.fixture
def staff_user(tree: Tree) -> Callable[..., User]:
    """staff_user(role) → a user with that role at the role's usual level in the "own" district."""

    def build(role: str, region: Region | None = None) -> User:
        home = region or getattr(tree, ROLE_HOME[role])
        return make_staff(f"{role}-{home.code}", home, role)

    return build


@pytest.fixture
def actor_of(staff_user: Callable[..., User]) -> Callable[..., Actor]:
    def build(role: str, region: Region | None = None) -> Actor:
        return actor_for_user(staff_user(role, region))

    return build


@pytest.fixture
def logged_in(staff_user: Callable[..., User]) -> Callable[..., Client]:
    def build(role: str, region: Region | None = None) -> Client:
        client = Client()
        client.force_login(staff_user(role, region))
        return client

    return build


def make_id_number(prefix: str, born: date, sequence: int) -> str:
    """A valid 18-character resident ID; odd sequence = male, even = female (GB 11643)."""
    body = f"{prefix}{born:%Y%m%d}{sequence:03d}"
    return body + id_check_char(body)


def make_person(
    region: Region,
    *,
    name: str = "张三",
    born: date = date(1950, 3, 1),
    sequence: int = 11,
    phone: str = "13812345678",
) -> Person:
    id_number = make_id_number(region.code[:6], born, sequence)
    return Person.objects.create(
        id_number=id_number,
        name=name,
        sex=Sex.MALE if sequence % 2 else Sex.FEMALE,
        birth_on=born,
        phone=phone,
        hukou_region=region,
        residence_region=region,
    )


def make_household(region: Region, number: str, *persons: Person) -> Household:
    household = Household.objects.create(number=number, region=region, address="测试路1号", hukou_type=HukouType.URBAN)
    for index, person in enumerate(persons):
        HouseholdMember.objects.create(
            household=household,
            person=person,
            relation=Relation.HEAD if index == 0 else Relation.SPOUSE,
            is_head=index == 0,
            valid_from=date(2020, 1, 1),
        )
    return household


@pytest.fixture
def family(tree: Tree) -> Household:
    """A two-person household in the own village."""
    head = make_person(tree.village, name="张三", born=date(1950, 3, 1), sequence=11)
    spouse = make_person(tree.village, name="李四", born=date(1952, 6, 2), sequence=22, phone="13987654321")
    return make_household(tree.village, "H500103001001-00001", head, spouse)


@pytest.fixture
def stranger(tree: Tree) -> Household:
    """A household in the other district, which own-region staff must not see."""
    person = make_person(tree.other_village, name="王五", born=date(1980, 1, 1), sequence=33)
    return make_household(tree.other_village, "H500106001001-00001", person)
