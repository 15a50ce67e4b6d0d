"""Household import (issue §4): one row per person, grouped into households by 户编号.

Every row is checked before anything is written: the person's fields through `person_fields_validate` (the
same rules as the forms), then the file as a whole (duplicate ID numbers, one head per household) and the file
against the database (a person in another household, a household registered in another village). Any failure
rejects the file; with `skip_invalid` only whole households without a failure are written, because importing
half a household would leave a family assessed without some of its members.

Writing is set-based, in one transaction, keyed on 公民身份号码 (persons) and 户编号 (households), so
importing the same file again writes nothing. Relation changes, hukou moves and members leaving are not done
by import: they are dated legal facts, recorded through the membership services.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrPromise

from minzheng.core.access.actor import Actor
from minzheng.core.audit.services import audit_record
from minzheng.core.errors import Conflict, InvalidInput
from minzheng.core.imports import (
    Column,
    ParsedRow,
    RowIssue,
    error_file_check,
    file_sha256,
    invalid_rows_error,
    parse_rows,
    parsers,
    read_table,
    write_error_file,
)
from minzheng.core.imports.batches import import_batch_find, import_batch_record
from minzheng.core.imports.groups import clean_groups, group_rows, rejected_rows
from minzheng.core.imports.writing import Upserted, chunks, objects_by_key, upsert_by_key
from minzheng.core.regions.models import Region, RegionLevel
from minzheng.registry.codes import ETHNIC_GROUPS
from minzheng.registry.models import Household, HouseholdMember, HukouType, Person, Relation, WorkAbility
from minzheng.registry.services import PersonInput, person_fields_validate

Progress = Callable[[int, int], None]
Groups = dict[str, list[ParsedRow]]

IMPORTER = "registry.households"  # ImportBatch key

# GB/T 4761-2008 names as written in the 户口簿, mapped to the top-level codes the registry stores.
RELATION_NAMES = {
    "户主": "02", "配偶": "10", "夫": "10", "妻": "10", "丈夫": "10", "妻子": "10", "子": "20", "儿子": "20",
    "女": "30", "女儿": "30", "孙子女或外孙子女": "40", "孙子": "40", "孙女": "40", "外孙子": "40",
    "外孙女": "40", "父母": "50", "父亲": "50", "母亲": "50", "祖父母或外祖父母": "60", "祖父": "60",
    "祖母": "60", "外祖父": "60", "外祖母": "60", "兄弟姐妹": "70", "兄": "70", "弟": "70", "姐": "70",
    "妹": "70", "其他亲属": "80", "非亲属": "99",
}  # fmt: skip
HUKOU_TYPES = {
    "城镇": HukouType.URBAN, "非农业": HukouType.URBAN, "URBAN": HukouType.URBAN,
    "农村": HukouType.RURAL, "农业": HukouType.RURAL, "RURAL": HukouType.RURAL,
}  # fmt: skip
WORK_ABILITIES = {
    "有劳动能力": WorkAbility.FULL, "部分丧失劳动能力": WorkAbility.PARTIAL, "无劳动能力": WorkAbility.NONE,
    "完全丧失劳动能力": WorkAbility.NONE, "FULL": WorkAbility.FULL, "PARTIAL": WorkAbility.PARTIAL,
    "NONE": WorkAbility.NONE,
}  # fmt: skip
ETHNIC_NAMES = {name: code for code, name in ETHNIC_GROUPS.items()} | {
    name.removesuffix("族"): code for code, name in ETHNIC_GROUPS.items() if name.endswith("族")
}

# Reasons for the checks this module adds to the per-field ones; {placeholders} are filled per row.
MESSAGES: dict[str, StrPromise] = {
    "member.relation": _("与户主关系无效，应为 GB/T 4761 代码（如 02、10、20）或名称（如 户主、配偶、子、女）"),
    "person.ethnic_group": _("民族应为 GB 3304 代码（如 01）或名称（如 汉族）"),
    "household.hukou_type": _("户口性质应为“城镇”或“农村”"),
    "person.work_ability": _("劳动能力应为“有劳动能力”“部分丧失劳动能力”或“无劳动能力”"),
    "import.date_future": _("入户日期不能晚于今天"),
    "member.before_birth": _("入户日期早于出生日期"),
    "import.duplicate_id": _("公民身份号码与第 {rows} 行重复"),
    "household.head_many": _("同一户有多名户主（第 {rows} 行）"),
    "household.head_missing": _("该户没有户主（与户主关系为 02）"),
    "household.region_level": _("户主的户籍地须为村（社区）级区划代码（12位），家庭登记在该村（社区）"),
    "household.hukou_type_mismatch": _("户口性质与户主所在行不一致"),
    "member.deceased": _("该人员已登记死亡，不能加入家庭"),
    "import.hukou_changed": _("与已登记的户籍地不一致；户籍迁移请通过人员变更办理"),
    "member.other_household": _("该人员已是其他家庭的现有成员"),
    "member.other_household_named": _("该人员已是其他家庭（户编号 {number}）的现有成员"),
    "import.relation_changed": _("与户主关系和已登记的不一致；关系变更请通过家庭成员变更办理"),
    "household.region_mismatch": _("该户编号已登记在其他村（社区），与户主户籍地不一致"),
    "household.head_exists": _("该户已登记其他户主；变更户主请通过家庭成员变更办理"),
    "household.rejected": _("同户（户编号 {number}）其他行未通过校验，整户未导入"),
}


def parse_relation(raw: str) -> str:
    """A GB/T 4761 name or code; detailed codes (11 夫, 21 独生子, 51 父亲 …) fold into their group."""
    value = parsers.normalize(raw)
    if value in RELATION_NAMES:
        return RELATION_NAMES[value]
    code = value.zfill(2) if re.fullmatch(r"[0-9]{1,2}", value) else ""
    if code in Relation.values:
        return code
    if code and code[0] in "12345678":
        return code[0] + "0"
    raise InvalidInput("member.relation", MESSAGES["member.relation"])


def parse_ethnic_group(raw: str) -> str:
    """A GB 3304 code (1 or 01) or name (汉族 or 汉)."""
    value = parsers.normalize(raw)
    code = value.zfill(2) if value.isdigit() else ETHNIC_NAMES.get(value, "")
    if code not in ETHNIC_GROUPS:
        raise InvalidInput("person.ethnic_group", MESSAGES["person.ethnic_group"])
    return code


def _choice(options: Mapping[str, str], code: str) -> Callable[[str], str]:
    return parsers.choice(options, code, MESSAGES[code])


HOUSEHOLD_COLUMNS: tuple[Column, ...] = (
    Column("户编号", "household_number", parsers.text(32)),
    Column("与户主关系", "relation", parse_relation, aliases=("户主关系",)),
    Column("姓名", "name", parsers.text(64)),
    Column("公民身份号码", "id_number", parsers.text(32), aliases=("身份证号码", "身份证号")),
    Column("民族", "ethnic_group", parse_ethnic_group),
    Column("联系电话", "phone", parsers.text(32), required=False),
    Column("户籍地区划代码", "hukou_region_code", parsers.digits(12, 9)),
    Column("居住地区划代码", "residence_region_code", parsers.digits(12, 9), required=False),
    Column("户口性质", "hukou_type", _choice(HUKOU_TYPES, "household.hukou_type")),
    Column("住址", "address", parsers.text(255), required=False),
    Column("劳动能力", "work_ability", _choice(WORK_ABILITIES, "person.work_ability"), required=False),
    Column("重病", "serious_illness", parsers.yes_no, required=False),
    Column("入户日期", "valid_from", parsers.calendar_date, required=False),
)
HEADERS = {column.field: column.header for column in HOUSEHOLD_COLUMNS}
# Columns an import may change on a person already registered → model field. The ID number (and with it sex
# and birth date) is the key; the hukou region changes only by a recorded move.
UPDATABLE = {
    "name": "name", "phone": "phone", "ethnic_group": "ethnic_group", "work_ability": "work_ability",
    "serious_illness": "serious_illness", "residence_region_code": "residence_region",
}  # fmt: skip


@dataclass(frozen=True)
class ImportResult:
    """What an import did: rows taken and rejected; per entity, how many created, updated or unchanged."""

    file_sha256: str
    rows_total: int
    rows_imported: int
    rows_rejected: int
    households_created: int = 0
    households_updated: int = 0
    households_unchanged: int = 0
    persons_created: int = 0
    persons_updated: int = 0
    persons_unchanged: int = 0
    members_created: int = 0
    error_file: Path | None = None
    repeated_from: str | None = None  # when this content was imported before: that import's time, nothing written

    @property
    def changed(self) -> bool:
        """False for a re-import of a file already imported: nothing was created or updated."""
        if self.repeated_from is not None:
            return False
        households = self.households_created + self.households_updated
        return households + self.persons_created + self.persons_updated + self.members_created > 0


@dataclass
class _Batch:
    """The file's rows, their validated person fields (by row number) and every issue found so far."""

    scope_path: str
    rows: list[ParsedRow]
    issues: list[RowIssue]
    persons: dict[int, dict[str, Any]] = field(default_factory=dict)
    households: Groups = field(default_factory=dict)
    regions: dict[str, Region] = field(default_factory=dict)  # each region code looked up once per file

    def flag(self, row: int, column_field: str, code: str, **params: object) -> None:
        """Record an issue with the message of `code`; a "…_named" variant only adds details to it."""
        message = format_lazy(MESSAGES[code], **params) if params else MESSAGES[code]
        self.issues.append(RowIssue(row, HEADERS[column_field], code.removesuffix("_named"), message))


