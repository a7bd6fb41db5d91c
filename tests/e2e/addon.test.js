'use strict';
// Browser end-to-end tests of the ChartMogul addon in the WHMCS harness, in the order an admin
// meets it: activate and configure it, synchronize products and clients from their tabs (with a
// reload half-way through the clients sync), check ChartMogul's MRR, read and filter the logs,
// restrict a role, and make sure WHMCS data shown in the page stays text.
//
// The tests share one harness and one database and run in this order (node:test runs the tests
// of a file one after the other): a later test builds on the state an earlier one left.
// Run through tests/e2e/run.sh, which starts and stops the harness.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const h = require('./lib/harness');
const b = require('./lib/browser');

const XSS = '<script>alert(1)</script>';
// The engine upper-cases a country before reporting it, so a planted country shows like this.
const XSS_UPPER = XSS.toUpperCase();
const API_KEY = 'e2e-api-key-0123456789';

const env = h.harnessEnv();
const watch = b.newWatch();
let browser;
let admin; // { context, page } of the logged-in Full Administrator
const planted = {}; // what the setup wrote into WHMCS's tables

/** Everything that must never happen on any page: a dialog (XSS) or an uncaught script error. */
function assertQuietPages() {
  assert.deepEqual(watch.dialogs, [], 'no JavaScript dialog may open (an alert() means injected script ran)');
  assert.deepEqual(watch.pageErrors, [], 'no uncaught JavaScript error on any page');
}

before(async () => {
  // Plant markup in WHMCS names before anything is synchronized, where the addon will show it:
  // a client (named, and its bad country quoted in the log's warning) and a product (plan names
  // on the Products and Trial tabs).
  const invalidCountry = h.sql(env,
    "SELECT `record_id` FROM `seed_planted` WHERE `kind` = 'invalid_country' ORDER BY `record_id` LIMIT 1");
  assert.ok(invalidCountry.length === 1, 'the seed plants a client with an invalid country');
  planted.clientId = Number(invalidCountry[0].record_id);
  h.sql(env, `UPDATE \`tblclients\` SET \`firstname\` = ${h.quote(XSS)}, \`lastname\` = '', `
    + `\`companyname\` = ${h.quote(XSS)}, \`country\` = ${h.quote(XSS)} WHERE \`id\` = ${planted.clientId}`);
  // Services the seed gave an unknown billing cycle: the engine rejects their lines, quoting the
  // cycle, both live in the Clients tab's rejected list and in the log.
  planted.cycles = h.sql(env,
    "SELECT `table_name`, `record_id` FROM `seed_planted` WHERE `kind` = 'unknown_cycle' ORDER BY `table_name`, `record_id`");
  assert.ok(planted.cycles.length > 0, 'the seed plants a service with an unknown billing cycle');
  for (const row of planted.cycles) {
    h.sql(env, `UPDATE \`${row.table_name}\` SET \`billingcycle\` = ${h.quote(XSS)} WHERE \`id\` = ${Number(row.record_id)}`);
  }
  const product = h.sql(env, 'SELECT MIN(`id`) AS `id` FROM `tblproducts`');
  planted.productId = Number(product[0].id);
  h.sql(env, `UPDATE \`tblproducts\` SET \`name\` = CONCAT(${h.quote(XSS + ' ')}, \`name\`) WHERE \`id\` = ${planted.productId}`);

  browser = await b.launch();
  admin = await b.session(browser, env, watch);
  await b.recordBars(admin.context);
  await b.login(admin.page, 'admin', 'admin-pass');
});

after(async () => {
  if (browser) {
    await browser.close();
  }
});

