<?php
// Loads the chartmogul_sync extension into PHP and calls into the engine: the seam the WHMCS
// addon will use. Run: php -d extension=target/debug/libchartmogul_sync.so tests/php/extension_smoke.php
declare(strict_types=1);

ini_set('zend.assertions', '1');
ini_set('assert.exception', '1');

if (!extension_loaded('chartmogul_sync')) {
    fwrite(STDERR, "the chartmogul_sync extension is not loaded\n");
    exit(1);
}
assert(preg_match('/^\d+\.\d+\.\d+$/', ChartMogulSync\version()) === 1);
assert(ChartMogulSync\cycle_slug('Semi-Annually') === 'semiannually');
assert(ChartMogulSync\cycle_slug('semi annually') === 'semiannually');
assert(ChartMogulSync\cycle_slug('One Time') === null);
assert(ChartMogulSync\cycle_slug('Fortnightly') === null);
echo "chartmogul_sync ", ChartMogulSync\version(), " loaded and working\n";
