<?php
// The WHMCS hooks that only queue work: which record each one is about and, when the hook says,
// its client — with the $vars names of whmcs.md §7. Nothing here calls ChartMogul.

namespace WHMCS\Module\Addon\ChartMogul;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

final class HookEvents
{
    public const HOOKS = [
        'InvoicePaid', 'InvoiceRefunded', 'InvoiceCancelled', 'AddTransaction', 'ClientAdd', 'ClientEdit',
        'PreDeleteClient', 'AfterClientMerge', 'CancellationRequest', 'AfterModuleTerminate', 'ServiceDelete',
        'DomainDelete',
    ];

    /**
     * The record id and client id a hook's $vars name; record 0 when the hook did not say.
     * @return array{0: int, 1: ?int}
     */
    public static function ids(string $hook, array $vars): array
    {
        switch ($hook) {
            case 'InvoicePaid':
                return [self::int($vars, 'invoiceid'), self::invoiceClient($vars)];
            case 'InvoiceRefunded':
            case 'InvoiceCancelled':
                return [self::int($vars, 'invoiceid'), null];
            case 'AddTransaction':
                return [self::int($vars, 'id'), self::client($vars, 'userid')];
            case 'ClientAdd':
                // 8.0+ gives client_id; userid is the deprecated name.
                $client = self::client($vars, 'client_id') ?? self::client($vars, 'userid');
                return [(int) $client, $client];
            case 'ClientEdit':
            case 'PreDeleteClient':
                $client = self::client($vars, 'userid');
                return [(int) $client, $client];
            case 'AfterClientMerge':
                // The client merged away is the record; the one it went into is the related id.
                return [self::int($vars, 'fromUserID', 'fromuserid'), self::client($vars, 'toUserID', 'touserid')];
            case 'CancellationRequest':
                return [self::int($vars, 'relid'), self::client($vars, 'userid')];
            case 'AfterModuleTerminate':
                $params = is_array($vars['params'] ?? null) ? $vars['params'] : [];
                return [self::int($params, 'serviceid'), self::client($params, 'userid')];
            case 'ServiceDelete':
                return [self::int($vars, 'serviceid'), self::client($vars, 'userid', 'clientId')];
            case 'DomainDelete':
                return [self::int($vars, 'domainid'), self::client($vars, 'userid')];
        }
        return [0, null];
    }

    /** Queues the hook's record for the next incremental run. */
    public static function enqueue(string $hook, array $vars): void
    {
        [$record, $client] = self::ids($hook, $vars);
        if ($record <= 0) {
            return; // nothing to point at; the next incremental and daily passes still see it
        }
        $engine = HookRuntime::engine('hook', false);
        if ($engine !== null) {
            $engine->enqueue($hook, $record, $client);
        }
    }

    private static function int(array $vars, string ...$names): int
    {
        foreach ($names as $name) {
            if (isset($vars[$name]) && is_numeric($vars[$name])) {
                return (int) $vars[$name];
            }
        }
        return 0;
    }

    private static function client(array $vars, string ...$names): ?int
    {
        $id = self::int($vars, ...$names);
        return $id > 0 ? $id : null;
    }

    /** InvoicePaid's `invoice` object (recent 8.x) carries the client; older versions lack it. */
    private static function invoiceClient(array $vars): ?int
    {
        $invoice = $vars['invoice'] ?? null;
        if (is_object($invoice)) {
            try {
                $id = (int) ($invoice->userid ?? 0);
                return $id > 0 ? $id : null;
            } catch (\Throwable $e) {
                return null;
            }
        }
        return null;
    }
}
