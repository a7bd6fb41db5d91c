<?php
// Addon modules: discovery in modules/addons, _config(), activation state in tblconfiguration
// (ActiveAddonModules, AddonModulesHooks, AddonModulesPerms) and settings in tbladdonmodules
// (whmcs.md §1.2–§1.7).
declare(strict_types=1);

namespace WHMCS\Harness;

use WHMCS\Config\Setting as Config;
use WHMCS\Database\Capsule;

final class Addons
{
    public const FIELD_TYPES = ['text', 'password', 'yesno', 'textarea', 'dropdown', 'radio'];

    /** @var array<string, array<string, mixed>> */
    private static array $configs = [];

    public static function dir(): string
    {
        return Env::root() . '/modules/addons';
    }

    public static function validName(string $name): bool
    {
        return preg_match('/^[a-z][a-z0-9_]*$/', $name) === 1;
    }

    /** @return list<string> folders of modules/addons that hold <name>/<name>.php, sorted */
    public static function names(): array
    {
        $names = [];
        foreach (scandir(self::dir()) ?: [] as $entry) {
            if (self::validName($entry) && is_file(self::dir() . "/$entry/$entry.php")) {
                $names[] = $entry;
            }
        }
        sort($names);
        return $names;
    }

    public static function exists(string $name): bool
    {
        return self::validName($name) && is_file(self::dir() . "/$name/$name.php");
    }

    /** Includes <name>/<name>.php once. Throws (ParseError, Error, ...) when it is broken. */
    public static function load(string $name): void
    {
        if (!self::exists($name)) {
            throw new \InvalidArgumentException("no addon module '$name' in modules/addons");
        }
        (static function (string $__file): void {
            require_once $__file;
        })(self::dir() . "/$name/$name.php");
    }

    /** @return array<string, mixed> <name>_config(), validated */
    public static function config(string $name): array
    {
        if (isset(self::$configs[$name])) {
            return self::$configs[$name];
        }
        self::load($name);
        $fn = $name . '_config';
        if (!function_exists($fn)) {
            throw new \RuntimeException("$name.php defines no $fn()");
        }
        $config = $fn();
        if (!is_array($config)) {
            throw new \RuntimeException("$fn() did not return an array");
        }
        $config['name'] = (string) ($config['name'] ?? $name);
        $config['description'] = (string) ($config['description'] ?? '');
        $config['version'] = (string) ($config['version'] ?? '');
        $config['author'] = (string) ($config['author'] ?? '');
        $config['language'] = (string) ($config['language'] ?? 'english');
        $fields = $config['fields'] ?? [];
        if (!is_array($fields)) {
            throw new \RuntimeException("$fn(): 'fields' is not an array");
        }
        foreach ($fields as $key => $field) {
            $type = strtolower((string) ($field['Type'] ?? 'text'));
            if (!in_array($type, self::FIELD_TYPES, true)) {
                throw new \RuntimeException("$fn(): field '$key' has unknown Type '$type'");
            }
            $fields[$key]['Type'] = $type;
        }
        $config['fields'] = $fields;
        return self::$configs[$name] = $config;
    }

    /** @return list<string> the setting keys of password-type fields */
    public static function passwordFields(string $name): array
    {
        try {
            $fields = self::config($name)['fields'];
        } catch (\Throwable) {
            return [];
        }
        $keys = [];
        foreach ($fields as $key => $field) {
            if ($field['Type'] === 'password') {
                $keys[] = (string) $key;
            }
        }
        return $keys;
    }

    /**
     * Choices of a dropdown/radio field: "a,b,c" (value = label) or [value => label].
     *
     * @return array<string, string>
     */
    public static function options(array $field): array
    {
        $options = $field['Options'] ?? [];
        if (is_string($options)) {
            $out = [];
            foreach (explode(',', $options) as $option) {
                $out[$option] = $option;
            }
            return $out;
        }
        $out = [];
        foreach ((array) $options as $value => $label) {
            $out[(string) $value] = (string) $label;
        }
        return $out;
    }

    /** @return list<string> */
    public static function listSetting(string $setting): array
    {
        $value = (string) Config::getValue($setting);
        return array_values(array_filter(array_map('trim', explode(',', $value)), static fn ($v) => $v !== ''));
    }

