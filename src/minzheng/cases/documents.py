"""The written documents of a case, as PDF (core/documents renders them from templates administrators can edit):
the decision letter (approval with amount and start month, or refusal with reasons and the appeal route), the
completeness notice (一次性告知), the investigation record, and a village's public notice list.

Each document is a read of personal data: it is audited. A document that does not exist yet (no decision, no
home visit) is a Conflict, not an empty page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.cases.intake import case_missing
from minzheng.cases.models import Case, DecisionOutcome
from minzheng.cases.selectors import case_get, public_notices
from minzheng.cases.workflow import ONE_OFF_PROGRAMMES, STATUS_PROGRAMMES, procedure_for
from minzheng.core.access.actor import Actor
from minzheng.core.audit.services import audit_record
from minzheng.core.documents.render import document_render
from minzheng.core.errors import Conflict, InvalidInput, NotFound
from minzheng.core.money import format_yuan
from minzheng.core.regions.models import Region
from minzheng.registry.selectors import economic_kind_label

CASE_DOCUMENT_KINDS = ("decision", "completeness_notice", "investigation_record")

# 行政复议法（2023修订）第20条: 60 days; 行政诉讼法 第46条: 6 months.
APPEAL_ROUTE = (
    "如对本决定不服，可以自收到本决定书之日起六十日内向{government}申请行政复议，"
    "或者自收到本决定书之日起六个月内依法向人民法院提起行政诉讼。"
)


@dataclass(frozen=True)
class RenderedDocument:
    filename: str
    content: bytes


def chinese_date(day: date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def case_document(*, actor: Actor, case_id: int, kind: str) -> RenderedDocument:
    if kind not in CASE_DOCUMENT_KINDS:
        raise InvalidInput("document.kind", _("文书类别无效"), field="kind")
    case = case_get(actor=actor, case_id=case_id)
    builders = {"decision": _decision, "completeness_notice": _completeness, "investigation_record": _investigation}
    template_kind, context = builders[kind](case)
    content = document_render(kind=template_kind, context={**_common(case), **context})
    audit_record(actor=actor, action="case.document", obj=case, region=case.region, detail={"kind": template_kind})
    return RenderedDocument(filename=f"{template_kind}-{case.pk}.pdf", content=content)


def _ancestors(region: Region) -> tuple[Region | None, Region | None]:
    """(township, district) of a village."""
    township = region.parent
    return township, township.parent if township else None


def _common(case: Case) -> dict[str, Any]:
    township, district = _ancestors(case.region)
    if case.delegated and township is not None:
        authority = _government(township)
    else:
        authority = f"{district.name}民政局" if district else ""
    return {
        "authority": authority,
        "issued_on": chinese_date(timezone.localdate()),
        "legal_basis": list(procedure_for(case.programme, case.aid_kind).sources),
        "region_name": case.region.name,
        "applicant_name": case.intake.applicant.name,
        "household_number": case.household.number,
        "programme_title": case.get_programme_display(),
    }


def _government(township: Region) -> str:
    """七星岗街道 → 七星岗街道办事处; 某某镇 → 某某镇人民政府."""
    return f"{township.name}办事处" if township.name.endswith("街道") else f"{township.name}人民政府"


def _decision(case: Case) -> tuple[str, dict[str, Any]]:
    decision = getattr(case, "decision", None)
    if decision is None:
        raise Conflict("document.no_decision", _("该申请尚未作出决定"))
    _township, district = _ancestors(case.region)
    appeal = APPEAL_ROUTE.format(government=f"{district.name}人民政府" if district else "本级人民政府")
    common = {"document_number": decision.document_number, "decided_on": chinese_date(decision.decided_on),
              "appeal_route": appeal}  # fmt: skip
    if decision.outcome == DecisionOutcome.REFUSED:
        reasons = [line.strip() for line in decision.reasons.splitlines() if line.strip()]
        return "decision_refusal", {**common, "reasons": reasons}
    start = decision.start_month
    members = case.notices.order_by("-round").values_list("members", flat=True).first() or (
        1 if case.person_id else case.household.members.filter(valid_to__isnull=True).count()
    )
    return "decision_approval", {
        **common,
        "benefit_kind": _benefit_kind(case.programme),
        "members_count": members,
        "amount_yuan": format_yuan(decision.amount_fen),
        "advance_yuan": format_yuan(case.advance_aid_fen) if case.advance_aid_fen else "",
        "start_month": f"{start.year}年{start.month}月" if start else "",
    }


def _benefit_kind(programme: str) -> str:
    """monthly (低保, 特困, 两项补贴), one_off (临时救助) or status (边缘 and 刚性支出 are recognitions)."""
    if programme in ONE_OFF_PROGRAMMES:
        return "one_off"
    return "status" if programme in STATUS_PROGRAMMES else "monthly"


def _completeness(case: Case) -> tuple[str, dict[str, Any]]:
    missing = case_missing(case)
    return "completeness_notice", {
        "document_number": f"{case.region.code[:6]}-告知-{case.pk:06d}",
        "received_on": chinese_date(case.intake.received_on),
        "missing": [{"title": m.title, "note": m.note} for m in missing],
        "deadline_note": _(
            "请在补齐上述材料后到乡镇（街道）社会救助窗口办理；已可通过政务服务平台共享获取的材料无需提供。"
        ),
    }


def _investigation(case: Case) -> tuple[str, dict[str, Any]]:
    visit = case.home_visits.filter(by_district=False).order_by("-visited_on", "-id").first()
    if visit is None:
        raise Conflict("document.no_visit", _("该申请尚无入户调查记录"))
    on = visit.visited_on
    members = [
        {"name": m.person.name, "relation": m.get_relation_display(), "age": _age(m.person.birth_on, on)}
        for m in case.household.members.filter(valid_to__isnull=True).select_related("person")
    ]
    declared = [
        {"kind": economic_kind_label(item["category"], item["kind"]), "amount_yuan": format_yuan(item["amount_fen"])}
        for item in case.intake.declared
    ]
    return "investigation_record", {
        "document_number": f"{case.region.code[:6]}-调查-{case.pk:06d}",
        "address": case.household.address,
        "visited_on": chinese_date(on),
        "investigators": visit.investigators,
        "method": visit.get_method_display(),
        "findings": visit.findings,
        "members": members,
        "declared": declared,
    }


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def notice_list_document(*, actor: Actor, region_id: int, on: date) -> RenderedDocument:
    """The public notice list of a village or community (or every village below a township) on a date."""
    actor.require("case.view")
    region = Region.objects.filter(pk=region_id, path__startswith=actor.scope_path).first()
    if region is None:
        raise NotFound("region.not_found", _("未找到该区划"))
    notices = public_notices(region=region, on=on)
    rows = [
        {"name_masked": n.name_masked, "members": n.members, "amount_yuan": format_yuan(n.amount_fen),
         "programme_title": n.case.get_programme_display()}
        for n in notices
    ]  # fmt: skip
    first = min((n.starts_on for n in notices), default=on)
    last = max((n.ends_on for n in notices), default=on)
    township, _district = _ancestors(region)
    content = document_render(kind="notice_list", context={
        "authority": _government(township or region),
        "document_number": f"{region.code}-公示-{on:%Y%m%d}",
        "issued_on": chinese_date(on),
        "legal_basis": ["最低生活保障审核确认办法 第19、24条", "特困人员认定办法 第14条"],
        "region_name": region.name,
        "period": f"{chinese_date(first)}至{chinese_date(last)}",
        "rows": rows,
        "contact": _("对公示对象有异议的，请在公示期内向%(place)s社会救助窗口实名反映。") % {
            "place": (township or region).name
        },
    })  # fmt: skip
    audit_record(actor=actor, action="notice.document", region=region, detail={"on": on.isoformat(), "rows": len(rows)})
    return RenderedDocument(filename=f"notice-{region.code}-{on:%Y%m%d}.pdf", content=content)
