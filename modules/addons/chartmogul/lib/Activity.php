<?php
// Lines in WHMCS's System Activity Log (logActivity, whmcs.md §2.3), always redacted.

namespace WHMCS\Module\Addon\ChartMogul;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

final class Activity
{
    public static function log(string $message, ?Credentials $credentials = null): void
    {
        if ($credentials !== null) {
            $message = $credentials->redact($message);
        }
        if (function_exists('logActivity')) {
            logActivity('ChartMogul: ' . $message);
        }
    }

    /**
     * Logs a "nothing was done because …" notice at most once a day per reason, so a missing
     * extension or API key does not write a line every five minutes from cron or on every hook.
     */
    public static function logSkipOnce(string $reason, string $message): void
    {
        try {
            $stamp = $reason . '@' . date('Y-m-d');
            $settings = AddonSettings::load();
            $seen = array_filter(explode(',', $settings->get(AddonSettings::SKIP_NOTICE)));
            if (in_array($stamp, $seen, true)) {
                return;
            }
            $today = array_filter($seen, static fn (string $s): bool => str_ends_with($s, '@' . date('Y-m-d')));
            $today[] = $stamp;
            AddonSettings::write(AddonSettings::SKIP_NOTICE, implode(',', $today));
        } catch (\Throwable $e) {
            // The notice is only a courtesy; log it anyway rather than lose it.
        }
        self::log($message);
    }
}
