<?php
// The admin page (addonmodules.php?module=chartmogul): checks the admin's permission, applies a
// posted form, then gathers one tab's data from the engine and hands it to its view.

namespace WHMCS\Module\Addon\ChartMogul\Admin;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

use WHMCS\Module\Addon\ChartMogul\AddonSettings;
use WHMCS\Module\Addon\ChartMogul\CronClock;
use WHMCS\Module\Addon\ChartMogul\EngineFactory;
use WHMCS\Module\Addon\ChartMogul\Permissions;
use WHMCS\Module\Addon\ChartMogul\Plugins;
use WHMCS\Module\Addon\ChartMogul\View;

final class AdminPage
{
    /** Which permission each posted form needs. */
    private const ACTIONS = [
        'save_settings' => Permissions::CONFIGURE,
        'save_trial' => Permissions::CONFIGURE,
        'save_retention' => Permissions::CONFIGURE,
        'save_connection' => Permissions::CONFIGURE,
        'save_permissions' => Permissions::CONFIGURE,
        'save_deactivate' => Permissions::CONFIGURE,
        'save_plugin_upload' => Permissions::CONFIGURE,
        'save_plugin' => Permissions::CONFIGURE,
    ];

    private Context $ctx;
    private string $tab;
    /** @var list<array{0: string, 1: string}> type, message */
    private array $notices = [];
    /** @var array<string, string> form => error shown next to that form */
    private array $formErrors = [];
    /** Values of a mapping/trial form that failed, shown again instead of the stored ones. */
    private ?array $rejectedValues = null;

    public function __construct(Context $ctx)
    {
        $this->ctx = $ctx;
        $tab = is_string($_GET['tab'] ?? null) ? $_GET['tab'] : 'dashboard';
        $this->tab = in_array($tab, View\TABS, true) ? $tab : 'dashboard';
    }

    public function render(): string
    {
        $lang = $this->ctx->lang;
        if (!$this->ctx->can(Permissions::VIEW)) {
            return View\denied($lang->get($this->ctx->admin === null ? 'perm_no_admin' : 'perm_no_view'));
        }
        if (!EngineFactory::extensionLoaded()) {
            return $this->page(View\extension_missing());
        }
        $this->handlePost();
        try {
            $body = $this->tabBody();
        } catch (\Throwable $e) {
            $body = View\engine_problem($this->ctx->explain($e)->message);
        }
        // Shown on every tab until fixed; the connection form shows it itself after a save.
        if ($this->ctx->connectionProblem() !== null && !isset($this->formErrors['connection'])) {
            array_unshift($this->notices, ['danger', $this->ctx->connectionProblem()]);
        }
        return $this->page($body);
    }

    private function page(string $body): string
    {
        return View\layout([
            'modulelink' => $this->ctx->modulelink,
            'tab' => $this->tab,
            'notices' => $this->notices,
            'body' => $body,
            'token' => Context::plainToken(),
            'jsStrings' => $this->ctx->lang->subset(self::JS_STRINGS),
        ]);
    }

    /** Words the JavaScript needs (progress, errors), from the language file. */
    private const JS_STRINGS = [
        'js_progress_clients', 'js_progress_products', 'js_progress_incremental', 'js_finished', 'js_already_finished', 'js_finished_rejected',
        'js_paused', 'js_locked_retry', 'js_failed', 'js_unexpected', 'js_running_elsewhere', 'js_retry',
        'js_continue', 'js_testing', 'js_test_ok', 'js_test_failed', 'sync_start_clients', 'sync_start_products',
        'sync_start_incremental', 'js_working',
    ];

    // ---- form posts -------------------------------------------------------------------------

