<?php
// Tests of the WHMCS harness itself, driven through its fixture addon
// tests/harness/fixtures/harnessprobe (which records every call it receives).
declare(strict_types=1);

namespace WhmcsHarness\Tests;

use PHPUnit\Framework\TestCase;

final class HarnessTest extends TestCase
{
    private const PROBE = 'harnessprobe';
    private const PROBE_PAGE = 'admin/addonmodules.php?module=harnessprobe';

    private int $errorLogOffset = 0;

    protected function setUp(): void
    {
        Harness::resetAddon(self::PROBE);
        // The real addon's hooks would add handlers to the counts asserted below.
        Harness::resetAddon('chartmogul');
        Harness::setConfigValue('HarnessProbeRefuse', null);
        Harness::setConfigValue('ModuleDebugMode', 'on');
        $file = HarnessClient::env('HARNESS_PHP_ERRORS');
        clearstatcache();
        $this->errorLogOffset = is_file($file) ? (int) filesize($file) : 0;
    }

    protected function tearDown(): void
    {
        $new = HarnessClient::phpErrors($this->errorLogOffset);
        $problems = array_filter(explode("\n", $new), static fn (string $l): bool =>
            preg_match('/PHP (Warning|Notice|Deprecated|Fatal error|Parse error|Recoverable)/', $l) === 1);
        $this->assertSame([], array_values($problems), 'PHP errors while the test ran');
    }

    // --- helpers -------------------------------------------------------------------------------

    private function admin(string $user = 'admin', string $pass = 'admin-pass'): HarnessClient
    {
        $client = new HarnessClient();
        $this->assertTrue($client->login($user, $pass), "login as $user");
        return $client;
    }

    private function activateProbe(HarnessClient $admin): HarnessResponse
    {
        $admin->get('admin/configaddonmods.php');
        $response = $admin->post('admin/configaddonmods.php', ['action' => 'activate', 'module' => self::PROBE], true);
        $this->assertSame(302, $response->status, $response->body);
        return $admin->follow();
    }

    /** @param array<string, string> $fields @param list<int> $access */
    private function configureProbe(HarnessClient $admin, array $fields, array $access): HarnessResponse
    {
        $admin->get('admin/configaddonmods.php');
        $response = $admin->post('admin/configaddonmods.php', [
            'action' => 'save', 'module' => self::PROBE, 'fields' => [self::PROBE => $fields], 'access' => [self::PROBE => $access],
        ], true);
        $this->assertSame(302, $response->status, $response->body);
        return $admin->follow();
    }

    /** @return list<array{event:string, detail:mixed}> the probe's records, oldest first */
    private function probeLog(?string $event = null): array
    {
        $rows = Harness::pdo()->query('SELECT event, detail FROM mod_harnessprobe_log ORDER BY id')->fetchAll();
        $out = [];
        foreach ($rows as $row) {
            if ($event === null || $row['event'] === $event) {
                $out[] = ['event' => $row['event'], 'detail' => json_decode((string) $row['detail'], true)];
            }
        }
        return $out;
    }

