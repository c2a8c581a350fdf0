#!/usr/bin/env bash
# The main job, on a fresh machine: installs what is missing, brings the stack up (or uses the running one),
# and runs the product. Stop with Ctrl-C; `npm run stack -- down` stops the servers too.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[demo] installing npm packages"
  # Exactly what the lock file says (it lists every platform's optional packages), and it is never rewritten.
  npm ci --no-audit --no-fund
fi
# Flags first: a bad one (or --help) ends here, before the stack comes up or the bundle is built.
node --import tsx src/demo/flags.ts "$@"
for arg in "$@"; do
  case "$arg" in -h | --help) exit 0 ;; esac
done
bash scripts/stack.sh up
# The worker loads a prebuilt workflow bundle instead of running webpack at start-up.
npm run --silent build:workflows
# node itself (no npx/tsx wrapper processes), so Ctrl-C and SIGTERM reach the demo directly.
exec node --import tsx src/demo/main.ts "$@"
