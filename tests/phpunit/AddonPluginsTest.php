<?php
// The Settings tab's Plugins section (docs/plugins.md): uploading WebAssembly components,
// enabling, ordering and removing them, and the engine running the enabled ones in every batch.
// Needs target/plugins/*.wasm (bash plugins/build.sh).
declare(strict_types=1);

namespace WhmcsHarness\Tests;

final class AddonPluginsTest extends AddonTestCase
{
    private static function wasm(string $name): string
    {
        $file = dirname(__DIR__, 2) . '/target/plugins/' . $name . '.wasm';
        if (!is_file($file)) {
            self::markTestSkipped("$file is missing: run bash plugins/build.sh");
        }
        return $file;
    }

    private function upload(HarnessClient $admin, string $file, string $policy = 'fail-closed', ?string $as = null): HarnessResponse
    {
        $this->tab($admin, 'settings');
        return $admin->postFiles(self::PAGE . '&tab=settings', ['action' => 'save_plugin_upload', 'policy' => $policy],
            ['plugin_file' => $file], true, $as === null ? [] : ['plugin_file' => $as]);
    }

    private function change(HarnessClient $admin, string $name, string $op, string $policy = ''): HarnessResponse
    {
        $this->tab($admin, 'settings');
        return $admin->post(self::PAGE . '&tab=settings', ['action' => 'save_plugin', 'name' => $name, 'op' => $op, 'policy' => $policy], true);
    }

    /** @return list<array<string, mixed>> the stored list (tbladdonmodules 'plugins') */
    private static function stored(): array
    {
        $json = Harness::addonSettings(self::MODULE)['plugins'] ?? '[]';
        return json_decode($json, true, 512, JSON_THROW_ON_ERROR);
    }

    /** The Settings tab's row of a plugin (its <tr> markup), or null. */
    private static function row(HarnessResponse $page, string $name): ?string
    {
        $quoted = preg_quote(htmlspecialchars($name, ENT_QUOTES), '#');
        return preg_match('#<tr class="cm-plugin-row"[^>]*data-name="' . $quoted . '".*?</tr>#s', $page->body, $m) ? $m[0] : null;
    }