test('a. an admin activates the addon, configures key, access and API address, and syncs products to 100 %', { timeout: 240_000 }, async () => {
  const { page } = admin;

  // Setup > Addon Modules: Activate.
  await page.goto('/admin/configaddonmods.php');
  await b.submit(page, '#activate-chartmogul');
  await page.waitForSelector('#module-chartmogul[data-active="1"]');
  const activated = await page.textContent('[data-flash="success"]');
  assert.match(activated, /ChartMogul activated/);

  // Configure: the API key (a password field) and Access Control for all three roles (role 2
  // and 3 must reach the addon page for the permission tests below).
  await page.fill('#field-chartmogul-api_key', API_KEY);
  for (const role of ['1', '2', '3']) {
    await page.check(`#config-chartmogul input[name="access[chartmogul][]"][value="${role}"]`);
  }
  await b.submit(page, '#save-chartmogul');
  assert.match(await page.textContent('[data-flash="success"]'), /Changes saved/);
  assert.equal(await page.inputValue('#field-chartmogul-api_key'), '', 'a saved key is never shown back');

  // The addon's Settings tab: the key shows as saved (never echoed), point the API address at
  // the simulator.
  await b.openTab(page, 'settings');
  await page.waitForSelector('#cm-api-key-saved');
  assert.equal(await page.inputValue('#cm-api-key'), '');
  assert.ok(!(await page.content()).includes(API_KEY), 'the API key appears nowhere in the page');
  await page.fill('#cm-api-base-url', env.SIM_URL);
  await b.submit(page, '#cm-connection-save');
  assert.deepEqual(await b.notices(page, 'danger'), []);
  assert.equal((await b.notices(page, 'success')).length, 1, 'the connection was saved');
  assert.equal(await page.inputValue('#cm-api-base-url'), env.SIM_URL);

  // The mapping settings the seeded data expects (seed_meta.settings_toml): UTC, and the trial
  // products, addons and promotion codes.
  const meta = h.seedMeta(env);
  await page.fill('#cm-setting-timezone', 'UTC');
  await b.submit(page, '#cm-settings-save');
  assert.deepEqual(await b.notices(page, 'danger'), []);
  assert.equal(await page.inputValue('#cm-setting-timezone'), 'UTC');
  await b.openTab(page, 'trial');
  await page.fill('#cm-setting-trial_products', meta.trial_product_ids);
  await page.fill('#cm-setting-trial_addons', meta.trial_addon_ids);
  await page.fill('#cm-setting-trial_promotions', meta.trial_promotion_codes);
  await b.submit(page, '#cm-trial-save');
  assert.deepEqual(await b.notices(page, 'danger'), []);
  assert.equal(await page.inputValue('#cm-setting-trial_products'), meta.trial_product_ids);

  // Products tab: Synchronize products, watch the bar to 100 %.
  await b.openTab(page, 'products');
  assert.equal(await b.syncState(page, 'products'), 'idle');
  assert.equal(await b.barValue(page, 'products'), 0);
  assert.equal(await page.isDisabled('#cm-sync-products-start'), false);
  await page.click('#cm-sync-products-start');
  await b.waitForState(page, 'products', ['finished']);
  assert.equal(await b.barValue(page, 'products'), 100);
  assert.equal(await page.textContent('#cm-sync-products-bar'), '100%');
  const seen = await page.evaluate(() => window.__cmBar.products);
  assert.deepEqual([...seen].sort((x, y) => x - y), seen, `the bar never moves backwards (${seen})`);
  assert.equal(seen[seen.length - 1], 100);

  // After a reload the plans list shows them synced, and the bar stays full.
  await b.openTab(page, 'products');
  assert.equal(await b.barValue(page, 'products'), 100);
  assert.equal(await b.syncState(page, 'products'), 'finished');
  const plans = await page.$$eval('#cm-plans-table tr.cm-plan-row', (rows) => rows.map((r) => r.getAttribute('data-synced')));
  assert.ok(plans.length > 0, 'the plans table lists the WHMCS products');
  assert.ok(plans.filter((s) => s === '1').length > 0, 'synced plans are marked synced');
  assertQuietPages();
});

