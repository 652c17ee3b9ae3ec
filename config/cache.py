"""A cache for rate-limit counters that lets requests through when the real cache is down.

With broker and cache on one Redis, a Redis outage used to turn every throttled request (sign-in,
the whole API, complaint submission) into a 500. Counters are only worth keeping while they can
be kept: losing them for the length of an outage is the lesser harm.
"""

import logging

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from redis.exceptions import RedisError

log = logging.getLogger("lighthouse.ratelimit")

# What an unreachable cache server raises: redis-py's errors, and plain socket errors for others.
CACHE_ERRORS = (RedisError, OSError)


class FailOpenCache(BaseCache):
    """The cache named by LOCATION ("default" when empty), except that while its server cannot be
    reached a read finds nothing and a write is dropped, with a warning in the log. A rate limit
    counting here then allows the request instead of failing it.

    Keys, prefix and version are the real cache's own. Use it for counters only: whatever must
    notice an outage (the health check) talks to the real cache.
    """

    def __init__(self, location, params):
        super().__init__(params)
        self._alias = location or "default"

    def _call(self, method, failed, *args):
        try:
            return getattr(caches[self._alias], method)(*args)
        except CACHE_ERRORS as exc:
            log.warning("rate-limit cache unavailable, request allowed (%s: %s)", type(exc).__name__, exc)
            return failed

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", False, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", default, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._call("set", None, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, key, timeout, version)

    def incr(self, key, delta=1, version=None):
        # None, not a number: django-ratelimit reads it as "count unknown" (RATELIMIT_FAIL_OPEN).
        return self._call("incr", None, key, delta, version)

    def delete(self, key, version=None):
        return self._call("delete", False, key, version)

    def clear(self):
        self._call("clear", None)
