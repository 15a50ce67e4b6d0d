"""Text-message senders for the portal's login codes.

`settings.MINZHENG_SMS_SENDER` names a callable `(phone: str, message: str) -> None`; a production deployment
points it at its SMS gateway client. The default writes the message to the console log, where the operator of a
demo reads the code.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.utils.module_loading import import_string

from minzheng.core.masking import mask_phone

Sender = Callable[[str, str], None]

logger = logging.getLogger("minzheng.portal")


def log_sender(phone: str, message: str) -> None:
    """The demo sender: the message goes to the `minzheng.portal` log at WARNING, the number masked."""
    logger.warning("SMS to %s: %s", mask_phone(phone), message)


def configured_sender() -> Sender:
    """The sender named by settings.MINZHENG_SMS_SENDER, resolved on every call so tests can swap it."""
    sender: Sender = import_string(settings.MINZHENG_SMS_SENDER)
    return sender
