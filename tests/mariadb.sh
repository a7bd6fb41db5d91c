#!/usr/bin/env bash
# A throwaway MariaDB for tests: its own data dir, socket and free TCP port on 127.0.0.1, no
# system service, no networking beyond loopback.
#
#   tests/mariadb.sh start [DIR]   initialise DIR (default: a new temp dir), start mariadbd, create
#                                  database `whmcs` with the WHMCS schema, and print
#                                  shell-evaluable lines:
#                                    MARIADB_DIR=… MARIADB_PORT=… MARIADB_SOCKET=… MARIADB_PID=…
#                                    MARIADB_PASSWORD=… WHMCS_MYSQL_URL=mysql://root:…@127.0.0.1:PORT/whmcs
#   tests/mariadb.sh stop DIR      shut the server down and remove DIR
#
# With MARIADB_WATCH_PID=PID in the environment, `start` also leaves a watchdog that stops the
# server and removes DIR as soon as process PID is gone — so a test run that is killed never
# leaves a mariadbd behind. Several instances can run at once (distinct dirs and ports).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)

die() {
    echo "tests/mariadb.sh: $*" >&2
    exit 1
}

find_bin() {
    local name
    for name in "$@"; do
        if command -v "$name" >/dev/null 2>&1; then
            command -v "$name"
            return 0
        fi
        for dir in /usr/sbin /usr/local/sbin /usr/bin /usr/local/bin; do
            if [[ -x "$dir/$name" ]]; then
                echo "$dir/$name"
                return 0
            fi
        done
    done
    return 1
}

stop() {
    local dir=$1
    [[ -n "$dir" && -d "$dir" ]] || return 0
    local pid=""
    [[ -f "$dir/mariadbd.pid" ]] && pid=$(cat "$dir/mariadbd.pid" 2>/dev/null || true)
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        # innodb_fast_shutdown=2 makes this quick; the data is thrown away anyway.
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    # A watchdog (below) notices the directory is gone and exits.
    rm -rf "$dir"
}

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Set while `start` runs, for the EXIT trap: the dir to remove if the start fails.
cleanup_dir=""

