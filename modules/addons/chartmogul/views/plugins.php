<?php
// Settings > Plugins: upload a WebAssembly component, then enable, order, set the failure
// policy of, or remove each plugin; with its last failures and the last batch's counters.

namespace WHMCS\Module\Addon\ChartMogul\View;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

use WHMCS\Module\Addon\ChartMogul\Format;

/**
 * @param array{modulelink: string, canConfigure: bool, plugins: array{list: list<array>, statsAt: ?string,
 *   statsKind: ?string, error: ?string, maxMb: int}} $d
 */
function plugins_section(array $d): string
{
    $p = $d['plugins'];
    $ro = !$d['canConfigure'];
    $body = '<p>' . e(t('plugin_intro')) . '</p>'
        . (empty($p['error']) ? '' : alert('danger', e($p['error']), 'cm-plugins-error'))
        . readonly_note($d['canConfigure']);

    if ($p['list'] === []) {
        $body .= '<p class="text-muted" id="cm-plugins-empty">' . e(t('plugin_none')) . '</p>';
    } else {
        $body .= plugins_table($d['modulelink'], $p['list'], $ro);
        $body .= '<p class="help-block" id="cm-plugins-stats-note">' . ($p['statsAt'] === null
            ? e(t('plugin_stats_none'))
            : e(t('plugin_stats_of', (string) $p['statsKind'])) . ' ' . time_html($p['statsAt'])) . '</p>';
    }
    if (!$ro) {
        $body .= plugin_upload_form($d['modulelink'], $p['maxMb']);
    }
    return panel(t('plugin_title'), $body, 'cm-plugins');
}

function plugin_upload_form(string $modulelink, int $maxMb): string
{
    return '<form method="post" action="' . tab_url($modulelink, 'settings') . '" id="cm-plugin-upload" class="cm-form form-inline"'
        . ' enctype="multipart/form-data">'
        . token_field() . '<input type="hidden" name="action" value="save_plugin_upload">'
        . '<h4>' . e(t('plugin_upload_title')) . '</h4>'
        . '<div class="form-group"><label for="cm-plugin-file" class="sr-only">' . e(t('plugin_file')) . '</label>'
        . '<input type="file" name="plugin_file" id="cm-plugin-file" accept=".wasm,application/wasm" required></div> '
        . '<div class="form-group"><label for="cm-plugin-policy">' . e(t('plugin_policy')) . '</label> '
        . policy_select('cm-plugin-policy', 'fail-closed', false) . '</div> '
        . '<button type="submit" class="btn btn-primary" id="cm-plugin-upload-submit">' . e(t('plugin_upload')) . '</button>'
        . '<p class="help-block">' . e(t('plugin_upload_help', $maxMb, (string) ini_get('upload_max_filesize'))) . '</p>'
        . '<p class="help-block">' . e(t('plugin_policy_help')) . '</p>'
        . '</form>';
}

function policy_select(string $id, string $selected, bool $disabled): string
{
    return select('policy', $id, [
        'fail-closed' => t('plugin_policy_fail_closed'),
        'fail-open' => t('plugin_policy_fail_open'),
    ], $selected, $disabled);
}

