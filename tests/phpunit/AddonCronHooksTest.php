<?php
// The ChartMogul addon's cron (AfterCronJob, DailyCronJob) and event hooks: hooks only queue,
// cron sends, and two crons at once never send anything twice.
declare(strict_types=1);

namespace WhmcsHarness\Tests;

final class AddonCronHooksTest extends AddonTestCase
{
    private const LOCKED = 'ChartMogul: cron sync: another sync is running; this one will catch up on the next cron run.';

    public function testCronRunsTheIncrementalSyncAndTheCronTabShowsIt(): void
    {
        $admin = $this->install();
        $this->assertPageContains('data-state="never"', $this->tab($admin, 'cron')->body, 'before the first cron run');

        $run = self::cron();
        $this->assertSame(0, $run->exitCode, $run->stdout . $run->stderr);
        $this->assertStringContainsString('DailyCronJob: skipped', $run->stdout);
        $this->assertStringContainsString('AfterCronJob: ran 1 hook(s)', $run->stdout);
        $this->assertSame('', $run->stderr);

        $runs = Harness::pdo()->query('SELECT triggered_by, mode, status, counts FROM mod_chartmogul_runs ORDER BY id')->fetchAll();
        $this->assertCount(1, $runs);
        $this->assertSame(['cron', 'incremental'], [$runs[0]['triggered_by'], $runs[0]['mode']]);
        $this->assertContains($runs[0]['status'], ['succeeded', 'partial']);
        $counts = json_decode($runs[0]['counts'], true);
        $this->assertTrue($counts['finished']);
        $clients = self::scalar('SELECT COUNT(*) FROM tblclients');
        $this->assertSame($clients, $counts['counts']['customers']['created'], 'the first incremental run sends every client');
        $this->assertCount($clients, self::simState()['customers']);
        $this->assertMatchesRegularExpression('/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/', Harness::addonSettings(self::MODULE)['last_cron_at'] ?? '');

        $cron = $this->tab($admin, 'cron');
        $this->assertPageContains('id="cm-cron-state" data-state="running"', $cron->body);
        $this->assertPageMatches('#<tr class="cm-run-row" data-run-id="\d+" data-status="(succeeded|partial)"><td>\d+</td><td>cron</td><td>incremental</td>#', $cron->body);
        $this->assertPageContains('id="cm-next-sync" data-state="due"', $this->tab($admin, 'dashboard')->body);

        // Nothing changed: the next run sends nothing.
        $writes = self::simState()['counters']['writes'];
        $this->assertSame(0, self::cron()->exitCode);
        $this->assertSame($writes, self::simState()['counters']['writes']);
        $this->assertSame(2, self::scalar("SELECT COUNT(*) FROM mod_chartmogul_runs WHERE triggered_by = 'cron'"));

        // The daily cron runs the full pass.
        $daily = (new HarnessClient())->runCron(['--force-daily']);
        $this->assertStringContainsString('DailyCronJob: ran 1 hook(s)', $daily->stdout);
        $this->assertSame(1, self::scalar("SELECT COUNT(*) FROM mod_chartmogul_runs WHERE triggered_by = 'daily-cron' AND mode = 'full'"));
        $this->assertSame($writes, self::simState()['counters']['writes'], 'the full pass found nothing to change');

        // Cron stops: after 15 minutes without a run the Cron tab and the Dashboard say so.
        $pdo = Harness::pdo();
        $pdo->exec("UPDATE mod_chartmogul_runs SET started_at = UTC_TIMESTAMP() - INTERVAL 20 MINUTE, finished_at = UTC_TIMESTAMP() - INTERVAL 20 MINUTE");
        $pdo->prepare("UPDATE tbladdonmodules SET value = ? WHERE module = 'chartmogul' AND setting = 'last_cron_at'")
            ->execute([gmdate('Y-m-d\\TH:i:s\\Z', time() - 1200)]);
        $cron = $this->tab($admin, 'cron');
        $this->assertPageContains('id="cm-cron-state" data-state="stale"', $cron->body);
        $this->assertPageContains('20 min ago', $cron->body, 'engine times are UTC');
        $this->assertPageContains('id="cm-next-sync" data-state="overdue"', $this->tab($admin, 'dashboard')->body);
    }

