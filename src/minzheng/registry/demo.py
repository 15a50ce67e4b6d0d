"""The demo city's staff accounts: one per role, bound to regions that hold synthetic households."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db.models import Count

from minzheng.core.access.models import Role
from minzheng.core.access.services import staff_create
from minzheng.core.regions.models import Region, RegionLevel
from minzheng.registry.models import Household

DEMO_DISTRICT = "500103"  # 渝中区
DEMO_USERS: tuple[tuple[str, str, str], ...] = (
    # username, role, level of the bound region
    ("cunju", Role.VILLAGE_ASSISTANT, RegionLevel.VILLAGE),
    ("jingban", Role.TOWNSHIP_CASEWORKER, RegionLevel.TOWNSHIP),
    ("shenhe", Role.TOWNSHIP_REVIEWER, RegionLevel.TOWNSHIP),
    ("shenpi", Role.DISTRICT_APPROVER, RegionLevel.DISTRICT),
    ("fenxi", Role.CITY_ANALYST, RegionLevel.PROVINCE),
    ("jiandu", Role.SUPERVISOR, RegionLevel.DISTRICT),
    ("admin", Role.ADMINISTRATOR, RegionLevel.PROVINCE),
)
# A 医疗保障 officer of the demo district, linked to its department by `minzheng cases demo-accounts`.
DEMO_DEPARTMENT_OFFICER = "bumen"
DEMO_DEPARTMENT = "medical_insurance"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str
    region: Region


def demo_accounts_ensure(*, password_file: Path | None = None) -> list[DemoAccount]:
    """Create (or reset) one account per role; passwords are random once, then kept in var/ for re-runs."""
    path = password_file or _password_file()
    passwords: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    regions = _demo_regions()
    accounts = []
    for username, role, level in DEMO_USERS:
        password = passwords.setdefault(username, f"mz-{secrets.token_urlsafe(9)}")
        staff_create(
            username=username,
            password=password,
            region=regions[level],
            roles=[role],
            display_name=str(Role(role).label),
        )
        accounts.append(DemoAccount(username, password, role, regions[level]))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(passwords, indent=2))
    path.chmod(0o600)
    return accounts


def demo_department_account(*, password_file: Path | None = None) -> DemoAccount:
    """The department officer that `minzheng cases demo-accounts` set up, with its password from the shared file."""
    passwords: dict[str, str] = json.loads((password_file or _password_file()).read_text())
    district = _demo_regions()[RegionLevel.DISTRICT]
    return DemoAccount(DEMO_DEPARTMENT_OFFICER, passwords[DEMO_DEPARTMENT_OFFICER], Role.DEPARTMENT_OFFICER, district)


def _password_file() -> Path:
    return Path(settings.DATA_DIR) / "demo_accounts.json"


def _demo_regions() -> dict[str, Region]:
    """The city, 渝中区, and the township and village of 渝中区 with the most households."""
    city = Region.objects.get(code=settings.ROOT_REGION_CODE, valid_to__isnull=True)
    district = Region.objects.get(code=DEMO_DISTRICT, valid_to__isnull=True)
    busiest = (
        Household.objects.filter(region__path__startswith=district.path)
        .values("region_id")
        .annotate(n=Count("id"))
        .order_by("-n", "region_id")
        .first()
    )
    village = (
        Region.objects.get(id=busiest["region_id"])
        if busiest
        else Region.objects.filter(level=RegionLevel.VILLAGE, path__startswith=district.path).order_by("code")[0]
    )
    assert village.parent is not None
    return {
        RegionLevel.PROVINCE: city,
        RegionLevel.DISTRICT: district,
        RegionLevel.TOWNSHIP: village.parent,
        RegionLevel.VILLAGE: village,
    }
