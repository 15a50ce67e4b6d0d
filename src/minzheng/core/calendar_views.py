"""The holiday table page: every staff role sees which years are published (deadlines in other years are
provisional); an administrator loads a new year from the State Council notice (xlsx or csv)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from minzheng.core.access.actor import actor_for_request
from minzheng.core.calendar.files import calendar_days_read
from minzheng.core.calendar.selectors import calendar_years
from minzheng.core.calendar.services import calendar_year_load
from minzheng.core.errors import InvalidInput

MAX_UPLOAD_BYTES = 1024 * 1024


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def calendar_page(request: HttpRequest) -> HttpResponse:
    actor = actor_for_request(request)
    actor.require("parameter.view")
    errors: list[str] = []
    if request.method == "POST":
        actor.require("parameter.approve")
        try:
            year = _load(request)
            messages.success(request, _("%(year)s 年节假日安排已载入，相关办理期限已重新计算。") % {"year": year})
            return redirect("calendar_years")
        except InvalidInput as invalid:
            errors = [f"{e.path}：{e.message}" if e.path else str(e.message) for e in invalid.field_errors()]
    context = {
        "years": calendar_years(),
        "this_year": timezone.localdate().year,
        "can_load": actor.can("parameter.approve"),
        "errors": errors,
        "form": request.POST if request.method == "POST" else {},
    }
    return render(request, "core/calendar.html", context)


def _load(request: HttpRequest) -> int:
    upload = request.FILES.get("file")
    if upload is None or upload.size is None or upload.size > MAX_UPLOAD_BYTES:
        raise InvalidInput("calendar.file", _("请上传不超过 1 MB 的 xlsx 或 csv 文件"), field="file")
    try:
        year = int(request.POST.get("year", ""))
    except ValueError as error:
        raise InvalidInput("calendar.year", _("请填写年度"), field="year") from error
    suffix = Path(upload.name or "").suffix.lower()
    if suffix not in {".xlsx", ".csv"}:
        raise InvalidInput("calendar.file", _("请上传 xlsx 或 csv 文件"), field="file")
    with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
        handle.flush()
        days = calendar_days_read(Path(handle.name))
    calendar_year_load(actor=actor_for_request(request), year=year, days=days, source=request.POST.get("source", ""))
    return year
