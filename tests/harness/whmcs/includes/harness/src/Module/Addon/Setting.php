<?php
// WHMCS\Module\Addon\Setting: the Eloquent model over tbladdonmodules (whmcs.md §1.7).
// As newer WHMCS versions do, `value` of a password-type field is decrypted transparently
// (the harness stores those encrypted).
declare(strict_types=1);

namespace WHMCS\Module\Addon;

use Illuminate\Database\Eloquent\Model;
use WHMCS\Harness\Addons;
use WHMCS\Harness\SettingBuilder;

class Setting extends Model
{
    protected $table = 'tbladdonmodules';
    public $timestamps = false;
    protected $fillable = ['module', 'setting', 'value'];

    /** @param \Illuminate\Database\Query\Builder $query */
    public function newEloquentBuilder($query): SettingBuilder
    {
        return new SettingBuilder($query);
    }

    public function getValueAttribute(?string $value): ?string
    {
        $module = (string) ($this->attributes['module'] ?? '');
        $setting = (string) ($this->attributes['setting'] ?? '');
        if ($value !== null && $value !== '' && $module !== '' && $setting !== ''
            && in_array($setting, Addons::passwordFields($module), true)) {
            return decrypt($value);
        }
        return $value;
    }
}
