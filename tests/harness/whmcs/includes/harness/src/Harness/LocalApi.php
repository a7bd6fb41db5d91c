<?php
// localAPI($command, $params, $adminUser) for the commands an addon may call (whmcs.md §3.1):
// GetAdminDetails, GetCurrencies, GetClientsDetails, EncryptPassword, DecryptPassword,
// GetConfigurationValue. Answers PHP arrays shaped like the documented JSON responses
// (../shared/reference/whmcs-api-examples/); command names are case-insensitive; anything else
// answers ['result' => 'error', 'message' => ...].
declare(strict_types=1);

namespace WHMCS\Harness;

use WHMCS\Database\Capsule;

final class LocalApi
{
    /** Permission names per role for GetAdminDetails; WHMCS keeps the id->name map in code [U]. */
    private const PERMISSIONS = [
        1 => ['Main Homepage', 'My Account', 'List Clients', 'View Clients Summary', 'Edit Clients Details',
            'List Invoices', 'Manage Invoice', 'View Income Totals', 'List Transactions', 'View Activity Log',
            'View Module Debug Log', 'Configure General Settings', 'Configure Administrators',
            'Configure Admin Roles', 'Configure Addon Modules', 'Addon Modules', 'API Access'],
        2 => ['Main Homepage', 'My Account', 'List Clients', 'View Clients Summary', 'List Invoices',
            'Manage Invoice', 'List Transactions', 'Addon Modules'],
        3 => ['Main Homepage', 'My Account', 'List Clients', 'View Clients Summary', 'Addon Modules'],
    ];

    /**
     * @param array<string, mixed> $params
     * @return array<string, mixed>
     */
    public static function call(string $command, array $params = [], string $adminUser = ''): array
    {
        $admin = self::admin($adminUser);
        if ($admin === null) {
            return ['result' => 'error', 'message' => $adminUser !== ''
                ? "No matching admin user found ($adminUser)" : 'No admin user available to run the command'];
        }
        $handlers = [
            'getadmindetails' => 'getAdminDetails',
            'getcurrencies' => 'getCurrencies',
            'getclientsdetails' => 'getClientsDetails',
            'encryptpassword' => 'encryptPassword',
            'decryptpassword' => 'decryptPassword',
            'getconfigurationvalue' => 'getConfigurationValue',
        ];
        $method = $handlers[strtolower($command)] ?? null;
        if ($method === null) {
            return ['result' => 'error', 'message' => "Command Not Found: $command is not emulated by the WHMCS harness"];
        }
        return self::$method($params, $admin);
    }

    /** The admin the command runs as: the named one, else the logged-in one, else the first full admin. */
    private static function admin(string $username): ?object
    {
        if ($username !== '') {
            return Capsule::table('tbladmins')->where('username', $username)->where('disabled', 0)->first();
        }
        return Auth::currentAdmin()
            ?? Capsule::table('tbladmins')->where('roleid', 1)->where('disabled', 0)->orderBy('id')->first();
    }

    private static function getAdminDetails(array $params, object $admin): array
    {
        return [
            'result' => 'success',
            'adminid' => (string) $admin->id,
            'name' => trim($admin->firstname . ' ' . $admin->lastname),
            'notes' => (string) $admin->notes,
            'signature' => (string) $admin->signature,
            'allowedpermissions' => implode(',', self::PERMISSIONS[(int) $admin->roleid] ?? []),
            'departments' => (string) $admin->supportdepts,
            'requesttime' => Env::now(),
        ];
    }

    private static function getCurrencies(array $params, object $admin): array
    {
        $rows = Capsule::table('tblcurrencies')->orderBy('id')->get();
        $list = [];
        foreach ($rows as $row) {
            $list[] = [
                'id' => (string) $row->id, 'code' => (string) $row->code, 'prefix' => (string) $row->prefix,
                'suffix' => (string) $row->suffix, 'format' => (string) $row->format, 'rate' => (string) $row->rate,
            ];
        }
        return [
            'result' => 'success',
            'totalresults' => (string) count($list),
            'currencies' => count($list) > 0 ? ['currency' => $list] : '',
        ];
    }

