"""Household import: readers and encodings, row and file checks, all-or-nothing, idempotency, command."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from minzheng.core.access.actor import Actor
from minzheng.core.access.models import Role
from minzheng.core.access.permissions import PERMISSIONS
from minzheng.core.audit.models import AuditEvent
from minzheng.core.errors import AccessDenied, InvalidInput
from minzheng.core.imports import RowIssue, read_table
from minzheng.core.imports.models import ImportBatch
from minzheng.registry.imports import households_import
from minzheng.registry.models import Household, HouseholdMember, Person
from tests.conftest import Tree, make_id_number

ActorOf = Callable[..., Actor]

HEADER = [
    "户编号", "与户主关系", "姓名", "公民身份号码", "民族", "联系电话", "户籍地区划代码", "居住地区划代码",
    "户口性质", "住址", "劳动能力", "重病", "入户日期",
]  # fmt: skip
VILLAGE = "500103001001"
HEAD_ID = make_id_number("500103", date(1960, 1, 1), 11)
SPOUSE_ID = make_id_number("500103", date(1962, 2, 2), 22)
SON_ID = make_id_number("500103", date(1990, 3, 3), 33)
SECOND_HEAD_ID = make_id_number("500103", date(1975, 4, 4), 44)


def person_row(number: str, relation: str, name: str, id_number: str, **cells: str) -> list[str]:
    values = {"民族": "汉族", "户籍地区划代码": VILLAGE, "户口性质": "农村", "住址": "金汤街1号", **cells}
    values |= {"户编号": number, "与户主关系": relation, "姓名": name, "公民身份号码": id_number}
    return [values.get(header, "") for header in HEADER]


def good_rows() -> list[list[str]]:
    """Two households: a family of three (names and codes mixed, as offices write them) and one person."""
    return [
        person_row("H001", "户主", "张大山", HEAD_ID, 联系电话="13812345678", 入户日期="2001-05-01"),
        person_row("H001", "配偶", "李秀英", SPOUSE_ID, 劳动能力="部分丧失劳动能力", 重病="是"),
        person_row("H001", "21", "张小山", SON_ID, 民族="01"),  # GB/T 4761 独生子 → 20 子
        person_row("H002", "02", "王芳", SECOND_HEAD_ID, 民族="土家族", 户口性质="城镇", 住址="金汤街2号"),
    ]


def write_csv(path: Path, rows: list[list[str]], *, encoding: str = "utf-8-sig", header: list[str] = HEADER) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *rows])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[str]], *, header: list[str] = HEADER) -> Path:
    """Region codes go in as numbers, as they do when typed into Excel without a text format."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append([int(cell) if header[i].endswith("区划代码") and cell else cell for i, cell in enumerate(row)])
    workbook.save(path)
    return path


@pytest.fixture
def caseworker(tree: Tree, actor_of: ActorOf) -> Actor:
    """A township caseworker of 七星岗街道: the role allowed to import, scoped to the township."""
    return actor_of(Role.TOWNSHIP_CASEWORKER)


def issues_of(error: InvalidInput) -> list[RowIssue]:
    issues: list[RowIssue] = error.extra["issues"]
    return issues


def assert_nothing_written() -> None:
    assert not Person.objects.exists()
    assert not Household.objects.exists()
    assert not HouseholdMember.objects.exists()
    assert not AuditEvent.objects.filter(action="registry.import").exists()


def assert_good_rows_registered() -> None:
    assert Person.objects.count() == 4
    family = Household.objects.get(number="H001")
    assert (family.region.code, family.hukou_type, family.address) == (VILLAGE, "rural", "金汤街1号")
    members = {m.person.id_number: m for m in family.members.select_related("person")}
    assert {key: (m.relation, m.is_head) for key, m in members.items()} == {
        HEAD_ID: ("02", True),
        SPOUSE_ID: ("10", False),
        SON_ID: ("20", False),
    }
    assert members[HEAD_ID].valid_from == date(2001, 5, 1)
    spouse = members[SPOUSE_ID].person
    assert (spouse.sex, spouse.work_ability, spouse.serious_illness) == ("female", "partial", True)
    single = Household.objects.get(number="H002")
    assert (single.hukou_type, single.members.get().person.ethnic_group) == ("urban", "15")


