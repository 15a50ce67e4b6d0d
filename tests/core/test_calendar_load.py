"""Loading a year the State Council has just published: from a file by the CLI or the administrators' page; the
deadlines computed as provisional are recomputed at once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from minzheng.core.access.models import Role
from minzheng.core.calendar.models import CalendarYear
from minzheng.core.calendar.selectors import is_working_day, working_days_add
from minzheng.core.calendar.services import calendar_seed

CSV_2027 = (
    "日期,类别,名称\n2027-01-01,节假日,元旦\n2027-02-06,节假日,春节\n2027-02-07,节假日,春节\n2027-02-20,调休上班,春节\n"
)


@pytest.mark.django_db
def test_cli_loads_a_year_and_deadlines_stop_being_provisional(tmp_path: Path) -> None:
    calendar_seed()
    before = working_days_add(date(2026, 12, 28), 5)
    assert before.provisional
    path = tmp_path / "2027.csv"
    path.write_text(CSV_2027, encoding="utf-8-sig")
    call_command("calendar", "load", year=2027, file=path, source="国办发明电〔2026〕7号")
    after = working_days_add(date(2026, 12, 28), 5)
    assert not after.provisional
    assert after.due_on == date(2027, 1, 5)  # 29, 30, 31 Dec, (1 Jan holiday), 4, 5 Jan
    assert not is_working_day(date(2027, 2, 6))
    assert is_working_day(date(2027, 2, 20))
    assert CalendarYear.objects.get(year=2027).source == "国办发明电〔2026〕7号"


@pytest.mark.django_db
def test_cli_reports_every_bad_row_and_loads_nothing(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("日期,类别\n2027-13-01,节假日\n2027-02-07,休息\n2027-02-08,节假日\n", encoding="utf-8")
    with pytest.raises(CommandError) as failed:
        call_command("calendar", "load", year=2027, file=path, source="x")
    text = str(failed.value)
    assert "第2行.日期" in text
    assert "第3行.类别" in text
    assert not CalendarYear.objects.filter(year=2027).exists()


@pytest.mark.django_db
def test_gbk_csv_is_read(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes(CSV_2027.encode("gbk"))
    call_command("calendar", "load", year=2027, file=path, source="国办发明电〔2026〕7号")
    assert CalendarYear.objects.get(year=2027).published


@pytest.mark.django_db
def test_page_lists_years_and_only_administrators_load(logged_in: Callable[..., Client]) -> None:
    calendar_seed()
    caseworker = logged_in(Role.TOWNSHIP_CASEWORKER)
    page = caseworker.get("/standards/calendar/")
    assert page.status_code == 200
    assert "2026" in page.content.decode()
    assert "载入新年度" not in page.content.decode()
    upload = SimpleUploadedFile("2027.csv", CSV_2027.encode("utf-8"), content_type="text/csv")
    refused = caseworker.post("/standards/calendar/", {"year": "2027", "source": "x", "file": upload})
    assert refused.status_code == 403
    admin = logged_in(Role.ADMINISTRATOR)
    upload = SimpleUploadedFile("2027.csv", CSV_2027.encode("utf-8"), content_type="text/csv")
    loaded = admin.post("/standards/calendar/", {"year": "2027", "source": "国办发明电〔2026〕7号", "file": upload})
    assert loaded.status_code == 302
    assert CalendarYear.objects.get(year=2027).published


@pytest.mark.django_db
def test_page_shows_row_errors(logged_in: Callable[..., Client]) -> None:
    admin = logged_in(Role.ADMINISTRATOR)
    upload = SimpleUploadedFile("2027.csv", b"\xe6\x97\xa5\xe6\x9c\x9f,x\n2027-01-01,y\n", content_type="text/csv")
    page = admin.post("/standards/calendar/", {"year": "2027", "source": "s", "file": upload})
    assert page.status_code == 200
    assert "缺少列" in page.content.decode()
