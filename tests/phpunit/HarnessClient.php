<?php
// Test helpers for the WHMCS harness (tests/harness/): a cookie-keeping HTTP client for the
// admin area, the cron, the fire endpoint and direct database access.
declare(strict_types=1);

namespace WhmcsHarness\Tests;

use RuntimeException;

/** One HTTP response. */
final class HarnessResponse
{
    /** @param array<string, list<string>> $headers lower-cased names */
    public function __construct(
        public readonly string $method,
        public readonly string $url,
        public readonly int $status,
        public readonly array $headers,
        public readonly string $body,
    ) {
    }

    public function header(string $name): ?string
    {
        $values = $this->headers[strtolower($name)] ?? [];
        return $values === [] ? null : $values[count($values) - 1];
    }

    /** The Location header, or null. */
    public function location(): ?string
    {
        return $this->header('location');
    }

    public function isRedirect(): bool
    {
        return $this->status >= 300 && $this->status < 400 && $this->location() !== null;
    }

    /** True when the admin layout wrapped the page (false for an addon's own AJAX answer). */
    public function isWrapped(): bool
    {
        return str_contains($this->body, 'data-harness-layout="1"');
    }

    /** The body decoded as JSON (throws when it is not JSON). */
    public function json(): mixed
    {
        return json_decode($this->body, true, 512, JSON_THROW_ON_ERROR);
    }

    /** The value of the first hidden input named `token` in the body, or null. */
    public function csrfToken(): ?string
    {
        if (preg_match('/<input[^>]*name="token"[^>]*value="([^"]+)"/', $this->body, $m)
            || preg_match('/<input[^>]*value="([^"]+)"[^>]*name="token"/', $this->body, $m)
            || preg_match("/var csrfToken = '([^']+)'/", $this->body, $m)) {
            return html_entity_decode($m[1], ENT_QUOTES);
        }
        return null;
    }
}

/** What a cron (or other CLI) run printed. */
final class HarnessProcess
{
    public function __construct(
        public readonly int $exitCode,
        public readonly string $stdout,
        public readonly string $stderr,
    ) {
    }
}

/**
 * A browser-like client of the harness: keeps cookies (the admin session), does not follow
 * redirects by itself (see follow()), remembers the last response for csrfToken().
 *
 *   $c = new HarnessClient();            // HARNESS_URL from the environment
 *   $c->login('admin', 'admin-pass');    // true when logged in
 *   $page = $c->get('admin/addonmodules.php?module=chartmogul');
 *   $c->post('admin/addonmodules.php?module=chartmogul&action=x', ['a' => 1], withToken: true);
 *   $c->runCron(['--force-daily']);
 *   $c->fire('InvoicePaid', ['invoiceid' => 12]);
 */
final class HarnessClient
{
    private string $baseUrl;
    /** @var array<string, string> */
    private array $cookies = [];
    private ?HarnessResponse $last = null;

    public function __construct(?string $baseUrl = null, private float $timeout = 60.0)
    {
        $this->baseUrl = rtrim($baseUrl ?? self::env('HARNESS_URL'), '/');
    }

    /** A value start.sh printed (HARNESS_URL, SIM_URL, WHMCS_MYSQL_URL, HARNESS_ROOT, …). */
    public static function env(string $name): string
    {
        $value = getenv($name);
        if ($value === false || $value === '') {
            throw new RuntimeException("$name is not set: is the harness running (tests/phpunit/bootstrap.php)?");
        }
        return $value;
    }

    /** A PDO connection to the harness MariaDB (ERRMODE_EXCEPTION), shared by the tests. */
    public static function pdo(): \PDO
    {
        static $pdo = null;
        if ($pdo === null) {
            $pdo = new \PDO(
                'mysql:host=127.0.0.1;port=' . self::env('MARIADB_PORT') . ';dbname=whmcs;charset=utf8',
                'root',
                self::env('MARIADB_PASSWORD'),
                [\PDO::ATTR_ERRMODE => \PDO::ERRMODE_EXCEPTION, \PDO::ATTR_DEFAULT_FETCH_MODE => \PDO::FETCH_ASSOC],
            );
        }
        return $pdo;
    }

