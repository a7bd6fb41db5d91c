<?php
// The Eloquent builder of WHMCS\Module\Addon\Setting: pluck('value', …) hydrates whole rows so
// the model's accessor knows module and setting (Eloquent's own pluck only sees the column).
declare(strict_types=1);

namespace WHMCS\Harness;

use Illuminate\Database\Eloquent\Builder;

final class SettingBuilder extends Builder
{
    /** @return \Illuminate\Support\Collection<array-key, mixed> */
    public function pluck($column, $key = null)
    {
        if ($column !== 'value') {
            return parent::pluck($column, $key);
        }
        return $this->get()->pluck($column, $key);
    }
}
