<?php
// Setup > Addon Modules (Full Administrator only): every folder of modules/addons with its
// _config() name, description and version; Activate / Deactivate / Configure (fields by Type
// and the Access Control role checkboxes). Every POST requires the CSRF token.
//
// POST action=activate|deactivate|save, module=NAME, token=…;
// save: fields[NAME][setting]=value (absent checkbox = off; blank password = keep), access[NAME][]=roleid.
declare(strict_types=1);

require __DIR__ . '/../init.php';

use WHMCS\Database\Capsule;
use WHMCS\Harness\Addons;
use WHMCS\Harness\Auth;
use WHMCS\Harness\Layout;

$admin = Auth::requireAdmin();
Auth::requireRole($admin, [1], 'Setup > Addon Modules');

$flash = static function (string $class, string $message): void {
    $_SESSION['harness_flash'][] = [$class, $message];
};

if (($_SERVER['REQUEST_METHOD'] ?? 'GET') === 'POST') {
    check_token('WHMCS.admin.default');
    $action = (string) ($_POST['action'] ?? '');
    $module = (string) ($_POST['module'] ?? '');
    if (!Addons::exists($module)) {
        $flash('danger', "Unknown addon module: $module");
    } else {
        try {
            $label = Addons::config($module)['name'];
            if ($action === 'activate') {
                if (Addons::isActive($module)) {
                    $flash('info', "$label is already active.");
                } else {
                    $result = Addons::activate($module);
                    if ($result['status'] === 'error') {
                        $flash('danger', "Activation of $label failed: " . $result['description']);
                    } else {
                        $flash($result['status'] === 'info' ? 'info' : 'success',
                            "$label activated." . ($result['description'] !== '' ? ' ' . $result['description'] : ''));
                    }
                }
            } elseif ($action === 'deactivate') {
                if (!Addons::isActive($module)) {
                    $flash('info', "$label is not active.");
                } else {
                    $result = Addons::deactivate($module);
                    if ($result['status'] === 'error') {
                        $flash('danger', "Deactivation of $label failed: " . $result['description']);
                    } else {
                        $flash($result['status'] === 'info' ? 'info' : 'success',
                            "$label deactivated." . ($result['description'] !== '' ? ' ' . $result['description'] : ''));
                    }
                }
            } elseif ($action === 'save') {
                if (!Addons::isActive($module)) {
                    $flash('danger', "$label is not active: activate it before configuring it.");
                } else {
                    $fields = $_POST['fields'][$module] ?? [];
                    $access = $_POST['access'][$module] ?? [];
                    Addons::saveConfig($module, is_array($fields) ? $fields : [], is_array($access) ? array_values($access) : []);
                    $flash('success', "Changes saved for $label.");
                }
            } else {
                $flash('danger', "Unknown action: $action");
            }
        } catch (\Throwable $e) {
            error_log("WHMCS harness: configaddonmods $action $module: " . $e);
            $flash('danger', "$action of $module failed: " . get_class($e) . ': ' . $e->getMessage());
        }
    }
    header('Location: configaddonmods.php#module-' . rawurlencode($module), true, 302);
    exit;
}

$messages = '';
foreach ($_SESSION['harness_flash'] ?? [] as [$class, $message]) {
    $messages .= '<div class="alert alert-' . Layout::e($class) . '" data-flash="' . Layout::e($class) . '">' . Layout::e($message) . '</div>';
}
unset($_SESSION['harness_flash']);

$roles = Capsule::table('tbladminroles')->orderBy('id')->get();
$token = generate_token('form');

$field = static function (string $module, string $key, array $def, string $value): string {
    $name = 'fields[' . Layout::e($module) . '][' . Layout::e($key) . ']';
    $id = 'field-' . Layout::e($module) . '-' . Layout::e($key);
    $size = (int) ($def['Size'] ?? 40);
    switch ($def['Type']) {
        case 'password':
            return '<input type="password" class="form-control input-inline" name="' . $name . '" id="' . $id . '" size="' . $size
                . '" value="" autocomplete="new-password" placeholder="' . ($value !== '' ? '(saved, hidden: leave blank to keep)' : '') . '">';
        case 'yesno':
            return '<label class="checkbox-inline"><input type="checkbox" name="' . $name . '" id="' . $id . '" value="on"'
                . ($value === 'on' ? ' checked' : '') . '> ' . Layout::e((string) ($def['Description'] ?? '')) . '</label>';
        case 'textarea':
            return '<textarea class="form-control" name="' . $name . '" id="' . $id . '" rows="' . (int) ($def['Rows'] ?? 3)
                . '" cols="' . (int) ($def['Cols'] ?? 60) . '">' . Layout::e($value) . '</textarea>';
        case 'dropdown':
            $html = '<select class="form-control select-inline" name="' . $name . '" id="' . $id . '">';
            foreach (Addons::options($def) as $optValue => $label) {
                $html .= '<option value="' . Layout::e($optValue) . '"' . ((string) $optValue === $value ? ' selected' : '') . '>'
                    . Layout::e($label) . '</option>';
            }
            return $html . '</select>';
        case 'radio':
            $html = '';
            foreach (Addons::options($def) as $optValue => $label) {
                $html .= '<label class="radio-inline"><input type="radio" name="' . $name . '" value="' . Layout::e($optValue) . '"'
                    . ((string) $optValue === $value ? ' checked' : '') . '> ' . Layout::e($label) . '</label> ';
            }
            return $html;
        default:
            return '<input type="text" class="form-control input-inline" name="' . $name . '" id="' . $id . '" size="' . $size
                . '" value="' . Layout::e($value) . '">';
    }
};

