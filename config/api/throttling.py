"""API throttles: keyed on the real client address, with rates read from settings at request time."""

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

from config.clients import client_address


class _Throttle(SimpleRateThrottle):
    """A DRF throttle whose rate is the setting named `rate_setting` (e.g. "60/min")."""

    rate_setting = ""

    def get_rate(self):
        return getattr(settings, self.rate_setting)

    def get_ident(self, request):
        return client_address(request)


class AnonThrottle(_Throttle, AnonRateThrottle):
    """Anonymous requests per client address (API_ANON_RATE)."""

    scope = "anon"
    rate_setting = "API_ANON_RATE"


class UserThrottle(_Throttle, UserRateThrottle):
    """Requests per signed-in person, or per client address when anonymous (API_USER_RATE)."""

    scope = "user"
    rate_setting = "API_USER_RATE"
