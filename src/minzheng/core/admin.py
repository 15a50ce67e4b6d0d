"""Admin for configuration only: regions, staff accounts and roles, API tokens; audit is read-only."""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from minzheng.core.access.actor import actor_for_request
from minzheng.core.access.services import api_token_revoke, staff_admin_access_sync
from minzheng.core.documents.templating import DOCUMENT_KINDS, document_default_source
from minzheng.core.errors import ApplicationError
from minzheng.core.models import (
    ApiToken,
    AuditEvent,
    DocumentTemplate,
    ImportBatch,
    Parameter,
    ParameterProposal,
    Region,
    RegionChange,
    Staff,
    StaffRole,
)
from minzheng.core.parameters.services import ProposalInput, parameter_proposal_decide, parameter_propose
from minzheng.core.regions.services import region_admin_save

admin.site.site_header = _("民政业务平台 · 系统管理")
admin.site.site_title = _("民政业务平台")
admin.site.index_title = _("系统配置")


_M = TypeVar("_M", bound=Model)


class ReadOnlyAdmin(admin.ModelAdmin[_M]):
    """Records written only by services (audit, imports, parameter versions): viewable, never edited here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


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

    def save_model(self, request: HttpRequest, obj: Region, form: Any, change: bool) -> None:
        region_admin_save(region=obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Regions are closed with 失效日期, never deleted; the delete page would also list residents."""
        return False


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

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Roles are saved with the inline; admin access then follows them (staff_admin_access_sync)."""
        super().save_related(request, form, formsets, change)
        staff_admin_access_sync(staff=form.instance)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    """Tokens are issued with `minzheng issue-token`; here they can be reviewed and revoked (set 吊销时间)."""

    list_display = ("prefix", "user", "name", "created_at", "expires_at", "revoked_at", "last_used_at")
    readonly_fields = ("user", "prefix", "created_at", "revoked_at", "last_used_at")
    fields = ("user", "name", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at")
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("吊销所选令牌"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        """Through the service, so each revocation is audited like `minzheng issue-token --revoke`."""
        actor = actor_for_request(request)
        live = queryset.filter(revoked_at__isnull=True)
        revoked = [api_token_revoke(token_id=token.id, actor=actor) for token in live]
        self.message_user(request, _("已吊销 %(count)d 个令牌") % {"count": len(revoked)})


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin[AuditEvent]):
    list_display = ("at", "username", "roles", "action", "object_type", "object_id", "region_code")
    list_filter = ("action",)
    search_fields = ("username", "object_id")


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin[ImportBatch]):
    list_display = ("created_at", "importer", "file_name", "user", "sha256")
    list_filter = ("importer",)


class StaffUserAdmin(UserAdmin[User]):
    """Accounts for administrators who are not superusers: they may not grant superuser status or raw
    permissions, which would let them past the role model (e.g. into the audit log)."""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        fields = tuple(super().get_readonly_fields(request, obj))
        if getattr(request.user, "is_superuser", False):
            return fields
        return (*fields, "is_superuser", "user_permissions", "groups")


admin.site.unregister(User)
admin.site.register(User, StaffUserAdmin)


@admin.register(Parameter)
class ParameterAdmin(ReadOnlyAdmin[Parameter]):
    """Versions are read-only: a change is proposed (参数调整申请) and approved by another administrator."""

    list_display = ("key", "variant", "region", "value", "unit", "valid_from", "status", "source")
    list_filter = ("status", "key")
    search_fields = ("key", "source")


@admin.register(ParameterProposal)
class ParameterProposalAdmin(admin.ModelAdmin[ParameterProposal]):
    list_display = ("key", "variant", "region", "value", "valid_from", "state", "proposed_by", "decided_by")
    list_filter = ("state",)
    fields = ("key", "region", "variant", "value", "valid_from", "source", "status", "note")
    raw_id_fields = ("region",)
    actions = ["approve", "reject"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None  # the list and its actions; a saved proposal is not edited

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ParameterProposal, form: Any, change: bool) -> None:
        data = ProposalInput(
            key=obj.key, region_code=obj.region.code, value=obj.value, valid_from=obj.valid_from,
            source=obj.source, status=obj.status, variant=obj.variant, note=obj.note,
        )  # fmt: skip
        saved = parameter_propose(actor=actor_for_request(request), data=data)
        obj.pk = saved.pk

    @admin.action(description=_("批准所选申请"), permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet[ParameterProposal]) -> None:
        self._decide(request, queryset, approve=True)

    @admin.action(description=_("驳回所选申请"), permissions=["change"])
    def reject(self, request: HttpRequest, queryset: QuerySet[ParameterProposal]) -> None:
        self._decide(request, queryset, approve=False)

    def _decide(self, request: HttpRequest, queryset: QuerySet[ParameterProposal], *, approve: bool) -> None:
        actor = actor_for_request(request)
        for proposal_id in queryset.values_list("id", flat=True):
            try:
                parameter_proposal_decide(actor=actor, proposal_id=proposal_id, approve=approve)
            except ApplicationError as error:
                self.message_user(request, f"#{proposal_id}: {error.message}", level=messages.ERROR)


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(admin.ModelAdmin[DocumentTemplate]):
    """One override per document kind; a template that does not compile is refused (DocumentTemplate.clean).
    A new override starts from the shipped default, so the administrator edits rather than writes from nothing."""

    list_display = ("kind", "note", "updated_at")
    fields = ("kind", "body", "note", "updated_at")
    readonly_fields = ("updated_at",)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = dict(super().get_changeform_initial_data(request))
        kind = initial.get("kind")
        if isinstance(kind, str) and kind in DOCUMENT_KINDS:  # ?kind=… on the add page
            initial.setdefault("body", document_default_source(kind))
        return initial