    /** @param list<string> $list */
    private static function saveList(string $setting, array $list): void
    {
        Config::setValue($setting, implode(',', array_values(array_unique($list))));
    }

    /** @return list<string> */
    public static function active(): array
    {
        return self::listSetting('ActiveAddonModules');
    }

    public static function isActive(string $name): bool
    {
        return in_array($name, self::active(), true);
    }

    /**
     * tbladdonmodules rows of a module; password fields decrypted unless $raw.
     *
     * @return array<string, string>
     */
    public static function settings(string $name, bool $raw = false): array
    {
        $rows = Capsule::table('tbladdonmodules')->where('module', $name)->orderBy('id')->get();
        $passwords = $raw ? [] : self::passwordFields($name);
        $out = [];
        foreach ($rows as $row) {
            $value = (string) $row->value;
            if (in_array($row->setting, $passwords, true) && $value !== '') {
                $value = Crypt::decrypt($value);
            }
            $out[(string) $row->setting] = $value;
        }
        return $out;
    }

    public static function setSetting(string $name, string $setting, string $value): void
    {
        $query = Capsule::table('tbladdonmodules')->where('module', $name)->where('setting', $setting);
        if ($query->exists()) {
            $query->update(['value' => $value]);
        } else {
            Capsule::table('tbladdonmodules')->insert(['module' => $name, 'setting' => $setting, 'value' => $value]);
        }
    }

    /** @return list<int> role ids in the module's `access` setting */
    public static function accessRoles(string $name): array
    {
        $value = (string) Capsule::table('tbladdonmodules')->where('module', $name)->where('setting', 'access')->value('value');
        return array_values(array_map('intval', array_filter(explode(',', $value), static fn ($v) => trim($v) !== '')));
    }

    public static function canAccess(string $name, int $roleId): bool
    {
        return self::isActive($name) && in_array($roleId, self::accessRoles($name), true);
    }

    /** @return array{status:string, description:string} */
    private static function lifecycleResult(mixed $result): array
    {
        if (!is_array($result)) {
            return ['status' => 'success', 'description' => ''];
        }
        $status = strtolower((string) ($result['status'] ?? 'success'));
        return ['status' => $status, 'description' => (string) ($result['description'] ?? '')];
    }

    /**
     * Setup > Addon Modules > Activate: calls <name>_activate(); on status `error` nothing is
     * activated; otherwise stores `version` and the fields' defaults and marks it active.
     *
     * @return array{status:string, description:string}
     */
    public static function activate(string $name): array
    {
        $config = self::config($name);
        $fn = $name . '_activate';
        $result = self::lifecycleResult(function_exists($fn) ? $fn() : null);
        if ($result['status'] === 'error') {
            return $result;
        }
        self::setSetting($name, 'version', $config['version']);
        foreach ($config['fields'] as $key => $field) {
            $key = (string) $key;
            if (Capsule::table('tbladdonmodules')->where('module', $name)->where('setting', $key)->exists()) {
                continue;
            }
            self::setSetting($name, $key, self::storedValue($name, $key, $field, self::defaultValue($field)));
        }
        self::saveList('ActiveAddonModules', array_merge(self::active(), [$name]));
        self::rescanHooks($name);
        self::updatePerms();
        logActivity('Addon Module Activated - ' . $config['name']);
        return $result;
    }

    /**
     * Setup > Addon Modules > Deactivate: calls <name>_deactivate(); on status `error` the module
     * stays active; otherwise it is removed from the active list and its tbladdonmodules rows
     * are deleted (settings do not survive deactivation; whmcs.md §1.7 [U]).
     *
     * @return array{status:string, description:string}
     */
    public static function deactivate(string $name): array
    {
        $config = self::config($name);
        $fn = $name . '_deactivate';
        $result = self::lifecycleResult(function_exists($fn) ? $fn() : null);
        if ($result['status'] === 'error') {
            return $result;
        }
        self::saveList('ActiveAddonModules', array_diff(self::active(), [$name]));
        self::saveList('AddonModulesHooks', array_diff(self::listSetting('AddonModulesHooks'), [$name]));
        Capsule::table('tbladdonmodules')->where('module', $name)->delete();
        self::updatePerms();
        logActivity('Addon Module Deactivated - ' . $config['name']);
        return $result;
    }

