<?php
// add_hook / run_hook: hook registration and dispatch (whmcs.md §1.6, §7).
// Handlers run by ascending priority, equal priorities in registration order. A handler that
// throws is recorded (Hooks::errors(), tblactivitylog, the PHP error log) and the others still run.
declare(strict_types=1);

namespace WHMCS\Harness;

final class Hooks
{
    /** @var array<string, list<array{priority:int, seq:int, fn:mixed, file:?string}>> */
    private static array $hooks = [];
    private static int $seq = 0;
    private static bool $loaded = false;
    private static ?string $loadingFile = null;
    /** @var list<array{hook:string, error:string, file:?string}> */
    private static array $errors = [];
    /** @var list<array{hook:string, handlers:int}> */
    private static array $fired = [];
    /** @var list<string> */
    private static array $loadedFiles = [];

    public static function add(string $point, int $priority, mixed $fn): void
    {
        self::$hooks[$point][] = [
            'priority' => $priority, 'seq' => self::$seq++, 'fn' => $fn, 'file' => self::$loadingFile,
        ];
    }

    /**
     * @param array<string, mixed> $vars
     * @return list<mixed> the handlers' non-null return values
     */
    public static function run(string $point, array $vars = []): array
    {
        $handlers = self::$hooks[$point] ?? [];
        usort($handlers, static fn (array $a, array $b): int => [$a['priority'], $a['seq']] <=> [$b['priority'], $b['seq']]);
        self::$fired[] = ['hook' => $point, 'handlers' => count($handlers)];
        $results = [];
        foreach ($handlers as $handler) {
            try {
                if (!is_callable($handler['fn'])) {
                    throw new \RuntimeException('hook handler is not callable: ' . self::describe($handler['fn']));
                }
                $result = ($handler['fn'])($vars);
                if ($result !== null) {
                    $results[] = $result;
                }
            } catch (\Throwable $e) {
                $message = get_class($e) . ': ' . $e->getMessage() . ' at ' . $e->getFile() . ':' . $e->getLine();
                self::$errors[] = ['hook' => $point, 'error' => $message, 'file' => $handler['file']];
                error_log("WHMCS harness: $point hook failed: $message");
                try {
                    logActivity("Hook Exception in $point: " . $e->getMessage());
                } catch (\Throwable) {
                    // the activity log itself failed: already in the PHP error log
                }
            }
        }
        return $results;
    }

    public static function count(string $point): int
    {
        return count(self::$hooks[$point] ?? []);
    }

    /** @return list<array{hook:string, error:string, file:?string}> */
    public static function errors(): array
    {
        return self::$errors;
    }

    /** @return list<array{hook:string, handlers:int}> */
    public static function fired(): array
    {
        return self::$fired;
    }

    /** @return list<string> hooks.php files included in this request */
    public static function loadedFiles(): array
    {
        return self::$loadedFiles;
    }

    /**
     * Includes hooks.php of every active addon that had one when it was activated or its
     * settings were last saved (tblconfiguration AddonModulesHooks), once per request.
     */
    public static function loadAddonHooks(): void
    {
        if (self::$loaded) {
            return;
        }
        self::$loaded = true;
        $withHooks = Addons::listSetting('AddonModulesHooks');
        foreach (Addons::active() as $name) {
            if (!in_array($name, $withHooks, true)) {
                continue;
            }
            $file = Addons::dir() . "/$name/hooks.php";
            if (!is_file($file)) {
                continue;
            }
            self::$loadingFile = $file;
            try {
                (static function (string $__file): void {
                    require_once $__file;
                })($file);
                self::$loadedFiles[] = $name;
            } catch (\Throwable $e) {
                $message = get_class($e) . ': ' . $e->getMessage() . ' at ' . $e->getFile() . ':' . $e->getLine();
                self::$errors[] = ['hook' => '(loading hooks.php)', 'error' => $message, 'file' => $file];
                error_log("WHMCS harness: loading $file failed: $message");
            } finally {
                self::$loadingFile = null;
            }
        }
    }

    private static function describe(mixed $fn): string
    {
        if (is_string($fn)) {
            return $fn;
        }
        if (is_array($fn)) {
            return implode('::', array_map(static fn ($p) => is_object($p) ? get_class($p) : (string) $p, $fn));
        }
        return get_debug_type($fn);
    }
}
