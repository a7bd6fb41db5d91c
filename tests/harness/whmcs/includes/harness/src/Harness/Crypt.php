<?php
// encrypt()/decrypt(): AES-256-CBC keyed from configuration.php's $cc_encryption_hash, a random
// IV per call (so encrypting the same string twice differs, as whmcs.md §1.7 says), base64 of
// IV + ciphertext. Not WHMCS's real format (undocumented) — only its documented properties.
declare(strict_types=1);

namespace WHMCS\Harness;

final class Crypt
{
    private const CIPHER = 'aes-256-cbc';

    private static function key(): string
    {
        return hash('sha256', 'whmcs-harness|' . Env::encryptionHash(), true);
    }

    public static function encrypt(string $plain): string
    {
        $iv = random_bytes(16);
        $cipher = openssl_encrypt($plain, self::CIPHER, self::key(), OPENSSL_RAW_DATA, $iv);
        if ($cipher === false) {
            throw new \RuntimeException('encrypt() failed');
        }
        return base64_encode($iv . $cipher);
    }

    /** Like WHMCS, answers '' for something that is not a value encrypted with this key. */
    public static function decrypt(string $encoded): string
    {
        $raw = base64_decode($encoded, true);
        if ($raw === false || strlen($raw) < 32) {
            return '';
        }
        $plain = openssl_decrypt(substr($raw, 16), self::CIPHER, self::key(), OPENSSL_RAW_DATA, substr($raw, 0, 16));
        return $plain === false ? '' : $plain;
    }
}
