#!/usr/bin/env bash
# Page-speed benchmark of the addon's admin pages: the WHMCS harness with the medium seed and the
# RELEASE extension, a release ChartMogul simulator, then tests/e2e/bench-pages.js (30 warm GETs
# of every tab, p50/p95; 10 `batch` AJAX calls per kind, max/p95). Prints the tables and appends
# them to docs/performance.md under "Admin pages (issue 5)". Always stops what it started.
#
#   cargo build --release -p chartmogul_sync -p whmcs-chartmogul
#   cargo build -p whmcs-chartmogul            # the harness seeds with the debug CLI
#   bash tests/e2e/bench-pages.sh [--scale medium] [--no-doc]
#
# Targets: every page p95 ≤ 150 ms, every batch ≤ 2 s. Run it on an otherwise idle machine.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
scale=medium
doc=1
while (($# > 0)); do
    case "$1" in
    --scale) scale=$2; shift 2 ;;
    --no-doc) doc=""; shift ;;
    *) echo "usage: bench-pages.sh [--scale small|medium|N] [--no-doc]" >&2; exit 2 ;;
    esac
done

ext="$repo/target/release/libchartmogul_sync.so"
cli="$repo/target/release/whmcs-chartmogul"
for f in "$ext" "$cli"; do
    [[ -e "$f" ]] || { echo "$f is missing: cargo build --release -p chartmogul_sync -p whmcs-chartmogul" >&2; exit 1; }
done

harness_dir="" sim_pid="" work=$(mktemp -d)
cleanup() {
    [[ -n "$sim_pid" ]] && kill "$sim_pid" 2>/dev/null || true
    [[ -n "$harness_dir" ]] && bash "$repo/tests/harness/stop.sh" "$harness_dir" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

started=$(date +%s)
env_lines=$(MARIADB_WATCH_PID=$$ bash "$repo/tests/harness/start.sh" --scale "$scale" --ext "$ext")
harness_dir=$(sed -n 's/^HARNESS_DIR=//p' <<<"$env_lines")
set -a
eval "$env_lines"
set +a
echo "harness: $HARNESS_URL ($scale seed, release extension) ready in $(($(date +%s) - started)) s" >&2

# The harness's simulator is the debug build; the benchmark talks to a release one.
"$cli" sim --listen 127.0.0.1:0 </dev/null >"$work/sim.out" 2>"$work/sim.log" &
sim_pid=$!
for _ in $(seq 1 100); do
    BENCH_SIM_URL=$(head -n 1 "$work/sim.out" 2>/dev/null || true)
    [[ -n "$BENCH_SIM_URL" ]] && break
    sleep 0.05
done
[[ -n "$BENCH_SIM_URL" ]] || { cat "$work/sim.log" >&2; echo "the release simulator did not start" >&2; exit 1; }
export BENCH_SIM_URL BENCH_CLI="$cli"

node "$here/bench-pages.js" "$work/report.md"

if [[ -n "$doc" ]]; then
    perf="$repo/docs/performance.md"
    if ! grep -q '^## Admin pages (issue 5)' "$perf"; then
        cat >>"$perf" <<'MD'

## Admin pages (issue 5)

How fast the addon's admin pages answer (`tests/e2e/bench-pages.sh`). Targets: every tab's
p95 ≤ 150 ms, every `batch` AJAX call ≤ 2 s. Each run below is appended by the script.
MD
    fi
    { echo; cat "$work/report.md"; } >>"$perf"
    echo "appended to docs/performance.md" >&2
fi