    public function testAnUploadedEnabledPluginChangesWhatIsSentAndCanBeDisabledAndRemoved(): void
    {
        $admin = $this->install();
        $page = $this->tab($admin, 'settings');
        foreach (['cm-plugins', 'cm-plugin-upload', 'cm-plugin-file'] as $id) {
            $this->assertPageContains('id="' . $id . '"', $page->body);
        }
        $this->assertPageContains('enctype="multipart/form-data"', $page->body);

        $page = $this->upload($admin, self::wasm('company-attribute'));
        $this->assertContains(['success', self::lang('plugin_uploaded', 'company-attribute')], self::alerts($page), $page->body);
        $stored = self::stored();
        $this->assertCount(1, $stored);
        $this->assertSame(['company-attribute', 'company-attribute.wasm', false, 'fail-closed', 1],
            [$stored[0]['name'], $stored[0]['file'], $stored[0]['enabled'], $stored[0]['policy'], $stored[0]['order']]);
        $this->assertSame(hash_file('sha256', self::wasm('company-attribute')), $stored[0]['sha256']);
        $dir = Harness::addonSettings(self::MODULE)['plugin_dir'];
        $this->assertFileEquals(self::wasm('company-attribute'), $dir . '/company-attribute.wasm');
        $this->assertStringStartsNotWith(realpath(HarnessClient::env('HARNESS_ROOT')) . '/', $dir . '/', 'stored outside the web root');
        $row = self::row($page, 'company-attribute');
        $this->assertNotNull($row, 'the table lists the plugin');
        $this->assertStringContainsString(substr($stored[0]['sha256'], 0, 12), $row);
        $this->assertStringContainsString('data-enabled="0"', $row);

        $page = $this->change($admin, 'company-attribute', 'enable');
        $this->assertContains(['success', self::lang('plugin_enabled_msg', 'company-attribute')], self::alerts($page));
        $this->assertStringContainsString('data-enabled="1"', (string) self::row($page, 'company-attribute'));
        $this->assertTrue(self::stored()[0]['enabled']);

        $this->syncUntilFinished($admin, 'products');
        $this->syncUntilFinished($admin, 'clients');
        $companies = Harness::pdo()->query("SELECT id, TRIM(companyname) FROM tblclients WHERE TRIM(companyname) <> ''")
            ->fetchAll(\PDO::FETCH_KEY_PAIR);
        $this->assertNotEmpty($companies, 'the seed has clients with a company');
        $checked = 0;
        foreach (self::simState()['customers'] as $customer) {
            if (!preg_match('/^whmcs-client-(\d+)$/', (string) ($customer['external_id'] ?? ''), $m) || !isset($companies[(int) $m[1]])) {
                continue;
            }
            $this->assertSame($companies[(int) $m[1]], $customer['attributes']['custom']['whmcs_company'] ?? null, $customer['external_id']);
            $checked++;
        }
        $this->assertGreaterThan(0, $checked, 'customers with a company were sent');
        $stats = json_decode(Harness::addonSettings(self::MODULE)['plugin_stats'] ?? 'null', true);
        $this->assertSame('company-attribute', $stats['plugins'][0]['plugin'] ?? null, 'the last batch\'s counters are kept');
        $this->assertGreaterThan(0, $stats['plugins'][0]['micros'] ?? 0, 'the time spent in the plugin is kept');
        $row = (string) self::row($this->tab($admin, 'settings'), 'company-attribute');
        $this->assertStringContainsString('cm-plugin-stats', $row);
        $this->assertMatchesRegularExpression('#\d+ call\(s\), 0 failure\(s\), \d[\d.]* (ms|s) in the plugin#', $row);

        // Order: a second plugin goes last; "up" moves it first.
        $this->upload($admin, self::wasm('drop-test-clients'));
        $this->assertSame(['company-attribute', 'drop-test-clients'], array_column(self::stored(), 'name'));
        $this->change($admin, 'drop-test-clients', 'up');
        $this->assertSame(['drop-test-clients', 'company-attribute'], array_column(self::stored(), 'name'));
        $this->assertSame([1, 2], array_column(self::stored(), 'order'));
        $this->change($admin, 'company-attribute', 'policy', 'fail-open');
        $this->assertSame('fail-open', self::stored()[1]['policy']);

        $page = $this->change($admin, 'company-attribute', 'disable');
        $this->assertContains(['success', self::lang('plugin_disabled_msg', 'company-attribute')], self::alerts($page));
        $this->assertFalse(self::stored()[1]['enabled']);
        $page = $this->change($admin, 'company-attribute', 'remove');
        $this->assertContains(['success', self::lang('plugin_removed_msg', 'company-attribute')], self::alerts($page));
        $this->assertSame(['drop-test-clients'], array_column(self::stored(), 'name'));
        $this->assertFileDoesNotExist($dir . '/company-attribute.wasm');
        $this->assertNull(self::row($page, 'company-attribute'));
    }

    public function testOnlyWebAssemblyComponentsAreAccepted(): void
    {
        $admin = $this->install();
        $tmp = sys_get_temp_dir() . '/cm-plugin-test-' . bin2hex(random_bytes(4));
        mkdir($tmp);
        try {
            file_put_contents("$tmp/core.wasm", "\x00asm\x01\x00\x00\x00" . str_repeat("\x00", 16));
            file_put_contents("$tmp/notes.txt", "hello\n");
            file_put_contents("$tmp/fake.wasm", "#!/bin/sh\necho hi\n");
            $cases = [
                ["$tmp/core.wasm", null, 'plugin_err_core_module'],
                ["$tmp/notes.txt", null, 'plugin_err_extension'],
                ["$tmp/fake.wasm", null, 'plugin_err_not_wasm'],
                [self::wasm('company-attribute'), 'company-attribute.php', 'plugin_err_extension'],
            ];
            foreach ($cases as [$file, $as, $key]) {
                $page = $this->upload($admin, $file, 'fail-closed', $as);
                $this->assertSame(200, $page->status);
                $this->assertContains(['danger', self::lang($key)], self::alerts($page), basename($file) . ': ' . $key);
            }
            $this->assertStringContainsString('must be WebAssembly components', self::lang('plugin_err_core_module'));
            $this->assertSame([], self::stored());
        } finally {
            array_map('unlink', glob("$tmp/*"));
            rmdir($tmp);
        }
    }

