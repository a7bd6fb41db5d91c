<?php
// Builds the \ChartMogulSync\Engine for this request from the addon's settings.

namespace WHMCS\Module\Addon\ChartMogul;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

use WHMCS\Database\Capsule;

final class EngineFactory
{
    public const EXTENSION = 'chartmogul_sync';

    private AddonSettings $settings;
    private Credentials $credentials;

    public function __construct(AddonSettings $settings, Credentials $credentials)
    {
        $this->settings = $settings;
        $this->credentials = $credentials;
    }

    public static function extensionLoaded(): bool
    {
        return extension_loaded(self::EXTENSION) && class_exists('\\ChartMogulSync\\Engine');
    }

    /**
     * The engine with everything it needs to talk to ChartMogul.
     * @param string $trigger who starts runs: "admin:NAME", "cron" or "daily-cron"
     * @throws \ChartMogulSync\ConfigurationError when a setting is unusable (the message names it)
     */
    public function connected(string $trigger): \ChartMogulSync\Engine
    {
        $options = $this->localOptions($trigger) + $this->credentials->engineOptions();
        $options['base_url'] = $this->settings->baseUrl();
        return new \ChartMogulSync\Engine(self::pdo(), $options);
    }

    /**
     * The engine for batch runs (clients, products, incremental, daily): connected(), plus the
     * enabled plugins in their order and the folder for their compiled copies. Plugin files are
     * only read when a batch starts, so a broken plugin surfaces from runBatch() as a
     * ConfigurationError naming it (Plugins::isPluginError()).
     * @throws \ChartMogulSync\ConfigurationError
     */
    public function forBatches(string $trigger): \ChartMogulSync\Engine
    {
        $options = $this->localOptions($trigger) + $this->credentials->engineOptions();
        $options['base_url'] = $this->settings->baseUrl();
        $plugins = new Plugins($this->settings);
        $enabled = $plugins->engineOption();
        if ($enabled !== []) {
            $options['plugins'] = $enabled;
            $options['plugin_cache'] = $plugins->cacheDir();
        }
        return new \ChartMogulSync\Engine(self::pdo(), $options);
    }

    /** Whether batch engines get any plugin (for telling plugin errors apart). */
    public function hasEnabledPlugins(): bool
    {
        return (new Plugins($this->settings))->engineOption() !== [];
    }

    /**
     * The engine without credentials or API address: for work that never calls ChartMogul
     * (migrate, enqueue, settings, logs). It still builds when the connection settings are
     * wrong, so the admin can reach the Settings tab and fix them.
     */
    public function local(string $trigger): \ChartMogulSync\Engine
    {
        return new \ChartMogulSync\Engine(self::pdo(), $this->localOptions($trigger));
    }

    /** @return array<string, string> */
    private function localOptions(string $trigger): array
    {
        return ['data_source' => $this->settings->dataSource(), 'trigger' => $trigger];
    }

    private static function pdo(): \PDO
    {
        return Capsule::connection()->getPdo();
    }
}