def households_import(
    *, actor: Actor, path: Path, skip_invalid: bool = False, error_file: Path | None = None,
    progress: Progress | None = None,
) -> ImportResult:  # fmt: skip
    """Import a household file; raises InvalidInput listing every failure unless `skip_invalid`.

    `error_file` (.xlsx or .csv) receives the rejected rows with their reasons; `progress(done, total)` is
    called while rows are validated, for the command's progress bar.
    """
    actor.require("registry.import")
    error_file_check(error_file)
    earlier = import_batch_find(actor=actor, importer=IMPORTER, sha256=file_sha256(path))
    if earlier is not None:
        return ImportResult(
            **earlier.result, repeated_from=f"{timezone.localtime(earlier.created_at):%Y-%m-%d %H:%M:%S}"
        )
    table = read_table(path)
    batch = _validate(actor, *parse_rows(table, HOUSEHOLD_COLUMNS), progress=progress)
    report = _report(batch, table.headers, error_file, whole_households=skip_invalid)
    if batch.issues and not skip_invalid:
        raise invalid_rows_error(batch.issues, error_file=str(report) if report else None)
    accepted = clean_groups(batch.households, batch.issues)
    imported = sum(len(rows) for rows in accepted.values())
    rows_rejected = len(batch.rows) - imported
    summary = {"rows_total": len(batch.rows), "rows_imported": imported, "rows_rejected": rows_rejected}
    digest, counts = _write(actor=actor, batch=batch, accepted=accepted, path=path, summary=summary)
    values: dict[str, Any] = {"file_sha256": digest, **summary, **counts}
    return ImportResult(**values, error_file=report)


