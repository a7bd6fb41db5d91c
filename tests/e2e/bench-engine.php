<?php
// Where the Dashboard's time goes when its MRR chart is not cached (part of bench-pages.sh):
// times \ChartMogulSync\Engine::mrrHistory(12) with the cache cleared, once against the
// simulator and once against a stub that answers /metrics/mrr with no entries at once, so the
// WHMCS-side computation and the ChartMogul request are told apart; and the cached call.
//
//   php -d extension=target/release/libchartmogul_sync.so tests/e2e/bench-engine.php PORT PASSWORD SIM_URL
// Prints one JSON object (milliseconds, median of 3).
declare(strict_types=1);

[$port, $password, $simUrl] = array_slice($argv, 1) + [null, null, null];
if ($simUrl === null) {
    fwrite(STDERR, "usage: bench-engine.php MARIADB_PORT MARIADB_PASSWORD SIM_URL\n");
    exit(2);
}
$pdo = new PDO("mysql:host=127.0.0.1;port=$port;dbname=whmcs;charset=utf8mb4", 'root', $password, [
    PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION,
]);
$clearCache = static function () use ($pdo): void {
    $pdo->exec("UPDATE `mod_chartmogul_settings` SET `value` = '' WHERE `name` = 'cache.mrr_history'");
};
$median = static function (callable $run): float {
    $times = [];
    for ($i = 0; $i < 3; $i++) {
        $t = hrtime(true);
        $run();
        $times[] = (hrtime(true) - $t) / 1e6;
    }
    sort($times);
    return round($times[1], 1);
};

// The stub: php -S answering every request with an empty metrics list.
$stubDir = sys_get_temp_dir() . '/cm-bench-stub-' . getmypid();
@mkdir($stubDir);
file_put_contents("$stubDir/router.php", '<?php header("Content-Type: application/json"); echo "{\"entries\":[],\"summary\":{}}";');
$stubPort = 0;
$stub = null;
for ($try = 0; $try < 5 && $stub === null; $try++) {
    $stubPort = random_int(20000, 60000);
    $proc = proc_open(['php', '-S', "127.0.0.1:$stubPort", "$stubDir/router.php"], [0 => ['file', '/dev/null', 'r'],
        1 => ['file', '/dev/null', 'w'], 2 => ['file', '/dev/null', 'w']], $pipes);
    for ($i = 0; $i < 50; $i++) {
        if (@fsockopen('127.0.0.1', $stubPort, $errno, $errstr, 0.1)) {
            $stub = $proc;
            break;
        }
        usleep(50000);
    }
    if ($stub === null) {
        proc_terminate($proc);
    }
}
if ($stub === null) {
    fwrite(STDERR, "the stub server did not start\n");
    exit(1);
}
register_shutdown_function(static function () use ($stub, $stubDir): void {
    proc_terminate($stub);
    @unlink("$stubDir/router.php");
    @rmdir($stubDir);
});

$connected = new ChartMogulSync\Engine($pdo, ['api_key' => 'bench-key', 'base_url' => $simUrl]);
$stubbed = new ChartMogulSync\Engine($pdo, ['api_key' => 'bench-key', 'base_url' => "http://127.0.0.1:$stubPort/v1"]);

$out = [
    'mrr_history_uncached' => $median(static function () use ($connected, $clearCache) {
        $clearCache();
        $connected->mrrHistory(12);
    }),
    'mrr_history_uncached_chartmogul_stubbed' => $median(static function () use ($stubbed, $clearCache) {
        $clearCache();
        $stubbed->mrrHistory(12);
    }),
];
$clearCache();
$connected->mrrHistory(12);
$out['mrr_history_cached'] = $median(static fn () => $connected->mrrHistory(12));
$out['status'] = $median(static fn () => $connected->status());
$out['plans'] = $median(static fn () => $connected->plans());
$out['metrics_mrr_request'] = $median(static function () use ($simUrl) {
    $end = new DateTimeImmutable('last day of this month');
    $start = $end->modify('first day of -11 months')->modify('-1 day');
    $ctx = stream_context_create(['http' => ['header' => 'Authorization: Basic ' . base64_encode('bench-key:')]]);
    file_get_contents($simUrl . '/metrics/mrr?start-date=' . $start->format('Y-m-d') . '&end-date=' . $end->format('Y-m-d')
        . '&interval=month', false, $ctx);
});
echo json_encode($out), "\n";