/** @param list<array> $list */
function plugins_table(string $modulelink, array $list, bool $ro): string
{
    $html = '<table class="table table-bordered table-condensed" id="cm-plugins-table"><thead><tr>'
        . '<th>' . e(t('plugin_col_order')) . '</th><th>' . e(t('plugin_col_name')) . '</th><th>' . e(t('plugin_col_state')) . '</th>'
        . '<th>' . e(t('plugin_policy')) . '</th><th>' . e(t('plugin_col_status')) . '</th>'
        . ($ro ? '' : '<th>' . e(t('plugin_col_actions')) . '</th>')
        . '</tr></thead><tbody>';
    $count = count($list);
    foreach (array_values($list) as $i => $plugin) {
        $name = (string) $plugin['name'];
        $id = 'cm-plugin-row-' . $name;
        $html .= '<tr class="cm-plugin-row" id="' . e($id) . '" data-name="' . e($name) . '"'
            . ' data-enabled="' . ($plugin['enabled'] ? '1' : '0') . '" data-policy="' . e($plugin['policy']) . '"'
            . ' data-order="' . e($plugin['order']) . '">'
            . '<td class="cm-plugin-order">' . e($plugin['order']) . '</td>'
            . '<td><strong class="cm-plugin-name">' . e($name) . '</strong><br><small class="text-muted">'
            . '<code class="cm-plugin-sha" title="sha256 ' . e($plugin['sha256']) . '">' . e(substr((string) $plugin['sha256'], 0, 12)) . '</code> · '
            . e(t('plugin_uploaded_at')) . ' ' . time_html($plugin['uploaded_at'] ?: null) . '</small></td>'
            . '<td class="cm-plugin-state">' . ($plugin['enabled']
                ? '<span class="label label-success">' . e(t('plugin_enabled')) . '</span>'
                : '<span class="label label-default">' . e(t('plugin_disabled')) . '</span>') . '</td>'
            . '<td class="cm-plugin-policy">' . e(t($plugin['policy'] === 'fail-open' ? 'plugin_policy_fail_open' : 'plugin_policy_fail_closed')) . '</td>'
            . '<td class="cm-plugin-status">' . plugin_status($plugin) . '</td>';
        if (!$ro) {
            $html .= '<td class="cm-plugin-actions">' . plugin_actions($modulelink, $plugin, $i === 0, $i === $count - 1) . '</td>';
        }
        $html .= '</tr>';
    }
    return $html . '</tbody></table>';
}

/** The last batch's counters and the last failures/drops the engine logged for the plugin. */
function plugin_status(array $plugin): string
{
    $html = '';
    $stats = $plugin['stats'];
    if (is_array($stats)) {
        $html .= '<div class="cm-plugin-stats">' . e(t('plugin_stats', (int) ($stats['calls'] ?? 0), (int) ($stats['failures'] ?? 0),
            Format::duration(intdiv((int) ($stats['micros'] ?? 0), 1000)))) . '</div>';
        if (!empty($stats['last_error'])) {
            $html .= '<div class="text-danger cm-plugin-last-error">' . e(t('plugin_last_error')) . ' ' . e($stats['last_error']) . '</div>';
        }
    }
    if ($plugin['eventsError'] !== null) {
        $html .= '<div class="text-warning">' . e($plugin['eventsError']) . '</div>';
    }
    if ($plugin['events'] !== []) {
        $html .= '<ul class="list-unstyled cm-plugin-events">';
        foreach ($plugin['events'] as $entry) {
            $html .= '<li class="cm-plugin-event" data-kind="' . e($entry['kind'] ?? '') . '">'
                . level_label((string) ($entry['level'] ?? '')) . ' '
                . '<small>' . time_html(isset($entry['time']) ? (string) $entry['time'] : null) . '</small> '
                . (empty($entry['record']) ? '' : '<code>' . e($entry['record']) . '</code> ')
                . e($entry['message'] ?? '') . '</li>';
        }
        $html .= '</ul>';
    }
    return $html === '' ? '<span class="text-muted">' . e(t('plugin_no_events')) . '</span>' : $html;
}

function plugin_actions(string $modulelink, array $plugin, bool $first, bool $last): string
{
    $name = (string) $plugin['name'];
    $button = static fn (string $op, string $label, string $class, bool $disabled = false): string =>
        '<button type="submit" name="op" value="' . e($op) . '" class="btn btn-xs ' . e($class) . ' cm-plugin-' . e($op) . '"'
        . ($disabled ? ' disabled' : '') . '>' . e($label) . '</button> ';
    return '<form method="post" action="' . tab_url($modulelink, 'settings') . '" class="cm-form cm-plugin-form form-inline">'
        . token_field() . '<input type="hidden" name="action" value="save_plugin">'
        . '<input type="hidden" name="name" value="' . e($name) . '">'
        . $button('up', t('plugin_up'), 'btn-default', $first)
        . $button('down', t('plugin_down'), 'btn-default', $last)
        . ($plugin['enabled'] ? $button('disable', t('plugin_disable'), 'btn-warning') : $button('enable', t('plugin_enable'), 'btn-success'))
        . $button('remove', t('plugin_remove'), 'btn-danger')
        . '<div class="form-group"><label class="sr-only" for="cm-plugin-row-' . e($name) . '-policy">' . e(t('plugin_policy')) . '</label>'
        . policy_select('cm-plugin-row-' . $name . '-policy', (string) $plugin['policy'], false) . '</div> '
        . $button('policy', t('plugin_set_policy'), 'btn-default')
        . '</form>';
}
