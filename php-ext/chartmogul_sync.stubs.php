<?php
// Stubs for the chartmogul_sync PHP extension (IDE completion and static analysis only; never
// include this file at runtime). `tests/php/stub_signatures.php` (run by tests/run-all.sh)
// fails when a class, method, parameter, default or type here differs from the built module.
//
// All money is in integer cents. All times are ISO-8601 UTC strings ("2026-11-21T10:00:00Z").

namespace ChartMogulSync {

    /** Base class of every error the engine throws. */
    class Exception extends \Exception
    {
        /** Engine exceptions are thrown by the engine, not constructed in PHP. */
        public function __construct() {}
    }

    /** A setting or the addon configuration is wrong; the message names the setting. */
    class ConfigurationError extends Exception
    {
        /** Engine exceptions are thrown by the engine, not constructed in PHP. */
        public function __construct() {}
    }

    /** ChartMogul refused the credentials (401) or the key lacks a permission (403). */
    class AuthenticationError extends Exception
    {
        /** Engine exceptions are thrown by the engine, not constructed in PHP. */
        public function __construct() {}
    }

    /** ChartMogul could not be reached (connection refused, DNS, TLS, timeout, retries spent). */
    class ConnectionError extends Exception
    {
        /** Engine exceptions are thrown by the engine, not constructed in PHP. */
        public function __construct() {}
    }

    /** Another sync holds the engine's lock; nothing was done. */
    class LockedError extends Exception
    {
        /** Engine exceptions are thrown by the engine, not constructed in PHP. */
        public function __construct() {}
    }

    /** The WHMCS database failed (an SQL error through PDO). */
    class DatabaseError extends Exception
    {
        /** Engine exceptions are thrown by the engine, not constructed in PHP. */
        public function __construct() {}
    }

    /** The engine version this extension was built from, e.g. "0.1.0". */
    function version(): string {}

    /** The ChartMogul cycle slug of a WHMCS `billingcycle` text, or null when not recurring. */
    function cycle_slug(string $billingcycle): ?string {}

    /**
     * The sync engine, bound to WHMCS's database connection for one PHP request.
     *
     * Every SQL statement the engine runs goes through the given PDO handle; every HTTP request
     * goes to ChartMogul from Rust. Create one per request; it keeps nothing between requests.
     */
    class Engine
    {
        /**
         * @param \PDO  $pdo     WHMCS's connection: `Capsule::connection()->getPdo()` (MySQL/MariaDB or SQLite).
         * @param array $options Keys (all optional but a credential for anything that calls ChartMogul):
         *   - `api_key` (string) — or the legacy pair `account_token` + `secret_key`;
         *   - `data_source` (string, default "WHMCS") — the ChartMogul data source name;
         *   - `base_url` (string, default "https://api.chartmogul.com/v1");
         *   - `trigger` (string, default "addon") — who starts runs: "admin:NAME", "cron", "daily-cron".
         * @throws ConfigurationError on an unknown option or a value of the wrong type.
         */
        public function __construct(mixed $pdo, array $options) {}

        /** Creates or upgrades the `mod_chartmogul_*` tables; returns the schema version. Idempotent. */
        public function migrate(): int {}

        /** Drops every `mod_chartmogul_*` table (deactivation with "remove data"). */
        public function uninstall(): void {}

        /**
         * Runs the next bounded batch of a sync behind the engine's lock and returns its progress.
         *
         * @param string $kind "products" (plans only), "clients" (the backfill: customers, invoices,
         *   transactions, cancellations; resumes where the last batch stopped), "incremental"
         *   (queued hook events and changes since the watermarks) or "daily" (the full pass that
         *   also removes what vanished from WHMCS).
         * @param int $max_clients at most this many clients in this batch (0 = no limit).
         * @param int $max_millis  stop starting new pages after this many milliseconds (0 = no limit).
         * @return array{kind: string, run_id: int, finished: bool, done: int, total: int,
         *   counts: array<string, array{created: int, updated: int, deleted: int, cancelled: int}>,
         *   rejected: list<array{record: string, kind: string, reason: string}>,
         *   requests: int, duration_ms: int}
         *   `done`/`total` count clients (plans for "products"); `finished` is true when the kind has
         *   nothing left to do, so a caller loops until it is.
         * @throws LockedError when another sync is running; AuthenticationError, ConnectionError,
         *   DatabaseError, ConfigurationError when the batch stopped (nothing is lost).
         */
        public function runBatch(string $kind, int $max_clients = 200, int $max_millis = 5000): array {}

