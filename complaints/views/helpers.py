from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.shortcuts import get_object_or_404


from ..selectors import complaint_list_for


def complaint_for(user, number):
    """The complaint with this number if the user may see it, else 404."""
    return get_object_or_404(complaint_list_for(user).select_related(
        "estate", "category", "resident", "assignee", "unit__building", "building"), number=number)


def where_parse(value: str, occupancies):
    """Turn a "unit:ID" / "estate:ID" choice into service arguments, limited to the owner's homes."""
    kind, _, pk = (value or "").partition(":")
    if not pk.isdigit():
        raise ValidationError({"where": _("Choose one of the units or common areas listed.")})
    pk = int(pk)
    if kind == "unit":
        unit = next((o.unit for o in occupancies if o.unit_id == pk), None)
        if unit is None:
            raise ValidationError({"where": _("Choose one of the units or common areas listed.")})
        return {"unit": unit}
    if kind == "estate":
        estate = next((o.unit.building.estate for o in occupancies if o.unit.building.estate_id == pk), None)
        if estate is None:
            raise ValidationError({"where": _("Choose one of the units or common areas listed.")})
        return {"estate": estate}
    raise ValidationError({"where": _("Choose one of the units or common areas listed.")})


def form_errors_from(form, exc: ValidationError):
    """Put a service's ValidationError onto the form it came from."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


