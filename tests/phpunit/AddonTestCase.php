<?php
// Shared set-up and helpers of the ChartMogul addon's tests (AddonTest, AddonPermissionsTest,
// AddonCronHooksTest): the real addon (modules/addons/chartmogul) in the WHMCS harness, with the
// real chartmogul_sync extension and the ChartMogul simulator.
//
// Every test starts from "never activated": no tbladdonmodules rows, no mod_chartmogul_* tables,
// an empty simulator, and the daily cron already done today (so a cron run only runs
// AfterCronJob unless a test asks for the daily pass). The seeded WHMCS data is shared by all
// tests of the run: tests that change it create their own clients or put the rows back.
declare(strict_types=1);

namespace WhmcsHarness\Tests;

use PHPUnit\Framework\TestCase;

abstract class AddonTestCase extends TestCase
{
    protected const MODULE = 'chartmogul';
    protected const PAGE = 'admin/addonmodules.php?module=chartmogul';
    protected const TABS = ['dashboard', 'products', 'clients', 'trial', 'cron', 'logs', 'settings'];
    /** A key no page, export or answer may ever show. */
    protected const API_KEY = 'sk_live_Zq7Hc2Vw9Px4Lr8Tn5Bd';
    /** role id => [username, password] (tests/harness/README.md) */
    protected const ADMINS = [1 => ['admin', 'admin-pass'], 2 => ['sales', 'sales-pass'], 3 => ['support', 'support-pass']];

    private int $errorLogOffset = 0;

    protected function setUp(): void
    {
        $file = HarnessClient::env('HARNESS_PHP_ERRORS');
        clearstatcache();
        $this->errorLogOffset = is_file($file) ? (int) filesize($file) : 0;
        self::resetEverything();
    }

    protected function tearDown(): void
    {
        $this->assertNoPhpErrors();
    }

    public static function tearDownAfterClass(): void
    {
        // The harness's own tests expect no other active addon (hook counts).
        Harness::resetAddon(self::MODULE);
    }

    protected static function resetEverything(): void
    {
        Harness::resetAddon(self::MODULE);
        Harness::setConfigValue('lastDailyCronInvocationTime', date('Y-m-d H:i:s'));
        self::simRequest('POST', '/__sim/reset');
    }

    protected function assertNoPhpErrors(): void
    {
        $new = HarnessClient::phpErrors($this->errorLogOffset);
        $problems = array_filter(explode("\n", $new), static fn (string $l): bool =>
            preg_match('/PHP (Warning|Notice|Deprecated|Fatal error|Parse error|Recoverable|Strict)|Uncaught/', $l) === 1);
        $this->assertSame([], array_values($problems), 'PHP errors while the test ran');
    }

    // --- admins and the addon's lifecycle ---------------------------------------------------------

    protected function login(int $roleId = 1): HarnessClient
    {
        [$user, $pass] = self::ADMINS[$roleId];
        $client = new HarnessClient();
        $this->assertTrue($client->login($user, $pass), "login as $user");
        return $client;
    }

    /** Activates the addon through Setup > Addon Modules; returns the flash messages. */
    protected function activate(HarnessClient $admin): array
    {
        $admin->get('admin/configaddonmods.php');
        $response = $admin->post('admin/configaddonmods.php', ['action' => 'activate', 'module' => self::MODULE], true);
        $this->assertSame(302, $response->status, $response->body);
        return self::flashes($admin->follow());
    }

    /**
     * Setup > Addon Modules > Configure: the _config fields and the Access Control roles.
     * @param array<string, string> $fields
     * @param list<int> $access
     */
    protected function configure(HarnessClient $admin, array $fields, array $access): HarnessResponse
    {
        $admin->get('admin/configaddonmods.php');
        $response = $admin->post('admin/configaddonmods.php', [
            'action' => 'save', 'module' => self::MODULE, 'fields' => [self::MODULE => $fields], 'access' => [self::MODULE => $access],
        ], true);
        $this->assertSame(302, $response->status, $response->body);
        return $admin->follow();
    }

