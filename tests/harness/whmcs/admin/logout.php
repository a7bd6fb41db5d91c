<?php
// Admin logout: ends the admin session and goes back to the login page.
declare(strict_types=1);

require __DIR__ . '/../init.php';

\WHMCS\Harness\Auth::logout();
header('Location: login.php?logout=1', true, 302);
