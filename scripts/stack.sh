#!/usr/bin/env bash
# The local stack without Docker: a Temporal dev server, a single-node Kafka broker (KRaft) and the Temporal
# time-skipping test server, installed from the Go module proxy and Maven Central into a cache outside the repo.
#
#   scripts/stack.sh install   install what is missing (idempotent)
#   scripts/stack.sh up        install, then start what is not already answering, and wait until each answers
#   scripts/stack.sh down [service...]   stop exactly the processes that `up` started (all, or those named)
#   scripts/stack.sh status    what runs, where, and who started it
#
# Where TEMPORAL_ADDRESS or KAFKA_BROKERS point at services that already answer (Docker, a team cluster), those are
# used and nothing is started for them.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE_DIR="${RT_CACHE_DIR:-$HOME/.cache/retweet-tracker}"
STATE_DIR="${RT_STATE_DIR:-$CACHE_DIR/state}"
BIN_DIR="$CACHE_DIR/bin"
RUN_DIR="$STATE_DIR/run"

TEMPORAL_CLI_VERSION="v1.5.1" # the newest tag whose go.mod has no replace directive, so `go install` works
TCTL_VERSION="v1.18.4"
TEMPORAL_ADDRESS="${TEMPORAL_ADDRESS:-127.0.0.1:7233}"
TEMPORAL_UI_PORT="${TEMPORAL_UI_PORT:-8233}"
KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_HEAP="${KAFKA_HEAP:-512m}"

log() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] error: %s\n' "$*" >&2; exit 1; }

# True when something accepts TCP connections at host:port.
answers() {
  local host="${1%:*}" port="${1##*:}"
  (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null
}

wait_until() { # wait_until <seconds> <description> <command...>
  local limit="$1" what="$2"
  shift 2
  local waited=0
  until "$@"; do
    ((waited >= limit * 5)) && return 1
    sleep 0.2
    waited=$((waited + 1))
  done
  log "$what answers"
}

need() { command -v "$1" >/dev/null 2>&1 || die "$1 is required ($2)"; }

# ---------------------------------------------------------------------------------------------------- install
install_temporal() {
  [ -x "$BIN_DIR/temporal" ] && return 0
  need go "Go >= 1.25 builds the temporal CLI"
  log "building the temporal CLI $TEMPORAL_CLI_VERSION with go install (several minutes the first time)"
  GOBIN="$BIN_DIR" go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION"
}

# tctl is deprecated upstream; it is optional here, since the Go module proxy may not serve it.
install_tctl() {
  [ -x "$BIN_DIR/tctl" ] && return 0
  command -v go >/dev/null 2>&1 || return 0
  if ! GOBIN="$BIN_DIR" go install "github.com/temporalio/tctl/cmd/tctl@$TCTL_VERSION" 2>"$CACHE_DIR/tctl-install.err"; then
    log "tctl $TCTL_VERSION not installed (optional; 'temporal' does the same): $(grep -m1 -o '[0-9]\{3\} [A-Za-z ]*' "$CACHE_DIR/tctl-install.err" || echo 'see') $CACHE_DIR/tctl-install.err"
  fi
}

# Resolves a pom's runtime classpath into $CACHE_DIR/<name>/lib, once per pom content.
install_maven_classpath() { # <name>
  local name="$1" pom="$ROOT/stack/$1/pom.xml"
  local stamp="$CACHE_DIR/$name/pom.sha256" sum
  sum="$(sha256sum "$pom" | cut -d' ' -f1)"
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ] && return 0
  need mvn "Maven resolves $name from Maven Central"
  need java "Java 17 runs $name"
  log "resolving $name from Maven Central"
  rm -rf "$CACHE_DIR/$name/lib"
  mvn -q -B -Dstyle.color=never -f "$pom" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$CACHE_DIR/$name/lib"
  echo "$sum" >"$stamp"
}

