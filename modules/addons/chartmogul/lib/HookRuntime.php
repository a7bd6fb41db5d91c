<?php
// What hooks.php needs: the engine outside an admin page, and the rule that nothing here may
// ever break WHMCS (a customer's checkout, an admin's save, the cron run).

namespace WHMCS\Module\Addon\ChartMogul;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

final class HookRuntime
{
    /** @var array<string, \ChartMogulSync\Engine> per trigger, for this PHP request */
    private static array $engines = [];
    private static ?Credentials $credentials = null;

    /**
     * The engine for hooks and cron, or null — logged at most once a day — when the extension is
     * not loaded or no ChartMogul credential is configured yet.
     */
    public static function engine(string $trigger, bool $connected): ?\ChartMogulSync\Engine
    {
        if (isset(self::$engines[$trigger])) {
            return self::$engines[$trigger];
        }
        if (!EngineFactory::extensionLoaded()) {
            Activity::logSkipOnce('extension', 'sync skipped: the chartmogul_sync PHP extension is not loaded for this PHP '
                . '(' . PHP_SAPI . '). See modules/addons/chartmogul/README.md.');
            return null;
        }
        $settings = AddonSettings::load();
        $credentials = self::$credentials = new Credentials($settings);
        if ($connected) {
            // Secrets typed on Setup > Addon Modules go to encrypted storage even when no
            // admin opens the addon's page.
            $credentials->absorbConfigFields();
        }
        if (!$credentials->isConfigured()) {
            Activity::logSkipOnce('credentials', 'sync skipped: no ChartMogul API key is configured yet '
                . '(Addons > ChartMogul > Settings).');
            return null;
        }
        $factory = new EngineFactory($settings, $credentials);
        // Only cron connects, and only to run batches: those carry the enabled plugins.
        return self::$engines[$trigger] = $connected ? $factory->forBatches($trigger) : $factory->local($trigger);
    }

    /** Runs $work and swallows anything it throws into one short, redacted activity-log line. */
    public static function guard(string $what, callable $work): void
    {
        try {
            $work();
        } catch (\ChartMogulSync\LockedError $e) {
            Activity::log($what . ': another sync is running; this one will catch up on the next cron run.');
        } catch (\Throwable $e) {
            $message = $e instanceof \ChartMogulSync\Exception ? $e->getMessage() : get_class($e) . ': ' . $e->getMessage();
            $message = self::$credentials !== null ? self::$credentials->redact($message) : $message;
            // A plugin that cannot load stops every run until an admin disables it: say so.
            $hint = Plugins::isPluginError($e) ? ' ' . Plugins::DISABLE_HINT : '';
            Activity::log($what . ' failed: ' . mb_substr($message, 0, 500) . $hint . ' (nothing is lost; the next run resumes)');
        }
    }
}
