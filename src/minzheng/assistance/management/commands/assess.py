"""`minzheng assess --as-of YYYY-MM-DD [--region CODE]`: re-assess every registered household in scope.

A thin wrapper over `assistance.services.assessments_run`, run as the operator (audited as "system"): a rich
progress bar on stderr, then counts per programme and the changes against each household's previous assessment.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from minzheng.assistance.models import Programme
from minzheng.assistance.services import RunSummary, assessments_run
from minzheng.core.errors import ApplicationError
from minzheng.core.regions.selectors import region_by_code


class Command(BaseCommand):
    help = "Re-assess every registered household of a region against every assistance programme."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=date.fromisoformat, required=True, help="assessment date YYYY-MM-DD")
        parser.add_argument("--region", default=settings.ROOT_REGION_CODE, help="region code (default: the city)")

    def handle(self, *args: Any, as_of: date, region: str, **options: Any) -> None:
        console = Console(stderr=True)
        try:
            scope = region_by_code(code=region, on=as_of)
            if scope is None:
                raise CommandError(_("区划代码 %(code)s 在 %(on)s 不存在") % {"code": region, "on": as_of})
            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
            with Progress(*columns, console=console) as progress:
                task = progress.add_task(_("评估家庭（按户编号）"), total=None)

                def advance(done: int, total: int) -> None:
                    progress.update(task, completed=done, total=total)

                summary = assessments_run(actor=None, as_of=as_of, region=scope, progress=advance)
        except ApplicationError as error:
            raise CommandError(str(error.message)) from error
        Console().print(_summary_table(summary))
        self.stdout.write(self.style.SUCCESS(_summary_text(summary)))


def _summary_table(summary: RunSummary) -> Table:
    table = Table(title=_("%(region)s %(on)s 评估结果") % {"region": summary.region_code, "on": summary.as_of})
    for header in (_("项目"), _("符合"), _("新增"), _("不再符合"), _("金额变化")):
        table.add_column(header, justify="right" if header != _("项目") else "left")
    labels = dict(Programme.choices)
    for code, counts in summary.changes.items():
        table.add_row(
            str(labels.get(code, code)),
            *(str(counts.get(key, 0)) for key in ("current", "newly", "ended", "amount_changed")),
        )
    return table


def _summary_text(summary: RunSummary) -> str:
    seconds = " · ".join(f"{name} {value:.1f}s" for name, value in summary.seconds.items())
    return _(
        "已评估 %(households)d 户，新写入评估 %(assessments)d 条、结果 %(results)d 条（运行 #%(run)d；%(seconds)s）；"
        "说明文件：%(path)s"
    ) % {
        "households": summary.households,
        "assessments": summary.assessments_written,
        "results": summary.results_written,
        "run": summary.run_id,
        "seconds": seconds,
        "path": summary.explanations_path,
    }
