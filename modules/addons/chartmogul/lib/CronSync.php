<?php
// The syncs cron runs: the incremental one after every cron tick and the full reconciliation
// pass once a day, each in a loop of bounded batches that stops before ~50 seconds so cron.php
// never hangs. Whatever is left waits in the engine for the next run.

namespace WHMCS\Module\Addon\ChartMogul;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

final class CronSync
{
    public const BUDGET_MS = 50000;
    /** Not worth starting a batch with less time than this left. */
    private const MIN_BATCH_MS = 1000;

    /** AfterCronJob: the incremental sync, then a daily pass that did not finish yesterday. */
    public static function afterCronJob(): void
    {
        HookRuntime::guard('cron sync', static function (): void {
            if (EngineFactory::extensionLoaded()) {
                // Cron "runs the sync" only when this PHP (the CLI) has the extension too.
                CronClock::stamp();
            }
            $engine = HookRuntime::engine('cron', true);
            if ($engine === null) {
                return;
            }
            $deadline = self::now() + self::BUDGET_MS;
            $result = self::run($engine, 'incremental', $deadline);
            self::logRejected('cron sync', $result);
            // "daily" keeps its position in the engine; finish an interrupted pass in spare time.
            $daily = $engine->progress('daily');
            if (!$daily['finished'] && !$daily['running'] && $daily['done'] > 0 && self::now() < $deadline - self::MIN_BATCH_MS) {
                self::logRejected('daily sync', self::run($engine, 'daily', $deadline));
            }
        });
    }

    /** DailyCronJob: the full pass that also removes what vanished from WHMCS. */
    public static function dailyCronJob(): void
    {
        HookRuntime::guard('daily sync', static function (): void {
            $engine = HookRuntime::engine('daily-cron', true);
            if ($engine === null) {
                return;
            }
            $result = self::run($engine, 'daily', self::now() + self::BUDGET_MS);
            self::logRejected('daily sync', $result);
            if (!$result['finished']) {
                Activity::log('daily sync paused after ' . $result['done'] . ' of ' . $result['total']
                    . ' clients; it continues on the next cron runs.');
            }
        });
    }

    /**
     * Batches of $kind until it is finished or the deadline is near.
     * @return array{finished: bool, done: int, total: int, batches: int, rejected: int}
     */
    public static function run(\ChartMogulSync\Engine $engine, string $kind, int $deadlineMs): array
    {
        $summary = ['finished' => false, 'done' => 0, 'total' => 0, 'batches' => 0, 'rejected' => 0];
        while (($left = $deadlineMs - self::now()) >= self::MIN_BATCH_MS) {
            $r = $engine->runBatch($kind, 0, min(self::BUDGET_MS, $left));
            Plugins::recordStats($kind, $r);
            $stalled = $summary['batches'] > 0 && (int) $r['done'] === $summary['done']
                && (int) $r['total'] === $summary['total'] && (int) ($r['requests'] ?? 0) === 0;
            $summary['batches']++;
            $summary['finished'] = (bool) $r['finished'];
            $summary['done'] = (int) $r['done'];
            $summary['total'] = (int) $r['total'];
            $summary['rejected'] += count($r['rejected'] ?? []);
            // A batch that moved nothing would only repeat itself until the deadline.
            if ($summary['finished'] || $stalled) {
                break;
            }
        }
        return $summary;
    }

    /** Rejected records are in the addon's log; the activity log only points there. */
    private static function logRejected(string $what, array $result): void
    {
        if ($result['rejected'] > 0) {
            Activity::log($what . ': ChartMogul rejected ' . $result['rejected']
                . ' record(s); see Addons > ChartMogul > Logs.');
        }
    }

    private static function now(): int
    {
        return intdiv(hrtime(true), 1000000);
    }
}