    private function handlePost(): void
    {
        $action = $_POST['action'] ?? ($_GET['action'] ?? null);
        if (!is_string($action) || !isset(self::ACTIONS[$action])) {
            return;
        }
        $lang = $this->ctx->lang;
        if (!Context::isPost()) {
            // Links never change anything; only the forms' POSTs do.
            $this->notices[] = ['warning', $lang->get('error_get_refused')];
            return;
        }
        if (!Context::checkToken()) {
            $this->notices[] = ['danger', $lang->get('error_token')];
            return;
        }
        if (!$this->ctx->can(self::ACTIONS[$action])) {
            $this->notices[] = ['danger', $lang->get('perm_no_configure')];
            return;
        }
        $form = substr($action, strlen('save_')); // the form's name in formErrors
        try {
            switch ($action) {
                case 'save_settings':
                    $this->postSettings();
                    break;
                case 'save_trial':
                    $this->postTrial();
                    break;
                case 'save_retention':
                    $this->postRetention();
                    break;
                case 'save_connection':
                    $this->postConnection();
                    break;
                case 'save_permissions':
                    $this->postPermissions();
                    break;
                case 'save_deactivate':
                    $this->postDeactivate();
                    break;
                case 'save_plugin_upload':
                    $this->postPluginUpload();
                    break;
                case 'save_plugin':
                    $this->postPlugin();
                    break;
            }
        } catch (InvalidInput $e) {
            $this->formErrors[$form] = $e->getMessage();
        } catch (\Throwable $e) {
            // A ConfigurationError names the setting; other failures are explained in words.
            $this->formErrors[$form] = $this->ctx->explain($e)->message;
        }
    }

    private function postSettings(): void
    {
        $engine = $this->ctx->engine();
        $values = [];
        try {
            $values = FormInput::mapping($_POST, $engine->settings());
            $engine->saveSettings($values);
        } catch (\Throwable $e) {
            $this->rejectedValues = $values;
            throw $e;
        }
        $this->notices[] = ['success', $this->ctx->lang->get('saved_settings')];
    }

    private function postTrial(): void
    {
        try {
            $this->ctx->engine()->saveSettings(FormInput::trial($_POST));
        } catch (\Throwable $e) {
            // Show what was typed again, not the stored lists.
            $this->rejectedValues = [
                'detect_free_first_period' => FormInput::ticked($_POST, 'detect_free_first_period'),
                'trial_line_items' => FormInput::ticked($_POST, 'trial_line_items'),
                'trial_products' => FormInput::text($_POST, 'trial_products'),
                'trial_addons' => FormInput::text($_POST, 'trial_addons'),
                'trial_promotions' => FormInput::text($_POST, 'trial_promotions'),
            ];
            throw $e;
        }
        $this->notices[] = ['success', $this->ctx->lang->get('saved_trial')];
    }

    private function postRetention(): void
    {
        $this->ctx->engine()->saveSettings(['log_retention_days' => FormInput::retentionDays($_POST)]);
        $this->notices[] = ['success', $this->ctx->lang->get('saved_retention')];
    }

    private function postConnection(): void
    {
        $settings = $this->ctx->settings;
        $credentials = $this->ctx->credentials;
        $baseUrl = FormInput::baseUrl($_POST);
        $dataSource = trim(FormInput::text($_POST, 'data_source'));
        if ($dataSource === '' || mb_strlen($dataSource) > 255) {
            throw new InvalidInput('data_source: enter the name of the ChartMogul data source (e.g. WHMCS)');
        }
        $settings->set(AddonSettings::DATA_SOURCE, $dataSource);
        $settings->set(AddonSettings::API_BASE_URL, $baseUrl);
        $settings->set(AddonSettings::ACCOUNT_TOKEN, trim(FormInput::text($_POST, 'account_token')));
        // Empty password fields keep what is saved; only the "remove" boxes delete a secret.
        $apiKey = trim(FormInput::text($_POST, 'api_key'));
        if ($apiKey !== '') {
            $credentials->saveApiKey($apiKey);
        } elseif (FormInput::ticked($_POST, 'api_key_remove')) {
            $credentials->saveApiKey('');
        }
        $secretKey = trim(FormInput::text($_POST, 'secret_key'));
        if ($secretKey !== '') {
            $credentials->saveSecretKey($secretKey);
        } elseif (FormInput::ticked($_POST, 'secret_key_remove')) {
            $credentials->saveSecretKey('');
        }
        $this->ctx->resetEngine();
        $this->ctx->engine();
        if ($this->ctx->connectionProblem() !== null) {
            throw new InvalidInput($this->ctx->connectionProblem());
        }
        $this->notices[] = ['success', $this->ctx->lang->get('saved_connection')];
    }

