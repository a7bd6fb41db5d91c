#!/usr/bin/env bash
# Hostile plugins under Debian's php-fpm: starts its own php-fpm master (static pool of 2
# workers, unix socket in a temp dir, the extension loaded per pool with php_admin_value), the
# ChartMogul simulator and a seeded SQLite database, then sends FPM_REQUESTS (default 40)
# FastCGI requests to tests/php/fpm_endpoint.php, FPM_CONCURRENCY (default 3) at a time, cycling
# through the hostile plugins (fail-closed) and the wrong-version plugin. Checks:
# - every response is JSON with the expected failure (each client rejected and logged naming the
#   plugin and its limit; ConfigurationError naming @2.0.0 and @1.0.0 for the wrong version);
# - no worker crashed: the same 2 workers served every request and are still there, the FPM log
#   has no "exited on signal"/"exited with code"/SIGSEGV/timeout lines and nothing a worker
#   wrote to stderr, the PHP log no fatals or warnings; workers stay single-threaded;
# - the master is still running; nothing reached the simulator; compiled plugins were cached.
#
#   bash tests/php/fpm_hostile.sh        (needs php8.2-fpm, libfcgi-bin, target/plugins/*.wasm,
#                                         target/debug/{libchartmogul_sync.so,whmcs-chartmogul})
# Environment: FPM_REQUESTS, FPM_CONCURRENCY, FPM_CLIENTS (seeded clients, default 3), PHP_FPM
# (the php-fpm binary), FPM_KEEP=1 keeps the temp dir. Everything started here is stopped on exit.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
root="$PWD"

requests="${FPM_REQUESTS:-40}"
concurrency="${FPM_CONCURRENCY:-3}"
clients="${FPM_CLIENTS:-3}"
ext="$root/target/debug/libchartmogul_sync.so"
cli="$root/target/debug/whmcs-chartmogul"
plugin_dir="$root/target/plugins"
endpoint="$root/tests/php/fpm_endpoint.php"
plugins=(hostile-loop hostile-memory hostile-trap hostile-garbage hostile-wrong-version)

die() {
    echo "FAIL: $*" >&2
    exit 1
}

fpm="${PHP_FPM:-}"
if [[ -z "$fpm" ]]; then
    for c in php-fpm8.2 /usr/sbin/php-fpm8.2 php-fpm /usr/sbin/php-fpm; do
        if command -v "$c" >/dev/null 2>&1; then
            fpm="$(command -v "$c")"
            break
        fi
    done
fi
[[ -n "$fpm" ]] || die "php-fpm not found: install php8.2-fpm (.ci/run does)"
command -v cgi-fcgi >/dev/null || die "cgi-fcgi not found: install libfcgi-bin (.ci/run does)"
[[ -f "$ext" ]] || die "missing $ext: cargo build -p chartmogul_sync"
[[ -x "$cli" ]] || die "missing $cli: cargo build -p whmcs-chartmogul"
for p in "${plugins[@]}"; do
    [[ -f "$plugin_dir/$p.wasm" ]] || die "missing $plugin_dir/$p.wasm: bash plugins/build.sh"
done

tmp="$(mktemp -d "${TMPDIR:-/tmp}/fpm-hostile.XXXXXX")"
sim_pid=""
master=""
workers=""

