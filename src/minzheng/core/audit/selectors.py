"""Reads of the audit log (ARCHITECTURE §7 Audit): a supervisor reads the events filed under their region subtree.

Also the labels the audit page shows (actions, object types, roles), so templates hold no mappings: a known code
gets its Chinese label, an unknown one is shown as recorded.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from minzheng.core.access.actor import Actor
from minzheng.core.access.models import Role
from minzheng.core.audit.models import AuditEvent
from minzheng.core.audit.services import audit_record
from minzheng.core.pagination import Page, keyset_page
from minzheng.core.regions.models import Region

VIEW_ACTION = "audit.view"

ACTION_LABELS: dict[str, Promise] = {
    "person.view": _("查看人员"),
    "person.unmask": _("查看完整号码"),
    "person.create": _("登记人员"),
    "person.update": _("修改人员"),
    "person.death": _("登记死亡"),
    "household.view": _("查看家庭"),
    "household.create": _("登记家庭"),
    "household.update": _("修改家庭"),
    "household.member_add": _("增加家庭成员"),
    "household.member_end": _("家庭成员减少"),
    "registry.import": _("批量导入"),
    "token.issue": _("签发接口令牌"),
    "token.revoke": _("吊销接口令牌"),
    "assessment.create": _("救助评估"),
    "intake.create": _("受理登记"),
    "intake.create_online": _("网上申请"),
    "attachment.add": _("上传申请材料"),
    "attachment.read": _("查看申请材料"),
    "case.view": _("查看申请"),
    "case.accept": _("受理"),
    "case.investigate": _("开始调查"),
    "case.home_visit": _("入户调查"),
    "case.economic_check": _("信息核对"),
    "case.review": _("初审"),
    "case.object": _("公示异议"),
    "case.notice_end": _("公示期满"),
    "case.approve": _("审批通过"),
    "case.refuse": _("不予批准"),
    "case.suspend": _("中止办理"),
    "case.resume": _("恢复办理"),
    "case.withdraw": _("撤回申请"),
    "case.terminate": _("终止办理"),
    "case.extend": _("延长期限"),
    "case.assign": _("分配经办人"),
    "case.advance_aid": _("先行救助"),
    "case.notified": _("送达决定"),
    "case.document": _("生成文书"),
    "case.deadlines_refresh": _("重算办理期限"),
    "notice.document": _("生成公示名单"),
    "referral.send": _("转办"),
    "referral.feedback": _("转办反馈"),
    "referral.escalate": _("转办督办"),
    "enrolment.view": _("查看保障对象"),
    "enrolment.start": _("开始发放"),
    "enrolment.review": _("复核"),
    "enrolment.change": _("变更金额"),
    "enrolment.phase_out": _("进入渐退"),
    "enrolment.suspend": _("暂停发放"),
    "enrolment.resume": _("恢复发放"),
    "enrolment.stop": _("停发"),
    "portal.login": _("门户登录"),
    "portal.login_failed": _("门户登录失败"),
    "portal.cases_view": _("门户查看申请"),
    "calendar.seed": _("载入节假日安排"),
    "calendar.year_load": _("载入年度节假日安排"),
    "parameter.load": _("载入政策参数"),
    VIEW_ACTION: _("查看审计日志"),
}

OBJECT_TYPE_LABELS: dict[str, Promise] = {
    "registry.person": _("人员"),
    "registry.household": _("家庭"),
    "core.apitoken": _("接口令牌"),
    "cases.case": _("救助申请"),
    "cases.intake": _("受理登记"),
    "cases.attachment": _("申请材料"),
    "cases.referral": _("转办"),
    "payments.enrolment": _("保障对象"),
}

# The page showing an object, by URL name: core reverses the name and never imports the app that serves it.
OBJECT_PAGES: dict[str, str] = {
    "registry.person": "person_detail",
    "registry.household": "household_detail",
    "cases.case": "cases:detail",
    "cases.referral": "cases:referral",
    "payments.enrolment": "payments:enrolment",
}


@dataclass(frozen=True)
class AuditFilters:
    """Exact matches on the recorded codes, and a range of local (Asia/Shanghai) dates, both ends included."""

    action: str = ""
    username: str = ""
    object_type: str = ""
    object_id: str = ""
    date_from: date | None = None
    date_to: date | None = None


def audit_event_list(
    *,
    actor: Actor,
    action: str = "",
    username: str = "",
    object_type: str = "",
    object_id: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEvent]:
    """Audit events in the supervisor's region: filed under the region of the object they concern.

    Empty arguments do not filter. The dates are local calendar days, turned into a half-open range of instants
    so that the index on `at` serves it.
    """
    actor.require("audit.view")
    events = AuditEvent.objects.filter(
        Q(region_path__startswith=actor.scope_path) | Q(other_region_path__startswith=actor.scope_path)
    )
    exact = {"action": action, "username": username, "object_type": object_type, "object_id": object_id}
    events = events.filter(**{field: value for field, value in exact.items() if value})
    if date_from is not None and date_from > date.min:
        events = events.filter(at__gte=_local_midnight(date_from))
    if date_to is not None and date_to < date.max:
        events = events.filter(at__lt=_local_midnight(date_to + timedelta(days=1)))
    return events


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_page(*, actor: Actor, filters: AuditFilters, after: int | None, limit: int) -> Page[AuditEvent]:
    """One page of the filtered events, newest first, after the event `after`; the read is itself audited
    (`audit.view`, filed under the supervisor's own region, with the filters used)."""
    events = audit_event_list(actor=actor, **asdict(filters))
    page = keyset_page(events, after=after, limit=limit, order="-pk")
    used = {key: str(value) for key, value in asdict(filters).items() if value}
    region = Region.objects.filter(id=actor.region_id).first()
    audit_record(
        actor=actor,
        action=VIEW_ACTION,
        region=region,
        detail={"filters": used, "after": after, "rows": len(page.items)},
    )
    return page


def audit_action_choices(*, actor: Actor) -> list[tuple[str, str]]:
    """The known actions as (code, label), in the order of ACTION_LABELS.

    A fixed list, not the actions present in the log: listing those would scan the whole log on every page.
    """
    actor.require("audit.view")
    return [(code, str(label)) for code, label in ACTION_LABELS.items()]


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return action if label is None else str(label)


def object_type_label(object_type: str) -> str:
    label = OBJECT_TYPE_LABELS.get(object_type)
    return object_type if label is None else str(label)


def object_url(object_type: str, object_id: str) -> str | None:
    """The staff page of the object an event concerns, when there is one."""
    name = OBJECT_PAGES.get(object_type)
    if name is None or not (object_id.isascii() and object_id.isdigit()):
        return None
    return reverse(name, args=[int(object_id)])


def role_labels(roles: str) -> list[str]:
    """The comma-separated role codes of an event as labels, in the order of Role; unknown codes as recorded."""
    codes = {code for code in roles.split(",") if code}
    known = [str(label) for value, label in Role.choices if value in codes]
    return known + sorted(codes - set(Role.values))


def detail_text(detail: object) -> str:
    """An event's detail as indented JSON with Chinese kept readable; "" when there is none."""
    return json.dumps(detail, ensure_ascii=False, indent=2, sort_keys=True) if detail else ""
