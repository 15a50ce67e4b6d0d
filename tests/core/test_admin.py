"""The admin is for configuration: the administrator role can use it, sees no audit log or case data."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from minzheng.core.access.models import ApiToken, Role
from minzheng.core.access.services import api_token_issue, staff_create
from minzheng.core.audit.models import AuditEvent
from minzheng.core.parameters.models import Parameter, ParameterProposal, ProposalState
from minzheng.core.parameters.services import parameters_load
from minzheng.core.regions.models import Region
from tests.conftest import PASSWORD, Tree


@pytest.fixture
def admin_client(tree: Tree) -> Client:
    staff_create(username="admin", password=PASSWORD, region=tree.city, roles=[Role.ADMINISTRATOR])
    client = Client()
    client.force_login(User.objects.get(username="admin"))
    return client


@pytest.mark.parametrize(
    "url", ["/admin/core/region/", "/admin/core/staff/", "/admin/core/apitoken/", "/admin/auth/user/"]
)
def test_administrator_can_configure(admin_client: Client, url: str) -> None:
    assert admin_client.get(url).status_code == 200


def test_administrator_cannot_read_the_audit_log(admin_client: Client) -> None:
    assert admin_client.get("/admin/core/auditevent/").status_code == 403


def test_role_change_removes_admin_access(tree: Tree, admin_client: Client) -> None:
    staff_create(username="admin", password=PASSWORD, region=tree.city, roles=[Role.CITY_ANALYST])
    user = User.objects.get(username="admin")
    assert not user.is_staff
    assert not user.groups.exists()


def test_region_added_in_admin_gets_its_path(tree: Tree, admin_client: Client) -> None:
    response = admin_client.post(
        "/admin/core/region/add/",
        {"code": "500103001002", "name": "新社区", "level": "village", "parent": tree.township.id,
         "valid_from": "2024-01-01", "urban_rural_class": "111", "confirmed": "on", "source": ""},
    )  # fmt: skip
    assert response.status_code == 302, response.content[:500]
    region = Region.objects.get(code="500103001002")
    assert region.path == f"{tree.township.path}{region.id}/"


def test_revoking_in_admin_is_audited(tree: Tree, admin_client: Client) -> None:
    token, _clear = api_token_issue(username="admin")
    response = admin_client.post(
        "/admin/core/apitoken/", {"action": "revoke", "_selected_action": [token.id]}, follow=True
    )
    assert response.status_code == 200
    assert ApiToken.objects.get(id=token.id).revoked_at is not None
    assert AuditEvent.objects.filter(action="token.revoke", object_id=str(token.id)).exists()


def test_administrator_cannot_grant_superuser_or_raw_permissions(tree: Tree, admin_client: Client) -> None:
    other = User.objects.create_user(username="other", password=PASSWORD)
    page = admin_client.get(f"/admin/auth/user/{other.id}/change/").content.decode()
    assert 'name="is_superuser"' not in page
    assert 'name="user_permissions"' not in page


def test_regions_and_import_batches_cannot_be_deleted(tree: Tree, admin_client: Client) -> None:
    assert admin_client.get(f"/admin/core/region/{tree.village.id}/delete/").status_code == 403


def test_revoke_in_admin_records_the_administrator(tree: Tree, admin_client: Client) -> None:
    token, _clear = api_token_issue(username="admin")
    admin_client.post("/admin/core/apitoken/", {"action": "revoke", "_selected_action": [token.id]})
    event = AuditEvent.objects.get(action="token.revoke")
    assert (event.username, event.roles) == ("admin", "administrator")


def test_giving_the_administrator_role_in_the_admin_opens_the_admin(tree: Tree, admin_client: Client) -> None:
    new = User.objects.create_user(username="guanli2", password=PASSWORD)
    response = admin_client.post(
        "/admin/core/staff/add/",
        {"user": new.id, "region": tree.city.id, "display_name": "管理员二",
         "roles-TOTAL_FORMS": "1", "roles-INITIAL_FORMS": "0", "roles-MIN_NUM_FORMS": "0",
         "roles-MAX_NUM_FORMS": "1000", "roles-0-role": Role.ADMINISTRATOR},
    )  # fmt: skip
    assert response.status_code == 302, response.content[:800]
    new.refresh_from_db()
    assert new.is_staff
    assert new.groups.filter(name="administrators").exists()


def test_parameter_change_in_the_admin_needs_a_second_administrator(tree: Tree, admin_client: Client) -> None:
    parameters_load()
    response = admin_client.post(
        "/admin/core/parameterproposal/add/",
        {"key": "dibao.standard_fen", "region": tree.city.id, "variant": "urban", "value": "70000",
         "valid_from": "2025-01-01", "source": "测试通知", "status": "official", "note": ""},
    )  # fmt: skip
    assert response.status_code == 302, response.content[:800]
    proposal = ParameterProposal.objects.get()
    admin_client.post("/admin/core/parameterproposal/", {"action": "approve", "_selected_action": [proposal.id]})
    assert ParameterProposal.objects.get().state == ProposalState.PENDING  # the maker cannot approve
    staff_create(username="admin2", password=PASSWORD, region=tree.city, roles=[Role.ADMINISTRATOR])
    checker = Client()
    checker.force_login(User.objects.get(username="admin2"))
    checker.post("/admin/core/parameterproposal/", {"action": "approve", "_selected_action": [proposal.id]})
    assert ParameterProposal.objects.get().state == ProposalState.APPROVED
    assert Parameter.objects.filter(key="dibao.standard_fen", value=70000).exists()
