"""How fast a channel may go: the provider's messages-per-second cap and any pause it asked for
(Retry-After), shared by every worker through the cache. A cache outage never stops a send: the
cap is then kept within each process, and a pause is forgotten."""

import logging
import math
import time

from django.conf import settings
from django.core.cache import cache

log = logging.getLogger("lighthouse.deliveries")


def channel_rate_limit(channel: str) -> int | None:
    """Messages per second allowed on a channel, or None when uncapped."""
    limit = settings.NOTIFY_RATE_LIMITS.get(channel)
    if not limit or (channel in ("sms", "push") and not settings.NOTIFY_GATEWAY_URL):
        return None  # no cap, or the logging gateway of the embedded default: no provider to protect
    return limit


def channel_rate_wait(channel: str, count: int) -> None:
    """Return once the channel may take `count` more messages this second (count ≤ the cap)."""
    limit = channel_rate_limit(channel)
    if not limit:
        return
    while True:
        window = int(time.time())
        key = f"notify-rate:{channel}:{window}"
        try:
            cache.add(key, 0, timeout=5)
            used = cache.incr(key, count)
        except ValueError:  # expired between add and incr
            continue
        except Exception:  # cache down: keep to the cap within this process at least
            log.warning("rate-limit cache unavailable; pacing %s in this process only", channel, exc_info=True)
            time.sleep(count / limit)
            return
        if used <= limit:
            return
        time.sleep(max(window + 1 - time.time(), 0.01))


def channel_pause_left(channel: str) -> float:
    """Seconds left of a pause a provider asked for on this channel (0 when none)."""
    try:
        until = cache.get(f"notify-pause:{channel}")
    except Exception:
        return 0.0
    return max((until or 0) - time.time(), 0.0)


def channel_pause(channel: str, seconds: float) -> None:
    """Every worker holds the channel for `seconds` (a provider answered Retry-After)."""
    try:
        cache.set(f"notify-pause:{channel}", time.time() + seconds, timeout=math.ceil(seconds) + 1)
    except Exception:
        log.warning("could not share the %s pause through the cache", channel, exc_info=True)
