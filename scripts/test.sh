#!/usr/bin/env bash
# Runs every test against real services: installs what is missing (npm packages, the stack), starts the stack
# if it is not running, runs jest, and stops exactly what this run started, even on failure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[test] installing npm packages"
  # Not `npm ci`: the lock file lacks the optional native packages of other platforms (macOS, Windows builds of
  # @swc/core) when it was written on a machine whose registry serves Linux ones only, and npm ci refuses that.
  npm install --no-audit --no-fund
fi

started="$(mktemp)"
cleanup() {
  local services
  services="$(tr '\n' ' ' <"$started")"
  # shellcheck disable=SC2086 # one word per service
  [ -z "$services" ] || bash scripts/stack.sh down $services
  rm -f "$started"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

RT_STARTED_FILE="$started" bash scripts/stack.sh up
npx --no-install jest --ci "$@"
