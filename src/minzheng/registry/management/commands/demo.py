"""`minzheng demo`: migrate the embedded database, generate the synthetic city, assess it, create demo accounts,
generate synthetic cases in the demo district (one per 25 households of the city, at least 200) and run the daily
case job, serve."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _
from rich.console import Console
from rich.table import Table

from minzheng.assistance.selectors import assessments_exist
from minzheng.core.access.models import Role
from minzheng.registry.demo import (
    DEMO_DEPARTMENT,
    DEMO_DEPARTMENT_OFFICER,
    DEMO_DISTRICT,
    DemoAccount,
    demo_accounts_ensure,
    demo_department_account,
)
from minzheng.registry.models import Household

HOUSEHOLDS_PER_CASE = 25
MIN_CASES = 200


class Command(BaseCommand):
    help = "Set up the demo city and start the development server on 127.0.0.1:8000."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--households", type=int, default=20_000)
        parser.add_argument("--seed", type=int, default=2025)
        parser.add_argument("--addr", default="127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true", help="prepare the data only")

    def handle(self, *args: Any, **options: Any) -> None:
        console = Console()
        _secret_key_ensure(Path(settings.SECRET_KEY_FILE))
        call_command("migrate", interactive=False, verbosity=0)
        console.print(_("数据库已迁移：%(db)s") % {"db": settings.DATABASES["default"]["NAME"]})
        if not Household.objects.exists():
            call_command("generate_city", households=options["households"], seed=options["seed"])
        else:
            console.print(_("已有合成城市数据，跳过生成。"))
        call_command("params", "load")  # after the city: parameters hang on the region tree
        call_command("calendar", "seed")
        if not assessments_exist():
            # Every household gets an assessment, so any household page shows its explanation.
            call_command("assess", as_of=timezone.localdate())
        accounts = demo_accounts_ensure()  # before the cases: their timelines name the demo staff
        call_command("cases", "demo-accounts", "--username", DEMO_DEPARTMENT_OFFICER, "--department", DEMO_DEPARTMENT,
                     "--region", DEMO_DISTRICT)  # fmt: skip
        # In the demo district, where every demo account works: skipped when it already has cases.
        cases = max(MIN_CASES, Household.objects.count() // HOUSEHOLDS_PER_CASE)
        generate = ("generate", "--count", str(cases), "--seed", str(options["seed"]), "--region", DEMO_DISTRICT)
        call_command("cases", *generate)
        call_command("cases", "tick")
        _print_accounts(console, [*accounts, demo_department_account()])
        if not options["no_serve"]:
            console.print(_("访问 http://%(addr)s/ （按 Ctrl+C 停止）") % {"addr": options["addr"]})
            _serve(options["addr"])


def _secret_key_ensure(path: Path) -> None:
    """A per-install secret under var/, read by settings on the next start (the server is exec'd below)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)


def _print_accounts(console: Console, accounts: list[DemoAccount]) -> None:
    table = Table(title=_("演示账号"))
    for column in (_("用户名"), _("密码"), _("角色"), _("所属区划")):
        table.add_column(column)
    for account in accounts:
        table.add_row(account.username, account.password, str(Role(account.role).label), str(account.region))
    console.print(table)


def _serve(addr: str) -> None:
    """Replace this process with the server so it starts with the secret key written above."""
    command = [sys.executable, "-m", "minzheng.cli", "runserver", addr, "--noreload", "--insecure"]
    os.execv(sys.executable, command)
