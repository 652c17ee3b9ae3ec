from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from ..filters import id_from
from ..selectors import complaint_list_for


def complaint_for(user, number):
    """The complaint with this number if the user may see it, else 404."""
    return get_object_or_404(complaint_list_for(user).select_related(
        "estate", "category", "resident", "assignee", "unit__building", "building"), number=number)


def where_parse(value: str) -> dict:
    """Turn a form's "unit:ID" / "estate:ID" choice into complaint_submit arguments. Whether the
    place is the owner's is the service's to say (complaint_submit_check)."""
    kind, _sep, pk = (value or "").partition(":")
    pk = id_from(pk)
    if kind not in ("unit", "estate") or pk is None:
        raise ValidationError({"where": _("Choose one of the units or common areas listed.")})
    return {kind: pk}


# The service names the place "unit" or "estate"; the submission forms ask for it as "where".
WHERE_FIELDS = {"unit": "where", "estate": "where"}


def form_errors_from(form, exc: ValidationError, renamed: dict | None = None):
    """Put a service's ValidationError onto the form it came from; `renamed` maps the service's
    field names to the form's."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            field = (renamed or {}).get(field, field)
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


