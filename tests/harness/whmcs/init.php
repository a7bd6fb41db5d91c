<?php
// The harness's stand-in for WHMCS's init.php: defines WHMCS and ROOTDIR, loads
// configuration.php, boots WHMCS\Database\Capsule (Laravel's database component, as in WHMCS 8),
// starts the session (web requests) and loads the hooks.php of every active addon.
// Standalone scripts `require` it exactly like WHMCS's own init.php.
declare(strict_types=1);

if (!defined('WHMCS')) {
    define('WHMCS', true);
}
if (!defined('ROOTDIR')) {
    define('ROOTDIR', __DIR__);
}
require_once ROOTDIR . '/includes/harness/bootstrap.php';