def _report(batch: _Batch, headers: Sequence[str], path: Path | None, *, whole_households: bool) -> Path | None:
    """The error file: failing rows; when valid households are written, also the rest of each rejected one."""
    if path is None or not batch.issues:
        return None
    groups = batch.households if whole_households else None
    rows = rejected_rows(batch.rows, batch.issues, groups=groups, group_reason=_household_rejected)
    return write_error_file(path, headers=headers, rows=rows)


def _household_rejected(number: str) -> Promise:
    return format_lazy(MESSAGES["household.rejected"], number=number)


# ---------------------------------------------------------------------------------------------------------
# Validation: each row, then the file as a whole, then the file against the database.
# ---------------------------------------------------------------------------------------------------------


def _validate(actor: Actor, rows: list[ParsedRow], issues: list[RowIssue], *, progress: Progress | None) -> _Batch:
    batch = _Batch(scope_path=actor.scope_path, rows=rows, issues=issues)
    today = timezone.localdate()
    for done, row in enumerate(rows, start=1):
        _validate_person(actor, batch, row, today)
        if progress is not None:
            progress(done, len(rows))
    _check_duplicate_ids(batch)
    batch.households = group_rows(rows, "household_number")
    for members in batch.households.values():
        _check_household(batch, members)
    _check_against_database(batch)
    return batch


def _validate_person(actor: Actor, batch: _Batch, row: ParsedRow, today: date) -> None:
    """The registry's field rules; placeholders stand in for cells already reported, so more issues show."""
    values = row.values
    if "id_number" not in values or "hukou_region_code" not in values:
        return
    data = PersonInput(
        id_number=values["id_number"], hukou_region_code=values["hukou_region_code"],
        name=values.get("name", "-"), residence_region_code=values.get("residence_region_code", ""),
        ethnic_group=values.get("ethnic_group", "01"), phone=values.get("phone", ""),
        work_ability=values.get("work_ability", WorkAbility.FULL),
        serious_illness=values.get("serious_illness", False),
    )  # fmt: skip
    try:
        fields = person_fields_validate(data, actor=actor, region_cache=batch.regions)
    except InvalidInput as error:
        column = HEADERS.get(error.field or "", HEADERS["id_number"])
        batch.issues.append(RowIssue(row.number, column, error.code, error.message))
        return
    batch.persons[row.number] = fields
    joined = values.get("valid_from")
    if joined is not None and joined > today:
        batch.flag(row.number, "valid_from", "import.date_future")
    elif joined is not None and joined < fields["birth_on"]:
        batch.flag(row.number, "valid_from", "member.before_birth")