    private static function getClientsDetails(array $params, object $admin): array
    {
        $query = Capsule::table('tblclients');
        if (!empty($params['clientid'])) {
            $query->where('id', (int) $params['clientid']);
        } elseif (!empty($params['email'])) {
            $query->where('email', (string) $params['email']);
        } else {
            return ['result' => 'error', 'message' => 'Client ID or Email Address Required'];
        }
        $c = $query->first();
        if ($c === null) {
            return ['result' => 'error', 'message' => 'Client Not Found'];
        }
        $currency = Capsule::table('tblcurrencies')->where('id', $c->currency)->first();
        $prefs = json_decode((string) $c->email_preferences, true);
        $client = [
            'client_id' => (int) $c->id, 'owner_user_id' => 0, 'userid' => (int) $c->id, 'id' => (int) $c->id,
            'uuid' => (string) $c->uuid, 'firstname' => (string) $c->firstname, 'lastname' => (string) $c->lastname,
            'fullname' => trim($c->firstname . ' ' . $c->lastname), 'companyname' => (string) $c->companyname,
            'email' => (string) $c->email, 'address1' => (string) $c->address1, 'address2' => (string) $c->address2,
            'city' => (string) $c->city, 'fullstate' => (string) $c->state, 'state' => (string) $c->state,
            'postcode' => (string) $c->postcode, 'countrycode' => (string) $c->country, 'country' => (string) $c->country,
            'phonenumber' => (string) $c->phonenumber, 'tax_id' => (string) $c->tax_id,
            'email_preferences' => is_array($prefs) ? $prefs : [],
            'billingcid' => (int) $c->billingcid, 'notes' => (string) $c->notes, 'currency' => (int) $c->currency,
            'defaultgateway' => (string) $c->defaultgateway, 'groupid' => (int) $c->groupid,
            'status' => (string) $c->status, 'credit' => (string) $c->credit,
            'taxexempt' => (bool) $c->taxexempt, 'latefeeoveride' => (bool) $c->latefeeoveride,
            'overideduenotices' => (bool) $c->overideduenotices, 'separateinvoices' => (bool) $c->separateinvoices,
            'disableautocc' => (bool) $c->disableautocc, 'emailoptout' => (bool) $c->emailoptout,
            'marketing_emails_opt_in' => (bool) $c->marketing_emails_opt_in,
            'overrideautoclose' => (bool) $c->overrideautoclose, 'allowSingleSignOn' => (int) $c->allow_sso,
            'email_verified' => (bool) $c->email_verified, 'language' => (string) $c->language,
            'lastlogin' => (string) $c->lastlogin, 'currency_code' => $currency ? (string) $currency->code : '',
            'customfields' => [], 'users' => ['user' => []],
        ];
        $out = ['result' => 'success', 'client' => $client];
        if (!empty($params['stats'])) {
            $fmt = static fn (float $v): string => ($currency ? $currency->prefix : '') . number_format($v, 2, '.', '')
                . ($currency ? $currency->suffix : '');
            $sum = static fn (string $status): array => [
                Capsule::table('tblinvoices')->where('userid', $c->id)->where('status', $status)->count(),
                (float) Capsule::table('tblinvoices')->where('userid', $c->id)->where('status', $status)->sum('total'),
            ];
            [$paidN, $paid] = $sum('Paid');
            [$unpaidN, $unpaid] = $sum('Unpaid');
            [$cancelledN, $cancelled] = $sum('Cancelled');
            [$refundedN, $refunded] = $sum('Refunded');
            $out['stats'] = [
                'numunpaidinvoices' => $unpaidN, 'unpaidinvoicesamount' => $fmt($unpaid),
                'numpaidinvoices' => $paidN, 'paidinvoicesamount' => $fmt($paid),
                'numcancelledinvoices' => $cancelledN, 'cancelledinvoicesamount' => $fmt($cancelled),
                'numrefundedinvoices' => $refundedN, 'refundedinvoicesamount' => $fmt($refunded),
                'incredit' => (float) $c->credit > 0, 'creditbalance' => $fmt((float) $c->credit),
                'productsnumtotal' => Capsule::table('tblhosting')->where('userid', $c->id)->count(),
                'productsnumactive' => Capsule::table('tblhosting')->where('userid', $c->id)->where('domainstatus', 'Active')->count(),
                'numdomains' => Capsule::table('tbldomains')->where('userid', $c->id)->count(),
            ];
        }
        return $out;
    }

    private static function encryptPassword(array $params, object $admin): array
    {
        return ['result' => 'success', 'password' => Crypt::encrypt((string) ($params['password2'] ?? ''))];
    }

    private static function decryptPassword(array $params, object $admin): array
    {
        return ['result' => 'success', 'password' => Crypt::decrypt((string) ($params['password2'] ?? ''))];
    }

    private static function getConfigurationValue(array $params, object $admin): array
    {
        $setting = (string) ($params['setting'] ?? '');
        $value = \WHMCS\Config\Setting::getValue($setting);
        if ($value === null) {
            return ['result' => 'error', 'message' => 'Invalid name for configuration setting provided'];
        }
        return ['result' => 'success', 'setting' => $setting, 'value' => $value];
    }
}
