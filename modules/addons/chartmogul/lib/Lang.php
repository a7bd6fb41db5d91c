<?php
// The admin page's words: $_ADDONLANG from WHMCS ($vars['_lang']) over our English file, so a
// missing translation shows English rather than a key.

namespace WHMCS\Module\Addon\ChartMogul;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

final class Lang
{
    private static ?self $current = null;

    /** @var array<string, string> */
    private array $strings;

    /** @param array<string, string> $strings */
    private function __construct(array $strings)
    {
        $this->strings = $strings;
    }

    public static function fromVars(array $vars): self
    {
        $strings = self::english();
        if (isset($vars['_lang']) && is_array($vars['_lang'])) {
            foreach ($vars['_lang'] as $key => $value) {
                if (is_string($key) && is_string($value)) {
                    $strings[$key] = $value;
                }
            }
        }
        return self::$current = new self($strings);
    }

    public static function current(): self
    {
        return self::$current ?? (self::$current = new self(self::english()));
    }

    /** @return array<string, string> */
    private static function english(): array
    {
        $_ADDONLANG = [];
        include dirname(__DIR__) . '/lang/english.php';
        return $_ADDONLANG;
    }

    /** The text for $key, with sprintf() arguments filled in; the key itself when unknown. */
    public function get(string $key, ...$args): string
    {
        $text = $this->strings[$key] ?? $key;
        return $args === [] ? $text : vsprintf($text, $args);
    }

    /** @param list<string> $keys @return array<string, string> */
    public function subset(array $keys): array
    {
        $out = [];
        foreach ($keys as $key) {
            $out[$key] = $this->get($key);
        }
        return $out;
    }
}
