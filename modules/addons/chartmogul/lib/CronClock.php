<?php
// When cron last ran the sync and when it will next: WHMCS's cron runs every 5 minutes
// (whmcs.md §7), so the next sync is due 5 minutes after the last cron run, and cron counts as
// "not running" when nothing came for 15 minutes.
//
// Evidence of cron is the newest of: the stamp the AfterCronJob hook writes on every tick (it is
// there even when the sync was locked or had nothing to do) and the newest run the engine
// recorded with a cron trigger.

namespace WHMCS\Module\Addon\ChartMogul;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

final class CronClock
{
    public const SETTING = AddonSettings::LAST_CRON_AT;
    public const INTERVAL = 300;
    public const STALE_AFTER = 900;
    private const CRON_TRIGGERS = ['cron', 'daily-cron'];

    private ?int $lastCronAt;
    private int $now;

    /** @param list<array> $runs status()['runs'], newest first */
    public function __construct(AddonSettings $settings, array $runs, ?int $now = null)
    {
        $this->now = $now ?? time();
        $stamps = [Format::timestamp($settings->get(self::SETTING) ?: null)];
        foreach ($runs as $run) {
            if (in_array($run['trigger'] ?? '', self::CRON_TRIGGERS, true)) {
                $stamps[] = Format::timestamp($run['started_at'] ?? null);
                break;
            }
        }
        $stamps = array_filter($stamps, 'is_int');
        $this->lastCronAt = $stamps === [] ? null : max($stamps);
    }

    /** Called by the AfterCronJob hook on every tick. */
    public static function stamp(): void
    {
        AddonSettings::write(self::SETTING, gmdate('Y-m-d\TH:i:s\Z'));
    }

    public function lastCronAt(): ?int
    {
        return $this->lastCronAt;
    }

    /** "running", "stale" (nothing for 15 minutes) or "never". */
    public function state(): string
    {
        if ($this->lastCronAt === null) {
            return 'never';
        }
        return $this->now - $this->lastCronAt <= self::STALE_AFTER ? 'running' : 'stale';
    }

    /** @return array{state: string, ts: ?int} state "due" (with the time), "overdue" or "never" */
    public function nextSync(): array
    {
        switch ($this->state()) {
            case 'never':
                return ['state' => 'never', 'ts' => null];
            case 'stale':
                return ['state' => 'overdue', 'ts' => null];
            default:
                // A tick a little late is still "any moment now", never a time in the past.
                return ['state' => 'due', 'ts' => max($this->lastCronAt + self::INTERVAL, $this->now)];
        }
    }
}
