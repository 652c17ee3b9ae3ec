from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.shortcuts import get_object_or_404


from ..selectors import complaint_list_for


def complaint_for(user, number):
    """The complaint with this number if the user may see it, else 404."""
    return get_object_or_404(complaint_list_for(user).select_related(
        "estate", "category", "resident", "assignee", "unit__building", "building"), number=number)


def home_place(occupancies, kind: str, pk: int) -> dict | None:
    """{"unit": …} for one of the owner's units or {"estate": …} for the common areas of an
    estate they live in, as complaint_submit takes them; None when it is not theirs."""
    if kind == "unit":
        unit = next((o.unit for o in occupancies if o.unit_id == pk), None)
        return {"unit": unit} if unit else None
    if kind == "estate":
        estate = next((o.unit.building.estate for o in occupancies if o.unit.building.estate_id == pk), None)
        return {"estate": estate} if estate else None
    return None


def where_parse(value: str, occupancies) -> dict:
    """Turn a form's "unit:ID" / "estate:ID" choice into complaint_submit arguments."""
    kind, _sep, pk = (value or "").partition(":")
    place = home_place(occupancies, kind, int(pk)) if pk.isdigit() else None
    if place is None:
        raise ValidationError({"where": _("Choose one of the units or common areas listed.")})
    return place


def form_errors_from(form, exc: ValidationError):
    """Put a service's ValidationError onto the form it came from."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


