<?php
// The ChartMogul addon's permissions (View, Sync, Configure per admin role, on top of WHMCS's
// Access Control) and its CSRF protection, checked on the server for every action.
declare(strict_types=1);

namespace WhmcsHarness\Tests;

final class AddonPermissionsTest extends AddonTestCase
{
    private const ALL = ['view', 'sync', 'configure'];

    /** A different time zone per role, so a save by the wrong role shows. */
    private const ZONES = [1 => 'Europe/Berlin', 2 => 'Europe/Paris', 3 => 'America/New_York'];

    public function testOnlyFullAdministratorsMayDoAnythingUntilPermissionsAreGranted(): void
    {
        $admin = $this->install();
        $this->assertSame([1 => self::ALL, 2 => [], 3 => []], $this->matrixOnTheSettingsTab($admin), 'the defaults');
        $this->assertArrayNotHasKey('permissions', Harness::addonSettings(self::MODULE));
        $this->checkMatrix([1 => self::ALL, 2 => [], 3 => []]);
    }

    public function testEachRoleMayDoExactlyWhatTheMatrixGrants(): void
    {
        $admin = $this->install();
        $this->syncUntilFinished($admin, 'products'); // the allowed batches below have nothing left to send
        $matrices = [
            // posted => what it means (sync and configure include view)
            [[1 => self::ALL, 2 => ['view', 'sync'], 3 => ['view']], [1 => self::ALL, 2 => ['view', 'sync'], 3 => ['view']]],
            [[1 => ['configure'], 2 => ['configure'], 3 => []], [1 => ['view', 'configure'], 2 => ['view', 'configure'], 3 => []]],
            [[1 => ['sync', 'configure'], 2 => [], 3 => ['sync']], [1 => self::ALL, 2 => [], 3 => ['view', 'sync']]],
        ];
        foreach ($matrices as [$posted, $effective]) {
            $page = $this->grant($admin, $posted);
            $this->assertContains(['success', self::lang('saved_permissions')], self::alerts($page), json_encode($posted));
            $stored = json_decode(Harness::addonSettings(self::MODULE)['permissions'], true);
            $this->assertSame(array_filter($effective), array_filter($stored), 'stored as granted');
            $this->assertSame(array_filter($effective), array_filter($this->matrixOnTheSettingsTab($admin)), 'shown as stored');
            $this->checkMatrix($effective);
        }
    }

    public function testNoRoleCanTakeConfigureAwayFromItself(): void
    {
        $admin = $this->install();
        $page = $this->grant($admin, [1 => ['view', 'sync'], 2 => self::ALL]);
        $this->assertSame(1, preg_match('#id="cm-permissions-error" role="alert">([^<]*)<#', $page->body, $m));
        $this->assertSame(self::lang('perm_keep_own_configure'), html_entity_decode($m[1], ENT_QUOTES));
        $this->assertArrayNotHasKey('permissions', Harness::addonSettings(self::MODULE), 'nothing saved');

        $this->grant($admin, [1 => self::ALL, 2 => ['configure']]);
        $stored = Harness::addonSettings(self::MODULE)['permissions'];
        $page = $this->grant($this->login(2), [1 => self::ALL, 2 => ['view']]);
        $this->assertPageContains('id="cm-permissions-error"', $page->body, 'sales cannot drop its own Configure');
        $this->assertSame($stored, Harness::addonSettings(self::MODULE)['permissions']);
    }