install_test_server_wrapper() {
  # The SDK spawns `<executable> <port> [extra args]`; this wrapper turns that into the Java test server.
  cat >"$BIN_DIR/temporal-test-server" <<EOF
#!/usr/bin/env bash
exec java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -cp "$CACHE_DIR/test-server/lib/*" io.temporal.testserver.TestServer "\$@"
EOF
  chmod +x "$BIN_DIR/temporal-test-server"
}

cmd_install() {
  mkdir -p "$BIN_DIR" "$RUN_DIR"
  install_temporal
  install_tctl
  install_maven_classpath kafka
  install_maven_classpath test-server
  install_test_server_wrapper
  if [ ! -d "$ROOT/node_modules/kafkajs" ]; then
    log "installing npm packages"
    (cd "$ROOT" && npm ci --no-audit --no-fund)
  fi
}

# ---------------------------------------------------------------------------------------------------- processes
# What a service's command line contains when this script started it (with this STATE_DIR and BIN_DIR): a pid in a
# pid file counts as the service only if its process still runs that command. Pids are reused after a reboot or a
# crash, and a stale pid file must never make `down` kill an unrelated process, nor `status` report one as ours.
signature() {
  case "$1" in
    temporal) echo "$BIN_DIR/temporal server start-dev" ;;
    kafka) echo "kafka.Kafka $STATE_DIR/kafka-server.properties" ;;
  esac
}

command_of() { # the command line of a process, arguments joined by spaces; empty when it is gone
  if [ -r "/proc/$1/cmdline" ]; then tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null; else ps -ww -o args= -p "$1" 2>/dev/null; fi
}

# True when the pid file names a live process running the service; a pid file that names anything else is stale:
# removed, with a line saying so.
pid_alive() {
  local file="$RUN_DIR/$1.pid" pid
  [ -f "$file" ] || return 1
  pid="$(cat "$file")"
  if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && [[ "$(command_of "$pid")" == *"$(signature "$1")"* ]]; then
    return 0
  fi
  log "stale pid file $file (pid $pid is not the $1 this script started): removed"
  rm -f "$file"
  return 1
}

start_bg() { # start_bg <name> <command...>: in a session of its own, output to $RUN_DIR/<name>.log
  local name="$1"
  shift
  # setsid: its own session and process group, so a Ctrl-C meant for whoever ran `up` (`npm run demo` in a
  # terminal) does not reach the servers; they stay up until `down`. setsid execs (this background job is no
  # group leader), so $! is the server's pid.
  setsid nohup "$@" >"$RUN_DIR/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/$name.pid"
  # A caller that must clean up after itself (scripts/test.sh, CI) learns exactly what this run started.
  [ -z "${RT_STARTED_FILE:-}" ] || echo "$name" >>"$RT_STARTED_FILE"
}

temporal_healthy() { "$BIN_DIR/temporal" operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; }

start_temporal() {
  if answers "$TEMPORAL_ADDRESS"; then
    log "Temporal already answers at $TEMPORAL_ADDRESS: using it"
    return 0
  fi
  [[ "$TEMPORAL_ADDRESS" == 127.0.0.1:* || "$TEMPORAL_ADDRESS" == localhost:* ]] ||
    die "TEMPORAL_ADDRESS=$TEMPORAL_ADDRESS does not answer; unset it to start a local dev server"
  log "starting the Temporal dev server (gRPC $TEMPORAL_ADDRESS, Web UI http://127.0.0.1:$TEMPORAL_UI_PORT)"
  # --db-filename keeps workflows and their histories across server restarts.
  start_bg temporal "$BIN_DIR/temporal" server start-dev --ip 127.0.0.1 --port "${TEMPORAL_ADDRESS##*:}" \
    --ui-port "$TEMPORAL_UI_PORT" --db-filename "$STATE_DIR/temporal.db" --log-level warn
  wait_until 60 "Temporal" temporal_healthy ||
    die "the Temporal dev server did not come up; see $RUN_DIR/temporal.log"
}

kafka_java() { java -Xmx"$KAFKA_HEAP" -Dlog4j2.configurationFile="$ROOT/stack/kafka/log4j2.properties" -cp "$CACHE_DIR/kafka/lib/*" "$@"; }