def _check_duplicate_ids(batch: _Batch) -> None:
    """A person appears once in a file: each copy of a repeated ID number names the other rows."""
    rows_by_id: dict[str, list[int]] = defaultdict(list)
    for number, fields in batch.persons.items():
        rows_by_id[fields["id_number"]].append(number)
    for numbers in rows_by_id.values():
        for number in numbers if len(numbers) > 1 else ():
            others = "、".join(str(other) for other in numbers if other != number)
            batch.flag(number, "id_number", "import.duplicate_id", rows=others)


def _check_household(batch: _Batch, rows: list[ParsedRow]) -> None:
    """Exactly one head; the household's village is the head's hukou village; one hukou type."""
    heads = _heads(rows)
    if len(heads) > 1:
        for head in heads:
            batch.flag(head.number, "relation", "household.head_many", rows="、".join(str(h.number) for h in heads))
    elif not heads and all("relation" in row.values for row in rows):
        for row in rows:
            batch.flag(row.number, "relation", "household.head_missing")
    if len(heads) != 1:
        return
    head = heads[0]
    if head.number in batch.persons and batch.persons[head.number]["hukou_region"].level != RegionLevel.VILLAGE:
        batch.flag(head.number, "hukou_region_code", "household.region_level")
    hukou_type = head.values.get("hukou_type")
    for row in rows:
        if hukou_type and row.values.get("hukou_type", hukou_type) != hukou_type:
            batch.flag(row.number, "hukou_type", "household.hukou_type_mismatch")


def _heads(rows: Sequence[ParsedRow]) -> list[ParsedRow]:
    return [row for row in rows if row.values.get("relation") == Relation.HEAD]


class _Membership(NamedTuple):
    household_number: str
    region_path: str
    relation: str


@dataclass(frozen=True)
class _Registered:
    """What the database already holds for the file's ID numbers and household numbers (set-based reads)."""

    persons: dict[str, Person]
    memberships: dict[str, _Membership]  # current membership by id_number
    households: dict[str, Household]
    heads: dict[str, str]  # household number → id_number of its current head


def _registered(batch: _Batch) -> _Registered:
    ids = sorted({fields["id_number"] for fields in batch.persons.values()})
    numbers = sorted(batch.households)
    current = HouseholdMember.objects.filter(valid_to__isnull=True)
    memberships = current.values_list("person__id_number", "household__number", "household__region__path", "relation")
    heads = current.filter(is_head=True).values_list("household__number", "person__id_number")
    return _Registered(
        persons=objects_by_key(Person.objects.all(), "id_number", ids),
        memberships={
            id_number: _Membership(*rest)
            for chunk in chunks(ids)
            for id_number, *rest in memberships.filter(person__id_number__in=chunk)
        },
        households=objects_by_key(Household.objects.all(), "number", numbers),
        heads={n: i for chunk in chunks(numbers) for n, i in heads.filter(household__number__in=chunk)},
    )


def _check_against_database(batch: _Batch) -> None:
    registered = _registered(batch)
    for number, rows in batch.households.items():
        for row in rows:
            if row.number in batch.persons:
                _check_registered_person(batch, row, number, registered)
        _check_registered_household(batch, number, rows, registered)


def _check_registered_person(batch: _Batch, row: ParsedRow, household_number: str, registered: _Registered) -> None:
    fields = batch.persons[row.number]
    person = registered.persons.get(fields["id_number"])
    if person is not None and person.died_on is not None:
        batch.flag(row.number, "id_number", "member.deceased")
    if person is not None and person.hukou_region_id != fields["hukou_region"].id:
        batch.flag(row.number, "hukou_region_code", "import.hukou_changed")
    membership = registered.memberships.get(fields["id_number"])
    if membership is None:
        return
    if membership.household_number != household_number:
        # Name the other household only when it lies in the actor's own scope: no leak across regions.
        if membership.region_path.startswith(batch.scope_path):
            number = membership.household_number
            batch.flag(row.number, "id_number", "member.other_household_named", number=number)
        else:
            batch.flag(row.number, "id_number", "member.other_household")
    elif membership.relation != row.values.get("relation", membership.relation):
        batch.flag(row.number, "relation", "import.relation_changed")


