<?php
// Numbers, money and times as an admin reads them. Money arrives in integer cents and is formatted
// with integer arithmetic only (no float ever touches an amount).

namespace WHMCS\Module\Addon\ChartMogul;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

final class Format
{
    /** 123456 → "1,234.56"; -5 → "-0.05". */
    public static function cents(int $cents): string
    {
        $sign = $cents < 0 ? '-' : '';
        // abs(PHP_INT_MIN) overflows; no real amount gets there.
        $abs = $cents === PHP_INT_MIN ? PHP_INT_MAX : abs($cents);
        return $sign . self::group((string) intdiv($abs, 100)) . '.' . str_pad((string) ($abs % 100), 2, '0', STR_PAD_LEFT);
    }

    /** Whole units for chart axes: 123456 → "1,234". */
    public static function centsWhole(int $cents): string
    {
        $sign = $cents < 0 ? '-' : '';
        return $sign . self::group((string) intdiv(abs($cents), 100));
    }

    public static function integer(int $n): string
    {
        return ($n < 0 ? '-' : '') . self::group((string) abs($n));
    }

    /** "1234567" → "1,234,567" on the digit string, so no precision is lost. */
    private static function group(string $digits): string
    {
        return ltrim(strrev(implode(',', str_split(strrev($digits), 3))), ',');
    }

    /** Milliseconds as "850 ms", "12.3 s", "4 min 05 s". */
    public static function duration(?int $ms): string
    {
        if ($ms === null) {
            return '—';
        }
        if ($ms < 1000) {
            return $ms . ' ms';
        }
        if ($ms < 60000) {
            return intdiv($ms, 1000) . '.' . intdiv($ms % 1000, 100) . ' s';
        }
        $s = intdiv($ms, 1000);
        return intdiv($s, 60) . ' min ' . str_pad((string) ($s % 60), 2, '0', STR_PAD_LEFT) . ' s';
    }

    /**
     * An engine time (UTC: ISO-8601, or "YYYY-MM-DD HH:MM:SS" without a zone as the engine's runs
     * and log entries carry it) as a Unix timestamp, or null when absent or unreadable. A time
     * without a zone is UTC, never the server's zone.
     */
    public static function timestamp(?string $iso): ?int
    {
        if ($iso === null || $iso === '') {
            return null;
        }
        try {
            return (new \DateTimeImmutable($iso, new \DateTimeZone('UTC')))->getTimestamp();
        } catch (\Exception $e) {
            return null;
        }
    }

    /**
     * An engine time in the server's zone (WHMCS requires it to be WHMCS's zone), e.g.
     * "2026-11-21 11:00 CET".
     */
    public static function time(?string $iso): string
    {
        $ts = self::timestamp($iso);
        return $ts === null ? '—' : date('Y-m-d H:i T', $ts);
    }

    /** "3 min ago", "in 2 min", "just now". */
    public static function relative(?int $ts, ?int $now = null): string
    {
        if ($ts === null) {
            return '';
        }
        $lang = Lang::current();
        $delta = ($now ?? time()) - $ts;
        $abs = abs($delta);
        if ($abs < 60) {
            return $lang->get('time_just_now');
        }
        if ($abs < 3600) {
            $amount = $lang->get('time_minutes', intdiv($abs, 60));
        } elseif ($abs < 172800) {
            $amount = $lang->get('time_hours', intdiv($abs, 3600));
        } else {
            $amount = $lang->get('time_days', intdiv($abs, 86400));
        }
        return $lang->get($delta >= 0 ? 'time_ago' : 'time_in', $amount);
    }

    /** Whole percent of done/total, 0..100; 100 for a finished run with nothing to do. */
    public static function percent(int $done, int $total, bool $finished): int
    {
        if ($finished) {
            return 100;
        }
        if ($total <= 0) {
            return 0;
        }
        return max(0, min(100, intdiv($done * 100, $total)));
    }
}
