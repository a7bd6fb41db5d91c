<?php
// Logs: every event, warning and error, filterable, searchable, paged, exportable as CSV, with the
// retention setting.

namespace WHMCS\Module\Addon\ChartMogul\View;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

use WHMCS\Module\Addon\ChartMogul\Format;

/**
 * @param array{modulelink: string, filter: array<string, string>, page: int, logs: ?array,
 *   logsError: ?string, retentionDays: ?string, retentionError: ?string, canConfigure: bool} $d
 */
function logs(array $d): string
{
    $html = panel(t('logs_title'), log_filter_form($d['modulelink'], $d['filter']) . log_table($d), 'cm-logs-panel');
    if ($d['retentionDays'] !== null) {
        $html .= panel(t('logs_retention_title'), log_retention_form($d), 'cm-retention-panel');
    }
    return $html;
}

/** Hidden fields that carry the module link's own query (module=chartmogul) through a GET form. */
function link_hidden_fields(string $modulelink, array $extra): string
{
    $query = [];
    $pos = strpos($modulelink, '?');
    if ($pos !== false) {
        parse_str(substr($modulelink, $pos + 1), $query);
    }
    $html = '';
    foreach ($query + $extra as $name => $value) {
        if (is_scalar($value)) {
            $html .= '<input type="hidden" name="' . e($name) . '" value="' . e($value) . '">';
        }
    }
    return $html;
}

function link_path(string $modulelink): string
{
    $pos = strpos($modulelink, '?');
    return $pos === false ? $modulelink : substr($modulelink, 0, $pos);
}

function log_filter_form(string $modulelink, array $filter): string
{
    $levels = ['' => t('logs_level_all'), 'error' => t('level_error'), 'warning' => t('level_warning'), 'info' => t('level_info')];
    return '<form method="get" action="' . e(link_path($modulelink)) . '" id="cm-log-filter" class="form-inline cm-log-filter">'
        . link_hidden_fields($modulelink, ['tab' => 'logs'])
        . '<div class="form-group"><label for="cm-log-level">' . e(t('col_level')) . '</label> '
        . select('level', 'cm-log-level', $levels, $filter['level'] ?? '') . '</div> '
        . '<div class="form-group"><label for="cm-log-kind">' . e(t('col_kind')) . '</label> '
        . '<input type="text" class="form-control" name="kind" id="cm-log-kind" value="' . e($filter['kind'] ?? '') . '" placeholder="invoice.rejected" size="16"></div> '
        . '<div class="form-group"><label for="cm-log-record">' . e(t('col_record')) . '</label> '
        . '<input type="text" class="form-control" name="record" id="cm-log-record" value="' . e($filter['record'] ?? '') . '" placeholder="tblinvoices#1001" size="16"></div> '
        . '<div class="form-group"><label for="cm-log-search">' . e(t('logs_search')) . '</label> '
        . '<input type="search" class="form-control" name="search" id="cm-log-search" value="' . e($filter['search'] ?? '') . '" size="20"></div> '
        . '<button type="submit" class="btn btn-primary" id="cm-log-filter-submit">' . e(t('logs_filter')) . '</button> '
        . '<a class="btn btn-link" id="cm-log-filter-reset" href="' . tab_url($modulelink, 'logs') . '">' . e(t('logs_reset')) . '</a>'
        . '</form>';
}

