"""Forms of the resident portal: they parse what the resident typed into the services' inputs and put the
services' field errors back next to the fields. The rules themselves live in the services."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from minzheng.cases.intake import Declared, IntakeInput, ProgrammeRequest
from minzheng.core.errors import FieldError, InvalidInput
from minzheng.core.money import parse_yuan
from minzheng.portal.selectors import Member, ProgrammeOption, income_kinds

CODE = re.compile(r"^\d{6}$")
MONTHLY, YEARLY = "1", "12"
_PROGRAMME_PATH = re.compile(r"^programmes\[(\d+)\]\.(\w+)$")
_DECLARED_PATH = re.compile(r"^declared\[(\d+)\]\.(\w+)$")
_PROGRAMME_FIELDS = {"programme": "p", "person_id": "m", "aid_kind": "k"}
_DECLARED_FIELDS = {"kind": "kind", "amount_fen": "amount", "person_id": "person", "period_months": "period"}


class PhoneForm(forms.Form):
    phone = forms.CharField(label=_("手机号码"), max_length=20)


class CodeForm(forms.Form):
    code = forms.CharField(label=_("验证码"), max_length=6)

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"].strip()
        if not CODE.match(code):
            raise forms.ValidationError(_("请输入短信中的6位数字验证码"))
        return code


class IncomeForm(forms.Form):
    """One declared income; a row left blank is skipped."""

    person = forms.ChoiceField(label=_("收入人"), required=False)
    kind = forms.ChoiceField(label=_("收入类别"), required=False)
    amount = forms.CharField(label=_("金额（元）"), max_length=20, required=False)
    period = forms.ChoiceField(
        label=_("计算期"), choices=[(MONTHLY, _("每月")), (YEARLY, _("近12个月合计"))], initial=MONTHLY
    )

    def __init__(self, *args: Any, members: list[Member], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        person, kind = cast(forms.ChoiceField, self.fields["person"]), cast(forms.ChoiceField, self.fields["kind"])
        person.choices = [("", _("全家共同")), *((str(m.person_id), m.label) for m in members)]
        kind.choices = [("", _("请选择")), *income_kinds()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("kind") and not data.get("amount"):
            return data
        if not data.get("kind"):
            self.add_error("kind", _("请选择收入类别"))
        try:
            data["amount_fen"] = parse_yuan(data.get("amount") or "")
        except InvalidInput as error:
            self.add_error("amount", str(error.message))
        return data

    def declared(self) -> Declared | None:
        data = self.cleaned_data
        if not data.get("kind"):
            return None
        person = data.get("person")
        return Declared(
            "income", data["kind"], data["amount_fen"], int(person) if person else None, int(data["period"])
        )


IncomeFormSet = forms.formset_factory(IncomeForm, extra=3, max_num=10, validate_max=True)


class ApplicationForm(forms.Form):
    """The online application: programmes (with the member or the kind of aid where asked), consent, other needs.

    Fields per programme: `p_<code>` (apply), `m_<code>` (which member), `k_<code>` (临时救助: which kind)."""

    consent = forms.BooleanField(
        label=_("本人承诺所填信息真实，并授权民政部门核对全体共同生活家庭成员的经济状况（授权核对）"),
        error_messages={"required": _("须同意授权核对后才能提交申请")},
    )
    other_needs = forms.CharField(
        label=_("其他困难或需求"),
        help_text=_("如就医、就学、住房、就业等方面的困难，由乡镇（街道）转交有关部门办理"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        required=False,
    )

    def __init__(self, *args: Any, members: list[Member], options: list[ProgrammeOption], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.options = options
        member_choices = [("", _("请选择家庭成员")), *((str(m.person_id), m.label) for m in members)]
        for option in options:
            self.fields[f"p_{option.code}"] = forms.BooleanField(label=option.label, required=False)
            if option.per_person:
                self.fields[f"m_{option.code}"] = forms.ChoiceField(
                    label=_("申请的家庭成员"), choices=member_choices, required=False
                )
            if option.aid_kinds:
                self.fields[f"k_{option.code}"] = forms.ChoiceField(
                    label=_("救助类型"),
                    choices=[(kind.code, kind.title) for kind in option.aid_kinds],
                    widget=forms.RadioSelect,
                    required=False,
                )
        self._chosen: list[str] = []  # programme codes in the order of the service's `programmes[i]`
        self._income_rows: list[int] = []  # formset rows in the order of the service's `declared[i]`

    def programme_rows(self) -> list[dict[str, Any]]:
        """Each programme with its bound fields, for the template."""
        return [
            {
                "option": option,
                "apply": self[f"p_{option.code}"],
                "member": self[f"m_{option.code}"] if option.per_person else None,
                "kind": self[f"k_{option.code}"] if option.aid_kinds else None,
                "kinds": list(zip(self[f"k_{option.code}"], option.aid_kinds, strict=True)) if option.aid_kinds else [],
            }
            for option in self.options
        ]

    def intake_input(self, incomes: Any, today: date) -> IntakeInput:
        """The service's input from a valid form and income formset; remembers the order for `add_service_errors`."""
        data = self.cleaned_data
        requests, self._chosen = [], []
        for option in self.options:
            if data.get(f"p_{option.code}"):
                member = data.get(f"m_{option.code}")
                kind = data.get(f"k_{option.code}") or ""
                requests.append(ProgrammeRequest(option.code, int(member) if member else None, kind))
                self._chosen.append(option.code)
        declared = [(index, item) for index, row in enumerate(incomes.forms) if (item := row.declared()) is not None]
        self._income_rows = [index for index, _item in declared]
        return IntakeInput(
            channel="online",
            received_on=today,
            programmes=requests,
            authorisation_signed_on=today,  # the required consent box is the online signature of 授权核对
            other_needs=data.get("other_needs") or "",
            declared=[item for _index, item in declared],
        )

    def add_service_errors(self, errors: list[FieldError], incomes: Any) -> None:
        """Put each of the service's errors next to the field it names (`programmes[1].person_id` → `m_tekun`)."""
        for error in errors:
            message = str(error.message)
            if match := _PROGRAMME_PATH.match(error.path):
                code = self._chosen[int(match[1])]
                prefix = _PROGRAMME_FIELDS.get(match[2], "p")
                self.add_error(f"{prefix}_{code}" if f"{prefix}_{code}" in self.fields else f"p_{code}", message)
            elif match := _DECLARED_PATH.match(error.path):
                row = incomes.forms[self._income_rows[int(match[1])]]
                row.add_error(_DECLARED_FIELDS.get(match[2]), message)
            elif error.path in self.fields:
                self.add_error(error.path, message)
            else:
                self.add_error(None, message)