    public function testTwoCronsAtOnceSendEverythingExactlyOnce(): void
    {
        $admin = $this->install();
        $token = $this->token($admin);
        $before = self::maxActivityId();
        $crons = [self::startCron(), self::startCron()];

        // While the cron holds the lock, an admin's batch is refused without doing anything.
        $locked = false;
        for ($i = 0; $i < 200 && !$locked; $i++) {
            $locked = self::scalar("SELECT COUNT(*) FROM mod_chartmogul_locks WHERE name = 'sync'") > 0;
            usleep(25000);
        }
        $this->assertTrue($locked, 'a cron took the lock');
        $refused = $this->ajax($admin, 'batch', ['kind' => 'clients'], $token);
        $this->assertSame(409, $refused->status, $refused->body);
        $this->assertSame(['error' => self::lang('error_locked'), 'kind' => 'locked'], $refused->json());
        $this->assertTrue($this->ajax($admin, 'progress', ['kind' => 'incremental'], $token)->json()['running']);

        foreach ($crons as [$proc, $pipes]) {
            $out = stream_get_contents($pipes[1]) . stream_get_contents($pipes[2]);
            fclose($pipes[1]);
            fclose($pipes[2]);
            $this->assertSame(0, proc_close($proc), $out);
            $this->assertStringContainsString('AfterCronJob: ran 1 hook(s)', $out);
        }

        $runs = Harness::pdo()->query('SELECT triggered_by, mode, counts FROM mod_chartmogul_runs')->fetchAll();
        $this->assertCount(1, $runs, 'exactly one cron did the work');
        $this->assertSame('cron', $runs[0]['triggered_by']);
        $locks = array_values(array_filter(self::activitySince($before), static fn (string $l): bool => str_contains($l, 'another sync is running')));
        $this->assertSame([self::LOCKED], $locks, 'the other one reported the lock');

        $state = self::simState();
        $this->assertCount(1, $state['data_sources']);
        $invoices = array_column($state['invoices'], 'external_id');
        $this->assertSame(count($invoices), count(array_unique($invoices)), 'no invoice twice');
        $counts = json_decode($runs[0]['counts'], true)['counts'];
        $this->assertSame($counts['invoices']['created'], count($invoices));
        $this->assertSame($counts['customers']['created'], count($state['customers']));
        $this->assertSame(1, $state['counters']['by_route']['POST /data_sources/{uuid}/json_imports'] ?? null, 'one bulk import');
        $this->assertSame([], array_filter($state['counters']['by_status'], static fn ($n, $status): bool => (int) $status >= 400, ARRAY_FILTER_USE_BOTH),
            'ChartMogul refused nothing (no duplicate)');
        $this->assertSame(self::expectedMrr(), self::simMrr(self::seedMeta('today')));
        $this->assertSame(0, self::scalar('SELECT COUNT(*) FROM mod_chartmogul_locks'), 'the lock is released');
    }

    public function testHooksOnlyQueueAndTheNextCronSendsTheChange(): void
    {
        $this->install();
        $web = new HarnessClient();
        $client = $this->newClient($web, 'Hanna', 'Hook');
        $this->assertSame(0, self::cron()->exitCode);
        $this->assertSame('Hanna Hook', self::simCustomer("whmcs-client-$client")['name'] ?? null, 'sent by the first cron run');
        Harness::pdo()->exec('DELETE FROM mod_chartmogul_queue');
        $requests = self::simState()['counters']['requests'];

        $merged = $this->newClient($web, 'Max', 'Merged');
        $deleted = $this->newClient($web, 'Dora', 'Deleted');
        $invoice = self::newInvoice($client, '12.00');
        $cancelled = self::newInvoice($client, '5.00');
        $fired = [
            ['ClientEdit', ['userid' => $client, 'firstname' => 'Helena']],
            ['InvoicePaid', ['invoiceid' => $invoice]],
            ['AddTransaction', ['userid' => $client, 'invoiceid' => $invoice, 'amountin' => '12.00', 'transid' => 'T-HOOK-1']],
            ['InvoiceRefunded', ['invoiceid' => $invoice]],
            ['InvoiceCancelled', ['invoiceid' => $cancelled]],
            ['AfterClientMerge', ['fromUserID' => $merged, 'toUserID' => $client]],
            ['PreDeleteClient', ['userid' => $deleted]],
            ['hook', ['hook' => 'CancellationRequest', 'vars' => ['userid' => $client, 'relid' => 91001, 'reason' => 'x', 'type' => 'Immediate']]],
            ['hook', ['hook' => 'AfterModuleTerminate', 'vars' => ['params' => ['serviceid' => 91002, 'userid' => $client]]]],
            ['hook', ['hook' => 'ServiceDelete', 'vars' => ['userid' => $client, 'serviceid' => 91003]]],
            ['hook', ['hook' => 'DomainDelete', 'vars' => ['userid' => $client, 'domainid' => 91004]]],
            // Not queued: the incremental and daily passes see these.
            ['InvoiceUnpaid', ['invoiceid' => $cancelled]],
            ['ClientClose', ['userid' => $client]],
        ];
        $transactions = [];
        foreach ($fired as [$action, $params]) {
            $answer = $web->fire($action, $params);
            $this->assertTrue($answer['ok'], "$action: " . json_encode($answer));
            $this->assertSame([], $answer['hook_errors'], $action);
            if (isset($answer['data']['transactionid'])) {
                $transactions[] = (int) $answer['data']['transactionid'];
            }
        }
        $this->assertCount(2, $transactions, 'the payment and the refund');
        [$payment, $refund] = $transactions;

        $queue = Harness::pdo()->query("SELECT kind, record_id, related_id FROM mod_chartmogul_queue WHERE status = 'pending' ORDER BY id")->fetchAll();
        $queue = array_map(static fn (array $r): array => [$r['kind'], (int) $r['record_id'], $r['related_id'] === null ? null : (int) $r['related_id']], $queue);
        $this->assertSame([
            ['ClientAdd', $merged, $merged],
            ['ClientAdd', $deleted, $deleted],
            ['ClientEdit', $client, $client],
            ['InvoicePaid', $invoice, $client],
            ['AddTransaction', $payment, $client],
            ['AddTransaction', $refund, $client],
            ['InvoiceRefunded', $invoice, null],
            ['InvoiceCancelled', $cancelled, null],
            ['AfterClientMerge', $merged, $client],
            ['PreDeleteClient', $deleted, $deleted],
            ['CancellationRequest', 91001, $client],
            ['AfterModuleTerminate', 91002, $client],
            ['ServiceDelete', 91003, $client],
            ['DomainDelete', 91004, $client],
        ], $queue);
        $this->assertSame($requests, self::simState()['counters']['requests'], 'no hook called ChartMogul');
        $this->assertSame('Hanna Hook', self::simCustomer("whmcs-client-$client")['name']);
        $this->assertPageContains('id="cm-queue">14<', $this->tab($this->login(), 'dashboard')->body, 'the Dashboard counts what waits');

        // The same event twice is queued once.
        $web->fire('ClientEdit', ['userid' => $client, 'lastname' => 'Hooked']);
        $this->assertSame(1, self::scalar("SELECT COUNT(*) FROM mod_chartmogul_queue WHERE kind = 'ClientEdit' AND status = 'pending'"));

        $run = self::cron();
        $this->assertSame(0, $run->exitCode, $run->stdout);
        $this->assertSame('Helena Hooked', self::simCustomer("whmcs-client-$client")['name'] ?? null, 'the rename reached ChartMogul');
        $this->assertSame(0, self::scalar("SELECT COUNT(*) FROM mod_chartmogul_queue WHERE status = 'pending'"), 'the queue was worked off');
        $this->assertGreaterThan($requests, self::simState()['counters']['requests']);
    }

