<?php
// Dashboard: is it connected, when did it last sync and when next, what was sent, what needs
// attention, and do WHMCS and ChartMogul agree on MRR.

namespace WHMCS\Module\Addon\ChartMogul\View;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

use WHMCS\Module\Addon\ChartMogul\Format;

/**
 * @param array{modulelink: string, configured: bool, credentialKind: string, dataSource: string,
 *   canSync: bool, status: ?array, statusError: ?string, nextSync: array{state: string, ts: ?int},
 *   mrr: ?array, mrrError: ?string, incremental: ?array} $d
 */
function dashboard(array $d): string
{
    if ($d['status'] === null) {
        return engine_problem((string) $d['statusError']);
    }
    $s = $d['status'];
    $html = '<div class="row">'
        . '<div class="col-md-4">' . dashboard_connection($d, $s) . '</div>'
        . '<div class="col-md-4">' . dashboard_sync($d, $s) . '</div>'
        . '<div class="col-md-4">' . dashboard_attention($d, $s) . '</div>'
        . '</div>';
    $html .= '<div class="row"><div class="col-md-4">' . dashboard_sent($s) . '</div>'
        . '<div class="col-md-8">' . panel(t('mrr_title'),
            ($d['mrrError'] !== null ? alert('warning', e($d['mrrError'])) : '')
            . ($d['mrr'] !== null ? '<p class="help-block">' . e(t('mrr_help')) . '</p>' . mrr_chart($d['mrr']) : ''),
            'cm-mrr-panel') . '</div></div>';
    if ($d['incremental'] !== null) {
        $html .= panel(t('dash_sync_now_title'),
            '<p class="help-block">' . e(t('dash_sync_now_help')) . '</p>'
            . sync_widget('incremental', $d['incremental'], $d['canSync'], $d['configured'], $d['modulelink']),
            'cm-sync-now-panel');
    }
    return $html;
}

function dashboard_connection(array $d, array $s): string
{
    if ($d['configured']) {
        $cred = '<span class="label label-success" id="cm-credentials-state" data-state="configured">'
            . e(t($d['credentialKind'] === 'legacy' ? 'conn_legacy_saved' : 'conn_key_saved')) . '</span>';
    } else {
        $cred = '<span class="label label-danger" id="cm-credentials-state" data-state="missing">'
            . e(t('conn_key_missing')) . '</span> <a href="' . tab_url($d['modulelink'], 'settings') . '">'
            . e(t('conn_add_key')) . '</a>';
    }
    $last = $s['last_run'] ?? null;
    $body = '<dl class="cm-dl">'
        . '<dt>' . e(t('conn_credentials')) . '</dt><dd>' . $cred . '</dd>'
        . '<dt>' . e(t('conn_data_source')) . '</dt><dd id="cm-data-source-name">' . e($d['dataSource']) . '</dd>'
        . '<dt>' . e(t('conn_last_run')) . '</dt><dd id="cm-last-run-status">'
        . run_status_label(is_array($last) ? (string) ($last['status'] ?? '') : null) . '</dd>'
        . '</dl>';
    if (is_array($last) && !empty($last['error'])) {
        $body .= alert('danger', e($last['error']), 'cm-last-run-error');
    }
    $disabled = !$d['canSync'] || !$d['configured'];
    $body .= '<button type="button" class="btn btn-default" id="cm-test-connection"' . ($disabled ? ' disabled' : '') . '>'
        . e(t('conn_test')) . '</button>'
        . '<div id="cm-test-connection-result" class="cm-test-result" role="status" aria-live="polite"></div>';
    if (!$d['canSync']) {
        $body .= '<p class="text-muted">' . e(t('perm_no_sync')) . '</p>';
    }
    return panel(t('dash_connection'), $body, 'cm-connection-panel');
}

