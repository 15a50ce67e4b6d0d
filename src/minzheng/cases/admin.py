"""Configuration of the case workflow in the admin: the departments that receive referrals and their officers."""

from __future__ import annotations

from django.contrib import admin

from minzheng.cases.models import Department, DepartmentOfficer


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin[Department]):
    list_display = ("code", "name", "active", "order")
    list_editable = ("active", "order")
    search_fields = ("code", "name")

    def has_delete_permission(self, request: object, obj: Department | None = None) -> bool:
        return False  # referrals point at departments: deactivate instead


@admin.register(DepartmentOfficer)
class DepartmentOfficerAdmin(admin.ModelAdmin[DepartmentOfficer]):
    list_display = ("staff", "department")
    list_filter = ("department",)
    autocomplete_fields = ("department",)
