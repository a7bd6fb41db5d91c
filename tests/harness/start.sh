#!/usr/bin/env bash
# Starts the WHMCS test harness: a throwaway MariaDB with the WHMCS schema and seeded data, the
# ChartMogul simulator, and a PHP emulation of the WHMCS admin area served by `php -S`.
#
#   tests/harness/start.sh [--scale small|medium|large|N|none] [--ext PATH] [--dir DIR]
#
# Prints shell-evaluable lines (also saved as DIR/env and DIR/env.json):
#   HARNESS_DIR=… HARNESS_URL=http://127.0.0.1:PORT HARNESS_ROOT=… HARNESS_PID=… HARNESS_EXT=…
#   SIM_URL=http://127.0.0.1:PORT/v1 SIM_PID=… WHMCS_MYSQL_URL=mysql://… MARIADB_PORT=… …
# Stop with `tests/harness/stop.sh "$HARNESS_DIR"`.
#
# With MARIADB_WATCH_PID=PID in the environment, everything (MariaDB, simulator, PHP server) is
# stopped and DIR removed as soon as process PID is gone, so a killed test run leaves nothing.
# HARNESS_WORKERS (default 4) sets PHP_CLI_SERVER_WORKERS for the PHP server.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

die() {
    echo "tests/harness/start.sh: $*" >&2
    exit 1
}