start_kafka() {
  if answers "${KAFKA_BROKERS%%,*}"; then
    log "Kafka already answers at $KAFKA_BROKERS: using it"
  else
    [[ "$KAFKA_BROKERS" == 127.0.0.1:* || "$KAFKA_BROKERS" == localhost:* ]] ||
      die "KAFKA_BROKERS=$KAFKA_BROKERS does not answer; unset it to start a local broker"
    local data="$STATE_DIR/kafka" config="$STATE_DIR/kafka-server.properties"
    sed -e "s#@DATA_DIR@#$data#" -e "s#@PORT@#${KAFKA_BROKERS##*:}#" -e "s#@CONTROLLER_PORT@#$KAFKA_CONTROLLER_PORT#" \
      "$ROOT/stack/kafka/server.properties.template" >"$config"
    if [ ! -f "$data/meta.properties" ]; then
      log "formatting Kafka storage in $data (once)"
      kafka_java kafka.tools.StorageTool format --ignore-formatted -c "$config" \
        -t "$(kafka_java kafka.tools.StorageTool random-uuid)" >/dev/null
    fi
    log "starting the Kafka broker (KRaft) at $KAFKA_BROKERS"
    start_bg kafka java -Xmx"$KAFKA_HEAP" -XX:+UseSerialGC -Dlog4j2.configurationFile="$ROOT/stack/kafka/log4j2.properties" \
      -cp "$CACHE_DIR/kafka/lib/*" kafka.Kafka "$config"
    wait_until 90 "Kafka" answers "${KAFKA_BROKERS%%,*}" || die "the Kafka broker did not come up; see $RUN_DIR/kafka.log"
  fi
  (cd "$ROOT" && KAFKA_BROKERS="$KAFKA_BROKERS" npx --no-install tsx scripts/kafka-topics.ts) ||
    die "could not create the Kafka topics at $KAFKA_BROKERS"
}

cmd_up() {
  cmd_install
  start_temporal
  start_kafka
  log "ready: Temporal $TEMPORAL_ADDRESS (Web UI http://127.0.0.1:$TEMPORAL_UI_PORT), Kafka $KAFKA_BROKERS"
}

stop_one() {
  local name="$1" pid
  pid_alive "$name" || return 0
  pid="$(cat "$RUN_DIR/$name.pid")"
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -0 "$pid" 2>/dev/null && { log "$name did not stop in 30 s: killing it"; kill -KILL "$pid" 2>/dev/null || true; }
  rm -f "$RUN_DIR/$name.pid"
}

cmd_down() { # down [service...]: the named services, or all that this script started
  local name services=("$@")
  # Kafka first: its clients are gone by now, and it flushes on TERM.
  [ ${#services[@]} -gt 0 ] || services=(kafka temporal)
  for name in kafka temporal; do
    [[ " ${services[*]} " == *" $name "* ]] && stop_one "$name"
  done
  return 0
}

cmd_status() {
  local name addr
  for name in temporal kafka; do
    [ "$name" = temporal ] && addr="$TEMPORAL_ADDRESS" || addr="${KAFKA_BROKERS%%,*}"
    if pid_alive "$name"; then
      echo "$name: started by this script (pid $(cat "$RUN_DIR/$name.pid")), $(answers "$addr" && echo answers || echo 'not answering') at $addr"
    elif answers "$addr"; then
      echo "$name: answers at $addr (not started by this script)"
    else
      echo "$name: down"
    fi
  done
  echo "test server: $([ -x "$BIN_DIR/temporal-test-server" ] && echo "$BIN_DIR/temporal-test-server" || echo 'not installed')"
  echo "tctl: $([ -x "$BIN_DIR/tctl" ] && echo "$BIN_DIR/tctl" || echo 'not installed')"
  echo "Temporal Web UI: http://127.0.0.1:$TEMPORAL_UI_PORT"
}

case "${1:-}" in
  install) cmd_install ;;
  up) cmd_up ;;
  down) shift; cmd_down "$@" ;;
  status) cmd_status ;;
  *) die "usage: $0 install|up|down|status" ;;
esac
