#!/usr/bin/env bash
# Stops a harness started by tests/harness/start.sh and removes its directory.
#
#   tests/harness/stop.sh DIR                 stop the PHP server, the simulator and MariaDB; rm -rf DIR
#   tests/harness/stop.sh --watch PID DIR     (used by start.sh) wait until process PID is gone or
#                                             DIR was removed, then stop DIR
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

die() {
    echo "tests/harness/stop.sh: $*" >&2
    exit 1
}

# Ends the process (group) whose id is in FILE: start.sh starts each server with setsid, so the
# id is also its process group (php -S with workers has children).
stop_pidfile() {
    local file=$1 pid
    [[ -f "$file" ]] || return 0
    pid=$(cat "$file" 2>/dev/null || true)
    [[ "$pid" =~ ^[0-9]+$ ]] || return 0
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
}

stop() {
    local dir=$1
    [[ -d "$dir" ]] || return 0
    [[ -f "$dir/.whmcs-harness" ]] || die "$dir is not a harness directory (no .whmcs-harness marker)"
    stop_pidfile "$dir/php-server.pid"
    stop_pidfile "$dir/sim.pid"
    if [[ -d "$dir/mariadb" ]]; then
        bash "$repo/tests/mariadb.sh" stop "$dir/mariadb" >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
}

case "${1:-}" in
--watch)
    [[ $# -eq 3 ]] || die "usage: stop.sh --watch PID DIR"
    watched=$2
    dir=$3
    while kill -0 "$watched" 2>/dev/null && [[ -d "$dir" ]]; do
        sleep 1
    done
    stop "$dir"
    ;;
"" | -h | --help)
    echo "usage: tests/harness/stop.sh DIR" >&2
    exit 2
    ;;
*)
    stop "$1"
    ;;
esac