    public function testWhmcsAccessControlComesFirst(): void
    {
        $admin = $this->install([1, 2]);
        $this->grant($admin, [1 => self::ALL, 2 => self::ALL, 3 => self::ALL]);
        $support = $this->login(3);
        $token = $this->token($support);
        $page = $support->get(self::PAGE);
        $this->assertSame(403, $page->status);
        $this->assertPageContains('id="access-denied"', $page->body);
        $this->assertPageLacks('cm-app', $page->body, 'the addon never ran');
        foreach (['progress' => ['kind' => 'clients'], 'batch' => ['kind' => 'products'], 'logs_csv' => []] as $action => $fields) {
            $response = $this->ajax($support, $action, $fields, $token);
            $this->assertSame(403, $response->status, $action);
            $this->assertPageContains('Access Denied', $response->body);
        }
        $this->assertSame(0, self::scalar('SELECT COUNT(*) FROM mod_chartmogul_runs'));
        $settings = $support->get(self::PAGE . '&tab=settings');
        $this->assertSame(403, $settings->status);

        $sales = $this->login(2);
        $this->assertSame(200, $sales->get(self::PAGE)->status, 'a role in Access Control gets in');
        $this->assertPageMatches('#<tr class="cm-perm-row" data-role-id="3">.*?<span class="label label-default">No</span></td></tr>#s',
            $this->tab($admin, 'settings')->body, 'the Settings tab shows that role 3 has no WHMCS access');
    }

    // --- CSRF -------------------------------------------------------------------------------------------

    public function testStateChangingPostsWithoutTheRightTokenAreRejectedAndChangeNothing(): void
    {
        $admin = $this->install();
        $this->grant($admin, [1 => self::ALL, 2 => ['view']]);
        $forms = [
            'settings' => ['action' => 'save_settings', 'timezone' => 'Asia/Tokyo', 'invoice_statuses' => ['Paid'],
                'domains' => 'exclude', 'churn_at' => 'period_end'],
            'trial' => ['action' => 'save_trial', 'trial_products' => '1, 2, 3'],
            'logs' => ['action' => 'save_retention', 'log_retention_days' => '7'],
            'settings#connection' => ['action' => 'save_connection', 'data_source' => 'Hacked', 'api_base_url' => 'https://evil.example/v1',
                'api_key' => 'sk_attacker'],
            'settings#permissions' => ['action' => 'save_permissions', 'perm' => [1 => ['view' => '1', 'sync' => '1', 'configure' => '1'],
                2 => ['view' => '1', 'sync' => '1', 'configure' => '1'], 3 => ['view' => '1', 'sync' => '1', 'configure' => '1']]],
            'settings#deactivate' => ['action' => 'save_deactivate', 'remove_data_on_deactivate' => '1'],
        ];
        $ajax = ['batch' => ['kind' => 'clients'], 'test_connection' => [], 'logs_csv' => [], 'progress' => ['kind' => 'clients']];
        $before = $this->snapshot();
        $token = $this->token($admin);
        foreach (['no token' => null, 'wrong token' => strrev($token), 'token of another session' => $this->token($this->login(2))] as $case => $bad) {
            foreach ($forms as $tab => $fields) {
                if ($bad !== null) {
                    $fields['token'] = $bad;
                }
                $response = $admin->post(self::PAGE . '&tab=' . strtok($tab, '#'), $fields);
                $this->assertSame(403, $response->status, "$case: $tab");
                $this->assertSame('rejected', $response->header('X-Harness-Csrf'), "$case: $tab");
                $this->assertPageLacks('cm-app', $response->body, "$case: $tab renders nothing");
            }
            foreach ($ajax as $action => $fields) {
                if ($bad !== null) {
                    $fields['token'] = $bad;
                }
                $response = $admin->post(self::PAGE . '&ajax=1&action=' . $action, $fields);
                $this->assertSame(403, $response->status, "$case: $action");
                $this->assertSame('rejected', $response->header('X-Harness-Csrf'), "$case: $action");
            }
            // Setup > Addon Modules: configuring and deactivating the addon need the token too.
            foreach ([['action' => 'save', 'module' => self::MODULE, 'fields' => [self::MODULE => ['api_key' => 'sk_attacker']],
                'access' => [self::MODULE => [1, 2, 3]]], ['action' => 'deactivate', 'module' => self::MODULE]] as $fields) {
                if ($bad !== null) {
                    $fields['token'] = $bad;
                }
                $response = $admin->post('admin/configaddonmods.php', $fields);
                $this->assertSame(403, $response->status, "$case: configaddonmods {$fields['action']}");
            }
            $this->assertContains(self::MODULE, Harness::configList('ActiveAddonModules'));
            $this->assertSame($before, $this->snapshot(), "$case: nothing changed");
        }

        // Links (GET) carry the token in vain: they never change anything either.
        foreach ($forms as $tab => $fields) {
            $page = $admin->get(self::PAGE . '&tab=' . strtok($tab, '#'), $fields + ['token' => $token]);
            $this->assertSame(200, $page->status, $tab);
            $this->assertContains(['warning', self::lang('error_get_refused')], self::alerts($page), $tab);
        }
        foreach ($ajax as $action => $fields) {
            $response = $admin->get(self::PAGE . '&ajax=1&action=' . $action, $fields + ['token' => $token]);
            $this->assertSame(405, $response->status, $action);
            $this->assertSame(['error' => self::lang('error_get_refused'), 'kind' => 'bad_request'], $response->json());
        }
        $this->assertSame($before, $this->snapshot(), 'GET: nothing changed');

        // The same forms with the token do change things (so the checks above could fail).
        $page = $admin->post(self::PAGE . '&tab=settings', $forms['settings'] + ['token' => $token]);
        $this->assertContains(['success', self::lang('saved_settings')], self::alerts($page));
        $this->assertSame('Asia/Tokyo', self::storedMapping()['timezone']);
    }