stop_pid() { # PID: TERM, up to 10 s, then KILL
    local pid="$1" i
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$?
    set +e
    # The master stops its workers on SIGTERM; any worker still there afterwards is killed by pid.
    [[ -n "$master" ]] && stop_pid "$master"
    for w in $workers; do
        kill -0 "$w" 2>/dev/null && kill -KILL "$w" 2>/dev/null
    done
    [[ -n "$sim_pid" ]] && stop_pid "$sim_pid"
    wait 2>/dev/null
    if [[ $rc -ne 0 ]]; then
        for f in fpm.log php.log sim.log; do
            [[ -s "$tmp/$f" ]] && { echo "--- $f (last 40 lines)" >&2; tail -n 40 "$tmp/$f" >&2; }
        done
    fi
    if [[ "${FPM_KEEP:-}" == 1 ]]; then
        echo "kept $tmp" >&2
    else
        rm -rf "$tmp"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start=$SECONDS

# --- seeded database and simulator ----------------------------------------------------------------
"$cli" seed --scale "$clients" --out "sqlite:$tmp/seed.db" >"$tmp/seed.log" 2>&1 \
    || { cat "$tmp/seed.log" >&2; die "seed failed"; }
mkdir "$tmp/cache" "$tmp/work"

"$cli" sim --listen 127.0.0.1:0 --bulk-delay-ms 0 </dev/null >"$tmp/sim.out" 2>"$tmp/sim.log" &
sim_pid=$!
sim_url=""
for ((i = 0; i < 200; i++)); do
    sim_url="$(head -n 1 "$tmp/sim.out" 2>/dev/null || true)"
    [[ -n "$sim_url" ]] && break
    kill -0 "$sim_pid" 2>/dev/null || die "the simulator exited"
    sleep 0.05
done
[[ "$sim_url" =~ ^http://127\.0\.0\.1:[0-9]+/v1$ ]] || die "the simulator printed no base URL (got '$sim_url')"

# --- php-fpm ----------------------------------------------------------------------------------------
as_root=()
user_lines=""
if [[ "$(id -u)" == 0 ]]; then
    as_root=(-R)
    user_lines="user = $(id -un)
group = $(id -gn)"
fi
cat >"$tmp/fpm.conf" <<EOF
[global]
pid = $tmp/fpm.pid
error_log = $tmp/fpm.log
log_level = notice
daemonize = no

[hostile]
$user_lines
listen = $tmp/fpm.sock
listen.mode = 0600
pm = static
pm.max_children = 2
request_terminate_timeout = 120s
catch_workers_output = yes
php_admin_value[extension] = $ext
php_admin_value[error_log] = $tmp/php.log
php_admin_flag[log_errors] = on
php_admin_flag[display_errors] = off
php_admin_value[memory_limit] = 256M
EOF
"$fpm" "${as_root[@]}" -t -y "$tmp/fpm.conf" >"$tmp/fpm-test.log" 2>&1 \
    || { cat "$tmp/fpm-test.log" >&2; die "php-fpm -t rejected the configuration"; }
"$fpm" "${as_root[@]}" -F -y "$tmp/fpm.conf" </dev/null >"$tmp/fpm.stdout" 2>&1 &
master=$!

children() { { ps --ppid "$master" -o pid= || true; } | tr -s ' \n' ' ' | xargs; }
for ((i = 0; i < 200; i++)); do
    kill -0 "$master" 2>/dev/null || { cat "$tmp/fpm.stdout" "$tmp/fpm.log" >&2 2>/dev/null; die "php-fpm exited at start"; }
    workers="$(children)"
    [[ -S "$tmp/fpm.sock" && $(wc -w <<<"$workers") -eq 2 ]] && break
    sleep 0.05
done
[[ -S "$tmp/fpm.sock" ]] || die "php-fpm did not create $tmp/fpm.sock"
[[ $(wc -w <<<"$workers") -eq 2 ]] || die "php-fpm has workers '$workers', expected 2"
echo "php-fpm $("$fpm" -v | head -n 1 | cut -d' ' -f2) master $master, workers $workers; simulator $sim_url"

# --- the requests ---------------------------------------------------------------------------------
request() { # N PLUGIN
    local n="$1" plugin="$2"
    env -i PATH="$PATH" \
        SCRIPT_FILENAME="$endpoint" SCRIPT_NAME=/fpm_endpoint.php REQUEST_METHOD=GET \
        QUERY_STRING="plugin=$plugin&policy=fail-closed&n=$n" \
        HOSTILE_SIM_URL="$sim_url" HOSTILE_SEED_DB="$tmp/seed.db" HOSTILE_PLUGIN_DIR="$plugin_dir" \
        HOSTILE_CACHE_DIR="$tmp/cache" HOSTILE_WORK_DIR="$tmp/work" \
        cgi-fcgi -bind -connect "$tmp/fpm.sock" >"$tmp/resp-$n.txt" 2>"$tmp/resp-$n.err"
    echo $? >"$tmp/resp-$n.rc"
}

t_requests=$SECONDS
running=0
for ((n = 1; n <= requests; n++)); do
    plugin="${plugins[$(((n - 1) % ${#plugins[@]}))]}"
    request "$n" "$plugin" &
    running=$((running + 1))
    if ((running >= concurrency)); then
        wait -n || true
        running=$((running - 1))
    fi
done
# `wait` without arguments would also wait for php-fpm and the simulator: wait for requests only.
for ((i = 0; i < 1200; i++)); do
    done_count=$(find "$tmp" -maxdepth 1 -name 'resp-*.rc' | wc -l)
    ((done_count >= requests)) && break
    sleep 0.1
done
((done_count >= requests)) || die "only $done_count of $requests requests finished in 120 s"
elapsed_requests=$((SECONDS - t_requests))

# --- the checks -----------------------------------------------------------------------------------
# Crashes first (before stopping php-fpm, whose own shutdown logs children exiting on SIGTERM).
kill -0 "$master" 2>/dev/null || die "the php-fpm master is gone"
if grep -E -i 'exited on signal|exited with code|SIGSEGV|SIGBUS|SIGABRT|SIGILL|core dumped|execution timed out|said into std|ALERT|ERROR' "$tmp/fpm.log" >&2; then
    die "php-fpm logged crashed or failing workers (above)"
fi
if [[ -s "$tmp/php.log" ]] && grep -E 'PHP (Fatal|Parse|Warning)|Segmentation' "$tmp/php.log" >&2; then
    die "PHP logged errors (above)"
fi
after="$(children)"
[[ "$after" == "$workers" ]] || die "the workers changed from '$workers' to '$after' (one was replaced: crashed?)"
# The extension is loaded per pool, in the workers only; and the plugin host starts no threads
# (plugin-host's contract: fuel, not epochs; no parallel compilation), so a worker that ran
# plugins is still single-threaded.
grep -q libchartmogul_sync "/proc/$master/maps" && die "the php-fpm master has the extension loaded"
for w in $workers; do
    grep -q libchartmogul_sync "/proc/$w/maps" || die "worker $w does not have the extension loaded"
    threads="$(awk '/^Threads:/ {print $2}' "/proc/$w/status")"
    [[ "$threads" == 1 ]] || die "worker $w has $threads threads after running plugins, expected 1"
done

cat >"$tmp/check.php" <<'PHP'
<?php
// argv: DIR REQUESTS CLIENTS WORKERS SIM_URL PLUGIN...
declare(strict_types=1);
[, $dir, $requests, $clients, $workers, $simUrl] = $argv;
$plugins = array_slice($argv, 6);
$requests = (int) $requests;
$clients = (int) $clients;
$workers = array_map('intval', preg_split('/\s+/', trim($workers)));
$limits = [
    'hostile-loop' => 'exceeded its CPU budget (1000000000 fuel per call)',
    'hostile-memory' => 'exceeded its memory limit (256 MiB)',
    'hostile-trap' => 'trapped: ',
    'hostile-garbage' => 'returned a payload that is not a client export',
];
$fail = [];
$byPid = [];
$byPlugin = [];
$maxMs = 0;
for ($n = 1; $n <= $requests; $n++) {
    $plugin = $plugins[($n - 1) % count($plugins)];
    $id = "request $n ($plugin)";
    $raw = (string) @file_get_contents("$dir/resp-$n.txt");
    $rc = trim((string) @file_get_contents("$dir/resp-$n.rc"));
    $err = trim((string) @file_get_contents("$dir/resp-$n.err"));
    if ($rc !== '0' || $err !== '') {
        $fail[] = "$id: cgi-fcgi exited $rc: $err";
    }
    $parts = preg_split("/\r?\n\r?\n/", $raw, 2);
    if (count($parts) !== 2) {
        $fail[] = "$id: no FastCGI headers/body: " . substr($raw, 0, 300);
        continue;
    }
    [$headers, $body] = $parts;
    if (preg_match('/^Status:\s*(\d+)/mi', $headers, $m) && $m[1] !== '200') {
        $fail[] = "$id: HTTP status {$m[1]}: " . substr($body, 0, 300);
    }
    $r = json_decode($body, true);
    if (!is_array($r)) {
        $fail[] = "$id: not JSON: " . substr($raw, 0, 300);
        continue;
    }
    $bad = function (string $why) use (&$fail, $id, $r) {
        $fail[] = "$id: $why: " . json_encode($r, JSON_UNESCAPED_SLASHES);
    };
    if (!in_array($r['pid'] ?? 0, $workers, true)) {
        $bad('served by pid ' . ($r['pid'] ?? '?') . ', not one of the workers ' . implode(',', $workers));
    }
    if (($r['sapi'] ?? '') !== 'fpm-fcgi' || ($r['extension'] ?? false) !== true || ($r['plugin'] ?? '') !== $plugin) {
        $bad('not fpm-fcgi with the extension and the plugin asked for');
        continue;
    }
    $byPid[$r['pid']] = ($byPid[$r['pid']] ?? 0) + 1;
    $byPlugin[$plugin] = ($byPlugin[$plugin] ?? 0) + 1;
    if ($plugin === 'hostile-wrong-version') {
        $e = $r['error'] ?? [];
        if (($e['class'] ?? '') !== 'ChartMogulSync\ConfigurationError'
            || !str_contains($e['message'] ?? '', '@2.0.0') || !str_contains($e['message'] ?? '', '@1.0.0')
            || !str_contains($e['message'] ?? '', 'hostile-wrong-version')) {
            $bad('expected ConfigurationError naming the plugin, @2.0.0 and @1.0.0');
        }
        continue;
    }
    if (isset($r['error'])) {
        $bad('threw');
        continue;
    }
    $limit = $limits[$plugin];
    $maxMs = max($maxMs, (int) $r['run_ms']);
    $expected = array_map(fn ($i) => "tblclients #$i", range(1, $clients));
    $rejected = array_column($r['rejected'], 'record');
    sort($rejected);
    $stats = $r['plugins'][0] ?? [];
    if ($r['finished'] !== true || $r['clients'] !== $clients) {
        $bad('did not finish');
    } elseif ($rejected !== $expected) {
        $bad('not every client was rejected');
    } elseif (array_filter($r['rejected'], fn ($x) => !str_contains($x['reason'], "plugin $plugin ") || !str_contains($x['reason'], $limit)) !== []) {
        $bad("a rejection does not name the plugin and \"$limit\"");
    } elseif (($stats['plugin'] ?? '') !== $plugin || ($stats['calls'] ?? 0) !== $clients || ($stats['failures'] ?? 0) !== $clients) {
        $bad('plugin stats');
    } elseif ($r['logs_total'] !== $clients || count($r['logs']) !== $clients) {
        $bad("expected $clients plugin_failed log entries");
    } elseif (array_filter($r['logs'], fn ($x) => $x['level'] !== 'error' || !str_contains($x['message'], "plugin $plugin ") || !str_contains($x['message'], $limit)) !== []) {
        $bad("a plugin_failed entry is not an error naming the plugin and \"$limit\"");
    } elseif (($r['counts']['customers']['created'] ?? 0) !== 0) {
        $bad('customers were created');
    }
}
$state = json_decode((string) @file_get_contents(preg_replace('#/v1$#', '', $simUrl) . '/__sim/state'), true);
if (!is_array($state) || ($state['customers'] ?? null) !== []) {
    $fail[] = 'the simulator has customers (a rejected client was sent) or did not answer: ' . substr(json_encode($state), 0, 300);
}
$cwasm = glob("$dir/cache/*.cwasm") ?: [];
if (count($cwasm) !== count($plugins)) {
    $fail[] = 'expected ' . count($plugins) . ' .cwasm files in the plugin cache, found ' . count($cwasm);
}
if ($fail) {
    fwrite(STDERR, implode("\n", array_slice($fail, 0, 20)) . "\n" . count($fail) . " failed check(s)\n");
    exit(1);
}
ksort($byPlugin);
echo "all $requests responses as expected; per plugin: ", json_encode($byPlugin), '; per worker: ', json_encode($byPid),
    "; slowest run {$maxMs} ms\n";
PHP
php "$tmp/check.php" "$tmp" "$requests" "$clients" "$workers" "$sim_url" "${plugins[@]}" || die "responses (above)"

# Stop the master gracefully: it must still be able to (and did not hang on a worker).
kill -QUIT "$master"
for ((i = 0; i < 100; i++)); do
    kill -0 "$master" 2>/dev/null || break
    sleep 0.1
done
kill -0 "$master" 2>/dev/null && die "the php-fpm master did not stop within 10 s of SIGQUIT"
wait "$master" 2>/dev/null || true
master=""
for w in $workers; do
    kill -0 "$w" 2>/dev/null && die "worker $w outlived its master"
done
workers=""

echo "OK: $requests FastCGI requests ($concurrency at a time, 2 workers) in ${elapsed_requests}s; $((SECONDS - start))s in all"
