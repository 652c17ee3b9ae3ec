"""A failed delivery's reason in words staff understand; the raw gateway text stays in the admin."""

import re

from django.utils.translation import gettext_lazy as _

# Matched in order against Delivery.last_error as communications.gateways and the receipt hook write it.
_REASONS = [
    (re.compile(r"^HTTP (401|403)\b"), _("The gateway refused our credentials")),
    (re.compile(r"^HTTP 429\b"), _("The gateway is busy (too many messages)")),
    (re.compile(r"^HTTP 5\d\d\b"), _("The gateway is out of order")),
    (re.compile(r"^HTTP 4\d\d\b"), _("Invalid number or address")),
    (re.compile(r"timed? ?out|^TimeoutError", re.I), _("The gateway timed out")),
    (re.compile(r"^(URLError|ConnectionError|ConnectionRefusedError|OSError)\b"), _("The gateway could not be reached")),
    (re.compile(r"^delivery receipt", re.I), _("The receipt says not delivered")),
]


def failure_reason(last_error: str) -> str:
    for pattern, reason in _REASONS:
        if pattern.search(last_error or ""):
            return str(reason)
    return str(_("Other sending error"))
