<?php
/**
 * ChartMogul for WHMCS — the addon module (Setup > Addon Modules).
 *
 * Keeps a ChartMogul custom data source in step with WHMCS. The work is done by the
 * chartmogul_sync PHP extension (a Rust engine running inside PHP); this addon is the thin part
 * WHMCS talks to: the lifecycle functions below, the admin page (lib/Admin, views/) and the
 * hooks (hooks.php). See README.md in this folder.
 */

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

require_once __DIR__ . '/bootstrap.php';
require_once __DIR__ . '/views/load.php';

use WHMCS\Module\Addon\ChartMogul\Activity;
use WHMCS\Module\Addon\ChartMogul\AddonSettings;
use WHMCS\Module\Addon\ChartMogul\Admin\AdminPage;
use WHMCS\Module\Addon\ChartMogul\Admin\AjaxEndpoint;
use WHMCS\Module\Addon\ChartMogul\Admin\Context;
use WHMCS\Module\Addon\ChartMogul\Credentials;
use WHMCS\Module\Addon\ChartMogul\EngineFactory;
use WHMCS\Module\Addon\ChartMogul\Lang;
use WHMCS\Module\Addon\ChartMogul\Permissions;
use WHMCS\Module\Addon\ChartMogul\View;

function chartmogul_config(): array
{
    return [
        'name' => 'ChartMogul',
        'description' => 'Sends plans, customers, invoices, payments, refunds, cancellations and trials '
            . 'from WHMCS to ChartMogul, so MRR, churn and LTV are always up to date.',
        'author' => 'ChartMogul sync for WHMCS',
        'language' => 'english',
        'version' => '0.1.0',
        'fields' => [
            AddonSettings::ADMIN_USERNAME => [
                'FriendlyName' => 'WHMCS admin username',
                'Type' => 'text',
                'Size' => '25',
                'Default' => '',
                'Description' => 'An active administrator for WHMCS API calls (localAPI). Optional: this version '
                    . 'reads WHMCS data directly and does not need it yet.',
            ],
            AddonSettings::DATA_SOURCE => [
                'FriendlyName' => 'ChartMogul data source name',
                'Type' => 'text',
                'Size' => '25',
                'Default' => AddonSettings::DEFAULT_DATA_SOURCE,
                'Description' => 'The custom data source in ChartMogul that receives WHMCS data (created if missing).',
            ],
            AddonSettings::API_KEY => [
                'FriendlyName' => 'ChartMogul API key',
                'Type' => 'password',
                'Size' => '40',
                'Default' => '',
                'Description' => 'ChartMogul > Profile > API keys (read & write). After saving, the key is moved to '
                    . 'encrypted storage and this field shows empty: leave it empty to keep the saved key.',
            ],
            AddonSettings::ACCOUNT_TOKEN => [
                'FriendlyName' => 'Account token (legacy)',
                'Type' => 'text',
                'Size' => '40',
                'Default' => '',
                'Description' => 'Only for old ChartMogul accounts without an API key, with the secret key below.',
            ],
            AddonSettings::SECRET_KEY => [
                'FriendlyName' => 'Secret key (legacy)',
                'Type' => 'password',
                'Size' => '40',
                'Default' => '',
                'Description' => 'Goes with the account token. Stored encrypted like the API key.',
            ],
        ],
    ];
}

/** Creates the engine's tables; refuses (with the fix) when PHP has not loaded the extension. */
function chartmogul_activate(): array
{
    if (!EngineFactory::extensionLoaded()) {
        return [
            'status' => 'error',
            'description' => 'The chartmogul_sync PHP extension is not loaded, so the addon cannot run. '
                . 'Build it (cargo build --release -p chartmogul_sync), add the line '
                . '"extension=/path/to/libchartmogul_sync.so" to the php.ini of the PHP that runs WHMCS '
                . '(web server and the command-line PHP cron uses), restart php-fpm or the web server, and '
                . 'activate again. Step by step: modules/addons/chartmogul/README.md.',
        ];
    }
    try {
        $settings = AddonSettings::load();
        $version = (new EngineFactory($settings, new Credentials($settings)))->local('addon')->migrate();
    } catch (\Throwable $e) {
        return ['status' => 'error', 'description' => 'Could not create the ChartMogul sync tables: '
            . chartmogul_safe_message($e) . ' Nothing was changed; fix the cause and activate again.'];
    }
    return [
        'status' => 'success',
        'description' => 'ChartMogul sync is installed (tables at version ' . $version . '). Next: Configure > '
            . 'paste your ChartMogul API key and tick Access Control for your role, make sure WHMCS cron runs '
            . 'every 5 minutes, then open Addons > ChartMogul and click "Synchronize clients".',
    ];
}

