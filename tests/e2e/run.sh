#!/usr/bin/env bash
# Browser end-to-end tests of the addon: starts the WHMCS harness (tests/harness/start.sh), runs
# tests/e2e/*.test.js with Node's own test runner in Debian's chromium (playwright-core, no
# browser download), and always stops the harness. Screenshots of every tab go to
# tests/e2e/artifacts/ (not committed).
#
#   (cd tests/e2e && npm ci --no-audit --no-fund) && bash tests/e2e/run.sh
#
# Needs: the debug CLI and extension (cargo build -p whmcs-chartmogul -p chartmogul_sync), node
# and npm, /usr/bin/chromium (apt-get install chromium; CHROMIUM_PATH overrides it), mysql.
#
# E2E_SCALE (default 450): the seed size. The addon's page syncs at most 200 clients per AJAX
# batch, so the small seed (198 clients) would finish in one batch and leave nothing to reload
# in the middle of; 450 clients take three batches and seed in about as little time.
# E2E_HARNESS_ENV_JSON: use an already running harness (its env.json) instead of starting one.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
scale=${E2E_SCALE:-450}

die() {
    echo "tests/e2e/run.sh: $*" >&2
    exit 1
}

command -v node >/dev/null || die "node not found"
[[ -d "$here/node_modules/playwright-core" ]] ||
    die "playwright-core is not installed: (cd tests/e2e && npm ci --no-audit --no-fund)"
[[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]] ||
    die "${CHROMIUM_PATH:-/usr/bin/chromium} not found: apt-get install -y chromium"
command -v mysql >/dev/null || die "mysql client not found: apt-get install -y mariadb-client"

rm -rf "$here/artifacts"
mkdir -p "$here/artifacts"

harness_dir=""
cleanup() {
    if [[ -n "$harness_dir" ]]; then
        # Keep the PHP error log next to the screenshots before the harness directory goes.
        cp "$harness_dir/php-errors.log" "$here/artifacts/php-errors.log" 2>/dev/null || true
        bash "$repo/tests/harness/stop.sh" "$harness_dir" >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ -n "${E2E_HARNESS_ENV_JSON:-}" ]]; then
    export HARNESS_ENV_JSON=$E2E_HARNESS_ENV_JSON
else
    # MARIADB_WATCH_PID: if this script is killed, the harness stops itself.
    env_lines=$(MARIADB_WATCH_PID=$$ bash "$repo/tests/harness/start.sh" --scale "$scale") ||
        die "the harness did not start"
    harness_dir=$(sed -n 's/^HARNESS_DIR=//p' <<<"$env_lines")
    [[ -n "$harness_dir" ]] || die "start.sh printed no HARNESS_DIR"
    set -a
    eval "$env_lines"
    set +a
    echo "harness: $HARNESS_URL (seed $HARNESS_SCALE, $HARNESS_DIR)"
fi

cd "$here"
status=0
node --test --test-reporter=spec --test-concurrency=1 ./*.test.js || status=$?
echo "screenshots: $here/artifacts/"
exit "$status"
