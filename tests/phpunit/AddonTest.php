<?php
// The ChartMogul addon in the WHMCS harness: activation and configuration, the key kept secret,
// every tab, the AJAX endpoint driving real syncs into the simulator, the settings forms, and
// client data escaped on every page. Permissions and CSRF: AddonPermissionsTest; cron and
// hooks: AddonCronHooksTest.
declare(strict_types=1);

namespace WhmcsHarness\Tests;

final class AddonTest extends AddonTestCase
{
    /** DOM ids each tab must render (besides the tab bar), from the addon's views. */
    private const TAB_IDS = [
        'dashboard' => ['cm-connection-panel', 'cm-credentials-state', 'cm-test-connection', 'cm-sync-panel', 'cm-next-sync',
            'cm-queue', 'cm-attention-panel', 'cm-error-count', 'cm-sent-table', 'cm-mrr-panel', 'cm-sync-incremental'],
        'products' => ['cm-products-sync-panel', 'cm-sync-products', 'cm-sync-products-start', 'cm-plans-panel', 'cm-plans-table'],
        'clients' => ['cm-clients-panel', 'cm-sync-clients', 'cm-sync-clients-bar', 'cm-sync-clients-start', 'cm-sync-clients-rejected'],
        'trial' => ['cm-trial-panel', 'cm-trial-form', 'cm-setting-detect_free_first_period', 'cm-setting-trial_products',
            'cm-setting-trial_addons', 'cm-setting-trial_promotions', 'cm-trial-save'],
        'cron' => ['cm-cron-panel', 'cm-cron-state', 'cm-cron-command', 'cm-runs-panel', 'cm-runs-table'],
        'logs' => ['cm-logs-panel', 'cm-log-filter', 'cm-log-summary', 'cm-log-table', 'cm-log-export', 'cm-log-retention',
            'cm-log-retention-days'],
        'settings' => ['cm-mapping-panel', 'cm-settings-form', 'cm-setting-timezone', 'cm-connection-form', 'cm-api-key',
            'cm-api-base-url', 'cm-deactivate-form', 'cm-permissions-form', 'cm-permissions-table', 'cm-permissions-save'],
    ];

    private const XSS = '<script>alert(1)</script>';

    // --- activation, configuration, the key ---------------------------------------------------------

    public function testActivationCreatesTheTablesAndTheKeyIsStoredEncryptedAndNeverShown(): void
    {
        $admin = $this->login();
        $this->assertSame([], self::addonTables());

        $flashes = $this->activate($admin);
        $this->assertCount(1, $flashes);
        $this->assertStringStartsWith('ChartMogul activated. ChartMogul sync is installed (tables at version ', $flashes[0]);
        $tables = self::addonTables();
        foreach (['queue', 'runs', 'log', 'ledger', 'locks', 'settings', 'migrations'] as $table) {
            $this->assertContains("mod_chartmogul_$table", $tables);
        }
        $this->assertContains(self::MODULE, Harness::configList('ActiveAddonModules'));
        $this->assertContains(self::MODULE, Harness::configList('AddonModulesHooks'), 'hooks.php found');
        $this->assertSame(403, $admin->get(self::PAGE)->status, 'no role in Access Control yet');

        $saved = $this->configure($admin, ['api_key' => self::API_KEY, 'data_source' => 'WHMCS'], [3, 1, 2]);
        $this->assertContains('Changes saved for ChartMogul.', self::flashes($saved));
        $this->assertPageLacks(self::API_KEY, $saved->body);
        $settings = Harness::addonSettings(self::MODULE);
        $this->assertSame('1,2,3', $settings['access']);
        $this->assertNotSame('', $settings['api_key'], 'WHMCS stores the password field');
        $this->assertStringNotContainsString(self::API_KEY, implode('|', $settings), 'never in plain text');
        $perms = unserialize((string) Harness::configValue('AddonModulesPerms'));
        foreach ([1, 2, 3] as $role) {
            $this->assertSame(['chartmogul' => 'ChartMogul'], $perms[$role] ?? null, "role $role sees the addon");
        }

        // The first page view moves the key into the addon's own encrypted row. (Not the
        // Dashboard yet: it would ask the real ChartMogul for MRR before the address is changed.)
        $this->assertSame(200, $this->tab($admin, 'cron')->status);
        $settings = Harness::addonSettings(self::MODULE);
        $this->assertSame('', $settings['api_key'], 'the config field is emptied');
        $this->assertNotSame('', $settings['api_key_encrypted'] ?? '');
        $this->assertStringNotContainsString(self::API_KEY, implode('|', $settings));

        $page = $this->saveConnection($admin, ['api_base_url' => self::simUrl()]);
        $this->assertContains(['success', self::lang('saved_connection')], self::alerts($page));
        $this->assertSame(self::simUrl(), Harness::addonSettings(self::MODULE)['api_base_url']);
        $this->assertPageContains('id="cm-api-key-saved"', $page->body, 'the form says a key is saved');
        $this->assertPageMatches('#<input type="password"[^>]*name="api_key"[^>]*value=""#', $page->body);
        $this->assertPageContains('id="cm-credentials-state" data-state="configured"', $this->tab($admin, 'dashboard')->body);

        $this->assertKeyShownNowhere($admin);

        // Configure again with the password left blank: the key stays.
        $this->configure($admin, ['api_key' => '', 'data_source' => 'WHMCS'], [1, 2, 3]);
        $this->assertSame(200, $this->ajax($admin, 'test_connection')->status);
        $this->assertTrue($this->ajax($admin, 'test_connection')->json()['ok']);
    }

