<?php
// PHPUnit bootstrap: starts the WHMCS harness once for the whole run (tests/harness/start.sh,
// watched by this process) and stops it at shutdown. Set HARNESS_URL etc. in the environment
// to use a harness you started yourself instead; HARNESS_SCALE (default small) and HARNESS_EXT
// choose the seed size and the extension.
declare(strict_types=1);

require_once __DIR__ . '/HarnessClient.php';
require_once __DIR__ . '/Harness.php';
require_once __DIR__ . '/AddonTestCase.php';

\WhmcsHarness\Tests\Harness::startOnce();
