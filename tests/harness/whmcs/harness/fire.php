<?php
// Test-only endpoint (loopback clients only): performs a WHMCS-like action on the database and
// fires the hooks WHMCS fires for it, with the $vars of whmcs.md §7.
//
//   GET|POST /harness/fire.php?action=NAME&param=value…
//
// Answers JSON: {"ok":true,"action":…,"fired":[{"hook":…,"handlers":N},…],"hook_errors":[…],"data":{…}}
// (HTTP 400 on missing/bad parameters, 404 when the record does not exist). Hook handlers that
// throw do not stop the action: they are listed in hook_errors.
//
// Actions (required parameters first; see $actions below):
//   InvoicePaid invoiceid                 status Paid, datepaid now → InvoicePaidPreEmail, InvoicePaid
//   AddInvoicePayment invoiceid [amount transid gateway fees date]
//                                         tblaccounts payment → AddTransaction, AddInvoicePayment,
//                                         and when fully paid: Paid → InvoicePaidPreEmail, InvoicePaid
//   InvoiceRefunded invoiceid [amount transid]
//                                         refund row (amountout, refundid) → AddTransaction; when all
//                                         is refunded: Refunded → InvoiceRefunded
//   InvoiceCancelled invoiceid            status Cancelled → InvoiceCancelled
//   InvoiceUnpaid invoiceid               status Unpaid → InvoiceUnpaid
//   AddTransaction userid [invoiceid amountin amountout fees gateway transid description date
//                  currency rate refundid spelling=invocieid|invoiceid|both]
//                                         tblaccounts row → AddTransaction (the docs spell the key
//                                         `invocieid`; spelling= picks the key(s) sent)
//   ClientAdd firstname lastname email [companyname country currency groupid …]
//                                         tblclients row → ClientAdd (client_id, user_id, fields)
//   ClientEdit userid [any tblclients column]
//                                         update → ClientEdit (userid, fields, olddata)
//   ClientClose userid                    status Closed → ClientClose
//   PreDeleteClient userid                PreDeleteClient, then the client and all its rows go
//   AfterClientMerge fromUserID toUserID  rows move to toUserID, fromUserID goes → AfterClientMerge
//   ServiceEdit serviceid [any tblhosting column] → ServiceEdit
//   ServiceDelete serviceid               service and its addons go → ServiceDelete
//   CancellationRequest serviceid [reason type]
//                                         tblcancelrequests row → CancellationRequest
//   AfterModuleSuspend|AfterModuleUnsuspend|AfterModuleTerminate serviceid
//                                         domainstatus Suspended|Active|Terminated → the hook (params)
//   DomainDelete domainid                 domain goes → DomainDelete
//   hook hook=NAME [vars[key]=value…]     fires NAME with vars, no database change
declare(strict_types=1);

require __DIR__ . '/../init.php';

use WHMCS\Billing\Invoice;
use WHMCS\Database\Capsule;
use WHMCS\Harness\Env;
use WHMCS\Harness\Hooks;

header('Content-Type: application/json; charset=utf-8');

final class FireError extends \RuntimeException
{
}

$reply = static function (int $status, array $body): never {
    http_response_code($status);
    echo json_encode($body, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_PARTIAL_OUTPUT_ON_ERROR), "\n";
    exit;
};

if (!Env::isLoopback()) {
    $reply(403, ['ok' => false, 'error' => 'loopback clients only']);
}

$req = $_REQUEST;
$param = static function (string $key, bool $required = true) use ($req): ?string {
    $value = $req[$key] ?? null;
    if ($value === null || $value === '' || !is_scalar($value)) {
        if ($required) {
            throw new FireError("missing parameter: $key", 400);
        }
        return null;
    }
    return (string) $value;
};
$int = static function (string $key, bool $required = true) use ($param): ?int {
    $value = $param($key, $required);
    if ($value === null) {
        return null;
    }
    if (!preg_match('/^\d+$/', $value)) {
        throw new FireError("parameter $key must be a number", 400);
    }
    return (int) $value;
};
$find = static function (string $table, int $id, string $what): object {
    $row = Capsule::table($table)->where('id', $id)->first();
    if ($row === null) {
        throw new FireError("$what $id not found", 404);
    }
    return $row;
};
$now = Env::now();
$zero = '0000-00-00 00:00:00';