    private function postPermissions(): void
    {
        $posted = $_POST['perm'] ?? [];
        $matrix = Permissions::fromForm(is_array($posted) ? $posted : []);
        // Nobody can lock themselves (and so everyone) out of the Settings tab.
        if (!$matrix->roleHas((int) $this->ctx->admin->roleId, Permissions::CONFIGURE)) {
            throw new InvalidInput($this->ctx->lang->get('perm_keep_own_configure'));
        }
        $matrix->save($this->ctx->settings);
        $this->ctx->permissions = $matrix;
        $this->notices[] = ['success', $this->ctx->lang->get('saved_permissions')];
    }

    private function postDeactivate(): void
    {
        $on = FormInput::ticked($_POST, 'remove_data_on_deactivate');
        $this->ctx->settings->set(AddonSettings::REMOVE_DATA_ON_DEACTIVATE, $on ? 'on' : '');
        $this->notices[] = ['success', $this->ctx->lang->get($on ? 'saved_remove_on' : 'saved_remove_off')];
    }

    private function postPluginUpload(): void
    {
        $file = $_FILES['plugin_file'] ?? [];
        $entry = (new Plugins($this->ctx->settings))->upload(is_array($file) ? $file : [],
            FormInput::text($_POST, 'policy') ?: Plugins::DEFAULT_POLICY);
        $this->notices[] = ['success', $this->ctx->lang->get('plugin_uploaded', $entry['name'])];
    }

    /** One plugin's row: op = enable, disable, up, down, remove or policy. */
    private function postPlugin(): void
    {
        $name = FormInput::text($_POST, 'name');
        $op = FormInput::text($_POST, 'op');
        (new Plugins($this->ctx->settings))->change($name, $op, FormInput::text($_POST, 'policy'));
        $key = in_array($op, ['enable', 'disable', 'remove'], true) ? 'plugin_' . $op . 'd_msg' : 'plugin_changed';
        $this->notices[] = ['success', $this->ctx->lang->get($key, $name)];
    }

    // ---- tabs -------------------------------------------------------------------------------

    private function tabBody(): string
    {
        switch ($this->tab) {
            case 'products':
                return View\products($this->productsData());
            case 'clients':
                return View\clients($this->clientsData());
            case 'trial':
                return View\trial($this->trialData());
            case 'cron':
                return View\cron($this->cronData());
            case 'logs':
                return View\logs($this->logsData());
            case 'settings':
                return View\settings($this->settingsData());
            default:
                return View\dashboard($this->dashboardData());
        }
    }

    /**
     * Runs one engine call for a view: [result, null] or [null, the admin's words for the failure].
     * @return array{0: mixed, 1: ?string}
     */
    private function attempt(callable $call): array
    {
        try {
            return [$call($this->ctx->engine()), null];
        } catch (\Throwable $e) {
            return [null, $this->ctx->explain($e)->message];
        }
    }

    private function common(): array
    {
        return [
            'modulelink' => $this->ctx->modulelink,
            'canSync' => $this->ctx->can(Permissions::SYNC),
            'canConfigure' => $this->ctx->can(Permissions::CONFIGURE),
            'configured' => $this->ctx->credentials->isConfigured(),
        ];
    }

