"""`minzheng import-households FILE.xlsx|FILE.csv --user USERNAME [--skip-invalid] [--errors OUT.xlsx]`.

The acting staff user is required so the same role, region scope and audit apply as on the web. Exit status:
0 when every row was imported (or was already there), 1 when nothing was written, 2 when `--skip-invalid`
imported the valid households and rejected others (their rows are in the error file).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from minzheng.core.access.actor import Actor, actor_for_user
from minzheng.core.errors import ApplicationError
from minzheng.core.imports import RowIssue, issue_lines
from minzheng.registry.imports import ImportResult, households_import

EXIT_FAILED = 1
EXIT_PARTIAL = 2
# Below this many rows validation takes a second or two and a progress bar is only noise.
PROGRESS_MIN_ROWS = 2000


class Command(BaseCommand):
    help = "Import households from an .xlsx or .csv file (one row per person); see docs/import-households.md."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help=".xlsx or .csv (UTF-8, UTF-8 with BOM, or GBK)")
        parser.add_argument("--user", required=True, help="username of the acting staff member")
        parser.add_argument("--skip-invalid", action="store_true", help="import the valid households only")
        parser.add_argument("--errors", type=Path, help="write rejected rows and reasons here (.xlsx or .csv)")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = _actor(options["user"])
        path: Path = options["file"]
        error_file: Path | None = options["errors"]
        if options["skip_invalid"] and error_file is None:
            error_file = path.with_name(f"{path.stem}.errors.xlsx")
        console = Console(stderr=True, highlight=False)
        with _ProgressBar(console) as progress:
            try:
                result = households_import(
                    actor=actor, path=path, skip_invalid=options["skip_invalid"], error_file=error_file,
                    progress=progress.show,
                )  # fmt: skip
            except ApplicationError as error:
                progress.stop()
                self._print_issues(error.extra.get("issues", []))
                raise CommandError(_failure_text(error), returncode=EXIT_FAILED) from None
        self._print_result(result)
        if result.rows_rejected:
            raise CommandError(
                _("%(rows)d 行未导入，原因见 %(file)s") % {"rows": result.rows_rejected, "file": result.error_file},
                returncode=EXIT_PARTIAL,
            )

    def _print_issues(self, issues: list[RowIssue]) -> None:
        for line in issue_lines(issues):
            self.stderr.write(line)

    def _print_result(self, result: ImportResult) -> None:
        if result.repeated_from is not None:
            self.stdout.write(_("该文件已于 %(at)s 导入，本次未做任何修改") % {"at": result.repeated_from})
            return
        if not result.changed:
            self.stdout.write(_("文件内容均已登记，未做任何修改（%(rows)d 行）") % {"rows": result.rows_imported})
            return
        self.stdout.write(
            _(
                "导入完成：家庭 新增 %(hc)d、更新 %(hu)d、未变 %(hn)d；"
                "人员 新增 %(pc)d、更新 %(pu)d、未变 %(pn)d；新增家庭成员关系 %(mc)d"
            )
            % {
                "hc": result.households_created, "hu": result.households_updated,
                "hn": result.households_unchanged, "pc": result.persons_created, "pu": result.persons_updated,
                "pn": result.persons_unchanged, "mc": result.members_created,
            }
        )  # fmt: skip


def _actor(username: str) -> Actor:
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(_("用户不存在：%(user)s") % {"user": username}, returncode=EXIT_FAILED)
    try:
        return actor_for_user(user)
    except ApplicationError as error:
        raise CommandError(str(error.message), returncode=EXIT_FAILED) from None


def _failure_text(error: ApplicationError) -> str:
    report = error.extra.get("error_file")
    return str(error.message) + (_("；错误报告：%(file)s") % {"file": report} if report else "")


class _ProgressBar:
    """A rich progress bar that appears only for large files, on stderr so stdout stays a clean summary."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._progress: Progress | None = None
        self._task: Any = None
        self._done = 0

    def __enter__(self) -> _ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def show(self, done: int, total: int) -> None:
        if self._progress is None and total >= PROGRESS_MIN_ROWS and self._console.is_terminal:
            self._progress = Progress(
                TextColumn(_("校验")), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                console=self._console, transient=True,
            )  # fmt: skip
            self._progress.start()
            self._task = self._progress.add_task("rows", total=total)
        if self._progress is not None:
            self._progress.advance(self._task, done - self._done)
        self._done = done

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