    /**
     * The usual state: active, the API key saved, roles in Access Control, and the API address
     * pointed at the simulator through the Settings tab. Returns the admin's client.
     * @param list<int> $access
     */
    protected function install(array $access = [1, 2, 3], bool $withKey = true): HarnessClient
    {
        $admin = $this->login();
        $flashes = $this->activate($admin);
        $this->assertStringContainsString('ChartMogul activated.', implode("\n", $flashes));
        $this->configure($admin, ['api_key' => $withKey ? self::API_KEY : '', 'data_source' => 'WHMCS'], $access);
        if (in_array(1, $access, true)) {
            $page = $this->saveConnection($admin, ['api_base_url' => self::simUrl()]);
            $this->assertContains(['success', self::lang('saved_connection')], self::alerts($page), $page->body);
        } else {
            Harness::pdo()->prepare("INSERT INTO tbladdonmodules (module, setting, value) VALUES ('chartmogul', 'api_base_url', ?)")
                ->execute([self::simUrl()]);
        }
        return $admin;
    }

    /** Posts the Settings tab's connection form (data source and API address kept unless given). */
    protected function saveConnection(HarnessClient $admin, array $fields): HarnessResponse
    {
        $admin->get(self::PAGE . '&tab=settings');
        $fields += ['action' => 'save_connection', 'data_source' => 'WHMCS', 'api_base_url' => self::simUrl(), 'account_token' => '', 'api_key' => ''];
        return $admin->post(self::PAGE . '&tab=settings', $fields, true);
    }

    /**
     * Grants a permission matrix through the Settings tab's form, as $admin.
     * @param array<int, list<string>> $matrix role id => permissions
     */
    protected function grant(HarnessClient $admin, array $matrix): HarnessResponse
    {
        $perm = [];
        foreach ($matrix as $role => $perms) {
            foreach ($perms as $p) {
                $perm[$role][$p] = '1';
            }
        }
        $admin->get(self::PAGE . '&tab=settings');
        return $admin->post(self::PAGE . '&tab=settings', ['action' => 'save_permissions', 'perm' => $perm], true);
    }

    // --- the addon page and its AJAX endpoint ---------------------------------------------------

    protected function tab(HarnessClient $client, string $tab, array $query = []): HarnessResponse
    {
        return $client->get(self::PAGE . '&tab=' . $tab, $query);
    }

    /** The session's CSRF token (every admin page carries it as `var csrfToken`). */
    protected function token(HarnessClient $client): string
    {
        $token = $client->get('admin/index.php')->csrfToken();
        $this->assertNotNull($token);
        return (string) $token;
    }

    /** POST addonmodules.php?module=chartmogul&ajax=1&action=$action with the session's token. */
    protected function ajax(HarnessClient $client, string $action, array $fields = [], ?string $token = null): HarnessResponse
    {
        $fields['token'] = $token ?? $this->token($client);
        return $client->post(self::PAGE . '&ajax=1&action=' . $action, $fields);
    }

    /** Calls `batch` until it says finished; returns every answer. */
    protected function syncUntilFinished(HarnessClient $client, string $kind, int $maxBatches = 30): array
    {
        $token = $this->token($client);
        $answers = [];
        for ($i = 0; $i < $maxBatches; $i++) {
            $response = $this->ajax($client, 'batch', ['kind' => $kind], $token);
            $this->assertSame(200, $response->status, $response->body);
            $this->assertSame('0', $response->header('X-Harness-Wrapped'), 'the AJAX answer is not wrapped in the layout');
            $answers[] = $json = $response->json();
            if ($json['finished'] === true) {
                return $answers;
            }
        }
        $this->fail("$kind sync not finished after $maxBatches batches");
    }

    // Page assertions that name what is missing instead of printing the whole page on failure.

    protected function assertPageContains(string $needle, string $body, string $message = ''): void
    {
        $this->assertTrue(str_contains($body, $needle), ($message !== '' ? "$message: " : '') . "the page lacks $needle");
    }

    protected function assertPageLacks(string $needle, string $body, string $message = ''): void
    {
        $this->assertFalse(str_contains($body, $needle), ($message !== '' ? "$message: " : '') . "the page contains $needle");
    }