        /**
         * Where a sync of `$kind` stands without running anything (for progress bars after a reload).
         * @return array{kind: string, running: bool, finished: bool, done: int, total: int}
         */
        public function progress(string $kind): array {}

        /**
         * The state of the connector for the Dashboard and Cron tabs.
         * @return array{
         *   schema_version: int,
         *   running: bool, lock_holder: ?string,
         *   last_run: ?array, last_success: ?array,
         *   runs: list<array{id: int, trigger: string, mode: string, status: string, started_at: string,
         *     finished_at: ?string, duration_ms: ?int, counts: array, error: ?string}>,
         *   sent: array<string, int>, errors: int, warnings: int, queue: int,
         *   backfill: array{done: int, total: int, finished: bool}}
         *   `runs` are the last 20 runs, newest first; `sent` counts ledger objects per kind;
         *   `errors` counts error-level log entries of the last 7 days.
         */
        public function status(): array {}

        /**
         * Log entries, newest first.
         * @param array $filter keys `level` ("error"|"warning"|"info"), `kind`, `record` (e.g.
         *   "tblinvoices#1001" or "1001"), `search` (substring of the message), all optional.
         * @return array{total: int, page: int, per_page: int,
         *   entries: list<array{id: int, time: string, level: string, kind: string, record: ?string,
         *   message: string, chartmogul_message: ?string, run_id: ?int}>}
         *   `message` already ends with ChartMogul's own message when there is one.
         */
        public function logs(?array $filter = null, int $page = 1, int $per_page = 50): array {}

        /** The distinct kinds of log entries (for the Logs tab's kind filter), sorted. */
        public function logKinds(): array {}

        /** The same entries as `logs($filter)` (all pages) as CSV text with a header row. */
        public function logsCsv(?array $filter = null): string {}

        /**
         * The mapping settings (mapping.md §10 names) plus `log_retention_days`, as stored (or the
         * defaults when nothing is stored). Types: strings, bools, ints, lists.
         */
        public function settings(): array {}

        /**
         * Validates and stores settings (a subset of the keys of `settings()`); returns all settings.
         * @throws ConfigurationError naming the key on an unknown key or a value of the wrong type.
         */
        public function saveSettings(array $values): array {}

        /**
         * Queues work for the next incremental run (what WHMCS hooks call; never calls ChartMogul).
         * @param string $hook the WHMCS hook name ("InvoicePaid", "ClientEdit", "AfterClientMerge", …).
         * @param int $record_id the record the hook is about (invoice id, client id, service id, …).
         * @param int|null $related_id the client id when the hook knows it (required for records being
         *   deleted; for AfterClientMerge the client merged into).
         */
        public function enqueue(string $hook, int $record_id, ?int $related_id = null): void {}

        /**
         * Checks credentials, the data source and permissions, in words an admin can act on.
         * @return array{ok: bool, problem: ?string, message: string, data_source_uuid: ?string}
         *   `problem`: null, "connection", "timeout", "authentication", "permission" or "configuration".
         */
        public function testConnection(): array {}

        /**
         * WHMCS products (and addons) × billing cycles and the ChartMogul plans they map to.
         * @return list<array{external_id: string, name: string, interval_count: int, interval_unit: string,
         *   synced: bool, uuid: ?string}>
         */
        public function plans(): array {}

        /**
         * WHMCS MRR (computed from services) vs ChartMogul MRR, at the end of each of the last
         * `$months` months, in the default currency's cents (other currencies converted with
         * WHMCS's rates). ChartMogul's value is null when it could not be fetched.
         *
         * The chart is stored: without `$refresh` the stored one is returned (cron's incremental
         * and daily batches recompute it once it is an hour old), and it is computed now only when
         * there is none. Computing reads every client, so admin pages should not pass `$refresh`.
         * @return list<array{month: string, currency: ?string, whmcs: int, chartmogul: ?int}>
         */
        public function mrrHistory(int $months = 12, bool $refresh = false): array {}
    }
}
