#!/usr/bin/env bash
# The main job, on a fresh machine: installs what is missing, brings the stack up (or uses the running one),
# and runs the product. Stop with Ctrl-C; `npm run stack -- down` stops the servers too.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[demo] installing npm packages"
  # Not `npm ci`: the lock file lacks the optional native packages of other platforms (macOS, Windows builds of
  # @swc/core) when it was written on a machine whose registry serves Linux ones only, and npm ci refuses that.
  npm install --no-audit --no-fund
fi
bash scripts/stack.sh up
# The worker loads a prebuilt workflow bundle instead of running webpack at start-up.
npm run --silent build:workflows
# node itself (no npx/tsx wrapper processes), so Ctrl-C and SIGTERM reach the demo directly.
exec node --import tsx src/demo/main.ts "$@"