    public function testAFailingPluginLetsTheBatchFinishAndTheSettingsTabNamesIt(): void
    {
        $admin = $this->install();
        $this->upload($admin, self::wasm('hostile-trap'), 'fail-closed');
        $this->change($admin, 'hostile-trap', 'enable');
        $answers = $this->syncUntilFinished($admin, 'clients');
        $this->assertTrue(end($answers)['finished']);

        $row = self::row($this->tab($admin, 'settings'), 'hostile-trap');
        $this->assertNotNull($row);
        $this->assertStringContainsString('data-kind="plugin_failed"', $row, 'the last failures are listed');
        $this->assertMatchesRegularExpression('#<li class="cm-plugin-event"[^>]*>.*hostile-trap#s', $row, 'the failure names the plugin');
        $this->assertStringContainsString('cm-plugin-last-error', $row);
    }

    public function testAPluginForAnotherInterfaceVersionStopsTheSyncWithAHintToDisableIt(): void
    {
        $admin = $this->install();
        $this->upload($admin, self::wasm('hostile-wrong-version'));
        $this->change($admin, 'hostile-wrong-version', 'enable');
        $response = $this->ajax($admin, 'batch', ['kind' => 'clients']);
        $this->assertSame(422, $response->status, $response->body);
        $json = $response->json();
        $this->assertSame('configuration', $json['kind']);
        $this->assertStringContainsString('hostile-wrong-version', $json['error']);
        $this->assertStringContainsString('@2.0.0', $json['error']);
        $this->assertStringContainsString('Disable it on the Settings tab', $json['error']);

        // Cron says the same in the activity log.
        $after = self::maxActivityId();
        $admin->runCron();
        $lines = implode("\n", self::activitySince($after));
        $this->assertStringContainsString('hostile-wrong-version', $lines);
        $this->assertStringContainsString('Disable it on the Settings tab', $lines);

        // Disabled, the sync runs again.
        $this->change($admin, 'hostile-wrong-version', 'disable');
        $answers = $this->syncUntilFinished($admin, 'clients');
        $this->assertTrue(end($answers)['finished']);
    }

    public function testWithoutConfigureOrWithoutTheTokenNothingChanges(): void
    {
        $admin = $this->install();
        $this->grant($admin, [1 => ['view', 'sync', 'configure'], 2 => ['view', 'sync']]);
        $this->upload($admin, self::wasm('hostile-trap'));
        $before = self::stored();

        $sales = $this->login(2);
        $page = $this->tab($sales, 'settings');
        $this->assertPageLacks('id="cm-plugin-upload"', $page->body, 'no upload form without configure');
        $this->assertPageLacks('cm-plugin-actions', $page->body);
        $page = $this->upload($sales, self::wasm('company-attribute'));
        $this->assertTrue(self::isDenied($page) || in_array(['danger', self::lang('perm_no_configure')], self::alerts($page), true));
        $page = $this->change($sales, 'hostile-trap', 'enable');
        $this->assertTrue(self::isDenied($page) || in_array(['danger', self::lang('perm_no_configure')], self::alerts($page), true));
        $page = $this->change($sales, 'hostile-trap', 'remove');
        $this->assertTrue(self::isDenied($page) || in_array(['danger', self::lang('perm_no_configure')], self::alerts($page), true));
        $this->assertSame($before, self::stored());

        // CSRF: no token, or a wrong one, is refused before anything is read.
        foreach ([null, 'not-the-token'] as $token) {
            $fields = ['action' => 'save_plugin_upload', 'policy' => 'fail-closed'] + ($token === null ? [] : ['token' => $token]);
            $response = $admin->postFiles(self::PAGE . '&tab=settings', $fields, ['plugin_file' => self::wasm('company-attribute')]);
            $this->assertSame(403, $response->status);
            $this->assertSame('rejected', $response->header('X-Harness-Csrf'));
            $fields = ['action' => 'save_plugin', 'name' => 'hostile-trap', 'op' => 'remove'] + ($token === null ? [] : ['token' => $token]);
            $response = $admin->post(self::PAGE . '&tab=settings', $fields);
            $this->assertSame(403, $response->status);
        }
        // A GET never changes anything.
        $this->tab($admin, 'settings', ['action' => 'save_plugin', 'name' => 'hostile-trap', 'op' => 'remove']);
        $this->assertSame($before, self::stored());
    }
}