    public function testDeactivationKeepsTheDataUnlessTheSettingsTabAsksToRemoveIt(): void
    {
        $admin = $this->install();
        $this->syncUntilFinished($admin, 'products');
        $sentPlans = count(self::simState()['plans']);
        $this->assertGreaterThan(0, $sentPlans);
        $admin->get('admin/configaddonmods.php');
        $admin->post('admin/configaddonmods.php', ['action' => 'deactivate', 'module' => self::MODULE], true);
        $this->assertStringContainsString('ChartMogul deactivated. ChartMogul sync deactivated. Its data', implode(' ', self::flashes($admin->follow())));
        $this->assertContains('mod_chartmogul_ledger', self::addonTables());
        $this->assertGreaterThan(0, self::scalar('SELECT COUNT(*) FROM mod_chartmogul_ledger'), 'what was sent is kept');

        $admin = $this->install();
        $progress = $this->ajax($admin, 'progress', ['kind' => 'products'])->json();
        $this->assertTrue($progress['finished'], 'activating again continues where it stopped');

        $settingsPage = $this->tab($admin, 'settings');
        $page = $admin->post(self::PAGE . '&tab=settings', ['action' => 'save_deactivate', 'remove_data_on_deactivate' => '1', 'token' => $settingsPage->csrfToken()]);
        $this->assertContains(['success', self::lang('saved_remove_on')], self::alerts($page));
        $this->assertPageMatches('#id="cm-remove-data-on-deactivate" value="1" checked#', $page->body);
        $this->assertSame('on', Harness::addonSettings(self::MODULE)['remove_data_on_deactivate']);
        $admin->get('admin/configaddonmods.php');
        $admin->post('admin/configaddonmods.php', ['action' => 'deactivate', 'module' => self::MODULE], true);
        $this->assertStringContainsString('all of its data removed', implode(' ', self::flashes($admin->follow())));
        $this->assertSame([], self::addonTables());
        $this->assertCount(1, self::simState()['data_sources'], 'data in ChartMogul is untouched');
        $this->assertCount($sentPlans, self::simState()['plans']);
    }

    public function testTheLegacyTokenAndSecretKeyWorkAndTheSecretIsNeverShown(): void
    {
        $secret = 'legacy_SECRET_9f8e7d6c';
        $admin = $this->install([1, 2, 3], false);
        $this->configure($admin, ['account_token' => 'acc_token_123', 'secret_key' => $secret], [1, 2, 3]);
        $dashboard = $this->tab($admin, 'dashboard');
        $this->assertPageContains('data-state="configured">' . self::lang('conn_legacy_saved') . '<', $dashboard->body);
        $settings = Harness::addonSettings(self::MODULE);
        $this->assertSame('', $settings['secret_key'], 'moved to encrypted storage');
        $this->assertStringNotContainsString($secret, implode('|', $settings));
        $test = $this->ajax($admin, 'test_connection');
        $this->assertTrue($test->json()['ok'], $test->body);
        $this->assertPageLacks($secret, $test->body);
        foreach (self::TABS as $tab) {
            $this->assertPageLacks($secret, $this->tab($admin, $tab)->body, $tab);
        }
        $this->assertPageContains('id="cm-secret-key-saved"', $this->tab($admin, 'settings')->body);
    }

    public function testAChangedVersionRunsTheUpgradeOnTheNextPageView(): void
    {
        $admin = $this->install();
        Harness::pdo()->exec("UPDATE tbladdonmodules SET value = '0.0.9' WHERE module = 'chartmogul' AND setting = 'version'");
        // An older schema: no migration recorded, one table missing.
        Harness::pdo()->exec('DELETE FROM mod_chartmogul_migrations');
        Harness::pdo()->exec('DROP TABLE mod_chartmogul_queue');
        $before = self::maxActivityId();
        $page = $this->tab($admin, 'cron');
        $this->assertSame(200, $page->status);
        $this->assertSame('0.1.0', Harness::addonSettings(self::MODULE)['version']);
        $this->assertContains('mod_chartmogul_queue', self::addonTables(), 'the migrations ran');
        $this->assertSame([], self::activitySince($before), 'no upgrade problem logged');
    }

    /** The engine gives run and log times as "YYYY-MM-DD HH:MM:SS" UTC; PHP's zone must not shift them. */
    public function testEngineTimesAreReadAsUtcWhateverTheServersTimeZone(): void
    {
        self::lang('tab_dashboard'); // defines WHMCS for the addon's files
        require_once dirname(__DIR__, 2) . '/modules/addons/chartmogul/lib/Lang.php';
        require_once dirname(__DIR__, 2) . '/modules/addons/chartmogul/lib/Format.php';
        $admin = $this->install();
        $this->syncUntilFinished($admin, 'products');
        $cron = $this->tab($admin, 'cron')->body;
        $this->assertSame(1, preg_match('#<tr class="cm-run-row".*?<time datetime="([^"]+)"#s', $cron, $m), 'the run\'s start time');
        $started = html_entity_decode($m[1]);
        $zone = date_default_timezone_get();
        try {
            foreach (['America/New_York', 'Asia/Kolkata', 'UTC'] as $serverZone) {
                date_default_timezone_set($serverZone);
                $this->assertEqualsWithDelta(time(), \WHMCS\Module\Addon\ChartMogul\Format::timestamp($started), 300,
                    "the run that just started, read in $serverZone");
                $expected = gmmktime(1, 29, 6, 11, 22, 2026);
                $this->assertSame($expected, \WHMCS\Module\Addon\ChartMogul\Format::timestamp('2026-11-22 01:29:06'), $serverZone);
                $this->assertSame($expected, \WHMCS\Module\Addon\ChartMogul\Format::timestamp('2026-11-22T01:29:06Z'), $serverZone);
                $this->assertSame($expected, \WHMCS\Module\Addon\ChartMogul\Format::timestamp('2026-11-22T02:29:06+01:00'), $serverZone);
            }
            $this->assertNull(\WHMCS\Module\Addon\ChartMogul\Format::timestamp('not a time'));
            $this->assertNull(\WHMCS\Module\Addon\ChartMogul\Format::timestamp(''));
        } finally {
            date_default_timezone_set($zone);
        }
    }

    // --- the tabs -------------------------------------------------------------------------------------

