"""`{% resident_phone as phone %}`: the portal session's verified number, masked, or "" when nobody is logged in."""

from __future__ import annotations

from typing import Any

from django import template

from minzheng.core.masking import mask_phone
from minzheng.portal import session

register = template.Library()


@register.simple_tag(takes_context=True)
def resident_phone(context: dict[str, Any]) -> str:
    request = context.get("request")
    phone = request.session.get(session.PHONE, "") if request is not None else ""
    return mask_phone(phone)
