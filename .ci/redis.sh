#!/usr/bin/env bash
# A throwaway Redis for the tests: 127.0.0.1 only, a free port, a temp data
# folder, no persistence. Two ways to use it:
#
#   .ci/redis.sh run npx deno task test     # start, run the command, always stop;
#                                           # exits with the command's status
#
#   . .ci/redis.sh                          # or source it and call the functions:
#   redis_start && trap redis_stop EXIT     # exports REDIS_URL
#
# redis-server comes from Debian's packages and is installed when missing.
# Safe under `set -euo pipefail`.

redis_install() {
  command -v redis-server >/dev/null 2>&1 && return 0
  echo "redis.sh: installing redis-server with apt-get" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq >/dev/null &&
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq redis-server >/dev/null ||
    { echo "redis.sh: could not install redis-server" >&2; return 1; }
}

redis_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

redis_start() {
  redis_install || return 1
  REDIS_DIR="$(mktemp -d "${TMPDIR:-/tmp}/llm-cache-redis.XXXXXX")" || return 1
  local attempt port
  # The port is free when chosen but could be taken before redis binds it: retry.
  for attempt in 1 2 3 4 5; do
    port="$(redis_free_port)" || return 1
    if redis-server --bind 127.0.0.1 --port "$port" --dir "$REDIS_DIR" \
      --save "" --appendonly no --daemonize yes \
      --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log" &&
      redis_wait_ready "$port"; then
      export REDIS_URL="redis://127.0.0.1:$port"
      echo "redis.sh: redis-server ready at $REDIS_URL (data in $REDIS_DIR)" >&2
      return 0
    fi
    redis_kill
  done
  echo "redis.sh: redis-server did not start; log:" >&2
  cat "$REDIS_DIR/redis.log" >&2 2>/dev/null || true
  rm -rf "$REDIS_DIR"
  return 1
}

redis_wait_ready() {
  local i
  for i in $(seq 1 100); do
    [ "$(redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null)" = "PONG" ] && return 0
    sleep 0.1
  done
  return 1
}

redis_kill() {
  local pid
  pid="$(cat "$REDIS_DIR/redis.pid" 2>/dev/null)" || return 0
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$REDIS_DIR/redis.pid"
}

redis_stop() {
  [ -n "${REDIS_DIR:-}" ] || return 0
  redis_kill
  rm -rf "$REDIS_DIR"
  unset REDIS_DIR REDIS_URL
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  case "${1:-}" in
    run)
      shift
      redis_start || exit 1
      trap redis_stop EXIT INT TERM
      "$@"
      exit $?
      ;;
    *)
      echo "usage: .ci/redis.sh run <command…>   or   . .ci/redis.sh; redis_start; …; redis_stop" >&2
      exit 2
      ;;
  esac
fi
