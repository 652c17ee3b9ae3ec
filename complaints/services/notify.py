"""What owners and staff are told about a complaint, in their language, through the outbox."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from communications.services import notice_send
from owners.selectors import estate_managers


def _owner_link(complaint):
    return settings.SITE_URL + reverse("portal:complaint_detail", args=[complaint.number])


def _staff_link(complaint):
    return settings.SITE_URL + reverse("dashboard:complaint_detail", args=[complaint.number])


def owner_notify(complaint, topic: str, key: str, message):
    """Tell the owner something about their ticket. `message()` returns the sentence (gettext)."""

    def render(channel):
        return (_("Complaint %(number)s") % {"number": complaint.number},
                _("%(message)s Details: %(link)s") % {"message": message(), "link": _owner_link(complaint)})

    return notice_send(topic=topic, dedupe_key=f"complaint:{complaint.pk}:{key}", render=render, resident=complaint.resident)


def staff_notify(complaint, users, topic: str, key: str, message):
    for user in users:
        def render(channel, user=user):
            return (_("Complaint %(number)s") % {"number": complaint.number},
                    f"{message()} {_staff_link(complaint)}")

        notice_send(topic=topic, dedupe_key=f"complaint:{complaint.pk}:{key}:u{user.pk}", render=render, user=user)


def managers_notify(complaint, topic: str, key: str, message):
    """Tell whoever answers for the complaint's estate (owners.selectors.estate_managers)."""
    staff_notify(complaint, estate_managers(complaint.estate_id), topic, key, message)
