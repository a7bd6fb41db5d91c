<?php
// The site's plugins (docs/plugins.md): WebAssembly components uploaded on the Settings tab,
// stored as files outside the web root when possible, listed in tbladdonmodules (setting
// 'plugins', JSON) and handed to the engine, enabled ones in order, for every batch run.

namespace WHMCS\Module\Addon\ChartMogul;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

use WHMCS\Module\Addon\ChartMogul\Admin\InvalidInput;

final class Plugins
{
    public const MAX_BYTES = 20 * 1024 * 1024;
    /** "\0asm", version 0x0d, layer 1: a WebAssembly component. */
    public const COMPONENT_MAGIC = "\x00\x61\x73\x6d\x0d\x00\x01\x00";
    /** "\0asm", version 1, layer 0: a core module (refused: plugins must be components). */
    public const CORE_MAGIC = "\x00\x61\x73\x6d\x01\x00\x00\x00";
    public const POLICIES = ['fail-closed', 'fail-open'];
    public const DEFAULT_POLICY = 'fail-closed';

    /** Added to a plugin's configuration error wherever it is shown (AJAX, activity log). */
    public const DISABLE_HINT = 'Disable it on the Settings tab (Addons > ChartMogul > Settings > Plugins).';

    private AddonSettings $settings;
    /** @var list<array{name: string, file: string, enabled: bool, policy: string, order: int, uploaded_at: string, sha256: string}> */
    private array $list;

    public function __construct(AddonSettings $settings)
    {
        $this->settings = $settings;
        $this->list = self::decodeList($settings->get(AddonSettings::PLUGINS));
    }

    /** @return list<array{name: string, file: string, enabled: bool, policy: string, order: int, uploaded_at: string, sha256: string}> by order */
    public function all(): array
    {
        return $this->list;
    }

    public function find(string $name): ?array
    {
        foreach ($this->list as $plugin) {
            if ($plugin['name'] === $name) {
                return $plugin;
            }
        }
        return null;
    }

    /**
     * The engine's `plugins` option: the enabled plugins in order, absolute paths.
     * @return list<array{path: string, policy: string}>
     */
    public function engineOption(): array
    {
        $dir = $this->settings->get(AddonSettings::PLUGIN_DIR);
        $out = [];
        foreach ($this->list as $plugin) {
            if ($plugin['enabled'] && $dir !== '') {
                $out[] = ['path' => $dir . '/' . $plugin['file'], 'policy' => $plugin['policy']];
            }
        }
        return $out;
    }

    /** Where the engine keeps compiled plugins: cache/ next to the plugin files. */
    public function cacheDir(): string
    {
        $dir = $this->settings->get(AddonSettings::PLUGIN_DIR);
        return $dir === '' ? '' : $dir . '/cache';
    }

    // ---- changes (the Settings tab) ---------------------------------------------------------

    /**
     * Checks and stores an uploaded file ($_FILES entry). Uploading a file with the name of a
     * stored plugin replaces its code and keeps its place, state and policy.
     * @throws InvalidInput with the admin's words
     */
    public function upload(array $file, string $policy): array
    {
        $lang = Lang::current();
        $error = $file['error'] ?? UPLOAD_ERR_NO_FILE;
        if (is_array($error) || $error === UPLOAD_ERR_NO_FILE || !is_string($file['tmp_name'] ?? null) || $file['tmp_name'] === '') {
            throw new InvalidInput($lang->get('plugin_err_no_file'));
        }
        if ($error === UPLOAD_ERR_INI_SIZE || $error === UPLOAD_ERR_FORM_SIZE) {
            throw new InvalidInput($lang->get('plugin_err_size', 20));
        }
        if ($error !== UPLOAD_ERR_OK || !is_uploaded_file($file['tmp_name'])) {
            throw new InvalidInput($lang->get('plugin_err_upload'));
        }
        $original = is_string($file['name'] ?? null) ? basename($file['name']) : '';
        if (!preg_match('/\.wasm$/i', $original)) {
            throw new InvalidInput($lang->get('plugin_err_extension'));
        }
        $name = self::nameOf($original);
        if ($name === '') {
            throw new InvalidInput($lang->get('plugin_err_name'));
        }
        $size = (int) filesize($file['tmp_name']);
        if ($size > self::MAX_BYTES) {
            throw new InvalidInput($lang->get('plugin_err_size', 20));
        }
        $head = (string) file_get_contents($file['tmp_name'], false, null, 0, 8);
        if ($head === self::CORE_MAGIC) {
            throw new InvalidInput($lang->get('plugin_err_core_module'));
        }
        if ($head !== self::COMPONENT_MAGIC) {
            throw new InvalidInput($lang->get('plugin_err_not_wasm'));
        }
        if (!in_array($policy, self::POLICIES, true)) {
            throw new InvalidInput('policy: ' . $lang->get('plugin_err_policy'));
        }
        $dir = $this->storageDir();
        $target = $dir . '/' . $name . '.wasm';
        $temp = $dir . '/.' . $name . '.' . bin2hex(random_bytes(4)) . '.part';
        if (!move_uploaded_file($file['tmp_name'], $temp)) {
            throw new InvalidInput($lang->get('plugin_err_store', $dir));
        }
        @chmod($temp, 0640);
        if (!rename($temp, $target)) {
            @unlink($temp);
            throw new InvalidInput($lang->get('plugin_err_store', $dir));
        }
        $entry = [
            'name' => $name,
            'file' => $name . '.wasm',
            'enabled' => false,
            'policy' => $policy,
            'order' => count($this->list) + 1,
            'uploaded_at' => gmdate('Y-m-d\TH:i:s\Z'),
            'sha256' => (string) hash_file('sha256', $target),
        ];
        $replaced = false;
        foreach ($this->list as $i => $plugin) {
            if ($plugin['name'] === $name) {
                $entry['enabled'] = $plugin['enabled'];
                $entry['order'] = $plugin['order'];
                $this->list[$i] = $entry;
                $replaced = true;
            }
        }
        if (!$replaced) {
            $this->list[] = $entry;
        }
        $this->save();
        return $entry;
    }

