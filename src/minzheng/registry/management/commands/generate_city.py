"""`minzheng generate-city [--households N] [--seed S] [--replace]`: a deterministic synthetic population.

A thin wrapper over `registry.synthetic.generate_city`: rich progress on stderr, the summary on stdout.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from minzheng.core.errors import ApplicationError
from minzheng.registry.synthetic import CitySummary, generate_city


class Command(BaseCommand):
    help = "Generate and bulk-load a deterministic synthetic Chongqing population (same seed, same rows)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--households", type=int, default=20_000, help="number of households")
        parser.add_argument("--seed", type=int, default=2025, help="random seed")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="delete the registry's current persons and households first",
        )

    def handle(self, *args: Any, households: int, seed: int, replace: bool, **options: Any) -> None:
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=Console(stderr=True)) as progress:
            task = progress.add_task(_("生成人口"), total=households)
            try:
                summary = generate_city(
                    households=households,
                    seed=seed,
                    replace=replace,
                    progress=lambda done: progress.update(task, completed=done),
                )
            except ApplicationError as error:
                raise CommandError(_command_message(error)) from error
        self.stdout.write(self.style.SUCCESS(_summary_text(summary)))


def _command_message(error: ApplicationError) -> str:
    if error.code == "city.exists":
        return _("人口库中已有人员或家庭数据；如需重新生成，请加 --replace 选项")
    return str(error.message)


def _summary_text(summary: CitySummary) -> str:
    return _(
        "已生成 %(households)d 户、%(persons)d 人、%(members)d 条家庭成员记录、"
        "%(certificates)d 张残疾人证，用时 %(seconds).1f 秒"
    ) % {
        "households": summary.households,
        "persons": summary.persons,
        "members": summary.members,
        "certificates": summary.certificates,
        "seconds": summary.seconds,
    } + _(
        "；另有 %(incomes)d 条收入、%(assets)d 条财产、%(expenses)d 条支出和 %(assessments)d 条生活自理能力评估记录"
    ) % {
        "incomes": summary.incomes,
        "assets": summary.assets,
        "expenses": summary.expenses,
        "assessments": summary.assessments,
    }
