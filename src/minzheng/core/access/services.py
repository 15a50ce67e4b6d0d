"""Writes for staff accounts and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group, Permission
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minzheng.core.access.actor import Actor
from minzheng.core.access.models import ApiToken, Role, Staff, StaffRole
from minzheng.core.audit.services import audit_record
from minzheng.core.errors import InvalidInput, NotFound
from minzheng.core.regions.models import Region

TOKEN_PREFIX = "mz_"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def staff_create(
    *, username: str, password: str, region: Region, roles: Iterable[str], display_name: str = ""
) -> Staff:
    """Create or update a staff account bound to `region` with exactly `roles` (idempotent by username)."""
    role_set = set(roles)
    unknown = role_set - set(Role.values)
    if not role_set or unknown:
        raise InvalidInput("staff.roles", _("角色无效：%(roles)s") % {"roles": ",".join(sorted(unknown))})
    user_model = get_user_model()
    user, _created = user_model.objects.get_or_create(username=username)
    user.set_password(password)
    user.save()
    staff, _created = Staff.objects.update_or_create(
        user=user, defaults={"region": region, "display_name": display_name}
    )
    staff.roles.exclude(role__in=role_set).delete()
    StaffRole.objects.bulk_create(
        [StaffRole(staff=staff, role=role) for role in sorted(role_set)], ignore_conflicts=True
    )
    staff_admin_access_sync(staff=staff)
    return staff


@transaction.atomic
def staff_admin_access_sync(*, staff: Staff) -> None:
    """Admin access follows the roles: only the administrator role enters /admin/, through its group.

    Called after roles change, from staff_create and from the admin's staff page.
    """
    user = staff.user
    is_administrator = staff.roles.filter(role=Role.ADMINISTRATOR).exists()
    if user.is_staff != is_administrator:
        user.is_staff = is_administrator
        user.save(update_fields=["is_staff"])
    administrators = _administrator_group()
    if is_administrator:
        user.groups.add(administrators)
    else:
        user.groups.remove(administrators)


# What the administrator configures in the admin: regions, staff, roles, accounts, tokens. Not the audit log
# or any case data (ARCHITECTURE §7: the administrator sees no case data).
ADMINISTRATOR_PERMISSIONS = {
    "core": {
        "region",
        "regionchange",
        "staff",
        "staffrole",
        "apitoken",
        "importbatch",
        "parameter",
        "parameterproposal",
        "documenttemplate",
    },
    "cases": {"department", "departmentofficer"},
    "auth": {"user"},
}
ADMINISTRATOR_GROUP = "administrators"


def _administrator_group() -> Group:
    """The permission group of the administrator role, kept equal to ADMINISTRATOR_PERMISSIONS."""
    group, _created = Group.objects.get_or_create(name=ADMINISTRATOR_GROUP)
    wanted = Q()
    for app_label, models in ADMINISTRATOR_PERMISSIONS.items():
        wanted |= Q(content_type__app_label=app_label, content_type__model__in=models)
    group.permissions.set(Permission.objects.filter(wanted))
    return group


@transaction.atomic
def api_token_issue(*, username: str, name: str = "", valid_days: int | None = 365) -> tuple[ApiToken, str]:
    """Issue a token; the clear value is returned once and only its SHA-256 is stored."""
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise NotFound("user.not_found", _("账号不存在：%(username)s") % {"username": username})
    clear = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = timezone.now() + timedelta(days=valid_days) if valid_days else None
    token = ApiToken.objects.create(
        user=user, name=name, prefix=clear[:10], key_hash=_token_hash(clear), expires_at=expires_at
    )
    audit_record(
        actor=None, action="token.issue", obj=token, region=_staff_region(user.pk),
        detail={"user": username, "name": name, "expires_at": expires_at.isoformat() if expires_at else None},
    )  # fmt: skip
    return token, clear


@transaction.atomic
def api_token_revoke(*, token_id: int, actor: Actor | None = None) -> ApiToken:
    """Revoke a live token; an unknown or already revoked id is NotFound."""
    token = ApiToken.objects.select_for_update().filter(id=token_id, revoked_at__isnull=True).first()
    if token is None:
        raise NotFound("token.not_found", _("令牌不存在或已吊销：%(id)s") % {"id": token_id})
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        action="token.revoke",
        obj=token,
        region=_staff_region(token.user_id),
        detail={"user": token.user.get_username()},
    )
    return token


def _staff_region(user_id: int) -> Region | None:
    """Token events are filed under the token holder's region, so that region's supervisor sees them."""
    staff = Staff.objects.select_related("region").filter(user_id=user_id).first()
    return staff.region if staff else None


def api_token_authenticate(*, token: str) -> AbstractBaseUser | None:
    """The user a live token belongs to, or None when it is unknown, expired or revoked."""
    now = timezone.now()
    found = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_token_hash(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if found is None or (found.expires_at is not None and found.expires_at <= now):
        return None
    ApiToken.objects.filter(id=found.id).update(last_used_at=now)
    return found.user
