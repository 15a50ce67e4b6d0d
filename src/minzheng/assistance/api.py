"""Assistance API under /api/v1: what-if assessment, stored assessments of a household, the low-income population.

Handlers parse input, call a service or selector with the request's actor, and return a schema.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema, Status
from ninja.responses import codes_4xx

from minzheng.assistance import selectors, services
from minzheng.assistance.models import LowIncomeCategory
from minzheng.assistance.schemas import AssessIn, AssessmentOut, LowIncomePersonOut, WhatIfIn, programme_out
from minzheng.assistance.selectors import AssessmentView
from minzheng.core.access.actor import actor_for_request
from minzheng.core.errors import NotFound
from minzheng.core.masking import mask_id_number
from minzheng.core.pagination import Page, cursor_decode, keyset_page
from minzheng.core.regions.schemas import ErrorOut
from minzheng.registry.selectors import region_in_scope

router = Router(tags=["assistance"])


@router.post(
    "/assessments",
    response={200: AssessmentOut, codes_4xx: ErrorOut},
    operation_id="assessment_what_if",
    summary=str(_("试算：按描述的家庭评估各项救助")),
    description=str(_("不保存任何数据；使用所在区划在评估日期有效的标准。金额单位为分。")),
)
def assessment_what_if(request: HttpRequest, payload: WhatIfIn) -> dict[str, Any]:
    evaluation = services.assessment_evaluate(actor=actor_for_request(request), what_if=payload.to_what_if())
    return {
        "id": None,
        "household_id": None,
        "as_of": evaluation.as_of,
        "region_code": evaluation.region.code,
        "monthly_total_fen": evaluation.monthly_total_fen,
        "programmes": [programme_out(view) for view in evaluation.programmes],
    }


def _assessment_out(view: AssessmentView) -> dict[str, Any]:
    return {
        "id": view.assessment.pk,
        "household_id": view.household.pk,
        "as_of": view.assessment.as_of,
        "region_code": view.household.region.code,
        "monthly_total_fen": view.monthly_total_fen,
        "programmes": [programme_out(programme) for programme in view.programmes],
    }


@router.post(
    "/households/{household_id}/assessments",
    response={201: AssessmentOut, codes_4xx: ErrorOut},
    operation_id="household_assess",
    tags=["households"],
    summary=str(_("评估登记家庭并保存结果")),
    description=str(_("结果未变化时不重复保存，返回已有评估。")),
)
def household_assess(request: HttpRequest, household_id: int, payload: AssessIn) -> Status[dict[str, Any]]:
    actor = actor_for_request(request)
    assessment = services.household_assess(actor=actor, household_id=household_id, as_of=payload.as_of)
    return Status(201, _assessment_out(selectors.assessment_get(actor=actor, assessment_id=assessment.pk)))


@router.get(
    "/households/{household_id}/assessments/latest",
    response={200: AssessmentOut, codes_4xx: ErrorOut},
    operation_id="household_assessment_latest",
    tags=["households"],
    summary=str(_("家庭最近一次评估及说明")),
)
def household_assessment_latest(request: HttpRequest, household_id: int) -> dict[str, Any]:
    view = selectors.assessment_latest(actor=actor_for_request(request), household_id=household_id)
    if view is None:
        raise NotFound("assessment.none", _("该户尚未评估"))
    return _assessment_out(view)


class LowIncomeQuery(Schema):
    category: LowIncomeCategory | None = None
    region: str | None = None
    cursor: str | None = None
    limit: int = 50


class LowIncomePageOut(Schema):
    items: list[LowIncomePersonOut]
    next_cursor: str | None


@router.get(
    "/low-income-persons",
    response={200: LowIncomePageOut, codes_4xx: ErrorOut},
    operation_id="low_income_person_list",
    summary=str(_("低收入人口名单（按最近一次评估）")),
    description=str(_("类别 1–6 见《关于加强低收入人口动态监测做好分层分类社会救助工作的意见》§二；号码脱敏。")),
)
def low_income_person_list(request: HttpRequest, query: Query[LowIncomeQuery]) -> dict[str, Any]:
    actor = actor_for_request(request)
    region = region_in_scope(actor=actor, code=query.region, permission="assessment.view") if query.region else None
    rows = selectors.low_income_persons(actor=actor, category=query.category, region=region)
    page: Page[Any] = keyset_page(rows, after=cursor_decode(query.cursor), limit=min(max(query.limit, 1), 200))
    return {
        "items": [
            {
                "person_id": row.person_id,
                "name": row.person.name,
                "id_number": mask_id_number(row.person.id_number),
                "household_id": row.household_id,
                "category": row.category,
                "category_label": str(LowIncomeCategory(row.category).label),
                "as_of": row.assessment.as_of,
            }
            for row in page.items
        ],
        "next_cursor": page.next_cursor,
    }
