"""Admin for configuration only: regions, staff accounts and roles, API tokens; audit is read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from minzheng.core.models import ApiToken, AuditEvent, ImportBatch, Region, RegionChange, Staff, StaffRole


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin[Region]):
    list_display = (
        "code",
        "name",
        "level",
        "parent",
        "urban_rural_class",
        "valid_from",
        "valid_to",
        "synthetic",
    )
    list_filter = ("level", "synthetic", "confirmed")
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)
    readonly_fields = ("path",)


@admin.register(RegionChange)
class RegionChangeAdmin(admin.ModelAdmin[RegionChange]):
    list_display = ("on", "kind", "region", "from_region", "to_region", "confirmed")
    list_filter = ("kind", "confirmed")
    raw_id_fields = ("region", "from_region", "to_region")


class StaffRoleInline(admin.TabularInline[StaffRole, Staff]):
    model = StaffRole
    extra = 1


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin[Staff]):
    list_display = ("user", "display_name", "region")
    search_fields = ("user__username", "display_name", "region__name")
    raw_id_fields = ("region",)
    inlines = [StaffRoleInline]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    """Tokens are issued with `minzheng issue-token`; here they can be reviewed and revoked (set 吊销时间)."""

    list_display = ("prefix", "user", "name", "created_at", "expires_at", "revoked_at", "last_used_at")
    readonly_fields = ("prefix", "created_at", "last_used_at")
    fields = ("user", "name", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    list_display = ("at", "username", "roles", "action", "object_type", "object_id", "region_code")
    list_filter = ("action",)
    search_fields = ("username", "object_id")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin[ImportBatch]):
    list_display = ("created_at", "importer", "file_name", "user", "sha256")
    list_filter = ("importer",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
