<?php
// The admin page's AJAX answers (addonmodules.php?module=chartmogul&ajax=1&action=…, POST only):
// one short sync batch, where a sync stands, the connection test, and the CSV export.
//
// Every action: POST, WHMCS's CSRF token, the admin's permission, then the engine. Answers are
// JSON; errors are {"error": message, "kind": …} with an HTTP status, and never carry a secret.

namespace WHMCS\Module\Addon\ChartMogul\Admin;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

use WHMCS\Module\Addon\ChartMogul\EngineError;
use WHMCS\Module\Addon\ChartMogul\EngineFactory;
use WHMCS\Module\Addon\ChartMogul\Format;
use WHMCS\Module\Addon\ChartMogul\Permissions;
use WHMCS\Module\Addon\ChartMogul\Plugins;

final class AjaxEndpoint
{
    /** Each action and the permission it needs. */
    private const ACTIONS = [
        'batch' => Permissions::SYNC,
        'progress' => Permissions::VIEW,
        'test_connection' => Permissions::SYNC,
        'logs_csv' => Permissions::VIEW,
    ];

    /** The syncs an admin may start from the page (cron runs "daily"). */
    private const BATCH_KINDS = ['products', 'clients', 'incremental'];
    private const PROGRESS_KINDS = ['products', 'clients', 'incremental', 'daily'];

    /** One batch: at most this many clients and this much time, so no web request runs long. */
    private const BATCH_CLIENTS = 100;
    private const BATCH_MILLIS = 1500;

    private Context $ctx;

    public function __construct(Context $ctx)
    {
        $this->ctx = $ctx;
    }

    /** Answers the request and ends it. */
    public function handle(): void
    {
        $lang = $this->ctx->lang;
        $action = $_GET['action'] ?? ($_POST['action'] ?? '');
        $action = is_string($action) ? $action : '';
        if (!isset(self::ACTIONS[$action])) {
            $this->fail(400, 'bad_request', $lang->get('error_unknown_action'));
        }
        if (!Context::isPost()) {
            $this->fail(405, 'bad_request', $lang->get('error_get_refused'));
        }
        if (!Context::checkToken()) {
            $this->fail(403, 'forbidden', $lang->get('error_token'));
        }
        if (!$this->ctx->can(self::ACTIONS[$action])) {
            $this->fail(403, 'forbidden', $lang->get($action === 'batch' || $action === 'test_connection' ? 'perm_no_sync' : 'perm_no_view'));
        }
        if (!EngineFactory::extensionLoaded()) {
            $this->fail(503, EngineError::CONFIGURATION, $lang->get('ext_missing_title'));
        }
        // Nothing below writes the session: release PHP's session lock, or every other request
        // of this admin (a reload of the page, the progress poll) waits until a batch of up to
        // BATCH_MILLIS ends, and a page reloaded mid-sync shows a position already outdated.
        if (session_status() === PHP_SESSION_ACTIVE) {
            session_write_close();
        }
        try {
            switch ($action) {
                case 'batch':
                    $this->batch();
                    break;
                case 'progress':
                    $this->progress();
                    break;
                case 'test_connection':
                    $this->testConnection();
                    break;
                case 'logs_csv':
                    $this->logsCsv();
                    break;
            }
        } catch (\Throwable $e) {
            $error = $this->ctx->explain($e);
            $this->fail($error->httpStatus, $error->kind, $error->message);
        }
    }

    private function kind(array $allowed): string
    {
        $kind = $_POST['kind'] ?? ($_GET['kind'] ?? '');
        if (!is_string($kind) || !in_array($kind, $allowed, true)) {
            $this->fail(400, 'bad_request', $this->ctx->lang->get('error_unknown_kind'));
        }
        return $kind;
    }

