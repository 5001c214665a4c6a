#!/usr/bin/env bash
# Client contract check (`make clients`, run by .ci/run): generate a TypeScript client and a
# Python client from openapi.yaml, type-check both strictly, and run a small program with each
# against a live server: list -> detail -> conditional 304 -> editor PATCH with If-Match ->
# review requested -> a clinical reviewer approves -> publish -> the public document changed. Any generator warning, type error, parse error or
# unexpected answer fails. Packages come from the npm registry and PyPI only.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY="$ROOT/.venv/bin/python"
WORK=$(mktemp -d)
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "== TypeScript client: npm ci, openapi-typescript, tsc --strict"
(
  cd clients/typescript
  npm ci --no-audit --no-fund --loglevel=error
  npm run --silent generate
  npm run --silent build
)

echo "== Python client: openapi-python-client (warnings fail), pip install, mypy --strict"
PATH="$ROOT/.venv/bin:$PATH" "$ROOT/.venv/bin/openapi-python-client" generate \
  --path openapi.yaml --output-path "$WORK/python-client" --fail-on-warning \
  --config clients/python/config.yml
"$PY" -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install -q --disable-pip-version-check "$WORK/python-client"
# From the temp dir, so the project's mypy configuration (Django plugins) does not apply.
(cd "$WORK" && "$ROOT/.venv/bin/mypy" --strict --no-incremental \
  --python-executable "$WORK/venv/bin/python" "$ROOT/clients/python/check.py")

echo "== live server: a fresh SQLite database with the seed published, an editor with a token"
export DJANGO_SETTINGS_MODULE=config.settings.local
export DATABASE_URL="sqlite:///$WORK/db.sqlite3"
unset REDIS_URL
"$PY" manage.py migrate --noinput -v 0
"$PY" manage.py ensure_roles
"$PY" manage.py load_content --publish
"$PY" manage.py shell -c "
from django.contrib.auth.models import Group, User
user = User.objects.create_user('contract-check')
user.groups.set(Group.objects.filter(name__in=['editors', 'publishers']))
reviewer = User.objects.create_user('contract-reviewer')
reviewer.groups.set(Group.objects.filter(name='clinical reviewers'))
"
"$PY" manage.py reviewer_profile contract-reviewer --display-name "Contract Reviewer" \
  --credentials "test account" >/dev/null
TOKEN=$("$PY" manage.py issue_token contract-check 2>/dev/null)
# Four eyes: the editor's change is approved by a second person, a clinical reviewer.
REVIEWER_TOKEN=$("$PY" manage.py issue_token contract-reviewer 2>/dev/null)
PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$PY" manage.py runserver "127.0.0.1:$PORT" --noreload >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 60); do
  if "$PY" -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$PORT/api/v1/')" 2>/dev/null; then
    break
  fi
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log"; exit 1; }
  sleep 0.5
done
export API_BASE="http://127.0.0.1:$PORT" API_TOKEN="$TOKEN" REVIEWER_TOKEN="$REVIEWER_TOKEN"

status=0
echo "== TypeScript program"
node clients/typescript/build/src/main.js || status=1
echo "== Python program"
"$WORK/venv/bin/python" clients/python/check.py || status=1
if [ "$status" -ne 0 ]; then
  echo "-- server log"
  tail -n 40 "$WORK/server.log"
  echo "clients: $((2 - status)) passed, $status failed"
  exit 1
fi
echo "clients: 2 passed, 0 failed"
