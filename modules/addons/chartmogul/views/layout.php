<?php
// The frame of every admin page: the tab bar, notices, and the inline CSS/JS (no CDN, no external
// URL: WHMCS admin pages may run without internet access).

namespace WHMCS\Module\Addon\ChartMogul\View;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

const TABS = ['dashboard', 'products', 'clients', 'trial', 'cron', 'logs', 'settings'];

/**
 * @param array{modulelink: string, tab: string, notices: list<array{0: string, 1: string}>,
 *   body: string, token: string, jsStrings: array<string, string>} $page
 */
function layout(array $page): string
{
    $ajaxUrl = $page['modulelink'] . '&ajax=1';
    $html = '<div id="cm-app" class="cm-app" data-tab="' . e($page['tab']) . '"'
        . ' data-ajax-url="' . e($ajaxUrl) . '"'
        . ' data-token="' . e($page['token']) . '"'
        . ' data-strings="' . e(json_encode($page['jsStrings'])) . '">';
    $html .= inline_assets();
    $html .= tabs($page['modulelink'], $page['tab']);
    $html .= '<div class="cm-tab-body" id="cm-tab-' . e($page['tab']) . '-body">';
    foreach ($page['notices'] as [$type, $message]) {
        $html .= alert($type, e($message), '');
    }
    $html .= $page['body'];
    $html .= '</div></div>';
    return $html;
}

function tabs(string $modulelink, string $active): string
{
    $html = '<ul class="nav nav-tabs cm-tabs" id="cm-tabs" role="tablist">';
    foreach (TABS as $tab) {
        $html .= '<li role="presentation"' . ($tab === $active ? ' class="active"' : '') . '>'
            . '<a id="cm-tab-' . e($tab) . '" href="' . tab_url($modulelink, $tab) . '"'
            . ($tab === $active ? ' aria-current="page"' : '') . '>' . e(t('tab_' . $tab)) . '</a></li>';
    }
    return $html . '</ul>';
}

function inline_assets(): string
{
    $dir = dirname(__DIR__) . '/assets/';
    $css = (string) @file_get_contents($dir . 'admin.css');
    $js = (string) @file_get_contents($dir . 'admin.js');
    // The files are ours; this only guards against a stray closing tag ending the element early.
    $js = str_ireplace('</script', '<\/script', $js);
    $css = str_ireplace('</style', '<\/style', $css);
    return '<style>' . $css . '</style><script>' . $js . '</script>';
}

/** The whole page for an admin whose role lacks the view permission. */
function denied(string $message): string
{
    return '<div id="cm-app" class="cm-app">' . alert('danger', e($message), 'cm-denied') . '</div>';
}

/** Shown instead of the tabs' content when PHP has not loaded the extension. */
function extension_missing(): string
{
    $body = '<p>' . e(t('ext_missing_intro')) . '</p><ol>'
        . '<li>' . e(t('ext_missing_step_build')) . '<pre>cargo build --release -p chartmogul_sync</pre></li>'
        . '<li>' . e(t('ext_missing_step_ini')) . '<pre>extension=/path/to/libchartmogul_sync.so</pre></li>'
        . '<li>' . e(t('ext_missing_step_restart')) . '</li>'
        . '<li>' . e(t('ext_missing_step_check')) . '<pre>php -m | grep chartmogul_sync</pre></li>'
        . '</ol><p>' . e(t('ext_missing_readme')) . '</p>';
    return alert('danger', '<strong>' . e(t('ext_missing_title')) . '</strong>', 'cm-extension-missing')
        . panel(t('ext_missing_howto'), $body, 'cm-extension-help');
}

/** A problem that stops a tab from showing its data, with the engine's message. */
function engine_problem(string $message): string
{
    return alert('danger', e($message), '');
}