scale=small
ext="$repo/target/debug/libchartmogul_sync.so"
dir=""
while (($# > 0)); do
    case "$1" in
    --scale)
        [[ $# -ge 2 ]] || die "--scale needs a value"
        scale=$2
        shift 2
        ;;
    --scale=*)
        scale=${1#--scale=}
        shift
        ;;
    --ext)
        [[ $# -ge 2 ]] || die "--ext needs a path"
        ext=$2
        shift 2
        ;;
    --ext=*)
        ext=${1#--ext=}
        shift
        ;;
    --dir)
        [[ $# -ge 2 ]] || die "--dir needs a path"
        dir=$2
        shift 2
        ;;
    -h | --help)
        sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *)
        die "unknown argument: $1 (usage: start.sh [--scale small|medium|large|N|none] [--ext PATH] [--dir DIR])"
        ;;
    esac
done

cli="$repo/target/debug/whmcs-chartmogul"
[[ -x "$cli" ]] || die "$cli is missing: build it with 'cargo build --bin whmcs-chartmogul'"
[[ -f "$ext" ]] || die "PHP extension $ext is missing: build it with 'cargo build -p chartmogul_sync' (or pass --ext PATH)"
ext=$(cd "$(dirname "$ext")" && pwd)/$(basename "$ext")
command -v php >/dev/null 2>&1 || die "php not found: install php-cli"
php -r 'exit(extension_loaded("pdo_mysql") ? 0 : 1);' || die "PHP has no pdo_mysql: install php-mysql"
[[ -f /usr/share/php/Illuminate/Database/autoload.php ]] ||
    die "illuminate/database not found: install php-illuminate-database (WHMCS's Capsule is Laravel's database component)"
php -d extension="$ext" -r 'exit(extension_loaded("chartmogul_sync") ? 0 : 1);' >/dev/null 2>&1 ||
    die "PHP cannot load the extension $ext: $(php -d extension="$ext" -r '' 2>&1 | head -3)"
case "$scale" in
small | medium | large | none) ;;
*) [[ "$scale" =~ ^[0-9]+$ ]] || die "--scale must be small, medium, large, none or a number" ;;
esac

if [[ -z "$dir" ]]; then
    dir=$(mktemp -d "${TMPDIR:-/tmp}/whmcs-harness.XXXXXX")
else
    [[ -e "$dir" && -n "$(ls -A "$dir" 2>/dev/null)" ]] && die "$dir exists and is not empty"
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
fi
touch "$dir/.whmcs-harness"

# A failed start stops whatever already runs and removes the directory.
started=""
trap '[[ -n "$started" ]] || bash "$here/stop.sh" "$dir" >/dev/null 2>&1 || true' EXIT

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# --- MariaDB with the WHMCS schema -------------------------------------------------------------
# tests/mariadb.sh honours MARIADB_WATCH_PID itself for the database.
bash "$repo/tests/mariadb.sh" start "$dir/mariadb" >"$dir/mariadb.env" ||
    die "tests/mariadb.sh start failed"
# shellcheck disable=SC1091
source "$dir/mariadb.env"

# --- seed data -----------------------------------------------------------------------------------
if [[ "$scale" != none ]]; then
    "$cli" seed --scale "$scale" --out "$WHMCS_MYSQL_URL" >"$dir/seed.log" 2>&1 ||
        { cat "$dir/seed.log" >&2; die "whmcs-chartmogul seed failed (log above)"; }
fi

# --- ChartMogul simulator ------------------------------------------------------------------------
# ChartMogul reports MRR in its account currency (USD), converting the others at its own rates;
# the simulator converts with WHMCS's rates when the seed's default currency is USD, so the
# Dashboard's two MRR lines can be compared exactly.
fx=()
if [[ "$scale" != none ]]; then
    rates=$(mariadb --protocol=socket -S "$MARIADB_SOCKET" -uroot -p"$MARIADB_PASSWORD" -N -B whmcs \
        -e 'SELECT `code`, `rate`, `default` FROM `tblcurrencies` ORDER BY `id`') ||
        die "cannot read the seeded currencies"
    if awk '$3 == 1 { d = $1 } END { exit d == "USD" ? 0 : 1 }' <<<"$rates"; then
        fx=(--fx-rates "$(awk '{ printf "%s%s=%s", (NR > 1 ? "," : ""), $1, $2 }' <<<"$rates")")
    fi
fi
setsid "$cli" sim --listen 127.0.0.1:0 "${fx[@]}" </dev/null >"$dir/sim.out" 2>"$dir/sim.log" &
sim_pid=$!
echo "$sim_pid" >"$dir/sim.pid"
sim_url=""
for _ in $(seq 1 200); do
    sim_url=$(head -n 1 "$dir/sim.out" 2>/dev/null || true)
    [[ -n "$sim_url" ]] && break
    kill -0 "$sim_pid" 2>/dev/null || { cat "$dir/sim.log" >&2; die "the simulator exited (log above)"; }
    sleep 0.05
done
[[ -n "$sim_url" ]] || die "the simulator printed no URL"

# --- the WHMCS root --------------------------------------------------------------------------------
root="$dir/whmcs"
mkdir -p "$root" "$dir/sessions"
# Copied, not linked: PHP resolves symlinks in __DIR__, and init.php finds configuration.php
# (and ROOTDIR) next to itself.
cp -R "$here/whmcs/." "$root/"
mkdir -p "$root/modules/addons" "$root/assets/vendor"
ln -s "$repo/modules/addons/chartmogul" "$root/modules/addons/chartmogul"
for fixture in "$here"/fixtures/*/; do
    [[ -d "$fixture" ]] || continue
    name=$(basename "$fixture")
    ln -s "${fixture%/}" "$root/modules/addons/$name"
done
# Bootstrap 3 and jQuery as WHMCS's admin area loads them, from Debian packages when present.
[[ -d /usr/share/javascript/bootstrap ]] && ln -s /usr/share/javascript/bootstrap "$root/assets/vendor/bootstrap"
[[ -d /usr/share/javascript/jquery ]] && ln -s /usr/share/javascript/jquery "$root/assets/vendor/jquery"

cc_hash=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
cat >"$root/configuration.php" <<PHP
<?php
// Written by tests/harness/start.sh, like WHMCS's own configuration.php.
\$license = 'WHMCS-HARNESS-NOT-A-LICENSE';
\$db_host = '127.0.0.1';
\$db_port = '$MARIADB_PORT';
\$db_username = 'root';
\$db_password = '$MARIADB_PASSWORD';
\$db_name = 'whmcs';
\$cc_encryption_hash = '$cc_hash';
\$templates_compiledir = 'templates_c';
\$mysql_charset = 'utf8';
PHP

php_flags=(
    -d extension="$ext"
    -d session.save_path="$dir/sessions"
    -d display_errors=0
    -d log_errors=1
    -d error_reporting=E_ALL
    -d error_log="$dir/php-errors.log"
)
php "${php_flags[@]}" "$root/harness/setup.php" >"$dir/setup.log" 2>&1 ||
    { cat "$dir/setup.log" >&2; die "harness setup (admins, roles, configuration) failed (log above)"; }

# --- php -S ----------------------------------------------------------------------------------------
port="" php_pid=""
for _ in $(seq 1 8); do
    port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
    port_in_use "$port" && continue
    PHP_CLI_SERVER_WORKERS=${HARNESS_WORKERS:-4} setsid php "${php_flags[@]}" \
        -S "127.0.0.1:$port" -t "$root" "$root/router.php" </dev/null >>"$dir/php-server.log" 2>&1 &
    php_pid=$!
    ready=""
    for _ in $(seq 1 100); do
        kill -0 "$php_pid" 2>/dev/null || break
        if php -r '$s = @fsockopen("127.0.0.1", (int)$argv[1], $e, $m, 0.2); exit($s ? 0 : 1);' "$port"; then
            ready=1
            break
        fi
        sleep 0.05
    done
    [[ -n "$ready" ]] && break
    kill -TERM -- "-$php_pid" 2>/dev/null || true
    php_pid=""
done
[[ -n "$php_pid" ]] || { tail -n 20 "$dir/php-server.log" >&2; die "php -S did not start (log above)"; }
echo "$php_pid" >"$dir/php-server.pid"

if [[ -n "${MARIADB_WATCH_PID:-}" ]]; then
    setsid bash "$here/stop.sh" --watch "$MARIADB_WATCH_PID" "$dir" </dev/null >/dev/null 2>&1 &
    disown
fi

{
    printf 'HARNESS_DIR=%q\n' "$dir"
    printf 'HARNESS_URL=%q\n' "http://127.0.0.1:$port"
    printf 'HARNESS_ROOT=%q\n' "$root"
    printf 'HARNESS_PID=%q\n' "$php_pid"
    printf 'HARNESS_EXT=%q\n' "$ext"
    printf 'HARNESS_PHP_LOG=%q\n' "$dir/php-server.log"
    printf 'HARNESS_PHP_ERRORS=%q\n' "$dir/php-errors.log"
    printf 'HARNESS_SCALE=%q\n' "$scale"
    printf 'SIM_URL=%q\n' "$sim_url"
    printf 'SIM_PID=%q\n' "$sim_pid"
    cat "$dir/mariadb.env"
} >"$dir/env"
php -r '
    $out = [];
    foreach (file($argv[1], FILE_IGNORE_NEW_LINES) as $line) {
        [$k, $v] = explode("=", $line, 2);
        $out[$k] = stripcslashes($v);
    }
    file_put_contents($argv[2], json_encode($out, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES) . "\n");
' "$dir/env" "$dir/env.json"
started=1
cat "$dir/env"