    /**
     * Setup > Addon Modules > Configure > Save. $posted: setting => submitted value (absent
     * checkbox = not ticked); a blank password keeps the stored one. $access: role ids.
     *
     * @param array<string, mixed> $posted
     * @param list<int> $access
     */
    public static function saveConfig(string $name, array $posted, array $access): void
    {
        $config = self::config($name);
        foreach ($config['fields'] as $key => $field) {
            $key = (string) $key;
            $value = $posted[$key] ?? null;
            if ($field['Type'] === 'yesno') {
                $value = ($value !== null && $value !== '' && $value !== '0') ? 'on' : '';
            } elseif ($field['Type'] === 'password') {
                if (!is_string($value) || $value === '') {
                    continue; // never shown again: blank means "keep"
                }
            } else {
                $value = is_string($value) ? $value : '';
            }
            self::setSetting($name, $key, self::storedValue($name, $key, $field, (string) $value));
        }
        $access = array_values(array_unique(array_map('intval', $access)));
        sort($access);
        self::setSetting($name, 'access', implode(',', $access));
        self::rescanHooks($name);
        self::updatePerms();
        logActivity('Addon Module Settings Saved - ' . $config['name']);
        Hooks::run('AddonModuleConfigSave', []);
    }

    private static function defaultValue(array $field): string
    {
        $default = $field['Default'] ?? '';
        if ($field['Type'] === 'yesno') {
            return ($default === true || in_array(strtolower((string) $default), ['on', 'yes', '1', 'true'], true)) ? 'on' : '';
        }
        return is_scalar($default) ? (string) $default : '';
    }

    private static function storedValue(string $name, string $key, array $field, string $value): string
    {
        return ($field['Type'] === 'password' && $value !== '') ? Crypt::encrypt($value) : $value;
    }

    /** Hook files are detected at activation and when settings are saved (whmcs.md §1.6). */
    private static function rescanHooks(string $name): void
    {
        $list = array_diff(self::listSetting('AddonModulesHooks'), [$name]);
        if (is_file(self::dir() . "/$name/hooks.php")) {
            $list[] = $name;
        }
        self::saveList('AddonModulesHooks', $list);
    }

    /** AddonModulesPerms: serialize([roleId => [module => display name]]) for the Addons menu. */
    private static function updatePerms(): void
    {
        $perms = [];
        foreach (self::active() as $module) {
            try {
                $display = self::config($module)['name'];
            } catch (\Throwable) {
                $display = $module;
            }
            foreach (self::accessRoles($module) as $role) {
                $perms[$role][$module] = $display;
            }
        }
        Config::setValue('AddonModulesPerms', serialize($perms));
    }

    /**
     * The $vars of _output/_sidebar/_upgrade (whmcs.md §1.4): every tbladdonmodules setting of
     * the module (password fields decrypted), `module`, `modulelink`, `version`, `_lang`.
     *
     * @param array<string, mixed> $lang
     * @return array<string, mixed>
     */
    public static function vars(string $name, array $lang): array
    {
        $vars = self::settings($name);
        foreach (self::config($name)['fields'] as $key => $field) {
            $vars[(string) $key] ??= '';
        }
        $vars['module'] = $name;
        $vars['modulelink'] = 'addonmodules.php?module=' . $name;
        $vars['version'] = $vars['version'] ?? self::config($name)['version'];
        $vars['_lang'] = $lang;
        return $vars;
    }

    /**
     * lang/<admin language>.php, else lang/<_config language>.php, else lang/english.php.
     *
     * @return array<string, mixed>
     */
    public static function language(string $name, ?string $adminLanguage): array
    {
        $candidates = array_filter([
            strtolower((string) $adminLanguage), strtolower(self::config($name)['language']), 'english',
        ], static fn ($l) => $l !== '' && preg_match('/^[a-z_-]+$/', $l) === 1);
        foreach (array_unique($candidates) as $language) {
            $file = self::dir() . "/$name/lang/$language.php";
            if (is_file($file)) {
                return (static function (string $__file): array {
                    $_ADDONLANG = [];
                    require $__file;
                    return is_array($_ADDONLANG) ? $_ADDONLANG : [];
                })($file);
            }
        }
        return [];
    }
}