// Money as integer cents (no bcmath needed).
$cents = static function (string $amount): int {
    if (!preg_match('/^(-?)(\d*)(?:\.(\d{0,2})\d*)?$/', trim($amount), $m)) {
        throw new FireError("not an amount: $amount", 400);
    }
    $value = (int) ($m[2] ?: '0') * 100 + (int) str_pad($m[3] ?? '', 2, '0');
    return $m[1] === '-' ? -$value : $value;
};
$money = static fn (int $c): string => ($c < 0 ? '-' : '') . intdiv(abs($c), 100) . '.' . str_pad((string) (abs($c) % 100), 2, '0', STR_PAD_LEFT);
$markPaid = static function (int $id) use ($now): void {
    Capsule::table('tblinvoices')->where('id', $id)->update(['status' => 'Paid', 'datepaid' => $now, 'updated_at' => $now]);
    run_hook('InvoicePaidPreEmail', ['invoiceid' => $id]);
    run_hook('InvoicePaid', ['invoiceid' => $id, 'invoice' => Invoice::find($id)]);
};
$paidSoFar = static fn (int $id): int => $cents((string) Capsule::table('tblaccounts')->where('invoiceid', $id)
    ->selectRaw('COALESCE(SUM(amountin), 0) - COALESCE(SUM(amountout), 0) AS net')->value('net'));
$addTransaction = static function (array $row, string $spelling = 'invocieid'): int {
    $row += [
        'currency' => 0, 'gateway' => '', 'date' => Env::now(), 'description' => '', 'amountin' => '0.00', 'fees' => '0.00',
        'amountout' => '0.00', 'rate' => '1.00000', 'transid' => '', 'invoiceid' => 0, 'refundid' => 0,
    ];
    $id = (int) Capsule::table('tblaccounts')->insertGetId($row);
    $vars = ['id' => $id] + $row;
    unset($vars['invoiceid']);
    if ($spelling === 'invocieid' || $spelling === 'both') {
        $vars['invocieid'] = $row['invoiceid'];
    }
    if ($spelling === 'invoiceid' || $spelling === 'both') {
        $vars['invoiceid'] = $row['invoiceid'];
    }
    run_hook('AddTransaction', $vars);
    return $id;
};
$clientColumns = static fn (): array => Capsule::schema()->getColumnListing('tblclients');
$profile = static function (object $client): array {
    $out = (array) $client;
    foreach (['password', 'cardnum', 'startdate', 'expdate', 'issuenumber', 'bankcode', 'bankacct', 'authdata', 'pwresetkey'] as $secret) {
        unset($out[$secret]);
    }
    return $out;
};
$moduleParams = static function (object $service): array {
    return [
        'serviceid' => (int) $service->id, 'userid' => (int) $service->userid, 'pid' => (int) $service->packageid,
        'domain' => (string) $service->domain, 'username' => (string) $service->username,
        'status' => (string) $service->domainstatus, 'billingcycle' => (string) $service->billingcycle,
    ];
};
$clientTables = [
    ['tblhosting', 'userid'], ['tblhostingaddons', 'userid'], ['tbldomains', 'userid'], ['tblinvoices', 'userid'],
    ['tblinvoiceitems', 'userid'], ['tblaccounts', 'userid'], ['tblorders', 'userid'], ['tblcredit', 'clientid'],
    ['tblupgrades', 'userid'], ['tblbillableitems', 'userid'],
];
$moduleAction = static function (string $hook, string $status) use ($int, $find, $moduleParams, $now): array {
    $service = $find('tblhosting', $int('serviceid'), 'service');
    $update = ['domainstatus' => $status, 'updated_at' => $now];
    if ($status === 'Terminated') {
        $update['termination_date'] = substr($now, 0, 10);
    }
    Capsule::table('tblhosting')->where('id', $service->id)->update($update);
    $service = $find('tblhosting', (int) $service->id, 'service');
    run_hook($hook, ['params' => $moduleParams($service)]);
    return ['serviceid' => (int) $service->id, 'domainstatus' => $status];
};
$setStatus = static function (string $hook, string $status, array $extra) use ($int, $find, $now): array {
    $id = (int) $find('tblinvoices', $int('invoiceid'), 'invoice')->id;
    Capsule::table('tblinvoices')->where('id', $id)->update(['status' => $status, 'updated_at' => $now] + $extra);
    run_hook($hook, ['invoiceid' => $id]);
    return ['invoiceid' => $id, 'status' => $status];
};

