"""Mainland China mobile numbers: one normal form everywhere (11 digits, starting 1[3-9])."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_SEPARATORS = re.compile(r"[\s\-()（）]")


def mobile_normalize(raw: str) -> str:
    """Return the 11-digit form of a mainland mobile number, or raise ValidationError.

    Accepts the spaces, dashes and +86/0086 prefixes people type and Excel keeps.
    """
    value = _SEPARATORS.sub("", str(raw or ""))
    if value.endswith(".0"):  # a number Excel stored as a float
        value = value[:-2]
    for prefix in ("+86", "0086"):
        if value.startswith(prefix):
            value = value[len(prefix):]
            break
    else:
        if len(value) == 13 and value.startswith("86"):
            value = value[2:]
    if not _MOBILE.match(value):
        raise ValidationError(
            _("“%(value)s” is not a valid mainland mobile number (11 digits starting with 13–19)."),
            code="invalid_mobile",
            params={"value": raw},
        )
    return value


def looks_like_mobile(raw: str) -> bool:
    try:
        mobile_normalize(raw)
    except ValidationError:
        return False
    return True


def mobile_mask(mobile: str | None) -> str:
    """A mobile number as lists show it to roles that do not need it whole: 139****0185."""
    mobile = mobile or ""
    return f"{mobile[:3]}****{mobile[-4:]}" if len(mobile) >= 8 else mobile
