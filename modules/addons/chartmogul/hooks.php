<?php
// WHMCS hooks of the ChartMogul addon.
//
// Hooks run inside a customer's or an admin's request, so they never call ChartMogul: the event
// hooks only queue the record for the next incremental run, and the cron hooks run the syncs in
// time-boxed batches behind the engine's lock. No hook ever throws into WHMCS.

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

require_once __DIR__ . '/bootstrap.php';

use WHMCS\Module\Addon\ChartMogul\CronSync;
use WHMCS\Module\Addon\ChartMogul\HookEvents;
use WHMCS\Module\Addon\ChartMogul\HookRuntime;

foreach (HookEvents::HOOKS as $chartmogulHook) {
    add_hook($chartmogulHook, 1, static function ($vars = []) use ($chartmogulHook): void {
        HookRuntime::guard('queueing ' . $chartmogulHook, static function () use ($chartmogulHook, $vars): void {
            HookEvents::enqueue($chartmogulHook, is_array($vars) ? $vars : []);
        });
    });
}
unset($chartmogulHook);

add_hook('AfterCronJob', 1, static function ($vars = []): void {
    CronSync::afterCronJob();
});

add_hook('DailyCronJob', 1, static function ($vars = []): void {
    CronSync::dailyCronJob();
});