    /** enable, disable, up, down, remove or policy (with $policy). @throws InvalidInput */
    public function change(string $name, string $op, string $policy = ''): void
    {
        $lang = Lang::current();
        $index = null;
        foreach ($this->list as $i => $plugin) {
            if ($plugin['name'] === $name) {
                $index = $i;
            }
        }
        if ($index === null) {
            throw new InvalidInput($lang->get('plugin_err_unknown', $name));
        }
        switch ($op) {
            case 'enable':
            case 'disable':
                $this->list[$index]['enabled'] = $op === 'enable';
                break;
            case 'up':
            case 'down':
                $other = $op === 'up' ? $index - 1 : $index + 1;
                if (isset($this->list[$other])) {
                    [$this->list[$index], $this->list[$other]] = [$this->list[$other], $this->list[$index]];
                }
                break;
            case 'policy':
                if (!in_array($policy, self::POLICIES, true)) {
                    throw new InvalidInput('policy: ' . $lang->get('plugin_err_policy'));
                }
                $this->list[$index]['policy'] = $policy;
                break;
            case 'remove':
                $dir = $this->settings->get(AddonSettings::PLUGIN_DIR);
                $path = $dir . '/' . $this->list[$index]['file'];
                if ($dir !== '' && is_file($path) && !unlink($path)) {
                    throw new InvalidInput($lang->get('plugin_err_remove', $path));
                }
                array_splice($this->list, $index, 1);
                break;
            default:
                throw new InvalidInput($lang->get('error_unknown_action'));
        }
        $this->save();
    }

    /** Deletes the uploaded files and compiled copies ("remove all data on deactivate"). */
    public function removeFiles(): void
    {
        $dir = $this->settings->get(AddonSettings::PLUGIN_DIR);
        if ($dir === '' || !is_dir($dir)) {
            return;
        }
        foreach ($this->list as $plugin) {
            @unlink($dir . '/' . $plugin['file']);
        }
        foreach (glob($dir . '/cache/*') ?: [] as $compiled) {
            @unlink($compiled);
        }
        @rmdir($dir . '/cache');
    }

    private function save(): void
    {
        $out = [];
        foreach (array_values($this->list) as $i => $plugin) {
            $plugin['order'] = $i + 1;
            $out[] = $plugin;
        }
        $this->list = $out;
        $this->settings->set(AddonSettings::PLUGINS, (string) json_encode($out, JSON_UNESCAPED_SLASHES));
    }

