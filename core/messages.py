"""How a refused service call reads on a page."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def error_text(exc) -> str:
    """What a refused service call says, as one line for a page message: a ValidationError's
    messages joined, or a PermissionDenied's reason (or a generic one when it gives none)."""
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or _("You may not do this.")
