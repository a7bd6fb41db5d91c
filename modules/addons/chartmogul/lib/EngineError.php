<?php
// What an engine exception means for an admin: a kind the page and the JavaScript act on, an HTTP
// status for AJAX answers, and a message with no secret in it.

namespace WHMCS\Module\Addon\ChartMogul;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

final class EngineError
{
    public const LOCKED = 'locked';
    public const AUTHENTICATION = 'authentication';
    public const CONNECTION = 'connection';
    public const CONFIGURATION = 'configuration';
    public const DATABASE = 'database';
    public const INTERNAL = 'internal';

    public string $kind;
    public string $message;
    public int $httpStatus;

    private function __construct(string $kind, string $message, int $httpStatus)
    {
        $this->kind = $kind;
        $this->message = $message;
        $this->httpStatus = $httpStatus;
    }

    /** @param callable(string):string $redact */
    public static function from(\Throwable $e, callable $redact): self
    {
        $lang = Lang::current();
        $message = $redact(trim($e->getMessage()));
        if ($e instanceof \ChartMogulSync\LockedError) {
            return new self(self::LOCKED, $lang->get('error_locked'), 409);
        }
        if ($e instanceof \ChartMogulSync\AuthenticationError) {
            return new self(self::AUTHENTICATION, $lang->get('error_authentication', $message), 502);
        }
        if ($e instanceof \ChartMogulSync\ConnectionError) {
            return new self(self::CONNECTION, $lang->get('error_connection', $message), 502);
        }
        if ($e instanceof \ChartMogulSync\ConfigurationError) {
            return new self(self::CONFIGURATION, $message, 422);
        }
        if ($e instanceof \ChartMogulSync\DatabaseError) {
            return new self(self::DATABASE, $lang->get('error_database', $message), 500);
        }
        if ($e instanceof \ChartMogulSync\Exception) {
            return new self(self::INTERNAL, $message, 500);
        }
        // Not the engine's: PHP's own message may carry paths or values, so it only goes to the
        // activity log (by the caller), never to the page.
        return new self(self::INTERNAL, $lang->get('error_internal'), 500);
    }

    /** Whether the message came from PHP itself rather than the engine. */
    public static function isForeign(\Throwable $e): bool
    {
        return !($e instanceof \ChartMogulSync\Exception);
    }
}
