"""Read a year's holiday schedule from a spreadsheet or CSV an administrator types from the State Council notice.

Columns: 日期 (YYYY-MM-DD), 类别 (节假日 / 调休上班), 名称 (e.g. 春节; optional). Every row is checked and all
errors are reported at once, by row number and column.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from minzheng.core.calendar.models import CalendarDayKind
from minzheng.core.calendar.services import CalendarDayInput
from minzheng.core.errors import FieldError, InvalidInput
from minzheng.core.imports.readers import read_table

COLUMNS = {"日期": "day", "类别": "kind", "名称": "name"}
KIND_WORDS = {
    "节假日": CalendarDayKind.HOLIDAY,
    "法定节假日": CalendarDayKind.HOLIDAY,
    "放假": CalendarDayKind.HOLIDAY,
    "holiday": CalendarDayKind.HOLIDAY,
    "调休上班": CalendarDayKind.WORKDAY,
    "调休上班日": CalendarDayKind.WORKDAY,
    "上班": CalendarDayKind.WORKDAY,
    "workday": CalendarDayKind.WORKDAY,
}


def calendar_days_read(path: Path) -> list[CalendarDayInput]:
    table = read_table(path)
    missing = [name for name in ("日期", "类别") if name not in table.headers]
    if missing:
        message = _("缺少列：%(columns)s（应为 日期、类别、名称）") % {"columns": "、".join(missing)}
        raise InvalidInput("calendar.columns", message, field="file")
    index = {COLUMNS[name]: table.headers.index(name) for name in COLUMNS if name in table.headers}
    days, errors = [], []
    for row in table.rows:
        cells = row.cells
        day_text, kind_text = cells[index["day"]].strip(), cells[index["kind"]].strip()
        name = cells[index["name"]].strip() if "name" in index else ""
        try:
            day = date.fromisoformat(day_text)
        except ValueError:
            errors.append(FieldError(f"第{row.number}行.日期", "calendar.day", _("日期应为 YYYY-MM-DD")))
            continue
        kind = KIND_WORDS.get(kind_text.lower())
        if kind is None:
            errors.append(FieldError(f"第{row.number}行.类别", "calendar.kind", _("类别应为“节假日”或“调休上班”")))
            continue
        days.append(CalendarDayInput(day=day, kind=kind, name=name))
    if errors:
        raise InvalidInput("input.invalid", _("节假日安排文件有误"), extra={"errors": errors})
    return days
