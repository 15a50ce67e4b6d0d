"""`minzheng calendar seed` fills the holiday table from the `chinesecalendar` package (idempotent);
`minzheng calendar load --year 2027 --file 2027.xlsx --source "国办发明电〔…〕…号"` loads a year an administrator
typed from the State Council notice, so that deadlines reaching into it stop being provisional."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from minzheng.core.calendar.files import calendar_days_read
from minzheng.core.calendar.services import calendar_seed, calendar_year_load
from minzheng.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Seed the holiday table from chinesecalendar (seed), or load one year from a file (load)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["seed", "load"])
        parser.add_argument("--year", type=int, help="load: the year the file describes")
        parser.add_argument("--file", type=Path, help="load: xlsx or csv with columns 日期, 类别, 名称")
        parser.add_argument("--source", default="", help="load: the State Council notice (文号)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "seed":
                self._seed()
            else:
                self._load(options["year"], options["file"], options["source"])
        except ApplicationError as error:
            details = "\n".join(f"  {e.path}: {e.message}" for e in error.field_errors() if e.path)
            raise CommandError(f"{error.message}\n{details}".rstrip()) from error

    def _seed(self) -> None:
        summary = calendar_seed()
        self.stdout.write(
            _("节假日安排已载入：新增 %(years)d 个年度、%(days)d 天，%(skipped)d 个年度已有")
            % {"years": summary.years_created, "days": summary.days_created, "skipped": summary.years_skipped}
        )

    def _load(self, year: int | None, path: Path | None, source: str) -> None:
        if year is None or path is None:
            raise CommandError(_("load 需要 --year 和 --file"))
        loaded = calendar_year_load(actor=None, year=year, days=calendar_days_read(path), source=source)
        self.stdout.write(
            _("%(year)d 年节假日安排已载入（%(source)s）") % {"year": loaded.year, "source": loaded.source}
        )
