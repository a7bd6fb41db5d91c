<?php
// Trial: which services start on a free trial (mapping.md §6).

namespace WHMCS\Module\Addon\ChartMogul\View;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * @param array{modulelink: string, settings: ?array, settingsError: ?string, formError: ?string,
 *   canConfigure: bool, catalogue: array{products: array<int, string>, addons: array<int, string>}} $d
 */
function trial(array $d): string
{
    if ($d['settings'] === null) {
        return engine_problem((string) $d['settingsError']);
    }
    $s = $d['settings'];
    $ro = !$d['canConfigure'];
    $form = '<form method="post" action="' . tab_url($d['modulelink'], 'trial') . '" id="cm-trial-form" class="cm-form">'
        . token_field() . '<input type="hidden" name="action" value="save_trial">'
        . ($d['formError'] !== null ? alert('danger', e($d['formError']), 'cm-trial-error') : '')
        . readonly_note($d['canConfigure'])
        . '<p>' . e(t('trial_intro')) . '</p>'
        . checkbox('detect_free_first_period', 'cm-setting-detect_free_first_period', !empty($s['detect_free_first_period']),
            t('set_detect_free_first_period'), t('set_detect_free_first_period_help'), $ro)
        . list_field('trial_products', t('set_trial_products'), t('set_trial_products_help'), list_text($s['trial_products'] ?? []), $ro,
            catalogue_hint($d['catalogue']['products'], t('trial_known_ids')))
        . list_field('trial_addons', t('set_trial_addons'), t('set_trial_addons_help'), list_text($s['trial_addons'] ?? []), $ro,
            catalogue_hint($d['catalogue']['addons'], t('trial_known_addon_ids')))
        . list_field('trial_promotions', t('set_trial_promotions'), t('set_trial_promotions_help'), list_text($s['trial_promotions'] ?? []), $ro, '')
        . checkbox('trial_line_items', 'cm-setting-trial_line_items', !empty($s['trial_line_items']),
            t('set_trial_line_items'), t('set_trial_line_items_help'), $ro)
        . ($ro ? '' : '<button type="submit" class="btn btn-primary" id="cm-trial-save">' . e(t('save')) . '</button>')
        . '</form>';
    return panel(t('trial_title'), $form, 'cm-trial-panel')
        . panel(t('trial_effect_title'), '<ul><li>' . e(t('trial_effect_1')) . '</li><li>' . e(t('trial_effect_2'))
            . '</li><li>' . e(t('trial_effect_3')) . '</li></ul>', 'cm-trial-effect-panel');
}

function list_field(string $key, string $label, string $help, string $value, bool $readonly, string $hint): string
{
    $id = 'cm-setting-' . $key;
    return '<div class="form-group"><label for="' . e($id) . '">' . e($label) . '</label>'
        . '<input type="text" class="form-control" name="' . e($key) . '" id="' . e($id) . '" value="' . e($value) . '"'
        . ($readonly ? ' disabled' : '') . '>'
        . '<p class="help-block">' . e($help) . '</p>' . $hint . '</div>';
}

/** "Known ids: 7 VPS S, 8 Trial hosting" from the plans list, so nobody has to look ids up. */
function catalogue_hint(array $items, string $label): string
{
    if ($items === []) {
        return '';
    }
    $parts = [];
    foreach ($items as $id => $name) {
        $parts[] = '<code>' . e($id) . '</code> ' . e($name);
    }
    return '<p class="help-block cm-catalogue-hint">' . e($label) . ' ' . implode(', ', $parts) . '</p>';
}
