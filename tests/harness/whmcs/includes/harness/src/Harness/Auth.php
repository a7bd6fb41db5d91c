<?php
// Admin login sessions with roles: $_SESSION['adminid'] (whmcs.md §2.4), tbladmins.password
// checked with password_verify(), disabled admins refused.
declare(strict_types=1);

namespace WHMCS\Harness;

use WHMCS\Database\Capsule;

final class Auth
{
    private static ?object $current = null;

    /** The logged-in admin row (tbladmins) or null. */
    public static function currentAdmin(): ?object
    {
        if (session_status() !== PHP_SESSION_ACTIVE || !isset($_SESSION['adminid'])) {
            return null;
        }
        $id = (int) $_SESSION['adminid'];
        if (self::$current !== null && (int) self::$current->id === $id) {
            return self::$current;
        }
        $row = Capsule::table('tbladmins')->where('id', $id)->where('disabled', 0)->first();
        return self::$current = $row ?: null;
    }

    public static function attempt(string $username, string $password): bool
    {
        $row = Capsule::table('tbladmins')->where('username', $username)->first();
        $ok = $row !== null && (int) $row->disabled === 0 && $password !== ''
            && password_verify($password, (string) $row->password);
        if (!$ok) {
            if ($row !== null) {
                Capsule::table('tbladmins')->where('id', $row->id)->increment('loginattempts');
            }
            logActivity('Failed Admin Login Attempt - Username: ' . $username);
            return false;
        }
        session_regenerate_id(true);
        $_SESSION['adminid'] = (int) $row->id;
        self::$current = null;
        Capsule::table('tbladmins')->where('id', $row->id)->update(['loginattempts' => 0]);
        logActivity('Admin Login - Username: ' . $username);
        return true;
    }

    public static function logout(): void
    {
        $_SESSION = [];
        session_regenerate_id(true);
        self::$current = null;
    }

    /** Redirects to login.php unless an admin is logged in. */
    public static function requireAdmin(): object
    {
        $admin = self::currentAdmin();
        if ($admin === null) {
            $target = basename((string) parse_url((string) ($_SERVER['REQUEST_URI'] ?? ''), PHP_URL_PATH));
            $query = (string) parse_url((string) ($_SERVER['REQUEST_URI'] ?? ''), PHP_URL_QUERY);
            $redirect = $target . ($query !== '' ? "?$query" : '');
            header('Location: login.php?redirect=' . rawurlencode($redirect), true, 302);
            exit;
        }
        return $admin;
    }

    /** The Access Denied page (HTTP 403) unless the admin's role is one of $roles. */
    public static function requireRole(object $admin, array $roles, string $what): void
    {
        if (!in_array((int) $admin->roleid, $roles, true)) {
            self::denied($admin, $what);
        }
    }

    public static function denied(?object $admin, string $what): never
    {
        http_response_code(403);
        echo Layout::page('Access Denied', '<div class="alert alert-danger" id="access-denied"><strong>Access Denied</strong><br>'
            . 'You do not have permission to access ' . htmlspecialchars($what) . '.</div>', '', $admin);
        exit;
    }

    public static function roleName(int $roleId): string
    {
        return (string) (Capsule::table('tbladminroles')->where('id', $roleId)->value('name') ?? "role $roleId");
    }
}
