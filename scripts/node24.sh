#!/usr/bin/env bash
# Prints the directory of a Node 24 LTS binary, installing the npm registry's `node@24` package into NODE24_DIR
# (default $TMPDIR/rebook-node24) the first time. Use: PATH="$(bash scripts/node24.sh):$PATH" node -v
set -euo pipefail
dir="${NODE24_DIR:-${TMPDIR:-/tmp}/rebook-node24}"
bin="$dir/node_modules/.bin"
if ! "$bin/node" -v 2>/dev/null | grep -q '^v24\.'; then
  echo "Installing Node 24 from the npm registry into $dir…" >&2
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error node@24 >&2
  # The node package fetches its platform's binary in an install script; if npm skipped that script, install the
  # platform package (the same binary, no script) directly.
  if ! "$bin/node" -v 2>/dev/null | grep -q '^v24\.'; then
    platform="node-$(node -p 'process.platform')-$(node -p 'process.arch')"
    npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error "$platform@24" >&2
    mkdir -p "$bin"
    ln -sf "../$platform/bin/node" "$bin/node"
  fi
fi
"$bin/node" -v | grep -q '^v24\.' || { echo "Could not install Node 24 into $dir" >&2; exit 1; }
echo "$bin"