$rows = '';
foreach (Addons::names() as $module) {
    $m = Layout::e($module);
    try {
        $config = Addons::config($module);
    } catch (\Throwable $e) {
        $rows .= '<tr id="module-' . $m . '" class="danger"><td>' . $m . '</td><td colspan="4" class="module-error">Cannot load this module: '
            . Layout::e(get_class($e) . ': ' . $e->getMessage()) . '</td></tr>';
        continue;
    }
    $active = Addons::isActive($module);
    $button = static fn (string $action, string $label, string $class) => '<form method="post" action="configaddonmods.php" style="display:inline">'
        . $token . '<input type="hidden" name="action" value="' . $action . '"><input type="hidden" name="module" value="' . $m . '">'
        . '<button type="submit" class="btn btn-' . $class . ' btn-sm" id="' . $action . '-' . $m . '">' . $label . '</button></form>';
    $rows .= '<tr id="module-' . $m . '" data-active="' . ($active ? '1' : '0') . '">'
        . '<td><strong>' . Layout::e($config['name']) . '</strong><br><small>' . $m . '</small></td>'
        . '<td>' . Layout::e($config['description']) . '</td>'
        . '<td class="module-version">' . Layout::e($config['version']) . '</td>'
        . '<td>' . Layout::e($config['author']) . '</td>'
        . '<td>' . ($active ? '<span class="label label-success">Active</span> ' . $button('deactivate', 'Deactivate', 'danger')
            : $button('activate', 'Activate', 'success')) . '</td></tr>';
    if (!$active) {
        continue;
    }
    $settings = Addons::settings($module, true);
    $form = '<form method="post" action="configaddonmods.php" id="config-' . $m . '">' . $token
        . '<input type="hidden" name="action" value="save"><input type="hidden" name="module" value="' . $m . '">'
        . '<table class="table addon-config">';
    foreach ($config['fields'] as $key => $def) {
        $key = (string) $key;
        $desc = $def['Type'] === 'yesno' ? '' : ' <span class="help-block">' . Layout::e((string) ($def['Description'] ?? '')) . '</span>';
        $form .= '<tr><td class="fieldlabel">' . Layout::e((string) ($def['FriendlyName'] ?? $key)) . '</td><td>'
            . $field($module, $key, $def, (string) ($settings[$key] ?? '')) . $desc . '</td></tr>';
    }
    $access = Addons::accessRoles($module);
    $checks = '';
    foreach ($roles as $role) {
        $checks .= '<label class="checkbox-inline"><input type="checkbox" name="access[' . $m . '][]" value="' . (int) $role->id . '"'
            . (in_array((int) $role->id, $access, true) ? ' checked' : '') . '> ' . Layout::e((string) $role->name) . '</label> ';
    }
    $form .= '<tr><td class="fieldlabel">Access Control</td><td>' . $checks
        . '<span class="help-block">Choose the admin role groups to permit access to this module</span></td></tr>'
        . '</table><button type="submit" class="btn btn-primary" id="save-' . $m . '">Save Changes</button></form>';
    $rows .= '<tr class="module-config" id="configure-' . $m . '"><td colspan="5"><h4>Configure ' . Layout::e($config['name']) . '</h4>'
        . $form . '</td></tr>';
}

echo Layout::page('Addon Modules', $messages
    . '<table class="table table-bordered" id="addon-modules"><thead><tr><th>Module</th><th>Description</th><th>Version</th>'
    . '<th>Author</th><th></th></tr></thead><tbody>' . $rows . '</tbody></table>', '', $admin, 'configaddonmods');
