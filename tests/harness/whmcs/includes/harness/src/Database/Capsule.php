<?php
// WHMCS\Database\Capsule: in WHMCS 8 this is Laravel's Capsule manager (illuminate/database);
// the harness uses the same component, connected to the harness MariaDB.
declare(strict_types=1);

namespace WHMCS\Database;

use Illuminate\Database\Capsule\Manager;

class Capsule extends Manager
{
    /** @param array<string, mixed> $config configuration.php's variables */
    public static function boot(array $config): void
    {
        $capsule = new self();
        $capsule->addConnection([
            'driver' => 'mysql',
            'host' => (string) ($config['db_host'] ?? '127.0.0.1'),
            'port' => (string) ($config['db_port'] ?? '3306') ?: '3306',
            'database' => (string) ($config['db_name'] ?? ''),
            'username' => (string) ($config['db_username'] ?? ''),
            'password' => (string) ($config['db_password'] ?? ''),
            'charset' => (string) ($config['mysql_charset'] ?? 'utf8') ?: 'utf8',
            'collation' => 'utf8_unicode_ci',
            'prefix' => '',
            // WHMCS needs a non-strict sql_mode (whmcs.md §8): Laravel then sets
            // NO_ENGINE_SUBSTITUTION for the session.
            'strict' => false,
        ]);
        $capsule->setAsGlobal();
        $capsule->bootEloquent();
    }
}
