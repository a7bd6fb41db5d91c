<?php
// Router for `php -S 127.0.0.1:PORT -t ROOT ROOT/router.php`: serves files as they are (PHP
// scripts run), but never configuration.php or includes/, and harness/ only to loopback clients.
declare(strict_types=1);

$path = rawurldecode((string) parse_url((string) ($_SERVER['REQUEST_URI'] ?? '/'), PHP_URL_PATH));
$deny = static function (string $why): bool {
    http_response_code(403);
    header('Content-Type: text/plain; charset=utf-8');
    echo "Forbidden: $why\n";
    return true;
};
if (str_contains($path, '..') || preg_match('#/configuration\.php$#', $path) || str_starts_with($path, '/includes/')) {
    return $deny('not served');
}
if (str_starts_with($path, '/harness/')) {
    $ip = (string) ($_SERVER['REMOTE_ADDR'] ?? '');
    if ($ip !== '127.0.0.1' && $ip !== '::1') {
        return $deny('test endpoints answer loopback clients only');
    }
}
return false;