# --- readers and encodings ------------------------------------------------------------------------------


def test_good_xlsx_is_imported_and_audited_once(tmp_path: Path, caseworker: Actor) -> None:
    path = write_xlsx(tmp_path / "households.xlsx", good_rows())
    result = households_import(actor=caseworker, path=path)
    assert_good_rows_registered()
    assert (result.rows_total, result.rows_imported, result.rows_rejected) == (4, 4, 0)
    assert (result.households_created, result.persons_created, result.members_created) == (2, 4, 4)
    event = AuditEvent.objects.get(action="registry.import")
    assert event.detail["sha256"] == result.file_sha256
    assert sorted(event.detail["persons_created_ids"]) == sorted(Person.objects.values_list("id", flat=True))
    assert (event.detail["persons_created"], event.detail["households_created"]) == (4, 2)


def test_good_csv_utf8_with_bom(tmp_path: Path, caseworker: Actor) -> None:
    path = write_csv(tmp_path / "households.csv", good_rows(), encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    households_import(actor=caseworker, path=path)
    assert_good_rows_registered()


def test_good_csv_utf8_without_bom(tmp_path: Path, caseworker: Actor) -> None:
    households_import(actor=caseworker, path=write_csv(tmp_path / "h.csv", good_rows(), encoding="utf-8"))
    assert_good_rows_registered()


def test_gbk_csv(tmp_path: Path, caseworker: Actor) -> None:
    path = write_csv(tmp_path / "households.csv", good_rows(), encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    households_import(actor=caseworker, path=path)
    assert_good_rows_registered()
    assert Person.objects.get(id_number=SPOUSE_ID).name == "李秀英"


def test_reader_keeps_spreadsheet_row_numbers_and_text_cells(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text('编号,代码\n\n1,="0101"\n2,\'0202\n', encoding="utf-8")
    table = read_table(path)
    assert [(row.number, row.cells) for row in table.rows] == [(3, ("1", "0101")), (4, ("2", "0202"))]


# --- idempotency and updates ----------------------------------------------------------------------------


def test_reimporting_the_same_data_changes_nothing(tmp_path: Path, caseworker: Actor) -> None:
    first = households_import(actor=caseworker, path=write_csv(tmp_path / "households.csv", good_rows()))
    stamps = dict(Person.objects.values_list("id", "updated_at"))
    same_data = write_csv(tmp_path / "again.csv", good_rows(), encoding="utf-8")  # other bytes: no BOM
    with CaptureQueriesContext(connection) as queries:
        second = households_import(actor=caseworker, path=same_data)
    assert first.changed
    assert not second.changed
    assert second.repeated_from is None
    assert (second.persons_unchanged, second.households_unchanged, second.members_created) == (4, 2, 0)
    assert (Person.objects.count(), Household.objects.count(), HouseholdMember.objects.count()) == (4, 2, 4)
    assert dict(Person.objects.values_list("id", "updated_at")) == stamps
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))]
    assert len(writes) == 2  # the audit event of the attempt and the ImportBatch of this content
    assert "core_auditevent" in writes[0]


def test_reuploading_the_same_file_returns_the_earlier_result(tmp_path: Path, caseworker: Actor) -> None:
    path = write_csv(tmp_path / "households.csv", good_rows())
    first = households_import(actor=caseworker, path=path)
    copy = tmp_path / "copy.csv"
    copy.write_bytes(path.read_bytes())
    with CaptureQueriesContext(connection) as queries:
        again = households_import(actor=caseworker, path=copy)
    assert again.repeated_from is not None
    assert not again.changed
    assert (again.persons_created, again.file_sha256) == (first.persons_created, first.file_sha256)
    assert not [q for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))]
    assert ImportBatch.objects.get().result["persons_created"] == 4


