"""What staff and owners are told about an incident, through communications' outbox. The only
module of incidents that sends anything."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from communications.services import notice_send
from owners.selectors import estate_managers


def _staff_link(incident):
    return settings.SITE_URL + reverse("dashboard:incident_detail", args=[incident.number])


def _owner_link(incident):
    return settings.SITE_URL + reverse("portal:incident_detail", args=[incident.number])


def staff_tell(incident, users, topic: str, key: str, message, *, urgent: bool = True):
    """Tell each of `users` something about `incident`; `message()` returns the sentence (gettext,
    called in the recipient's language). Once per (key, person)."""
    for user in users:
        if user is None:
            continue

        def render(channel, user=user):
            return (_("Incident %(number)s") % {"number": incident.number}, f"{message()} {_staff_link(incident)}")

        notice_send(topic=topic, dedupe_key=f"incident:{incident.pk}:{key}:u{user.pk}", render=render, user=user, urgent=urgent)


def managers_tell(incident, topic: str, key: str, message):
    staff_tell(incident, estate_managers(incident.estate_id), topic, key, message)


def owner_tell(incident, resident, topic: str, key: str, message):
    """Tell an owner something about an incident that concerns them, with the owners' page link."""

    def render(channel):
        return (_("Notice about %(title)s") % {"title": incident.title},
                _("%(message)s Details: %(link)s") % {"message": message(), "link": _owner_link(incident)})

    return notice_send(topic=topic, dedupe_key=f"incident:{incident.pk}:{key}:r{resident.pk}", render=render, resident=resident)


def _signal_link(signal):
    return settings.SITE_URL + reverse("dashboard:warning_signal_detail", args=[signal.pk])


def signal_tell(signal, users, message):
    """Tell the people on duty that an early-warning signal was raised; once per (signal, person)."""
    for user in users:

        def render(channel):
            return (_("Early warning: %(title)s") % {"title": signal.headline}, f"{message()} {_signal_link(signal)}")

        notice_send(topic="incident.warning_signal", dedupe_key=f"warning-signal:{signal.pk}:u{user.pk}", render=render,
                    user=user, urgent=True)
