"""What owners and staff are told about arrears cases, in their language, through the outbox.

The arrears counterpart of notify.py (kept apart while notify.py was being changed by other
work): with it, the only modules of complaints that import communications. A reminder is private:
it goes to the case's own owner only, and says the amount to nobody else.
"""

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from communications.services import notice_send
from owners.selectors import estate_managers


def _link(name, *args):
    try:
        return settings.SITE_URL + reverse(name, args=args)
    except NoReverseMatch:  # the pages are not wired (yet): the notice still reads whole
        return settings.SITE_URL + "/"


def owner_reminder(case, *, key: str, amount, months: int):
    """A fee reminder to the case's owner; recorded once per `key`."""

    def render(channel):
        return (
            _("Service fee reminder"),
            _("Your service fees of %(amount)s yuan for %(months)d month(s) are overdue. Please pay, or tell us if something "
              "is wrong or you need help; details: %(link)s") % {"amount": amount, "months": months, "link": _link("portal:arrears")},
        )

    return notice_send(topic="arrears.reminder", dedupe_key=f"arrears:{case.pk}:{key}", render=render, resident=case.resident)


def owner_relief_decided(request, *, approved: bool):
    def render(channel):
        text = _("Your relief request was approved.") if approved else _("Your relief request was declined.")
        return (_("Relief request"), _("%(text)s Reason: %(reason)s Details: %(link)s")
                % {"text": text, "reason": request.decision_reason, "link": _link("portal:arrears")})

    return notice_send(topic="arrears.relief_decided", dedupe_key=f"relief:{request.pk}:decided", render=render, resident=request.resident)


def staff_arrears_notify(case, users, *, topic: str, key: str, message):
    """Tell staff something about a case; `message()` returns the sentence (gettext)."""
    for user in users:
        if user is None:
            continue

        def render(channel, user=user):
            return (_("Arrears case %(number)s") % {"number": case.pk}, f"{message()} {_link('dashboard:arrears_case', case.pk)}")

        notice_send(topic=topic, dedupe_key=f"arrears:{case.pk}:{key}:u{user.pk}", render=render, user=user)


def managers_arrears_notify(case, *, topic: str, key: str, message):
    staff_arrears_notify(case, estate_managers(case.estate_id), topic=topic, key=key, message=message)
