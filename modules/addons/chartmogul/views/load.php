<?php
// Loads the admin page's views: plain functions in WHMCS\Module\Addon\ChartMogul\View.

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

foreach ([
    'helpers.php', 'layout.php', 'sync.php', 'chart.php', 'dashboard.php', 'products.php', 'clients.php',
    'trial.php', 'cron.php', 'logs.php', 'settings.php', 'plugins.php',
] as $chartmogulView) {
    require_once __DIR__ . '/' . $chartmogulView;
}
unset($chartmogulView);
