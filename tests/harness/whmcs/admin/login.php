<?php
// Admin login: POST username, password (+ the CSRF token of the form) → $_SESSION['adminid'],
// then a redirect to `redirect` (a page of admin/) or index.php.
declare(strict_types=1);

require __DIR__ . '/../init.php';

use WHMCS\Harness\Auth;
use WHMCS\Harness\Layout;

$redirect = (string) ($_REQUEST['redirect'] ?? '');
if ($redirect === '' || !preg_match('#^[a-z0-9_]+\.php(\?.*)?$#i', $redirect)) {
    $redirect = 'index.php';
}
$error = '';
if (($_SERVER['REQUEST_METHOD'] ?? 'GET') === 'POST') {
    check_token('WHMCS.admin.default');
    if (Auth::attempt((string) ($_POST['username'] ?? ''), (string) ($_POST['password'] ?? ''))) {
        header('Location: ' . $redirect, true, 302);
        exit;
    }
    $error = '<div class="alert alert-danger" id="login-error">Login Failed. Please Try Again.</div>';
}
$notice = isset($_GET['logout']) ? '<div class="alert alert-success">You have been logged out.</div>' : '';
echo Layout::page('Admin Login', $notice . $error
    . '<form method="post" action="login.php" id="login-form" class="form-horizontal" style="max-width:420px">'
    . generate_token('form')
    . '<input type="hidden" name="redirect" value="' . Layout::e($redirect) . '">'
    . '<div class="form-group"><label for="username">Username</label>'
    . '<input type="text" class="form-control" name="username" id="username" autofocus></div>'
    . '<div class="form-group"><label for="password">Password</label>'
    . '<input type="password" class="form-control" name="password" id="password"></div>'
    . '<button type="submit" class="btn btn-primary">Login</button></form>');