    /** A client and an Unpaid invoice of 10.00 of it, made here so the tests need no seed. */
    private function makeInvoice(): array
    {
        $pdo = Harness::pdo();
        $pdo->exec("INSERT INTO tblclients (firstname, lastname, email, country, currency, datecreated, created_at, updated_at)
            VALUES ('Ivy', 'Invoice', 'ivy@example.test', 'GB', 1, CURDATE(), NOW(), NOW())");
        $client = (int) $pdo->lastInsertId();
        $pdo->exec("INSERT INTO tblinvoices (userid, date, duedate, subtotal, credit, tax, tax2, total, status, paymentmethod, created_at, updated_at)
            VALUES ($client, CURDATE(), CURDATE(), 10.00, 0, 0, 0, 10.00, 'Unpaid', 'paypal', NOW(), NOW())");
        return [$client, (int) $pdo->lastInsertId()];
    }

    private function firedHandlers(array $answer, string $hook): ?int
    {
        foreach ($answer['fired'] ?? [] as $fired) {
            if ($fired['hook'] === $hook) {
                return $fired['handlers'];
            }
        }
        return null;
    }

    // --- login and roles -----------------------------------------------------------------------

    public function testLoginAcceptsTheRightPasswordOnly(): void
    {
        $client = new HarnessClient();
        $this->assertFalse($client->login('admin', 'wrong-pass'));
        $this->assertStringContainsString('Login Failed', (string) $client->lastResponse()?->body);
        $this->assertFalse($client->login('nobody', 'admin-pass'));
        $this->assertFalse($client->login('disabled', 'disabled-pass'), 'a disabled admin cannot log in');

        $home = $client->get('admin/index.php');
        $this->assertSame(302, $home->status);
        $this->assertStringStartsWith('login.php?redirect=index.php', (string) $home->location());

        $this->assertTrue($client->login('admin', 'admin-pass'));
        $home = $client->get('admin/index.php');
        $this->assertSame(200, $home->status);
        $this->assertStringContainsString('id="admin-username">admin (Full Administrator)', $home->body);

        $client->logout();
        $this->assertSame(302, $client->get('admin/index.php')->status, 'logged out');

        $failed = Harness::pdo()->query("SELECT COUNT(*) FROM tblactivitylog WHERE description = 'Failed Admin Login Attempt - Username: admin'")->fetchColumn();
        $this->assertGreaterThanOrEqual(1, (int) $failed);
    }

    public function testLoginRedirectsBackToTheRequestedPage(): void
    {
        $client = new HarnessClient();
        $page = $client->get(self::PROBE_PAGE);
        $this->assertSame(302, $page->status);
        $this->assertSame('login.php?redirect=' . rawurlencode('addonmodules.php?module=harnessprobe'), $page->location());
        $form = $client->follow();
        $this->assertSame(200, $form->status);
        $response = $client->post('admin/login.php', [
            'username' => 'sales', 'password' => 'sales-pass', 'redirect' => 'addonmodules.php?module=harnessprobe',
        ], true);
        $this->assertSame('addonmodules.php?module=harnessprobe', $response->location());
    }

    public function testOnlyFullAdministratorsMaySetUpAddonModules(): void
    {
        foreach (['sales' => 'sales-pass', 'support' => 'support-pass'] as $user => $pass) {
            $page = $this->admin($user, $pass)->get('admin/configaddonmods.php');
            $this->assertSame(403, $page->status, $user);
            $this->assertStringContainsString('Access Denied', $page->body);
        }
        $page = $this->admin()->get('admin/configaddonmods.php');
        $this->assertSame(200, $page->status);
        $this->assertMatchesRegularExpression('#<tr id="module-harnessprobe" data-active="0">.*Harness Probe.*'
            . 'Test fixture of the WHMCS harness.*<td class="module-version">1\.2\.0</td>#s', $page->body);
        $this->assertStringContainsString('id="module-chartmogul"', $page->body, 'the real addon is listed (or its load error)');
    }

    // --- activation, configuration, deactivation ------------------------------------------------

    public function testActivationCallsActivateAndStoresVersionAndDefaults(): void
    {
        $admin = $this->admin();
        $page = $this->activateProbe($admin);
        $this->assertStringContainsString('Harness Probe activated. Probe ready.', $page->body);

        $this->assertContains(self::PROBE, Harness::configList('ActiveAddonModules'));
        $this->assertContains(self::PROBE, Harness::configList('AddonModulesHooks'), 'hooks.php detected at activation');
        $settings = Harness::addonSettings(self::PROBE);
        $this->assertSame('1.2.0', $settings['version'] ?? null);
        $this->assertSame('probe', $settings['label'] ?? null);
        $this->assertSame('on', $settings['enabled'] ?? null, "yesno Default 'yes' is stored as 'on'");
        $this->assertSame('b', $settings['mode'] ?? null);
        $this->assertSame('medium', $settings['level'] ?? null);
        $this->assertSame('green', $settings['colour'] ?? null);
        $this->assertArrayNotHasKey('access', $settings, 'no role has access until configured');
        $this->assertSame(['activate'], array_column($this->probeLog(), 'event'));

        $this->assertSame(403, $admin->get(self::PROBE_PAGE)->status, 'not in the access list yet');
    }

    public function testActivationErrorShowsTheDescriptionAndActivatesNothing(): void
    {
        Harness::setConfigValue('HarnessProbeRefuse', 'on');
        $page = $this->activateProbe($this->admin());
        $this->assertStringContainsString('Activation of Harness Probe failed: The probe refuses to be activated', $page->body);
        $this->assertNotContains(self::PROBE, Harness::configList('ActiveAddonModules'));
        $this->assertSame([], Harness::addonSettings(self::PROBE));
    }

    public function testConfigureSavesEveryFieldTypeAndEncryptsPasswords(): void
    {
        $admin = $this->admin();
        $this->activateProbe($admin);
        $page = $this->configureProbe($admin, [
            'apikey' => 'sk_test_very_secret', 'label' => 'Hello <b>', 'notes' => "two\nlines",
            'mode' => 'a', 'level' => 'high', 'colour' => 'red', // 'enabled' unticked: absent
        ], [2, 1]);
        $this->assertStringContainsString('Changes saved for Harness Probe.', $page->body);
        $this->assertStringNotContainsString('sk_test_very_secret', $page->body, 'a saved password is never shown again');
        $this->assertStringContainsString('value="Hello &lt;b&gt;"', $page->body);

        $settings = Harness::addonSettings(self::PROBE);
        $this->assertSame('Hello <b>', $settings['label']);
        $this->assertSame("two\nlines", $settings['notes']);
        $this->assertSame('', $settings['enabled']);
        $this->assertSame('a', $settings['mode']);
        $this->assertSame('high', $settings['level']);
        $this->assertSame('red', $settings['colour']);
        $this->assertSame('1,2', $settings['access']);
        $cipher = $settings['apikey'];
        $this->assertNotSame('', $cipher);
        $this->assertStringNotContainsString('sk_test', $cipher);
        $this->assertNotFalse(base64_decode($cipher, true));
        $perms = unserialize((string) Harness::configValue('AddonModulesPerms'));
        $this->assertSame(['harnessprobe' => 'Harness Probe'], $perms[2] ?? null);
        $this->assertArrayNotHasKey(3, $perms);

        // $vars carries the decrypted value.
        $json = $admin->get(self::PROBE_PAGE . '&action=json')->json();
        $this->assertSame('sk_test_very_secret', $json['vars']['apikey']);
        $this->assertSame('', $json['vars']['enabled']);

        // A blank password keeps the stored one; the same secret saved again encrypts differently.
        $this->configureProbe($admin, ['apikey' => '', 'label' => 'x', 'enabled' => 'on'], [1]);
        $this->assertSame($cipher, Harness::addonSettings(self::PROBE)['apikey']);
        $this->assertSame('on', Harness::addonSettings(self::PROBE)['enabled']);
        $this->configureProbe($admin, ['apikey' => 'sk_test_very_secret'], [1]);
        $again = Harness::addonSettings(self::PROBE)['apikey'];
        $this->assertNotSame($cipher, $again, 'random IV: encrypting twice differs');
        $this->assertSame('sk_test_very_secret', $admin->get(self::PROBE_PAGE . '&action=json')->json()['vars']['apikey']);
    }

    public function testDeactivationCallsDeactivateAndForgetsTheModule(): void
    {
        $admin = $this->admin();
        $this->activateProbe($admin);
        $this->configureProbe($admin, ['label' => 'kept?'], [1]);
        $admin->get('admin/configaddonmods.php');
        $admin->post('admin/configaddonmods.php', ['action' => 'deactivate', 'module' => self::PROBE], true);
        $page = $admin->follow();
        $this->assertStringContainsString('Harness Probe deactivated. Probe removed.', $page->body);
        $this->assertNotContains(self::PROBE, Harness::configList('ActiveAddonModules'));
        $this->assertNotContains(self::PROBE, Harness::configList('AddonModulesHooks'));
        $this->assertSame([], Harness::addonSettings(self::PROBE));
        $tables = Harness::pdo()->query("SHOW TABLES LIKE 'mod\\_harnessprobe\\_log'")->fetchAll();
        $this->assertSame([], $tables, '_deactivate dropped its table');
        $this->assertSame(403, $admin->get(self::PROBE_PAGE)->status, 'an inactive module cannot be opened');
    }

    // --- the addon page -------------------------------------------------------------------------

    public function testAddonPageFollowsTheAccessList(): void
    {
        $admin = $this->admin();
        $this->activateProbe($admin);
        $this->configureProbe($admin, [], [1, 2]);

        $sales = $this->admin('sales', 'sales-pass');
        $page = $sales->get(self::PROBE_PAGE);
        $this->assertSame(200, $page->status);
        $this->assertTrue($page->isWrapped());
        $this->assertSame('1', $page->header('X-Harness-Wrapped'));
        $this->assertStringContainsString('<p id="probe-hello">Hello from the probe</p>', $page->body);
        $this->assertStringContainsString('id="probe-sidebar"', $page->body);
        $this->assertStringContainsString('<h1>Harness Probe</h1>', $page->body);
        $this->assertStringNotContainsString('//cdn', $page->body);
        $this->assertDoesNotMatchRegularExpression('#(src|href)="(https?:)?//#', $page->body, 'no external URL in the layout');

        $support = $this->admin('support', 'support-pass');
        $denied = $support->get(self::PROBE_PAGE);
        $this->assertSame(403, $denied->status);
        $this->assertStringContainsString('Access Denied', $denied->body);
        $this->assertStringNotContainsString('probe-hello', $denied->body);
        $this->assertSame(403, $support->get(self::PROBE_PAGE . '&action=json')->status);
    }

    public function testAjaxAnswerThatExitsReachesTheClientUnwrapped(): void
    {
        $admin = $this->admin();
        $this->activateProbe($admin);
        $this->configureProbe($admin, [], [1]);
        $response = $admin->get(self::PROBE_PAGE . '&action=json&ajax=1');
        $this->assertSame(200, $response->status);
        $this->assertSame('0', $response->header('X-Harness-Wrapped'));
        $this->assertStringStartsWith('application/json', (string) $response->header('Content-Type'));
        $this->assertFalse($response->isWrapped());
        $json = $response->json();
        $this->assertTrue($json['ok']);
        $this->assertSame('addonmodules.php?module=harnessprobe', $json['vars']['modulelink']);
        $this->assertSame('1.2.0', $json['vars']['version']);
        $this->assertSame('harnessprobe', $json['vars']['module']);
        $this->assertSame('Hello from the probe', $json['lang']);
    }

    public function testUpgradeRunsOnceWhenTheVersionChanges(): void
    {
        $admin = $this->admin();
        $this->activateProbe($admin);
        $this->configureProbe($admin, [], [1]);
        $admin->get(self::PROBE_PAGE);
        $this->assertSame([], $this->probeLog('upgrade'), 'same version: no upgrade');

        Harness::pdo()->exec("UPDATE tbladdonmodules SET value = '1.0.9' WHERE module = 'harnessprobe' AND setting = 'version'");
        $page = $admin->get(self::PROBE_PAGE);
        $this->assertSame(200, $page->status);
        $this->assertStringContainsString('Probe sidebar v1.2.0', $page->body);
        $this->assertSame([['event' => 'upgrade', 'detail' => ['from' => '1.0.9']]], $this->probeLog('upgrade'));
        $this->assertSame('1.2.0', Harness::addonSettings(self::PROBE)['version']);
        $admin->get(self::PROBE_PAGE);
        $this->assertCount(1, $this->probeLog('upgrade'));
    }

    // --- CSRF -----------------------------------------------------------------------------------

    public function testPostsWithoutTheCsrfTokenAreRejected(): void
    {
        $admin = $this->admin();
        $admin->get('admin/configaddonmods.php');
        $response = $admin->post('admin/configaddonmods.php', ['action' => 'activate', 'module' => self::PROBE]);
        $this->assertSame(403, $response->status);
        $this->assertStringContainsString('Invalid CSRF token', $response->body);
        $response = $admin->post('admin/configaddonmods.php', ['action' => 'activate', 'module' => self::PROBE, 'token' => 'forged']);
        $this->assertSame(403, $response->status);
        $this->assertNotContains(self::PROBE, Harness::configList('ActiveAddonModules'));

        $other = new HarnessClient();
        $other->get('admin/login.php');
        $foreignToken = $other->csrfToken();
        $this->assertNotNull($foreignToken);
        $this->assertNotSame($foreignToken, $admin->get('admin/index.php')->csrfToken(), 'one token per session');
        $response = $admin->post('admin/configaddonmods.php', ['action' => 'activate', 'module' => self::PROBE, 'token' => $foreignToken]);
        $this->assertSame(403, $response->status, "another session's token");

        $this->activateProbe($admin);
        $this->configureProbe($admin, [], [1]);
        $admin->get(self::PROBE_PAGE);
        $response = $admin->post(self::PROBE_PAGE . '&action=save', ['value' => 'no token']);
        $this->assertSame(403, $response->status);
        $this->assertSame('Invalid CSRF token', preg_match('#<h1>([^<]+)</h1>#', $response->body, $m) ? $m[1] : null);
        $this->assertFalse($response->isWrapped(), 'check_token discards the buffered page');
        $this->assertSame([], $this->probeLog('save'));

        $admin->get(self::PROBE_PAGE);
        $response = $admin->post(self::PROBE_PAGE . '&action=save', ['value' => 'with token'], true);
        $this->assertSame(200, $response->status);
        $this->assertStringContainsString('id="probe-saved"', $response->body);
        $this->assertSame([['event' => 'save', 'detail' => ['value' => 'with token']]], $this->probeLog('save'));

        $login = (new HarnessClient())->post('admin/login.php', ['username' => 'admin', 'password' => 'admin-pass']);
        $this->assertSame(403, $login->status, 'the login form needs its token too');
    }

    // --- runtime functions ----------------------------------------------------------------------

    public function testRuntimeFunctionsInsideAnAddon(): void
    {
        $admin = $this->admin();
        $this->activateProbe($admin);
        $this->configureProbe($admin, ['apikey' => 'sk_model', 'label' => 'L1'], [1]);
        $page = $admin->get(self::PROBE_PAGE);
        $token = $page->csrfToken();
        $runtime = $admin->get(self::PROBE_PAGE . '&action=runtime')->json();

        $this->assertTrue($runtime['encrypted_differs']);
        $this->assertSame('secret value', $runtime['roundtrip']);
        $this->assertSame($token, $runtime['token_plain']);
        $this->assertSame('&token=' . $token, $runtime['token_link']);
        $this->assertSame('<input type="hidden" name="token" value="' . $token . '" />', $runtime['token_form']);
        $this->assertSame('sk_model', $runtime['setting_model']['apikey'], 'Setting model decrypts password fields');
        $this->assertSame('L1', $runtime['setting_model']['label']);
        $this->assertSame(\PDO::ERRMODE_EXCEPTION, $runtime['pdo_errmode']);
        $this->assertContains('USD', $runtime['currencies']);
        $this->assertSame('admin', $runtime['admin']);
        $this->assertSame('pong', $runtime['lib'], 'lib/ autoloaded under WHMCS\\Module\\Addon\\Harnessprobe');
        $this->assertTrue($runtime['rootdir']);
        $this->assertTrue($runtime['extension'], 'the chartmogul_sync extension is loaded in the web server');

        $activity = Harness::pdo()->query("SELECT user, userid, admin_id FROM tblactivitylog WHERE description = 'probe activity' ORDER BY id DESC LIMIT 1")->fetch();
        $this->assertSame(['user' => 'admin', 'userid' => 7], ['user' => $activity['user'], 'userid' => (int) $activity['userid']]);
        $this->assertGreaterThan(0, (int) $activity['admin_id']);
        $log = Harness::pdo()->query("SELECT request, response FROM tblmodulelog WHERE module = 'harnessprobe' ORDER BY id DESC LIMIT 1")->fetch();
        $this->assertStringNotContainsString('sk_live_123', $log['request'] . $log['response']);
        $this->assertStringContainsString('***********', $log['response']);

        Harness::setConfigValue('ModuleDebugMode', '');
        $before = (int) Harness::pdo()->query('SELECT COUNT(*) FROM tblmodulelog')->fetchColumn();
        $admin->get(self::PROBE_PAGE . '&action=runtime');
        $this->assertSame($before, (int) Harness::pdo()->query('SELECT COUNT(*) FROM tblmodulelog')->fetchColumn(), 'module log off');
    }

    public function testLocalApi(): void
    {
        $admin = $this->admin();
        $this->activateProbe($admin);
        $this->configureProbe($admin, [], [1]);
        $api = function (string $command, array $params = [], string $as = '') use ($admin): array {
            return $admin->get(self::PROBE_PAGE, ['action' => 'localapi', 'command' => $command, 'params' => $params, 'as' => $as])->json();
        };

        $currencies = $api('GetCurrencies');
        $this->assertSame('success', $currencies['result']);
        $codes = array_column($currencies['currencies']['currency'], 'code');
        $this->assertContains('USD', $codes);
        $this->assertSame((string) count($codes), $currencies['totalresults']);
        $this->assertSame($currencies, $api('getcurrencies'), 'command names are case-insensitive');

        $encrypted = $api('EncryptPassword', ['password2' => 'p@ss']);
        $this->assertSame('success', $encrypted['result']);
        $this->assertNotSame('p@ss', $encrypted['password']);
        $this->assertSame(['result' => 'success', 'password' => 'p@ss'], $api('DecryptPassword', ['password2' => $encrypted['password']]));

        [$clientId] = $this->makeInvoice();
        $details = $api('GetClientsDetails', ['clientid' => (string) $clientId, 'stats' => '1']);
        $this->assertSame('success', $details['result']);
        $this->assertSame($clientId, $details['client']['id']);
        $this->assertSame('Ivy Invoice', $details['client']['fullname']);
        $this->assertSame(1, $details['stats']['numunpaidinvoices']);
        $this->assertSame(['result' => 'error', 'message' => 'Client Not Found'], $api('GetClientsDetails', ['clientid' => '999999']));

        $sales = $api('GetAdminDetails', [], 'sales');
        $this->assertSame('success', $sales['result']);
        $salesId = Harness::pdo()->query("SELECT id FROM tbladmins WHERE username = 'sales'")->fetchColumn();
        $this->assertSame((string) $salesId, $sales['adminid']);
        $this->assertSame('Sam Sales', $sales['name']);
        $this->assertStringContainsString('Addon Modules', $sales['allowedpermissions']);
        $this->assertSame('error', $api('GetAdminDetails', [], 'nobody')['result']);

        $unknown = $api('DeleteEverything');
        $this->assertSame('error', $unknown['result']);
        $this->assertNotSame('', $unknown['message']);
    }

    // --- hooks ------------------------------------------------------------------------------------

    public function testHooksOfActiveAddonsRunInPriorityOrder(): void
    {
        [, $invoiceId] = $this->makeInvoice();
        $client = new HarnessClient();
        $inactive = $client->fire('InvoicePaid', ['invoiceid' => $invoiceId]);
        $this->assertTrue($inactive['ok']);
        $this->assertSame(0, $this->firedHandlers($inactive, 'InvoicePaid'), 'hooks of an inactive addon are not loaded');
        $this->assertNotContains(self::PROBE, $inactive['hooks_loaded_from']);

        $this->activateProbe($this->admin());
        Harness::pdo()->exec("UPDATE tblinvoices SET status = 'Unpaid', datepaid = '0000-00-00 00:00:00' WHERE id = $invoiceId");
        $answer = $client->fire('InvoicePaid', ['invoiceid' => $invoiceId]);
        $this->assertSame([], $answer['hook_errors']);
        $this->assertContains(self::PROBE, $answer['hooks_loaded_from']);
        $this->assertSame(2, $this->firedHandlers($answer, 'InvoicePaid'));
        $this->assertSame(0, $this->firedHandlers($answer, 'InvoicePaidPreEmail'));
        $this->assertSame(
            [
                ['event' => 'InvoicePaid:first', 'detail' => ['invoiceid' => $invoiceId]],
                ['event' => 'InvoicePaid:second', 'detail' => ['invoiceid' => $invoiceId, 'has_invoice' => true]],
            ],
            array_values(array_filter($this->probeLog(), static fn ($r) => str_starts_with($r['event'], 'InvoicePaid'))),
            'priority 5 before priority 20, whatever the registration order',
        );
        $invoice = Harness::pdo()->query("SELECT status, datepaid FROM tblinvoices WHERE id = $invoiceId")->fetch();
        $this->assertSame('Paid', $invoice['status']);
        $this->assertNotSame('0000-00-00 00:00:00', $invoice['datepaid']);
    }

    public function testFireActionsChangeTheDatabaseAndPassTheDocumentedVars(): void
    {
        $this->activateProbe($this->admin());
        $client = new HarnessClient();

        $added = $client->fire('ClientAdd', ['firstname' => 'Nia', 'lastname' => 'New', 'email' => 'nia@example.test', 'country' => 'DE']);
        $this->assertTrue($added['ok'], json_encode($added));
        $id = $added['data']['client_id'];
        $vars = $this->probeLog('ClientAdd')[0]['detail'];
        $this->assertSame($id, $vars['client_id']);
        $this->assertArrayHasKey('user_id', $vars);
        $this->assertArrayNotHasKey('userid', $vars, 'ClientAdd gives client_id/user_id, not userid');
        $this->assertSame('DE', $vars['country']);
        $this->assertArrayNotHasKey('password', $vars);

        $edited = $client->fire('ClientEdit', ['userid' => $id, 'firstname' => 'Nina']);
        $this->assertSame(['firstname'], $edited['data']['changed']);
        $vars = $this->probeLog('ClientEdit')[0]['detail'];
        $this->assertSame([$id, 'Nina', 'Nia'], [$vars['userid'], $vars['firstname'], $vars['olddata']['firstname']]);

        [$payer, $invoiceId] = $this->makeInvoice();
        $tx = $client->fire('AddTransaction', ['userid' => $payer, 'invoiceid' => $invoiceId, 'amountin' => '4.00', 'transid' => 'T1']);
        $vars = $this->probeLog('AddTransaction')[0]['detail'];
        $this->assertSame($invoiceId, $vars['invocieid'], 'the key as the docs spell it');
        $this->assertArrayNotHasKey('invoiceid', $vars);
        $this->assertSame($tx['data']['transactionid'], $vars['id']);
        $client->fire('AddTransaction', ['userid' => $payer, 'invoiceid' => $invoiceId, 'amountin' => '6.00', 'spelling' => 'both']);
        $vars = $this->probeLog('AddTransaction')[1]['detail'];
        $this->assertSame([$invoiceId, $invoiceId], [$vars['invocieid'], $vars['invoiceid']]);

        $refund = $client->fire('InvoiceRefunded', ['invoiceid' => $invoiceId]);
        $this->assertSame('10.00', $refund['data']['amount']);
        $this->assertSame('Refunded', $refund['data']['status']);
        $this->assertSame([['event' => 'InvoiceRefunded', 'detail' => ['invoiceid' => $invoiceId]]], $this->probeLog('InvoiceRefunded'));
        $row = Harness::pdo()->query("SELECT amountout, refundid FROM tblaccounts WHERE id = {$refund['data']['transactionid']}")->fetch();
        $this->assertSame('10.00', $row['amountout']);
        $this->assertGreaterThan(0, (int) $row['refundid']);

        $merged = $client->fire('AfterClientMerge', ['fromUserID' => $payer, 'toUserID' => $id]);
        $this->assertTrue($merged['ok'], json_encode($merged));
        $this->assertSame(['toUserID' => $id, 'fromUserID' => $payer], $this->probeLog('AfterClientMerge')[0]['detail']);
        $this->assertSame($id, (int) Harness::pdo()->query("SELECT userid FROM tblinvoices WHERE id = $invoiceId")->fetchColumn());

        $deleted = $client->fire('PreDeleteClient', ['userid' => $id]);
        $this->assertTrue($deleted['ok']);
        $this->assertSame(['userid' => $id], $this->probeLog('PreDeleteClient')[0]['detail']);
        $this->assertSame(0, (int) Harness::pdo()->query("SELECT COUNT(*) FROM tblclients WHERE id = $id")->fetchColumn());
        $this->assertSame(0, (int) Harness::pdo()->query("SELECT COUNT(*) FROM tblinvoices WHERE userid = $id")->fetchColumn());

        $this->assertSame(404, $this->statusOf($client, 'ClientEdit', ['userid' => $id]));
        $this->assertSame(400, $this->statusOf($client, 'NoSuchAction', []));
        $this->assertSame(400, $this->statusOf($client, 'InvoicePaid', []));

        $custom = $client->fire('hook', ['hook' => 'ProbeCustom', 'vars' => ['a' => '1']]);
        $this->assertSame(1, $this->firedHandlers($custom, 'ProbeCustom'));
        $this->assertSame(['a' => '1'], $this->probeLog('ProbeCustom')[0]['detail']);

        $throws = $client->fire('hook', ['hook' => 'ProbeThrows']);
        $this->assertTrue($throws['ok']);
        $this->assertCount(1, $throws['hook_errors']);
        $this->assertStringContainsString('probe hook failure', $throws['hook_errors'][0]['error']);
    }

    private function statusOf(HarnessClient $client, string $action, array $params): int
    {
        $client->fire($action, $params);
        return (int) $client->lastResponse()?->status;
    }

    // --- cron -------------------------------------------------------------------------------------

    public function testCronRunsAfterCronJobEveryTimeAndTheDailyJobOncePerDay(): void
    {
        $this->activateProbe($this->admin());
        Harness::setConfigValue('lastDailyCronInvocationTime', date('Y-m-d H:i:s', time() - 86400));
        $client = new HarnessClient();

        $first = $client->runCron();
        $this->assertSame(0, $first->exitCode, $first->stdout . $first->stderr);
        $this->assertStringContainsString('DailyCronJob: ran 1 hook(s)', $first->stdout);
        $this->assertStringContainsString('AfterCronJob: ran 1 hook(s)', $first->stdout);
        $this->assertSame(date('Y-m-d'), substr((string) Harness::configValue('lastDailyCronInvocationTime'), 0, 10));

        $second = $client->runCron();
        $this->assertSame(0, $second->exitCode);
        $this->assertStringContainsString('DailyCronJob: skipped', $second->stdout);
        $this->assertCount(1, $this->probeLog('DailyCronJob'));
        $this->assertCount(2, $this->probeLog('AfterCronJob'));

        $forced = $client->runCron(['--force-daily']);
        $this->assertStringContainsString('DailyCronJob: ran 1 hook(s)', $forced->stdout);
        $this->assertCount(2, $this->probeLog('DailyCronJob'));
        $this->assertCount(3, $this->probeLog('AfterCronJob'));

        $http = $client->get('harness/cron.php');
        $this->assertSame(200, $http->status);
        $this->assertStringContainsString('AfterCronJob: ran 1 hook(s)', $http->body);
        $this->assertCount(4, $this->probeLog('AfterCronJob'));

        $this->assertSame(2, $client->runCron(['--bogus'])->exitCode);
        $web = $client->get('crons/cron.php');
        $this->assertSame(403, $web->status, 'crons/cron.php is CLI only');
    }

    public function testCronReportsAFailingHook(): void
    {
        $this->activateProbe($this->admin());
        $hooks = HarnessClient::env('HARNESS_ROOT') . '/crons/failing_hook_probe.php';
        // A throw-away copy of cron.php that also fires the probe's failing hook.
        file_put_contents($hooks, "<?php\nrequire __DIR__ . '/../init.php';\nadd_hook('AfterCronJob', 9, static function () {"
            . " throw new RuntimeException('cron hook broke'); });\n\$argv = [\$argv[0]];\n"
            . "exit(\\WHMCS\\Harness\\Cron::run(false, static function (string \$l) { echo \$l, \"\\n\"; }));\n");
        try {
            $run = HarnessClient::php([$hooks]);
        } finally {
            unlink($hooks);
        }
        $this->assertSame(1, $run->exitCode);
        $this->assertStringContainsString('hook error: AfterCronJob: RuntimeException: cron hook broke', $run->stdout);
        $this->assertCount(1, $this->probeLog('AfterCronJob'), 'the other handler still ran');
    }
}
