"""`minzheng calendar seed` fills the holiday table from the `chinesecalendar` package (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from minzheng.core.calendar.services import calendar_seed
from minzheng.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Seed the public-holiday and make-up working-day table from the chinesecalendar package (seed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["seed"])

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = calendar_seed()
        except ApplicationError as error:
            raise CommandError(str(error.message)) from error
        self.stdout.write(
            _("节假日安排已载入：新增 %(years)d 个年度、%(days)d 天，%(skipped)d 个年度已有")
            % {"years": summary.years_created, "days": summary.days_created, "skipped": summary.years_skipped}
        )