    public function testEveryTabRendersItsPartsForAnAdminWhoMayView(): void
    {
        $admin = $this->install();
        $this->syncUntilFinished($admin, 'products');
        foreach (self::TABS as $tab) {
            $page = $this->tab($admin, $tab);
            $this->assertSame(200, $page->status, $tab);
            $this->assertTrue($page->isWrapped(), "$tab is shown inside the WHMCS admin layout");
            $ids = self::ids($page->body);
            $this->assertSame(array_values(array_unique($ids)), $ids, "$tab: every id is unique");
            $expected = array_merge(['cm-app', 'cm-tabs', 'cm-sidebar', "cm-tab-$tab-body"],
                array_map(static fn (string $t): string => "cm-tab-$t", self::TABS), self::TAB_IDS[$tab]);
            foreach ($expected as $id) {
                $this->assertContains($id, $ids, "$tab has #$id");
            }
            $this->assertPageMatches('#<a id="cm-tab-' . $tab . '" href="[^"]*" aria-current="page">#', $page->body);
            $this->assertPageLacks('cm-denied', $page->body);
            $this->assertSame([], array_filter(self::alerts($page), static fn (array $a): bool => $a[0] === 'danger'), "$tab shows no error");
            $this->assertSame(0, preg_match('#(src|href)="(https?:)?//#', self::markup($page->body)), "$tab loads nothing external");
        }

        $products = $this->tab($admin, 'products');
        $plans = (int) preg_match_all('#<tr class="cm-plan-row" data-external-id="whmcs-(product|addon)-\d+-[a-z_]+" data-synced="1">#', $products->body);
        $this->assertGreaterThan(0, $plans);
        $this->assertSame($this->ajax($admin, 'progress', ['kind' => 'products'])->json()['total'], $plans, 'every plan listed, each one synced');
        $this->assertPageLacks('data-synced="0"', $products->body);
        $cron = $this->tab($admin, 'cron');
        $this->assertPageContains('*/5 * * * * php -q ' . HarnessClient::env('HARNESS_ROOT') . '/crons/cron.php', $cron->body);
        $this->assertPageContains('data-state="never"', $cron->body);
        $this->assertPageContains('<td>admin:admin</td><td>products</td>', $cron->body, 'the products run, started by admin');
        $trial = $this->tab($admin, 'trial');
        $this->assertPageContains('<code>8</code>', $trial->body, 'the Trial tab lists product ids from the plans');
        $this->assertSame(1, preg_match('#<div id="cm-app" class="cm-app" data-tab="(\w+)"#', $this->tab($admin, 'nonsense')->body, $m));
        $this->assertSame('dashboard', $m[1], 'an unknown tab falls back to the dashboard');
    }

    public function testWithoutAKeyTheTabsSayWhatIsMissingAndNothingIsSent(): void
    {
        $admin = $this->install([1, 2, 3], false);
        $dashboard = $this->tab($admin, 'dashboard');
        $this->assertSame(200, $dashboard->status);
        $this->assertPageContains('id="cm-credentials-state" data-state="missing"', $dashboard->body);
        $this->assertPageMatches('#id="cm-test-connection" disabled#', $dashboard->body);
        $this->assertPageContains(self::lang('mrr_needs_key'), html_entity_decode($dashboard->body, ENT_QUOTES));
        $clients = $this->tab($admin, 'clients');
        $this->assertPageMatches('#id="cm-sync-clients-start" disabled#', $clients->body);
        $this->assertPageContains('cm-sync-unconfigured', $clients->body);
        foreach (['batch' => ['kind' => 'clients'], 'test_connection' => []] as $action => $fields) {
            $response = $this->ajax($admin, $action, $fields);
            $this->assertSame(422, $response->status, $action);
            $this->assertSame(['error' => self::lang('sync_needs_key'), 'kind' => 'configuration'], $response->json());
        }
        $this->assertSame(0, self::simState()['counters']['requests'], 'nothing went to ChartMogul');
    }

    // --- the AJAX endpoint and a real sync --------------------------------------------------------------

