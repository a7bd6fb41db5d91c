<?php
// The harness's crons/cron.php (CLI only, like `php -q crons/cron.php` in WHMCS):
//
//   php -d extension=… crons/cron.php [--force-daily]
//
// Runs AfterCronJob hooks every time; PreCronJob and DailyCronJob when --force-daily is given
// or the last daily run (tblconfiguration lastDailyCronInvocationTime) was not today. Prints one
// line per hook point; exits 1 when a hook threw (the error is printed), 2 on bad usage.
declare(strict_types=1);

if (PHP_SAPI !== 'cli') {
    http_response_code(403);
    echo "crons/cron.php runs from the command line (tests: /harness/cron.php)\n";
    exit(1);
}

$force = false;
foreach (array_slice($argv, 1) as $arg) {
    if ($arg === '--force-daily') {
        $force = true;
    } elseif ($arg === '-q' || $arg === '--quiet') {
        continue;
    } else {
        fwrite(STDERR, "usage: php crons/cron.php [--force-daily]\n");
        exit(2);
    }
}

require __DIR__ . '/../init.php';

exit(\WHMCS\Harness\Cron::run($force, static function (string $line): void {
    echo $line, "\n";
}));
