#!/usr/bin/env bash
# Runs the test suite again on Node 24 LTS, beside the machine's own Node: scripts/node24.sh installs the npm registry's
# `node@24` package once and its bin directory goes first on PATH, so vitest, its workers and every process the tests
# start (process.execPath) run on Node 24. Run after scripts/test-all.sh, which installs the dependencies, builds the
# web app and checks types and lint (none of which depend on the Node version). Extra arguments go to vitest.
set -euo pipefail
cd "$(dirname "$0")/.."
PATH="$(bash scripts/node24.sh):$PATH"
export PATH
echo "== tests on Node $(node -v)"
[ "$(node -p 'process.versions.node.split(".")[0]')" = "24" ] || { echo "Node 24 is not first on PATH"; exit 1; }

mkdir -p test-results
set +e
npx vitest run --reporter=dot --reporter=json --outputFile.json=test-results/vitest-node24.json "$@"
status=$?
set -e
node -e '
  const r = JSON.parse(require("fs").readFileSync("test-results/vitest-node24.json", "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`node24: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
' || true
exit $status