    public function testAjaxAnswersHaveTheDocumentedShapesAndErrors(): void
    {
        $admin = $this->install();
        $token = $this->token($admin);

        $progress = $this->ajax($admin, 'progress', ['kind' => 'clients'], $token);
        $this->assertSame(200, $progress->status);
        $this->assertSame('0', $progress->header('X-Harness-Wrapped'));
        $this->assertStringStartsWith('application/json', (string) $progress->header('Content-Type'));
        $this->assertSame('no-store', $progress->header('Cache-Control'));
        $json = $progress->json();
        $this->assertSame(['ok', 'kind', 'running', 'finished', 'done', 'total', 'percent'], array_keys($json));
        $this->assertSame(['ok' => true, 'kind' => 'clients', 'running' => false, 'finished' => false, 'done' => 0, 'percent' => 0],
            array_diff_key($json, ['total' => 0]));
        $this->assertSame(self::scalar("SELECT COUNT(*) FROM tblclients"), $json['total'], 'every client is to be synced');
        $this->assertSame('daily', $this->ajax($admin, 'progress', ['kind' => 'daily'], $token)->json()['kind']);

        $test = $this->ajax($admin, 'test_connection', [], $token);
        $this->assertSame(200, $test->status);
        $json = $test->json();
        $this->assertSame(['ok', 'problem', 'message', 'data_source_uuid'], array_keys($json));
        $this->assertTrue($json['ok']);
        $this->assertNull($json['problem']);
        $this->assertStringContainsString('WHMCS', $json['message']);
        $sources = self::simState()['data_sources'];
        $this->assertCount(1, $sources);
        $this->assertSame(['WHMCS', $json['data_source_uuid']], [$sources[0]['name'], $sources[0]['uuid']]);

        $plans = $this->ajax($admin, 'progress', ['kind' => 'products'], $token)->json()['total'];
        $this->assertGreaterThan(0, $plans);
        $batch = $this->ajax($admin, 'batch', ['kind' => 'products'], $token);
        $this->assertSame(200, $batch->status);
        $json = $batch->json();
        $this->assertSame(['ok', 'kind', 'run_id', 'finished', 'done', 'total', 'percent', 'counts', 'rejected', 'requests', 'duration_ms'],
            array_keys($json));
        $this->assertSame([true, 'products', true, $plans, $plans, 100], [$json['ok'], $json['kind'], $json['finished'], $json['done'], $json['total'], $json['percent']]);
        $this->assertIsInt($json['run_id']);
        $this->assertSame(['created' => $plans], array_filter($json['counts']['plans']));
        $this->assertSame([], $json['rejected']);
        $this->assertGreaterThanOrEqual($plans, $json['requests']);
        $this->assertCount($plans, self::simState()['plans']);
        // Nothing left: the second batch sends nothing, and its counts are still a JSON object.
        $again = $this->ajax($admin, 'batch', ['kind' => 'products'], $token);
        $this->assertSame(0, $again->json()['requests']);
        $this->assertPageMatches('#"counts":\{#', $again->body, 'counts is an object even when empty');

        $csv = $this->ajax($admin, 'logs_csv', [], $token);
        $this->assertSame(200, $csv->status);
        $this->assertStringStartsWith('text/csv', (string) $csv->header('Content-Type'));
        $this->assertMatchesRegularExpression('#^attachment; filename="chartmogul-log-\d{8}-\d{6}\.csv"$#', (string) $csv->header('Content-Disposition'));
        $this->assertStringStartsWith("id,time,level,kind,record,message\n", $csv->body);

        // Errors: {"error", "kind"} with the documented status.
        $errors = [
            ['nonsense', [], 400, 'bad_request', self::lang('error_unknown_action')],
            ['batch', ['kind' => 'daily'], 400, 'bad_request', self::lang('error_unknown_kind')],
            ['batch', [], 400, 'bad_request', self::lang('error_unknown_kind')],
            ['progress', ['kind' => 'everything'], 400, 'bad_request', self::lang('error_unknown_kind')],
        ];
        foreach ($errors as [$action, $fields, $status, $kind, $message]) {
            $response = $this->ajax($admin, $action, $fields, $token);
            $this->assertSame($status, $response->status, "$action " . json_encode($fields));
            $this->assertSame(['error' => $message, 'kind' => $kind], $response->json());
        }
        $get = $admin->get(self::PAGE . '&ajax=1&action=batch&kind=clients&token=' . $token);
        $this->assertSame(405, $get->status, 'a link never starts a sync');
        $this->assertSame('bad_request', $get->json()['kind']);
        $this->assertSame(0, self::scalar("SELECT COUNT(*) FROM mod_chartmogul_runs WHERE mode <> 'products'"));

        // ChartMogul unreachable: the batch stops with a connection error and nothing is lost.
        $this->saveConnection($admin, ['api_base_url' => 'http://127.0.0.1:9/v1']);
        $unreachable = $this->ajax($admin, 'batch', ['kind' => 'clients'], $token);
        $this->assertSame(502, $unreachable->status);
        $this->assertSame('connection', $unreachable->json()['kind']);
        $this->assertStringStartsWith('Could not reach ChartMogul', $unreachable->json()['error']);
        $test = $this->ajax($admin, 'test_connection', [], $token)->json();
        $this->assertSame([false, 'connection'], [$test['ok'], $test['problem']]);
    }

