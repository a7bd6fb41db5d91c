<?php
// WHMCS\User\Client: the Eloquent model over tblclients.
declare(strict_types=1);

namespace WHMCS\User;

use Illuminate\Database\Eloquent\Model;

class Client extends Model
{
    protected $table = 'tblclients';
}
