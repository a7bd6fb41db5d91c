'use strict';
// What the browser tests need from the WHMCS harness (tests/harness/): its environment (the lines
// tests/harness/start.sh prints), SQL on its MariaDB through the `mysql` client, the ChartMogul
// simulator's inspection endpoints, and the PHP error log.

const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const REQUIRED = ['HARNESS_URL', 'HARNESS_DIR', 'SIM_URL', 'MARIADB_PORT', 'MARIADB_PASSWORD'];

/**
 * The harness environment: the process environment when run.sh exported it, else
 * $HARNESS_DIR/env.json (or $HARNESS_ENV_JSON).
 */
function harnessEnv() {
  let env = { ...process.env };
  const file = process.env.HARNESS_ENV_JSON
    || (process.env.HARNESS_DIR ? path.join(process.env.HARNESS_DIR, 'env.json') : null);
  if (!env.HARNESS_URL && file && fs.existsSync(file)) {
    env = { ...env, ...JSON.parse(fs.readFileSync(file, 'utf8')) };
  }
  const missing = REQUIRED.filter((k) => !env[k]);
  if (missing.length) {
    throw new Error(`harness environment incomplete (missing ${missing.join(', ')}): `
      + 'run tests/e2e/run.sh, or start tests/harness/start.sh and export its lines');
  }
  return env;
}

/** Undoes mysql --batch escaping (\t, \n, \\, \0) of one field. */
function unescapeField(s) {
  return s.replace(/\\([tn0\\])/g, (_, c) => ({ t: '\t', n: '\n', 0: '\0', '\\': '\\' })[c]);
}

/**
 * Runs SQL on the harness database (`whmcs`); returns the rows of the last result set as objects
 * (NULL becomes null). Values are strings, as the client prints them.
 */
function sql(env, query) {
  const out = execFileSync('mysql', [
    '--protocol=TCP', '-h', '127.0.0.1', '-P', String(env.MARIADB_PORT), '-u', 'root',
    '--batch', '--default-character-set=utf8mb4', 'whmcs', '-e', query,
  ], { env: { ...process.env, MYSQL_PWD: env.MARIADB_PASSWORD }, encoding: 'utf8', maxBuffer: 64 << 20 });
  const lines = out.split('\n').filter((l) => l !== '');
  if (lines.length === 0) {
    return [];
  }
  const head = lines[0].split('\t');
  return lines.slice(1).map((line) => {
    const cells = line.split('\t');
    const row = {};
    head.forEach((name, i) => {
      row[name] = cells[i] === 'NULL' ? null : unescapeField(cells[i] ?? '');
    });
    return row;
  });
}

/** A string as an SQL literal (for the few values the tests write themselves). */
function quote(s) {
  return "'" + String(s).replace(/\\/g, '\\\\').replace(/'/g, "\\'") + "'";
}

/** seed_meta as an object. */
function seedMeta(env) {
  const meta = {};
  for (const row of sql(env, 'SELECT `key`, `value` FROM `seed_meta`')) {
    meta[row.key] = row.value;
  }
  return meta;
}

/** The simulator's root (SIM_URL without the /v1 API prefix). */
function simRoot(env) {
  return env.SIM_URL.replace(/\/v1\/?$/, '');
}

/** GET <sim>/__sim/mrr?date=…: Map "external_id|CUR" → cents, over every data source. */
async function simMrr(env, date) {
  const url = simRoot(env) + '/__sim/mrr' + (date ? '?date=' + encodeURIComponent(date) : '');
  const res = await fetch(url);
  if (!res.ok) {
    throw new Error(`${url}: HTTP ${res.status}`);
  }
  const body = await res.json();
  const out = new Map();
  for (const ds of Object.values(body.data_sources || {})) {
    for (const [customer, perCurrency] of Object.entries(ds.customers || {})) {
      for (const [currency, cents] of Object.entries(perCurrency)) {
        out.set(`${customer}|${currency}`, Number(cents));
      }
    }
  }
  return out;
}

/** seed_expected_mrr as Map "whmcs-client-ID|CUR" → cents (zero rows left out, as the sim lists none). */
function expectedMrr(env) {
  const out = new Map();
  for (const row of sql(env, 'SELECT `client_id`, `currency`, `mrr_cents` FROM `seed_expected_mrr`')) {
    const cents = Number(row.mrr_cents);
    if (cents !== 0) {
      out.set(`whmcs-client-${row.client_id}|${row.currency}`, cents);
    }
  }
  return out;
}

/** The PHP error log of the harness (server and cron), '' when there is none. */
function phpErrors(env) {
  const file = env.HARNESS_PHP_ERRORS || path.join(env.HARNESS_DIR, 'php-errors.log');
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
}

module.exports = { harnessEnv, sql, quote, seedMeta, simRoot, simMrr, expectedMrr, phpErrors };