def _check_registered_household(batch: _Batch, number: str, rows: list[ParsedRow], registered: _Registered) -> None:
    """An existing 户编号 stays in its village, and an import never replaces its current head."""
    household = registered.households.get(number)
    heads = _heads(rows)
    head = batch.persons.get(heads[0].number) if len(heads) == 1 else None
    if household is None or head is None:
        return
    if household.region_id != head["hukou_region"].id:
        for row in rows:
            batch.flag(row.number, "household_number", "household.region_mismatch")
        return
    current_head = registered.heads.get(number)
    if current_head is not None and current_head != head["id_number"]:
        batch.flag(heads[0].number, "relation", "household.head_exists")


# ---------------------------------------------------------------------------------------------------------
# Writing: set-based upserts in one transaction and one audit event for the batch.
# ---------------------------------------------------------------------------------------------------------


def _write(
    *, actor: Actor, batch: _Batch, accepted: Groups, path: Path, summary: dict[str, int]
) -> tuple[str, dict[str, int]]:
    """Upsert persons, then households, then memberships; the audit event lists every person id written."""
    digest = file_sha256(path)
    try:
        with transaction.atomic():
            persons = _persons_upsert(batch, [row for rows in accepted.values() for row in rows])
            households = _households_upsert(batch, accepted)
            members = _members_create(batch, accepted, persons.ids, households.ids)
            counts = {
                **persons.counts("persons"),
                **households.counts("households"),
                "members_created": members,
            }
            written = {
                "persons_created_ids": persons.created,
                "persons_updated_ids": persons.updated,
                "households_created_ids": households.created,
                "households_updated_ids": households.updated,
            }
            region = Region.objects.filter(id=actor.region_id).first()
            detail = {"file": path.name, "sha256": digest, **summary, **counts, **written}
            audit_record(actor=actor, action="registry.import", region=region, detail=detail)
            if summary["rows_rejected"] == 0:
                record = {"file_sha256": digest, **summary, **counts}
                import_batch_record(actor=actor, importer=IMPORTER, sha256=digest, file_name=path.name, result=record)
    except IntegrityError:
        # A concurrent write took a person or a head's place between validation and writing.
        raise Conflict("import.conflict", _("导入期间数据已被他人修改，请重新导入")) from None
    return digest, counts


def _persons_upsert(batch: _Batch, rows: list[ParsedRow]) -> Upserted:
    """Create unknown ID numbers; on registered persons set only the cells filled in (blank keeps a value)."""
    wanted: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    for row in rows:
        fields = batch.persons[row.number]
        changes = {UPDATABLE[name]: fields[UPDATABLE[name]] for name in row.values if name in UPDATABLE}
        wanted[fields["id_number"]] = (fields, changes)
    return upsert_by_key(Person, "id_number", wanted)


def _households_upsert(batch: _Batch, accepted: Groups) -> Upserted:
    """Households by 户编号 in the head's hukou village; hukou type and address (if given) from their row."""
    wanted: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    for number, rows in accepted.items():
        head = _heads(rows)[0]
        changes: dict[str, Any] = {"hukou_type": head.values["hukou_type"]}
        if "address" in head.values:
            changes["address"] = head.values["address"]
        region = batch.persons[head.number]["hukou_region"]
        wanted[number] = ({"number": number, "region": region, **changes}, changes)
    return upsert_by_key(Household, "number", wanted)


def _members_create(batch: _Batch, accepted: Groups, person_ids: dict[str, int], household_ids: dict[str, int]) -> int:
    """A membership for each person not yet a current member of that household, from 入户日期 or today."""
    current_pairs = HouseholdMember.objects.filter(valid_to__isnull=True).values_list("household_id", "person_id")
    current = {
        pair
        for chunk in chunks(sorted(household_ids.values()))
        for pair in current_pairs.filter(household_id__in=chunk)
    }
    today = timezone.localdate()
    new: list[HouseholdMember] = []
    for number, rows in accepted.items():
        for row in rows:
            household_id, person_id = (
                household_ids[number],
                person_ids[batch.persons[row.number]["id_number"]],
            )
            if (household_id, person_id) not in current:
                relation = row.values["relation"]
                new.append(HouseholdMember(household_id=household_id, person_id=person_id, relation=relation,
                                           is_head=relation == Relation.HEAD,
                                           valid_from=row.values.get("valid_from", today)))  # fmt: skip
    HouseholdMember.objects.bulk_create(new, batch_size=500)
    return len(new)
