<?php
// The global WHMCS functions an addon calls (whmcs.md §1.6, §1.7, §2.1, §2.3, §3.1). Parameters
// are untyped (and cast) as in WHMCS, so a strict_types caller is not held to stricter rules.
declare(strict_types=1);

use WHMCS\Database\Capsule;
use WHMCS\Harness\Auth;
use WHMCS\Harness\Crypt;
use WHMCS\Harness\Csrf;
use WHMCS\Harness\Env;
use WHMCS\Harness\Hooks;
use WHMCS\Harness\LocalApi;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/** Registers a hook handler: a closure, a function name or [$object, 'method']. */
function add_hook($hookPoint, $priority, $function): void
{
    Hooks::add((string) $hookPoint, (int) $priority, $function);
}

/**
 * Runs every handler of $hookPoint, lowest priority first; returns their non-null results.
 *
 * @param array<string, mixed> $args
 * @return list<mixed>
 */
function run_hook($hookPoint, $args = []): array
{
    return Hooks::run((string) $hookPoint, is_array($args) ? $args : []);
}

/** 'form' → hidden input named token; 'link' → "&token=…"; 'plain' → the value. */
function generate_token($type = 'form'): string
{
    $token = Csrf::token();
    return match ((string) $type) {
        'plain' => $token,
        'link' => '&token=' . $token,
        default => '<input type="hidden" name="token" value="' . htmlspecialchars($token, ENT_QUOTES) . '" />',
    };
}

/**
 * Validates $_REQUEST['token'] against the session; on mismatch ends the request with HTTP 403
 * and the page "Invalid CSRF token" (anything the caller buffered is discarded).
 */
function check_token($namespace = 'WHMCS.default'): void
{
    if (!Csrf::valid()) {
        Csrf::reject((string) $namespace);
    }
}

/** System Activity Log (tblactivitylog). */
function logActivity($message, $userId = 0): void
{
    $admin = PHP_SAPI === 'cli' ? null : Auth::currentAdmin();
    Capsule::table('tblactivitylog')->insert([
        'date' => Env::now(),
        'description' => (string) $message,
        'user' => $admin !== null ? (string) $admin->username : 'System',
        'userid' => (int) $userId,
        'user_id' => 0,
        'admin_id' => $admin !== null ? (int) $admin->id : 0,
        'ipaddr' => Env::clientIp(),
    ]);
}

/**
 * Module Log (tblmodulelog), written only while module logging is on (tblconfiguration
 * ModuleDebugMode = 'on'; the harness switches it on). Every string of $replaceVars is masked
 * with asterisks in what is stored.
 *
 * @param mixed $requestString
 * @param mixed $responseData
 * @param mixed $processedData
 * @param array<mixed> $replaceVars
 */
function logModuleCall($module, $action, $requestString, $responseData, $processedData = '', $replaceVars = []): void
{
    $replaceVars = is_array($replaceVars) ? $replaceVars : [];
    if (\WHMCS\Config\Setting::getValue('ModuleDebugMode') !== 'on') {
        return;
    }
    $text = static function ($value) use ($replaceVars): string {
        $s = is_string($value) ? $value : print_r($value, true);
        foreach ($replaceVars as $secret) {
            if (is_scalar($secret) && (string) $secret !== '') {
                $s = str_replace((string) $secret, str_repeat('*', strlen((string) $secret)), $s);
            }
        }
        return $s;
    };
    Capsule::table('tblmodulelog')->insert([
        'date' => Env::now(),
        'module' => (string) $module,
        'action' => (string) $action,
        'request' => $text($requestString),
        'response' => $text($responseData),
        'arrdata' => $text($processedData),
    ]);
}

function encrypt($string): string
{
    return Crypt::encrypt((string) $string);
}

function decrypt($string): string
{
    return Crypt::decrypt((string) $string);
}

/**
 * @param array<string, mixed> $params
 * @return array<string, mixed>
 */
function localAPI($command, $params = [], $adminUser = ''): array
{
    return LocalApi::call((string) $command, is_array($params) ? $params : [], (string) $adminUser);
}
