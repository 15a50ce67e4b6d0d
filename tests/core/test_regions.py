"""Region tree: shipped Chongqing data, synthetic townships, the 2025-11 reform, scoping, file import, API."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext

from minzheng.core.access.actor import Actor, actor_for_user
from minzheng.core.access.models import Role, Staff, StaffRole
from minzheng.core.errors import InvalidInput, NotFound
from minzheng.core.imports import RowIssue, read_table
from minzheng.core.regions import importing, selectors, services, synthetic
from minzheng.core.regions.models import Region, RegionChange, RegionChangeKind, RegionLevel

REFORM_ON = date(2025, 11, 6)
BEFORE = date(2025, 1, 1)
AFTER = date(2025, 12, 1)
PRE_REFORM_CODES = {
    "500101", "500102", "500103", "500104", "500105", "500106", "500107", "500108", "500109", "500110",
    "500111", "500112", "500113", "500114", "500115", "500116", "500117", "500118", "500119", "500120",
    "500151", "500152", "500153", "500154", "500155", "500156", "500229", "500230", "500231", "500233",
    "500235", "500236", "500237", "500238", "500240", "500241", "500242", "500243",
}  # fmt: skip
YUBEI_TO_BEIBEI = ("大湾镇", "统景镇", "大盛镇", "兴隆镇", "茨竹镇")
BEIBEI_TO_LIANGJIANG = ("水土街道", "复兴街道", "蔡家岗街道", "施家梁镇", "童家溪镇")
COLUMNS = ("区划代码", "名称", "上级代码", "城乡分类代码", "生效日期")
HEADER = ",".join(COLUMNS) + "\n"


@pytest.fixture
def loaded(db: None) -> services.RegionTreeSummary:
    return services.region_tree_ensure()


def current(code: str) -> Region:
    region = selectors.region_by_code(code=code)
    assert region is not None, code
    return region


def township(name: str) -> Region:
    """A township named by the reform (other districts may hold a generated township of the same name)."""
    return Region.objects.get(level=RegionLevel.TOWNSHIP, name=name, code__regex=r"^500(105|109|112)")


@pytest.fixture
def staff_at() -> Callable[..., User]:
    def build(code: str, role: str = Role.CITY_ANALYST, on: date | None = None) -> User:
        region = selectors.region_by_code(code=code, on=on)
        assert region is not None
        user = User.objects.create_user(username=f"{role}-{code}", password="x-test-pass")
        staff = Staff.objects.create(user=user, region=region)
        StaffRole.objects.create(staff=staff, role=role)
        return user

    return build


@pytest.fixture
def actor_at(staff_at: Callable[..., User]) -> Callable[..., Actor]:
    return lambda code, role=Role.CITY_ANALYST: actor_for_user(staff_at(code, role))


def tree_snapshot() -> list[tuple[Any, ...]]:
    return list(
        Region.objects.order_by("id").values_list("id", "code", "name", "parent_id", "path", "valid_from", "valid_to")
    )


# --- loading and idempotence ------------------------------------------------------------------------


def test_counties_loaded(loaded: services.RegionTreeSummary) -> None:
    assert (loaded.districts, loaded.current_districts) == (39, 37)
    codes = set(Region.objects.filter(level=RegionLevel.DISTRICT).values_list("code", flat=True))
    assert codes == PRE_REFORM_CODES | {"500157"}
    root = current("500000")
    assert (root.name, root.level, root.parent) == ("重庆市", RegionLevel.PROVINCE, None)
    assert set(Region.objects.filter(level=RegionLevel.DISTRICT).values_list("parent_id", flat=True)) == {root.id}
    liangjiang = current("500157")
    assert (liangjiang.name, liangjiang.confirmed, liangjiang.valid_from) == ("两江新区", False, REFORM_ON)
    assert "未经确认" in liangjiang.source


def test_tree_ensure_is_idempotent(loaded: services.RegionTreeSummary) -> None:
    before = tree_snapshot()
    changes = RegionChange.objects.count()
    again = services.region_tree_ensure()
    assert (again.created, again.changes_created) == (0, 0)
    assert (again.districts, again.townships, again.villages) == (
        loaded.districts,
        loaded.townships,
        loaded.villages,
    )
    assert tree_snapshot() == before
    assert RegionChange.objects.count() == changes
    assert services.region_reform_apply() == 0


def test_synthetic_demo_townships_and_villages(loaded: services.RegionTreeSummary) -> None:
    townships = Region.objects.filter(level=RegionLevel.TOWNSHIP)
    assert townships.count() == loaded.townships
    assert 38 * 4 <= loaded.townships <= 38 * 8 + 10
    ranges = {"街道": range(1, 100), "镇": range(100, 200), "乡": range(200, 400)}
    for row in townships.values("code", "name", "synthetic", "confirmed"):
        suffix = next(s for s in ranges if row["name"].endswith(s))
        assert len(row["code"]) == 9
        assert int(row["code"][6:]) in ranges[suffix]
        assert row["code"][:6] in PRE_REFORM_CODES
        assert (row["synthetic"], row["confirmed"]) == (True, False)
    for village in Region.objects.filter(level=RegionLevel.VILLAGE).select_related("parent"):
        assert village.parent is not None
        assert len(village.code) == 12
        assert village.code.startswith(village.parent.code)
        assert village.urban_rural_class in {"111", "112", "121", "122", "210", "220"}
        assert (int(village.code[9:]) < 200) == village.name.endswith("社区")
    per_township = townships.annotate(villages=Count("children")).values_list("villages", flat=True)
    assert set(per_township) <= {3, 4, 5, 6}


def test_synthetic_generation_is_deterministic_and_unique() -> None:
    counts = synthetic.KindCounts(jiedao=20, zhen=30, xiang=40)
    first = synthetic.district_townships(district_code="500101", counts=counts, required=(), seed=7, scale="full")
    second = synthetic.district_townships(district_code="500101", counts=counts, required=(), seed=7, scale="full")
    assert first == second
    assert len({t.name for t in first}) == len(first) == 90
    for spec in first:
        assert len({v.name for v in spec.villages}) == len(spec.villages)
        assert 8 <= len(spec.villages) <= 12


def test_full_scale_counts_match_nbs_totals() -> None:
    data = services.region_data()
    profiles = {d.code: d.profile for d in data.districts if d.valid_from <= data.baseline_on}
    counts = synthetic.full_counts(profiles)
    assert len(counts) == 38
    assert sum(c.jiedao for c in counts.values()) == 245
    assert sum(c.zhen for c in counts.values()) == 625
    assert sum(c.xiang for c in counts.values()) == 161


@pytest.mark.django_db
def test_full_scale_tree() -> None:
    summary = services.region_tree_ensure(scale="full", seed=1)
    assert 1031 <= summary.townships <= 1045
    assert summary.villages >= summary.townships * 8


# --- the 2025-11 reform ------------------------------------------------------------------------------


def test_reform_closes_old_districts(loaded: services.RegionTreeSummary) -> None:
    for code in ("500105", "500112"):
        old = Region.objects.get(code=code)
        assert old.valid_to == date(2025, 11, 5)
        assert selectors.region_by_code(code=code, on=BEFORE) == old
        assert selectors.region_by_code(code=code, on=date(2025, 11, 5)) == old
        assert selectors.region_by_code(code=code, on=REFORM_ON) is None
        assert selectors.region_by_code(code=code) is None
        assert not Region.objects.filter(parent=old).exists()
        abolish = RegionChange.objects.get(region=old, kind=RegionChangeKind.ABOLISH)
        assert (abolish.on, abolish.to_region) == (REFORM_ON, current("500157"))
    create = RegionChange.objects.get(kind=RegionChangeKind.CREATE)
    assert (create.region.code, create.on, create.confirmed) == ("500157", REFORM_ON, False)
    assert selectors.region_by_code(code="500157", on=BEFORE) is None


def test_reform_moves_townships(loaded: services.RegionTreeSummary) -> None:
    liangjiang, beibei = current("500157"), current("500109")
    for name in YUBEI_TO_BEIBEI:
        assert township(name).parent == beibei
        assert township(name).code.startswith("500112")
    for name in BEIBEI_TO_LIANGJIANG:
        assert township(name).parent == liangjiang
        assert township(name).code.startswith("500109")
    prefixes = {code[:6] for code in Region.objects.filter(parent=liangjiang).values_list("code", flat=True)}
    assert prefixes == {"500105", "500112", "500109"}
    assert Region.objects.filter(parent=beibei).exclude(name__in=YUBEI_TO_BEIBEI).exists()
    transfers = RegionChange.objects.filter(kind=RegionChangeKind.TRANSFER)
    assert transfers.count() == Region.objects.filter(
        level=RegionLevel.TOWNSHIP, code__regex=r"^(500105|500112)"
    ).count() + len(BEIBEI_TO_LIANGJIANG)


def test_moved_township_keeps_code_and_follows_new_path(loaded: services.RegionTreeSummary) -> None:
    moved = Region.objects.filter(level=RegionLevel.TOWNSHIP, code__startswith="500105").first()
    assert moved is not None
    liangjiang = current("500157")
    assert moved.path == f"{liangjiang.path}{moved.id}/"
    village = Region.objects.filter(parent=moved).first()
    assert village is not None
    assert village.path.startswith(liangjiang.path)
    assert selectors.region_parent_as_of(region=moved, on=BEFORE) == Region.objects.get(code="500105")
    assert selectors.region_parent_as_of(region=moved, on=REFORM_ON) == liangjiang
    assert selectors.region_parent_as_of(region=moved, on=AFTER) == liangjiang
    assert selectors.region_parent_as_of(region=village, on=BEFORE) == moved
    history = list(selectors.region_history(region=moved))
    assert [(c.kind, c.from_region.code if c.from_region else None) for c in history] == [("transfer", "500105")]


def test_children_as_of_a_date(loaded: services.RegionTreeSummary, actor_at: Callable[..., Actor]) -> None:
    actor = actor_at("500000")
    root = current("500000")
    assert selectors.region_children(actor=actor, region=root).count() == 37
    assert selectors.region_children(actor=actor, region=root, on=BEFORE).count() == 38
    jiangbei = selectors.region_get(actor=actor, code="500105", on=BEFORE)
    old_children = selectors.region_children(actor=actor, region=jiangbei, on=BEFORE)
    assert old_children.count() > 0
    assert {c.code[:6] for c in old_children} == {"500105"}
    beibei = current("500109")
    names_before = set(selectors.region_children(actor=actor, region=beibei, on=BEFORE).values_list("name", flat=True))
    names_now = set(selectors.region_children(actor=actor, region=beibei).values_list("name", flat=True))
    assert set(BEIBEI_TO_LIANGJIANG) <= names_before
    assert not set(YUBEI_TO_BEIBEI) & names_before
    assert set(YUBEI_TO_BEIBEI) <= names_now
    assert not set(BEIBEI_TO_LIANGJIANG) & names_now


def test_region_get_as_of(loaded: services.RegionTreeSummary, actor_at: Callable[..., Actor]) -> None:
    actor = actor_at("500000")
    assert selectors.region_get(actor=actor, code="500105", on=BEFORE).name == "江北区"
    with pytest.raises(NotFound):
        selectors.region_get(actor=actor, code="500105")
    with pytest.raises(NotFound):
        selectors.region_get(actor=actor, code="500157", on=BEFORE)
    with pytest.raises(NotFound):
        selectors.region_get(actor=actor, code="999999")


def test_region_history_of_district(loaded: services.RegionTreeSummary) -> None:
    kinds = [c.kind for c in selectors.region_history(region=current("500157"))]
    assert kinds[0] in {"create", "abolish"}
    assert {"create", "abolish", "transfer"} <= set(kinds)


# --- paths --------------------------------------------------------------------------------------------


def test_paths_rebuild_is_set_based(loaded: services.RegionTreeSummary) -> None:
    expected = dict(Region.objects.values_list("id", "path"))
    Region.objects.update(path="")
    with CaptureQueriesContext(connection) as queries:
        services.region_paths_rebuild()
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == len(services.LEVEL_ORDER) + 1
    assert dict(Region.objects.values_list("id", "path")) == expected
    for region in Region.objects.select_related("parent").filter(parent__isnull=False)[:300]:
        assert region.parent is not None
        assert region.path == f"{region.parent.path}{region.id}/"
    assert current("500000").path == f"/{current('500000').id}/"


# --- scope ----------------------------------------------------------------------------------------------


def test_selectors_keep_to_actor_scope(loaded: services.RegionTreeSummary, actor_at: Callable[..., Actor]) -> None:
    beibei = current("500109")
    actor = actor_at("500109", Role.DISTRICT_APPROVER)
    assert selectors.region_get(actor=actor, code="500109") == beibei
    # Scope follows the path, not the code: a former 渝北 town is 北碚's, a former 北碚 street is not.
    assert selectors.region_get(actor=actor, code=township("大湾镇").code).parent == beibei
    with pytest.raises(NotFound):
        selectors.region_get(actor=actor, code=township("水土街道").code)
    with pytest.raises(NotFound):
        selectors.region_get(actor=actor, code="500157")
    with pytest.raises(NotFound):
        selectors.region_children(actor=actor, region=current("500157"))
    with pytest.raises(NotFound):
        selectors.region_subtree(actor=actor, region=current("500106"))
    subtree = selectors.region_subtree(actor=actor, region=beibei)
    assert subtree.count() > 10
    assert all(path.startswith(beibei.path) for path in subtree.values_list("path", flat=True))


def test_ancestors_are_visible_but_not_their_other_children(
    loaded: services.RegionTreeSummary, actor_at: Callable[..., Actor]
) -> None:
    town = township("大湾镇")
    actor = actor_at(town.code, Role.TOWNSHIP_CASEWORKER)
    assert selectors.region_get(actor=actor, code="500109").name == "北碚区"
    assert selectors.region_get(actor=actor, code="500000").name == "重庆市"
    assert [r.code for r in selectors.region_children(actor=actor, region=current("500109"))] == [town.code]
    assert selectors.region_subtree(actor=actor, region=current("500109")).first() == town
    with pytest.raises(NotFound):
        selectors.region_get(actor=actor, code=township("统景镇").code)


# --- file import ----------------------------------------------------------------------------------------


def write_csv(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "regions.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def good_rows() -> str:
    return (
        HEADER
        + "500101050,高笋塘街道,500101,,2001-01-01\n"
        + "500101050001,白岩社区,500101050,111,\n"
        + "500101050200,太白村,500101050,220,\n"
    )


def test_import_good_file(loaded: services.RegionTreeSummary, tmp_path: Path) -> None:
    summary = importing.regions_import(path=write_csv(tmp_path, good_rows()))
    assert (summary.rows, summary.created, summary.updated, summary.unchanged) == (3, 3, 0, 0)
    street = current("500101050")
    assert (street.level, street.synthetic, street.valid_from, street.parent) == (
        RegionLevel.TOWNSHIP,
        False,
        date(2001, 1, 1),
        current("500101"),
    )
    village = current("500101050200")
    assert (village.level, village.urban_rural_class, village.valid_from) == (
        RegionLevel.VILLAGE,
        "220",
        importing.IMPORT_DEFAULT_VALID_FROM,
    )
    assert village.path == f"{street.path}{village.id}/"
    again = importing.regions_import(path=write_csv(tmp_path, good_rows(), name="again.csv"))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_import_replaces_synthetic_row_and_records_real_renames(
    loaded: services.RegionTreeSummary, tmp_path: Path
) -> None:
    synthetic_town = Region.objects.filter(code__startswith="500101", level=RegionLevel.TOWNSHIP).first()
    assert synthetic_town is not None
    assert synthetic_town.synthetic
    text = HEADER + f"{synthetic_town.code},真实街道,500101,,\n"
    summary = importing.regions_import(path=write_csv(tmp_path, text))
    assert (summary.updated, summary.renamed) == (1, 0)
    synthetic_town.refresh_from_db()
    assert (synthetic_town.name, synthetic_town.synthetic, synthetic_town.confirmed) == (
        "真实街道",
        False,
        True,
    )
    renamed = HEADER + f"{synthetic_town.code},新名街道,500101,,2024-03-01\n"
    summary = importing.regions_import(path=write_csv(tmp_path, renamed, name="rename.csv"))
    assert summary.renamed == 1
    change = RegionChange.objects.get(region=synthetic_town, kind=RegionChangeKind.RENAME)
    assert (change.old_name, change.new_name, change.on) == ("真实街道", "新名街道", date(2024, 3, 1))


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
def test_import_gbk_and_bom(loaded: services.RegionTreeSummary, tmp_path: Path, encoding: str) -> None:
    summary = importing.regions_import(path=write_csv(tmp_path, good_rows(), encoding=encoding))
    assert summary.created == 3
    assert current("500101050").name == "高笋塘街道"


def test_import_rejects_bad_rows_and_writes_nothing(loaded: services.RegionTreeSummary, tmp_path: Path) -> None:
    text = (
        HEADER
        + "50010105X,坏代码街道,500101,,\n"  # row 2: not digits
        + "500102050,错前缀街道,500101,,\n"  # row 3: not under its parent
        + "500101999001,孤儿社区,500101999,111,\n"  # row 4: parent in neither file nor DB
        + "500101050,好街道,500101,999,2024-13-01\n"  # row 5: bad class and date
        + "500101050001,,5001010,,\n"  # row 6: no name, parent not a code
        + f"500101050002,{'长' * 65},500101050,,\n"  # row 7: name too long
    )
    count = Region.objects.count()
    with pytest.raises(InvalidInput) as caught:
        importing.regions_import(path=write_csv(tmp_path, text))
    error = caught.value
    assert [(e.path, e.code) for e in error.field_errors()] == [
        ("rows[2].区划代码", "import.digits"),
        ("rows[3].区划代码", "region_import.parent_prefix"),
        ("rows[4].上级代码", "region_import.parent_unknown"),
        ("rows[5].城乡分类代码", "region_import.urban_rural_class"),
        ("rows[5].生效日期", "import.date"),
        ("rows[6].名称", "import.required"),
        ("rows[6].上级代码", "import.digits"),
        ("rows[7].名称", "import.too_long"),
    ]
    assert (error.code, str(error.message)) == ("import.invalid_rows", "共 6 行未通过校验，未写入任何数据")
    assert error.extra["error_file"] is None
    issues: list[RowIssue] = error.extra["issues"]
    assert issues[0].text() == "行 2，列 区划代码：应为9/12位数字"
    assert issues[1].text() == "行 3，列 区划代码：区划代码 500102050 须以上级代码 500101 开头"
    assert issues[2].text() == "行 4，列 上级代码：上级区划不存在：500101999"
    assert Region.objects.count() == count


def test_import_rejects_missing_columns_and_duplicates(loaded: services.RegionTreeSummary, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as caught:
        importing.regions_import(path=write_csv(tmp_path, "区划代码,名称\n500101050,某街道\n"))
    assert (caught.value.code, caught.value.field, str(caught.value.message)) == (
        "import.missing_column",
        "上级代码",
        "缺少必填列“上级代码”",
    )
    duplicate = HEADER + "500101050,甲街道,500101,,\n500101050,乙街道,500101,,\n"
    with pytest.raises(InvalidInput) as caught:
        importing.regions_import(path=write_csv(tmp_path, duplicate, name="dup.csv"))
    assert [issue.text() for issue in caught.value.extra["issues"]] == ["行 3，列 区划代码：区划代码与第 2 行重复"]
    assert [e.code for e in caught.value.field_errors()] == ["region_import.code_duplicate"]


def write_xlsx(path: Path, rows: list[list[Any]], header: tuple[str, ...] = COLUMNS) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in [list(header), *rows]:
        sheet.append(row)
    workbook.save(path)
    return path


def test_import_xlsx(loaded: services.RegionTreeSummary, tmp_path: Path) -> None:
    """Codes typed as numbers, a date cell, and a template's "*" on required headers, as Excel users send."""
    header = ("区划代码*", "名称*", "上级代码*", "城乡分类代码", "生效日期")
    rows: list[list[Any]] = [
        [500101050, "高笋塘街道", 500101, None, datetime(2001, 1, 1)],
        [500101050001, "白岩社区", 500101050, 111, None],
        [],  # an empty row is skipped but keeps its number
        [500101050200, "太白村", 500101050, "220", "2003/4/5"],
    ]
    summary = importing.regions_import(path=write_xlsx(tmp_path / "regions.xlsx", rows, header))
    assert (summary.rows, summary.created) == (3, 3)
    assert current("500101050").valid_from == date(2001, 1, 1)
    assert (current("500101050001").urban_rural_class, current("500101050200").valid_from) == ("111", date(2003, 4, 5))
    assert current("500101050200").parent == current("500101050")
    again = importing.regions_import(path=write_csv(tmp_path, good_rows()))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)  # a row without a date keeps the stored one


