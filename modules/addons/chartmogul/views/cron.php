<?php
// Cron: the exact line for the server's crontab, whether cron runs, and the last runs.

namespace WHMCS\Module\Addon\ChartMogul\View;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

use WHMCS\Module\Addon\ChartMogul\Format;

/**
 * @param array{modulelink: string, command: string, cronState: string, lastCronAt: ?int,
 *   runs: ?array, runsError: ?string} $d
 */
function cron(array $d): string
{
    $state = $d['cronState'];
    $since = Format::relative($d['lastCronAt']);
    $stateHtml = [
        'running' => alert('success', e(t('cron_running', $since)), 'cm-cron-state', ['state' => 'running']),
        'stale' => alert('danger', e(t('cron_stale', $since)), 'cm-cron-state', ['state' => 'stale']),
        'never' => alert('warning', e(t('cron_never')), 'cm-cron-state', ['state' => 'never']),
    ][$state];

    $setup = $stateHtml
        . '<p>' . e(t('cron_intro')) . '</p>'
        . '<pre id="cm-cron-command" class="cm-cron-command">' . e($d['command']) . '</pre>'
        . '<ul class="help-block"><li>' . e(t('cron_note_moved')) . '</li><li>' . e(t('cron_note_cli_ext'))
        . '</li><li>' . e(t('cron_note_daily')) . '</li></ul>';
    $html = panel(t('cron_title'), $setup, 'cm-cron-panel');

    if ($d['runs'] === null) {
        return $html . engine_problem((string) $d['runsError']);
    }
    $rows = '';
    foreach ($d['runs'] as $run) {
        $rows .= '<tr class="cm-run-row" data-run-id="' . e($run['id'] ?? '') . '" data-status="' . e($run['status'] ?? '') . '">'
            . '<td>' . e($run['id'] ?? '') . '</td>'
            . '<td>' . e($run['trigger'] ?? '') . '</td>'
            . '<td>' . e($run['mode'] ?? '') . '</td>'
            . '<td>' . run_status_label(isset($run['status']) ? (string) $run['status'] : null) . '</td>'
            . '<td>' . time_html($run['started_at'] ?? null) . '</td>'
            . '<td class="text-right">' . e(Format::duration(isset($run['duration_ms']) ? (int) $run['duration_ms'] : null)) . '</td>'
            . '<td><small>' . e(counts_text(is_array($run['counts'] ?? null) ? $run['counts'] : [])) . '</small></td>'
            . '<td><small class="text-danger">' . e($run['error'] ?? '') . '</small></td></tr>';
    }
    if ($rows === '') {
        $rows = '<tr><td colspan="8" class="text-muted">' . e(t('runs_none')) . '</td></tr>';
    }
    $table = '<div class="table-responsive"><table class="table table-striped table-condensed" id="cm-runs-table"><thead><tr>'
        . '<th>#</th><th>' . e(t('col_trigger')) . '</th><th>' . e(t('col_mode')) . '</th><th>' . e(t('col_status'))
        . '</th><th>' . e(t('col_started')) . '</th><th class="text-right">' . e(t('col_duration')) . '</th><th>'
        . e(t('col_counts')) . '</th><th>' . e(t('col_error')) . '</th></tr></thead><tbody>' . $rows . '</tbody></table></div>';
    return $html . panel(t('runs_title'), $table, 'cm-runs-panel');
}
