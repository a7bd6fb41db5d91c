<?php
// Boots the harness's WHMCS runtime (included once by init.php).
declare(strict_types=1);

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

// WHMCS 8 ships Laravel's database component as WHMCS\Database\Capsule; the harness uses the
// Debian package of the same component (php-illuminate-database).
$illuminate = '/usr/share/php/Illuminate/Database/autoload.php';
if (!is_file($illuminate)) {
    throw new RuntimeException('illuminate/database is not installed (Debian: apt-get install php-illuminate-database)');
}
require_once $illuminate;

// WHMCS\... classes of the emulation: includes/harness/src/<Sub/Path>.php.
spl_autoload_register(static function (string $class): void {
    if (strncmp($class, 'WHMCS\\', 6) !== 0) {
        return;
    }
    $file = __DIR__ . '/src/' . str_replace('\\', '/', substr($class, 6)) . '.php';
    if (is_file($file)) {
        require_once $file;
    }
});

// Addon classes, as WHMCS autoloads them: WHMCS\Module\Addon\<ModuleName>\Rest\Of\Class is
// modules/addons/<modulename>/lib/Rest/Of/Class.php, the module segment matched ignoring case
// and underscores (whmcs.md §1.1).
spl_autoload_register(static function (string $class): void {
    $prefix = 'WHMCS\\Module\\Addon\\';
    if (strncmp($class, $prefix, strlen($prefix)) !== 0) {
        return;
    }
    $parts = explode('\\', substr($class, strlen($prefix)));
    if (count($parts) < 2) {
        return;
    }
    $segment = strtolower(array_shift($parts));
    foreach (\WHMCS\Harness\Addons::names() as $name) {
        if (strtolower(str_replace('_', '', $name)) === str_replace('_', '', $segment)) {
            $file = \WHMCS\Harness\Addons::dir() . "/$name/lib/" . implode('/', $parts) . '.php';
            if (is_file($file)) {
                require_once $file;
            }
            return;
        }
    }
});

require_once __DIR__ . '/functions.php';

\WHMCS\Harness\Env::boot(ROOTDIR);
// WHMCS exposes configuration.php's variables as globals.
foreach (\WHMCS\Harness\Env::configuration() as $key => $value) {
    $GLOBALS[$key] = $value;
}

\WHMCS\Database\Capsule::boot(\WHMCS\Harness\Env::configuration());

if (PHP_SAPI !== 'cli' && session_status() === PHP_SESSION_NONE) {
    session_name('WHMCS');
    session_set_cookie_params(['path' => '/', 'httponly' => true, 'samesite' => 'Lax']);
    session_start();
}

\WHMCS\Harness\Hooks::loadAddonHooks();
