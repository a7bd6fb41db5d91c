<?php
// crons/cron.php: AfterCronJob after every run; PreCronJob + DailyCronJob when forced or when
// the last daily run (tblconfiguration lastDailyCronInvocationTime) was not today. The
// DailyCronExecutionHour is not honoured (tests need the daily run at any hour).
declare(strict_types=1);

namespace WHMCS\Harness;

use WHMCS\Config\Setting as Config;

final class Cron
{
    /**
     * @param callable(string):void $out prints a line
     * @return int exit status: 0, or 1 when a hook failed
     */
    public static function run(bool $forceDaily, callable $out): int
    {
        $now = Env::now();
        $out("WHMCS harness cron: $now");
        $lastDaily = (string) Config::getValue('lastDailyCronInvocationTime');
        $dailyDue = $forceDaily || substr($lastDaily, 0, 10) !== substr($now, 0, 10);
        if ($dailyDue) {
            Config::setValue('lastDailyCronInvocationTime', $now);
            foreach (['PreCronJob', 'DailyCronJob'] as $hook) {
                Hooks::run($hook);
                $out(sprintf('%s: ran %d hook(s)', $hook, Hooks::count($hook)));
            }
        } else {
            $out("DailyCronJob: skipped, the daily run already happened today ($lastDaily); use --force-daily");
        }
        Hooks::run('AfterCronJob');
        $out(sprintf('AfterCronJob: ran %d hook(s)', Hooks::count('AfterCronJob')));
        Config::setValue('lastCronInvocationTime', Env::now());
        $errors = Hooks::errors();
        foreach ($errors as $error) {
            $out("hook error: {$error['hook']}: {$error['error']}");
        }
        return $errors === [] ? 0 : 1;
    }
}
