"""How often people may submit complaints and add messages: one counter per limit, shared by the
portal pages and the API, so using both doors does not double the allowance.

Counted with django-ratelimit in the fail-open "ratelimit" cache: during a cache outage nothing is
limited, and the complaint is still saved.
"""

from django.conf import settings
from django_ratelimit.core import is_ratelimited


def _owner(group, request):
    return str(request.user.pk)


def complaint_submit_limited(request) -> bool:
    """Count one submission attempt; True when it is over COMPLAINT_RATE_USER for the person or
    COMPLAINT_RATE_IP for the client address."""
    # Both counters move on every attempt, as the decorators they replace did.
    over_user = is_ratelimited(request, group="complaint-submit-user", key=_owner,
                               rate=settings.COMPLAINT_RATE_USER, increment=True)
    over_address = is_ratelimited(request, group="complaint-submit-ip", key="ip",
                                  rate=settings.COMPLAINT_RATE_IP, increment=True)
    return over_user or over_address


def complaint_message_limited(request, complaint) -> bool:
    """Count one message attempt by this person on this ticket; True when it is over
    COMPLAINT_MESSAGE_RATE (each message notifies the assignee and may carry photos)."""
    return is_ratelimited(request, group="complaint-message", key=lambda g, r: f"{r.user.pk}:{complaint.pk}",
                          rate=settings.COMPLAINT_MESSAGE_RATE, increment=True)
