'use strict';
// Debian's chromium driven by playwright-core (no browser download), and the admin-area steps
// the tests share: log in, open a tab of the addon, wait for a sync widget.

const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require('playwright-core');

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
// Without the background-networking flags Chromium stalls on a closed network (it keeps trying
// to reach Google's update and sync services).
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage',
];

const ARTIFACTS = process.env.E2E_ARTIFACTS || path.join(__dirname, '..', 'artifacts');

const TABS = ['dashboard', 'products', 'clients', 'trial', 'cron', 'logs', 'settings'];

const MODULE_PATH = '/admin/addonmodules.php?module=chartmogul';

async function launch() {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 60_000 });
}

/**
 * A fresh browser context (own cookies = own WHMCS session) and page, with every JavaScript
 * dialog, uncaught page error and console error recorded in `watch` (dialogs are dismissed).
 */
async function session(browser, env, watch) {
  const context = await browser.newContext({
    baseURL: env.HARNESS_URL,
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
  });
  context.setDefaultTimeout(30_000);
  context.setDefaultNavigationTimeout(60_000);
  const page = await context.newPage();
  page.on('dialog', async (dialog) => {
    watch.dialogs.push({ type: dialog.type(), message: dialog.message(), url: page.url() });
    await dialog.dismiss().catch(() => {});
  });
  page.on('pageerror', (err) => watch.pageErrors.push({ message: String(err && err.message), url: page.url() }));
  // Every AJAX answer of the addon, for the failure messages of the tests.
  page.on('response', async (res) => {
    if (!res.url().includes('ajax=1') || !res.url().includes('module=chartmogul')) { return; }
    const action = new URL(res.url()).searchParams.get('action');
    let body = null;
    try { body = action === 'logs_csv' ? '(csv)' : await res.json(); } catch (e) { body = null; }
    watch.ajax.push({ action, post: res.request().postData(), status: res.status(), body });
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error') {
      watch.consoleErrors.push({ text: msg.text(), url: page.url() });
    }
  });
  return { context, page };
}

function newWatch() {
  return { dialogs: [], pageErrors: [], consoleErrors: [], ajax: [] };
}

async function login(page, username, password) {
  await page.goto('/admin/login.php');
  await page.fill('#username', username);
  await page.fill('#password', password);
  await Promise.all([
    page.waitForURL((url) => !url.pathname.endsWith('/login.php'), { timeout: 30_000 }),
    page.click('#login-form button[type=submit]'),
  ]);
}

function tabUrl(tab, query = {}) {
  const q = new URLSearchParams({ tab, ...query });
  return `${MODULE_PATH}&${q.toString()}`;
}

/** Opens a tab of the addon and waits until it is the active one. Returns the HTTP response. */
async function openTab(page, tab, query = {}) {
  const response = await page.goto(tabUrl(tab, query));
  await page.waitForSelector(`#cm-tab-${tab}[aria-current="page"]`);
  return response;
}

/** Clicks something that loads a new page (a form's submit button, a link) and waits for it. */
async function submit(page, selector) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(selector)]);
}

/** Text of the success/danger notices at the top of the current tab. */
async function notices(page, type) {
  return page.$$eval(`.cm-tab-body > .alert-${type}, .cm-tab-body .alert-${type}`, (els) => els.map((e) => e.textContent.trim()));
}

/**
 * Records every aria-valuenow the bar of sync widget `kind` takes, in window.__cmBar[kind]
 * (installed before the page's scripts run, so nothing is missed).
 */
async function recordBars(context) {
  await context.addInitScript(() => {
    window.__cmBar = {};
    const start = () => {
      document.querySelectorAll('.cm-sync').forEach((el) => {
        const kind = el.getAttribute('data-kind');
        const bar = document.getElementById(el.id + '-bar');
        if (!bar) { return; }
        const seen = window.__cmBar[kind] = [Number(bar.getAttribute('aria-valuenow'))];
        new MutationObserver(() => {
          const v = Number(bar.getAttribute('aria-valuenow'));
          if (seen[seen.length - 1] !== v) { seen.push(v); }
        }).observe(bar, { attributes: true, attributeFilter: ['aria-valuenow'] });
      });
    };
    if (document.readyState === 'loading') {
      document.addEventListener('DOMContentLoaded', start);
    } else {
      start();
    }
  });
}

async function barValue(page, kind) {
  return Number(await page.getAttribute(`#cm-sync-${kind}-bar`, 'aria-valuenow'));
}

async function syncState(page, kind) {
  return page.getAttribute(`#cm-sync-${kind}`, 'data-state');
}

/** Waits until the widget's data-state is one of `states`; fails early on 'failed'. */
async function waitForState(page, kind, states, timeout = 180_000) {
  const handle = await page.waitForFunction(([k, wanted]) => {
    const el = document.getElementById('cm-sync-' + k);
    const s = el && el.getAttribute('data-state');
    return (wanted.includes(s) || s === 'failed') ? s : false;
  }, [kind, states], { timeout, polling: 100 });
  const state = await handle.jsonValue();
  if (state === 'failed' && !states.includes('failed')) {
    const message = await page.textContent(`#cm-sync-${kind}-message`).catch(() => '');
    throw new Error(`the ${kind} sync failed: ${message}`);
  }
  return state;
}

async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, name + '.png');
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

module.exports = {
  ARTIFACTS, TABS, MODULE_PATH, launch, session, newWatch, login, tabUrl, openTab, submit, notices,
  recordBars, barValue, syncState, waitForState, screenshot,
};