    /** Runs the next bounded batch; the page calls again until `finished`. */
    private function batch(): void
    {
        $kind = $this->kind(self::BATCH_KINDS);
        if (!$this->ctx->credentials->isConfigured()) {
            $this->fail(422, EngineError::CONFIGURATION, $this->ctx->lang->get('sync_needs_key'));
        }
        $engine = $this->ctx->engine();
        if ($this->ctx->connectionProblem() !== null) {
            $this->fail(422, EngineError::CONFIGURATION, $this->ctx->connectionProblem());
        }
        // "Continue" on a page drawn before the sync finished elsewhere (another window, cron):
        // say it is done instead of starting a new pass the admin did not ask for.
        if (($_POST['resume'] ?? '') === '1' && $kind === 'clients') {
            $p = $engine->progress($kind);
            if ((bool) ($p['finished'] ?? false) && !(bool) ($p['running'] ?? false)) {
                $done = (int) ($p['done'] ?? 0);
                $total = (int) ($p['total'] ?? 0);
                $this->respond(200, [
                    'ok' => true,
                    'kind' => $kind,
                    'run_id' => 0,
                    'finished' => true,
                    'already_finished' => true,
                    'done' => $done,
                    'total' => $total,
                    'percent' => Format::percent($done, $total, true),
                    'counts' => new \stdClass(),
                    'rejected' => [],
                    'requests' => 0,
                    'duration_ms' => 0,
                ]);
            }
        }
        try {
            $r = $this->ctx->batchEngine()->runBatch($kind, self::BATCH_CLIENTS, self::BATCH_MILLIS);
        } catch (\ChartMogulSync\ConfigurationError $e) {
            if (!Plugins::isPluginError($e)) {
                throw $e;
            }
            // A plugin that cannot load (e.g. built for another interface version): name it and
            // say where to switch it off.
            $this->fail(422, EngineError::CONFIGURATION, $this->ctx->lang->get('plugin_error_batch',
                $this->redact(trim($e->getMessage()))));
        }
        Plugins::recordStats($kind, $r);
        $rejected = [];
        foreach ($r['rejected'] ?? [] as $item) {
            $rejected[] = [
                'record' => $this->redact((string) ($item['record'] ?? '')),
                'kind' => (string) ($item['kind'] ?? ''),
                'reason' => $this->redact((string) ($item['reason'] ?? '')),
            ];
        }
        $done = (int) ($r['done'] ?? 0);
        $total = (int) ($r['total'] ?? 0);
        $finished = (bool) ($r['finished'] ?? false);
        $this->respond(200, [
            'ok' => true,
            'kind' => $kind,
            'run_id' => (int) ($r['run_id'] ?? 0),
            'finished' => $finished,
            'done' => $done,
            'total' => $total,
            'percent' => Format::percent($done, $total, $finished),
            // An object keyed by kind: an empty PHP array would be sent as [] instead of {}.
            'counts' => is_array($r['counts'] ?? null) && $r['counts'] !== [] ? $r['counts'] : new \stdClass(),
            'rejected' => $rejected,
            'requests' => (int) ($r['requests'] ?? 0),
            'duration_ms' => (int) ($r['duration_ms'] ?? 0),
        ]);
    }

    private function progress(): void
    {
        $kind = $this->kind(self::PROGRESS_KINDS);
        $p = $this->ctx->engine()->progress($kind);
        $done = (int) ($p['done'] ?? 0);
        $total = (int) ($p['total'] ?? 0);
        $finished = (bool) ($p['finished'] ?? false);
        $this->respond(200, [
            'ok' => true,
            'kind' => $kind,
            'running' => (bool) ($p['running'] ?? false),
            'finished' => $finished,
            'done' => $done,
            'total' => $total,
            'percent' => Format::percent($done, $total, $finished),
        ]);
    }

    private function testConnection(): void
    {
        if (!$this->ctx->credentials->isConfigured()) {
            $this->fail(422, EngineError::CONFIGURATION, $this->ctx->lang->get('sync_needs_key'));
        }
        $engine = $this->ctx->engine();
        if ($this->ctx->connectionProblem() !== null) {
            $this->fail(422, EngineError::CONFIGURATION, $this->ctx->connectionProblem());
        }
        $r = $engine->testConnection();
        $this->respond(200, [
            'ok' => (bool) ($r['ok'] ?? false),
            'problem' => isset($r['problem']) ? (string) $r['problem'] : null,
            'message' => $this->redact((string) ($r['message'] ?? '')),
            'data_source_uuid' => isset($r['data_source_uuid']) ? (string) $r['data_source_uuid'] : null,
        ]);
    }

    /** The filtered log as a CSV download (the filter fields come with the POST). */
    private function logsCsv(): never
    {
        $filter = [];
        foreach (['level', 'kind', 'record', 'search'] as $key) {
            $value = $_POST[$key] ?? '';
            if (is_string($value) && trim($value) !== '') {
                $filter[$key] = trim($value);
            }
        }
        $csv = $this->redact($this->ctx->engine()->logsCsv($filter));
        self::clearBuffers();
        header('Content-Type: text/csv; charset=utf-8');
        header('Content-Disposition: attachment; filename="chartmogul-log-' . gmdate('Ymd-His') . '.csv"');
        header('Content-Length: ' . strlen($csv));
        header('Cache-Control: no-store');
        header('X-Content-Type-Options: nosniff');
        echo $csv;
        exit;
    }

    private function redact(string $text): string
    {
        return $this->ctx->credentials->redact($text);
    }

    private function fail(int $status, string $kind, string $message): never
    {
        $this->respond($status, ['error' => $this->redact($message), 'kind' => $kind]);
    }

    /** Sends JSON instead of the admin page around it (whmcs.md §1.3: WHMCS buffers _output). */
    private function respond(int $status, array $body): never
    {
        self::clearBuffers();
        http_response_code($status);
        header('Content-Type: application/json; charset=utf-8');
        header('Cache-Control: no-store');
        header('X-Content-Type-Options: nosniff');
        echo json_encode($body, JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE);
        exit;
    }

    private static function clearBuffers(): void
    {
        while (ob_get_level() > 0) {
            ob_end_clean();
        }
    }
}
