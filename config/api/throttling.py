"""API throttles: keyed on the real client address, rates read from settings at request time, and
counted in the fail-open "ratelimit" cache (a cache outage lets requests through, see config/cache.py)."""

import hashlib

from django.conf import settings
from django.core.cache import caches
from django.utils.connection import ConnectionProxy
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

from config.clients import client_address
from owners.auth import identifier_key


class _Throttle(SimpleRateThrottle):
    """A DRF throttle whose rate is the setting named `rate_setting` (e.g. "60/min")."""

    rate_setting = ""
    cache = ConnectionProxy(caches, "ratelimit")

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


class TokenPerAddressThrottle(_Throttle):
    """Token requests per client address, whichever accounts they name (API_TOKEN_RATE_IP):
    password spraying across many accounts from one address."""

    scope = "token_ip"
    rate_setting = "API_TOKEN_RATE_IP"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class TokenPerIdentifierThrottle(_Throttle):
    """Token requests per account identifier, from whichever addresses (API_TOKEN_RATE_IDENTIFIER):
    guessing one account's password from many addresses. Spellings of one mobile count as one."""

    scope = "token_identifier"
    rate_setting = "API_TOKEN_RATE_IDENTIFIER"

    def get_cache_key(self, request, view):
        identifier = identifier_key(request.data.get("username", "") if hasattr(request.data, "get") else "")
        if not identifier:
            return None
        # Hashed: cache keys stay short and safe, and no mobile number is stored in the cache.
        return self.cache_format % {"scope": self.scope, "ident": hashlib.sha256(identifier.encode()).hexdigest()[:32]}