    // --- helpers -----------------------------------------------------------------------------------------

    /**
     * Logs in as each role and tries every action; each must be allowed exactly when the role
     * has the permission it needs, and refused on the server otherwise.
     * @param array<int, list<string>> $matrix role => effective permissions
     */
    private function checkMatrix(array $matrix): void
    {
        foreach (self::ADMINS as $role => [$user]) {
            $perms = $matrix[$role] ?? [];
            $can = static fn (string $p): bool => in_array($p, $perms, true);
            $client = $this->login($role);
            $token = $this->token($client);
            $what = "$user with [" . implode(',', $perms) . ']';

            // View every tab.
            foreach (self::TABS as $tab) {
                $page = $this->tab($client, $tab);
                $this->assertSame(200, $page->status, "$what: $tab");
                if ($can('view')) {
                    $this->assertFalse(self::isDenied($page), "$what may view $tab");
                    $this->assertPageContains('id="cm-tab-' . $tab . '-body"', $page->body, "$what: $tab");
                    $this->assertPageContains('id="cm-sidebar"', $page->body, "$what: sidebar");
                } else {
                    $this->assertTrue(self::isDenied($page), "$what may not view $tab");
                    $this->assertPageContains(htmlspecialchars(self::lang('perm_no_view'), ENT_QUOTES), $page->body);
                    $this->assertPageLacks('cm-tab-', $page->body, "$what: no tab content");
                    $this->assertPageLacks('id="cm-sidebar"', $page->body, "$what: no sidebar");
                }
            }
            if ($can('view')) {
                $settings = $this->tab($client, 'settings');
                $this->assertSame($can('configure'), !str_contains($settings->body, 'cm-readonly-note'), "$what: read-only forms");
                $this->assertSame($can('configure'), str_contains($settings->body, 'id="cm-permissions-save"'), "$what: save button");
                $clients = $this->tab($client, 'clients');
                $this->assertSame($can('sync'), !str_contains($clients->body, 'cm-sync-denied'), "$what: sync button");
            }

            // Run a batch and test the connection (Sync).
            foreach (['batch' => ['kind' => 'products'], 'test_connection' => []] as $action => $fields) {
                $response = $this->ajax($client, $action, $fields, $token);
                if ($can('sync')) {
                    $this->assertSame(200, $response->status, "$what may $action: " . $response->body);
                    $this->assertTrue($response->json()['ok'], "$what: $action");
                } else {
                    $this->assertSame(403, $response->status, "$what may not $action");
                    $this->assertSame(['error' => self::lang('perm_no_sync'), 'kind' => 'forbidden'], $response->json());
                }
            }
            // Progress and the CSV export (View).
            foreach (['progress' => ['kind' => 'products'], 'logs_csv' => []] as $action => $fields) {
                $response = $this->ajax($client, $action, $fields, $token);
                if ($can('view')) {
                    $this->assertSame(200, $response->status, "$what may $action");
                } else {
                    $this->assertSame(403, $response->status, "$what may not $action");
                    $this->assertSame(['error' => self::lang('perm_no_view'), 'kind' => 'forbidden'], $response->json());
                }
            }
            if ($can('view')) {
                $this->assertStringStartsWith("id,time,level,kind,record,message\n", $this->ajax($client, 'logs_csv', [], $token)->body);
            }

            // Save settings (Configure).
            $before = self::storedMapping()['timezone'] ?? null;
            $page = $client->post(self::PAGE . '&tab=settings', ['action' => 'save_settings', 'timezone' => self::ZONES[$role],
                'invoice_statuses' => ['Paid', 'Refunded'], 'domains' => 'subscription', 'churn_at' => 'termination', 'token' => $token]);
            $this->assertSame(200, $page->status);
            if ($can('configure')) {
                $this->assertContains(['success', self::lang('saved_settings')], self::alerts($page), "$what may save settings");
                $this->assertSame(self::ZONES[$role], self::storedMapping()['timezone']);
            } else {
                $this->assertTrue(self::isDenied($page) || in_array(['danger', self::lang('perm_no_configure')], self::alerts($page), true),
                    "$what may not save settings");
                $this->assertSame($before, self::storedMapping()['timezone'] ?? null, "$what: settings unchanged");
            }

            // Save the permissions (Configure): try to give everyone everything.
            $before = Harness::addonSettings(self::MODULE)['permissions'] ?? null;
            $everything = array_fill_keys(array_keys(self::ADMINS), array_fill_keys(self::ALL, '1'));
            $page = $client->post(self::PAGE . '&tab=settings', ['action' => 'save_permissions', 'perm' => $everything, 'token' => $token]);
            if ($can('configure')) {
                $this->assertContains(['success', self::lang('saved_permissions')], self::alerts($page), "$what may save permissions");
                $this->assertNotSame($before, Harness::addonSettings(self::MODULE)['permissions']);
                // Put the matrix under test back.
                $this->grant($client, $matrix + [$role => $perms]);
                $this->assertSame($before ?? json_encode(['1' => self::ALL]), Harness::addonSettings(self::MODULE)['permissions']);
            } else {
                $this->assertTrue(self::isDenied($page) || in_array(['danger', self::lang('perm_no_configure')], self::alerts($page), true),
                    "$what may not save permissions");
                $this->assertSame($before, Harness::addonSettings(self::MODULE)['permissions'] ?? null, "$what: permissions unchanged");
            }
        }
    }

    /** @return array<string, list<string>> role id => permissions ticked on the Settings tab */
    private function matrixOnTheSettingsTab(HarnessClient $admin): array
    {
        $page = $this->tab($admin, 'settings');
        preg_match_all('#<input type="checkbox" class="cm-perm" name="perm\[(\d+)\]\[(\w+)\]"([^>]*)>#', $page->body, $m, PREG_SET_ORDER);
        $this->assertCount(9, $m, 'three roles × three permissions');
        $out = [];
        foreach ($m as $box) {
            $out[(int) $box[1]] ??= [];
            if (str_contains($box[3], ' checked')) {
                $out[(int) $box[1]][] = $box[2];
            }
        }
        return $out;
    }

    /** Everything a forged request could change. */
    private function snapshot(): array
    {
        $addon = Harness::addonSettings(self::MODULE);
        unset($addon['last_cron_at']);
        $state = self::simState();
        return [
            'addon' => $addon,
            'engine' => self::engineSettings(),
            'runs' => self::scalar('SELECT COUNT(*) FROM mod_chartmogul_runs'),
            'ledger' => self::scalar('SELECT COUNT(*) FROM mod_chartmogul_ledger'),
            'chartmogul requests' => $state['counters']['requests'],
        ];
    }
}
