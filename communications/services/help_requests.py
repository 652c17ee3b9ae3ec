""""I need help" answers to an emergency notice: who asked, and the alert to the people on duty.

An answer is a call for help, not a statistic: the estate's service staff and its managers are
told at once, in the transaction that records the answer, so no answer is lost between the two.
"""

from django.utils.translation import gettext as _

from owners.models import Role
from owners.selectors import estate_managers, resident_homes, staff_with_roles

from ..models import Acknowledgement
from .notices import notice_send

NEED_HELP = Acknowledgement.Answer.NEED_HELP


def resident_home_in(announcement, resident):
    """The resident's open occupancy in an estate the announcement reaches (any home if none does)."""
    homes = list(resident_homes(resident))
    reached = set(announcement.estates.values_list("pk", flat=True))
    for occupancy in homes:
        if occupancy.unit.building.estate_id in reached:
            return occupancy
    return homes[0] if homes else None


def need_help_rows(announcement) -> list[dict]:
    """Who answered "I need help", oldest first: name, unit, mobile, time, estate phone."""
    rows = []
    for ack in (Acknowledgement.objects.filter(announcement=announcement, answer=NEED_HELP)
                .select_related("resident").order_by("created_at", "pk")):
        home = resident_home_in(announcement, ack.resident)
        rows.append({
            "resident": ack.resident.pk, "name": ack.resident.name, "mobile": ack.resident.mobile or "",
            "unit": str(home.unit) if home else "", "answered_at": ack.created_at,
        })
    return rows


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
    return reached
