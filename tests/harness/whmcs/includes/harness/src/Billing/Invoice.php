<?php
// WHMCS\Billing\Invoice: the Eloquent model over tblinvoices (InvoicePaid's `invoice` var).
declare(strict_types=1);

namespace WHMCS\Billing;

use Illuminate\Database\Eloquent\Model;

class Invoice extends Model
{
    protected $table = 'tblinvoices';
}
