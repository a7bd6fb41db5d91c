<?php
// The addon's rows in tbladdonmodules (module = 'chartmogul'): the _config fields WHMCS saves and
// the few rows this addon writes itself (permissions, encrypted secrets, flags).

namespace WHMCS\Module\Addon\ChartMogul;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

use WHMCS\Database\Capsule;

final class AddonSettings
{
    public const MODULE = 'chartmogul';

    // _config fields (Setup > Addon Modules > Configure).
    public const ADMIN_USERNAME = 'admin_username';
    public const DATA_SOURCE = 'data_source';
    public const API_KEY = 'api_key';
    public const ACCOUNT_TOKEN = 'account_token';
    public const SECRET_KEY = 'secret_key';

    // Rows only this addon writes (Settings tab).
    public const API_KEY_ENCRYPTED = 'api_key_encrypted';
    public const SECRET_KEY_ENCRYPTED = 'secret_key_encrypted';
    public const API_BASE_URL = 'api_base_url';
    public const REMOVE_DATA_ON_DEACTIVATE = 'remove_data_on_deactivate';
    public const PERMISSIONS = 'permissions';
    public const SKIP_NOTICE = 'skip_notice';
    public const LAST_CRON_AT = 'last_cron_at';
    /** JSON list of uploaded plugins (lib/Plugins.php). */
    public const PLUGINS = 'plugins';
    /** JSON of the per-plugin counters of the last batch that ran plugins. */
    public const PLUGIN_STATS = 'plugin_stats';
    /** The folder chosen for plugin files on the first upload. */
    public const PLUGIN_DIR = 'plugin_dir';

    /** Rows written by this addon, removed with "remove all data on deactivate". */
    public const OWN_ROWS = [
        self::API_KEY_ENCRYPTED, self::SECRET_KEY_ENCRYPTED, self::API_BASE_URL,
        self::REMOVE_DATA_ON_DEACTIVATE, self::PERMISSIONS, self::SKIP_NOTICE, self::LAST_CRON_AT,
        self::PLUGINS, self::PLUGIN_STATS, self::PLUGIN_DIR,
    ];

    public const DEFAULT_DATA_SOURCE = 'WHMCS';
    public const DEFAULT_BASE_URL = 'https://api.chartmogul.com/v1';

    /** @var array<string, string> */
    private array $values;

    /** @param array<string, mixed> $values setting => value */
    private function __construct(array $values)
    {
        $this->values = [];
        foreach ($values as $key => $value) {
            if (is_scalar($value) || $value === null) {
                $this->values[(string) $key] = (string) $value;
            }
        }
    }

    /**
     * Settings as WHMCS hands them to _output/_upgrade ($vars) with our own rows added: $vars
     * carries the _config fields the way WHMCS decided to store and decrypt them, so it wins for
     * those keys.
     */
    public static function fromVars(array $vars): self
    {
        $stored = self::readRows();
        foreach ($vars as $key => $value) {
            if (is_string($key) && (is_scalar($value) || $value === null) && $key !== '_lang') {
                $stored[$key] = (string) $value;
            }
        }
        return new self($stored);
    }

    /**
     * Settings read outside an admin page (hooks, cron, activate). whmcs.md §1.7: read through
     * WHMCS's Setting model when it exists, because newer WHMCS versions decrypt password fields
     * there; plain Capsule otherwise.
     */
    public static function load(): self
    {
        return new self(self::readRows());
    }

    /** @return array<string, string> */
    private static function readRows(): array
    {
        if (class_exists('\\WHMCS\\Module\\Addon\\Setting')) {
            try {
                $rows = \WHMCS\Module\Addon\Setting::where('module', self::MODULE)->pluck('value', 'setting');
                return is_array($rows) ? $rows : $rows->all();
            } catch (\Throwable $e) {
                // Fall through to Capsule: same table, only without WHMCS's decryption.
            }
        }
        $rows = Capsule::table('tbladdonmodules')->where('module', self::MODULE)->pluck('value', 'setting');
        return is_array($rows) ? $rows : $rows->all();
    }

    public function get(string $key, string $default = ''): string
    {
        $value = $this->values[$key] ?? '';
        return trim($value) === '' ? $default : $value;
    }

    public function isOn(string $key): bool
    {
        return in_array(strtolower($this->get($key)), ['on', '1', 'yes', 'true'], true);
    }

    public function dataSource(): string
    {
        return trim($this->get(self::DATA_SOURCE, self::DEFAULT_DATA_SOURCE));
    }

    public function baseUrl(): string
    {
        return trim($this->get(self::API_BASE_URL, self::DEFAULT_BASE_URL));
    }

    /** Stores one row (and updates this object), inserting it when missing. */
    public function set(string $key, string $value): void
    {
        self::write($key, $value);
        $this->values[$key] = $value;
    }

    public static function write(string $key, string $value): void
    {
        $query = Capsule::table('tbladdonmodules')->where('module', self::MODULE)->where('setting', $key);
        if ($query->exists()) {
            $query->update(['value' => $value]);
        } else {
            Capsule::table('tbladdonmodules')->insert(['module' => self::MODULE, 'setting' => $key, 'value' => $value]);
        }
    }

    /** Removes the rows this addon wrote itself (WHMCS owns its _config rows). */
    public static function deleteOwnRows(): void
    {
        Capsule::table('tbladdonmodules')->where('module', self::MODULE)
            ->whereIn('setting', self::OWN_ROWS)->delete();
    }
}
