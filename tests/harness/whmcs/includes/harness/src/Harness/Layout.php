<?php
// The admin layout: Bootstrap 3 markup like WHMCS's admin area (Bootstrap 3 and jQuery from the
// Debian packages, linked under /assets/vendor by start.sh, plus a small local stylesheet).
// No external URL anywhere.
declare(strict_types=1);

namespace WHMCS\Harness;

final class Layout
{
    public static function e(?string $s): string
    {
        return htmlspecialchars((string) $s, ENT_QUOTES | ENT_SUBSTITUTE, 'UTF-8');
    }

    public static function page(string $title, string $content, string $sidebar = '', ?object $admin = null, string $filename = ''): string
    {
        $head = $footer = '';
        $addonLinks = '';
        if ($admin !== null) {
            $modules = [];
            foreach (Addons::active() as $module) {
                if (Addons::canAccess($module, (int) $admin->roleid)) {
                    try {
                        $modules[$module] = Addons::config($module)['name'];
                    } catch (\Throwable) {
                        $modules[$module] = $module;
                    }
                }
            }
            Hooks::run('AdminAreaPage', [
                'adminid' => (int) $admin->id,
                'admin_username' => (string) $admin->username,
                'admin_perms' => [],
                'addon_modules' => $modules,
                'filename' => $filename,
                'pagetitle' => $title,
            ]);
            foreach (Hooks::run('AdminAreaHeadOutput', ['filename' => $filename]) as $html) {
                $head .= is_string($html) ? $html : '';
            }
            foreach (Hooks::run('AdminAreaFooterOutput', ['filename' => $filename]) as $html) {
                $footer .= is_string($html) ? $html : '';
            }
            foreach ($modules as $module => $label) {
                $addonLinks .= '<li><a href="addonmodules.php?module=' . self::e($module) . '">' . self::e($label) . '</a></li>';
            }
        }
        $root = Env::root();
        $css = is_file("$root/assets/vendor/bootstrap/css/bootstrap.min.css")
            ? '<link rel="stylesheet" href="/assets/vendor/bootstrap/css/bootstrap.min.css">' : '';
        $js = '';
        if (is_file("$root/assets/vendor/jquery/jquery.min.js")) {
            $js .= '<script src="/assets/vendor/jquery/jquery.min.js"></script>';
            if (is_file("$root/assets/vendor/bootstrap/js/bootstrap.min.js")) {
                $js .= '<script src="/assets/vendor/bootstrap/js/bootstrap.min.js"></script>';
            }
        }
        $token = self::e(Csrf::token());
        $nav = '';
        if ($admin !== null) {
            $setup = (int) $admin->roleid === 1
                ? '<li><a href="configaddonmods.php">Setup: Addon Modules</a></li>' : '';
            $nav = '<ul class="nav navbar-nav">'
                . '<li><a href="index.php">Home</a></li>'
                . '<li class="dropdown"><a href="addonmodules.php" class="dropdown-toggle" data-toggle="dropdown">Addons <b class="caret"></b></a>'
                . '<ul class="dropdown-menu" id="addons-menu">' . $addonLinks . '</ul></li>'
                . $setup . '</ul>'
                . '<ul class="nav navbar-nav navbar-right"><li><p class="navbar-text" id="admin-username">'
                . self::e((string) $admin->username) . ' (' . self::e(Auth::roleName((int) $admin->roleid)) . ')</p></li>'
                . '<li><a href="logout.php">Logout</a></li></ul>';
        }
        $sidebarHtml = $sidebar !== ''
            ? '<div class="col-md-2" id="sidebar">' . $sidebar . '</div><div class="col-md-10" id="contentarea">'
            : '<div class="col-md-12" id="contentarea">';
        return '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            . '<meta name="viewport" content="width=device-width, initial-scale=1">'
            . '<title>' . self::e($title) . ' - WHMCS harness</title>' . $css
            . '<link rel="stylesheet" href="/assets/css/harness-admin.css">'
            . '<script>var csrfToken = \'' . $token . '\';</script>' . $js . $head . '</head>'
            . '<body class="whmcs-harness-admin" data-harness-layout="1">'
            . '<nav class="navbar navbar-inverse navbar-static-top"><div class="container-fluid">'
            . '<div class="navbar-header"><a class="navbar-brand" href="index.php">WHMCS <small>harness</small></a></div>'
            . $nav . '</div></nav>'
            . '<div class="container-fluid"><div class="row">' . $sidebarHtml
            . '<h1>' . self::e($title) . '</h1>' . $content . '</div></div></div>'
            . $footer . '</body></html>';
    }
}
