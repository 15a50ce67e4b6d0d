"""Parameters API, mounted at /api/v1/parameters: the policy parameters in force for a region on a date."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router

from minzheng.core.access.actor import actor_for_request
from minzheng.core.parameters import selectors
from minzheng.core.parameters.schemas import ParameterListOut, ParametersQuery
from minzheng.core.regions.schemas import ErrorOut

router = Router(tags=["parameters"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


@router.get(
    "",
    response={200: ParameterListOut, **ERRORS},
    operation_id="parameter_list",
    summary=str(_("政策参数")),
    description=str(
        _("某区划某日适用的政策参数（默认本人所属区划、今天），每个参数及类别一项，注明取值所属区划、状态与依据。")
    ),
)
def parameter_list(request: HttpRequest, query: Query[ParametersQuery]) -> ParameterListOut:
    actor = actor_for_request(request)
    on = query.on or timezone.localdate()
    standards = selectors.region_standards(actor=actor, code=query.region, on=on)
    return ParameterListOut.from_standards(standards)
