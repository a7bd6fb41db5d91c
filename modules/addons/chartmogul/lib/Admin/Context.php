<?php
// Everything one admin request needs: settings, credentials, who the admin is and what they may
// do, and the engine (built once, lazily).

namespace WHMCS\Module\Addon\ChartMogul\Admin;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

use WHMCS\Module\Addon\ChartMogul\AddonSettings;
use WHMCS\Module\Addon\ChartMogul\AdminUser;
use WHMCS\Module\Addon\ChartMogul\Credentials;
use WHMCS\Module\Addon\ChartMogul\EngineError;
use WHMCS\Module\Addon\ChartMogul\EngineFactory;
use WHMCS\Module\Addon\ChartMogul\Lang;
use WHMCS\Module\Addon\ChartMogul\Permissions;

final class Context
{
    public string $modulelink;
    public AddonSettings $settings;
    public Credentials $credentials;
    public Permissions $permissions;
    public ?AdminUser $admin;
    public Lang $lang;

    private ?\ChartMogulSync\Engine $engine = null;
    /** Why the engine could only be built without its connection settings, if it was. */
    private ?string $connectionProblem = null;

    public function __construct(array $vars)
    {
        $this->lang = Lang::fromVars($vars);
        $this->modulelink = (string) ($vars['modulelink'] ?? 'addonmodules.php?module=' . AddonSettings::MODULE);
        $this->settings = AddonSettings::fromVars($vars);
        $this->credentials = new Credentials($this->settings);
        $this->permissions = Permissions::load($this->settings);
        $this->admin = AdminUser::current();
    }

    public function can(string $permission): bool
    {
        return $this->permissions->allows($this->admin, $permission);
    }

    /**
     * The engine for this request. When the connection settings are unusable (e.g. a malformed
     * API address) it falls back to an engine without them, so local pages keep working, and
     * remembers the problem for connectionProblem().
     * @throws \ChartMogulSync\Exception when not even the local engine can be built
     */
    public function engine(): \ChartMogulSync\Engine
    {
        if ($this->engine !== null) {
            return $this->engine;
        }
        $factory = new EngineFactory($this->settings, $this->credentials);
        $trigger = $this->admin !== null ? $this->admin->trigger() : 'addon';
        try {
            $this->engine = $factory->connected($trigger);
        } catch (\ChartMogulSync\ConfigurationError $e) {
            $this->connectionProblem = $this->lang->get('error_connection_settings', $this->credentials->redact($e->getMessage()));
            $this->engine = $factory->local($trigger);
        }
        return $this->engine;
    }

    /**
     * The engine for runBatch(): engine() with the enabled plugins added. Call engine() first
     * and check connectionProblem(); a ConfigurationError thrown here is the plugins' options.
     * @throws \ChartMogulSync\ConfigurationError
     */
    public function batchEngine(): \ChartMogulSync\Engine
    {
        $factory = new EngineFactory($this->settings, $this->credentials);
        if ($this->connectionProblem !== null || !$factory->hasEnabledPlugins()) {
            return $this->engine();
        }
        return $factory->forBatches($this->admin !== null ? $this->admin->trigger() : 'addon');
    }

    /** Forgets the engine after the connection settings changed, so the next call rebuilds it. */
    public function resetEngine(): void
    {
        $this->engine = null;
        $this->connectionProblem = null;
    }

    public function connectionProblem(): ?string
    {
        return $this->connectionProblem;
    }

    /** The words an admin sees for a failure: engine messages redacted, PHP's own logged only. */
    public function explain(\Throwable $e): EngineError
    {
        if (EngineError::isForeign($e)) {
            \WHMCS\Module\Addon\ChartMogul\Activity::log(
                'unexpected ' . get_class($e) . ': ' . $e->getMessage(), $this->credentials);
        }
        return EngineError::from($e, [$this->credentials, 'redact']);
    }

    /** Who is asking, for the CSRF check every state-changing request passes (whmcs.md §2.1). */
    public static function checkToken(): bool
    {
        if (!function_exists('check_token')) {
            return false; // fail closed: no state change without CSRF protection
        }
        // WHMCS aborts the request itself when the token does not match; a harness or a future
        // version that answers false instead is refused here too.
        return check_token('WHMCS.admin.default') !== false;
    }

    public static function isPost(): bool
    {
        return strtoupper((string) ($_SERVER['REQUEST_METHOD'] ?? 'GET')) === 'POST';
    }

    public static function plainToken(): string
    {
        return function_exists('generate_token') ? (string) generate_token('plain') : '';
    }
}
