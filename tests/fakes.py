"""A fake SMS/push gateway: a real HTTP server on 127.0.0.1 that records what it is sent.

Tell it to fail with `fail_next(n, status)`, to answer 429 with Retry-After, or to hang.
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeGateway:
    def __init__(self):
        self.received: list[dict] = []  # messages actually delivered, each once
        self.delivered: dict[str, dict] = {}  # by idempotency key
        self.duplicates = 0  # repeated keys the provider dropped
        self.headers: list[dict] = []
        self._failures: list[tuple[int, dict]] = []
        self.delay = 0.0
        self._lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if gateway.delay:
                    time.sleep(gateway.delay)
                with gateway._lock:
                    failure = gateway._failures.pop(0) if gateway._failures else None
                    if failure is None:
                        message = json.loads(body)
                        # Like a real provider: a repeated idempotency key is acknowledged, not sent again.
                        if message["idempotency_key"] in gateway.delivered:
                            gateway.duplicates += 1
                        else:
                            gateway.delivered[message["idempotency_key"]] = message
                            gateway.received.append(message)
                            gateway.headers.append(dict(self.headers))
                        count = len(gateway.received) + gateway.duplicates
                if failure:
                    status, headers = failure
                    self.send_response(status)
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(b'{"error": "told to fail"}')
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps({"message_id": f"fake-{count}"}).encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def fail_next(self, count: int, status: int = 503, headers: dict | None = None):
        with self._lock:
            self._failures.extend([(status, headers or {})] * count)

    def texts_to(self, address: str) -> list[str]:
        return [m["text"] for m in self.received if m["to"] == address]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