test('b. a reload in the middle of the clients sync resumes from where it was, then it reaches 100 %', { timeout: 600_000 }, async () => {
  const { page } = admin;
  await b.openTab(page, 'clients');
  assert.equal(await b.syncState(page, 'clients'), 'idle');
  assert.equal(await b.barValue(page, 'clients'), 0);
  const total = JSON.parse(await page.getAttribute('#cm-sync-clients', 'data-progress')).total;
  await page.click('#cm-sync-clients-start');

  // The first batch (at most 100 clients) answered: the bar moved but is not full. Reload now,
  // while the page has the next batch on its way.
  await page.waitForFunction(() => {
    const v = Number(document.getElementById('cm-sync-clients-bar').getAttribute('aria-valuenow'));
    return v > 0 || document.getElementById('cm-sync-clients').getAttribute('data-state') === 'finished';
  }, null, { timeout: 180_000, polling: 50 });
  const before = await b.barValue(page, 'clients');
  const stateBefore = await b.syncState(page, 'clients');
  assert.notEqual(stateBefore, 'finished',
    `the first batch already finished the whole sync (${total} clients): the seed is too small to reload mid-sync`);
  assert.ok(before > 0 && before < 100, `bar after the first batch: ${before}`);
  await page.reload();

  // The server-drawn bar starts where the sync stands, not at 0.
  const after = await b.barValue(page, 'clients');
  assert.ok(after >= before, `after the reload the bar shows ${after} %, before it showed ${before} %`);
  assert.ok(after < 100, `not finished yet (${after} %)`);
  const progress = JSON.parse(await page.getAttribute('#cm-sync-clients', 'data-progress'));
  assert.ok(progress.done > 0, 'the page knows clients were already done');
  // Either the batch the reload cut off still runs on the server (the page follows it) or it
  // has ended and the page offers to continue.
  const resumeState = await b.syncState(page, 'clients');
  assert.ok(['following', 'paused'].includes(resumeState), `state after reload: ${resumeState}`);
  await b.waitForState(page, 'clients', ['paused', 'finished'], 120_000);
  if ((await b.syncState(page, 'clients')) === 'paused') {
    assert.equal((await page.textContent('#cm-sync-clients-start')).trim(), 'Continue synchronization');
    const resumedAt = await b.barValue(page, 'clients');
    assert.ok(resumedAt >= after, `the bar does not go back (${resumedAt} < ${after})`);
    await page.click('#cm-sync-clients-start');
    await b.waitForState(page, 'clients', ['finished'], 540_000);
  }
  assert.equal(await b.barValue(page, 'clients'), 100);
  const seen = await page.evaluate(() => window.__cmBar.clients);
  const batches = watch.ajax.filter((a) => a.post && a.post.includes('kind=clients'))
    .map((a) => `${a.action} ${a.status} ${JSON.stringify(a.body && { finished: a.body.finished, done: a.body.done, total: a.body.total, running: a.body.running, error: a.body.error })}`);
  console.log(`clients: bar before reload ${before}, after ${after}; bar values after it: ${seen}\n  ${batches.join('\n  ')}`);
  assert.ok(seen[0] >= before, `after the reload the bar started at ${seen[0]} %, not 0`);
  assert.deepEqual([...seen].sort((x, y) => x - y), seen, `the bar never moves backwards (${seen})`);

  // Records rejected by the batches run since the reload are listed as they arrive (the Logs
  // tab has them all), each naming its record and kind.
  const rejected = await page.$$eval('#cm-sync-clients-rejected tr.cm-rejected-row',
    (rows) => rows.map((r) => Array.from(r.cells, (c) => c.textContent)));
  for (const row of rejected) {
    assert.equal(row.length, 3);
    assert.ok(row[0] !== '' && row[1] !== '', `a rejected row names its record and kind: ${row}`);
  }

  // Reloaded once more: finished, full bar.
  await b.openTab(page, 'clients');
  assert.equal(await b.syncState(page, 'clients'), 'finished');
  assert.equal(await b.barValue(page, 'clients'), 100);
  assertQuietPages();
});

