"""`minzheng params load` loads the shipped parameter files; `minzheng params show` prints what is in force."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _
from rich.console import Console
from rich.table import Table

from minzheng.core.errors import ApplicationError
from minzheng.core.money import format_yuan
from minzheng.core.parameters.models import ParameterUnit
from minzheng.core.parameters.selectors import ParameterValue, parameter_values
from minzheng.core.parameters.services import parameters_load
from minzheng.core.regions.selectors import region_by_code


class Command(BaseCommand):
    help = "Load the shipped policy parameters (load), or show the values in force for a region (show)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["load", "show"])
        parser.add_argument("--region", default="500000", help="region code for show")
        parser.add_argument("--on", type=date.fromisoformat, default=None, help="date for show (YYYY-MM-DD)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "load":
                self._load()
            else:
                self._show(options["region"], options["on"] or timezone.localdate())
        except ApplicationError as error:
            raise CommandError(str(error.message)) from error

    def _load(self) -> None:
        summary = parameters_load()
        self.stdout.write(
            _("参数已载入：新增 %(created)d 个版本，%(unchanged)d 个未变")
            % {"created": summary.created, "unchanged": summary.unchanged}
        )
        for version in summary.differing:
            self.stderr.write(_("与已存版本不一致，保留已存值：%(version)s") % {"version": version})

    def _show(self, code: str, on: date) -> None:
        region = region_by_code(code=code, on=on)
        if region is None:
            raise CommandError(_("区划代码不存在：%(code)s") % {"code": code})
        table = Table(title=_("%(region)s %(on)s 适用的政策参数") % {"region": region.name, "on": on.isoformat()})
        for column in (_("参数"), _("类别"), _("取值"), _("单位"), _("生效日期"), _("状态"), _("依据")):
            table.add_column(column)
        for value in parameter_values(region=region, on=on):
            status = _("正式") if value.confirmed else _("未确认")
            table.add_row(value.key, value.variant, _display(value), value.unit, str(value.valid_from), status,
                          value.source)  # fmt: skip
        Console().print(table)


def _display(value: ParameterValue) -> str:
    """Amounts in yuan and ratios as multiples, for people; the store keeps integer fen and per-mille."""
    if value.unit == ParameterUnit.FEN:
        return format_yuan(value.value, symbol=True)
    if value.unit == ParameterUnit.PERMILLE:
        return f"{Decimal(value.value) / 1000:f}×"
    return str(value.value)
