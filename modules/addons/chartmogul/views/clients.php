<?php
// Clients: the backfill of customers, invoices, transactions and cancellations, in short batches.

namespace WHMCS\Module\Addon\ChartMogul\View;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/** @param array{modulelink: string, progress: ?array, progressError: ?string, canSync: bool, configured: bool} $d */
function clients(array $d): string
{
    if ($d['progress'] === null) {
        return engine_problem((string) $d['progressError']);
    }
    $body = '<p>' . e(t('clients_help')) . '</p>'
        . '<p class="help-block">' . e(t('clients_help_resume')) . '</p>'
        . sync_widget('clients', $d['progress'], $d['canSync'], $d['configured'], $d['modulelink']);
    return panel(t('clients_title'), $body, 'cm-clients-panel');
}