def test_a_partly_rejected_file_is_not_remembered(tmp_path: Path, caseworker: Actor) -> None:
    rows = good_rows()
    rows[0][HEADER.index("公民身份号码")] = "500103199001011230"
    households_import(actor=caseworker, path=write_csv(tmp_path / "part.csv", rows), skip_invalid=True)
    assert not ImportBatch.objects.exists()


def test_reimport_updates_only_changed_cells(tmp_path: Path, caseworker: Actor) -> None:
    households_import(actor=caseworker, path=write_csv(tmp_path / "a.csv", good_rows()))
    rows = good_rows()
    rows[0][HEADER.index("联系电话")] = "13900001111"
    rows[1][HEADER.index("重病")] = ""  # blank optional cell: keep what is registered
    result = households_import(actor=caseworker, path=write_csv(tmp_path / "b.csv", rows))
    assert (result.persons_updated, result.persons_unchanged, result.members_created) == (1, 3, 0)
    assert Person.objects.get(id_number=HEAD_ID).phone == "13900001111"
    assert Person.objects.get(id_number=SPOUSE_ID).serious_illness is True
    event = AuditEvent.objects.filter(action="registry.import").latest("id")
    assert event.detail["persons_updated_ids"] == [Person.objects.get(id_number=HEAD_ID).id]


def test_writes_are_set_based(tmp_path: Path, caseworker: Actor) -> None:
    rows = [
        person_row(f"H{n:03d}", "户主", f"户主{n}", make_id_number("500103", date(1970, 1, 1), n)) for n in range(1, 61)
    ]
    with CaptureQueriesContext(connection) as queries:
        households_import(actor=caseworker, path=write_csv(tmp_path / "many.csv", rows))
    inserts = [q for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("INSERT")]
    assert len(inserts) <= 5  # persons, households, memberships, audit, import batch: one statement each
    assert HouseholdMember.objects.count() == 60


# --- whole-file failures --------------------------------------------------------------------------------


def test_missing_required_column(tmp_path: Path, caseworker: Actor) -> None:
    header = [h for h in HEADER if h != "公民身份号码"]
    rows = [[cell for h, cell in zip(HEADER, row, strict=True) if h != "公民身份号码"] for row in good_rows()]
    with pytest.raises(InvalidInput) as caught:
        households_import(actor=caseworker, path=write_csv(tmp_path / "h.csv", rows, header=header))
    assert (caught.value.code, caught.value.field) == ("import.missing_column", "公民身份号码")
    assert_nothing_written()


def test_alias_header_and_marked_required_columns_are_accepted(tmp_path: Path, caseworker: Actor) -> None:
    header = ["户编号*", "户主关系", " 姓名", "身份证号码", *HEADER[4:]]
    households_import(actor=caseworker, path=write_csv(tmp_path / "h.csv", good_rows(), header=header))
    assert_good_rows_registered()


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_empty_file(tmp_path: Path, caseworker: Actor, suffix: str) -> None:
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(b"")
    with pytest.raises(InvalidInput) as caught:
        households_import(actor=caseworker, path=path)
    assert caught.value.code == "import.empty"


def test_header_only_xlsx_is_empty(tmp_path: Path, caseworker: Actor) -> None:
    with pytest.raises(InvalidInput) as caught:
        households_import(actor=caseworker, path=write_xlsx(tmp_path / "h.xlsx", []))
    assert caught.value.code == "import.empty"


def test_corrupt_xlsx(tmp_path: Path, caseworker: Actor) -> None:
    path = tmp_path / "households.xlsx"
    path.write_bytes(os.urandom(4096))
    with pytest.raises(InvalidInput) as caught:
        households_import(actor=caseworker, path=path)
    assert caught.value.code == "import.corrupt_file"
    assert_nothing_written()


