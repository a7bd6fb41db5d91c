<?php
// WHMCS MRR against ChartMogul MRR per month, as an inline SVG drawn here (no chart library, no
// CDN). Amounts are integer cents; only pixel positions use floats.

namespace WHMCS\Module\Addon\ChartMogul\View;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

use WHMCS\Module\Addon\ChartMogul\Format;

const CHART_W = 760;
const CHART_H = 300;
const CHART_LEFT = 80;
const CHART_RIGHT = 45;
const CHART_TOP = 20;
const CHART_BOTTOM = 70;
const COLOR_WHMCS = '#337ab7';
const COLOR_CHARTMOGUL = '#5cb85c';

/** @param list<array{month: string, whmcs: int, chartmogul: ?int}> $history */
function mrr_chart(array $history): string
{
    if ($history === []) {
        return '<p class="text-muted" id="cm-mrr-empty">' . e(t('mrr_empty')) . '</p>';
    }
    [$axisMin, $axisMax, $step] = mrr_axis($history);
    $plotW = CHART_W - CHART_LEFT - CHART_RIGHT;
    $plotH = CHART_H - CHART_TOP - CHART_BOTTOM;
    $n = count($history);
    $x = static fn (int $i): float => CHART_LEFT + ($n === 1 ? $plotW / 2 : $i * $plotW / ($n - 1));
    $y = static fn (int $cents): float => CHART_TOP + $plotH - ($cents - $axisMin) * $plotH / ($axisMax - $axisMin);

    $svg = '<svg id="cm-mrr-chart" class="cm-mrr-chart" xmlns="http://www.w3.org/2000/svg" role="img"'
        . ' viewBox="0 0 ' . CHART_W . ' ' . CHART_H . '" preserveAspectRatio="xMidYMid meet"'
        . ' aria-labelledby="cm-mrr-title"><title id="cm-mrr-title">' . e(t('mrr_title')) . '</title>';

    // Horizontal grid lines with their amounts (whole units).
    for ($v = $axisMin; $v <= $axisMax; $v += $step) {
        $py = round($y($v), 1);
        $svg .= '<line class="cm-grid" x1="' . CHART_LEFT . '" x2="' . (CHART_W - CHART_RIGHT) . '" y1="' . $py . '" y2="' . $py . '"/>'
            . '<text class="cm-axis-label" x="' . (CHART_LEFT - 8) . '" y="' . ($py + 4) . '" text-anchor="end">'
            . e(Format::centsWhole($v)) . '</text>';
    }
    // Axes.
    $svg .= '<line class="cm-axis" x1="' . CHART_LEFT . '" x2="' . CHART_LEFT . '" y1="' . CHART_TOP . '" y2="' . (CHART_TOP + $plotH) . '"/>'
        . '<line class="cm-axis" x1="' . CHART_LEFT . '" x2="' . (CHART_W - CHART_RIGHT) . '" y1="' . (CHART_TOP + $plotH) . '" y2="' . (CHART_TOP + $plotH) . '"/>';
    // Month labels.
    foreach ($history as $i => $point) {
        $svg .= '<text class="cm-axis-label cm-month-label" x="' . round($x($i), 1) . '" y="' . (CHART_TOP + $plotH + 18)
            . '" text-anchor="middle">' . e(month_label((string) $point['month'])) . '</text>';
    }

    // ChartMogul's line is dashed so that WHMCS's stays visible where they agree.
    $svg .= mrr_series($history, 'whmcs', COLOR_WHMCS, $x, $y, t('mrr_whmcs'), '');
    $svg .= mrr_series($history, 'chartmogul', COLOR_CHARTMOGUL, $x, $y, t('mrr_chartmogul'), '6 4');

    // Legend under the month labels.
    $ly = CHART_H - 18;
    $svg .= '<g class="cm-legend" id="cm-mrr-legend">'
        . '<rect x="' . CHART_LEFT . '" y="' . ($ly - 9) . '" width="14" height="4" fill="' . COLOR_WHMCS . '"/>'
        . '<text x="' . (CHART_LEFT + 20) . '" y="' . ($ly - 4) . '">' . e(t('mrr_whmcs')) . '</text>'
        . '<line x1="' . (CHART_LEFT + 200) . '" x2="' . (CHART_LEFT + 216) . '" y1="' . ($ly - 7) . '" y2="' . ($ly - 7) . '" stroke="' . COLOR_CHARTMOGUL . '" stroke-width="3" stroke-dasharray="6 4"/>'
        . '<text x="' . (CHART_LEFT + 220) . '" y="' . ($ly - 4) . '">' . e(t('mrr_chartmogul')) . '</text>'
        . '</g>';

    return $svg . '</svg>' . mrr_table($history);
}

