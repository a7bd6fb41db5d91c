<?php
// addonmodules.php?module=NAME: an addon's admin page (whmcs.md §1.3, §1.4).
//
// Requires a logged-in admin whose role is in the module's `access` list (else Access Denied,
// HTTP 403); runs <name>_upgrade($vars) first when the stored version differs from _config()'s
// (then stores the new version); loads lang/<language>.php into $_ADDONLANG; calls
// <name>_output($vars) with its echoed output captured, and <name>_sidebar($vars), and wraps
// both in the admin layout (response header X-Harness-Wrapped: 1).
//
// AJAX: like WHMCS, there is no special case for any request parameter. An addon answers an
// AJAX call by echoing (e.g. JSON) inside _output and calling `exit`: the output buffer holding
// what it echoed is flushed by PHP at shutdown, the layout is never rendered, and the client gets
// the addon's bytes alone (response header X-Harness-Wrapped: 0, status and headers as the addon
// set them). An addon that does not exit gets wrapped, as in WHMCS.
declare(strict_types=1);

require __DIR__ . '/../init.php';

use WHMCS\Harness\Addons;
use WHMCS\Harness\Auth;
use WHMCS\Harness\Layout;

$admin = Auth::requireAdmin();
$module = (string) ($_GET['module'] ?? '');

$fail = static function (string $what, \Throwable $e) use ($admin, $module): never {
    while (ob_get_level() > 0) {
        ob_end_clean();
    }
    error_log("WHMCS harness: addonmodules.php?module=$module: $what failed: " . $e);
    http_response_code(500);
    header('X-Harness-Wrapped: 1');
    echo Layout::page('Oops! Something went wrong', '<div class="alert alert-danger" id="addon-error">'
        . Layout::e("$what failed: " . get_class($e) . ': ' . $e->getMessage()) . '</div>', '', $admin, 'addonmodules');
    exit;
};

if ($module === '') {
    $items = '';
    foreach (Addons::active() as $name) {
        if (Addons::canAccess($name, (int) $admin->roleid)) {
            $items .= '<li><a href="addonmodules.php?module=' . Layout::e($name) . '">' . Layout::e($name) . '</a></li>';
        }
    }
    echo Layout::page('Addon Modules', '<ul id="addon-list">' . ($items ?: '<li>None you may open.</li>') . '</ul>', '', $admin, 'addonmodules');
    exit;
}

if (!Addons::exists($module) || !Addons::canAccess($module, (int) $admin->roleid)) {
    Auth::denied($admin, 'this addon module');
}

try {
    $config = Addons::config($module);
    $lang = Addons::language($module, (string) $admin->language);
} catch (\Throwable $e) {
    $fail('Loading the module', $e);
}
$GLOBALS['_ADDONLANG'] = $lang;

$stored = Addons::settings($module)['version'] ?? '';
if ($stored !== $config['version']) {
    $upgrade = $module . '_upgrade';
    if (function_exists($upgrade)) {
        $vars = Addons::vars($module, $lang);
        $vars['version'] = $stored; // the previously installed version (whmcs.md §1.3)
        try {
            $upgrade($vars);
        } catch (\Throwable $e) {
            $fail("$upgrade()", $e);
        }
    }
    Addons::setSetting($module, 'version', $config['version']);
}

$vars = Addons::vars($module, $lang);
$output = $module . '_output';
$sidebarFn = $module . '_sidebar';

header('X-Harness-Wrapped: 0');
ob_start();
try {
    if (function_exists($output)) {
        $output($vars);
    }
} catch (\Throwable $e) {
    $fail("$output()", $e);
}
$content = (string) ob_get_clean();

$sidebar = '';
if (function_exists($sidebarFn)) {
    try {
        ob_start();
        $returned = $sidebarFn($vars);
        $sidebar = ob_get_clean() . (is_string($returned) ? $returned : '');
    } catch (\Throwable $e) {
        $fail("$sidebarFn()", $e);
    }
}

header('X-Harness-Wrapped: 1', true);
echo Layout::page($config['name'], $content, $sidebar, $admin, 'addonmodules');
