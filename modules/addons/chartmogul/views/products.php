<?php
// Products: WHMCS products (and addons) × billing cycles and the ChartMogul plans they map to.

namespace WHMCS\Module\Addon\ChartMogul\View;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * @param array{modulelink: string, plans: ?array, plansError: ?string, progress: ?array,
 *   canSync: bool, configured: bool} $d
 */
function products(array $d): string
{
    $sync = $d['progress'] === null ? '' : panel(t('products_sync_title'),
        '<p class="help-block">' . e(t('products_sync_help')) . '</p>'
        . sync_widget('products', $d['progress'], $d['canSync'], $d['configured'], $d['modulelink']),
        'cm-products-sync-panel');

    if ($d['plans'] === null) {
        return $sync . engine_problem((string) $d['plansError']);
    }
    $rows = '';
    foreach ($d['plans'] as $plan) {
        $synced = !empty($plan['synced']);
        $rows .= '<tr class="cm-plan-row" data-external-id="' . e($plan['external_id'] ?? '') . '" data-synced="' . ($synced ? '1' : '0') . '">'
            . '<td><code>' . e($plan['external_id'] ?? '') . '</code></td>'
            . '<td>' . e($plan['name'] ?? '') . '</td>'
            . '<td>' . e(interval_text((int) ($plan['interval_count'] ?? 0), (string) ($plan['interval_unit'] ?? ''))) . '</td>'
            . '<td>' . ($synced
                ? '<span class="label label-success">' . e(t('plans_synced')) . '</span>'
                : '<span class="label label-default">' . e(t('plans_not_synced')) . '</span>') . '</td>'
            . '<td><small class="text-muted">' . e($plan['uuid'] ?? '') . '</small></td></tr>';
    }
    if ($rows === '') {
        $rows = '<tr><td colspan="5" class="text-muted">' . e(t('plans_none')) . '</td></tr>';
    }
    $table = '<p class="help-block">' . e(t('plans_help')) . '</p>'
        . '<table class="table table-striped" id="cm-plans-table"><thead><tr>'
        . '<th>' . e(t('col_external_id')) . '</th><th>' . e(t('col_name')) . '</th><th>' . e(t('col_interval'))
        . '</th><th>' . e(t('col_synced')) . '</th><th>' . e(t('col_uuid')) . '</th></tr></thead><tbody>'
        . $rows . '</tbody></table>';
    return $sync . panel(t('plans_title'), $table, 'cm-plans-panel');
}

/** 1 month → "1 month"; 3 month → "3 months"; 2 year → "2 years". */
function interval_text(int $count, string $unit): string
{
    $key = 'interval_' . $unit . ($count === 1 ? '' : 's');
    $text = t($key, $count);
    return str_starts_with($text, 'interval_') ? $count . ' ' . $unit : $text;
}
