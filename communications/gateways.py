"""Channel gateways behind one small interface: send(address, subject, text) -> provider id.

- e-mail goes through Django's e-mail backend (console on the embedded default, SMTP in production);
- SMS and push go to an HTTP gateway (JSON POST with our idempotency key) when NOTIFY_GATEWAY_URL
  is set, else to a logging gateway that writes the message to the log with its links masked.
Gateways raise TransientError (worth retrying) or PermanentError (never retry) on failure.
"""

import hashlib
import json
import logging
import re
import time
import urllib.error
import urllib.request
from email.utils import parseaddr, parsedate_to_datetime

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

log = logging.getLogger("lighthouse.gateway")


class GatewayError(Exception):
    retry_after: float | None = None


class TransientError(GatewayError):
    def __init__(self, message, retry_after=None):
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(GatewayError):
    pass


_LINK = re.compile(r"[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE)


def address_mask(address: str) -> str:
    """Enough of an address to tell messages apart in a log: 13800000001 → 138****0001."""
    address = str(address)
    return f"{address[:3]}****{address[-4:]}" if len(address) >= 8 else "****"


def links_mask(text: str) -> str:
    """The text with every link replaced by [link]: activation and reset links are credentials."""
    return _LINK.sub("[link]", text)


class LoggingGateway:
    """Sends nothing: logs that a message went out, never its links or the full address."""

    def __init__(self, channel):
        self.channel = channel

    def send(self, *, address: str, subject: str, text: str, idempotency_key: str) -> str:
        log.info("[%s → %s] %s (%d characters) %s", self.channel, address_mask(address), links_mask(subject),
                 len(text), links_mask(text))
        return f"log-{idempotency_key}"


class HttpGateway:
    """A provider-neutral JSON gateway: POST {channel, to, subject, text, idempotency_key}."""

    def __init__(self, channel, url, key, timeout):
        self.channel, self.url, self.key, self.timeout = channel, url, key, timeout

    def send(self, *, address: str, subject: str, text: str, idempotency_key: str) -> str:
        body = json.dumps(
            {"channel": self.channel, "to": address, "subject": subject, "text": text, "idempotency_key": idempotency_key},
            ensure_ascii=False,
        ).encode()
        request = urllib.request.Request(
            self.url, data=body, method="POST",
            headers={"Content-Type": "application/json; charset=utf-8", "Authorization": f"Bearer {self.key}",
                     "Idempotency-Key": idempotency_key},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                payload = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:500].decode("utf-8", "replace")
            if exc.code == 429 or exc.code >= 500:
                raise TransientError(f"HTTP {exc.code}: {detail}", retry_after=retry_after_seconds(exc.headers.get("Retry-After")))
            raise PermanentError(f"HTTP {exc.code}: {detail}")
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            raise TransientError(f"{exc.__class__.__name__}: {exc}")
        except ValueError as exc:
            raise TransientError(f"unreadable gateway answer: {exc}")
        return str(payload.get("message_id") or payload.get("id") or "")


def retry_after_seconds(value: str | None) -> float | None:
    """A Retry-After header (seconds or an HTTP date) as seconds from now, at most an hour."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return None
    return min(max(seconds, 1.0), 3600.0)


def message_id_for(idempotency_key: str) -> str:
    """The same Message-ID for every copy of one delivery: a mail system that sees a repeat
    (a worker killed between the server's "accepted" and our record) can tell it is one message."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "lighthouse.local"
    return f"<{hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]}@{domain}>"


class EmailGateway:
    """Django's e-mail backend, bounded by the gateway timeout (SMTP would wait forever)."""

    def send(self, *, address: str, subject: str, text: str, idempotency_key: str) -> str:
        connection = get_connection(timeout=getattr(settings, "EMAIL_TIMEOUT", None) or settings.NOTIFY_GATEWAY_TIMEOUT)
        message = EmailMessage(subject=subject, body=text, to=[address], connection=connection,
                               headers={"Message-ID": message_id_for(idempotency_key), "X-Lighthouse-Key": idempotency_key})
        try:
            message.send(fail_silently=False)
        except (OSError, ConnectionError) as exc:
            raise TransientError(f"{exc.__class__.__name__}: {exc}")
        return idempotency_key


def gateway_for(channel: str):
    if channel == "email":
        return EmailGateway()
    if settings.NOTIFY_GATEWAY_URL:
        return HttpGateway(channel, settings.NOTIFY_GATEWAY_URL, settings.NOTIFY_GATEWAY_KEY, settings.NOTIFY_GATEWAY_TIMEOUT)
    return LoggingGateway(channel)
