"""`minzheng cases generate|tick|demo-accounts`: synthetic cases, the daily job, the demo's department officer.

    generate --count N --seed S [--region CODE] [--on DATE]   synthetic cases (skipped where cases exist)
    tick [--on DATE] [--region CODE]                           daily, safe from cron: escalate overdue referrals
                                                               and count what is due
    demo-accounts [--username U] [--department CODE] [--region CODE]

The tick escalates every referral past its deadline without feedback (督办, idempotent: an escalated referral
is not escalated again) and reports, for the region, the overdue and due-soon cases, notices whose period has
ended awaiting `notice_end`, refusals whose written notice is overdue and enrolments due for review.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from minzheng.cases.models import CaseState
from minzheng.cases.referrals import referrals_escalate
from minzheng.cases.selectors import QueueFilter, case_queue
from minzheng.cases.synthetic import GenerateSummary, cases_generate, demo_department_officer, operator_actor
from minzheng.core.errors import ApplicationError
from minzheng.core.regions.models import Region
from minzheng.core.regions.selectors import region_by_code
from minzheng.payments.selectors import enrolments_due_for_review


class Command(BaseCommand):
    help = "Generate synthetic cases (generate), run the daily job (tick), or set up the demo department officer."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["generate", "tick", "demo-accounts"])
        parser.add_argument("--count", type=int, default=1000, help="generate: number of cases")
        parser.add_argument("--seed", type=int, default=2025, help="generate: random seed")
        parser.add_argument("--region", default=settings.ROOT_REGION_CODE, help="region code (default: the city)")
        parser.add_argument("--on", type=date.fromisoformat, default=None, help="the day (YYYY-MM-DD; default today)")
        parser.add_argument("--username", default="bumen", help="demo-accounts: the officer's username")
        parser.add_argument("--department", default="medical_insurance", help="demo-accounts: department code")

    def handle(self, *args: Any, **options: Any) -> None:
        on = options["on"] or timezone.localdate()
        region = region_by_code(code=options["region"], on=on)
        if region is None:
            raise CommandError(_("区划代码不存在：%(code)s") % {"code": options["region"]})
        try:
            if options["action"] == "generate":
                self._generate(options["count"], options["seed"], region, on)
            elif options["action"] == "tick":
                self._tick(region, on)
            else:
                self._demo_accounts(options["username"], options["department"], region)
        except ApplicationError as error:
            raise CommandError(str(error.message)) from error

    def _generate(self, count: int, seed: int, region: Region, on: date) -> None:
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=Console(stderr=True)) as progress:
            task = progress.add_task(_("生成申请"), total=count)
            summary = cases_generate(count=count, seed=seed, today=on, region_path=region.path,
                                     progress=lambda done: progress.update(task, completed=done))  # fmt: skip
        self.stdout.write(_summary_text(summary, region))

    def _tick(self, region: Region, on: date) -> None:
        escalated = referrals_escalate(on=on)
        actor = operator_actor(region)

        def queue(**filters: Any) -> Any:
            return case_queue(actor=actor, filters=QueueFilter(**filters), today=on)

        refused = queue(state=CaseState.REFUSED)
        rows = [
            (_("本次督办的逾期转办事项"), escalated),
            (_("逾期未办结的申请"), queue(urgency="overdue").count()),
            (_("3个工作日内到期的申请"), queue(urgency="due_soon").count()),
            (_("公示期满、待提交审批的申请"), queue(state=CaseState.ON_NOTICE).filter(step_due_on__lt=on).count()),
            (
                _("不予批准、逾期未书面告知的申请"),
                refused.filter(decision__notified_on__isnull=True, decision__notify_due_on__lt=on).count(),
            ),
            (_("到期待复核的保障对象"), enrolments_due_for_review(actor=actor, today=on).count()),
        ]
        table = Table(title=_("%(region)s %(on)s 每日办理提醒") % {"region": region.name, "on": on.isoformat()})
        table.add_column(_("事项"))
        table.add_column(_("数量"), justify="right")
        for label, count in rows:
            table.add_row(label, str(count))
        self.stdout.write(_rendered(table))

    def _demo_accounts(self, username: str, department: str, region: Region) -> None:
        officer = demo_department_officer(username=username, department_code=department, region=region)
        self.stdout.write(
            _("协同部门经办账号 %(username)s 已关联%(department)s（%(region)s）")
            % {"username": officer.username, "department": officer.department, "region": officer.region.name}
        )


def _rendered(table: Table) -> str:
    """The table as text, so it goes through the command's stdout (and call_command's capture)."""
    console = Console(file=io.StringIO(), width=100)
    console.print(table)
    return console.file.getvalue()  # type: ignore[attr-defined, no-any-return]


def _summary_text(summary: GenerateSummary, region: Region) -> str:
    if summary.skipped:
        return _("%(region)s 已有申请数据，跳过生成。") % {"region": region.name}
    return _(
        "已生成 %(cases)d 件申请（%(transitions)d 条办理记录、%(notices)d 条公示、%(decisions)d 个决定、"
        "%(enrolments)d 个保障对象、%(referrals)d 件转办），用时 %(seconds).1f 秒"
    ) % {
        "cases": summary.cases,
        "transitions": summary.transitions,
        "notices": summary.notices,
        "decisions": summary.decisions,
        "enrolments": summary.enrolments,
        "referrals": summary.referrals,
        "seconds": summary.seconds,
    }