    private function dashboardData(): array
    {
        [$status, $statusError] = $this->attempt(static fn ($e) => $e->status());
        $clock = new CronClock($this->ctx->settings, is_array($status) ? ($status['runs'] ?? []) : []);
        $mrr = null;
        $mrrError = null;
        if ($this->ctx->credentials->isConfigured()) {
            [$mrr, $mrrError] = $this->attempt(static fn ($e) => $e->mrrHistory(12));
        } else {
            $mrrError = $this->ctx->lang->get('mrr_needs_key');
        }
        [$incremental] = $this->attempt(static fn ($e) => $e->progress('incremental'));
        return $this->common() + [
            'credentialKind' => $this->ctx->credentials->hasApiKey() ? 'api_key' : 'legacy',
            'dataSource' => $this->ctx->settings->dataSource(),
            'status' => $status,
            'statusError' => $statusError,
            'nextSync' => $clock->nextSync(),
            'mrr' => $mrr,
            'mrrError' => $mrrError,
            'incremental' => $incremental,
        ];
    }

    private function productsData(): array
    {
        [$plans, $plansError] = $this->attempt(static fn ($e) => $e->plans());
        [$progress] = $this->attempt(static fn ($e) => $e->progress('products'));
        return $this->common() + ['plans' => $plans, 'plansError' => $plansError, 'progress' => $progress];
    }

    private function clientsData(): array
    {
        [$progress, $error] = $this->attempt(static fn ($e) => $e->progress('clients'));
        return $this->common() + ['progress' => $progress, 'progressError' => $error];
    }

    private function trialData(): array
    {
        [$settings, $error] = $this->attempt(static fn ($e) => $e->settings());
        if (is_array($settings) && $this->rejectedValues !== null) {
            $settings = $this->rejectedValues + $settings;
        }
        [$plans] = $this->attempt(static fn ($e) => $e->plans());
        return $this->common() + [
            'settings' => $settings,
            'settingsError' => $error,
            'formError' => $this->formErrors['trial'] ?? null,
            'catalogue' => self::catalogue(is_array($plans) ? $plans : []),
        ];
    }

    /**
     * Product and addon ids with their names, read off the plans' external ids (mapping.md §0:
     * whmcs-product-{id}-{cycle}, whmcs-addon-{id}-{cycle}), so the Trial tab can list them
     * without this addon querying WHMCS's catalogue tables.
     * @return array{products: array<int, string>, addons: array<int, string>}
     */
    private static function catalogue(array $plans): array
    {
        $out = ['products' => [], 'addons' => []];
        foreach ($plans as $plan) {
            if (!preg_match('/^whmcs-(product|addon)-(\d+)-/', (string) ($plan['external_id'] ?? ''), $m) || (int) $m[2] === 0) {
                continue;
            }
            $name = preg_replace('/\s*\([^()]*\)$/', '', (string) ($plan['name'] ?? ''));
            $out[$m[1] . 's'][(int) $m[2]] = (string) $name;
        }
        ksort($out['products']);
        ksort($out['addons']);
        return $out;
    }

    private function cronData(): array
    {
        [$status, $error] = $this->attempt(static fn ($e) => $e->status());
        $clock = new CronClock($this->ctx->settings, is_array($status) ? ($status['runs'] ?? []) : []);
        return $this->common() + [
            'command' => '*/5 * * * * php -q ' . self::whmcsRoot() . '/crons/cron.php',
            'cronState' => $clock->state(),
            'lastCronAt' => $clock->lastCronAt(),
            'runs' => is_array($status) ? ($status['runs'] ?? []) : null,
            'runsError' => $error,
        ];
    }

    /** WHMCS's install folder: ROOTDIR inside WHMCS, else three levels above the module folder. */
    private static function whmcsRoot(): string
    {
        return defined('ROOTDIR') ? rtrim((string) constant('ROOTDIR'), '/') : dirname(__DIR__, 5);
    }

    /** @return array<string, string> */
    private static function logFilter(): array
    {
        $filter = [];
        foreach (['level', 'kind', 'record', 'search'] as $key) {
            $value = $_GET[$key] ?? '';
            if (is_string($value) && trim($value) !== '') {
                $filter[$key] = trim($value);
            }
        }
        if (isset($filter['level']) && !in_array($filter['level'], ['error', 'warning', 'info'], true)) {
            unset($filter['level']);
        }
        return $filter;
    }

