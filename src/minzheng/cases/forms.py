"""Forms of the case pages: they parse and type what was posted, and build the services' input types.

Forms never write: every view hands the parsed input to one service (`case_act`, the casework services,
`attachment_add`, `referral_send`, `referral_feedback`) and shows that service's errors. Amounts are typed in
yuan and parsed to integer fen by `core.money.parse_yuan`; never float.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minzheng.cases.casework import HomeVisitInput
from minzheng.cases.intake import MATERIALS, Declared, IntakeInput, ProgrammeRequest, ReferralRequest
from minzheng.cases.models import CaseState, Channel, CheckResult, ReferralStatus, TemporaryAidKind, VisitMethod
from minzheng.cases.referrals import FEEDBACK_STATUSES, FeedbackInput
from minzheng.cases.selectors import QUEUE_ORDERS, QueueFilter
from minzheng.cases.services import ActionInput, ObjectionInput
from minzheng.cases.workflow import ACTIONS, APPLICABLE_PROGRAMMES, PERSON_PROGRAMMES, Action
from minzheng.core.errors import InvalidInput
from minzheng.core.money import parse_yuan
from minzheng.core.programmes import Programme
from minzheng.registry.selectors import economic_kind_label, economic_kinds

PROGRAMME_CHOICES = [(code, Programme(code).label) for code in APPLICABLE_PROGRAMMES]
URGENCY_CHOICES = [("", _("全部")), ("overdue", _("已超期")), ("due_soon", _("3个工作日内到期"))]
BULK_OPERATIONS = {"approve": _("批量审批"), "notice_end": _("公示期满"), "assign": _("分配给…")}


class YuanField(forms.CharField):
    """An amount typed in yuan ("1,234.50", "￥800"), cleaned to integer fen (None when left empty)."""

    def clean(self, value: Any) -> int | None:
        text = super().clean(value)
        if not text:
            return None
        try:
            return int(parse_yuan(text))
        except InvalidInput as error:
            raise forms.ValidationError(str(error.message), code=error.code) from error


def _set_choices(form: forms.Form, name: str, choices: Any) -> None:
    """Options known only at request time (the household's members, the staff, the departments)."""
    cast(forms.ChoiceField, form.fields[name]).choices = choices


def _today() -> date:
    return timezone.localdate()


def _date(label: Any, *, required: bool = True) -> forms.DateField:
    """A date input; a required one starts at today."""
    return forms.DateField(
        label=label,
        required=required,
        initial=_today if required else None,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def _text(
    label: Any, *, required: bool = False, max_length: int = 2000, rows: int = 2, help_text: Any = ""
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


# ------------------------------------------------------------------------------------------------------ queue


class QueueFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部状态")), *CaseState.choices])
    programme = forms.ChoiceField(
        label=_("救助项目"), required=False, choices=[("", _("全部项目")), *PROGRAMME_CHOICES]
    )
    urgency = forms.ChoiceField(label=_("期限"), required=False, choices=URGENCY_CHOICES)
    mine = forms.BooleanField(label=_("只看分配给我的"), required=False)
    closed = forms.BooleanField(label=_("包括已办结"), required=False)
    order = forms.ChoiceField(required=False, choices=[(key, key) for key in QUEUE_ORDERS])
    page = forms.IntegerField(required=False, min_value=1)

    def queue_filter(self) -> QueueFilter:
        """The selector's filter; an invalid value is ignored, as if it had not been given."""
        data = self.cleaned_data if self.is_valid() else {}
        return QueueFilter(
            state=data.get("state", ""),
            programme=data.get("programme", ""),
            urgency=data.get("urgency", ""),
            mine=bool(data.get("mine")),
            open_only=not data.get("closed"),
            order=data.get("order") or "due",
        )


class BulkForm(forms.Form):
    operation = forms.ChoiceField(choices=list(BULK_OPERATIONS.items()))
    case_ids = forms.TypedMultipleChoiceField(coerce=int, choices=[])
    on = _date(_("办理日期"))
    assignee = forms.TypedChoiceField(label=_("经办人"), coerce=int, required=False, choices=[])
    back = forms.CharField(required=False, max_length=500)

    def __init__(self, *args: Any, staff: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = self.data.getlist("case_ids") if hasattr(self.data, "getlist") else []
        _set_choices(self, "case_ids", [(value, value) for value in ids])  # any id: the service checks each one
        _set_choices(self, "assignee", [("", "—"), *staff])

    def clean_case_ids(self) -> list[int]:
        ids: list[int] = self.cleaned_data["case_ids"]
        if not ids:
            raise forms.ValidationError(_("请先勾选申请"))
        return ids

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("operation") == "assign" and not data.get("assignee"):
            self.add_error("assignee", _("请选择经办人"))
        return data


# --------------------------------------------------------------------------------------------- case actions


REASON_LABELS = {
    "object": _("登记说明"),
    "approve": _("调整金额理由"),
    "refuse": _("不予批准理由"),
    "suspend": _("中止理由"),
    "withdraw": _("撤回理由"),
    "terminate": _("终止理由"),
}


class ActionForm(forms.Form):
    """One state-moving action (`case_act`): the date and, as the action needs them, a reason, the approved
    amount, or the objection raised during the public notice."""

    action = forms.ChoiceField(
        choices=[(name, action.label) for name, action in ACTIONS.items()], widget=forms.HiddenInput
    )
    on = _date(_("办理日期"))
    amount = YuanField(label=_("核定金额（元）"), max_length=24)
    objector_name = forms.CharField(label=_("异议人"), max_length=64)
    objector_contact = forms.CharField(label=_("联系方式"), required=False, max_length=64)
    objection = _text(_("异议内容"), required=True)
    reason = _text(_("备注"))

    def __init__(self, *args: Any, action: Action, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("action", action.name)
        if action.name != "approve":
            del self.fields["amount"]
        if action.name != "object":
            for name in ("objector_name", "objector_contact", "objection"):
                del self.fields[name]
        reason = self.fields["reason"]
        reason.required = action.needs_reason
        reason.label = REASON_LABELS.get(action.name, reason.label)
        if action.name == "approve":
            reason.help_text = _("核定金额与评估金额不一致时必填")

    def action_input(self) -> ActionInput:
        data = self.cleaned_data
        objection = None
        if "objection" in self.fields:
            objection = ObjectionInput(data["objector_name"], data["objector_contact"], data["objection"])
        return ActionInput(
            action=data["action"],
            on=data["on"],
            reason=data["reason"],
            amount_fen=data.get("amount"),
            objection=objection,
        )


class HomeVisitForm(forms.Form):
    visited_on = _date(_("调查日期"))
    method = forms.ChoiceField(label=_("方式"), choices=VisitMethod.choices, initial=VisitMethod.IN_PERSON)
    investigators = forms.CharField(
        label=_("调查人员"),
        max_length=500,
        help_text=_("不少于2人，以逗号、顿号或换行分隔"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    staff = forms.TypedMultipleChoiceField(
        label=_("其中的工作人员"), coerce=int, required=False, choices=[], widget=forms.CheckboxSelectMultiple
    )
    findings = _text(_("调查情况"), required=True, rows=3)
    by_district = forms.BooleanField(label=_("区县入户核查"), required=False)

    def __init__(self, *args: Any, staff: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "staff", staff)

    def visit_input(self) -> HomeVisitInput:
        data = self.cleaned_data
        text = data["investigators"]
        for separator in "，、,;；\n":
            text = text.replace(separator, "\n")
        return HomeVisitInput(
            visited_on=data["visited_on"],
            investigators=[name.strip() for name in text.split("\n") if name.strip()],
            findings=data["findings"],
            investigator_user_ids=data["staff"],
            method=data["method"],
            by_district=data["by_district"],
        )


class EconomicCheckForm(forms.Form):
    completed_on = _date(_("核对完成日期"))
    result = forms.ChoiceField(label=_("核对结果"), choices=CheckResult.choices)
    summary = _text(_("核对情况"))


class ExtendForm(forms.Form):
    reason = _text(_("延期理由"), required=True, max_length=255)


class AssignForm(forms.Form):
    assignee = forms.TypedChoiceField(label=_("经办人"), coerce=int, choices=[])

    def __init__(self, *args: Any, staff: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "assignee", staff)


class AdvanceAidForm(forms.Form):
    amount = YuanField(label=_("先行救助金额（元）"), max_length=24)
    paid_on = _date(_("发放日期"))
    reason = _text(_("急难情况"), required=True)


class NotifiedForm(forms.Form):
    notified_on = _date(_("告知日期"))


class AttachmentForm(forms.Form):
    case_id = forms.IntegerField(widget=forms.HiddenInput)
    material = forms.ChoiceField(label=_("材料"), choices=[(code, m.title) for code, m in MATERIALS.items()])
    file = forms.FileField(label=_("文件（PDF、JPEG、PNG）"))


class ReferralSendForm(forms.Form):
    intake_id = forms.IntegerField(widget=forms.HiddenInput)
    department = forms.ChoiceField(label=_("接收部门"), choices=[])
    matter = _text(_("转办事项"), required=True)
    sent_on = _date(_("转办日期"))

    def __init__(self, *args: Any, departments: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "department", departments)


class FeedbackForm(forms.Form):
    status = forms.ChoiceField(
        label=_("办理结果"), choices=[(s.value, s.label) for s in ReferralStatus if s in FEEDBACK_STATUSES]
    )
    feedback = _text(_("反馈意见"), rows=3)
    feedback_on = _date(_("反馈日期"))

    def feedback_input(self) -> FeedbackInput:
        data = self.cleaned_data
        return FeedbackInput(status=data["status"], feedback=data["feedback"], feedback_on=data["feedback_on"])


# ------------------------------------------------------------------------------------------------------ intake

STAFF_CHANNELS = [(value, label) for value, label in Channel.choices if value != Channel.ONLINE]
PERSON_PROGRAMME_ORDER = [code for code in APPLICABLE_PROGRAMMES if code in PERSON_PROGRAMMES]
CATEGORY_LABELS = {"income": _("收入"), "asset": _("财产"), "expense": _("支出（近12个月）")}
MAX_DECLARED_ROWS = 40
_ROW_KEY = re.compile(r"^declared-(\d{1,3})-item$")


class MemberField(forms.TypedChoiceField):
    """A member of the household, offered as a list; whether the id is a current member is the service's check
    (`intake_validate` / `intake_create`), so validating as the user types needs no second read of the household."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(coerce=int, empty_value=None, **kwargs)

    def valid_value(self, value: Any) -> bool:
        return str(value).isdigit()


class IntakeForm(forms.Form):
    household = forms.IntegerField(widget=forms.HiddenInput)
    channel = forms.ChoiceField(label=_("受理渠道"), choices=STAFF_CHANNELS, initial=Channel.WINDOW)
    received_on = _date(_("接收日期"))
    programmes = forms.MultipleChoiceField(label=_("申请项目"), required=False, choices=PROGRAMME_CHOICES)
    aid_kind = forms.ChoiceField(
        label=_("临时救助类型"), required=False, choices=TemporaryAidKind.choices, widget=forms.RadioSelect
    )
    applicant = MemberField(label=_("申请人"), required=False)
    contact_phone = forms.CharField(label=_("联系电话"), required=False, max_length=11)
    authorisation_signed_on = _date(_("授权核对签署日期"), required=False)
    proxy_name = forms.CharField(label=_("代办人"), required=False, max_length=64)
    proxy_authorised = forms.BooleanField(label=_("已办理委托手续"), required=False)
    related_party = forms.BooleanField(label=_("属于近亲属备案情形"), required=False)
    related_party_note = forms.CharField(label=_("近亲属关系说明"), required=False, max_length=255)
    other_needs = _text(_("其他救助需求"))
    refer_to = forms.MultipleChoiceField(
        label=_("转办部门"), required=False, choices=[], widget=forms.CheckboxSelectMultiple
    )
    refer_matter = _text(_("转办事项"), help_text=_("不填则以“其他救助需求”为转办事项"))

    def __init__(
        self, *args: Any, members: list[tuple[int, str]], departments: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "applicant", [("", _("户主")), *members])
        for code in PERSON_PROGRAMME_ORDER:
            self.fields[f"person_{code}"] = MemberField(
                label=_("申请对象"), required=False, choices=[("", _("请选择家庭成员")), *members]
            )
        _set_choices(self, "refer_to", departments)

    def programme_rows(self) -> list[tuple[str, Any, bool, forms.BoundField | None]]:
        """(code, label, ticked, the extra question) per programme: the member for 单人保, 特困 and the subsidies;
        the type for 临时救助."""
        ticked = set(self["programmes"].value() or [])
        rows = []
        for code, label in PROGRAMME_CHOICES:
            extra = self[f"person_{code}"] if code in PERSON_PROGRAMMES else None
            if code == Programme.TEMPORARY_AID:
                extra = self["aid_kind"]
            rows.append((code, label, code in ticked, extra))
        return rows

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("refer_to") and not (data.get("refer_matter", "").strip() or data.get("other_needs", "").strip()):
            self.add_error("refer_matter", _("请填写转办事项"))
        return data


def _item_choices() -> list[tuple[Any, Any]]:
    kinds = economic_kinds()
    groups: list[tuple[Any, Any]] = [("", "—")]
    for category, label in CATEGORY_LABELS.items():
        options = sorted((f"{category}:{kind}", economic_kind_label(category, kind)) for kind in kinds[category])
        groups.append((label, options))
    return groups


class DeclaredRowForm(forms.Form):
    """One declared income, asset or expense (`item` is "category:kind"); a row left empty is ignored."""

    item = forms.ChoiceField(label=_("项目"), required=False, choices=_item_choices)
    person = MemberField(label=_("人员"), required=False)
    amount = YuanField(label=_("金额（元）"), required=False, max_length=24)
    period_months = forms.TypedChoiceField(
        label=_("计算期"), coerce=int, initial=1, choices=[(1, _("每月")), (12, _("12个月合计"))]
    )
    incurred_on = _date(_("发生日期"), required=False)

    def __init__(self, *args: Any, members: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "person", [("", _("全户")), *members])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("item") and data.get("amount") is None and "amount" not in self.errors:
            self.add_error("amount", _("请填写金额"))
        if not data.get("item") and data.get("amount") is not None:
            self.add_error("item", _("请选择申报项目"))
        return data

    def is_blank(self) -> bool:
        return not self.cleaned_data.get("item") and self.cleaned_data.get("amount") is None

    def declared(self) -> Declared:
        data = self.cleaned_data
        category, kind = data["item"].split(":", 1)
        return Declared(category=category, kind=kind, amount_fen=data["amount"], person_id=data["person"],
                        period_months=data["period_months"], incurred_on=data["incurred_on"])  # fmt: skip


def declared_rows(data: Any, members: list[tuple[int, str]]) -> list[DeclaredRowForm]:
    """The declared rows posted (`declared-<n>-…`), in order; at most MAX_DECLARED_ROWS."""
    indices = sorted({int(match.group(1)) for key in data if (match := _ROW_KEY.match(key))})
    return [DeclaredRowForm(data, prefix=f"declared-{n}", members=members) for n in indices[:MAX_DECLARED_ROWS]]


def intake_input(form: IntakeForm, rows: list[DeclaredRowForm]) -> IntakeInput:
    """The service's input from a valid form and valid rows."""
    data = form.cleaned_data
    programmes = [
        ProgrammeRequest(
            code,
            person_id=data.get(f"person_{code}") if code in PERSON_PROGRAMMES else None,
            aid_kind=data["aid_kind"] if code == Programme.TEMPORARY_AID else "",
        )
        for code in data["programmes"]
    ]
    matter = data["refer_matter"].strip() or data["other_needs"].strip()
    return IntakeInput(
        channel=data["channel"],
        received_on=data["received_on"],
        programmes=programmes,
        household_id=data["household"],
        applicant_id=data["applicant"],
        contact_phone=data["contact_phone"].strip(),
        authorisation_signed_on=data["authorisation_signed_on"],
        proxy_name=data["proxy_name"],
        proxy_authorised=data["proxy_authorised"],
        related_party=data["related_party"],
        related_party_note=data["related_party_note"],
        other_needs=data["other_needs"],
        declared=[row.declared() for row in rows if not row.is_blank()],
        referrals=[ReferralRequest(code, matter) for code in data["refer_to"]],
    )


_PATH_LABELS = {
    "channel": _("受理渠道"),
    "programmes": _("申请项目"),
    "proxy_name": _("代办人"),
    "applicant_id": _("申请人"),
    "related_party_note": _("近亲属关系说明"),
    "household_id": _("申请家庭"),
}
_PATH_INDEX = re.compile(r"^(programmes|declared)\[(\d+)\]")


def error_label(path: str, data: IntakeInput | None) -> str:
    """Where an error of `intake_validate` is, in words: "临时救助", "第2项申报", "代办人"."""
    match = _PATH_INDEX.match(path)
    if match and match.group(1) == "declared":
        return str(_("第%(n)d项申报") % {"n": int(match.group(2)) + 1})
    if match and data is not None and int(match.group(2)) < len(data.programmes):
        return str(Programme(data.programmes[int(match.group(2))].programme).label)
    return str(_PATH_LABELS.get(path.split(".")[0].split("[")[0], ""))
