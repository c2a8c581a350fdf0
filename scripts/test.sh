#!/usr/bin/env bash
# Runs every test against real services: installs what is missing (npm packages, the stack), starts the stack
# if it is not running, runs jest, and stops exactly what this run started, even on failure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[test] installing npm packages"
  # Exactly what the lock file says (it lists every platform's optional packages), and it is never rewritten.
  npm ci --no-audit --no-fund
fi

# The dashboard's page tests drive Debian's Chromium through playwright-core (which never downloads a browser).
if [ ! -x /usr/bin/chromium ]; then
  echo "[test] installing chromium from Debian for the dashboard's page tests"
  if [ "$(id -u)" = 0 ]; then sudo_cmd=(); else sudo_cmd=(sudo -n); fi
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
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
