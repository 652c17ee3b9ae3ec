"""gunicorn's settings for the web process (Dockerfile and docker-compose.yml use this file).

Threaded workers (gthread): a worker's timeout then means that the process stopped answering,
not that one request took long, so a streamed export of a million rows (2–3 minutes) is not
killed half-way as it was with sync workers and --timeout 120; the other threads keep serving.
WEB_CONCURRENCY and WEB_THREADS size it for the host (processes × threads requests at once).
"""

import os

bind = os.environ.get("WEB_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
timeout = 120
graceful_timeout = 30
