<?php
// A form value this addon refused before asking the engine; the message names the setting.

namespace WHMCS\Module\Addon\ChartMogul\Admin;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

final class InvalidInput extends \RuntimeException
{
}
