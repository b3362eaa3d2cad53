#!/usr/bin/env bash
# Checks the container image's file set and production start without a Docker daemon (see scripts/image-files.ts), on
# Node 24 like the image. Needs PostgreSQL at 127.0.0.1:5432 (or DATABASE_ADMIN_URL). Pass --keep to keep the files.
set -euo pipefail
cd "$(dirname "$0")/.."
PATH="$(bash scripts/node24.sh):$PATH"
export PATH
echo "== image files on Node $(node -v)"
node --import tsx scripts/image-files.ts "$@"
