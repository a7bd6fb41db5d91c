<?php
// The "Synchronize …" control: a button, a progress bar that starts where the engine says the
// sync stands (so it survives a reload), live counts and the records ChartMogul rejected.
// assets/admin.js drives it through the `batch` and `progress` AJAX actions.

namespace WHMCS\Module\Addon\ChartMogul\View;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

use WHMCS\Module\Addon\ChartMogul\Format;

/**
 * @param array{kind?: string, running?: bool, finished?: bool, done?: int, total?: int} $progress
 */
function sync_widget(string $kind, array $progress, bool $canSync, bool $configured, string $modulelink): string
{
    $done = (int) ($progress['done'] ?? 0);
    $total = (int) ($progress['total'] ?? 0);
    $finished = (bool) ($progress['finished'] ?? false);
    $running = (bool) ($progress['running'] ?? false);
    $underWay = !$finished && $done > 0;
    // A finished sync draws a full bar only when it actually did something.
    $percent = ($finished && $total === 0 && $done === 0) ? 0 : Format::percent($done, $total, $finished);
    $id = 'cm-sync-' . $kind;

    $state = ['running' => $running, 'finished' => $finished, 'done' => $done, 'total' => $total];
    $html = '<div class="cm-sync" id="' . e($id) . '" data-kind="' . e($kind) . '"'
        . ' data-progress="' . e(json_encode($state)) . '"'
        . ' data-can-sync="' . ($canSync && $configured ? '1' : '0') . '">';

    $message = '';
    if ($running) {
        $message = alert('info', e(t('sync_running_elsewhere')));
    } elseif ($underWay) {
        $message = alert('info', e(t('sync_resume_offer', Format::integer($done), Format::integer($total))));
    }
    $html .= '<div id="' . e($id) . '-message" class="cm-sync-message" role="status" aria-live="polite">' . $message . '</div>';

    $html .= '<div class="progress cm-progress" id="' . e($id) . '-progress">'
        . '<div class="progress-bar' . ($running ? ' progress-bar-striped active' : '') . '" id="' . e($id) . '-bar"'
        . ' role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow="' . e($percent) . '"'
        . ' style="width: ' . e($percent) . '%; min-width: 2.5em;">' . e($percent) . '%</div></div>';
    $html .= '<p class="cm-sync-text" id="' . e($id) . '-text">'
        . e(t('sync_progress_' . $kind, Format::integer($done), Format::integer($total))) . '</p>';

    $startLabel = $underWay ? t('sync_continue') : t('sync_start_' . $kind);
    $disabled = !$canSync || !$configured || $running;
    $html .= '<p class="cm-sync-buttons">'
        . '<button type="button" class="btn btn-primary cm-sync-start" id="' . e($id) . '-start"'
        . ($disabled ? ' disabled' : '') . '>' . e($startLabel) . '</button> '
        . '<button type="button" class="btn btn-default cm-sync-pause" id="' . e($id) . '-pause" style="display:none">'
        . e(t('sync_pause')) . '</button></p>';

    if (!$canSync) {
        $html .= '<p class="text-muted cm-sync-denied">' . e(t('perm_no_sync')) . '</p>';
    } elseif (!$configured) {
        $html .= '<p class="text-warning cm-sync-unconfigured">' . e(t('sync_needs_key')) . ' '
            . '<a href="' . tab_url($modulelink, 'settings') . '">' . e(t('tab_settings')) . '</a></p>';
    }

    $html .= '<table class="table table-condensed cm-sync-counts" id="' . e($id) . '-counts" style="display:none">'
        . '<thead><tr><th>' . e(t('col_object')) . '</th><th>' . e(t('count_created')) . '</th><th>'
        . e(t('count_updated')) . '</th><th>' . e(t('count_deleted')) . '</th><th>' . e(t('count_cancelled'))
        . '</th></tr></thead><tbody></tbody></table>';

    $html .= '<div class="cm-sync-rejected-wrap" id="' . e($id) . '-rejected-wrap" style="display:none">'
        . '<h4>' . e(t('sync_rejected_title')) . '</h4>'
        . '<table class="table table-striped table-condensed cm-sync-rejected" id="' . e($id) . '-rejected">'
        . '<thead><tr><th>' . e(t('col_record')) . '</th><th>' . e(t('col_kind')) . '</th><th>' . e(t('col_reason'))
        . '</th></tr></thead><tbody></tbody></table></div>';

    return $html . '</div>';
}