    /**
     * The folder of the plugin files, chosen on the first upload and remembered (setting
     * plugin_dir), so the web server's PHP and cron's PHP always agree: "chartmogul-plugins"
     * next to the WHMCS folder (outside the web root) when that can be created, else
     * plugins-data/ in this addon with an .htaccess that denies every request.
     * @throws InvalidInput when neither is writable
     */
    private function storageDir(): string
    {
        $stored = $this->settings->get(AddonSettings::PLUGIN_DIR);
        if ($stored !== '' && is_dir($stored) && is_writable($stored)) {
            return $stored;
        }
        $candidates = [];
        if (defined('ROOTDIR')) {
            $candidates[] = dirname(rtrim((string) constant('ROOTDIR'), '/')) . '/chartmogul-plugins';
        }
        $candidates[] = dirname(__DIR__) . '/plugins-data';
        foreach ($candidates as $i => $dir) {
            if (!is_dir($dir) && !@mkdir($dir, 0750, true)) {
                continue;
            }
            if (!is_writable($dir)) {
                continue;
            }
            if ($i === count($candidates) - 1) {
                // Inside the web root: deny direct downloads (Apache 2.4 and 2.2).
                @file_put_contents($dir . '/.htaccess', "Require all denied\n<IfModule !mod_authz_core.c>\nDeny from all\n</IfModule>\n");
                @file_put_contents($dir . '/index.html', '');
            }
            $dir = (string) realpath($dir);
            $this->settings->set(AddonSettings::PLUGIN_DIR, $dir);
            return $dir;
        }
        throw new InvalidInput(Lang::current()->get('plugin_err_store', implode(' / ', $candidates)));
    }

    // ---- batch statistics -------------------------------------------------------------------

    /** Stores the per-plugin counters of a batch (runBatch()['plugins']) for the Settings tab. */
    public static function recordStats(string $kind, array $result): void
    {
        $stats = $result['plugins'] ?? null;
        if (!is_array($stats) || $stats === []) {
            return;
        }
        $out = [];
        foreach ($stats as $s) {
            if (is_array($s) && isset($s['plugin'])) {
                $out[] = [
                    'plugin' => (string) $s['plugin'],
                    'calls' => (int) ($s['calls'] ?? 0),
                    'failures' => (int) ($s['failures'] ?? 0),
                    'micros' => (int) ($s['micros'] ?? 0),
                    'last_error' => isset($s['last_error']) ? (string) $s['last_error'] : null,
                ];
            }
        }
        AddonSettings::write(AddonSettings::PLUGIN_STATS, (string) json_encode(
            ['at' => gmdate('Y-m-d\TH:i:s\Z'), 'kind' => $kind, 'plugins' => $out], JSON_UNESCAPED_SLASHES));
    }

    /** @return array{at: ?string, kind: ?string, plugins: array<string, array>} stats by plugin name */
    public function lastStats(): array
    {
        $decoded = json_decode($this->settings->get(AddonSettings::PLUGIN_STATS), true);
        $out = ['at' => null, 'kind' => null, 'plugins' => []];
        if (!is_array($decoded)) {
            return $out;
        }
        $out['at'] = is_string($decoded['at'] ?? null) ? $decoded['at'] : null;
        $out['kind'] = is_string($decoded['kind'] ?? null) ? $decoded['kind'] : null;
        foreach (is_array($decoded['plugins'] ?? null) ? $decoded['plugins'] : [] as $s) {
            if (is_array($s) && isset($s['plugin'])) {
                $out['plugins'][(string) $s['plugin']] = $s;
            }
        }
        return $out;
    }

    // ---- helpers ----------------------------------------------------------------------------

    /** Whether an engine error is about a plugin (so the admin is told to disable it). */
    public static function isPluginError(\Throwable $e): bool
    {
        return $e instanceof \ChartMogulSync\ConfigurationError && preg_match('/\bplugins?\b/i', $e->getMessage()) === 1;
    }

    /** "Company Attribute (2).wasm" → "company-attribute-2": the plugin's name and file stem. */
    public static function nameOf(string $filename): string
    {
        $stem = strtolower((string) preg_replace('/\.wasm$/i', '', $filename));
        $stem = trim((string) preg_replace('/[^a-z0-9_]+/', '-', $stem), '-_');
        return substr($stem, 0, 64);
    }

    private static function decodeList(string $json): array
    {
        $decoded = $json === '' ? null : json_decode($json, true);
        if (!is_array($decoded)) {
            return [];
        }
        $list = [];
        foreach ($decoded as $p) {
            if (!is_array($p) || !is_string($p['name'] ?? null) || !is_string($p['file'] ?? null)
                || self::nameOf($p['name']) !== $p['name'] || basename($p['file']) !== $p['file']) {
                continue;
            }
            $list[] = [
                'name' => $p['name'],
                'file' => $p['file'],
                'enabled' => (bool) ($p['enabled'] ?? false),
                'policy' => in_array($p['policy'] ?? null, self::POLICIES, true) ? $p['policy'] : self::DEFAULT_POLICY,
                'order' => (int) ($p['order'] ?? 0),
                'uploaded_at' => (string) ($p['uploaded_at'] ?? ''),
                'sha256' => (string) ($p['sha256'] ?? ''),
            ];
        }
        usort($list, static fn (array $a, array $b): int => $a['order'] <=> $b['order']);
        return $list;
    }
}
