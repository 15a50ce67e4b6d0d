"""`minzheng issue-token USERNAME [--name N] [--days D]`: issue an API token; `--revoke ID` revokes one.

The clear token goes alone to stdout, so `TOKEN=$(minzheng issue-token alice)` works; the explanation
(token id, expiry, how to use it) goes to stderr. Only the token's SHA-256 is stored: it is never shown again.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core.access.services import api_token_issue, api_token_revoke
from minzheng.core.errors import ApplicationError, NotFound

DEFAULT_VALID_DAYS = 365


class Command(BaseCommand):
    help = "Issue an API bearer token for USERNAME (printed once), or revoke a token with --revoke ID."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", nargs="?", help="the staff account the token acts as")
        parser.add_argument("--name", default="", help="what the token is for, e.g. the script's name")
        parser.add_argument(
            "--days",
            type=int,
            default=DEFAULT_VALID_DAYS,
            help=f"days until the token expires (default {DEFAULT_VALID_DAYS}; 0 = never)",
        )
        parser.add_argument("--revoke", type=int, metavar="ID", help="revoke the token with this id instead")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["revoke"] is not None:
            if options["username"]:
                raise CommandError(_("吊销令牌时不要同时指定用户名"))
            try:
                token = api_token_revoke(token_id=options["revoke"])
            except NotFound as error:
                raise CommandError(str(error.message)) from error
            self.stderr.write(_("令牌 %(id)s（%(prefix)s…）已吊销。") % {"id": token.id, "prefix": token.prefix})
            return
        if not options["username"]:
            raise CommandError(_("请指定用户名，或用 --revoke ID 吊销令牌"))
        if options["days"] < 0:
            raise CommandError(_("有效天数不能为负数"))
        self._issue(options["username"], name=options["name"], days=options["days"])

    def _issue(self, username: str, *, name: str, days: int) -> None:
        try:
            token, clear = api_token_issue(username=username, name=name, valid_days=days or None)
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        expiry = (
            timezone.localtime(token.expires_at).isoformat(sep=" ", timespec="minutes")
            if token.expires_at
            else _("永不过期")
        )
        self.stderr.write(_("已为 %(username)s 签发接口令牌，编号 %(id)s。") % {"username": username, "id": token.id})
        self.stderr.write(_("过期时间：%(expiry)s") % {"expiry": expiry})
        self.stderr.write(_("令牌只显示这一次，请立即妥善保存；调用接口时使用请求头 Authorization: Bearer <令牌>。"))
        self.stdout.write(clear)