@pytest.mark.parametrize("role", Role.values)
def test_permission_by_role(tmp_path: Path, tree: Tree, actor_of: ActorOf, role: str) -> None:
    """Only roles granted "registry.import" (the township caseworker) may import; the rest write nothing."""
    path = write_csv(tmp_path / "h.csv", good_rows())
    if role in PERMISSIONS["registry.import"]:
        assert households_import(actor=actor_of(role), path=path).persons_created == 4
    else:
        with pytest.raises(AccessDenied):
            households_import(actor=actor_of(role), path=path)
        assert_nothing_written()


# --- row failures: reported per row and column, nothing written -----------------------------------------


def test_bad_id_is_reported_with_row_column_and_check(tmp_path: Path, caseworker: Actor) -> None:
    rows = good_rows()
    bad = SPOUSE_ID[:-1] + ("0" if SPOUSE_ID[-1] != "0" else "1")
    rows[1][HEADER.index("公民身份号码")] = bad
    with pytest.raises(InvalidInput) as caught:
        households_import(actor=caseworker, path=write_csv(tmp_path / "h.csv", rows))
    assert caught.value.code == "import.invalid_rows"
    [issue] = issues_of(caught.value)
    assert (issue.row, issue.column, issue.code) == (3, "公民身份号码", "id_number.checksum")
    assert issue.text().startswith("行 3，列 公民身份号码：公民身份号码校验码错误")
    assert caught.value.field_errors()[0].as_dict()["path"] == "rows[3].公民身份号码"
    assert_nothing_written()


def test_every_issue_of_every_row_is_reported(tmp_path: Path, caseworker: Actor) -> None:
    rows = good_rows()
    rows[0][HEADER.index("民族")] = "火星族"
    rows[0][HEADER.index("入户日期")] = "2001-13-01"
    rows[3][HEADER.index("联系电话")] = "12345"
    rows[3][HEADER.index("户口性质")] = "城里"
    with pytest.raises(InvalidInput) as caught:
        households_import(actor=caseworker, path=write_xlsx(tmp_path / "h.xlsx", rows))
    found = {(i.row, i.column, i.code) for i in issues_of(caught.value)}
    assert found == {
        (2, "民族", "person.ethnic_group"), (2, "入户日期", "import.date"),
        (5, "户口性质", "household.hukou_type"), (5, "联系电话", "phone.format"),
    }  # fmt: skip
    assert_nothing_written()


def test_same_person_in_two_households_flags_both_rows(tmp_path: Path, caseworker: Actor) -> None:
    rows = good_rows()
    rows[3][HEADER.index("公民身份号码")] = SON_ID  # row 5 repeats row 4's ID in household H002
    with pytest.raises(InvalidInput) as caught:
        households_import(actor=caseworker, path=write_csv(tmp_path / "h.csv", rows))
    duplicates = sorted((i.row, str(i.message)) for i in issues_of(caught.value) if i.code == "import.duplicate_id")
    assert duplicates == [(4, "公民身份号码与第 5 行重复"), (5, "公民身份号码与第 4 行重复")]
    assert_nothing_written()


def test_exactly_one_head_per_household(tmp_path: Path, caseworker: Actor) -> None:
    rows = good_rows()
    rows[1][HEADER.index("与户主关系")] = "户主"  # H001 has two heads
    rows[3][HEADER.index("与户主关系")] = "配偶"  # H002 has none
    with pytest.raises(InvalidInput) as caught:
        households_import(actor=caseworker, path=write_csv(tmp_path / "h.csv", rows))
    found = {(i.row, i.code) for i in issues_of(caught.value)}
    assert found == {(2, "household.head_many"), (3, "household.head_many"), (5, "household.head_missing")}


