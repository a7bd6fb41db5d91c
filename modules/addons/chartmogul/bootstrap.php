<?php
// Loads the addon's classes (lib/). WHMCS autoloads lib/ as WHMCS\Module\Addon\ChartMogul\…
// (whmcs.md §1.1), but the exact module-name rule is unverified, so they are required
// explicitly; require_once makes a second load harmless. The admin page's views are loaded by
// chartmogul.php only (views/load.php): hooks.php runs on every WHMCS page and needs none.

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

foreach ([
    'lib/AddonSettings.php', 'lib/Credentials.php', 'lib/EngineFactory.php', 'lib/AdminUser.php',
    'lib/Permissions.php', 'lib/Lang.php', 'lib/Format.php', 'lib/EngineError.php', 'lib/Activity.php',
    'lib/CronClock.php', 'lib/HookRuntime.php', 'lib/HookEvents.php', 'lib/CronSync.php', 'lib/Plugins.php',
    'lib/Admin/Context.php', 'lib/Admin/InvalidInput.php', 'lib/Admin/FormInput.php',
    'lib/Admin/AdminPage.php', 'lib/Admin/AjaxEndpoint.php',
] as $chartmogulFile) {
    require_once __DIR__ . '/' . $chartmogulFile;
}

unset($chartmogulFile);
