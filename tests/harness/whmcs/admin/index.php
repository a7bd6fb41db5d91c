<?php
// Admin home: who is logged in and the addons this admin may open.
declare(strict_types=1);

require __DIR__ . '/../init.php';

use WHMCS\Harness\Addons;
use WHMCS\Harness\Auth;
use WHMCS\Harness\Layout;

$admin = Auth::requireAdmin();
$items = '';
foreach (Addons::active() as $module) {
    if (Addons::canAccess($module, (int) $admin->roleid)) {
        try {
            $label = Addons::config($module)['name'];
        } catch (\Throwable) {
            $label = $module;
        }
        $items .= '<li><a href="addonmodules.php?module=' . Layout::e($module) . '">' . Layout::e($label) . '</a></li>';
    }
}
echo Layout::page('Dashboard', '<p id="welcome">Welcome back, ' . Layout::e(trim($admin->firstname . ' ' . $admin->lastname))
    . ' (' . Layout::e((string) $admin->username) . ', ' . Layout::e(Auth::roleName((int) $admin->roleid)) . ').</p>'
    . '<h2>Addons</h2><ul id="addon-list">' . ($items !== '' ? $items : '<li>None you may open.</li>') . '</ul>',
    '', $admin, 'index');
