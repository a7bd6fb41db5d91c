<?php
// The client area is not emulated by the harness; the admin area is under admin/.
declare(strict_types=1);

require __DIR__ . '/init.php';

http_response_code(404);
header('Content-Type: text/plain; charset=utf-8');
echo "WHMCS test harness: the client area (index.php?m=...) is not emulated. Admin area: /admin/\n";