def test_region_outside_the_actors_scope(tmp_path: Path, tree: Tree, caseworker: Actor) -> None:
    rows = good_rows()
    rows[3][HEADER.index("户籍地区划代码")] = tree.other_village.code
    with pytest.raises(InvalidInput) as caught:
        households_import(actor=caseworker, path=write_csv(tmp_path / "h.csv", rows))
    [issue] = issues_of(caught.value)
    assert (issue.row, issue.column, issue.code) == (5, "户籍地区划代码", "region.unknown")
    assert_nothing_written()


def test_household_must_be_registered_in_a_village(tmp_path: Path, tree: Tree, caseworker: Actor) -> None:
    rows = good_rows()
    rows[3][HEADER.index("户籍地区划代码")] = tree.township.code
    with pytest.raises(InvalidInput) as caught:
        households_import(actor=caseworker, path=write_csv(tmp_path / "h.csv", rows))
    assert [(i.row, i.code) for i in issues_of(caught.value)] == [(5, "household.region_level")]


def test_person_already_in_another_household(tmp_path: Path, caseworker: Actor, family: Household) -> None:
    existing = family.members.get(is_head=True).person
    rows = good_rows()
    rows[3][HEADER.index("公民身份号码")] = existing.id_number
    with pytest.raises(InvalidInput) as caught:
        households_import(actor=caseworker, path=write_csv(tmp_path / "h.csv", rows))
    [issue] = issues_of(caught.value)
    assert (issue.row, issue.column, issue.code) == (5, "公民身份号码", "member.other_household")
    assert family.number in str(issue.message)
    assert Person.objects.count() == 2


def test_household_number_registered_in_another_village(tmp_path: Path, caseworker: Actor, stranger: Household) -> None:
    rows = good_rows()
    for row in rows[:3]:
        row[HEADER.index("户编号")] = stranger.number
    with pytest.raises(InvalidInput) as caught:
        households_import(actor=caseworker, path=write_csv(tmp_path / "h.csv", rows))
    assert {(i.row, i.code) for i in issues_of(caught.value)} == {
        (2, "household.region_mismatch"),
        (3, "household.region_mismatch"),
        (4, "household.region_mismatch"),
    }


def test_existing_household_is_extended(tmp_path: Path, tree: Tree, caseworker: Actor, family: Household) -> None:
    head = family.members.get(is_head=True).person
    rows = [
        person_row(family.number, "户主", head.name, head.id_number, 户口性质="城镇", 住址="测试路1号"),
        person_row(family.number, "子", "张小山", SON_ID, 户口性质="城镇"),
    ]
    result = households_import(actor=caseworker, path=write_csv(tmp_path / "h.csv", rows))
    assert (result.households_unchanged, result.persons_unchanged, result.persons_created) == (1, 1, 1)
    assert family.members.filter(valid_to__isnull=True).count() == 3


# --- --skip-invalid -------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_skip_invalid_writes_whole_valid_households_and_reports_the_rest(
    tmp_path: Path, caseworker: Actor, suffix: str
) -> None:
    rows = good_rows()
    rows[2][HEADER.index("公民身份号码")] = SON_ID[:-1] + ("0" if SON_ID[-1] != "0" else "1")  # H001 row 4
    report = tmp_path / f"errors{suffix}"
    result = households_import(
        actor=caseworker, path=write_xlsx(tmp_path / "h.xlsx", rows), skip_invalid=True, error_file=report
    )
    assert (result.rows_imported, result.rows_rejected, result.error_file) == (1, 3, report)
    assert list(Household.objects.values_list("number", flat=True)) == ["H002"]
    assert list(Person.objects.values_list("id_number", flat=True)) == [SECOND_HEAD_ID]
    table = read_table(report)
    assert table.headers == ("行号", *HEADER, "错误原因")
    reported = {row.cells[0]: (row.cells[3], row.cells[-1]) for row in table.rows}
    assert set(reported) == {"2", "3", "4"}
    assert reported["4"][1].startswith("列 公民身份号码：公民身份号码校验码错误")
    assert reported["2"] == ("张大山", "同户（户编号 H001）其他行未通过校验，整户未导入")


