'use strict';
// Page-speed benchmark of the addon's admin pages (run by bench-pages.sh, which starts the
// harness with the medium seed and the release extension).
//
// Over HTTP with a logged-in admin session, like a browser without rendering: activates and
// configures the addon, runs the first clients backfill through the page's `batch` AJAX action
// (timed), then times 30 warm GETs of every tab (p50/p95/max, client-side wall time), 10
// `batch` kind=incremental calls, and 10 `batch` kind=clients calls of a new full pass (the
// backfill restarted over a complete ledger). Prints a Markdown report on stdout and writes it to
// the file given as the first argument.

const fs = require('node:fs');
const os = require('node:os');
const { execFileSync } = require('node:child_process');
const { performance } = require('node:perf_hooks');

const h = require('./lib/harness');

const TABS = ['dashboard', 'products', 'clients', 'trial', 'cron', 'logs', 'settings'];
const ROUNDS = Number(process.env.BENCH_ROUNDS || 30);
const WARMUP = 3;
const BATCHES = 10;
const PAGE_TARGET_MS = 150;
const BATCH_TARGET_MS = 2000;

const env = h.harnessEnv();
const base = env.HARNESS_URL;
const simUrl = process.env.BENCH_SIM_URL || env.SIM_URL;
const cli = process.env.BENCH_CLI;
const API_KEY = 'bench-key';

// ---- a tiny cookie-keeping HTTP client -------------------------------------------------------

const cookies = new Map();

async function request(path, { method = 'GET', form = null } = {}) {
  const headers = { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
  let body;
  if (form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(form).toString();
  }
  const t0 = performance.now();
  const res = await fetch(base + path, { method, headers, body, redirect: 'manual' });
  const text = await res.text();
  const ms = performance.now() - t0;
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(';');
    const i = pair.indexOf('=');
    cookies.set(pair.slice(0, i).trim(), pair.slice(i + 1).trim());
  }
  return { status: res.status, text, ms, headers: res.headers };
}

function formToken(html) {
  const m = html.match(/name="token" value="([^"]+)"/);
  if (!m) { throw new Error('no CSRF token in the page'); }
  return m[1];
}

function pageToken(html) {
  const m = html.match(/id="cm-app"[^>]*data-token="([^"]+)"/);
  if (!m) { throw new Error('no #cm-app data-token in the page:\n' + html.slice(0, 500)); }
  return m[1];
}

const MODULE = '/admin/addonmodules.php?module=chartmogul';

async function ajax(token, action, fields = {}) {
  const res = await request(`${MODULE}&ajax=1&action=${action}`, { method: 'POST', form: { token, action, ...fields } });
  let json = null;
  try { json = JSON.parse(res.text); } catch (e) { json = null; }
  if (res.status !== 200 || !json || json.error) {
    throw new Error(`${action} ${JSON.stringify(fields)}: HTTP ${res.status} ${res.text.slice(0, 300)}`);
  }
  return { ...res, json };
}

// ---- statistics ------------------------------------------------------------------------------

/** Nearest-rank percentile of `values` (p in 0..100). */
function pct(values, p) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)];
}

const f0 = (ms) => ms.toFixed(0);
const f1 = (ms) => ms.toFixed(1);

// ---- the run ---------------------------------------------------------------------------------

async function setup() {
  let r = await request('/admin/login.php');
  r = await request('/admin/login.php', { method: 'POST', form: { token: formToken(r.text), username: 'admin', password: 'admin-pass' } });
  if (r.status !== 302) { throw new Error('login failed'); }
  r = await request('/admin/configaddonmods.php');
  let token = formToken(r.text);
  await request('/admin/configaddonmods.php', { method: 'POST', form: { token, action: 'activate', module: 'chartmogul' } });
  r = await request('/admin/configaddonmods.php');
  if (!/id="module-chartmogul" data-active="1"/.test(r.text)) { throw new Error('activation failed'); }
  token = formToken(r.text);
  await request('/admin/configaddonmods.php', {
    method: 'POST',
    form: [['token', token], ['action', 'save'], ['module', 'chartmogul'], ['fields[chartmogul][api_key]', API_KEY],
      ['fields[chartmogul][data_source]', 'WHMCS'], ['access[chartmogul][]', '1']],
  });
  r = await request(`${MODULE}&tab=settings`);
  token = pageToken(r.text);
  r = await request(`${MODULE}&tab=settings`, {
    method: 'POST',
    form: { token, action: 'save_connection', data_source: 'WHMCS', api_base_url: simUrl, account_token: '' },
  });
  if (!r.text.includes(`value="${simUrl}"`)) { throw new Error('saving the API address failed'); }
  // The seed's own mapping settings (seed_meta), as an admin would set them.
  const meta = h.seedMeta(env);
  await request(`${MODULE}&tab=trial`, {
    method: 'POST',
    form: { token, action: 'save_trial', detect_free_first_period: '1', trial_products: meta.trial_product_ids,
      trial_addons: meta.trial_addon_ids, trial_promotions: meta.trial_promotion_codes },
  });
  return token;
}

