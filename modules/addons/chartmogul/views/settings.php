<?php
// Settings: the mapping settings of mapping.md §10, the ChartMogul connection, who may do what,
// what deactivation does with the data, and the plugins (views/plugins.php).

namespace WHMCS\Module\Addon\ChartMogul\View;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

use WHMCS\Module\Addon\ChartMogul\Permissions;

const INVOICE_STATUSES = ['Draft', 'Unpaid', 'Paid', 'Cancelled', 'Refunded', 'Collections', 'Payment Pending'];

/** The mapping settings shown as checkboxes, in the order of mapping.md §10. */
const BOOL_SETTINGS = ['export_zero_invoices', 'export_leads', 'propagate_deletions', 'plan_name_prefix_group', 'suspended_is_active'];

/**
 * @param array{modulelink: string, settings: ?array, settingsError: ?string, errors: array<string, ?string>,
 *   connection: array, roles: list<object>, permissions: Permissions, accessRoles: list<int>,
 *   currentRoleId: int, removeOnDeactivate: bool, canConfigure: bool, plugins: array} $d
 */
function settings(array $d): string
{
    return '<div class="row"><div class="col-md-7">'
        . ($d['settings'] === null ? engine_problem((string) $d['settingsError']) : panel(t('set_mapping_title'), mapping_form($d), 'cm-mapping-panel'))
        . '</div><div class="col-md-5">'
        . panel(t('set_connection_title'), connection_form($d), 'cm-connection-settings-panel')
        . panel(t('set_deactivate_title'), deactivate_form($d), 'cm-deactivate-panel')
        . '</div></div>'
        . panel(t('perm_title'), permissions_form($d), 'cm-permissions-panel')
        . plugins_section($d);
}

function form_open(string $modulelink, string $id, string $action): string
{
    return '<form method="post" action="' . tab_url($modulelink, 'settings') . '" id="' . e($id) . '" class="cm-form">'
        . token_field() . '<input type="hidden" name="action" value="' . e($action) . '">';
}

function form_error(array $errors, string $form, string $id): string
{
    return empty($errors[$form]) ? '' : alert('danger', e($errors[$form]), $id);
}

function save_button(bool $canConfigure, string $id): string
{
    return $canConfigure ? '<button type="submit" class="btn btn-primary" id="' . e($id) . '">' . e(t('save')) . '</button>' : '';
}

