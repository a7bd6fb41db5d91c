<?php
// Test-only (loopback): runs the cron inside the web server, as crons/cron.php does on the CLI.
// GET /harness/cron.php[?force-daily=1] → text/plain, the same lines; HTTP 500 when a hook threw.
declare(strict_types=1);

require __DIR__ . '/../init.php';

if (!\WHMCS\Harness\Env::isLoopback()) {
    http_response_code(403);
    exit;
}
header('Content-Type: text/plain; charset=utf-8');
$lines = [];
$status = \WHMCS\Harness\Cron::run(!empty($_REQUEST['force-daily']), static function (string $line) use (&$lines): void {
    $lines[] = $line;
});
http_response_code($status === 0 ? 200 : 500);
echo implode("\n", $lines), "\n";