def test_import_xlsx_reports_the_rows_of_the_sheet(loaded: services.RegionTreeSummary, tmp_path: Path) -> None:
    rows: list[list[Any]] = [[500101050, "高笋塘街道", 500101], [], [500101050001, "白岩社区", 500101051]]
    with pytest.raises(InvalidInput) as caught:
        importing.regions_import(path=write_xlsx(tmp_path / "regions.xlsx", rows, COLUMNS[:3]))
    assert [e.path for e in caught.value.field_errors()] == ["rows[4].区划代码"]


def test_import_error_file_lists_failing_rows_and_can_be_corrected(
    loaded: services.RegionTreeSummary, tmp_path: Path
) -> None:
    text = good_rows() + "500101050300,坏分类村,500101050,999,\n"
    report = tmp_path / "errors.csv"
    with pytest.raises(InvalidInput) as caught:
        importing.regions_import(path=write_csv(tmp_path, text), error_file=report)
    assert caught.value.extra["error_file"] == str(report)
    assert not Region.objects.filter(code__startswith="500101050").exists()
    table = read_table(report)
    assert table.headers == ("行号", *COLUMNS, "错误原因")
    [row] = table.rows
    assert row.cells[:3] == ("5", "500101050300", "坏分类村")
    assert row.cells[-1].startswith("列 城乡分类代码：城乡分类代码须为以下之一：111、")
    # The report keeps the source columns, so the corrected rows import as they are (行号 and 错误原因 are ignored).
    fixed = report.read_text(encoding="utf-8-sig").replace(",999,", ",220,")
    importing.regions_import(path=write_csv(tmp_path, good_rows(), name="first.csv"))
    summary = importing.regions_import(path=write_csv(tmp_path, fixed, name="fixed.csv"))
    assert (summary.rows, summary.created) == (1, 1)
    assert current("500101050300").urban_rural_class == "220"


