"""Display helpers of the case pages: `case|case_number`, `name|masked`, `transition.role|role_labels`."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import template

from minzheng.core.access.models import Role
from minzheng.core.masking import mask_name

register = template.Library()

_ROLE_LABELS = dict(Role.choices)


@register.filter
def case_number(case: Any) -> str:
    """The number staff quote for a case: its id, zero-padded to six digits."""
    return f"{int(case.pk):06d}"


@register.filter
def masked(name: str | None) -> str:
    """A person's name as lists show it: "张三丰" → "张*丰"."""
    return mask_name(name)


@register.filter
def role_labels(roles: str) -> str:
    """The roles recorded on a transition ("township_caseworker,…") in Chinese, joined by 、."""
    return "、".join(str(_ROLE_LABELS.get(code, code)) for code in roles.split(",") if code)


@register.inclusion_tag("cases/_due.html")
def due_date(day: date | None, provisional: bool, is_open: bool, today: date, soon: date) -> dict[str, Any]:
    """A deadline with its badges: 暂定 when the holiday table does not cover it yet, 超期 / 将到期 while open."""
    urgency = ""
    if day is not None and is_open:
        urgency = "overdue" if day < today else "due_soon" if day <= soon else ""
    return {"day": day, "provisional": provisional, "urgency": urgency}