function mapping_form(array $d): string
{
    $s = $d['settings'];
    $ro = !$d['canConfigure'];
    $html = form_open($d['modulelink'], 'cm-settings-form', 'save_settings')
        . form_error($d['errors'], 'settings', 'cm-settings-error')
        . readonly_note($d['canConfigure']);

    // Time zone: empty means "the WHMCS server's zone" (mapping.md §1).
    $html .= '<div class="form-group"><label for="cm-setting-timezone">' . e(t('set_timezone')) . '</label>'
        . '<input type="text" class="form-control" name="timezone" id="cm-setting-timezone" list="cm-timezones" value="'
        . e($s['timezone'] ?? '') . '" placeholder="' . e(date_default_timezone_get()) . '"' . ($ro ? ' disabled' : '') . '>'
        . '<datalist id="cm-timezones">';
    foreach (\DateTimeZone::listIdentifiers() as $zone) {
        $html .= '<option value="' . e($zone) . '">';
    }
    $html .= '</datalist><p class="help-block">' . e(t('set_timezone_help', date_default_timezone_get())) . '</p></div>';

    // Invoice statuses (mapping.md §4.1).
    $selected = is_array($s['invoice_statuses'] ?? null) ? $s['invoice_statuses'] : [];
    $html .= '<div class="form-group" id="cm-setting-invoice_statuses"><label>' . e(t('set_invoice_statuses')) . '</label><div>';
    foreach (INVOICE_STATUSES as $status) {
        $id = 'cm-setting-invoice_statuses-' . strtolower(str_replace(' ', '-', $status));
        $html .= '<label class="checkbox-inline" for="' . e($id) . '"><input type="checkbox" name="invoice_statuses[]" id="' . e($id)
            . '" value="' . e($status) . '"' . (in_array($status, $selected, true) ? ' checked' : '') . ($ro ? ' disabled' : '') . '> '
            . e(t('invoice_status_' . strtolower(str_replace(' ', '_', $status)))) . '</label> ';
    }
    $html .= '</div><p class="help-block">' . e(t('set_invoice_statuses_help')) . '</p></div>';

    foreach (BOOL_SETTINGS as $key) {
        $html .= checkbox($key, 'cm-setting-' . $key, !empty($s[$key]), t('set_' . $key), t('set_' . $key . '_help'), $ro);
    }

    $html .= '<div class="form-group"><label for="cm-setting-domains">' . e(t('set_domains')) . '</label>'
        . select('domains', 'cm-setting-domains', [
            'subscription' => t('set_domains_subscription'),
            'one_time' => t('set_domains_one_time'),
            'exclude' => t('set_domains_exclude'),
        ], (string) ($s['domains'] ?? 'subscription'), $ro)
        . '<p class="help-block">' . e(t('set_domains_help')) . '</p></div>';

    $html .= '<div class="form-group"><label for="cm-setting-churn_at">' . e(t('set_churn_at')) . '</label>'
        . select('churn_at', 'cm-setting-churn_at', [
            'termination' => t('set_churn_at_termination'),
            'period_end' => t('set_churn_at_period_end'),
        ], (string) ($s['churn_at'] ?? 'termination'), $ro)
        . '<p class="help-block">' . e(t('set_churn_at_help')) . '</p></div>';

    $html .= '<p class="help-block">' . e(t('set_trial_elsewhere')) . ' <a href="' . tab_url($d['modulelink'], 'trial') . '">'
        . e(t('set_trial_link')) . '</a></p>'
        . '<p class="help-block">' . e(t('set_resync_note')) . '</p>';
    return $html . save_button($d['canConfigure'], 'cm-settings-save') . '</form>';
}

/** Password inputs are always empty: a saved secret is never sent back to the browser. */
function secret_input(string $name, string $id, string $label, bool $saved, bool $readonly): string
{
    $html = '<div class="form-group"><label for="' . e($id) . '">' . e($label) . '</label>'
        . '<input type="password" class="form-control" name="' . e($name) . '" id="' . e($id) . '" value="" autocomplete="new-password"'
        . ' placeholder="' . e($saved ? t('secret_saved_placeholder') : '') . '"' . ($readonly ? ' disabled' : '') . '>';
    if ($saved) {
        $html .= '<p class="help-block cm-secret-saved" id="' . e($id) . '-saved">' . e(t('secret_saved_help')) . '</p>'
            . checkbox($name . '_remove', $id . '-remove', false, t('secret_remove'), '', $readonly);
    }
    return $html . '</div>';
}

