<?php
// Small HTML helpers shared by every view. Every value that reaches HTML goes through e().

namespace WHMCS\Module\Addon\ChartMogul\View;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

use WHMCS\Module\Addon\ChartMogul\Lang;

/** Escapes any value for HTML text and attributes. */
function e($value): string
{
    if ($value === null) {
        return '';
    }
    if (is_bool($value)) {
        $value = $value ? '1' : '0';
    }
    if (!is_scalar($value)) {
        $value = (string) json_encode($value);
    }
    return htmlspecialchars((string) $value, ENT_QUOTES | ENT_SUBSTITUTE, 'UTF-8');
}

/** The (unescaped) text for a language key; wrap in e() before output. */
function t(string $key, ...$args): string
{
    return Lang::current()->get($key, ...$args);
}

/** A link to one of the addon's tabs with extra query parameters, escaped for an attribute. */
function tab_url(string $modulelink, string $tab, array $query = []): string
{
    $query = ['tab' => $tab] + array_filter($query, static fn ($v) => $v !== null && $v !== '');
    return e($modulelink . '&' . http_build_query($query));
}

/** The hidden CSRF field of a form (WHMCS's generate_token('form'), whmcs.md §2.1). */
function token_field(): string
{
    if (function_exists('generate_token')) {
        return (string) generate_token('form');
    }
    return '';
}

/**
 * @param string $type success|info|warning|danger
 * @param array<string, string> $data data-* attributes
 */
function alert(string $type, string $html, string $id = '', array $data = []): string
{
    $attrs = $id === '' ? '' : ' id="' . e($id) . '"';
    foreach ($data as $name => $value) {
        $attrs .= ' data-' . e($name) . '="' . e($value) . '"';
    }
    return '<div class="alert alert-' . e($type) . ' cm-alert"' . $attrs . ' role="alert">' . $html . '</div>';
}

function panel(string $title, string $body, string $id = '', string $footer = ''): string
{
    $idAttr = $id === '' ? '' : ' id="' . e($id) . '"';
    return '<div class="panel panel-default"' . $idAttr . '>'
        . '<div class="panel-heading"><h3 class="panel-title">' . e($title) . '</h3></div>'
        . '<div class="panel-body">' . $body . '</div>'
        . ($footer === '' ? '' : '<div class="panel-footer">' . $footer . '</div>')
        . '</div>';
}

/** A Bootstrap label for a run status (running/succeeded/failed/partial). */
function run_status_label(?string $status): string
{
    $class = [
        'running' => 'info', 'succeeded' => 'success', 'failed' => 'danger', 'partial' => 'warning',
    ][$status ?? ''] ?? 'default';
    $text = $status === null ? t('status_never') : t('run_status_' . $status);
    if (str_starts_with($text, 'run_status_')) {
        $text = (string) $status; // a status this addon has no words for yet
    }
    return '<span class="label label-' . e($class) . ' cm-run-status" data-status="' . e($status) . '">' . e($text) . '</span>';
}

function level_label(string $level): string
{
    $class = ['error' => 'danger', 'warning' => 'warning', 'info' => 'info'][$level] ?? 'default';
    return '<span class="label label-' . e($class) . '">' . e($level) . '</span>';
}

/** A time with its relative form, the UTC original in the tooltip. */
function time_html(?string $iso): string
{
    if ($iso === null || $iso === '') {
        return '<span class="text-muted">' . e(t('status_never')) . '</span>';
    }
    $ts = \WHMCS\Module\Addon\ChartMogul\Format::timestamp($iso);
    return '<time datetime="' . e($iso) . '" title="' . e($iso) . '">'
        . e(\WHMCS\Module\Addon\ChartMogul\Format::time($iso)) . '</time>'
        . ' <small class="text-muted">' . e(\WHMCS\Module\Addon\ChartMogul\Format::relative($ts)) . '</small>';
}

/** "customer: 3 created, 1 updated; invoice: 10 created" from a run's counts. */
function counts_text(array $counts): string
{
    $parts = [];
    foreach ($counts as $kind => $value) {
        if (is_array($value)) {
            $bits = [];
            foreach ($value as $what => $n) {
                if (is_numeric($n) && (int) $n !== 0) {
                    $bits[] = (int) $n . ' ' . $what;
                }
            }
            if ($bits !== []) {
                $parts[] = $kind . ': ' . implode(', ', $bits);
            }
        } elseif (is_numeric($value) && (int) $value !== 0) {
            $parts[] = $kind . ': ' . (int) $value;
        }
    }
    return $parts === [] ? '—' : implode('; ', $parts);
}

/** A checkbox with its label; unticked boxes are absent from the POST, read as false. */
function checkbox(string $name, string $id, bool $checked, string $label, string $help = '', bool $disabled = false): string
{
    return '<div class="checkbox"><label for="' . e($id) . '">'
        . '<input type="checkbox" name="' . e($name) . '" id="' . e($id) . '" value="1"'
        . ($checked ? ' checked' : '') . ($disabled ? ' disabled' : '') . '> '
        . e($label) . '</label>'
        . ($help === '' ? '' : '<p class="help-block">' . e($help) . '</p>')
        . '</div>';
}

/** @param array<string, string> $options value => label */
function select(string $name, string $id, array $options, string $selected, bool $disabled = false): string
{
    $html = '<select class="form-control" name="' . e($name) . '" id="' . e($id) . '"' . ($disabled ? ' disabled' : '') . '>';
    foreach ($options as $value => $label) {
        $html .= '<option value="' . e($value) . '"' . ((string) $value === $selected ? ' selected' : '') . '>' . e($label) . '</option>';
    }
    return $html . '</select>';
}

/** The note a read-only form shows to admins without the configure permission. */
function readonly_note(bool $canConfigure): string
{
    return $canConfigure ? '' : '<p class="text-muted cm-readonly-note">' . e(t('perm_readonly_note')) . '</p>';
}

/** A list value (ints or strings) as the comma-separated text of a form field. */
function list_text($value): string
{
    if (is_string($value)) {
        return $value; // typed text shown again after a refused save
    }
    if (!is_array($value)) {
        return '';
    }
    return implode(', ', array_map('strval', $value));
}