start() {
    local dir=${1:-}
    local mariadbd install_db client
    mariadbd=$(find_bin mariadbd mysqld) || die "mariadbd not found: install mariadb-server (Debian: apt-get install mariadb-server mariadb-client)"
    install_db=$(find_bin mariadb-install-db mysql_install_db) || die "mariadb-install-db not found: install mariadb-server"
    client=$(find_bin mariadb mysql) || die "mariadb client not found: install mariadb-client"

    if [[ -z "$dir" ]]; then
        dir=$(mktemp -d "${TMPDIR:-/tmp}/whmcs-mariadb.XXXXXX")
    else
        [[ -e "$dir" && -n "$(ls -A "$dir" 2>/dev/null)" ]] && die "$dir exists and is not empty"
        mkdir -p "$dir"
        dir=$(cd "$dir" && pwd)
    fi
    # A failed start must not leave a half-started server or its directory behind.
    cleanup_dir=$dir
    trap '[[ -z "$cleanup_dir" ]] || stop "$cleanup_dir"' EXIT
    mkdir -p "$dir/data" "$dir/tmp"
    local user
    user=$(id -un)

    # Its own tmpdir: parallel bootstraps sharing /tmp trip over each other's temp tables.
    TMPDIR="$dir/tmp" "$install_db" --no-defaults --datadir="$dir/data" --tmpdir="$dir/tmp" --user="$user" \
        --auth-root-authentication-method=normal --skip-test-db >"$dir/install.log" 2>&1 ||
        { cat "$dir/install.log" >&2; die "mariadb-install-db failed (log above)"; }

    local socket="$dir/mariadbd.sock" port="" pid="" attempt
    # Pick a random free port; if another instance grabs it first, mariadbd fails to bind and
    # we try another.
    for attempt in $(seq 1 8); do
        port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
        port_in_use "$port" && continue
        "$mariadbd" --no-defaults --user="$user" --datadir="$dir/data" --tmpdir="$dir/tmp" \
            --socket="$socket" --port="$port" --bind-address=127.0.0.1 --skip-name-resolve \
            --pid-file="$dir/mariadbd.pid" --log-error="$dir/error.log" \
            --sql-mode=NO_ENGINE_SUBSTITUTION --character-set-server=utf8mb4 \
            --innodb-buffer-pool-size=128M --innodb-log-file-size=64M \
            --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 --innodb-fast-shutdown=2 \
            --skip-log-bin --max-connections=200 \
            </dev/null >"$dir/mariadbd.out" 2>&1 &
        pid=$!
        local ready=""
        for _ in $(seq 1 300); do
            if ! kill -0 "$pid" 2>/dev/null; then
                break
            fi
            if [[ -S "$socket" ]] && "$client" --no-defaults --socket="$socket" -uroot -e 'SELECT 1' >/dev/null 2>&1; then
                ready=1
                break
            fi
            sleep 0.1
        done
        if [[ -n "$ready" ]]; then
            break
        fi
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        pid=""
        rm -f "$dir/mariadbd.pid" "$socket"
        if ! grep -qiE "bind on tcp/ip port|address already in use" "$dir/error.log" 2>/dev/null; then
            { tail -n 30 "$dir/error.log" >&2 2>/dev/null; die "mariadbd did not start (error log above)"; }
        fi
    done
    [[ -n "$pid" ]] || die "no free port found for mariadbd after 8 attempts"

    local password
    password=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
    "$client" --no-defaults --socket="$socket" -uroot <<SQL
CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';
ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
ALTER USER 'root'@'localhost' IDENTIFIED BY '$password';
CREATE DATABASE whmcs CHARACTER SET utf8 COLLATE utf8_unicode_ci;
SQL
    "$client" --no-defaults --socket="$socket" -uroot -p"$password" whmcs <"$root/schema/whmcs-schema.mysql.sql" ||
        die "loading schema/whmcs-schema.mysql.sql failed"

    if [[ -n "${MARIADB_WATCH_PID:-}" ]]; then
        # In its own session (no terminal signals reach it) and detached from our stdout, so
        # whoever reads this script's output gets EOF.
        local launcher=()
        command -v setsid >/dev/null 2>&1 && launcher=(setsid)
        "${launcher[@]}" bash "$here/mariadb.sh" watch "$MARIADB_WATCH_PID" "$dir" </dev/null >/dev/null 2>&1 &
        disown
    fi
    cleanup_dir=""

    printf 'MARIADB_DIR=%q\n' "$dir"
    printf 'MARIADB_PORT=%q\n' "$port"
    printf 'MARIADB_SOCKET=%q\n' "$socket"
    printf 'MARIADB_PID=%q\n' "$pid"
    printf 'MARIADB_PASSWORD=%q\n' "$password"
    printf 'WHMCS_MYSQL_URL=%q\n' "mysql://root:$password@127.0.0.1:$port/whmcs"
}

# Stops the server in DIR once process PID is gone (or DIR was removed by `stop`).
watch() {
    local watched=$1 dir=$2
    while kill -0 "$watched" 2>/dev/null && [[ -d "$dir" ]]; do
        sleep 1
    done
    stop "$dir"
}

case "${1:-}" in
watch)
    [[ $# -eq 3 ]] || die "usage: tests/mariadb.sh watch PID DIR"
    watch "$2" "$3"
    ;;
start)
    start "${2:-}"
    ;;
stop)
    [[ -n "${2:-}" ]] || die "usage: tests/mariadb.sh stop DIR"
    stop "$2"
    ;;
*)
    echo "usage: tests/mariadb.sh start [DIR] | stop DIR" >&2
    exit 2
    ;;
esac
