"""`minzheng import-regions FILE.xlsx|FILE.csv [--errors OUT.xlsx]`: import a real township/village list.

Columns: 区划代码, 名称, 上级代码, 城乡分类代码 (optional), 生效日期 (optional); .xlsx, or .csv in UTF-8 (with or
without BOM) or GBK. Every row is checked first; on any error nothing is written, each error is printed with its
row, column and reason (and the failing rows go to `--errors`), and the command exits 1.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from minzheng.core.errors import ApplicationError
from minzheng.core.imports import issue_lines
from minzheng.core.regions.importing import regions_import


class Command(BaseCommand):
    help = (
        "Import townships and villages from an .xlsx or .csv file (区划代码, 名称, 上级代码, 城乡分类代码, 生效日期)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help=".xlsx or .csv (UTF-8, UTF-8 with BOM, or GBK)")
        parser.add_argument("--errors", type=Path, help="write rejected rows and reasons here (.xlsx or .csv)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = regions_import(path=options["file"], error_file=options["errors"])
        except ApplicationError as error:
            for line in issue_lines(error.extra.get("issues", [])):
                self.stderr.write(line)
            report = error.extra.get("error_file")
            detail = _("；错误报告：%(file)s") % {"file": report} if report else ""
            raise CommandError(str(error.message) + detail) from None
        self.stdout.write(
            _(
                "导入完成：共 %(rows)d 行，新增 %(created)d 条，更新 %(updated)d 条，"
                "未变 %(unchanged)d 条，更名 %(renamed)d 条。"
            )
            % asdict(summary)
        )