    protected function assertPageMatches(string $pattern, string $body, string $message = ''): void
    {
        $this->assertSame(1, preg_match($pattern, $body), ($message !== '' ? "$message: " : '') . "the page does not match $pattern");
    }

    /** [type, text] of every addon alert (cm-alert) on the page, text without tags and entities. */
    protected static function alerts(HarnessResponse $page): array
    {
        preg_match_all('#<div class="alert alert-(\w+) cm-alert"[^>]*>(.*?)</div>#s', $page->body, $m, PREG_SET_ORDER);
        return array_map(static fn (array $a): array => [$a[1], html_entity_decode(strip_tags($a[2]), ENT_QUOTES | ENT_HTML5)], $m);
    }

    /** The texts of the harness's flash messages (Setup > Addon Modules). */
    protected static function flashes(HarnessResponse $page): array
    {
        preg_match_all('#data-flash="[^"]*">([^<]*)</div>#', $page->body, $m);
        return array_map(static fn (string $s): string => html_entity_decode($s, ENT_QUOTES | ENT_HTML5), $m[1]);
    }

    /** The page without the addon's inlined CSS and JavaScript. */
    protected static function markup(string $body): string
    {
        return (string) preg_replace('#<style>.*?</style>|<script>.*?</script>#s', '', $body);
    }

    /** @return list<string> every id="…" of the page (addon assets left out) */
    protected static function ids(string $body): array
    {
        preg_match_all('#\sid="([^"]+)"#', self::markup($body), $m);
        return $m[1];
    }

    protected static function isDenied(HarnessResponse $page): bool
    {
        return str_contains($page->body, 'id="cm-denied"');
    }

    /** A string of lang/english.php (vsprintf'ed with $args), as the addon shows it. */
    protected static function lang(string $key, ...$args): string
    {
        static $strings = null;
        if ($strings === null) {
            defined('WHMCS') || define('WHMCS', true);
            $strings = (static function (string $file): array {
                $_ADDONLANG = [];
                require $file;
                return $_ADDONLANG;
            })(dirname(__DIR__, 2) . '/modules/addons/chartmogul/lang/english.php');
        }
        self::assertArrayHasKey($key, $strings, "lang key $key");
        return $args === [] ? $strings[$key] : vsprintf($strings[$key], $args);
    }

    // --- database ----------------------------------------------------------------------------------

    /** @return list<string> */
    protected static function addonTables(): array
    {
        return Harness::pdo()->query("SHOW TABLES LIKE 'mod\\_chartmogul\\_%'")->fetchAll(\PDO::FETCH_COLUMN);
    }

    /** The mapping settings the engine stored (null before the first save). */
    protected static function storedMapping(): ?array
    {
        $value = Harness::pdo()->query("SELECT value FROM mod_chartmogul_settings WHERE name = 'mapping'")->fetchColumn();
        return $value === false ? null : json_decode((string) $value, true, 512, JSON_THROW_ON_ERROR);
    }

    /** @return array<string, string> every engine setting row (caches left out) */
    protected static function engineSettings(): array
    {
        $rows = Harness::pdo()->query("SELECT name, value FROM mod_chartmogul_settings WHERE name NOT LIKE 'cache.%' ORDER BY name")
            ->fetchAll(\PDO::FETCH_KEY_PAIR);
        return array_map('strval', $rows);
    }

    protected static function scalar(string $sql, array $params = []): int
    {
        $stmt = Harness::pdo()->prepare($sql);
        $stmt->execute($params);
        return (int) $stmt->fetchColumn();
    }

    protected static function maxActivityId(): int
    {
        return self::scalar('SELECT COALESCE(MAX(id), 0) FROM tblactivitylog');
    }

    /** @return list<string> activity log lines written after id $after */
    protected static function activitySince(int $after): array
    {
        $stmt = Harness::pdo()->prepare('SELECT description FROM tblactivitylog WHERE id > ? ORDER BY id');
        $stmt->execute([$after]);
        return $stmt->fetchAll(\PDO::FETCH_COLUMN);
    }