function dashboard_sync(array $d, array $s): string
{
    $last = $s['last_run'] ?? null;
    $success = $s['last_success'] ?? null;
    $body = '<dl class="cm-dl">'
        . '<dt>' . e(t('dash_last_sync')) . '</dt><dd id="cm-last-sync">'
        . (is_array($last) ? time_html($last['started_at'] ?? null) . ' ' . e(run_mode_text($last)) : time_html(null)) . '</dd>'
        . '<dt>' . e(t('dash_last_success')) . '</dt><dd id="cm-last-success">'
        . time_html(is_array($success) ? ($success['finished_at'] ?? $success['started_at'] ?? null) : null) . '</dd>'
        . '<dt>' . e(t('dash_next_sync')) . '</dt><dd id="cm-next-sync" data-state="' . e($d['nextSync']['state']) . '">'
        . next_sync_html($d['modulelink'], $d['nextSync']) . '</dd>'
        . '<dt>' . e(t('dash_queue')) . '</dt><dd id="cm-queue">' . e(Format::integer((int) ($s['queue'] ?? 0))) . '</dd>';
    $backfill = $s['backfill'] ?? null;
    if (is_array($backfill)) {
        $body .= '<dt>' . e(t('dash_backfill')) . '</dt><dd id="cm-backfill">'
            . e(!empty($backfill['finished'])
                ? t('dash_backfill_done', Format::integer((int) ($backfill['total'] ?? 0)))
                : t('dash_backfill_progress', Format::integer((int) ($backfill['done'] ?? 0)), Format::integer((int) ($backfill['total'] ?? 0))))
            . ' <a href="' . tab_url($d['modulelink'], 'clients') . '">' . e(t('tab_clients')) . '</a></dd>';
    }
    $body .= '</dl>';
    if (!empty($s['running'])) {
        $body .= alert('info', e(t('dash_running_now', (string) ($s['lock_holder'] ?? '?'))), 'cm-running-now');
    }
    return panel(t('dash_sync'), $body, 'cm-sync-panel');
}

function run_mode_text(array $run): string
{
    $trigger = (string) ($run['trigger'] ?? '');
    $mode = (string) ($run['mode'] ?? '');
    return $mode === '' ? '' : '(' . $mode . ($trigger === '' ? '' : ', ' . $trigger) . ')';
}

/** @param array{state: string, ts: ?int} $next */
function next_sync_html(string $modulelink, array $next): string
{
    switch ($next['state']) {
        case 'due':
            return '<span>' . e(date('Y-m-d H:i T', (int) $next['ts'])) . '</span> <small class="text-muted">'
                . e(Format::relative($next['ts'])) . '</small>';
        case 'overdue':
            return '<span class="text-danger">' . e(t('dash_next_overdue')) . '</span> <a href="'
                . tab_url($modulelink, 'cron') . '">' . e(t('tab_cron')) . '</a>';
        default:
            return '<span class="text-warning">' . e(t('dash_next_never')) . '</span> <a href="'
                . tab_url($modulelink, 'cron') . '">' . e(t('tab_cron')) . '</a>';
    }
}

function dashboard_attention(array $d, array $s): string
{
    $errors = (int) ($s['errors'] ?? 0);
    $warnings = (int) ($s['warnings'] ?? 0);
    $body = '<p class="cm-big-number ' . ($errors > 0 ? 'text-danger' : 'text-success') . '" id="cm-error-count" data-count="' . e($errors) . '">'
        . e(Format::integer($errors)) . '</p>'
        . '<p>' . e($errors > 0 ? t('dash_errors_some') : t('dash_errors_none')) . '</p>'
        . '<p><a class="btn btn-' . ($errors > 0 ? 'danger' : 'default') . ' btn-sm" id="cm-errors-link" href="'
        . tab_url($d['modulelink'], 'logs', ['level' => 'error']) . '">' . e(t('dash_errors_link')) . '</a> '
        . '<a class="btn btn-default btn-sm" id="cm-warnings-link" href="'
        . tab_url($d['modulelink'], 'logs', ['level' => 'warning']) . '">'
        . e(t('dash_warnings_link', Format::integer($warnings))) . '</a></p>';
    return panel(t('dash_attention'), $body, 'cm-attention-panel');
}

function dashboard_sent(array $s): string
{
    $sent = is_array($s['sent'] ?? null) ? $s['sent'] : [];
    $rows = '';
    foreach ($sent as $kind => $count) {
        $rows .= '<tr class="cm-sent-row" data-kind="' . e($kind) . '"><td>' . e(object_name((string) $kind)) . '</td>'
            . '<td class="text-right">' . e(Format::integer((int) $count)) . '</td></tr>';
    }
    if ($rows === '') {
        $rows = '<tr><td colspan="2" class="text-muted">' . e(t('dash_sent_none')) . '</td></tr>';
    }
    $body = '<table class="table table-condensed" id="cm-sent-table"><thead><tr><th>' . e(t('col_object'))
        . '</th><th class="text-right">' . e(t('col_count')) . '</th></tr></thead><tbody>' . $rows . '</tbody></table>';
    return panel(t('dash_sent'), $body, 'cm-sent-panel');
}

/** "customer" → "Customers", falling back to the engine's own word. */
function object_name(string $kind): string
{
    $text = t('object_' . $kind);
    return str_starts_with($text, 'object_') ? $kind : $text;
}