/**
 * The value axis in cents: from 0 (or the lowest negative value) to a round top, in about four
 * steps of 1, 2 or 5 times a power of ten.
 * @return array{0: int, 1: int, 2: int} min, max, step
 */
function mrr_axis(array $history): array
{
    $values = [];
    foreach ($history as $point) {
        $values[] = (int) $point['whmcs'];
        if ($point['chartmogul'] !== null) {
            $values[] = (int) $point['chartmogul'];
        }
    }
    $min = min(0, min($values));
    $max = max(0, max($values));
    $range = $max - $min;
    if ($range <= 0) {
        return [0, 400, 100];
    }
    $raw = intdiv($range + 3, 4);
    $magnitude = 1;
    while ($magnitude * 10 <= $raw) {
        $magnitude *= 10;
    }
    $step = $magnitude * 10;
    foreach ([1, 2, 5, 10] as $factor) {
        if ($factor * $magnitude >= $raw) {
            $step = $factor * $magnitude;
            break;
        }
    }
    $axisMin = $min < 0 ? -intdiv(-$min + $step - 1, $step) * $step : 0;
    $axisMax = intdiv($max + $step - 1, $step) * $step;
    if ($axisMax === $axisMin) {
        $axisMax += $step;
    }
    return [$axisMin, $axisMax, $step];
}

/**
 * One line; a month without a value (ChartMogul could not be asked) breaks it into segments.
 * Every point is a dot with its amount as a tooltip.
 */
function mrr_series(array $history, string $key, string $color, callable $x, callable $y, string $name, string $dash): string
{
    $segments = [[]];
    $dots = '';
    foreach ($history as $i => $point) {
        $value = $point[$key];
        if ($value === null) {
            $segments[] = [];
            continue;
        }
        $px = round($x($i), 1);
        $py = round($y((int) $value), 1);
        $segments[count($segments) - 1][] = $px . ',' . $py;
        $dots .= '<circle cx="' . $px . '" cy="' . $py . '" r="3.5" fill="' . $color . '">'
            . '<title>' . e($name . ' — ' . month_label((string) $point['month']) . ': ' . Format::cents((int) $value)) . '</title></circle>';
    }
    $lines = '';
    foreach ($segments as $points) {
        if (count($points) > 1) {
            $lines .= '<polyline fill="none" stroke="' . $color . '" stroke-width="2.5"'
                . ($dash === '' ? '' : ' stroke-dasharray="' . $dash . '"') . ' points="' . e(implode(' ', $points)) . '"/>';
        }
    }
    return '<g class="cm-series cm-series-' . e($key) . '" id="cm-mrr-series-' . e($key) . '">' . $lines . $dots . '</g>';
}

/** "2026-01" (or "2026-01-31") → "Jan 2026". */
function month_label(string $month): string
{
    $ts = strtotime(strlen($month) === 7 ? $month . '-01' : $month);
    return $ts === false ? $month : date('M Y', $ts);
}

/** The same numbers as a table, for exact reading and screen readers. */
function mrr_table(array $history): string
{
    $rows = '';
    foreach ($history as $point) {
        $cm = $point['chartmogul'];
        $diff = $cm === null ? '—' : Format::cents((int) $cm - (int) $point['whmcs']);
        $rows .= '<tr class="cm-mrr-row"><td>' . e(month_label((string) $point['month'])) . '</td>'
            . '<td class="text-right">' . e(Format::cents((int) $point['whmcs'])) . '</td>'
            . '<td class="text-right">' . e($cm === null ? t('mrr_unavailable') : Format::cents((int) $cm)) . '</td>'
            . '<td class="text-right">' . e($diff) . '</td></tr>';
    }
    return '<details class="cm-mrr-details"><summary>' . e(t('mrr_show_table')) . '</summary>'
        . '<table class="table table-condensed" id="cm-mrr-table"><thead><tr><th>' . e(t('col_month')) . '</th>'
        . '<th class="text-right">' . e(t('mrr_whmcs')) . '</th><th class="text-right">' . e(t('mrr_chartmogul'))
        . '</th><th class="text-right">' . e(t('mrr_difference')) . '</th></tr></thead><tbody>' . $rows
        . '</tbody></table></details>';
}
