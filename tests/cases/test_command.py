"""`minzheng cases`: generate shows progress and skips a second time, tick escalates overdue referrals once and
counts what is due, demo-accounts links the department officer and keeps its password."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from minzheng.cases.models import Case, DepartmentOfficer, Referral, ReferralStatus
from tests.cases.test_synthetic import TODAY, synthetic_city  # noqa: F401  (the fixture, used by name)
from tests.conftest import Tree


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("cases", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
@pytest.mark.usefixtures("synthetic_city")
def test_generate_prints_progress_then_skips(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("cases", "generate", "--count", "80", "--seed", "2", "--on", TODAY.isoformat())
    captured = capsys.readouterr()
    assert "生成申请" in captured.err
    assert "80/80" in captured.err
    assert "已生成 80 件申请" in captured.out
    assert Case.objects.count() == 80
    call_command("cases", "generate", "--count", "80", "--seed", "2", "--on", TODAY.isoformat())
    assert "跳过生成" in capsys.readouterr().out
    assert Case.objects.count() == 80


@pytest.mark.django_db
@pytest.mark.usefixtures("synthetic_city")
def test_tick_escalates_overdue_referrals_once() -> None:
    _run("generate", "--count", "400", "--seed", "9", "--on", TODAY.isoformat())
    waiting = Referral.objects.filter(status=ReferralStatus.SENT, due_on__lt=TODAY, escalated_on__isnull=True)
    overdue = waiting.count()
    assert overdue > 0
    first = _run("tick", "--on", TODAY.isoformat())
    assert _count(first, "本次督办的逾期转办事项") == overdue
    assert not waiting.exists()
    assert Referral.objects.filter(escalated_on=TODAY).count() == overdue
    second = _run("tick", "--on", TODAY.isoformat())
    assert _count(second, "本次督办的逾期转办事项") == 0
    overdue_cases = [c for c in Case.objects.exclude(state__in=("approved", "refused", "withdrawn", "terminated"))
                     if any(d and d < TODAY for d in (c.due_on, c.step_due_on))]  # fmt: skip
    assert _count(second, "逾期未办结的申请") == len(overdue_cases) > 0
    assert (
        _count(second, "公示期满、待提交审批的申请")
        == Case.objects.filter(state="on_notice", step_due_on__lt=TODAY).count()
    )


def _count(output: str, label: str) -> int:
    line = next(line for line in output.splitlines() if label in line)
    return int(line.split("│")[-2].strip())


@pytest.mark.django_db
def test_demo_accounts_link_the_officer_and_keep_the_password(
    tree: Tree, settings: Any, tmp_path: Path, staffing: Any
) -> None:
    settings.DATA_DIR = tmp_path
    first = _run("demo-accounts", "--region", tree.district.code, "--on", date(2026, 11, 23).isoformat())
    assert "bumen" in first
    password = json.loads((tmp_path / "demo_accounts.json").read_text())["bumen"]
    _run("demo-accounts", "--region", tree.district.code)
    assert json.loads((tmp_path / "demo_accounts.json").read_text())["bumen"] == password
    link = DepartmentOfficer.objects.select_related("staff__user", "department").get()
    assert (link.staff.user.username, link.department.code, link.staff.region) == (
        "bumen",
        "medical_insurance",
        tree.district,
    )
    assert link.staff.user.check_password(password)