def test_corrected_error_file_can_be_imported(tmp_path: Path, caseworker: Actor) -> None:
    rows = good_rows()
    rows[0][HEADER.index("户口性质")] = "城里"
    report = tmp_path / "errors.csv"
    households_import(actor=caseworker, path=write_csv(tmp_path / "h.csv", rows), skip_invalid=True, error_file=report)
    fixed = report.read_text(encoding="utf-8-sig").replace(",城里,", ",农村,")
    (tmp_path / "fixed.csv").write_text(fixed, encoding="utf-8-sig")
    result = households_import(actor=caseworker, path=tmp_path / "fixed.csv")
    assert (result.households_created, result.persons_created) == (1, 3)
    assert_good_rows_registered()


def test_error_file_without_skip_lists_only_failing_rows(tmp_path: Path, caseworker: Actor) -> None:
    rows = good_rows()
    rows[0][HEADER.index("户口性质")] = "城里"
    report = tmp_path / "errors.xlsx"
    with pytest.raises(InvalidInput) as caught:
        households_import(actor=caseworker, path=write_csv(tmp_path / "h.csv", rows), error_file=report)
    assert caught.value.extra["error_file"] == str(report)
    assert [row.cells[0] for row in read_table(report).rows] == ["2"]
    assert_nothing_written()


# --- the management command -----------------------------------------------------------------------------


def command(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_households", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_command_imports_and_reports_reimport(tmp_path: Path, caseworker: Actor) -> None:
    path = str(write_xlsx(tmp_path / "h.xlsx", good_rows()))
    out, _ = command(path, "--user", caseworker.username)
    assert "家庭 新增 2" in out
    assert "人员 新增 4" in out
    assert_good_rows_registered()
    out, _ = command(path, "--user", caseworker.username)
    assert "未做任何修改" in out


def test_command_fails_with_row_errors_in_chinese(tmp_path: Path, caseworker: Actor) -> None:
    rows = good_rows()
    rows[1][HEADER.index("公民身份号码")] = SPOUSE_ID[:-1] + ("0" if SPOUSE_ID[-1] != "0" else "1")
    err = io.StringIO()
    path = str(write_csv(tmp_path / "h.csv", rows))
    with pytest.raises(CommandError) as caught:
        call_command("import_households", path, "--user", caseworker.username, stderr=err)
    assert caught.value.returncode == 1
    assert "未写入任何数据" in str(caught.value)
    assert "行 3，列 公民身份号码：公民身份号码校验码错误" in err.getvalue()
    assert_nothing_written()


def test_command_skip_invalid_exits_2_with_default_error_file(tmp_path: Path, caseworker: Actor) -> None:
    rows = good_rows()
    rows[3][HEADER.index("户口性质")] = "城里"
    path = write_csv(tmp_path / "h.csv", rows)
    with pytest.raises(CommandError) as caught:
        command(str(path), "--user", caseworker.username, "--skip-invalid")
    assert caught.value.returncode == 2
    assert (tmp_path / "h.errors.xlsx").exists()
    assert list(Household.objects.values_list("number", flat=True)) == ["H001"]


def test_command_requires_a_staff_user_with_the_permission(tmp_path: Path, tree: Tree, actor_of: ActorOf) -> None:
    path = str(write_csv(tmp_path / "h.csv", good_rows()))
    with pytest.raises(CommandError, match="nobody"):
        command(path, "--user", "nobody")
    assistant = actor_of(Role.VILLAGE_ASSISTANT)
    with pytest.raises(CommandError) as caught:
        command(path, "--user", assistant.username)
    assert caught.value.returncode == 1
    with pytest.raises(CommandError):
        command(path)  # --user is required
    assert_nothing_written()


def test_command_reports_corrupt_file(tmp_path: Path, caseworker: Actor) -> None:
    path = tmp_path / "h.xlsx"
    path.write_bytes(os.urandom(1024))
    with pytest.raises(CommandError, match="损坏"):
        command(str(path), "--user", caseworker.username)