    private function logsData(): array
    {
        $filter = self::logFilter();
        $page = max(1, (int) ($_GET['page'] ?? 1));
        [$logs, $logsError] = $this->attempt(static fn ($e) => $e->logs($filter, $page, 50));
        [$settings] = $this->attempt(static fn ($e) => $e->settings());
        $retention = is_array($settings) && isset($settings['log_retention_days']) ? (string) $settings['log_retention_days'] : null;
        if ($retention !== null && isset($this->formErrors['retention'])) {
            $retention = FormInput::text($_POST, 'log_retention_days'); // what was typed
        }
        return $this->common() + [
            'filter' => $filter,
            'page' => $page,
            'logs' => $logs,
            'logsError' => $logsError,
            'retentionDays' => $retention,
            'retentionError' => $this->formErrors['retention'] ?? null,
        ];
    }

    private function settingsData(): array
    {
        [$settings, $error] = $this->attempt(static fn ($e) => $e->settings());
        if (is_array($settings) && $this->rejectedValues !== null) {
            $settings = $this->rejectedValues + $settings;
        }
        $creds = $this->ctx->credentials;
        $stored = $this->ctx->settings;
        return $this->common() + [
            'settings' => $settings,
            'settingsError' => $error,
            'errors' => $this->formErrors,
            'connection' => [
                'dataSource' => $stored->dataSource(),
                'baseUrl' => $stored->baseUrl(),
                'hasApiKey' => $creds->hasApiKey(),
                'hasSecretKey' => $creds->secretKey() !== '',
                'accountToken' => $creds->accountToken(),
                'canEncrypt' => \WHMCS\Module\Addon\ChartMogul\Credentials::canEncrypt(),
            ],
            'roles' => Permissions::roles(),
            'permissions' => $this->ctx->permissions,
            'accessRoles' => Permissions::whmcsAccessRoles($stored),
            'currentRoleId' => $this->ctx->admin !== null ? $this->ctx->admin->roleId : 0,
            'removeOnDeactivate' => $stored->isOn(AddonSettings::REMOVE_DATA_ON_DEACTIVATE),
            'plugins' => $this->pluginsData(),
        ];
    }

    /** The Plugins section: each plugin with its last failures/drops and last batch counters. */
    private function pluginsData(): array
    {
        $plugins = new Plugins($this->ctx->settings);
        $stats = $plugins->lastStats();
        $rows = [];
        foreach ($plugins->all() as $plugin) {
            $name = $plugin['name'];
            $entries = [];
            $logError = null;
            foreach (['plugin_failed', 'plugin_dropped'] as $kind) {
                [$logs, $error] = $this->attempt(static fn ($e) => $e->logs(['kind' => $kind, 'search' => $name], 1, 3));
                $logError ??= $error;
                foreach (is_array($logs) ? ($logs['entries'] ?? []) : [] as $entry) {
                    $entry['message'] = $this->ctx->credentials->redact((string) ($entry['message'] ?? ''));
                    $entries[] = $entry;
                }
            }
            usort($entries, static fn (array $a, array $b): int => [(string) ($b['time'] ?? ''), (int) ($b['id'] ?? 0)]
                <=> [(string) ($a['time'] ?? ''), (int) ($a['id'] ?? 0)]);
            $stat = $stats['plugins'][$name] ?? null;
            if (is_array($stat) && isset($stat['last_error'])) {
                $stat['last_error'] = $this->ctx->credentials->redact((string) $stat['last_error']);
            }
            $rows[] = $plugin + [
                'events' => array_slice($entries, 0, 3),
                'eventsError' => $logError,
                'stats' => $stat,
            ];
        }
        return [
            'list' => $rows,
            'statsAt' => $stats['at'],
            'statsKind' => $stats['kind'],
            'error' => $this->formErrors['plugin_upload'] ?? ($this->formErrors['plugin'] ?? null),
            'maxMb' => (int) (Plugins::MAX_BYTES / 1024 / 1024),
        ];
    }
}