async function batches(token, kind, count, untilFinished = false) {
  const out = [];
  for (let i = 0; i < count; i++) {
    const r = await ajax(token, 'batch', { kind });
    out.push({ ms: r.ms, done: r.json.done, total: r.json.total, finished: r.json.finished,
      requests: r.json.requests, engineMs: r.json.duration_ms });
    if (untilFinished && r.json.finished) { break; }
  }
  return out;
}

function batchRow(label, list) {
  const ms = list.map((b) => b.ms);
  const last = list[list.length - 1];
  return {
    label, n: list.length, p50: pct(ms, 50), p95: pct(ms, 95), max: Math.max(...ms),
    requests: list.reduce((a, b) => a + b.requests, 0), engineMax: Math.max(...list.map((b) => b.engineMs)),
    progress: `${last.done}/${last.total}${last.finished ? ' finished' : ''}`,
  };
}

async function main() {
  const outFile = process.argv[2];
  const loadBefore = os.loadavg()[0];
  const token = await setup();
  const scale = env.HARNESS_SCALE;
  const clients = Number(h.sql(env, 'SELECT COUNT(*) AS n FROM `tblclients`')[0].n);
  const invoices = Number(h.sql(env, 'SELECT COUNT(*) AS n FROM `tblinvoices`')[0].n);

  const products = await batches(token, 'products', 20, true);
  // The first backfill, as the Clients tab runs it: each batch ≤ 200 clients / 5 s.
  const first = await batches(token, 'clients', BATCHES, true);
  let progress = (await ajax(token, 'progress', { kind: 'clients' })).json;
  let cliNote = '';
  if (!progress.finished) {
    if (!cli) { throw new Error('the backfill did not finish in 10 batches and BENCH_CLI is not set'); }
    const t0 = performance.now();
    try {
      execFileSync(cli, ['sync', '--whmcs', env.WHMCS_MYSQL_URL, '--chartmogul-url', simUrl, '--api-key', API_KEY, '--full'],
        { stdio: ['ignore', 'ignore', 'inherit'] });
    } catch (e) {
      if (e.status !== 3) { throw e; } // 3 = finished with rejected records (the seed plants some)
    }
    cliNote = `; the rest finished by the CLI \`sync --full\` in ${(performance.now() - t0) / 1000 | 0} s`;
    progress = (await ajax(token, 'progress', { kind: 'clients' })).json;
  }
  if (!progress.finished) { throw new Error('the clients sync is not finished: ' + JSON.stringify(progress)); }
  const logRows = Number(h.sql(env, 'SELECT COUNT(*) AS n FROM `mod_chartmogul_log`')[0].n);
  const ledgerRows = Number(h.sql(env, 'SELECT COUNT(*) AS n FROM `mod_chartmogul_ledger`')[0].n);

  // Pages: warm up, then ROUNDS rounds over every tab (round-robin, so a slow moment of the
  // machine is spread over all tabs rather than landing on one).
  const pages = [...TABS.map((t) => ({ label: t, path: `${MODULE}&tab=${t}` })),
    { label: 'logs, level=error + search', path: `${MODULE}&tab=logs&level=error&search=cycle` }];
  const times = new Map(pages.map((p) => [p.label, []]));
  for (let round = 0; round < WARMUP + ROUNDS; round++) {
    for (const p of pages) {
      const r = await request(p.path);
      const tab = p.path.match(/tab=(\w+)/)[1];
      if (r.status !== 200 || !new RegExp(`id="cm-tab-${tab}" href="[^"]*" aria-current="page"`).test(r.text)) {
        throw new Error(`${p.label}: HTTP ${r.status}`);
      }
      if (/class="alert alert-danger/.test(r.text)) {
        throw new Error(`${p.label}: the page shows an error:\n${r.text.match(/class="alert alert-danger[^>]*>([^<]*)/)[1]}`);
      }
      if (round >= WARMUP) { times.get(p.label).push(r.ms); }
    }
  }

  // Incremental batches (what "Sync changes now" and cron run), each followed by a Dashboard
  // view: a finished run clears the engine's cached MRR chart, so this is the first Dashboard
  // an admin opens after any sync (cron runs one every 5 minutes).
  const incremental = [];
  const dashboardAfterSync = [];
  for (let i = 0; i < BATCHES; i++) {
    incremental.push(...await batches(token, 'incremental', 1));
    const r = await request(`${MODULE}&tab=dashboard`);
    if (r.status !== 200) { throw new Error(`dashboard after a sync: HTTP ${r.status}`); }
    dashboardAfterSync.push(r.ms);
  }
  times.set('dashboard, first view after a sync run', dashboardAfterSync);
  pages.push({ label: 'dashboard, first view after a sync run' });
  // A new full pass over a complete ledger (clicking "Synchronize clients" again restarts the
  // backfill): every client is read and compared, little is sent.
  const again = await batches(token, 'clients', BATCHES);

  // Where an uncached Dashboard's time goes (bench-engine.php: the engine calls alone).
  const engine = JSON.parse(execFileSync('php', ['-d', `extension=${env.HARNESS_EXT}`, `${__dirname}/bench-engine.php`,
    String(env.MARIADB_PORT), env.MARIADB_PASSWORD, simUrl], { encoding: 'utf8' }));

  // ---- report ----------------------------------------------------------------------------
  const rows = pages.map((p) => {
    const t = times.get(p.label);
    const p95 = pct(t, 95);
    return `| ${p.label} | ${t.length} | ${f1(pct(t, 50))} | ${f1(p95)} | ${f1(Math.max(...t))} | ${p95 <= PAGE_TARGET_MS ? 'yes' : '**no**'} |`;
  });
  const perCall = (list) => list.map((b) => f0(b.ms)).join(', ');
  const brows = [
    batchRow('products (until finished)', products),
    batchRow('clients, first backfill', first),
    batchRow('incremental (nothing changed)', incremental),
    batchRow('clients, new full pass over a complete ledger', again),
  ].map((r) => `| ${r.label} | ${r.n} | ${f0(r.p50)} | ${f0(r.p95)} | ${f0(r.max)} | ${f0(r.engineMax)} | ${r.requests} | ${r.progress} | ${r.max <= BATCH_TARGET_MS ? 'yes' : '**no**'} |`);

  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const report = [
    `### ${now.slice(0, 10)}: ${scale} seed, release extension`,
    '',
    `Run ${now} by \`tests/e2e/bench-pages.sh\` on the project's 2-core machine: the WHMCS harness (\`php -S\`, `
      + `${process.env.HARNESS_WORKERS || 4} workers) with the **release** \`chartmogul_sync\` extension, the \`${scale}\` seed `
      + `(${clients} clients, ${invoices} invoices), a release simulator; the clients sync finished (${ledgerRows} ledger rows, `
      + `${logRows} log entries). Times are wall-clock at the HTTP client, logged-in admin, warm (${WARMUP} rounds first), `
      + `${ROUNDS} GETs per page, round-robin over the pages. Load average (1 min) at the start: ${loadBefore.toFixed(2)}, `
      + `at the end: ${os.loadavg()[0].toFixed(2)} (${os.cpus().length} cores; other work on the machine shows here).`,
    '',
    `| page | GETs | p50 ms | p95 ms | max ms | p95 ≤ ${PAGE_TARGET_MS} ms |`,
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    'The last row is the Dashboard opened right after a finished sync run (each GET follows one `batch` '
      + 'kind=incremental): the page reads the stored chart, which the cron batches recompute hourly. '
      + `The engine calls alone (median of 3, \`bench-engine.php\`): \`mrrHistory(12)\` uncached ${f0(engine.mrr_history_uncached)} ms, `
      + `of which the WHMCS side (every client read and mapped, the MRR of its invoices at 12 month ends) ${f0(engine.mrr_history_uncached_chartmogul_stubbed)} ms `
      + `(ChartMogul stubbed) and ChartMogul's \`GET /metrics/mrr\` ${f0(engine.metrics_mrr_request)} ms (the simulator); `
      + `cached ${f1(engine.mrr_history_cached)} ms; \`status()\` ${f1(engine.status)} ms, \`plans()\` ${f1(engine.plans)} ms.`,
    '',
    `\`batch\` AJAX calls (POST, one engine batch each: ≤ 100 clients, stops starting pages after 1.5 s)${cliNote}:`,
    '',
    `| batch | calls | p50 ms | p95 ms | max ms | max engine ms | ChartMogul requests | progress after | max ≤ ${BATCH_TARGET_MS} ms |`,
    '|---|---|---|---|---|---|---|---|---|',
    ...brows,
    '',
    `Per call (ms): first backfill ${perCall(first)}; new full pass ${perCall(again)}; incremental ${perCall(incremental)}.`,
    '',
  ].join('\n');
  process.stdout.write(report + '\n');
  if (outFile) {
    fs.writeFileSync(outFile, report);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
