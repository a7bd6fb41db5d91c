#!/usr/bin/env bash
# The whole test suite: formatting, lints, all Rust tests (SQLite and a throwaway MariaDB),
# the PHP extension smoke test (with hostile plugins in one PHP CLI process and under php-fpm),
# the PHPUnit tests on the WHMCS harness (tests/harness/), the browser end-to-end tests of the
# addon (tests/e2e/), the engine's wasm build and a syntax check of the PHP code. `.ci/run`
# installs what it needs (mariadb-server, PHP, php-fpm, libclang, chromium, the wasm32-wasip2
# target) on a fresh Debian machine first.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() {
    printf '\n==> %s\n' "$*"
}

step "cargo fmt --all --check"
cargo fmt --all --check

step "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

step "plugin components (plugins/build.sh)"
# The example and hostile plugins tests/plugins.rs loads (wasm32-wasip2 components).
bash plugins/build.sh

step "cargo test --workspace"
cargo test --workspace

step "PHP extension smoke test"
# The hostile-plugin tests also need the debug CLI (seed, simulator) and target/plugins/*.wasm
# (built above by plugins/build.sh).
cargo build -p chartmogul_sync -p whmcs-chartmogul
php -d zend.assertions=1 -d extension="$PWD/target/debug/libchartmogul_sync.so" tests/php/extension_smoke.php
php tests/php/stub_signatures.php "$PWD/target/debug/libchartmogul_sync.so"
# Hostile plugins (loop, memory, trap, garbage, wrong version) many times in one PHP CLI process,
# then through FastCGI under Debian's php-fpm (php8.2-fpm, cgi-fcgi from libfcgi-bin).
php -d extension="$PWD/target/debug/libchartmogul_sync.so" tests/php/hostile_plugins.php
bash tests/php/fpm_hostile.sh

step "WHMCS harness and addon tests (phpunit)"
# The harness (tests/harness/start.sh) needs the debug CLI (seed, simulator) and extension.
cargo build -p whmcs-chartmogul -p chartmogul_sync
command -v phpunit >/dev/null || {
    echo "phpunit not found: install phpunit (.ci/run does)" >&2
    exit 1
}
phpunit -c tests/phpunit/phpunit.xml

step "browser end-to-end tests (tests/e2e, chromium)"
# Node's test runner drives Debian's chromium through playwright-core (no browser download);
# run.sh starts its own harness and always stops it. Screenshots: tests/e2e/artifacts/.
command -v npm >/dev/null || {
    echo "npm not found: install nodejs and npm" >&2
    exit 1
}
(cd tests/e2e && npm ci --no-audit --no-fund) && bash tests/e2e/run.sh

step "cargo build -p sync-core --target wasm32-wasip2"
cargo build -p sync-core --target wasm32-wasip2

php_files=()
while IFS= read -r -d '' f; do
    php_files+=("$f")
done < <(find modules tests -name '*.php' -type f -print0 2>/dev/null | sort -z)
if ((${#php_files[@]} > 0)); then
    step "php -l (${#php_files[@]} files)"
    command -v php >/dev/null || {
        echo "php not found: install php-cli (.ci/run does)" >&2
        exit 1
    }
    for f in "${php_files[@]}"; do
        out=$(php -l "$f" 2>&1) || {
            echo "$out" >&2
            exit 1
        }
    done
fi

step "all checks passed"