/** Keeps all sync data unless the admin asked on the Settings tab to remove it on deactivation. */
function chartmogul_deactivate(): array
{
    try {
        $settings = AddonSettings::load();
    } catch (\Throwable $e) {
        return ['status' => 'success', 'description' => 'ChartMogul sync deactivated. Its data was kept.'];
    }
    if (!$settings->isOn(AddonSettings::REMOVE_DATA_ON_DEACTIVATE)) {
        return ['status' => 'success', 'description' => 'ChartMogul sync deactivated. Its data (what was sent, '
            . 'logs, settings) was kept, so activating it again continues where it stopped.'];
    }
    if (!EngineFactory::extensionLoaded()) {
        // Deactivating must stay possible with a broken extension; only the cleanup is skipped.
        return ['status' => 'info', 'description' => 'ChartMogul sync deactivated, but its tables (mod_chartmogul_*) '
            . 'were kept because the chartmogul_sync extension is not loaded to remove them.'];
    }
    try {
        (new EngineFactory($settings, new Credentials($settings)))->local('addon')->uninstall();
        (new \WHMCS\Module\Addon\ChartMogul\Plugins($settings))->removeFiles();
        AddonSettings::deleteOwnRows();
    } catch (\Throwable $e) {
        return ['status' => 'error', 'description' => 'Could not remove the ChartMogul sync data: '
            . chartmogul_safe_message($e) . ' The addon stays active; try again, or untick "remove all data" on its Settings tab.'];
    }
    return ['status' => 'success', 'description' => 'ChartMogul sync deactivated and all of its data removed '
        . '(tables mod_chartmogul_*, saved keys, permissions and plugins). Data already in ChartMogul is untouched.'];
}

/** Runs the engine's migrations after the addon's version changed. */
function chartmogul_upgrade($vars): void
{
    if (!EngineFactory::extensionLoaded()) {
        Activity::log('upgrade skipped: the chartmogul_sync extension is not loaded; activate it and open the addon again.');
        return;
    }
    try {
        $settings = AddonSettings::fromVars(is_array($vars) ? $vars : []);
        (new EngineFactory($settings, new Credentials($settings)))->local('addon')->migrate();
    } catch (\Throwable $e) {
        Activity::log('upgrading the sync tables failed: ' . chartmogul_safe_message($e));
    }
}

/** The admin page (echoes HTML) and, with ajax=1, its JSON/CSV answers (which exit). */
function chartmogul_output($vars): void
{
    $vars = is_array($vars) ? $vars : [];
    try {
        $ctx = new Context($vars);
        // Secrets pasted on Setup > Addon Modules go to encrypted storage on the first page view.
        $ctx->credentials->absorbConfigFields();
    } catch (\Throwable $e) {
        Lang::fromVars($vars);
        echo View\engine_problem(Lang::current()->get('error_internal'));
        Activity::log('the admin page could not start: ' . get_class($e) . ': ' . $e->getMessage());
        return;
    }
    if (($_GET['ajax'] ?? '') === '1') {
        (new AjaxEndpoint($ctx))->handle();
        return;
    }
    echo (new AdminPage($ctx))->render();
}

/** The sidebar beside the admin page: the tabs, for admins allowed to view them. */
function chartmogul_sidebar($vars): string
{
    try {
        $ctx = new Context(is_array($vars) ? $vars : []);
    } catch (\Throwable $e) {
        return '';
    }
    if (!$ctx->can(Permissions::VIEW)) {
        return '';
    }
    $html = '<div class="sidebar-header"><i class="fas fa-chart-line"></i> ChartMogul</div><ul class="menu" id="cm-sidebar">';
    foreach (View\TABS as $tab) {
        $html .= '<li><a href="' . View\tab_url($ctx->modulelink, $tab) . '">' . View\e($ctx->lang->get('tab_' . $tab)) . '</a></li>';
    }
    $html .= '</ul>';
    if (!EngineFactory::extensionLoaded()) {
        $html .= '<p class="text-danger small">' . View\e($ctx->lang->get('ext_missing_title')) . '</p>';
    }
    return $html;
}

/** An exception's message for WHMCS's notices: the engine's own (already redacted), else its class only. */
function chartmogul_safe_message(\Throwable $e): string
{
    if ($e instanceof \ChartMogulSync\Exception) {
        try {
            $settings = AddonSettings::load();
            return (new Credentials($settings))->redact($e->getMessage());
        } catch (\Throwable $ignored) {
            return $e->getMessage();
        }
    }
    Activity::log('unexpected ' . get_class($e) . ': ' . $e->getMessage());
    return 'an unexpected error (' . get_class($e) . '; details in the System Activity Log).';
}
