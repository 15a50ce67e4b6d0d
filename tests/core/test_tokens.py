"""API bearer tokens: shown once, stored hashed, refused when unknown, expired or revoked; issue-token."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from minzheng.core.access.models import ApiToken, Role
from minzheng.core.access.services import api_token_issue, api_token_revoke
from minzheng.core.audit.models import AuditEvent
from minzheng.core.errors import NotFound
from minzheng.registry.models import Household

PERSONS = "/api/v1/persons"


@pytest.fixture
def caseworker(staff_user: Callable[..., User]) -> User:
    return staff_user(Role.TOWNSHIP_CASEWORKER)


def _get(token: str, url: str = PERSONS) -> int:
    return Client().get(url, headers={"Authorization": f"Bearer {token}"}).status_code


def test_bearer_token_authenticates_and_records_use(caseworker: User) -> None:
    token, clear = api_token_issue(username=caseworker.username, name="nightly-export")
    assert token.last_used_at is None
    assert _get(clear) == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert token.expires_at is not None
    assert timedelta(days=364) < token.expires_at - timezone.now() <= timedelta(days=365)


def test_token_is_stored_hashed(caseworker: User) -> None:
    token, clear = api_token_issue(username=caseworker.username)
    assert clear.startswith("mz_")
    row = ApiToken.objects.values().get(id=token.id)
    assert clear not in {str(value) for value in row.values()}
    assert row["key_hash"] == hashlib.sha256(clear.encode()).hexdigest()
    assert row["prefix"] == clear[:10]
    assert not ApiToken.objects.filter(key_hash=clear).exists()


def test_expired_token_is_401(caseworker: User) -> None:
    token, clear = api_token_issue(username=caseworker.username, valid_days=1)
    ApiToken.objects.filter(id=token.id).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = Client().get(PERSONS, headers={"Authorization": f"Bearer {clear}"})
    assert response.status_code == 401
    assert response.json()["code"] == "auth.required"


def test_revoked_token_is_401(caseworker: User) -> None:
    token, clear = api_token_issue(username=caseworker.username)
    assert _get(clear) == 200
    api_token_revoke(token_id=token.id)
    assert _get(clear) == 401


@pytest.mark.parametrize("header", ["Bearer mz_unknown", "Bearer ", "Token abc", "Basic dXNlcjpwYXNz"])
def test_unknown_or_malformed_token_is_401(header: str, caseworker: User) -> None:
    assert Client().get(PERSONS, headers={"Authorization": header}).status_code == 401


def test_token_of_deactivated_user_is_401(caseworker: User) -> None:
    _token, clear = api_token_issue(username=caseworker.username)
    User.objects.filter(id=caseworker.id).update(is_active=False)
    assert _get(clear) == 401


def test_token_of_account_without_staff_record_is_403(db: None) -> None:
    User.objects.create_user(username="script-only")
    _token, clear = api_token_issue(username="script-only")
    assert _get(clear) == 403


def test_token_acts_with_its_users_role_and_scope(family: Household, staff_user: Callable[..., User]) -> None:
    analyst = staff_user(Role.CITY_ANALYST)
    _token, clear = api_token_issue(username=analyst.username)
    person_id = family.members.values_list("person_id", flat=True)[0]
    assert _get(clear, f"{PERSONS}/{person_id}") == 200
    assert _get(clear, f"{PERSONS}/{person_id}?unmask=true") == 403  # analysts never unmask
    admin = staff_user(Role.ADMINISTRATOR)
    _token, admin_clear = api_token_issue(username=admin.username)
    assert _get(admin_clear) == 403


def test_issue_token_command_prints_token_once_with_expiry(caseworker: User) -> None:
    out, err = StringIO(), StringIO()
    call_command("issue_token", caseworker.username, "--name", "报表脚本", "--days", "30", stdout=out, stderr=err)
    clear = out.getvalue().strip()
    assert clear.startswith("mz_")
    assert "\n" not in clear  # only the token on stdout, for TOKEN=$(minzheng issue-token …)
    token = ApiToken.objects.get()
    assert (token.name, token.user_id) == ("报表脚本", caseworker.id)
    assert token.expires_at is not None
    assert timezone.localtime(token.expires_at).date().isoformat() in err.getvalue()
    assert "过期时间" in err.getvalue()
    assert str(token.id) in err.getvalue()
    assert _get(clear) == 200


def test_issue_token_command_days_zero_never_expires(caseworker: User) -> None:
    err = StringIO()
    call_command("issue_token", caseworker.username, "--days", "0", stdout=StringIO(), stderr=err)
    assert ApiToken.objects.get().expires_at is None
    assert "永不过期" in err.getvalue()


def test_issue_token_command_revokes(caseworker: User) -> None:
    token, clear = api_token_issue(username=caseworker.username)
    call_command("issue_token", "--revoke", str(token.id), stdout=StringIO(), stderr=StringIO())
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert _get(clear) == 401


def test_issue_token_command_errors(db: None) -> None:
    with pytest.raises(CommandError, match="账号不存在"):
        call_command("issue_token", "nobody", stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError):
        call_command("issue_token", stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError):
        call_command("issue_token", "nobody", "--days", "-1", stdout=StringIO(), stderr=StringIO())
    assert not ApiToken.objects.exists()


def test_issue_and_revoke_are_audited_and_revoking_twice_fails(caseworker: User) -> None:
    token, _clear = api_token_issue(username=caseworker.username, name="脚本")
    api_token_revoke(token_id=token.id)
    events = list(AuditEvent.objects.filter(object_type="core.apitoken").order_by("id"))
    assert [(e.action, e.username, e.object_id) for e in events] == [
        ("token.issue", "system", str(token.id)),
        ("token.revoke", "system", str(token.id)),
    ]
    assert events[0].detail["user"] == caseworker.username
    with pytest.raises(NotFound):
        api_token_revoke(token_id=token.id)
    with pytest.raises(CommandError, match="令牌不存在或已吊销"):
        call_command("issue_token", "--revoke", str(token.id), stdout=StringIO(), stderr=StringIO())


def test_token_events_are_filed_under_the_holders_region(caseworker: User) -> None:
    token, _clear = api_token_issue(username=caseworker.username)
    event = AuditEvent.objects.get(action="token.issue")
    assert event.region_code == caseworker.staff.region.code
    assert event.region_path == caseworker.staff.region.path
    assert token.id
