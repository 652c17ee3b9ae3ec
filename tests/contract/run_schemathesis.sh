#!/usr/bin/env bash
# The API contract against a live server: Schemathesis fuzzes every operation of /api/schema/
# with a staff token and an owner token and fails on any server error, undocumented status code
# or content type, or response off its schema. Runs on the embedded default (SQLite, in-process
# tasks, local cache) in a scratch folder, so it never touches another test's database or Redis.
#
#   bash tests/contract/run_schemathesis.sh            # staff and owner, 10 fuzzed examples per operation
#   ST_MAX_EXAMPLES=50 bash tests/contract/run_schemathesis.sh
#
# Every failure is printed with a curl line that reproduces it. To keep the reports (JUnit, and the
# failures as a runnable pytest file), set ST_REPORT_DIR; ST_ROLES picks the demo accounts.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
PY="$ROOT/.venv/bin/python"
ST="$ROOT/.venv/bin/st"
MAX_EXAMPLES="${ST_MAX_EXAMPLES:-10}"
# Demo accounts (password lighthouse-demo): the estate manager of 阳光花园 and an owner there.
ROLES="${ST_ROLES:-manager 13800000001}"
WORK="$(mktemp -d -t lighthouse-contract.XXXXXX)"
REPORT_DIR="${ST_REPORT_DIR:-$WORK/report}"
SERVER_PID=""

cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [ -z "${ST_KEEP:-}" ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT

# The embedded default, whatever the caller's environment says (CI exports PostgreSQL and Redis).
unset REDIS_URL CACHE_URL
export DJANGO_SETTINGS_MODULE=config.settings.dev
export DEBUG=False
export DATABASE_URL="sqlite:///$WORK/db.sqlite3"
export MEDIA_ROOT="$WORK/media"
export SECRET_KEY="contract-run-$(date +%s%N)"
# Fuzzing sends thousands of requests from one address: lift the rate limits for this run only
# (they have their own tests) so a 429 does not hide what an operation really answers.
export API_ANON_RATE=100000/min API_USER_RATE=100000/min API_TOKEN_RATE_IP=100000/min API_TOKEN_RATE_IDENTIFIER=100000/h
export COMPLAINT_RATE_USER=100000/h COMPLAINT_RATE_IP=100000/h LOGIN_RATE=100000/m PASSWORD_RESET_RATE=100000/m
export AXES_FAILURE_LIMIT=100000
export LOG_LEVEL=WARNING

echo "== contract: seeding the demo data in $WORK"
"$PY" manage.py migrate --no-input -v 0
"$PY" manage.py seed_demo >"$WORK/seed.log" 2>&1 || { cat "$WORK/seed.log"; exit 1; }

# Real ids and ticket numbers from the demo data, offered to Schemathesis alongside the values it
# makes up, so operations on one object (a complaint's transition, a stakeholder's contact log)
# are exercised on objects that exist, not only answered 404.
"$PY" manage.py shell -v 0 -c '
from complaints.models import Complaint
tickets = Complaint.objects.order_by("id").values_list("number", flat=True)
numbers = list(tickets.filter(resident__mobile="13800000001")) + list(tickets[:30])
print("[dictionaries.complaint_numbers]")
print("values = [" + ", ".join(f"\"{n}\"" for n in dict.fromkeys(numbers)) + "]")
print("[dictionaries.ids]")
print("values = [" + ", ".join(str(i) for i in range(1, 31)) + "]")
print("[parameters]")
print("\"path.number\" = { dictionary = \"complaint_numbers\", probability = 0.7 }")
for name in ("path.id", "query.estate", "query.building", "query.unit", "query.thread"):
    print(f"\"{name}\" = {{ dictionary = \"ids\", probability = 0.6 }}")
' >"$WORK/schemathesis.toml"

PORT="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
# One sync worker: SQLite takes one writer at a time, and one process keeps the local cache exact.
# No request-line limit: gunicorn's 414 for a long query string is the front server's answer (an
# HTML page from outside the app); the contract is about what the application answers.
"$ROOT/.venv/bin/gunicorn" config.wsgi -b "127.0.0.1:$PORT" -w 1 --timeout 120 --log-level warning \
  --limit-request-line 0 \
  >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 60); do
  curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log"; echo "server did not start"; exit 1; }
  sleep 0.5
done

token_for() {
  curl -fsS -X POST "$BASE/api/v1/auth/token/" -d "username=$1" -d "password=lighthouse-demo" \
    | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}

CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
status=0
for who in $ROLES; do
  token="$(token_for "$who")"
  echo "== contract: Schemathesis as $who ($MAX_EXAMPLES examples per operation)"
  # From the scratch folder: Schemathesis keeps its example database in ./.schemathesis.
  (cd "$WORK" && "$ST" --config-file "$WORK/schemathesis.toml" run "$BASE/api/schema/?format=json" \
    --header "Authorization: Token $token" \
    --checks "$CHECKS" \
    --max-examples "$MAX_EXAMPLES" \
    --seed "${ST_SEED:-20260101}" \
    --workers 2 \
    --request-timeout 30 \
    --suppress-health-check all \
    --report junit,pytest --report-dir "$REPORT_DIR/$who") \
    || status=1
done

if grep -q "ERROR django.request" "$WORK/server.log"; then
  echo "== contract: the server logged errors:"; grep -A30 "ERROR django.request" "$WORK/server.log" | head -200
  status=1
fi
echo "== contract: $([ $status = 0 ] && echo passed || echo FAILED)${ST_REPORT_DIR:+ (reports in $REPORT_DIR)}"
exit $status