function connection_form(array $d): string
{
    $c = $d['connection'];
    $ro = !$d['canConfigure'];
    return form_open($d['modulelink'], 'cm-connection-form', 'save_connection')
        . form_error($d['errors'], 'connection', 'cm-connection-error')
        . readonly_note($d['canConfigure'])
        . '<div class="form-group"><label for="cm-data-source">' . e(t('cfg_data_source')) . '</label>'
        . '<input type="text" class="form-control" name="data_source" id="cm-data-source" value="' . e($c['dataSource']) . '"' . ($ro ? ' disabled' : '') . '>'
        . '<p class="help-block">' . e(t('cfg_data_source_help')) . '</p></div>'
        . secret_input('api_key', 'cm-api-key', t('cfg_api_key'), $c['hasApiKey'], $ro)
        . '<p class="help-block">' . e(t('set_legacy_help')) . '</p>'
        . '<div class="form-group"><label for="cm-account-token">' . e(t('cfg_account_token')) . '</label>'
        . '<input type="text" class="form-control" name="account_token" id="cm-account-token" value="' . e($c['accountToken']) . '" autocomplete="off"' . ($ro ? ' disabled' : '') . '></div>'
        . secret_input('secret_key', 'cm-secret-key', t('cfg_secret_key'), $c['hasSecretKey'], $ro)
        . '<div class="form-group"><label for="cm-api-base-url">' . e(t('set_api_base_url')) . '</label>'
        . '<input type="url" class="form-control" name="api_base_url" id="cm-api-base-url" value="' . e($c['baseUrl']) . '"' . ($ro ? ' disabled' : '') . '>'
        . '<p class="help-block">' . e(t('set_api_base_url_help')) . '</p></div>'
        . ($c['canEncrypt'] ? '' : alert('warning', e(t('secret_no_encrypt'))))
        . save_button($d['canConfigure'], 'cm-connection-save') . '</form>';
}

function deactivate_form(array $d): string
{
    return form_open($d['modulelink'], 'cm-deactivate-form', 'save_deactivate')
        . form_error($d['errors'], 'deactivate', 'cm-deactivate-error')
        . checkbox('remove_data_on_deactivate', 'cm-remove-data-on-deactivate', $d['removeOnDeactivate'],
            t('set_remove_data'), t('set_remove_data_help'), !$d['canConfigure'])
        . save_button($d['canConfigure'], 'cm-deactivate-save') . '</form>';
}

function permissions_form(array $d): string
{
    /** @var Permissions $p */
    $p = $d['permissions'];
    $ro = !$d['canConfigure'];
    $rows = '';
    foreach ($d['roles'] as $role) {
        $rows .= '<tr class="cm-perm-row" data-role-id="' . e($role->id) . '"><th scope="row">' . e($role->name)
            . ($role->id === $d['currentRoleId'] ? ' <small class="text-muted">' . e(t('perm_your_role')) . '</small>' : '') . '</th>';
        foreach (Permissions::ALL as $perm) {
            $id = 'cm-perm-' . $role->id . '-' . $perm;
            $rows .= '<td class="text-center"><input type="checkbox" class="cm-perm" name="perm[' . e($role->id) . '][' . e($perm) . ']"'
                . ' id="' . e($id) . '" value="1" aria-label="' . e($role->name . ': ' . t('perm_' . $perm)) . '"'
                . ($p->roleHas($role->id, $perm) ? ' checked' : '') . ($ro ? ' disabled' : '') . '></td>';
        }
        $access = in_array($role->id, $d['accessRoles'], true);
        $rows .= '<td class="text-center">' . ($access
            ? '<span class="label label-success">' . e(t('yes')) . '</span>'
            : '<span class="label label-default">' . e(t('no')) . '</span>') . '</td></tr>';
    }
    $head = '<tr><th>' . e(t('perm_role')) . '</th>';
    foreach (Permissions::ALL as $perm) {
        $head .= '<th class="text-center">' . e(t('perm_' . $perm)) . '<br><small class="text-muted">' . e(t('perm_' . $perm . '_help')) . '</small></th>';
    }
    $head .= '<th class="text-center">' . e(t('perm_whmcs_access')) . '</th></tr>';

    return form_open($d['modulelink'], 'cm-permissions-form', 'save_permissions')
        . form_error($d['errors'], 'permissions', 'cm-permissions-error')
        . readonly_note($d['canConfigure'])
        . '<p>' . e(t('perm_intro')) . '</p>'
        . '<table class="table table-bordered" id="cm-permissions-table"><thead>' . $head . '</thead><tbody>' . $rows . '</tbody></table>'
        . '<p class="help-block">' . e(t('perm_whmcs_access_help')) . '</p>'
        . save_button($d['canConfigure'], 'cm-permissions-save') . '</form>';
}
