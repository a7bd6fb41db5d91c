<?php
// Turns posted form fields into the typed values \ChartMogulSync\Engine::saveSettings() expects
// (mapping.md §10 names and types). Anything that is not a simple, valid value is reported with
// the setting's name, like the engine's own ConfigurationError.

namespace WHMCS\Module\Addon\ChartMogul\Admin;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

final class FormInput
{
    private const MAPPING_BOOLS = ['export_zero_invoices', 'export_leads', 'propagate_deletions', 'plan_name_prefix_group', 'suspended_is_active'];

    /**
     * The Settings tab's mapping form. An empty time zone means "the server's zone": it is sent
     * as null only when a zone was stored before, so an untouched field changes nothing.
     * @throws InvalidInput
     */
    public static function mapping(array $post, array $current): array
    {
        $values = [];
        $timezone = trim(self::text($post, 'timezone'));
        if ($timezone !== '') {
            $values['timezone'] = $timezone;
        } elseif (($current['timezone'] ?? null) !== null && $current['timezone'] !== '') {
            $values['timezone'] = null;
        }
        $statuses = $post['invoice_statuses'] ?? [];
        if (!is_array($statuses)) {
            throw new InvalidInput('invoice_statuses: expected a list of invoice statuses');
        }
        $values['invoice_statuses'] = array_values(array_map('strval', array_filter($statuses, 'is_string')));
        foreach (self::MAPPING_BOOLS as $key) {
            $values[$key] = self::ticked($post, $key);
        }
        $values['domains'] = self::text($post, 'domains');
        $values['churn_at'] = self::text($post, 'churn_at');
        return $values;
    }

    /** The Trial tab's form (mapping.md §6). @throws InvalidInput */
    public static function trial(array $post): array
    {
        return [
            'detect_free_first_period' => self::ticked($post, 'detect_free_first_period'),
            'trial_line_items' => self::ticked($post, 'trial_line_items'),
            'trial_products' => self::idList($post, 'trial_products'),
            'trial_addons' => self::idList($post, 'trial_addons'),
            'trial_promotions' => self::words(self::text($post, 'trial_promotions')),
        ];
    }

    /** @throws InvalidInput */
    public static function retentionDays(array $post): int
    {
        $raw = trim(self::text($post, 'log_retention_days'));
        if (!ctype_digit($raw) || (int) $raw < 1 || strlen($raw) > 6) {
            throw new InvalidInput('log_retention_days: enter a whole number of days, 1 or more');
        }
        return (int) $raw;
    }

    /** An http(s) address without user info; empty means the default. @throws InvalidInput */
    public static function baseUrl(array $post): string
    {
        $url = trim(self::text($post, 'api_base_url'));
        if ($url === '') {
            return '';
        }
        $parts = parse_url($url);
        if ($parts === false || !in_array(strtolower($parts['scheme'] ?? ''), ['http', 'https'], true)
            || empty($parts['host']) || isset($parts['user']) || isset($parts['pass'])) {
            throw new InvalidInput('api_base_url: enter an address starting with https:// (e.g. https://api.chartmogul.com/v1)');
        }
        return rtrim($url, '/');
    }

    public static function text(array $post, string $key): string
    {
        $value = $post[$key] ?? '';
        return is_string($value) ? $value : '';
    }

    public static function ticked(array $post, string $key): bool
    {
        return isset($post[$key]) && $post[$key] !== '' && $post[$key] !== '0';
    }

    /** "8, 12 15" → [8, 12, 15]. @throws InvalidInput */
    private static function idList(array $post, string $key): array
    {
        $ids = [];
        foreach (self::words(self::text($post, $key)) as $word) {
            if (!ctype_digit($word) || (int) $word <= 0 || strlen($word) > 18) {
                throw new InvalidInput($key . ': "' . $word . '" is not an id (use numbers separated by commas)');
            }
            $ids[] = (int) $word;
        }
        return array_values(array_unique($ids));
    }

    /** Comma- or space-separated words, trimmed, without empties or repeats. */
    private static function words(string $text): array
    {
        $words = preg_split('/[\s,;]+/', $text, -1, PREG_SPLIT_NO_EMPTY) ?: [];
        return array_values(array_unique($words));
    }
}
