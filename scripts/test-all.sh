#!/usr/bin/env bash
# Sets up what the tests need on this machine and runs every check: typecheck, lint, then all tests (store tests on
# PGlite and on the real PostgreSQL at 127.0.0.1:5432). The README's test command; CI calls it too.
set -euo pipefail
cd "$(dirname "$0")/.."

# The real PostgreSQL for store tests (trust auth on 127.0.0.1:5432). Start it when it is installed but stopped.
if [ -z "${TEST_DATABASE_URL:-}" ]; then
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
      echo "Starting PostgreSQL…"
      pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
    fi
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
    pg_isready -h 127.0.0.1 -p 5432 || { echo "PostgreSQL is not reachable at 127.0.0.1:5432"; exit 1; }
  fi
fi

[ -d node_modules ] || npm ci

# The browser tests drive Debian's chromium (never a browser downloaded by Playwright).
if [ ! -x /usr/bin/chromium ]; then
  echo "Installing Debian's chromium for the browser tests…"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update && $SUDO apt-get install -y chromium
fi

echo "== typecheck"; npx tsc --noEmit; npx tsc --noEmit -p web
echo "== build the web app"; npm run --silent build:web -- --logLevel warn
echo "== lint"
npx eslint .
npx prettier --check . >/dev/null
echo "eslint and prettier: ok"
echo "== tests"
mkdir -p test-results
set +e
npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json
status=$?
set -e
# One plain closing line that any reader understands.
node -e '
  const r = JSON.parse(require("fs").readFileSync("test-results/vitest.json", "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
' || true

# The chaos run's short form (docs/chaos.md), a separate step after the tests: kill -9, faults, a revocation and a
# poison message against two instances on a fresh PostgreSQL database. CI runs it (.ci/run sets CHAOS_IN_CI=1); set
# CHAOS_IN_CI=1 to run it here too.
if [ "${CHAOS_IN_CI:-0}" = "1" ]; then
  echo "== chaos run (short form)"
  chaos_status=0
  npm run --silent chaos -- --short ${TEST_DATABASE_URL:+--pg-url "$TEST_DATABASE_URL"} || chaos_status=$?
  if [ "$status" -eq 0 ]; then status=$chaos_status; fi
fi
exit $status