    public function baseUrl(): string
    {
        return $this->baseUrl;
    }

    public function lastResponse(): ?HarnessResponse
    {
        return $this->last;
    }

    /** Logs in through admin/login.php; true when the admin session was opened. */
    public function login(string $username, string $password): bool
    {
        $this->get('admin/login.php');
        $response = $this->post('admin/login.php', ['username' => $username, 'password' => $password], true);
        return $response->isRedirect() && !str_contains((string) $response->location(), 'login.php');
    }

    public function logout(): void
    {
        $this->get('admin/logout.php');
    }

    /** @param array<string, mixed> $query added to the path's own query string */
    public function get(string $path, array $query = []): HarnessResponse
    {
        return $this->request('GET', $this->url($path, $query));
    }

    /**
     * POSTs form fields (nested arrays as PHP's name[key] form). With $withToken the CSRF token
     * of the last page is added as `token` (throws when that page had none).
     *
     * @param array<string, mixed> $fields
     */
    public function post(string $path, array $fields = [], bool $withToken = false): HarnessResponse
    {
        if ($withToken) {
            $token = $this->csrfToken();
            if ($token === null) {
                throw new RuntimeException('no CSRF token on the last page (' . ($this->last?->url ?? 'no request yet') . ')');
            }
            $fields['token'] = $token;
        }
        return $this->request('POST', $this->url($path), http_build_query($fields));
    }

    /**
     * POSTs a multipart/form-data form: flat $fields plus $files (field name => local path, sent
     * under $names[field] or the path's basename). $withToken as in post().
     *
     * @param array<string, string> $fields
     * @param array<string, string> $files
     * @param array<string, string> $names
     */
    public function postFiles(string $path, array $fields, array $files, bool $withToken = false, array $names = []): HarnessResponse
    {
        if ($withToken) {
            $token = $this->csrfToken();
            if ($token === null) {
                throw new RuntimeException('no CSRF token on the last page (' . ($this->last?->url ?? 'no request yet') . ')');
            }
            $fields['token'] = $token;
        }
        foreach ($files as $field => $file) {
            $fields[$field] = new \CURLFile($file, 'application/octet-stream', $names[$field] ?? basename($file));
        }
        return $this->request('POST', $this->url($path), $fields);
    }

    /** Follows a redirect response (GET), relative to the URL that answered it. */
    public function follow(?HarnessResponse $response = null): HarnessResponse
    {
        $response ??= $this->last;
        if ($response === null || !$response->isRedirect()) {
            throw new RuntimeException('not a redirect');
        }
        $location = (string) $response->location();
        if (!preg_match('#^https?://#', $location)) {
            $base = preg_replace('#[?\#].*$#', '', $response->url);
            $location = str_starts_with($location, '/')
                ? $this->baseUrl . $location
                : substr($base, 0, strrpos($base, '/') + 1) . $location;
        }
        return $this->request('GET', $location);
    }

    /** The CSRF token of the last page (its hidden `token` input or its csrfToken JS variable). */
    public function csrfToken(): ?string
    {
        return $this->last?->csrfToken();
    }

    /**
     * Runs crons/cron.php on the CLI with the extension loaded, like the server's crontab would.
     *
     * @param list<string> $args e.g. ['--force-daily']
     */
    public function runCron(array $args = []): HarnessProcess
    {
        return self::php(array_merge([self::env('HARNESS_ROOT') . '/crons/cron.php'], $args));
    }