test('a (end). after the syncs ChartMogul shows the expected MRR for every customer and currency', async () => {
  const meta = h.seedMeta(env);
  const expected = h.expectedMrr(env);
  const actual = await h.simMrr(env, meta.today);
  assert.ok(expected.size > 10, `the seed expects MRR for ${expected.size} customer×currency pairs`);
  const diff = [];
  for (const key of new Set([...expected.keys(), ...actual.keys()])) {
    if (expected.get(key) !== actual.get(key)) {
      diff.push(`${key}: expected ${expected.get(key)}, ChartMogul ${actual.get(key)}`);
    }
  }
  assert.deepEqual(diff, [], `MRR per customer×currency on ${meta.today} differs:\n${diff.slice(0, 20).join('\n')}`);
});

test('c. the admin reads the logs and filters them by level and by a search term', { timeout: 120_000 }, async () => {
  const { page } = admin;
  await b.openTab(page, 'logs');
  const allTotal = Number(await page.getAttribute('#cm-log-summary', 'data-total'));
  assert.ok(allTotal > 0, 'the syncs wrote log entries');
  const dbTotal = Number(h.sql(env, 'SELECT COUNT(*) AS n FROM `mod_chartmogul_log`')[0].n);
  assert.equal(allTotal, dbTotal, 'the summary counts every entry');
  assert.equal(await page.locator('#cm-log-table tr.cm-log-row').count(), Math.min(50, allTotal), 'pages of 50');

  // Level = error through the form.
  await page.selectOption('#cm-log-level', 'error');
  await Promise.all([page.waitForURL(/[?&]level=error/), page.click('#cm-log-filter-submit')]);
  await page.waitForSelector('#cm-tab-logs[aria-current="page"]');
  assert.equal(await page.inputValue('#cm-log-level'), 'error', 'the filter stays selected');
  const errorRows = await page.$$eval('#cm-log-table tr.cm-log-row', (rows) => rows.map((r) => ({
    level: r.getAttribute('data-level'),
    kind: r.cells[2].textContent.trim(),
    message: r.querySelector('.cm-log-message').textContent,
  })));
  const errorTotal = Number(await page.getAttribute('#cm-log-summary', 'data-total'));
  const dbErrors = Number(h.sql(env, "SELECT COUNT(*) AS n FROM `mod_chartmogul_log` WHERE `level` = 'error'")[0].n);
  assert.ok(dbErrors > 0, 'the seed plants records that end as errors');
  assert.equal(errorTotal, dbErrors);
  assert.equal(errorRows.length, Math.min(50, errorTotal));
  for (const row of errorRows) {
    assert.equal(row.level, 'error', `a shown row is not an error: ${JSON.stringify(row)}`);
  }

  // A search term taken from an error message: a word of it, in other case (search ignores case).
  const words = errorRows[0].message.split(/[^A-Za-z_]+/).filter((w) => w.length >= 6);
  assert.ok(words.length > 0, `a word to search for in "${errorRows[0].message}"`);
  const term = words.sort((x, y) => y.length - x.length)[0];
  await page.fill('#cm-log-search', term.toUpperCase());
  await Promise.all([page.waitForURL(/[?&]search=/), page.click('#cm-log-filter-submit')]);
  assert.equal(await page.inputValue('#cm-log-search'), term.toUpperCase());
  assert.equal(await page.inputValue('#cm-log-level'), 'error');
  const found = await page.$$eval('#cm-log-table tr.cm-log-row', (rows) => rows.map((r) => ({
    level: r.getAttribute('data-level'),
    message: r.querySelector('.cm-log-message').textContent,
  })));
  assert.ok(found.length > 0, `searching "${term}" finds the row it came from`);
  for (const row of found) {
    assert.equal(row.level, 'error');
    assert.ok(row.message.toLowerCase().includes(term.toLowerCase()), `"${row.message}" does not contain "${term}"`);
  }
  const dbFound = Number(h.sql(env, "SELECT COUNT(*) AS n FROM `mod_chartmogul_log` WHERE `level` = 'error' AND "
    + `(LOWER(\`message\`) LIKE ${h.quote('%' + term.toLowerCase() + '%')} OR LOWER(COALESCE(\`chartmogul_message\`, '')) LIKE ${h.quote('%' + term.toLowerCase() + '%')})`)[0].n);
  assert.equal(Number(await page.getAttribute('#cm-log-summary', 'data-total')), dbFound);

  // The CSV export of the filtered view holds exactly those entries.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#cm-log-export-button')]);
  const csv = fs.readFileSync(await download.path(), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'id,time,level,kind,record,message');
  assert.equal(csv.length - 1, dbFound, 'one CSV line per matching entry');
  for (const line of csv.slice(1)) {
    assert.match(line, /^\d+,[^,]*,error,/);
  }
  assert.ok(!csv.join('\n').includes(API_KEY), 'the export carries no secret');

  // A kind link filters on that kind; pagination keeps the filter.
  await b.submit(page, '#cm-log-filter-reset');
  assert.equal(await page.inputValue('#cm-log-level'), '');
  const byKind = h.sql(env, 'SELECT `kind`, COUNT(*) AS n FROM `mod_chartmogul_log` GROUP BY `kind` ORDER BY n DESC LIMIT 1')[0];
  await page.goto(b.tabUrl('logs', { kind: byKind.kind }));
  const kinds = await page.$$eval('#cm-log-table tr.cm-log-row', (rows) => rows.map((r) => r.cells[2].textContent.trim()));
  assert.ok(kinds.length > 0);
  assert.ok(kinds.every((k) => k === byKind.kind), `kind filter ${byKind.kind}: ${[...new Set(kinds)]}`);
  if (Number(byKind.n) > 50) {
    await page.waitForSelector('#cm-log-pages');
    const firstIds = await page.$$eval('#cm-log-table tr.cm-log-row', (rows) => rows.map((r) => r.getAttribute('data-id')));
    await Promise.all([page.waitForURL(/[?&]page=2/), page.click('#cm-log-pages a.cm-page-next')]);
    const second = await page.$$eval('#cm-log-table tr.cm-log-row', (rows) => rows.map((r) => ({
      id: r.getAttribute('data-id'), kind: r.cells[2].textContent.trim(),
    })));
    assert.ok(second.length > 0);
    assert.ok(second.every((r) => r.kind === byKind.kind), 'page 2 keeps the kind filter');
    assert.ok(second.every((r) => !firstIds.includes(r.id)), 'page 2 shows other entries');
    assert.equal((await page.textContent('#cm-log-pages li.active span')).trim(), '2');
  }
  assertQuietPages();
});

