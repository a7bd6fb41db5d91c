<?php
// generate_token()/check_token() (whmcs.md §2.1): one random token per session, sent back as
// the request variable `token`. A mismatch ends the request with HTTP 403 "Invalid CSRF token".
declare(strict_types=1);

namespace WHMCS\Harness;

final class Csrf
{
    private static ?string $cliToken = null;

    public static function token(): string
    {
        if (session_status() === PHP_SESSION_ACTIVE) {
            if (!isset($_SESSION['tkval']) || !is_string($_SESSION['tkval']) || $_SESSION['tkval'] === '') {
                $_SESSION['tkval'] = bin2hex(random_bytes(20));
            }
            return $_SESSION['tkval'];
        }
        return self::$cliToken ??= bin2hex(random_bytes(20));
    }

    public static function valid(): bool
    {
        $sent = $_REQUEST['token'] ?? null;
        return is_string($sent) && $sent !== '' && hash_equals(self::token(), $sent);
    }

    /** Ends the request: whatever was echoed (and buffered) so far is discarded. */
    public static function reject(string $namespace): never
    {
        while (ob_get_level() > 0) {
            ob_end_clean();
        }
        if (!headers_sent()) {
            http_response_code(403);
            header('Content-Type: text/html; charset=utf-8');
            header('X-Harness-Csrf: rejected');
        }
        echo '<!DOCTYPE html><html><head><title>Invalid CSRF token</title></head><body>'
            . '<h1>Invalid CSRF token</h1>'
            . '<p>Invalid CSRF token: the request carried no valid <code>token</code> for this session ('
            . htmlspecialchars($namespace) . '). Go back, reload the page and try again.</p>'
            . '</body></html>';
        exit;
    }
}