    /**
     * Runs `php` with the harness's flags (extension, error log) and $args.
     *
     * @param list<string> $args
     */
    public static function php(array $args, ?string $stdin = null): HarnessProcess
    {
        $cmd = array_merge([
            PHP_BINARY,
            '-d', 'extension=' . self::env('HARNESS_EXT'),
            '-d', 'display_errors=stderr',
            '-d', 'log_errors=1',
            '-d', 'error_log=' . self::env('HARNESS_PHP_ERRORS'),
        ], $args);
        $proc = proc_open($cmd, [0 => ['pipe', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
        if (!is_resource($proc)) {
            throw new RuntimeException('cannot run php');
        }
        fwrite($pipes[0], $stdin ?? '');
        fclose($pipes[0]);
        $stdout = (string) stream_get_contents($pipes[1]);
        $stderr = (string) stream_get_contents($pipes[2]);
        fclose($pipes[1]);
        fclose($pipes[2]);
        return new HarnessProcess(proc_close($proc), $stdout, $stderr);
    }

    /**
     * Performs a WHMCS action and fires its hooks through harness/fire.php; returns the decoded
     * answer ({ok, action, fired, hook_errors, data} or {ok:false, error}).
     *
     * @param array<string, mixed> $params
     * @return array<string, mixed>
     */
    public function fire(string $action, array $params = []): array
    {
        $response = $this->request('POST', $this->url('harness/fire.php'), http_build_query(['action' => $action] + $params));
        $decoded = json_decode($response->body, true);
        if (!is_array($decoded)) {
            throw new RuntimeException("harness/fire.php answered HTTP {$response->status}: {$response->body}");
        }
        return $decoded;
    }

    /** Lines the harness's PHP processes wrote to the PHP error log since $offset (bytes). */
    public static function phpErrors(int $offset = 0): string
    {
        $file = self::env('HARNESS_PHP_ERRORS');
        if (!is_file($file)) {
            return '';
        }
        clearstatcache(true, $file);
        return (string) file_get_contents($file, false, null, min($offset, (int) filesize($file)));
    }

    /** @param array<string, mixed> $query */
    private function url(string $path, array $query = []): string
    {
        $url = preg_match('#^https?://#', $path) ? $path : $this->baseUrl . '/' . ltrim($path, '/');
        if ($query !== []) {
            $url .= (str_contains($url, '?') ? '&' : '?') . http_build_query($query);
        }
        return $url;
    }

    /** @param string|array<string, mixed>|null $body an array is sent as multipart/form-data */
    private function request(string $method, string $url, string|array|null $body = null): HarnessResponse
    {
        $headers = [];
        $curl = curl_init($url);
        $cookie = implode('; ', array_map(static fn ($k, $v) => "$k=$v", array_keys($this->cookies), $this->cookies));
        curl_setopt_array($curl, [
            CURLOPT_CUSTOMREQUEST => $method,
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_FOLLOWLOCATION => false,
            CURLOPT_TIMEOUT_MS => (int) ($this->timeout * 1000),
            CURLOPT_HTTPHEADER => array_filter([
                $cookie !== '' ? "Cookie: $cookie" : null,
                is_string($body) ? 'Content-Type: application/x-www-form-urlencoded' : null,
            ]),
            CURLOPT_HEADERFUNCTION => static function ($ch, string $line) use (&$headers): int {
                if (str_contains($line, ':')) {
                    [$name, $value] = explode(':', $line, 2);
                    $headers[strtolower(trim($name))][] = trim($value);
                }
                return strlen($line);
            },
        ]);
        if ($body !== null) {
            curl_setopt($curl, CURLOPT_POSTFIELDS, $body);
        }
        $responseBody = curl_exec($curl);
        if ($responseBody === false) {
            $error = curl_error($curl);
            curl_close($curl);
            throw new RuntimeException("$method $url failed: $error");
        }
        $status = (int) curl_getinfo($curl, CURLINFO_RESPONSE_CODE);
        curl_close($curl);
        foreach ($headers['set-cookie'] ?? [] as $setCookie) {
            [$pair] = explode(';', $setCookie, 2);
            [$name, $value] = array_pad(explode('=', $pair, 2), 2, '');
            $name = trim($name);
            if (str_contains(strtolower($setCookie), 'max-age=0') || str_contains(strtolower($setCookie), 'deleted')) {
                unset($this->cookies[$name]);
            } else {
                $this->cookies[$name] = trim($value);
            }
        }
        return $this->last = new HarnessResponse($method, $url, $status, $headers, (string) $responseBody);
    }
}