    /** The seed's meta value ("today", "settings_toml", …). */
    protected static function seedMeta(string $key): string
    {
        $stmt = Harness::pdo()->prepare('SELECT value FROM seed_meta WHERE `key` = ?');
        $stmt->execute([$key]);
        return (string) $stmt->fetchColumn();
    }

    /** A client of its own for a test (no services, so it never has MRR). */
    protected function newClient(HarnessClient $client, string $first, string $last): int
    {
        $answer = $client->fire('ClientAdd', ['firstname' => $first, 'lastname' => $last,
            'email' => strtolower($first . '.' . $last) . '.' . bin2hex(random_bytes(3)) . '@example.test', 'country' => 'GB']);
        $this->assertTrue($answer['ok'], json_encode($answer));
        return (int) $answer['data']['client_id'];
    }

    /** An Unpaid invoice of $total for $clientId with one line (no service behind it). */
    protected static function newInvoice(int $clientId, string $total = '10.00'): int
    {
        $pdo = Harness::pdo();
        $pdo->prepare("INSERT INTO tblinvoices (userid, date, duedate, subtotal, credit, tax, tax2, total, status, paymentmethod, created_at, updated_at)
            VALUES (?, CURDATE(), CURDATE(), ?, 0, 0, 0, ?, 'Unpaid', 'paypal', NOW(), NOW())")->execute([$clientId, $total, $total]);
        $invoiceId = (int) $pdo->lastInsertId();
        $pdo->prepare("INSERT INTO tblinvoiceitems (invoiceid, userid, type, relid, description, amount, taxed, duedate, paymentmethod, notes)
            VALUES (?, ?, '', 0, 'Consulting', ?, 0, CURDATE(), 'paypal', '')")->execute([$invoiceId, $clientId, $total]);
        return $invoiceId;
    }

    // --- the ChartMogul simulator ------------------------------------------------------------------

    protected static function simUrl(): string
    {
        return HarnessClient::env('SIM_URL');
    }

    protected static function simRequest(string $method, string $path): array
    {
        $curl = curl_init(preg_replace('#/v1$#', '', self::simUrl()) . $path);
        curl_setopt_array($curl, [CURLOPT_CUSTOMREQUEST => $method, CURLOPT_RETURNTRANSFER => true, CURLOPT_TIMEOUT => 30]);
        $body = curl_exec($curl);
        $status = (int) curl_getinfo($curl, CURLINFO_RESPONSE_CODE);
        curl_close($curl);
        if ($body === false || $status >= 400) {
            throw new \RuntimeException("simulator $method $path failed (HTTP $status)");
        }
        return $body === '' ? [] : (array) json_decode((string) $body, true, 512, JSON_THROW_ON_ERROR);
    }

    /** GET /__sim/state: data sources, customers, plans, invoices, …, counters. */
    protected static function simState(): array
    {
        return self::simRequest('GET', '/__sim/state');
    }

    /** @return array<string, int> "external_id/CUR" => MRR cents in the simulator at the end of $date */
    protected static function simMrr(string $date): array
    {
        $mrr = self::simRequest('GET', '/__sim/mrr?date=' . rawurlencode($date));
        $out = [];
        foreach ($mrr['data_sources'] as $ds) {
            foreach ($ds['customers'] as $customer => $perCurrency) {
                foreach ($perCurrency as $currency => $cents) {
                    $out["$customer/$currency"] = (int) $cents;
                }
            }
        }
        ksort($out);
        return $out;
    }

    /** @return array<string, int> the seed's expected MRR, keyed like simMrr() */
    protected static function expectedMrr(): array
    {
        $out = [];
        foreach (Harness::pdo()->query('SELECT client_id, currency, mrr_cents FROM seed_expected_mrr') as $row) {
            if ((int) $row['mrr_cents'] !== 0) {
                $out['whmcs-client-' . $row['client_id'] . '/' . $row['currency']] = (int) $row['mrr_cents'];
            }
        }
        ksort($out);
        return $out;
    }

    /** The simulator's customer with this external id, or null. */
    protected static function simCustomer(string $externalId): ?array
    {
        foreach (self::simState()['customers'] as $customer) {
            if (($customer['external_id'] ?? null) === $externalId) {
                return $customer;
            }
        }
        return null;
    }
}
