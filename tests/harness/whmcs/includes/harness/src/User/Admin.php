<?php
// WHMCS\User\Admin: the Eloquent model over tbladmins.
declare(strict_types=1);

namespace WHMCS\User;

use Illuminate\Database\Eloquent\Model;

class Admin extends Model
{
    protected $table = 'tbladmins';
    protected $hidden = ['password', 'passwordhash', 'authdata', 'password_reset_key', 'password_reset_data'];

    public function getFullNameAttribute(): string
    {
        return trim(($this->attributes['firstname'] ?? '') . ' ' . ($this->attributes['lastname'] ?? ''));
    }
}
