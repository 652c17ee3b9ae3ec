"""A fake SMS/push gateway: a real HTTP server on 127.0.0.1 that records what it is sent.

Tell it to fail with `fail_next(n, status)` (429 with a Retry-After header too), to hang past the
client's timeout with `hang_next(n, seconds)`, or to call `on_post(key)` while a request is open.
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.core.mail.backends import locmem


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # a client that timed out and hung up is what the hang tests are about


class FakeGateway:
    def __init__(self):
        self.received: list[dict] = []  # messages actually delivered, each once
        self.delivered: dict[str, dict] = {}  # by idempotency key
        self.duplicates = 0  # POSTs repeating a key already delivered (the provider dropped them)
        self.posted: list[tuple[float, str]] = []  # every POST: (time.monotonic(), idempotency key)
        self.headers: list[dict] = []
        self._failures: list[tuple[int, dict]] = []
        self._hangs: list[float] = []
        self.delay = 0.0
        self.on_post = None  # called with the idempotency key while the request is open
        self._lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                key = json.loads(body)["idempotency_key"]
                with gateway._lock:
                    gateway.posted.append((time.monotonic(), key))
                    hang = gateway._hangs.pop(0) if gateway._hangs else 0
                if gateway.on_post:
                    gateway.on_post(key)
                if gateway.delay or hang:
                    time.sleep(gateway.delay + hang)
                with gateway._lock:
                    failure = gateway._failures.pop(0) if gateway._failures else None
                    if failure is None:
                        message = json.loads(body)
                        # Like a real provider: a repeated idempotency key is acknowledged, not sent again.
                        if key in gateway.delivered:
                            gateway.duplicates += 1
                        else:
                            gateway.delivered[key] = message
                            gateway.received.append(message)
                            gateway.headers.append(dict(self.headers))
                        count = len(gateway.received) + gateway.duplicates
                if failure:
                    status, headers = failure
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(b'{"error": "told to fail"}')
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps({"message_id": f"fake-{count}"}).encode())

            def log_message(self, *args):
                pass

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/send"
        # shutdown() waits for the loop's next poll: the default half second was most of a short test's time.
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def fail_next(self, count: int, status: int = 503, headers: dict | None = None):
        with self._lock:
            self._failures.extend([(status, headers or {})] * count)

    def hang_next(self, count: int, seconds: float):
        """The next `count` requests answer only after `seconds` (and are then delivered, as a
        slow provider may well do after the client gave up)."""
        with self._lock:
            self._hangs.extend([seconds] * count)

    def texts_to(self, address: str) -> list[str]:
        return [m["text"] for m in self.received if m["to"] == address]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


class SnapshotEmailBackend(locmem.EmailBackend):
    """The test e-mail backend, noting the e-mail deliveries' statuses (by id) as each message leaves."""

    snapshots: list[list[str]] = []

    def send_messages(self, messages):
        from communications.models import Delivery

        for _message in messages:
            statuses = Delivery.objects.filter(channel="email").order_by("pk").values_list("status", flat=True)
            SnapshotEmailBackend.snapshots.append(list(statuses))
        return super().send_messages(messages)