def test_import_pre_reform_list_follows_the_reform(loaded: services.RegionTreeSummary, tmp_path: Path) -> None:
    text = HEADER + "500105050,观音桥街道,500105,,\n500105050001,北城社区,500105050,111,\n"
    importing.regions_import(path=write_csv(tmp_path, text))
    street = current("500105050")
    assert street.parent == current("500157")
    assert selectors.region_parent_as_of(region=street, on=BEFORE) == Region.objects.get(code="500105")
    again = importing.regions_import(path=write_csv(tmp_path, text, name="again.csv"))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert current("500105050").parent == current("500157")


# --- commands -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_load_regions_command(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("load_regions", "--seed", "3")
    assert "现行 37 个" in capsys.readouterr().out
    call_command("load_regions", "--seed", "3")
    assert "本次新增区划 0 条" in capsys.readouterr().out


def test_import_regions_command(
    loaded: services.RegionTreeSummary, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("import_regions", str(write_csv(tmp_path, good_rows())))
    assert "新增 3 条" in capsys.readouterr().out
    bad = write_csv(tmp_path, HEADER + "500102050,错前缀街道,500101,,\n", name="bad.csv")
    with pytest.raises(CommandError) as caught:
        call_command("import_regions", str(bad))
    assert (caught.value.returncode, str(caught.value)) == (1, "共 1 行未通过校验，未写入任何数据")
    assert "行 2，列 区划代码：区划代码 500102050 须以上级代码 500101 开头" in capsys.readouterr().err
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("import_regions", str(tmp_path / "missing.csv"))


def test_import_regions_command_writes_error_file(
    loaded: services.RegionTreeSummary, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows: list[list[Any]] = [[500101050, "高笋塘街道", 500101, None, "2001-13-01"], [50010105, "短代码", 500101]]
    path = write_xlsx(tmp_path / "regions.xlsx", rows)
    report = tmp_path / "out" / "errors.xlsx"
    count = Region.objects.count()
    with pytest.raises(CommandError) as caught:
        call_command("import_regions", str(path), "--errors", str(report))
    assert str(caught.value) == f"共 2 行未通过校验，未写入任何数据；错误报告：{report}"
    assert capsys.readouterr().err.splitlines() == [
        "行 2，列 生效日期：日期格式无效，应为 YYYY-MM-DD",
        "行 3，列 区划代码：应为9/12位数字",
    ]
    table = read_table(report)
    assert table.headers == ("行号", *COLUMNS, "错误原因")
    assert [(row.cells[0], row.cells[1], row.cells[-1]) for row in table.rows] == [
        ("2", "500101050", "列 生效日期：日期格式无效，应为 YYYY-MM-DD"),
        ("3", "50010105", "列 区划代码：应为9/12位数字"),
    ]
    assert Region.objects.count() == count
    with pytest.raises(CommandError, match=r"错误报告文件须为 \.xlsx 或 \.csv"):
        call_command("import_regions", str(path), "--errors", str(tmp_path / "errors.txt"))


# --- API ------------------------------------------------------------------------------------------------


@pytest.fixture
def client_at(staff_at: Callable[..., User]) -> Callable[..., Client]:
    def build(code: str, role: str = Role.CITY_ANALYST) -> Client:
        client = Client()
        client.force_login(staff_at(code, role), backend="django.contrib.auth.backends.ModelBackend")
        return client

    return build


def test_api_region_detail(loaded: services.RegionTreeSummary, client_at: Callable[..., Client]) -> None:
    client = client_at("500000")
    body = client.get("/api/v1/regions/500105", {"on": "2025-01-01"}).json()
    assert (body["code"], body["name"], body["valid_to"], body["parent_code"]) == (
        "500105",
        "江北区",
        "2025-11-05",
        "500000",
    )
    assert body["children_count"] > 0
    assert body["history"][0]["kind"] == "abolish"
    assert body["history"][0]["to_code"] == "500157"
    missing = client.get("/api/v1/regions/500105")
    assert missing.status_code == 404
    assert missing.json()["code"] == "region.not_found"
    assert client.get("/api/v1/regions/50010X").status_code == 422


def test_api_region_children(loaded: services.RegionTreeSummary, client_at: Callable[..., Client]) -> None:
    client = client_at("500000")
    response = client.get("/api/v1/regions/500157/children")
    assert response.status_code == 200
    codes = {row["code"][:6] for row in response.json()}
    assert codes == {"500105", "500112", "500109"}
    before = client.get("/api/v1/regions/500109/children", {"on": "2025-01-01"}).json()
    assert set(BEIBEI_TO_LIANGJIANG) <= {row["name"] for row in before}
    assert client.get("/api/v1/regions/500157/children", {"on": "2025-01-01"}).status_code == 404


def test_api_scope_and_auth(loaded: services.RegionTreeSummary, client_at: Callable[..., Client]) -> None:
    client = client_at("500109", Role.DISTRICT_APPROVER)
    assert client.get("/api/v1/regions/500109").status_code == 200
    assert client.get("/api/v1/regions/500157").status_code == 404
    assert client.get("/api/v1/regions/500157/children").status_code == 404
    assert Client().get("/api/v1/regions/500109").status_code == 401


def test_api_schema_has_operation_ids() -> None:
    from minzheng.api import api

    schema = json.dumps(api.get_openapi_schema())
    assert '"operationId": "region_get"' in schema
    assert '"operationId": "region_children"' in schema