    public function testSyncingProductsAndClientsReproducesTheSeedsMrrAndASecondSyncSendsNothing(): void
    {
        $admin = $this->install();
        $this->saveSeedSettings($admin);

        $answers = $this->syncUntilFinished($admin, 'products');
        $last = end($answers);
        $this->assertSame([$last['total'], 100], [$last['done'], $last['percent']]);
        $this->assertCount($last['total'], self::simState()['plans']);

        $answers = $this->syncUntilFinished($admin, 'clients');
        $clients = self::scalar('SELECT COUNT(*) FROM tblclients');
        $created = 0;
        $rejected = [];
        foreach ($answers as $answer) {
            $this->assertLessThanOrEqual($answer['total'], $answer['done']);
            $this->assertSame($clients, $answer['total']);
            $created += $answer['counts']['customers']['created'] ?? 0;
            $rejected = array_merge($rejected, $answer['rejected']);
        }
        $last = end($answers);
        $this->assertSame([$clients, 100], [$last['done'], $last['percent']]);
        $this->assertSame($clients, $created, 'one customer per client (leads included)');
        // Only the records the seed planted as unusable are rejected.
        $planted = Harness::pdo()->query("SELECT CONCAT(table_name, ' #', record_id) FROM seed_planted
            WHERE kind IN ('unknown_cycle', 'orphan_item') ORDER BY 1")->fetchAll(\PDO::FETCH_COLUMN);
        $records = array_column($rejected, 'record');
        sort($records);
        $this->assertSame($planted, $records);

        $progress = $this->ajax($admin, 'progress', ['kind' => 'clients'])->json();
        $this->assertSame([false, true, $clients, $clients, 100], [$progress['running'], $progress['finished'], $progress['done'], $progress['total'], $progress['percent']]);

        // "Continue" clicked on a page drawn before the sync finished elsewhere: the answer says
        // it is done, and no new pass starts.
        $runs = self::scalar('SELECT COUNT(*) FROM mod_chartmogul_runs');
        $stale = $this->ajax($admin, 'batch', ['kind' => 'clients', 'resume' => '1'])->json();
        $this->assertSame([true, true, $clients, $clients, 100, []],
            [$stale['already_finished'] ?? null, $stale['finished'], $stale['done'], $stale['total'], $stale['percent'], $stale['rejected']]);
        $this->assertSame($runs, self::scalar('SELECT COUNT(*) FROM mod_chartmogul_runs'), 'no run started');

        $expected = self::expectedMrr();
        $this->assertGreaterThan(100, count($expected));
        $this->assertSame($expected, self::simMrr(self::seedMeta('today')), 'ChartMogul MRR per customer and currency = the seed\'s');

        $state = self::simState();
        $invoices = array_column($state['invoices'], 'external_id');
        $this->assertSame(count($invoices), count(array_unique($invoices)));
        $before = $state['counters'];
        $again = $this->syncUntilFinished($admin, 'clients');
        foreach ($again as $answer) {
            foreach ($answer['counts'] as $kind => $counts) {
                $this->assertSame([], array_filter($counts), "second sync: nothing new for $kind");
            }
        }
        $after = self::simState();
        $this->assertSame($before['writes'], $after['counters']['writes'], 'the second sync wrote nothing to ChartMogul');
        $this->assertSame([count($state['customers']), count($invoices)], [count($after['customers']), count($after['invoices'])]);

        $dashboard = $this->tab($admin, 'dashboard');
        $this->assertPageMatches('#<tr class="cm-sent-row" data-kind="customer"><td>[^<]*</td><td class="text-right">'
            . number_format($clients) . '</td>#', $dashboard->body);
        $this->assertPageContains('id="cm-mrr-chart"', $dashboard->body);
        $this->assertPageLacks(self::lang('mrr_unavailable'), $dashboard->body, 'ChartMogul MRR fetched for every month');
        // The seed has four currencies; the harness's simulator converts them into its account
        // currency with WHMCS's own rates, as ChartMogul does with its rates: the lines coincide.
        preg_match_all('#<tr class="cm-mrr-row"><td>([^<]*)</td><td class="text-right">([^<]*)</td><td class="text-right">([^<]*)</td><td class="text-right">([^<]*)</td></tr>#', $dashboard->body, $m, PREG_SET_ORDER);
        $this->assertNotEmpty($m, 'the chart\'s numbers');
        foreach ($m as [, $month, $whmcs, $chartmogul, $difference]) {
            $this->assertSame('0.00', $difference, "MRR in $month: WHMCS $whmcs, ChartMogul $chartmogul");
        }
        $this->assertNotSame('0.00', end($m)[2], 'the last month has MRR');

        // The log: filtered on the Logs tab and in the CSV export.
        $errors = self::scalar("SELECT COUNT(*) FROM mod_chartmogul_log WHERE level = 'error'");
        $this->assertGreaterThan(0, $errors);
        $logs = $this->tab($admin, 'logs', ['level' => 'error']);
        $this->assertPageContains('id="cm-log-summary" data-total="' . $errors . '"', $logs->body);
        preg_match_all('#<tr class="cm-log-row [^"]*" data-id="\d+" data-level="(\w+)">#', $logs->body, $m);
        $this->assertSame(array_fill(0, min($errors, 50), 'error'), $m[1]);
        $csv = $this->ajax($admin, 'logs_csv', ['level' => 'error']);
        $rows = array_map('str_getcsv', array_filter(explode("\n", $csv->body), static fn (string $l): bool => $l !== ''));
        $this->assertSame(['id', 'time', 'level', 'kind', 'record', 'message'], array_shift($rows));
        $this->assertCount($errors, $rows, 'every error, not only the first page');
        $this->assertSame(['error'], array_values(array_unique(array_column($rows, 2))));
        $planted = Harness::pdo()->query("SELECT table_name, record_id FROM seed_planted WHERE kind = 'unknown_cycle'")->fetch();
        $entries = self::scalar('SELECT COUNT(*) FROM mod_chartmogul_log WHERE record_table = ? AND record_id = ?', array_values($planted));
        $this->assertGreaterThan(0, $entries);
        $record = $this->tab($admin, 'logs', ['record' => $planted['table_name'] . '#' . $planted['record_id']]);
        $this->assertPageContains('id="cm-log-summary" data-total="' . $entries . '"', $record->body, 'the planted unknown cycle');
        $this->assertPageContains('<td>' . '<a class="cm-log-record-link"', $record->body);

        $this->assertKeyShownNowhere($admin);
        $logged = Harness::pdo()->query('SELECT message FROM mod_chartmogul_log')->fetchAll(\PDO::FETCH_COLUMN);
        $this->assertNotSame([], $logged);
        $this->assertStringNotContainsString(self::API_KEY, implode("\n", $logged)
            . implode("\n", self::activitySince(0))
            . implode("\n", Harness::pdo()->query('SELECT CONCAT(request, response) FROM tblmodulelog')->fetchAll(\PDO::FETCH_COLUMN)));
    }

    // --- settings -----------------------------------------------------------------------------------------

    public function testSavingABadSettingShowsTheEnginesMessageNamingTheKeyAndStoresNothing(): void
    {
        $admin = $this->install();
        $this->tab($admin, 'settings');
        $good = ['action' => 'save_settings', 'timezone' => 'UTC', 'invoice_statuses' => ['Paid', 'Refunded'],
            'domains' => 'subscription', 'churn_at' => 'termination', 'export_leads' => '1'];
        $page = $admin->post(self::PAGE . '&tab=settings', $good, true);
        $this->assertContains(['success', self::lang('saved_settings')], self::alerts($page));
        $stored = self::engineSettings();

        $bad = [
            'timezone' => ['timezone' => 'Mars/Olympus'],
            'invoice_statuses' => ['invoice_statuses' => ['Paid', 'Bogus']],
            'domains' => ['domains' => 'sometimes'],
            'churn_at' => ['churn_at' => 'never'],
        ];
        foreach ($bad as $key => $override) {
            $page = $admin->post(self::PAGE . '&tab=settings', $override + $good, true);
            $this->assertSame(200, $page->status);
            $this->assertSame(1, preg_match('#<div class="alert alert-danger cm-alert" id="cm-settings-error" role="alert">(.*?)</div>#s', $page->body, $m),
                "$key: the error is shown at the form");
            $message = html_entity_decode($m[1], ENT_QUOTES);
            $this->assertStringContainsString($key, $message, 'the message names the setting');
            $this->assertNotContains(['success', self::lang('saved_settings')], self::alerts($page));
            $this->assertSame($stored, self::engineSettings(), "$key: nothing stored");
        }
        $page = $admin->post(self::PAGE . '&tab=settings', ['timezone' => 'Mars/Olympus'] + $good, true);
        $this->assertPageContains('value="Mars/Olympus"', $page->body, 'what was typed is shown again');
        $this->assertPageContains('unknown time zone', html_entity_decode($page->body, ENT_QUOTES), "the engine's own words");

        $this->tab($admin, 'trial');
        $page = $admin->post(self::PAGE . '&tab=trial', ['action' => 'save_trial', 'trial_products' => '8, x'], true);
        $this->assertSame(1, preg_match('#id="cm-trial-error" role="alert">([^<]*)<#', $page->body, $m));
        $this->assertStringStartsWith('trial_products:', html_entity_decode($m[1], ENT_QUOTES));
        $this->assertPageContains('value="8, x"', $page->body);

        $this->tab($admin, 'logs');
        foreach (['0', 'abc', '-3', ''] as $days) {
            $page = $admin->post(self::PAGE . '&tab=logs', ['action' => 'save_retention', 'log_retention_days' => $days], true);
            $this->assertSame(1, preg_match('#id="cm-retention-error" role="alert">([^<]*)<#', $page->body, $m), "retention '$days'");
            $this->assertStringStartsWith('log_retention_days:', $m[1]);
        }
        $page = $admin->post(self::PAGE . '&tab=logs', ['action' => 'save_retention', 'log_retention_days' => '5000'], true);
        $this->assertSame(1, preg_match('#id="cm-retention-error" role="alert">([^<]*)<#', $page->body, $m), 'the engine\'s limit');
        $this->assertStringStartsWith('log_retention_days must be', $m[1]);
        $this->assertPageContains('id="cm-log-retention-days" value="5000"', $page->body, 'what was typed is shown again');

        $page = $this->saveConnection($admin, ['api_base_url' => 'ftp://example.com/v1']);
        $this->assertSame(1, preg_match('#id="cm-connection-error" role="alert">([^<]*)<#', $page->body, $m));
        $this->assertStringStartsWith('api_base_url:', $m[1]);
        $page = $this->saveConnection($admin, ['data_source' => '  ']);
        $this->assertSame(1, preg_match('#id="cm-connection-error" role="alert">([^<]*)<#', $page->body, $m));
        $this->assertStringStartsWith('data_source:', $m[1]);
        $this->assertSame(self::simUrl(), Harness::addonSettings(self::MODULE)['api_base_url']);
        $this->assertSame('WHMCS', Harness::addonSettings(self::MODULE)['data_source']);
        $this->assertSame($stored, self::engineSettings(), 'no refused form changed anything');
    }

    public function testGoodSettingsRoundTrip(): void
    {
        $admin = $this->install();
        $this->tab($admin, 'settings');
        $page = $admin->post(self::PAGE . '&tab=settings', [
            'action' => 'save_settings', 'timezone' => 'Europe/Berlin', 'invoice_statuses' => ['Paid', 'Collections'],
            'export_zero_invoices' => '1', 'plan_name_prefix_group' => '1', 'domains' => 'one_time', 'churn_at' => 'period_end',
        ], true);
        $this->assertContains(['success', self::lang('saved_settings')], self::alerts($page));
        $mapping = self::storedMapping();
        $this->assertSame([
            'timezone' => 'Europe/Berlin', 'invoice_statuses' => ['Paid', 'Collections'], 'export_zero_invoices' => true,
            'export_leads' => false, 'propagate_deletions' => false, 'plan_name_prefix_group' => true, 'domains' => 'one_time',
            'churn_at' => 'period_end', 'suspended_is_active' => false,
        ], array_intersect_key($mapping, array_flip(['timezone', 'invoice_statuses', 'export_zero_invoices', 'export_leads',
            'propagate_deletions', 'plan_name_prefix_group', 'domains', 'churn_at', 'suspended_is_active'])));

        $page = $this->tab($admin, 'settings');
        $this->assertPageContains('id="cm-setting-timezone" list="cm-timezones" value="Europe/Berlin"', $page->body);
        $this->assertPageMatches('#id="cm-setting-invoice_statuses-paid" value="Paid" checked#', $page->body);
        $this->assertPageMatches('#id="cm-setting-invoice_statuses-collections" value="Collections" checked#', $page->body);
        $this->assertPageMatches('#id="cm-setting-invoice_statuses-refunded" value="Refunded">#', $page->body);
        $this->assertPageMatches('#id="cm-setting-export_zero_invoices" value="1" checked#', $page->body);
        $this->assertPageMatches('#id="cm-setting-export_leads" value="1">#', $page->body);
        $this->assertPageMatches('#<option value="one_time" selected>#', $page->body);
        $this->assertPageMatches('#<option value="period_end" selected>#', $page->body);

        // Emptying the time zone goes back to the server's zone.
        $admin->post(self::PAGE . '&tab=settings', ['action' => 'save_settings', 'timezone' => '', 'invoice_statuses' => ['Paid'],
            'domains' => 'subscription', 'churn_at' => 'termination'], true);
        $this->assertNull(self::storedMapping()['timezone']);

        $this->tab($admin, 'trial');
        $page = $admin->post(self::PAGE . '&tab=trial', ['action' => 'save_trial', 'detect_free_first_period' => '1',
            'trial_products' => '8 12, 8', 'trial_addons' => '4', 'trial_promotions' => 'FREETRIAL, TRY30'], true);
        $this->assertContains(['success', self::lang('saved_trial')], self::alerts($page));
        $mapping = self::storedMapping();
        $this->assertSame([true, false, [8, 12], [4], ['FREETRIAL', 'TRY30']], [$mapping['detect_free_first_period'],
            $mapping['trial_line_items'], $mapping['trial_products'], $mapping['trial_addons'], $mapping['trial_promotions']]);
        $page = $this->tab($admin, 'trial');
        $this->assertPageContains('id="cm-setting-trial_products" value="8, 12"', $page->body);
        $this->assertPageContains('id="cm-setting-trial_promotions" value="FREETRIAL, TRY30"', $page->body);

        $this->tab($admin, 'logs');
        $page = $admin->post(self::PAGE . '&tab=logs', ['action' => 'save_retention', 'log_retention_days' => '45'], true);
        $this->assertContains(['success', self::lang('saved_retention')], self::alerts($page));
        $this->assertSame('45', self::engineSettings()['log_retention_days']);
        $this->assertPageContains('id="cm-log-retention-days" value="45"', $this->tab($admin, 'logs')->body);

        $page = $this->saveConnection($admin, ['data_source' => 'WHMCS EU', 'api_base_url' => self::simUrl() . '/']);
        $this->assertContains(['success', self::lang('saved_connection')], self::alerts($page));
        $this->assertSame(['WHMCS EU', self::simUrl()], [Harness::addonSettings(self::MODULE)['data_source'],
            Harness::addonSettings(self::MODULE)['api_base_url']], 'the trailing slash is dropped');
        $this->assertPageContains('id="cm-data-source-name">WHMCS EU<', $this->tab($admin, 'dashboard')->body);
        $test = $this->ajax($admin, 'test_connection')->json();
        $this->assertTrue($test['ok']);
        $this->assertSame(['WHMCS EU'], array_column(self::simState()['data_sources'], 'name'));

        // A key typed on the Settings tab replaces the saved one (encrypted); "remove" deletes it.
        $old = Harness::addonSettings(self::MODULE)['api_key_encrypted'];
        $newKey = 'sk_live_Second_Key_0042';
        $page = $this->saveConnection($admin, ['data_source' => 'WHMCS EU', 'api_key' => $newKey]);
        $this->assertContains(['success', self::lang('saved_connection')], self::alerts($page));
        $this->assertPageLacks($newKey, $page->body);
        $settings = Harness::addonSettings(self::MODULE);
        $this->assertNotSame($old, $settings['api_key_encrypted']);
        $this->assertStringNotContainsString($newKey, implode('|', $settings));
        $this->assertTrue($this->ajax($admin, 'test_connection')->json()['ok']);
        $page = $this->saveConnection($admin, ['data_source' => 'WHMCS EU', 'api_key_remove' => '1']);
        $this->assertContains(['success', self::lang('saved_connection')], self::alerts($page));
        $this->assertSame('', Harness::addonSettings(self::MODULE)['api_key_encrypted']);
        $this->assertPageContains('id="cm-credentials-state" data-state="missing"', $this->tab($admin, 'dashboard')->body);
        $this->assertSame(422, $this->ajax($admin, 'test_connection')->status);
    }

    public function testTheLogIsPagedFilteredAndExportedSafely(): void
    {
        $admin = $this->install();
        $insert = Harness::pdo()->prepare('INSERT INTO mod_chartmogul_log (logged_at, level, kind, record_table, record_id, message)
            VALUES (UTC_TIMESTAMP(), ?, ?, ?, ?, ?)');
        for ($i = 1; $i <= 60; $i++) {
            $insert->execute([$i % 3 === 0 ? 'error' : 'info', 'test.entry', 'tblinvoices', 1000 + $i, "entry number $i"]);
        }
        $insert->execute(['warning', 'test.formula', 'tblclients', 7, '=HYPERLINK("http://evil.example","x") ' . self::XSS]);

        $first = $this->tab($admin, 'logs');
        $this->assertPageContains('id="cm-log-summary" data-total="61"', $first->body);
        $this->assertSame(50, substr_count($first->body, '<tr class="cm-log-row '));
        $this->assertPageContains(htmlspecialchars(self::lang('logs_showing', '1', '50', '61')), $first->body);
        $this->assertPageContains('id="cm-log-pages"', $first->body);
        $this->assertFalse(stripos($first->body, self::XSS), 'the message is escaped');
        $second = $this->tab($admin, 'logs', ['page' => 2]);
        $this->assertSame(11, substr_count($second->body, '<tr class="cm-log-row '));
        $this->assertPageContains('entry number 1<', $second->body, 'newest first: the oldest is on the last page');

        $errors = $this->tab($admin, 'logs', ['level' => 'error', 'kind' => 'test.entry']);
        $this->assertPageContains('id="cm-log-summary" data-total="20"', $errors->body);
        $this->assertPageLacks('id="cm-log-pages"', $errors->body, 'one page');
        $this->assertPageContains('data-total="1"', $this->tab($admin, 'logs', ['record' => 'tblinvoices#1042'])->body);
        $this->assertPageContains('data-total="1"', $this->tab($admin, 'logs', ['search' => 'number 17'])->body);
        $this->assertPageContains('id="cm-log-empty"', $this->tab($admin, 'logs', ['search' => 'no such words'])->body);
        $this->assertPageContains('data-total="61"', $this->tab($admin, 'logs', ['level' => 'bogus'])->body, 'an unknown level is ignored');

        $csv = $this->ajax($admin, 'logs_csv', ['kind' => 'test.formula']);
        $lines = array_values(array_filter(explode("\n", $csv->body), static fn (string $l): bool => $l !== ''));
        $this->assertCount(2, $lines);
        $row = str_getcsv($lines[1]);
        $this->assertSame(['warning', 'test.formula', 'tblclients#7'], [$row[2], $row[3], $row[4]]);
        $this->assertStringStartsWith("'=HYPERLINK", $row[5], 'a formula is neutralised for spreadsheets');
        $this->assertCount(62, array_filter(explode("\n", $this->ajax($admin, 'logs_csv')->body)), 'all pages, with the header');
        $export = $this->ajax($admin, 'logs_csv', ['level' => 'error', 'search' => 'number 4']);
        $this->assertCount(1 + 3, array_filter(explode("\n", $export->body)), 'entries 42, 45 and 48, filtered like the page');
    }

    // --- escaping ------------------------------------------------------------------------------------------

    public function testScriptInClientDataIsShownEscapedOnEveryPage(): void
    {
        $admin = $this->install();
        $pdo = Harness::pdo();
        $clientId = (int) $pdo->query('SELECT MIN(c.id) FROM tblclients c JOIN seed_expected_mrr e ON e.client_id = c.id')->fetchColumn();
        $original = $pdo->query("SELECT firstname, lastname, companyname, email, country FROM tblclients WHERE id = $clientId")->fetch();
        $pdo->prepare("UPDATE tblclients SET firstname = ?, lastname = ?, companyname = ?, email = ?, country = ? WHERE id = ?")
            ->execute([self::XSS, self::XSS, self::XSS, self::XSS, strtoupper(self::XSS), $clientId]);
        try {
            $rejected = [];
            foreach ($this->syncUntilFinished($admin, 'clients') as $answer) {
                $rejected = array_merge($rejected, $answer['rejected']);
            }
        } finally {
            $pdo->prepare("UPDATE tblclients SET firstname = ?, lastname = ?, companyname = ?, email = ?, country = ? WHERE id = ?")
                ->execute([$original['firstname'], $original['lastname'], $original['companyname'], $original['email'], $original['country'], $clientId]);
        }
        $this->assertContains("whmcs-client-$clientId", array_column($rejected, 'record'), 'ChartMogul refused the e-mail address');

        $pages = [];
        foreach (self::TABS as $tab) {
            $pages[$tab] = $this->tab($admin, $tab);
        }
        $pages['logs of the client'] = $this->tab($admin, 'logs', ['record' => "tblclients#$clientId"]);
        $pages['search'] = $this->tab($admin, 'logs', ['search' => self::XSS, 'kind' => self::XSS, 'record' => self::XSS, 'level' => self::XSS]);
        $pages['setup'] = $admin->get('admin/configaddonmods.php');
        foreach ($pages as $name => $page) {
            $this->assertSame(200, $page->status, $name);
            $this->assertFalse(stripos($page->body, self::XSS), "$name: no raw script");
        }
        $clientLog = html_entity_decode($pages['logs of the client']->body, ENT_QUOTES);
        $this->assertPageContains('country "' . strtoupper(self::XSS) . '" is not an assigned', $clientLog);
        $this->assertNotFalse(stripos($pages['logs of the client']->body, htmlspecialchars(self::XSS, ENT_QUOTES)), 'shown, escaped');
        $this->assertPageContains('value="' . htmlspecialchars(self::XSS, ENT_QUOTES) . '"', $pages['search']->body, 'the filter is echoed escaped');

        // A data source name with markup, from Setup > Addon Modules.
        $this->configure($admin, ['data_source' => self::XSS], [1, 2, 3]);
        $pages = ['dashboard' => $this->tab($admin, 'dashboard'), 'settings' => $this->tab($admin, 'settings'),
            'setup' => $admin->get('admin/configaddonmods.php')];
        foreach ($pages as $name => $page) {
            $this->assertFalse(stripos($page->body, self::XSS), $name);
            $this->assertPageContains(htmlspecialchars(self::XSS, ENT_QUOTES), $page->body, $name);
        }
    }

    // --- helpers ---------------------------------------------------------------------------------------------

    /** No page, no AJAX answer and no export shows the API key. */
    private function assertKeyShownNowhere(HarnessClient $admin): void
    {
        $bodies = ['setup' => $admin->get('admin/configaddonmods.php')->body];
        foreach (self::TABS as $tab) {
            $page = $this->tab($admin, $tab);
            $this->assertSame(200, $page->status);
            $bodies[$tab] = $page->body;
        }
        $token = $this->token($admin);
        $csv = $this->ajax($admin, 'logs_csv', [], $token);
        $this->assertSame(200, $csv->status);
        $bodies['csv'] = $csv->body;
        foreach (['progress' => ['kind' => 'clients'], 'test_connection' => []] as $action => $fields) {
            $bodies[$action] = $this->ajax($admin, $action, $fields, $token)->body;
        }
        foreach ($bodies as $name => $body) {
            $this->assertPageLacks(self::API_KEY, $body, "$name shows the key");
            $this->assertPageLacks(substr(self::API_KEY, 8), $body, "$name shows part of the key");
            $this->assertPageLacks(base64_encode(self::API_KEY . ':'), $body, "$name shows the key as Basic auth");
        }
    }

    /** Stores the mapping settings the seed expects (seed_meta settings_toml) through the Settings and Trial tabs. */
    private function saveSeedSettings(HarnessClient $admin): void
    {
        $seed = [];
        foreach (explode("\n", self::seedMeta('settings_toml')) as $line) {
            if (preg_match('/^(\w+)\s*=\s*(.+)$/', trim($line), $m)) {
                $seed[$m[1]] = json_decode($m[2], true, 512, JSON_THROW_ON_ERROR);
            }
        }
        $this->assertArrayHasKey('trial_products', $seed);
        $ticked = static fn (string $key): array => !empty($seed[$key]) ? [$key => '1'] : [];
        $mapping = ['action' => 'save_settings', 'timezone' => (string) $seed['timezone'], 'invoice_statuses' => $seed['invoice_statuses'],
            'domains' => $seed['domains'], 'churn_at' => $seed['churn_at']];
        foreach (['export_zero_invoices', 'export_leads', 'propagate_deletions', 'plan_name_prefix_group', 'suspended_is_active'] as $key) {
            $mapping += $ticked($key);
        }
        $this->tab($admin, 'settings');
        $page = $admin->post(self::PAGE . '&tab=settings', $mapping, true);
        $this->assertContains(['success', self::lang('saved_settings')], self::alerts($page), $page->body);
        $this->tab($admin, 'trial');
        $trial = ['action' => 'save_trial', 'trial_products' => implode(',', $seed['trial_products']),
            'trial_addons' => implode(',', $seed['trial_addons']), 'trial_promotions' => implode(' ', $seed['trial_promotions'])]
            + $ticked('detect_free_first_period') + $ticked('trial_line_items');
        $page = $admin->post(self::PAGE . '&tab=trial', $trial, true);
        $this->assertContains(['success', self::lang('saved_trial')], self::alerts($page), $page->body);
        $stored = self::storedMapping();
        ksort($stored);
        ksort($seed);
        $this->assertSame($seed, $stored, 'the forms stored exactly the seed\'s settings');
    }
}
