<?php
// The page tests/php/fpm_hostile.sh requests through php-fpm: one runBatch("clients") with one
// plugin, on a fresh copy of a seeded database, answered as JSON.
//
// Query string: plugin=NAME (target/plugins/NAME.wasm), policy=fail-closed|fail-open, n=REQUEST
// (names the database copy). FastCGI parameters (cgi-fcgi passes its environment):
// HOSTILE_SIM_URL, HOSTILE_SEED_DB, HOSTILE_PLUGIN_DIR, HOSTILE_CACHE_DIR, HOSTILE_WORK_DIR.
declare(strict_types=1);

header('Content-Type: application/json');

$param = fn (string $k): string => (string) ($_SERVER[$k] ?? '');
$out = ['pid' => getmypid(), 'sapi' => PHP_SAPI, 'extension' => extension_loaded('chartmogul_sync')];
$db = null;
try {
    $plugin = (string) ($_GET['plugin'] ?? '');
    $policy = (string) ($_GET['policy'] ?? 'fail-closed');
    $n = (int) ($_GET['n'] ?? 0);
    if (!preg_match('/^[a-z0-9-]+$/', $plugin)) {
        throw new InvalidArgumentException('bad plugin name');
    }
    $out += ['plugin' => $plugin, 'policy' => $policy, 'n' => $n];
    $db = $param('HOSTILE_WORK_DIR') . "/req-$n-" . getmypid() . '.db';
    if (!copy($param('HOSTILE_SEED_DB'), $db)) {
        throw new RuntimeException("cannot copy the seeded database to $db");
    }
    $pdo = new PDO("sqlite:$db");
    $pdo->setAttribute(PDO::ATTR_ERRMODE, PDO::ERRMODE_EXCEPTION);
    $engine = new \ChartMogulSync\Engine($pdo, [
        'api_key' => 'k',
        'base_url' => $param('HOSTILE_SIM_URL'),
        'plugins' => [['path' => $param('HOSTILE_PLUGIN_DIR') . "/$plugin.wasm", 'policy' => $policy]],
        'plugin_cache' => $param('HOSTILE_CACHE_DIR'),
    ]);
    $engine->migrate();
    $clients = (int) $pdo->query('SELECT COUNT(*) FROM tblclients')->fetchColumn();
    $t = microtime(true);
    $r = $engine->runBatch('clients', 0, 0);
    $logs = $engine->logs(['kind' => 'plugin_failed'], 1, 50);
    $out += [
        'clients' => $clients,
        'finished' => $r['finished'],
        'counts' => $r['counts'],
        'rejected' => array_values(array_filter($r['rejected'], fn ($x) => $x['kind'] === 'plugin_failed')),
        'plugins' => $r['plugins'],
        'logs' => array_map(fn ($e) => ['level' => $e['level'], 'record' => $e['record'], 'message' => $e['message']], $logs['entries']),
        'logs_total' => $logs['total'],
        'run_ms' => (int) round((microtime(true) - $t) * 1000),
    ];
} catch (\Throwable $e) {
    $out['error'] = ['class' => get_class($e), 'message' => $e->getMessage()];
} finally {
    unset($engine, $pdo);
    if ($db !== null) {
        @unlink($db);
    }
}
$out['memory'] = memory_get_usage();
echo json_encode($out, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE), "\n";