$actions = [
    'InvoicePaid' => static function () use ($int, $find, $markPaid): array {
        $id = (int) $find('tblinvoices', $int('invoiceid'), 'invoice')->id;
        $markPaid($id);
        return ['invoiceid' => $id, 'status' => 'Paid'];
    },
    'AddInvoicePayment' => static function () use ($int, $param, $find, $markPaid, $paidSoFar, $addTransaction, $cents, $money, $now): array {
        $invoice = $find('tblinvoices', $int('invoiceid'), 'invoice');
        $id = (int) $invoice->id;
        $amount = $money($cents($param('amount', false) ?? $money($cents((string) $invoice->total) - $paidSoFar($id))));
        $txId = $addTransaction([
            'userid' => (int) $invoice->userid, 'gateway' => $param('gateway', false) ?? (string) $invoice->paymentmethod,
            'date' => $param('date', false) ?? $now, 'description' => "Invoice Payment (#$id)", 'amountin' => $amount,
            'fees' => $param('fees', false) ?? '0.00', 'transid' => $param('transid', false) ?? 'HARNESS-' . bin2hex(random_bytes(4)),
            'invoiceid' => $id,
        ]);
        run_hook('AddInvoicePayment', ['invoiceid' => $id]);
        $paid = $paidSoFar($id) >= $cents((string) $invoice->total);
        if ($paid && $invoice->status !== 'Paid') {
            $markPaid($id);
        }
        return ['invoiceid' => $id, 'transactionid' => $txId, 'amount' => $amount, 'status' => $paid ? 'Paid' : (string) $invoice->status];
    },
    'InvoiceRefunded' => static function () use ($int, $param, $find, $paidSoFar, $addTransaction, $cents, $money, $now): array {
        $invoice = $find('tblinvoices', $int('invoiceid'), 'invoice');
        $id = (int) $invoice->id;
        $amount = $money($cents($param('amount', false) ?? $money($paidSoFar($id))));
        $payment = Capsule::table('tblaccounts')->where('invoiceid', $id)->where('amountin', '>', 0)->orderBy('id', 'desc')->first();
        $txId = null;
        if ($payment !== null && $cents($amount) > 0) {
            $txId = $addTransaction([
                'userid' => (int) $invoice->userid, 'gateway' => (string) $payment->gateway, 'date' => $now,
                'description' => "Refund of Transaction ID {$payment->transid}", 'amountout' => $amount,
                'transid' => $param('transid', false) ?? 'HARNESS-REFUND-' . bin2hex(random_bytes(4)),
                'invoiceid' => $id, 'refundid' => (int) $payment->id,
            ]);
        }
        $full = $paidSoFar($id) <= 0;
        if ($full) {
            Capsule::table('tblinvoices')->where('id', $id)->update(['status' => 'Refunded', 'date_refunded' => $now, 'updated_at' => $now]);
            run_hook('InvoiceRefunded', ['invoiceid' => $id]);
        }
        return ['invoiceid' => $id, 'transactionid' => $txId, 'amount' => $amount, 'status' => $full ? 'Refunded' : (string) $invoice->status];
    },
    'InvoiceCancelled' => static fn () => $setStatus('InvoiceCancelled', 'Cancelled', ['date_cancelled' => $now]),
    'InvoiceUnpaid' => static fn () => $setStatus('InvoiceUnpaid', 'Unpaid', ['datepaid' => $zero]),
    'AddTransaction' => static function () use ($int, $param, $find, $addTransaction, $now): array {
        $client = $find('tblclients', $int('userid'), 'client');
        $spelling = $param('spelling', false) ?? 'invocieid';
        if (!in_array($spelling, ['invocieid', 'invoiceid', 'both'], true)) {
            throw new FireError('spelling must be invocieid, invoiceid or both', 400);
        }
        $row = ['userid' => (int) $client->id, 'date' => $param('date', false) ?? $now];
        foreach (['gateway', 'description', 'amountin', 'amountout', 'fees', 'rate', 'transid'] as $key) {
            if (($value = $param($key, false)) !== null) {
                $row[$key] = $value;
            }
        }
        foreach (['invoiceid', 'currency', 'refundid'] as $key) {
            if (($value = $int($key, false)) !== null) {
                $row[$key] = $value;
            }
        }
        return ['transactionid' => $addTransaction($row, $spelling)];
    },
    'ClientAdd' => static function () use ($param, $clientColumns, $profile, $find, $now, $req): array {
        $row = [
            'uuid' => '', 'firstname' => $param('firstname'), 'lastname' => $param('lastname'), 'email' => $param('email'),
            'companyname' => '', 'address1' => '', 'address2' => '', 'city' => '', 'state' => '', 'postcode' => '',
            'country' => 'US', 'phonenumber' => '', 'currency' => 1, 'groupid' => 0, 'status' => 'Active',
            'datecreated' => substr($now, 0, 10), 'created_at' => $now, 'updated_at' => $now,
        ];
        $columns = $clientColumns();
        foreach ($req as $key => $value) {
            if (is_string($key) && is_scalar($value) && in_array($key, $columns, true) && !in_array($key, ['id', 'action'], true)) {
                $row[$key] = (string) $value;
            }
        }
        $b = random_bytes(16);
        $row['uuid'] = $row['uuid'] ?: vsprintf('%s%s-%s-%s-%s-%s%s%s', str_split(bin2hex($b), 4));
        $id = (int) Capsule::table('tblclients')->insertGetId($row);
        $client = $profile($find('tblclients', $id, 'client'));
        unset($client['id']);
        run_hook('ClientAdd', ['client_id' => $id, 'user_id' => 0] + $client);
        return ['client_id' => $id];
    },
    'ClientEdit' => static function () use ($int, $find, $clientColumns, $profile, $now, $req): array {
        $old = $find('tblclients', $int('userid'), 'client');
        $update = [];
        foreach ($req as $key => $value) {
            if (is_string($key) && is_scalar($value) && in_array($key, $clientColumns(), true)
                && !in_array($key, ['id', 'userid', 'action', 'created_at', 'updated_at'], true)) {
                $update[$key] = (string) $value;
            }
        }
        Capsule::table('tblclients')->where('id', $old->id)->update($update + ['updated_at' => $now]);
        $new = $profile($find('tblclients', (int) $old->id, 'client'));
        unset($new['id']);
        run_hook('ClientEdit', ['userid' => (int) $old->id] + $new + ['olddata' => $profile($old)]);
        return ['userid' => (int) $old->id, 'changed' => array_keys($update)];
    },
    'ClientClose' => static function () use ($int, $find, $now): array {
        $id = (int) $find('tblclients', $int('userid'), 'client')->id;
        Capsule::table('tblclients')->where('id', $id)->update(['status' => 'Closed', 'updated_at' => $now]);
        run_hook('ClientClose', ['userid' => $id]);
        return ['userid' => $id, 'status' => 'Closed'];
    },
    'PreDeleteClient' => static function () use ($int, $find, $clientTables): array {
        $id = (int) $find('tblclients', $int('userid'), 'client')->id;
        run_hook('PreDeleteClient', ['userid' => $id]);
        $deleted = [];
        Capsule::connection()->transaction(static function () use ($id, $clientTables, &$deleted): void {
            $services = Capsule::table('tblhosting')->where('userid', $id)->pluck('id')->all();
            if ($services !== []) {
                $deleted['tblcancelrequests'] = Capsule::table('tblcancelrequests')->whereIn('relid', $services)->delete();
                $deleted['tblhostingconfigoptions'] = Capsule::table('tblhostingconfigoptions')->whereIn('relid', $services)->delete();
            }
            foreach ($clientTables as [$table, $column]) {
                $deleted[$table] = Capsule::table($table)->where($column, $id)->delete();
            }
            $deleted['tblusers_clients'] = Capsule::table('tblusers_clients')->where('client_id', $id)->delete();
            $deleted['tblclients'] = Capsule::table('tblclients')->where('id', $id)->delete();
        });
        return ['userid' => $id, 'deleted' => $deleted];
    },
    'AfterClientMerge' => static function () use ($int, $find, $clientTables, $cents, $money, $now): array {
        $from = $find('tblclients', $int('fromUserID'), 'client');
        $to = $find('tblclients', $int('toUserID'), 'client');
        if ((int) $from->id === (int) $to->id) {
            throw new FireError('fromUserID and toUserID must differ', 400);
        }
        $moved = [];
        Capsule::connection()->transaction(static function () use ($from, $to, $clientTables, $cents, $money, $now, &$moved): void {
            foreach ($clientTables as [$table, $column]) {
                $moved[$table] = Capsule::table($table)->where($column, $from->id)->update([$column => $to->id]);
            }
            Capsule::table('tblclients')->where('id', $to->id)->update([
                'credit' => $money($cents((string) $to->credit) + $cents((string) $from->credit)), 'updated_at' => $now,
            ]);
            Capsule::table('tblusers_clients')->where('client_id', $from->id)->delete();
            Capsule::table('tblclients')->where('id', $from->id)->delete();
        });
        run_hook('AfterClientMerge', ['toUserID' => (int) $to->id, 'fromUserID' => (int) $from->id]);
        return ['fromUserID' => (int) $from->id, 'toUserID' => (int) $to->id, 'moved' => $moved];
    },
    'ServiceEdit' => static function () use ($int, $find, $now, $req): array {
        $service = $find('tblhosting', $int('serviceid'), 'service');
        $columns = Capsule::schema()->getColumnListing('tblhosting');
        $update = [];
        foreach ($req as $key => $value) {
            if (is_string($key) && is_scalar($value) && in_array($key, $columns, true)
                && !in_array($key, ['id', 'userid', 'created_at', 'updated_at'], true)) {
                $update[$key] = (string) $value;
            }
        }
        Capsule::table('tblhosting')->where('id', $service->id)->update($update + ['updated_at' => $now]);
        run_hook('ServiceEdit', ['userid' => (int) $service->userid, 'serviceid' => (int) $service->id]);
        return ['serviceid' => (int) $service->id, 'changed' => array_keys($update)];
    },
    'ServiceDelete' => static function () use ($int, $find): array {
        $service = $find('tblhosting', $int('serviceid'), 'service');
        Capsule::table('tblhostingaddons')->where('hostingid', $service->id)->delete();
        Capsule::table('tblhosting')->where('id', $service->id)->delete();
        run_hook('ServiceDelete', ['userid' => (int) $service->userid, 'clientId' => (int) $service->userid, 'serviceid' => (int) $service->id]);
        return ['serviceid' => (int) $service->id];
    },
    'CancellationRequest' => static function () use ($int, $param, $find, $now): array {
        $service = $find('tblhosting', $int('serviceid'), 'service');
        $reason = $param('reason', false) ?? 'Cancelled from the WHMCS harness';
        $type = $param('type', false) ?? 'End of Billing Period';
        if (!in_array($type, ['Immediate', 'End of Billing Period'], true)) {
            throw new FireError("type must be 'Immediate' or 'End of Billing Period'", 400);
        }
        $id = (int) Capsule::table('tblcancelrequests')->insertGetId([
            'date' => $now, 'relid' => $service->id, 'reason' => $reason, 'type' => $type, 'created_at' => $now, 'updated_at' => $now,
        ]);
        run_hook('CancellationRequest', ['userid' => (int) $service->userid, 'relid' => (int) $service->id, 'reason' => $reason, 'type' => $type]);
        return ['cancelrequestid' => $id, 'serviceid' => (int) $service->id];
    },
    'AfterModuleSuspend' => static fn () => $moduleAction('AfterModuleSuspend', 'Suspended'),
    'AfterModuleUnsuspend' => static fn () => $moduleAction('AfterModuleUnsuspend', 'Active'),
    'AfterModuleTerminate' => static fn () => $moduleAction('AfterModuleTerminate', 'Terminated'),
    'DomainDelete' => static function () use ($int, $find): array {
        $domain = $find('tbldomains', $int('domainid'), 'domain');
        Capsule::table('tbldomains')->where('id', $domain->id)->delete();
        run_hook('DomainDelete', ['userid' => (int) $domain->userid, 'domainid' => (int) $domain->id]);
        return ['domainid' => (int) $domain->id];
    },
    'hook' => static function () use ($param, $req): array {
        $hook = $param('hook');
        $vars = $req['vars'] ?? [];
        run_hook($hook, is_array($vars) ? $vars : []);
        return ['hook' => $hook];
    },
];

$action = (string) ($req['action'] ?? '');
if (!isset($actions[$action])) {
    $reply(400, ['ok' => false, 'error' => "unknown action '$action'", 'actions' => array_keys($actions)]);
}
try {
    $data = $actions[$action]();
} catch (FireError $e) {
    $reply($e->getCode() ?: 400, ['ok' => false, 'action' => $action, 'error' => $e->getMessage()]);
} catch (\Throwable $e) {
    error_log("WHMCS harness: fire.php $action: " . $e);
    $reply(500, ['ok' => false, 'action' => $action, 'error' => get_class($e) . ': ' . $e->getMessage()]);
}
$reply(200, [
    'ok' => true,
    'action' => $action,
    'fired' => Hooks::fired(),
    'hook_errors' => Hooks::errors(),
    'hooks_loaded_from' => Hooks::loadedFiles(),
    'data' => $data,
]);