test('d. a role with View but not Sync cannot start a sync: no usable button, and a forced AJAX POST gets 403', { timeout: 120_000 }, async () => {
  // Before the matrix is changed only role 1 may do anything: sales (role 2) is denied.
  const sales = await b.session(browser, env, watch);
  try {
    await b.login(sales.page, 'sales', 'sales-pass');
    await sales.page.goto(b.tabUrl('clients'));
    await sales.page.waitForSelector('#cm-denied');

    // The admin grants role 2 View only, role 3 nothing, on the Settings tab.
    const { page } = admin;
    await b.openTab(page, 'settings');
    const set = async (role, perm, on) => (on ? page.check(`#cm-perm-${role}-${perm}`) : page.uncheck(`#cm-perm-${role}-${perm}`));
    for (const perm of ['view', 'sync', 'configure']) {
      await set(1, perm, true);
      await set(2, perm, perm === 'view');
      await set(3, perm, false);
    }
    await b.submit(page, '#cm-permissions-save');
    assert.deepEqual(await b.notices(page, 'danger'), []);
    assert.equal(await page.isChecked('#cm-perm-2-view'), true);
    assert.equal(await page.isChecked('#cm-perm-2-sync'), false);
    assert.equal(await page.isChecked('#cm-perm-2-configure'), false);

    // Sales now sees the Clients tab, with the button disabled and the reason given.
    const s = sales.page;
    await b.openTab(s, 'clients');
    assert.equal(await s.isDisabled('#cm-sync-clients-start'), true, 'the sync button is disabled');
    assert.equal(await s.getAttribute('#cm-sync-clients', 'data-can-sync'), '0');
    assert.match(await s.textContent('.cm-sync-denied'), /not allowed to start synchronizations/);
    await b.openTab(s, 'products');
    assert.equal(await s.isDisabled('#cm-sync-products-start'), true);

    // Forcing it from the page's own JavaScript context (its session, its CSRF token) is refused.
    const forced = await s.evaluate(async () => {
      const app = document.getElementById('cm-app');
      const ask = async (action, kind) => {
        const body = new URLSearchParams({ token: app.getAttribute('data-token'), action, kind });
        const res = await fetch(app.getAttribute('data-ajax-url') + '&action=' + action, {
          method: 'POST', credentials: 'same-origin', body,
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Requested-With': 'XMLHttpRequest' },
        });
        let json = null;
        try { json = await res.json(); } catch (e) { json = null; }
        return { status: res.status, json };
      };
      return {
        clients: await ask('batch', 'clients'),
        products: await ask('batch', 'products'),
        incremental: await ask('batch', 'incremental'),
        progress: await ask('progress', 'clients'),
      };
    });
    for (const kind of ['clients', 'products', 'incremental']) {
      assert.equal(forced[kind].status, 403, `batch ${kind}: ${JSON.stringify(forced[kind])}`);
      assert.equal(forced[kind].json && forced[kind].json.kind, 'forbidden');
    }
    // …while what View allows answers (so the 403 is the permission, not a bad token).
    assert.equal(forced.progress.status, 200, JSON.stringify(forced.progress));
    assert.equal(forced.progress.json.finished, true);

    // Without Configure the Settings forms are read-only.
    await b.openTab(s, 'settings');
    assert.equal(await s.locator('#cm-permissions-save').count(), 0);
    assert.equal(await s.locator('#cm-connection-save').count(), 0);
    assert.equal(await s.isDisabled('#cm-perm-2-sync'), true);

    // Support (role 3: WHMCS access, no View) gets the addon's denial page.
    const support = await b.session(browser, env, watch);
    try {
      await b.login(support.page, 'support', 'support-pass');
      await support.page.goto(b.tabUrl('clients'));
      await support.page.waitForSelector('#cm-denied');
      assert.equal(await support.page.locator('#cm-sync-clients-start').count(), 0, 'no sync button at all');
    } finally {
      await support.context.close();
    }
  } finally {
    await sales.context.close();
  }
  assertQuietPages();
});

