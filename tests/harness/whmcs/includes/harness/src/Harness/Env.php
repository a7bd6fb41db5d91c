<?php
// The harness's runtime facts: the WHMCS root, configuration.php's variables, the request.
declare(strict_types=1);

namespace WHMCS\Harness;

final class Env
{
    private static string $root = '';
    /** @var array<string, mixed> */
    private static array $config = [];

    public static function boot(string $root): void
    {
        self::$root = $root;
        $file = $root . '/configuration.php';
        if (!is_file($file)) {
            throw new \RuntimeException("configuration.php is missing in $root");
        }
        self::$config = (static function (string $__file): array {
            require $__file;
            unset($__file);
            return get_defined_vars();
        })($file);
    }

    public static function root(): string
    {
        return self::$root;
    }

    /** @return array<string, mixed> */
    public static function configuration(): array
    {
        return self::$config;
    }

    public static function encryptionHash(): string
    {
        $hash = (string) (self::$config['cc_encryption_hash'] ?? '');
        if ($hash === '') {
            throw new \RuntimeException('configuration.php has no $cc_encryption_hash');
        }
        return $hash;
    }

    public static function isLoopback(): bool
    {
        if (PHP_SAPI === 'cli') {
            return true;
        }
        $ip = (string) ($_SERVER['REMOTE_ADDR'] ?? '');
        return $ip === '127.0.0.1' || $ip === '::1' || str_starts_with($ip, '127.');
    }

    public static function clientIp(): string
    {
        return PHP_SAPI === 'cli' ? '' : (string) ($_SERVER['REMOTE_ADDR'] ?? '');
    }

    public static function now(): string
    {
        return date('Y-m-d H:i:s');
    }
}
