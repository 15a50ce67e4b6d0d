"""REST API under /api/v1: one NinjaAPI mounting each app's router; errors follow ARCHITECTURE §7."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError

from minzheng.core.access.api_auth import ApiTokenAuth, SessionStaffAuth
from minzheng.core.errors import ApplicationError
from minzheng.core.regions.api import router as regions_router
from minzheng.registry.api import router as registry_router

api = NinjaAPI(
    title="minzheng API",
    version="1",
    description=str(_("民政业务平台接口：行政区划、人员、家庭。所有接口均按账号所属区划限定范围。")),
    auth=[ApiTokenAuth(), SessionStaffAuth()],
    urls_namespace="api",
)
api.add_router("/regions", regions_router)
api.add_router("/parameters", "minzheng.core.parameters.api.router")
api.add_router("/", registry_router)
api.add_router("/", "minzheng.assistance.api.router")
api.add_router("/", "minzheng.cases.api.router")
api.add_router("/", "minzheng.payments.api.router")


@api.exception_handler(ApplicationError)
def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    """`{code, message, errors}` plus the exception's other facts as top-level fields, e.g. a refused transition's
    `state` and `allowed_actions` (409), so that a client can offer what is possible instead."""
    body: dict[str, Any] = {
        "code": exc.code,
        "message": str(exc.message),
        "errors": [error.as_dict() for error in exc.field_errors()],
    }
    body.update({key: value for key, value in exc.extra.items() if key not in body and _plain(value)})
    return api.create_response(request, body, status=exc.status)


def _plain(value: Any) -> bool:
    """Whether `value` is plain JSON data; anything else an exception carries (rows, objects) stays internal."""
    if value is None or isinstance(value, str | int | float | bool):
        return True
    if isinstance(value, list | tuple):
        return all(_plain(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(key, str) and _plain(item) for key, item in value.items())
    return False


# Chinese messages for the pydantic error types clients meet most; others keep pydantic's text.
_SCHEMA_MESSAGES: dict[str, Promise] = {
    "missing": _("必填"),
    "int_parsing": _("应为整数"),
    "int_type": _("应为整数"),
    "bool_parsing": _("应为 true 或 false"),
    "bool_type": _("应为 true 或 false"),
    "string_type": _("应为字符串"),
    "list_type": _("应为数组"),
    "date_parsing": _("应为日期，格式 YYYY-MM-DD"),
    "date_from_datetime_parsing": _("应为日期，格式 YYYY-MM-DD"),
    "date_type": _("应为日期，格式 YYYY-MM-DD"),
    "greater_than_equal": _("不能小于 %(ge)s"),
    "less_than_equal": _("不能大于 %(le)s"),
    "string_too_long": _("长度不能超过 %(max_length)s"),
    "json_invalid": _("请求体不是有效的 JSON"),
    "extra_forbidden": _("该字段不存在或不可修改"),
    "literal_error": _("取值不在允许范围内：%(expected)s"),
    "too_short": _("至少需要 %(min_length)s 项"),
    "too_long": _("最多 %(max_length)s 项"),
    "string_too_short": _("长度不能少于 %(min_length)s"),
    "string_pattern_mismatch": _("格式不正确"),
}
_PARAM_SOURCES = frozenset({"body", "query", "path", "header", "cookie", "form", "file"})


def _schema_error_path(loc: tuple[Any, ...]) -> str:
    """`("body", "payload", "members", 1, "relation")` → `members[1].relation`, like service errors (§7)."""
    parts = list(loc)
    if len(parts) > 1 and parts[0] in _PARAM_SOURCES:
        parts = parts[2:] if parts[0] == "body" and len(parts) > 2 else parts[1:]
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path


def _schema_error_message(error: dict[str, Any]) -> str:
    template = _SCHEMA_MESSAGES.get(error.get("type", ""))
    if template is None:
        detail = str(error.get("msg", "")).removeprefix("Value error, ")
        return str(_("字段格式不正确：%(detail)s") % {"detail": detail})
    return str(template) % (error.get("ctx") or {})


@api.exception_handler(NinjaValidationError)
def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    """Schema failures as 422 with the field path (`members[2].relation`) and a Chinese message."""
    errors = [
        {
            "path": _schema_error_path(tuple(error.get("loc", ()))),
            "code": f"schema.{error.get('type', 'invalid')}",
            "message": _schema_error_message(error),
        }
        for error in exc.errors
    ]
    body = {"code": "input.invalid", "message": str(_("输入有误")), "errors": errors}
    return api.create_response(request, body, status=422)


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    body = {"code": "auth.required", "message": str(_("未登录或令牌无效")), "errors": []}
    return api.create_response(request, body, status=401)