    public function testAHookNeverBreaksWhmcsAndSkipsQuietlyWithoutAKey(): void
    {
        $this->install([1, 2, 3], false);
        $web = new HarnessClient();
        $before = self::maxActivityId();
        $client = $this->newClient($web, 'Kim', 'Keyless');
        for ($i = 0; $i < 3; $i++) {
            $answer = $web->fire('ClientEdit', ['userid' => $client, 'firstname' => "Kim$i"]);
            $this->assertSame([], $answer['hook_errors']);
        }
        $run = self::cron();
        $this->assertSame(0, $run->exitCode, $run->stdout);
        $this->assertSame(0, self::scalar('SELECT COUNT(*) FROM mod_chartmogul_queue'), 'nothing to send to yet');
        $this->assertSame(0, self::scalar('SELECT COUNT(*) FROM mod_chartmogul_runs'));
        $skipped = array_values(array_filter(self::activitySince($before), static fn (string $l): bool => str_contains($l, 'no ChartMogul API key')));
        $this->assertSame(['ChartMogul: sync skipped: no ChartMogul API key is configured yet (Addons > ChartMogul > Settings).'], $skipped,
            'one line a day, not one per hook or cron run');
        $this->assertSame(0, self::simState()['counters']['requests']);

        // With a key but a broken database table: WHMCS's action still succeeds.
        $this->configure($this->login(), ['api_key' => self::API_KEY], [1, 2, 3]);
        Harness::pdo()->exec('DROP TABLE mod_chartmogul_queue');
        $before = self::maxActivityId();
        $answer = $web->fire('ClientEdit', ['userid' => $client, 'firstname' => 'Kimberly']);
        $this->assertTrue($answer['ok']);
        $this->assertSame([], $answer['hook_errors'], 'the hook swallowed the failure');
        $this->assertSame('Kimberly', Harness::pdo()->query("SELECT firstname FROM tblclients WHERE id = $client")->fetchColumn());
        $failed = self::activitySince($before);
        $this->assertCount(1, $failed);
        $this->assertStringStartsWith('ChartMogul: queueing ClientEdit failed: ', $failed[0]);
        $this->assertStringNotContainsString(self::API_KEY, $failed[0]);
    }

    /** crons/cron.php with the daily job already done today: only AfterCronJob runs. */
    private static function cron(): HarnessProcess
    {
        Harness::setConfigValue('lastDailyCronInvocationTime', date('Y-m-d H:i:s'));
        return (new HarnessClient())->runCron();
    }

    /** Starts crons/cron.php in the background (daily job done today); [process, pipes]. */
    private static function startCron(): array
    {
        Harness::setConfigValue('lastDailyCronInvocationTime', date('Y-m-d H:i:s'));
        $cmd = [PHP_BINARY, '-d', 'extension=' . HarnessClient::env('HARNESS_EXT'), '-d', 'display_errors=stderr', '-d', 'log_errors=1',
            '-d', 'error_log=' . HarnessClient::env('HARNESS_PHP_ERRORS'), HarnessClient::env('HARNESS_ROOT') . '/crons/cron.php'];
        $proc = proc_open($cmd, [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
        self::assertIsResource($proc);
        return [$proc, $pipes];
    }
}
