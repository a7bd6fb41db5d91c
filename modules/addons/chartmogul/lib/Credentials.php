<?php
// The ChartMogul credentials: where they are kept, and the rule that none of them is ever shown,
// logged or exported.
//
// product.md wants secrets encrypted at rest with WHMCS's encrypt()/decrypt() (the key lives in
// configuration.php, not in the database). WHMCS may store its own `password` config fields as
// given (whmcs.md §1.7 [U]), so a key pasted on Setup > Addon Modules is moved into our own
// encrypted row the first time the addon sees it and the config field is emptied; the Settings tab
// writes the encrypted row directly. The most recently entered key therefore always wins.

namespace WHMCS\Module\Addon\ChartMogul;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

final class Credentials
{
    private AddonSettings $settings;

    public function __construct(AddonSettings $settings)
    {
        $this->settings = $settings;
    }

    /** Whether WHMCS's encryption helpers are there (always in WHMCS; tests may lack them). */
    public static function canEncrypt(): bool
    {
        return function_exists('encrypt') && function_exists('decrypt');
    }

    /**
     * Moves secrets typed into the WHMCS config fields into the encrypted rows and empties the
     * fields, so the plain value does not stay in the database. No-op without encrypt().
     */
    public function absorbConfigFields(): void
    {
        if (!self::canEncrypt()) {
            return;
        }
        $pairs = [
            AddonSettings::API_KEY => AddonSettings::API_KEY_ENCRYPTED,
            AddonSettings::SECRET_KEY => AddonSettings::SECRET_KEY_ENCRYPTED,
        ];
        foreach ($pairs as $field => $encryptedRow) {
            $plain = trim($this->settings->get($field));
            if ($plain === '') {
                continue;
            }
            $this->settings->set($encryptedRow, (string) encrypt($plain));
            $this->settings->set($field, '');
        }
    }

    /** Stores a new API key (encrypted when possible); an empty string removes it. */
    public function saveApiKey(string $plain): void
    {
        $this->saveSecret(AddonSettings::API_KEY, AddonSettings::API_KEY_ENCRYPTED, $plain);
    }

    /** Stores a new legacy secret key; an empty string removes it. */
    public function saveSecretKey(string $plain): void
    {
        $this->saveSecret(AddonSettings::SECRET_KEY, AddonSettings::SECRET_KEY_ENCRYPTED, $plain);
    }

    private function saveSecret(string $field, string $encryptedRow, string $plain): void
    {
        $plain = trim($plain);
        if ($plain !== '' && self::canEncrypt()) {
            $this->settings->set($encryptedRow, (string) encrypt($plain));
            $this->settings->set($field, '');
            return;
        }
        // Removing, or no encrypt() available: keep it where WHMCS keeps its own fields.
        $this->settings->set($encryptedRow, '');
        $this->settings->set($field, $plain);
    }

    public function apiKey(): string
    {
        return $this->secret(AddonSettings::API_KEY, AddonSettings::API_KEY_ENCRYPTED);
    }

    public function secretKey(): string
    {
        return $this->secret(AddonSettings::SECRET_KEY, AddonSettings::SECRET_KEY_ENCRYPTED);
    }

    public function accountToken(): string
    {
        return trim($this->settings->get(AddonSettings::ACCOUNT_TOKEN));
    }

    private function secret(string $field, string $encryptedRow): string
    {
        $plain = trim($this->settings->get($field));
        if ($plain !== '') {
            return $plain; // typed in the config field and not absorbed yet
        }
        $encrypted = $this->settings->get($encryptedRow);
        if ($encrypted === '' || !self::canEncrypt()) {
            return '';
        }
        return trim((string) decrypt($encrypted));
    }

    public function hasApiKey(): bool
    {
        return $this->apiKey() !== '';
    }

    public function hasLegacyPair(): bool
    {
        return $this->accountToken() !== '' && $this->secretKey() !== '';
    }

    /** Whether anything that can talk to ChartMogul is configured. */
    public function isConfigured(): bool
    {
        return $this->hasApiKey() || $this->hasLegacyPair();
    }

    /**
     * The credential options of \ChartMogulSync\Engine: the API key when there is one, else the
     * legacy pair, else nothing (local-only work still runs).
     * @return array<string, string>
     */
    public function engineOptions(): array
    {
        if ($this->hasApiKey()) {
            return ['api_key' => $this->apiKey()];
        }
        if ($this->hasLegacyPair()) {
            return ['account_token' => $this->accountToken(), 'secret_key' => $this->secretKey()];
        }
        return [];
    }

    /**
     * Replaces every configured secret in $text. The engine redacts its own messages; this is the
     * second line of defence before anything reaches a page, a JSON answer or the activity log.
     */
    public function redact(string $text): string
    {
        $secrets = array_filter([$this->apiKey(), $this->secretKey(), $this->accountToken()],
            static fn (string $s): bool => strlen($s) >= 4);
        foreach ($secrets as $secret) {
            $text = str_replace($secret, '[redacted]', $text);
        }
        return $text;
    }
}
