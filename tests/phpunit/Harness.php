<?php
// Starting/stopping the harness for a PHPUnit run, and database helpers for tests.
declare(strict_types=1);

namespace WhmcsHarness\Tests;

use RuntimeException;

final class Harness
{
    private static ?string $startedDir = null;

    /**
     * Starts tests/harness/start.sh once (unless HARNESS_URL is already set: then that running
     * harness is used and left running), exports what it printed into the environment, and
     * stops it when PHP shuts down. The harness watches this process (MARIADB_WATCH_PID), so a
     * killed run leaves nothing behind either.
     */
    public static function startOnce(): void
    {
        if (getenv('HARNESS_URL') !== false && getenv('HARNESS_URL') !== '') {
            return;
        }
        $repo = dirname(__DIR__, 2);
        $cmd = ['bash', "$repo/tests/harness/start.sh", '--scale', getenv('HARNESS_SCALE') ?: 'small'];
        if (($ext = getenv('HARNESS_EXT')) !== false && $ext !== '') {
            array_push($cmd, '--ext', $ext);
        }
        $env = getenv();
        $env['MARIADB_WATCH_PID'] = (string) getmypid();
        $proc = proc_open($cmd, [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, $repo, $env);
        if (!is_resource($proc)) {
            throw new RuntimeException('cannot run tests/harness/start.sh');
        }
        $stdout = (string) stream_get_contents($pipes[1]);
        $stderr = (string) stream_get_contents($pipes[2]);
        fclose($pipes[1]);
        fclose($pipes[2]);
        $status = proc_close($proc);
        if ($status !== 0 || !preg_match('/^HARNESS_DIR=(\S+)$/m', $stdout, $m)) {
            fwrite(STDERR, "tests/harness/start.sh failed (exit $status):\n$stderr$stdout");
            exit(1);
        }
        $dir = stripcslashes($m[1]);
        $values = json_decode((string) file_get_contents("$dir/env.json"), true, 512, JSON_THROW_ON_ERROR);
        foreach ($values as $key => $value) {
            putenv("$key=$value");
            $_ENV[$key] = $value;
        }
        self::$startedDir = $dir;
        register_shutdown_function(static function () use ($repo, $dir): void {
            exec('bash ' . escapeshellarg("$repo/tests/harness/stop.sh") . ' ' . escapeshellarg($dir) . ' 2>&1');
        });
    }

    public static function pdo(): \PDO
    {
        return HarnessClient::pdo();
    }

    public static function configValue(string $setting): ?string
    {
        $stmt = self::pdo()->prepare('SELECT value FROM tblconfiguration WHERE setting = ?');
        $stmt->execute([$setting]);
        $value = $stmt->fetchColumn();
        return $value === false ? null : (string) $value;
    }

    public static function setConfigValue(string $setting, ?string $value): void
    {
        self::pdo()->prepare('DELETE FROM tblconfiguration WHERE setting = ?')->execute([$setting]);
        if ($value !== null) {
            self::pdo()->prepare('INSERT INTO tblconfiguration (setting, value, created_at, updated_at) VALUES (?, ?, NOW(), NOW())')
                ->execute([$setting, $value]);
        }
    }

    /** @return array<string, string> raw tbladdonmodules rows of a module */
    public static function addonSettings(string $module): array
    {
        $stmt = self::pdo()->prepare('SELECT setting, value FROM tbladdonmodules WHERE module = ? ORDER BY id');
        $stmt->execute([$module]);
        return $stmt->fetchAll(\PDO::FETCH_KEY_PAIR);
    }

    /** @return list<string> */
    public static function configList(string $setting): array
    {
        return array_values(array_filter(explode(',', (string) self::configValue($setting)), static fn ($v) => $v !== ''));
    }

    /**
     * Puts an addon back to "never activated": no settings, not in ActiveAddonModules or
     * AddonModulesHooks, its mod_<name>_* tables dropped.
     */
    public static function resetAddon(string $module): void
    {
        $pdo = self::pdo();
        $pdo->prepare('DELETE FROM tbladdonmodules WHERE module = ?')->execute([$module]);
        foreach (['ActiveAddonModules', 'AddonModulesHooks'] as $setting) {
            $list = array_diff(self::configList($setting), [$module]);
            self::setConfigValue($setting, implode(',', $list));
        }
        $tables = $pdo->query("SHOW TABLES LIKE 'mod\\_" . str_replace('_', '\\_', $module) . "\\_%'")->fetchAll(\PDO::FETCH_COLUMN);
        foreach ($tables as $table) {
            $pdo->exec("DROP TABLE `$table`");
        }
    }
}
