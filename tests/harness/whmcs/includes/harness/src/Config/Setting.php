<?php
// WHMCS\Config\Setting: tblconfiguration key/value settings (whmcs.md §5).
declare(strict_types=1);

namespace WHMCS\Config;

use WHMCS\Database\Capsule;

class Setting
{
    public static function getValue(string $setting): ?string
    {
        $value = Capsule::table('tblconfiguration')->where('setting', $setting)->value('value');
        return $value === null ? null : (string) $value;
    }

    public static function setValue(string $setting, string $value): void
    {
        $now = date('Y-m-d H:i:s');
        $updated = Capsule::table('tblconfiguration')->where('setting', $setting)
            ->update(['value' => $value, 'updated_at' => $now]);
        if ($updated === 0 && !Capsule::table('tblconfiguration')->where('setting', $setting)->exists()) {
            Capsule::table('tblconfiguration')->insert([
                'setting' => $setting, 'value' => $value, 'created_at' => $now, 'updated_at' => $now,
            ]);
        }
    }
}
