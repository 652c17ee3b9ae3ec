"""Opening a complaint ticket: by the owner, or by staff on the owner's behalf.

Who may open one and about which place is decided here once, whichever door is used (portal,
owner API, staff page, staff API): the doors parse their input and call one of the two services.
Photos are decoded before the transaction opens, so it stays short; a bad photo refuses the
whole submission.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from owners.models import Building, Unit
from owners.selectors import resident_homes

from ..models import Complaint, Priority, Status
from ..models.complaints import Channel
from ..permissions import complaint_can_log
from ..photos import photos_clean
from .notify import owner_notify
from .numbers import complaint_number_next
from .sla import sla_due_times
from .tickets import Kind, _event, _save_photos, _text

VISIT_MAX = 100  # Complaint.preferred_visit


@dataclass(frozen=True)
class Place:
    """Where a ticket is filed: always an estate; a unit (and its building) for a home."""

    estate_id: int
    building: Building | None = None
    unit: Unit | None = None


def _pk(value):
    return getattr(value, "pk", value)


def complaint_submit_check(*, resident, unit=None, estate=None, homes=None) -> Place:
    """Where `resident`'s complaint about `unit` (one of their homes) or `estate` (the common
    areas of an estate they live in) is filed, or a ValidationError saying why it cannot be.
    Either may be an instance or an id; with neither, the estate they live in if there is one.

    The one place "is this the owner's home" is decided: both services below, and any door
    that wants to check before sending photos, ask here.
    """
    # `homes`: the resident's current occupancies (unit, building and estate loaded) when the door
    # has read them already for its form, so a submission reads them once.
    homes = list(resident_homes(resident)) if homes is None else [o for o in homes if o.resident_id == resident.pk]
    if unit is not None:
        home = next((o.unit for o in homes if o.unit_id == _pk(unit)), None)
        if home is None:
            raise ValidationError({"unit": _("This unit is not one of the owner's homes.")})
        return Place(home.building.estate_id, home.building, home)
    estates = {o.unit.building.estate_id for o in homes}
    if estate is not None:
        if _pk(estate) not in estates:
            raise ValidationError({"estate": _("Owners can complain only about the estates they live in.")})
        return Place(_pk(estate))
    if len(estates) == 1:
        return Place(next(iter(estates)))
    raise ValidationError({"unit": _("Choose the unit or the common area the complaint is about.")})


def complaint_submit(*, resident, category, description, unit=None, estate=None, location="", photos=(),
                     priority=Priority.NORMAL, preferred_visit="", homes=None) -> Complaint:
    """An owner's own complaint, about one of their homes or a common area of their estate,
    with, if they like, when they would like someone to come (`preferred_visit`, their words).

    The owner's doors never pass `priority` (staff set it when triaging); demo data may.
    """
    _text(description, "description")
    place = complaint_submit_check(resident=resident, unit=unit, estate=estate, homes=homes)
    cleaned = photos_clean(photos)
    return _complaint_create(resident=resident, place=place, category=category, description=description, location=location,
                             cleaned=cleaned, channel=Channel.PORTAL, logged_by=None, priority=priority,
                             preferred_visit=preferred_visit)


def complaint_log_for_owner(*, actor, resident, category, description, unit=None, estate=None, location="", photos=(),
                            channel=Channel.PHONE, priority=Priority.NORMAL, preferred_visit="") -> Complaint:
    """Staff log a phone or in-person complaint on an owner's behalf. Their role must log
    complaints at the estate it is about (permissions.complaint_can_log), or PermissionDenied."""
    if not complaint_can_log(actor):
        raise PermissionDenied(_("Your role may not log complaints."))
    _text(description, "description")
    place = complaint_submit_check(resident=resident, unit=unit, estate=estate)
    if not complaint_can_log(actor, place.estate_id):
        raise PermissionDenied(_("You may not log complaints for this estate."))
    cleaned = photos_clean(photos)
    return _complaint_create(resident=resident, place=place, category=category, description=description, location=location,
                             cleaned=cleaned, channel=channel, logged_by=actor, priority=priority,
                             preferred_visit=preferred_visit)


@transaction.atomic
def _complaint_create(*, resident, place: Place, category, description, location, cleaned, channel, logged_by,
                      priority, preferred_visit="") -> Complaint:
    description = _text(description, "description")
    location = _text(location, "location", required=False)[:200]
    preferred_visit = _text(preferred_visit, "preferred_visit", required=False)
    if len(preferred_visit) > VISIT_MAX:
        raise ValidationError({"preferred_visit": _("Please keep it under %(n)d characters.") % {"n": VISIT_MAX}})
    if not category.is_active:
        raise ValidationError({"category": _("This category is no longer offered.")})
    now = timezone.now()
    response_due, resolution_due = sla_due_times(category, priority, now)
    complaint = Complaint.objects.create(
        number=complaint_number_next(now), estate_id=place.estate_id, building=place.building, unit=place.unit,
        location=location, preferred_visit=preferred_visit, resident=resident, category=category, priority=priority, channel=channel,
        description=description, logged_by=logged_by, response_due_at=response_due, resolution_due_at=resolution_due,
        created_at=now,
    )
    event = _event(complaint, Kind.SUBMITTED, logged_by, public=True, to_status=Status.SUBMITTED)
    _save_photos(complaint, cleaned, logged_by or resident.user, event=event)
    owner_notify(complaint, "complaint.received", "received", lambda: _(
        "We have received your complaint %(number)s and will respond by %(due)s."
    ) % {"number": complaint.number, "due": timezone.localtime(complaint.response_due_at).strftime("%m-%d %H:%M")})
    return complaint
