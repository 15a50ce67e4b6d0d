"""`minzheng import-regions FILE.csv`: import a real township/village list.

Columns: 区划代码, 名称, 上级代码, 城乡分类代码 (optional), 生效日期 (optional); UTF-8 (with or without BOM)
or GBK. Every row is checked first; on any error nothing is written, each error is printed with its row,
column and reason, and the command exits non-zero.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from minzheng.core.errors import ApplicationError, FieldError
from minzheng.core.regions.importing import regions_import_csv

_ROW_PATH = re.compile(r"^row (?P<row>\d+)\.(?P<column>.+)$")


class Command(BaseCommand):
    help = "Import townships and villages from a CSV file (区划代码, 名称, 上级代码, 城乡分类代码, 生效日期)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="CSV file, UTF-8 or GBK")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(_("文件不存在：%(path)s") % {"path": path})
        try:
            summary = regions_import_csv(path=path)
        except ApplicationError as exc:
            for error in exc.field_errors():
                self.stderr.write(_describe(error))
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(
            _(
                "导入完成：共 %(rows)d 行，新增 %(created)d 条，更新 %(updated)d 条，"
                "未变 %(unchanged)d 条，更名 %(renamed)d 条。"
            )
            % {
                "rows": summary.rows,
                "created": summary.created,
                "updated": summary.updated,
                "unchanged": summary.unchanged,
                "renamed": summary.renamed,
            }
        )


def _describe(error: FieldError) -> str:
    match = _ROW_PATH.match(error.path)
    if match is None:
        return str(error.message)
    return _("第 %(row)s 行，%(column)s：%(message)s") % {**match.groupdict(), "message": error.message}
