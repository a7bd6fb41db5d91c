<?php
// The admin behind this request, as WHMCS's login session names them.

namespace WHMCS\Module\Addon\ChartMogul;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

use WHMCS\Database\Capsule;

final class AdminUser
{
    public int $id;
    public int $roleId;
    public string $username;

    private function __construct(int $id, int $roleId, string $username)
    {
        $this->id = $id;
        $this->roleId = $roleId;
        $this->username = $username;
    }

    /** The logged-in admin ($_SESSION['adminid'], whmcs.md §2.4), or null without one. */
    public static function current(): ?self
    {
        $adminId = (int) ($_SESSION['adminid'] ?? 0);
        if ($adminId <= 0) {
            return null;
        }
        $row = Capsule::table('tbladmins')->where('id', $adminId)->first(['id', 'roleid', 'username']);
        if ($row === null) {
            return null;
        }
        return new self((int) $row->id, (int) $row->roleid, (string) $row->username);
    }

    /** What the engine records as the trigger of runs this admin starts. */
    public function trigger(): string
    {
        return 'admin:' . $this->username;
    }
}