function log_table(array $d): string
{
    if ($d['logs'] === null) {
        return engine_problem((string) $d['logsError']);
    }
    $logs = $d['logs'];
    $rows = '';
    foreach ($logs['entries'] ?? [] as $entry) {
        $level = (string) ($entry['level'] ?? '');
        $record = $entry['record'] ?? null;
        $recordHtml = $record === null || $record === '' ? '' : '<a class="cm-log-record-link" href="'
            . tab_url($d['modulelink'], 'logs', ['record' => $record]) . '"><code>' . e($record) . '</code></a>';
        $remote = $entry['chartmogul_message'] ?? null; // shown when the engine provides it
        $rows .= '<tr class="cm-log-row cm-log-' . e($level) . '" data-id="' . e($entry['id'] ?? '') . '" data-level="' . e($level) . '">'
            . '<td class="cm-nowrap">' . time_html($entry['time'] ?? null) . '</td>'
            . '<td>' . level_label($level) . '</td>'
            . '<td><a href="' . tab_url($d['modulelink'], 'logs', ['kind' => $entry['kind'] ?? '']) . '">' . e($entry['kind'] ?? '') . '</a></td>'
            . '<td>' . $recordHtml . '</td>'
            . '<td class="cm-log-message">' . e($entry['message'] ?? '')
            . (is_string($remote) && $remote !== '' ? '<br><small class="text-muted">' . e(t('logs_chartmogul_said')) . ' ' . e($remote) . '</small>' : '')
            . '</td></tr>';
    }
    if ($rows === '') {
        $rows = '<tr id="cm-log-empty"><td colspan="5" class="text-muted">' . e(t('logs_none')) . '</td></tr>';
    }
    $total = (int) ($logs['total'] ?? 0);
    $perPage = max(1, (int) ($logs['per_page'] ?? 50));
    $page = max(1, (int) ($logs['page'] ?? $d['page']));
    $first = $total === 0 ? 0 : ($page - 1) * $perPage + 1;
    $last = min($total, $page * $perPage);

    return '<p class="cm-log-summary" id="cm-log-summary" data-total="' . e($total) . '">'
        . e(t('logs_showing', Format::integer($first), Format::integer($last), Format::integer($total))) . '</p>'
        . '<div class="table-responsive"><table class="table table-striped table-condensed" id="cm-log-table"><thead><tr>'
        . '<th>' . e(t('col_time')) . '</th><th>' . e(t('col_level')) . '</th><th>' . e(t('col_kind')) . '</th><th>'
        . e(t('col_record')) . '</th><th>' . e(t('col_message')) . '</th></tr></thead><tbody>' . $rows . '</tbody></table></div>'
        . pagination($d['modulelink'], $d['filter'], $page, (int) ceil($total / $perPage))
        . log_export_form($d['modulelink'], $d['filter']);
}

/** Bootstrap pagination: first, previous, a window of pages, next, last. */
function pagination(string $modulelink, array $filter, int $page, int $pages): string
{
    if ($pages <= 1) {
        return '';
    }
    $link = static function (int $p, string $label, string $role, bool $active = false, bool $disabled = false) use ($modulelink, $filter): string {
        $class = $active ? ' class="active"' : ($disabled ? ' class="disabled"' : '');
        $inner = $disabled || $active
            ? '<span>' . e($label) . '</span>'
            : '<a class="cm-page-' . e($role) . '" href="' . tab_url($modulelink, 'logs', $filter + ['page' => $p]) . '" data-page="' . e($p) . '">' . e($label) . '</a>';
        return '<li' . $class . '>' . $inner . '</li>';
    };
    $html = '<nav aria-label="' . e(t('logs_pages')) . '"><ul class="pagination" id="cm-log-pages">'
        . $link(1, '«', 'first', false, $page === 1) . $link($page - 1, '‹', 'prev', false, $page === 1);
    for ($p = max(1, $page - 3); $p <= min($pages, $page + 3); $p++) {
        $html .= $link($p, (string) $p, 'number', $p === $page);
    }
    return $html . $link($page + 1, '›', 'next', false, $page === $pages) . $link($pages, '»', 'last', false, $page === $pages) . '</ul></nav>';
}

/** CSV export of the filtered entries: a POST with the CSRF token, answered as a download. */
function log_export_form(string $modulelink, array $filter): string
{
    $fields = '';
    foreach ($filter as $name => $value) {
        $fields .= '<input type="hidden" name="' . e($name) . '" value="' . e($value) . '">';
    }
    return '<form method="post" action="' . e($modulelink . '&ajax=1&action=logs_csv') . '" id="cm-log-export" class="cm-inline-form">'
        . token_field() . $fields
        . '<button type="submit" class="btn btn-default" id="cm-log-export-button">' . e(t('logs_export')) . '</button>'
        . ' <small class="text-muted">' . e(t('logs_export_help')) . '</small></form>';
}

function log_retention_form(array $d): string
{
    $ro = !$d['canConfigure'];
    return '<form method="post" action="' . tab_url($d['modulelink'], 'logs', $d['filter']) . '" id="cm-log-retention" class="form-inline">'
        . token_field() . '<input type="hidden" name="action" value="save_retention">'
        . ($d['retentionError'] !== null ? alert('danger', e($d['retentionError']), 'cm-retention-error') : '')
        . readonly_note($d['canConfigure'])
        . '<div class="form-group"><label for="cm-log-retention-days">' . e(t('logs_retention_label')) . '</label> '
        . '<input type="number" min="1" step="1" class="form-control" name="log_retention_days" id="cm-log-retention-days" value="'
        . e($d['retentionDays']) . '"' . ($ro ? ' disabled' : '') . '> ' . e(t('logs_retention_days')) . '</div> '
        . ($ro ? '' : '<button type="submit" class="btn btn-primary" id="cm-log-retention-save">' . e(t('save')) . '</button>')
        . '<p class="help-block">' . e(t('logs_retention_help')) . '</p></form>';
}
