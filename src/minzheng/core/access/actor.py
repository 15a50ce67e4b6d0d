"""The acting user as services see it: who, with which roles, scoped to which region subtree."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from minzheng.core.access.models import Staff
from minzheng.core.access.permissions import Permission, roles_allowed
from minzheng.core.errors import AccessDenied

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


@dataclass(frozen=True)
class Actor:
    user_id: int
    username: str
    roles: frozenset[str]
    region_id: int
    region_code: str
    region_name: str
    scope_path: str
    client_address: str | None = None

    def can(self, permission: Permission) -> bool:
        return bool(self.roles & roles_allowed(permission))

    def require(self, permission: Permission) -> None:
        """Raise AccessDenied when none of the actor's roles grants `permission`."""
        if not self.can(permission):
            raise AccessDenied("access.denied", _("您的角色无权执行此操作"))

    @property
    def roles_label(self) -> str:
        return ",".join(sorted(self.roles))


def actor_for_user(user: AbstractBaseUser | AnonymousUser, *, client_address: str | None = None) -> Actor:
    """Build the Actor of a logged-in staff user; users without a staff record get AccessDenied."""
    if not user.is_authenticated:
        raise AccessDenied("access.not_authenticated", _("请先登录"))
    staff = Staff.objects.select_related("region").filter(user_id=user.pk).first()
    if staff is None:
        raise AccessDenied("access.not_staff", _("该账号未绑定工作人员身份"))
    return Actor(
        user_id=int(user.pk),
        username=user.get_username(),
        roles=frozenset(staff.roles.values_list("role", flat=True)),
        region_id=staff.region_id,
        region_code=staff.region.code,
        region_name=staff.region.name,
        scope_path=staff.region.path,
        client_address=client_address,
    )


def actor_for_request(request: HttpRequest) -> Actor:
    """The Actor of a web or API request, carrying the client address for the audit log.

    Built once per request and kept on it, so the page header and the view share the staff lookup.
    """
    cached: Actor | None = getattr(request, "_minzheng_actor", None)
    if cached is None:
        user = getattr(request, "auth", None) or request.user
        cached = actor_for_user(user, client_address=request.META.get("REMOTE_ADDR"))
        request._minzheng_actor = cached  # type: ignore[attr-defined]
    return cached