test('e. a client, a billing cycle and a product named <script>alert(1)</script> show as text, and no dialog opens', { timeout: 300_000 }, async () => {
  const { page } = admin;
  const noScriptIn = async (selector) => page.$$eval(`${selector} script`, (els) => els.length);

  // Logs: the warning about the planted client's country quotes the markup, as text.
  await b.openTab(page, 'logs', { record: `tblclients#${planted.clientId}` });
  const messages = await page.$$eval('#cm-log-table tr.cm-log-row .cm-log-message', (els) => els.map((e) => e.textContent));
  assert.ok(messages.some((m) => m.includes(XSS_UPPER)), `the log shows the country as text: ${JSON.stringify(messages)}`);
  await page.getByText(XSS_UPPER, { exact: false }).first().waitFor({ state: 'visible' });
  assert.equal(await noScriptIn('#cm-log-table'), 0, 'no script element was created in the log table');

  // Searching for the markup itself: the term is shown back in the field, escaped.
  await b.openTab(page, 'logs', { search: XSS });
  assert.equal(await page.inputValue('#cm-log-search'), XSS);
  assert.ok(Number(await page.getAttribute('#cm-log-summary', 'data-total')) >= 1, 'the search finds the entry');
  assert.equal(await noScriptIn('#cm-log-table'), 0);

  // Clients: "Synchronize clients" once more (a full re-check that sends nothing new); the live
  // list of rejected records, built by the page's script from the batch answers, quotes the
  // planted billing cycle as text.
  await b.openTab(page, 'clients');
  await page.click('#cm-sync-clients-start');
  await b.waitForState(page, 'clients', ['finished']);
  assert.equal(await b.barValue(page, 'clients'), 100);
  const rejected = await page.$$eval('#cm-sync-clients-rejected tr.cm-rejected-row',
    (rows) => rows.map((r) => Array.from(r.cells, (c) => c.textContent)));
  const cycleRows = rejected.filter((r) => r[1] === 'unknown_cycle');
  assert.ok(cycleRows.length > 0, `the unknown-cycle services are listed as rejected: ${JSON.stringify(rejected)}`);
  assert.ok(cycleRows.every((r) => r[2].includes(XSS)), `the reason quotes the cycle: ${JSON.stringify(cycleRows)}`);
  await page.locator('#cm-sync-clients-rejected').getByText(XSS).first().waitFor({ state: 'visible' });
  assert.equal(await noScriptIn('#cm-sync-clients-rejected'), 0);
  await page.locator('#cm-sync-clients-rejected-wrap').screenshot({ path: path.join(b.ARTIFACTS, 'clients-rejected.png') });
  const cycle = planted.cycles[0];
  await b.openTab(page, 'logs', { record: `${cycle.table_name}#${cycle.record_id}` });
  const cycleLog = await page.$$eval('#cm-log-table tr.cm-log-row .cm-log-message', (els) => els.map((e) => e.textContent));
  assert.ok(cycleLog.some((m) => m.includes(XSS)), `the log quotes the cycle as text: ${JSON.stringify(cycleLog)}`);
  await page.locator('#cm-log-table').getByText(XSS).first().waitFor({ state: 'visible' });
  assert.equal(await noScriptIn('#cm-log-table'), 0);

  // Products: the plan names carry the product name, as text.
  await b.openTab(page, 'products');
  const names = await page.$$eval('#cm-plans-table tr.cm-plan-row', (rows) => rows.map((r) => r.cells[1].textContent));
  assert.ok(names.some((n) => n.startsWith(XSS)), 'a plan name starts with the planted product name');
  await page.locator('#cm-plans-table').getByText(XSS).first().waitFor({ state: 'visible' });
  assert.equal(await noScriptIn('#cm-plans-table'), 0);

  // Trial: the catalogue hint lists the product by name.
  await b.openTab(page, 'trial');
  const hint = await page.locator('.cm-catalogue-hint').first().textContent();
  assert.ok(hint.includes(XSS), `the trial tab's product list shows the name as text: ${hint}`);
  assert.equal(await noScriptIn('#cm-trial-panel'), 0);

  // ChartMogul received the client's name unchanged (the addon neither drops nor mangles it).
  const customers = await (await fetch(`${env.SIM_URL}/customers?external_id=whmcs-client-${planted.clientId}`, {
    headers: { Authorization: 'Basic ' + Buffer.from(API_KEY + ':').toString('base64') },
  })).json();
  const entry = (customers.entries || [])[0];
  assert.ok(entry, `the simulator has customer whmcs-client-${planted.clientId}`);
  assert.equal(entry.name, XSS);

  // Every tab, every sync: no dialog fired anywhere during the whole run.
  assertQuietPages();
});

test('every tab renders for the admin (screenshots in tests/e2e/artifacts/)', { timeout: 120_000 }, async () => {
  const { page } = admin;
  for (const tab of b.TABS) {
    const response = await b.openTab(page, tab);
    assert.equal(response.status(), 200, `${tab}: HTTP ${response.status()}`);
    assert.equal(await page.locator('#addon-error').count(), 0, `${tab}: the addon threw`);
    const danger = await b.notices(page, 'danger');
    assert.deepEqual(danger, [], `${tab}: no error notice`);
    await b.screenshot(page, `tab-${tab}`);
  }
  for (const tab of b.TABS) {
    assert.ok(fs.existsSync(path.join(b.ARTIFACTS, `tab-${tab}.png`)));
  }
  assertQuietPages();
});

test('no PHP error was logged during the browser run', () => {
  const lines = h.phpErrors(env).split('\n').filter((l) => /PHP (Fatal|Parse|Warning|Notice|Deprecated)|Uncaught/.test(l));
  assert.deepEqual(lines, [], 'PHP error log of the harness');
});
