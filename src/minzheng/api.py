"""REST API under /api/v1: one NinjaAPI mounting each app's router; errors follow ARCHITECTURE §7."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
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
api.add_router("/", registry_router)


@api.exception_handler(ApplicationError)
def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    body = {
        "code": exc.code,
        "message": str(exc.message),
        "errors": [error.as_dict() for error in exc.field_errors()],
    }
    return api.create_response(request, body, status=exc.status)


@api.exception_handler(NinjaValidationError)
def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    """Schema failures as 422 with the field path (`body.members.2.id_number`) and a Chinese message."""
    errors = [
        {
            "path": ".".join(str(part) for part in error.get("loc", ())),
            "code": f"schema.{error.get('type', 'invalid')}",
            "message": str(_("字段格式不正确：%(detail)s") % {"detail": error.get("msg", "")}),
        }
        for error in exc.errors
    ]
    body = {"code": "input.invalid", "message": str(_("输入有误")), "errors": errors}
    return api.create_response(request, body, status=422)


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    body = {"code": "auth.required", "message": str(_("未登录或令牌无效")), "errors": []}
    return api.create_response(request, body, status=401)
