<?php
// WHMCS\Authentication\CurrentUser (WHMCS 8.0+): the logged-in admin of this request.
declare(strict_types=1);

namespace WHMCS\Authentication;

use WHMCS\Harness\Auth;
use WHMCS\User\Admin;

class CurrentUser
{
    public function admin(): ?Admin
    {
        $row = Auth::currentAdmin();
        return $row === null ? null : Admin::find((int) $row->id);
    }

    public function isAuthenticatedAdmin(): bool
    {
        return Auth::currentAdmin() !== null;
    }
}
