<?php
// Run once by tests/harness/start.sh (CLI): the admin roles WHMCS ships, the harness's admin
// users, and the tblconfiguration rows the addon machinery uses.
declare(strict_types=1);

if (PHP_SAPI !== 'cli') {
    http_response_code(403);
    exit;
}

require __DIR__ . '/../init.php';

use WHMCS\Config\Setting;
use WHMCS\Database\Capsule;

const HARNESS_ROLES = [1 => 'Full Administrator', 2 => 'Sales Operator', 3 => 'Support Operator'];
// username => [password, role id, first name, last name, disabled]
const HARNESS_ADMINS = [
    'admin' => ['admin-pass', 1, 'Ada', 'Admin', 0],
    'sales' => ['sales-pass', 2, 'Sam', 'Sales', 0],
    'support' => ['support-pass', 3, 'Sue', 'Support', 0],
    'disabled' => ['disabled-pass', 1, 'Dee', 'Disabled', 1],
];

$uuid = static function (): string {
    $b = random_bytes(16);
    $b[6] = chr((ord($b[6]) & 0x0f) | 0x40);
    $b[8] = chr((ord($b[8]) & 0x3f) | 0x80);
    return vsprintf('%s%s-%s-%s-%s-%s%s%s', str_split(bin2hex($b), 4));
};

foreach (HARNESS_ROLES as $id => $name) {
    if (!Capsule::table('tbladminroles')->where('id', $id)->exists()) {
        Capsule::table('tbladminroles')->insert([
            'id' => $id, 'name' => $name, 'widgets' => '', 'reports' => '',
            'systememails' => $id === 1 ? 1 : 0, 'accountemails' => 1, 'supportemails' => 1,
        ]);
    }
}

$now = date('Y-m-d H:i:s');
foreach (HARNESS_ADMINS as $username => [$password, $role, $first, $last, $disabled]) {
    if (Capsule::table('tbladmins')->where('username', $username)->exists()) {
        continue;
    }
    Capsule::table('tbladmins')->insert([
        'uuid' => $uuid(), 'roleid' => $role, 'username' => $username,
        'password' => password_hash($password, PASSWORD_DEFAULT), 'passwordhash' => '',
        'authmodule' => '', 'authdata' => '', 'firstname' => $first, 'lastname' => $last,
        'email' => "$username@example-hosting.test", 'signature' => '', 'notes' => '', 'template' => 'blend',
        'language' => 'english', 'disabled' => $disabled, 'loginattempts' => 0, 'supportdepts' => '',
        'ticketnotifications' => '', 'homewidgets' => '', 'password_reset_data' => '', 'hidden_widgets' => '',
        'widget_order' => '', 'created_at' => $now, 'updated_at' => $now,
    ]);
}

$defaults = [
    'ActiveAddonModules' => '',
    'AddonModulesHooks' => '',
    'AddonModulesPerms' => serialize([]),
    'ModuleDebugMode' => 'on',
    // Present when the seed ran; an unseeded harness (--scale none) gets the basics.
    'CompanyName' => 'Harness Hosting',
    'Version' => '8.4.0-release.1',
    'Language' => 'english',
    'DailyCronExecutionHour' => '09',
    'TaxType' => 'Exclusive',
];
foreach ($defaults as $setting => $value) {
    if (Setting::getValue($setting) === null) {
        Setting::setValue($setting, $value);
    }
}
if (!Capsule::table('tblcurrencies')->exists()) {
    Capsule::table('tblcurrencies')->insert([
        'id' => 1, 'code' => 'USD', 'prefix' => '$', 'suffix' => ' USD', 'format' => 1, 'rate' => '1.00000', 'default' => 1,
    ]);
}
echo "harness setup done: ", Capsule::table('tbladmins')->count(), " admins, ",
    Capsule::table('tbladminroles')->count(), " roles\n";
