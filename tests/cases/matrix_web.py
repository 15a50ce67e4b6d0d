"""Case-workflow endpoints of the permission matrix (web pages); merged into tests/test_permission_matrix.py.

The records a call needs are built first by the own or the other district's staff, with the helpers of
tests/cases/matrix_api.py (`_ready`: a submitted case and the parameters that acting on it needs). Form posts
redirect back (302) on success; the queue, the dashboard, the referral list and bulk actions work on the
caller's own scope, so the other district is not an error there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from minzheng.cases.models import Case
from tests.cases.conftest import PDF
from tests.cases.matrix_api import (
    _accepted,
    _decided,
    _emergency,
    _investigating,
    _ready,
    _referral,
    _staffing,
    _submitted,
)
from tests.matrix_support import Endpoint, World, _household, _village

Call = Callable[[Client, World, bool], Any]
CaseOf = Callable[[World, bool], Case]


def _page(url: Callable[[World, bool], str]) -> Call:
    return lambda client, world, own: client.get(url(world, own))


def _form(case_of: CaseOf, path: str, body: Callable[[World, bool, Case], dict[str, Any]]) -> Call:
    """POST a form of the case page (`/cases/<id>/<path>`) about a case built by `case_of`."""

    def call(client: Client, world: World, own: bool) -> Any:
        case = case_of(world, own)
        return client.post(f"/cases/{case.pk}/{path}", body(world, own, case))

    return call


def _upload(client: Client, world: World, own: bool) -> Any:
    case = _submitted(world, own)
    file = SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf")
    body = {"case_id": case.pk, "material": "expense_proof", "file": file}
    return client.post(f"/cases/intakes/{case.intake_id}/attachments/", body)


def _attachment_url(world: World, own: bool) -> str:
    attachment = _submitted(world, own).intake.attachments.first()
    assert attachment is not None
    return f"/cases/attachments/{attachment.pk}/"


def _intake_form(world: World, own: bool) -> dict[str, Any]:
    return {"household": _household(world, own).pk, "channel": "window", "received_on": "2026-11-02",
            "programmes": ["dibao"], "declared-0-item": "income:wage", "declared-0-amount": "500",
            "declared-0-period_months": "1"}  # fmt: skip


def _validate(client: Client, world: World, own: bool) -> Any:
    return client.post("/cases/new/validate/", _intake_form(world, own))


def _bulk(client: Client, world: World, own: bool) -> Any:
    return client.post("/cases/bulk/", {"operation": "approve", "case_ids": [_submitted(world, own).pk],
                                         "on": "2026-11-20"})  # fmt: skip


MATRIX_WEB: dict[str, Endpoint] = {
    "queue": Endpoint("case.view", _page(lambda w, own: "/cases/"), other_region=200),
    # Each ticked case is checked on its own; the other district's case is reported as not found on the queue.
    "bulk": Endpoint("case.manage", _bulk, success=302, other_region=302),
    "dashboard": Endpoint("case.view", _page(lambda w, own: "/cases/dashboard/"), other_region=200),
    "notices": Endpoint("case.view", _page(lambda w, own: f"/cases/notices/?region={_village(w, own)}")),
    "notice_pdf": Endpoint("case.view", _page(lambda w, own: f"/cases/notices/list.pdf?region={_village(w, own)}")),
    "attachment": Endpoint("case.view", _page(_attachment_url)),
    "intake": Endpoint("case.intake", _page(lambda w, own: f"/cases/new/?household={_household(w, own).pk}")),
    "intake_validate": Endpoint("case.intake", _validate),
    "intake_row": Endpoint(
        "case.intake", _page(lambda w, own: f"/cases/new/row/?household={_household(w, own).pk}&declared_next=1")
    ),
    "attachment_add": Endpoint("case.intake", _upload, success=302),
    "referrals": Endpoint("referral.view", _page(lambda w, own: "/cases/referrals/"), other_region=200),
    "referral": Endpoint("referral.view", _page(lambda w, own: f"/cases/referrals/{_referral(w, own)}/")),
    "detail": Endpoint("case.view", _page(lambda w, own: f"/cases/{_submitted(w, own).pk}/")),
    "act": Endpoint(
        "case.accept",
        _form(_ready, "act/", lambda w, own, c: {"action": "accept", "on": "2026-09-23"}),
        success=302,
    ),
    "home_visit": Endpoint(
        "case.accept",
        _form(
            _accepted,
            "home-visits/",
            lambda w, own, c: {
                "visited_on": "2026-09-24",
                "method": "in_person",
                "investigators": "甲、乙",
                "findings": "家中无劳动收入。",
            },
        ),
        success=302,
    ),
    "economic_check": Endpoint(
        "case.accept",
        _form(
            _investigating, "economic-check/", lambda w, own, c: {"completed_on": "2026-09-28", "result": "consistent"}
        ),
        success=302,
    ),
    "extend": Endpoint(
        "case.manage", _form(_accepted, "extend/", lambda w, own, c: {"reason": "需补充调查"}), success=302
    ),
    "assign": Endpoint(
        "case.manage",
        _form(_submitted, "assign/", lambda w, own, c: {"assignee": _staffing(w, own).caseworker.user_id}),
        success=302,
    ),
    "advance_aid": Endpoint(
        "case.accept",
        _form(
            _emergency, "advance-aid/", lambda w, own, c: {"amount": "500", "paid_on": "2026-11-02", "reason": "火灾"}
        ),
        success=302,
    ),
    "notified": Endpoint(
        "case.accept", _form(_decided, "notified/", lambda w, own, c: {"notified_on": "2026-10-21"}), success=302
    ),
    "referral_send": Endpoint(
        "referral.send",
        _form(
            _ready,
            "referrals/",
            lambda w, own, c: {
                "intake_id": c.intake_id,
                "department": "education",
                "matter": "助学",
                "sent_on": "2026-11-02",
            },
        ),
        success=302,
    ),
    "completeness": Endpoint("case.view", _page(lambda w, own: f"/cases/{_submitted(w, own).pk}/completeness/")),
    "document": Endpoint(
        "case.view", _page(lambda w, own: f"/cases/{_submitted(w, own).pk}/documents/completeness_notice.pdf")
    ),
}
