""""I need help" answers to an emergency notice: who asked, and the alert to the people on duty.

An answer is a call for help, not a statistic: the estate's service staff and its managers are
told at once, in the transaction that records the answer, so no answer is lost between the two.
A staff member who has called the resident marks the answer handled, with what was done
(`need_help_mark_handled`): it then leaves the dashboard's "needs help" list and stays on the
announcement page and in its history, saying who handled it and when.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from owners.models import Role
from owners.selectors import estate_managers, resident_homes, staff_with_roles

from ..models import Acknowledgement, AnnouncementEvent, InboxItem
from ..permissions import need_help_can_handle
from .history import history_record
from .inbox import inbox_add, inbox_close
from .notices import notice_send

HANDLED_NOTE_MAX = 500

NEED_HELP = Acknowledgement.Answer.NEED_HELP


def resident_home_in(announcement, resident):
    """The resident's open occupancy in an estate the announcement reaches (any home if none does)."""
    homes = list(resident_homes(resident))
    reached = set(announcement.estates.values_list("pk", flat=True))
    for occupancy in homes:
        if occupancy.unit.building.estate_id in reached:
            return occupancy
    return homes[0] if homes else None


def need_help_row(ack, announcement=None) -> dict:
    """One "I need help" answer as pages and the API show it: who, where, when, and whether
    (by whom, when, with what note) it was handled."""
    home = resident_home_in(announcement or ack.announcement, ack.resident)
    return {
        "id": ack.pk, "resident": ack.resident.pk, "name": ack.resident.name, "mobile": ack.resident.mobile or "",
        "unit": str(home.unit) if home else "", "answered_at": ack.created_at,
        "handled_at": ack.handled_at, "handled_by": ack.handled_by.display_name if ack.handled_by_id else "",
        "handled_note": ack.handled_note,
    }


def need_help_rows(announcement) -> list[dict]:
    """Who answered "I need help", oldest first, handled ones included (and marked)."""
    return [need_help_row(ack, announcement)
            for ack in (Acknowledgement.objects.filter(announcement=announcement, answer=NEED_HELP)
                        .select_related("resident", "handled_by").order_by("created_at", "pk"))]


@transaction.atomic
def need_help_mark_handled(ack, *, actor, note: str) -> Acknowledgement:
    """`actor` has looked after a resident who answered "I need help": the answer is marked
    handled (by whom, when, what was done) and the announcement's history records it, once.
    Refused (nothing changed) for another answer, an answer already handled, an empty or overlong
    note, or an actor who may not work the resident's estate (permissions.need_help_can_handle)."""
    ack = Acknowledgement.objects.select_for_update().select_related("announcement", "resident").get(pk=ack.pk)
    if not need_help_can_handle(actor, ack):
        raise PermissionDenied(_("Only staff of the resident's estate may mark this answer handled."))
    if ack.answer != NEED_HELP:
        raise ValidationError(_("Only an “I need help” answer is marked handled."), code="not_need_help")
    if ack.handled_at is not None:
        raise ValidationError(_("%(who)s already marked this answer handled.") % {
            "who": ack.handled_by.display_name if ack.handled_by_id else _("Someone")}, code="already_handled")
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say in a few words what was done.")}, code="required")
    if len(note) > HANDLED_NOTE_MAX:
        raise ValidationError({"note": _("Keep the note under %(n)d characters.") % {"n": HANDLED_NOTE_MAX}}, code="max_length")
    ack.handled_at, ack.handled_by, ack.handled_note = timezone.now(), actor, note
    ack.save(update_fields=["handled_at", "handled_by", "handled_note"])
    home = resident_home_in(ack.announcement, ack.resident)
    who = f"{ack.resident.name} · {home.unit}" if home else ack.resident.name
    # Names and the note only: the history line reads the same in either language.
    history_record(ack.announcement, AnnouncementEvent.Kind.HELP_HANDLED, actor, from_status=ack.announcement.status,
                   note=f"{who}: {note}")
    inbox_close(f"help:{ack.pk}:")  # looked after: no longer waiting in anyone's inbox
    return ack


def need_help_alert(ack) -> int:
    """Tell the estate's service staff and managers that this resident needs help. Once per
    (answer, person): the dedupe key makes a retry or a second POST record nothing new.
    Returns how many people were reached."""
    home = resident_home_in(ack.announcement, ack.resident)
    if home is None:
        return 0
    estate = home.unit.building.estate
    people = {u.pk: u for u in staff_with_roles([estate.pk], [Role.SERVICE], company_wide=False)}
    people.update({u.pk: u for u in estate_managers(estate.pk)})
    resident, unit, title = ack.resident, str(home.unit), ack.announcement.title

    def render(channel):
        subject = _("Needs help: %(unit)s") % {"unit": unit}
        text = _("%(name)s (%(unit)s, mobile %(mobile)s) answered “I need help” to “%(title)s”. Call them now.") % {
            "name": resident.name, "unit": unit, "mobile": resident.mobile or _("none"), "title": title}
        return subject, text

    reached = 0
    for user in people.values():
        if notice_send(topic="need_help", dedupe_key=f"help:{ack.pk}:u{user.pk}", render=render, user=user, urgent=True):
            reached += 1
    inbox_add(people.values(), kind=InboxItem.Kind.NEED_HELP, key=f"help:{ack.pk}",
              target_url=reverse("dashboard:announcement_detail", args=[ack.announcement_id]),
              params={"name": resident.name, "unit": unit, "title": title}, at=ack.created_at)
    return reached
