"""One-door intake and the case workflow (ARCHITECTURE §5 cases; REFERENCE §1.3, §1.8–1.9, §3.2, §4).

An `Intake` is one visit or request (一门受理): a household asks for help, through one channel, possibly for
several programmes and for help outside civil affairs. Each programme asked for becomes a `Case` that moves
through its procedure (`cases/workflow.py`); every move is an append-only `Transition`. Referrals to other
departments (转办) hang off the intake, optionally off one case. Legal effect uses dates; timestamps are for
bookkeeping only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from minzheng.core.appendonly import AppendOnly
from minzheng.core.programmes import Programme


class Channel(models.TextChoices):
    WINDOW = "window", _("乡镇（街道）窗口")
    ASSISTANT = "assistant", _("村居协理员代办")
    ONLINE = "online", _("居民网上申请")
    OUTREACH = "outreach", _("主动发现（政策找人）")


class Intake(models.Model):
    household = models.ForeignKey(
        "registry.Household", verbose_name=_("申请家庭"), on_delete=models.PROTECT, related_name="intakes"
    )
    applicant = models.ForeignKey(
        "registry.Person", verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="intakes"
    )
    region = models.ForeignKey(  # the household's village: the scope every staff check uses
        "core.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="intakes"
    )
    channel = models.CharField(_("受理渠道"), max_length=16, choices=Channel.choices)
    received_on = models.DateField(_("接收日期"))
    contact_phone = models.CharField(_("联系电话"), max_length=11, blank=True, default="")
    authorisation_signed_on = models.DateField(_("授权核对签署日期"), null=True, blank=True)
    proxy_name = models.CharField(_("代办人"), max_length=64, blank=True, default="")
    proxy_authorised = models.BooleanField(_("已办理委托手续"), default=False)
    related_party = models.BooleanField(_("近亲属备案"), default=False)
    related_party_note = models.CharField(_("近亲属关系说明"), max_length=255, blank=True, default="")
    other_needs = models.TextField(_("其他救助需求"), blank=True, default="")
    declared = models.JSONField(_("申报的收入、财产和支出"), default=list)  # recorded in the registry at 受理
    declared_recorded_on = models.DateField(_("申报事项登记日期"), null=True, blank=True)
    source_alert_id = models.BigIntegerField(_("来源预警"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("受理登记")
        verbose_name_plural = _("受理登记")
        indexes = [models.Index(fields=["household"], name="intake_household_idx")]

    def __str__(self) -> str:
        return f"{self.pk}:{self.received_on}"


class CaseState(models.TextChoices):
    SUBMITTED = "submitted", _("待受理")
    ACCEPTED = "accepted", _("已受理")
    INVESTIGATING = "investigating", _("调查核对")
    ON_NOTICE = "on_notice", _("公示中")
    DISTRICT_REVIEW = "district_review", _("待审批")
    SUSPENDED = "suspended", _("已中止")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("不予批准")
    WITHDRAWN = "withdrawn", _("已撤回")
    TERMINATED = "terminated", _("已终止")


CLOSED_STATES = frozenset({CaseState.APPROVED, CaseState.REFUSED, CaseState.WITHDRAWN, CaseState.TERMINATED})
OPEN_STATES = frozenset(set(CaseState) - CLOSED_STATES)
OPEN_STATES_VALUES = frozenset(str(state.value) for state in OPEN_STATES)


class TemporaryAidKind(models.TextChoices):
    EMERGENCY = "emergency", _("急难型")
    EXPENDITURE = "expenditure", _("支出型")


class Case(models.Model):
    intake = models.ForeignKey(Intake, verbose_name=_("受理登记"), on_delete=models.PROTECT, related_name="cases")
    household = models.ForeignKey(
        "registry.Household", verbose_name=_("申请家庭"), on_delete=models.PROTECT, related_name="cases"
    )
    person = models.ForeignKey(  # single-person programmes: 单人保, 特困, 两项补贴
        "registry.Person", verbose_name=_("申请对象"), on_delete=models.PROTECT, related_name="cases", null=True
    )
    region = models.ForeignKey("core.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+")
    programme = models.CharField(_("救助项目"), max_length=24, choices=Programme.choices)
    aid_kind = models.CharField(_("临时救助类型"), max_length=16, choices=TemporaryAidKind.choices, blank=True)
    procedure = models.CharField(_("办理程序"), max_length=32)
    state = models.CharField(_("状态"), max_length=16, choices=CaseState.choices, default=CaseState.SUBMITTED)
    suspended_from = models.CharField(_("中止前状态"), max_length=16, blank=True, default="")
    accepted_on = models.DateField(_("受理日期"), null=True, blank=True)
    due_on = models.DateField(_("办结期限"), null=True, blank=True)
    due_provisional = models.BooleanField(_("期限为暂定"), default=False)
    step_due_on = models.DateField(_("本环节期限"), null=True, blank=True)
    step_due_provisional = models.BooleanField(_("本环节期限为暂定"), default=False)
    excluded_days = models.PositiveSmallIntegerField(_("不计入期限的工作日"), default=0)
    extended = models.BooleanField(_("已延期"), default=False)
    extension_reason = models.CharField(_("延期理由"), max_length=255, blank=True, default="")
    delegated = models.BooleanField(_("委托乡镇审批"), default=False)
    related_party = models.BooleanField(_("近亲属备案"), default=False)
    district_visit_required = models.BooleanField(_("需区县入户核查"), default=False)
    notice_round = models.PositiveSmallIntegerField(_("公示轮次"), default=0)
    assessment = models.ForeignKey(
        "assistance.Assessment", verbose_name=_("评估"), on_delete=models.PROTECT, related_name="+", null=True
    )
    assessed_amount_fen = models.BigIntegerField(_("评估金额（分）"), null=True, blank=True)
    assessed_eligible = models.BooleanField(_("评估符合条件"), null=True)
    advance_aid_fen = models.BigIntegerField(_("先行救助金额（分）"), default=0)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("经办人"), on_delete=models.PROTECT, related_name="+", null=True
    )
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("救助申请")
        verbose_name_plural = _("救助申请")
        indexes = [
            models.Index(fields=["region", "state", "due_on"], name="case_queue_idx"),
            models.Index(fields=["state", "due_on"], name="case_state_due_idx"),
            models.Index(fields=["household"], name="case_household_idx"),
            # The work queue's default: open cases by due date (city-wide first page 409 → 19 ms on PostgreSQL).
            models.Index(
                fields=["due_on", "id"],
                name="case_open_due_idx",
                condition=models.Q(state__in=sorted(OPEN_STATES_VALUES)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pk}:{self.programme}:{self.state}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class Transition(AppendOnly):
    case = models.ForeignKey(Case, verbose_name=_("申请"), on_delete=models.PROTECT, related_name="transitions")
    action = models.CharField(_("操作"), max_length=32)
    from_state = models.CharField(_("原状态"), max_length=16, choices=CaseState.choices, blank=True)
    to_state = models.CharField(_("新状态"), max_length=16, choices=CaseState.choices)
    on = models.DateField(_("日期"))
    at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, related_name="+", null=True
    )
    actor_name = models.CharField(_("操作人"), max_length=150)
    role = models.CharField(_("角色"), max_length=255, blank=True, default="")
    reason = models.TextField(_("理由"), blank=True, default="")
    detail = models.JSONField(_("详情"), default=dict)

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        indexes = [models.Index(fields=["case", "at"], name="transition_case_idx")]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.action}"


class VisitMethod(models.TextChoices):
    IN_PERSON = "in_person", _("入户调查")
    REMOTE = "remote", _("非接触式（电话、视频）")


class HomeVisit(AppendOnly):
    """入户调查 by at least two people (审核确认办法 第16条); `by_district` is the county's own check (第20条)."""

    case = models.ForeignKey(Case, verbose_name=_("申请"), on_delete=models.PROTECT, related_name="home_visits")
    visited_on = models.DateField(_("调查日期"))
    method = models.CharField(_("方式"), max_length=16, choices=VisitMethod.choices, default=VisitMethod.IN_PERSON)
    investigators = models.JSONField(_("调查人员"), default=list)  # names as signed on the record
    investigator_user_ids = models.JSONField(default=list)  # staff among them: barred from approving (maker-checker)
    by_district = models.BooleanField(_("区县入户核查"), default=False)
    findings = models.TextField(_("调查情况"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("入户调查")
        verbose_name_plural = _("入户调查")

    def __str__(self) -> str:
        return f"{self.case_id}@{self.visited_on}"


class CheckResult(models.TextChoices):
    CONSISTENT = "consistent", _("与申报一致")
    DISCREPANCY = "discrepancy", _("与申报不一致")


class EconomicCheck(models.Model):
    """信息核对 requested from the county, which must start it within 3 working days (审核确认办法 第17条)."""

    case = models.ForeignKey(Case, verbose_name=_("申请"), on_delete=models.PROTECT, related_name="economic_checks")
    requested_on = models.DateField(_("申请核对日期"))
    start_due_on = models.DateField(_("启动核对期限"))
    completed_on = models.DateField(_("核对完成日期"), null=True, blank=True)
    result = models.CharField(_("核对结果"), max_length=16, choices=CheckResult.choices, blank=True, default="")
    summary = models.TextField(_("核对情况"), blank=True, default="")

    class Meta:
        verbose_name = _("家庭经济状况核对")
        verbose_name_plural = _("家庭经济状况核对")

    def __str__(self) -> str:
        return f"{self.case_id}@{self.requested_on}"


class PublicNotice(models.Model):
    """公示 in the village or community: only name, member count, amount and programme (审核确认办法 第19、24条)."""

    case = models.ForeignKey(Case, verbose_name=_("申请"), on_delete=models.PROTECT, related_name="notices")
    region = models.ForeignKey("core.Region", verbose_name=_("公示地点"), on_delete=models.PROTECT, related_name="+")
    round = models.PositiveSmallIntegerField(_("轮次"))
    starts_on = models.DateField(_("公示开始"))
    ends_on = models.DateField(_("公示结束"))
    name_masked = models.CharField(_("姓名"), max_length=64)
    members = models.PositiveSmallIntegerField(_("人数"))
    amount_fen = models.BigIntegerField(_("金额（分）"))
    closed_on = models.DateField(_("结束日期"), null=True, blank=True)  # the day it ended or an objection stopped it
    objected = models.BooleanField(_("有异议"), default=False)

    class Meta:
        verbose_name = _("公示")
        verbose_name_plural = _("公示")
        constraints = [models.UniqueConstraint(fields=["case", "round"], name="notice_case_round")]
        indexes = [models.Index(fields=["region", "ends_on"], name="notice_region_idx")]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.round}"


class Objection(AppendOnly):
    notice = models.ForeignKey(
        PublicNotice, verbose_name=_("公示"), on_delete=models.PROTECT, related_name="objections"
    )
    received_on = models.DateField(_("收到日期"))
    objector_name = models.CharField(_("异议人"), max_length=64)
    objector_contact = models.CharField(_("联系方式"), max_length=64)  # private: never on a public page
    content = models.TextField(_("异议内容"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")

    def __str__(self) -> str:
        return f"{self.notice_id}@{self.received_on}"


class DecisionOutcome(models.TextChoices):
    APPROVED = "approved", _("批准")
    REFUSED = "refused", _("不予批准")


class Decision(models.Model):
    case = models.OneToOneField(Case, verbose_name=_("申请"), on_delete=models.PROTECT, related_name="decision")
    outcome = models.CharField(_("决定"), max_length=16, choices=DecisionOutcome.choices)
    decided_on = models.DateField(_("决定日期"))
    amount_fen = models.BigIntegerField(_("核定金额（分）"), default=0)
    assessed_amount_fen = models.BigIntegerField(_("评估金额（分）"), null=True, blank=True)
    override_reason = models.TextField(_("调整金额理由"), blank=True, default="")
    start_month = models.DateField(_("起发月份"), null=True, blank=True)  # the first day of the month
    reasons = models.TextField(_("理由"), blank=True, default="")
    notify_due_on = models.DateField(_("书面告知期限"), null=True, blank=True)
    notified_on = models.DateField(_("告知日期"), null=True, blank=True)
    document_number = models.CharField(_("文书编号"), max_length=64)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("决定人"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("审批决定")
        verbose_name_plural = _("审批决定")

    def __str__(self) -> str:
        return self.document_number


class Attachment(models.Model):
    """A scanned material; the file lives under settings.PRIVATE_FILES_DIR, outside the web root."""

    intake = models.ForeignKey(Intake, verbose_name=_("受理登记"), on_delete=models.PROTECT, related_name="attachments")
    material = models.CharField(_("材料"), max_length=32)
    filename = models.CharField(_("文件名"), max_length=255)
    content_type = models.CharField(_("文件类型"), max_length=64)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=128, unique=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+", null=True
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")

    def __str__(self) -> str:
        return self.filename


class Department(models.Model):
    """A department that receives referrals (协同办理); configured in the admin."""

    code = models.SlugField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("协同部门")
        verbose_name_plural = _("协同部门")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class DepartmentOfficer(models.Model):
    """Binds a staff account with the department_officer role to its department: it sees that department's
    referrals within its region, nothing else."""

    staff = models.OneToOneField(
        "core.Staff", verbose_name=_("工作人员"), on_delete=models.CASCADE, related_name="department_link"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("部门"), on_delete=models.PROTECT, related_name="officers"
    )

    class Meta:
        verbose_name = _("部门经办人员")
        verbose_name_plural = _("部门经办人员")

    def __str__(self) -> str:
        return f"{self.staff}@{self.department}"


class ReferralStatus(models.TextChoices):
    SENT = "sent", _("待反馈")
    ACCEPTED = "accepted", _("已接收办理")
    HELPED = "helped", _("已救助")
    DECLINED = "declined", _("不予办理")


class Referral(models.Model):
    intake = models.ForeignKey(Intake, verbose_name=_("受理登记"), on_delete=models.PROTECT, related_name="referrals")
    case = models.ForeignKey(
        Case, verbose_name=_("申请"), on_delete=models.PROTECT, related_name="referrals", null=True, blank=True
    )
    department = models.ForeignKey(Department, verbose_name=_("接收部门"), on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("core.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+")
    matter = models.TextField(_("转办事项"))
    sent_on = models.DateField(_("转办日期"))
    due_on = models.DateField(_("反馈期限"))
    due_provisional = models.BooleanField(_("期限为暂定"), default=False)
    status = models.CharField(_("状态"), max_length=16, choices=ReferralStatus.choices, default=ReferralStatus.SENT)
    feedback = models.TextField(_("反馈意见"), blank=True, default="")
    feedback_on = models.DateField(_("反馈日期"), null=True, blank=True)
    escalated_on = models.DateField(_("督办日期"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("转办人"), on_delete=models.PROTECT, related_name="+"
    )
    feedback_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("反馈人"), on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        verbose_name = _("转办")
        verbose_name_plural = _("转办")
        indexes = [
            models.Index(fields=["department", "status", "due_on"], name="referral_department_idx"),
            models.Index(fields=["region", "status"], name="referral_region_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.intake_id}->{self.department_id}"
