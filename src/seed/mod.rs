//! `whmcs-chartmogul seed`: a realistic, deterministic WHMCS database of a hosting company.
//!
//! Three years of history before `--today` (default 2026-11-01): clients in several countries
//! and currencies, services on every cycle (One Time and Free Account included), addons,
//! domains, orders, invoices generated the way WHMCS generates them, payments with fees, credit,
//! mass payments, refunds, chargebacks, cancellations, upgrades, a price rise, reactivations,
//! trials of the three kinds of mapping.md §6, client merges and deletions — plus a few planted
//! bad records. The same `--seed` always gives byte-identical rows (the generator has its own
//! PRNG, [`rng`]); SQLite and MySQL targets receive exactly the same rows.
//!
//! How it works: a [`plan`] fixes every client's sign-up date, country and fate; [`billing`]
//! simulates one client's history; [`ids`] hands out ids in date order across clients (two
//! passes over the clients, the second regenerating each client); [`emit`] writes the rows
//! through [`writer`] in batched multi-row inserts. Memory stays bounded: one client's history
//! at a time, plus the plan (a few bytes per client) and per-day id counters.
//!
//! # The `seed_*` tables
//!
//! Written next to the WHMCS tables, so tests can check the engine against what the generator
//! knows (plain portable DDL, the same in SQLite and MySQL):
//!
//! ```sql
//! CREATE TABLE `seed_planted` (`table_name` TEXT, `record_id` INT, `column_name` TEXT, `kind` TEXT);
//! CREATE TABLE `seed_expected_mrr` (`client_id` INT, `currency` TEXT, `mrr_cents` INT);
//! CREATE TABLE `seed_meta` (`key` TEXT, `value` TEXT);
//! CREATE TABLE `seed_events` (`kind` TEXT, `client_id` INT, `other_client_id` INT, `at` TEXT);
//! ```
//!
//! - `seed_planted`: one row per planted bad record and the problem `kind` the mapping engine
//!   must report for it: `invalid_country`, `missing_email`, `missing_lead_date` (tblclients),
//!   `unknown_cycle` (tblhosting or tblhostingaddons, column `billingcycle`), `orphan_item`
//!   (tblinvoiceitems, `relid`: a Hosting/Addon item of a deleted service/addon on a Paid
//!   invoice), `period_from_description` and `period_from_invoice_date` (tblinvoiceitems,
//!   `duedate`), `unknown_item_type` (tblinvoiceitems, `type` = `RCOrder`). About 0.5 % of the
//!   clients carry each kind, at least one client per kind (when there are 8 clients or more);
//!   an orphaned service or addon leaves 2–3 orphan items. Nothing else in the data triggers
//!   these kinds.
//! - `seed_expected_mrr`: per client (after merges: the client the records belong to now) and
//!   currency code, the MRR in cents ChartMogul should show on `today`, computed from the
//!   generated records by the rules in [`expected`]. Clients with no live subscription have
//!   **no row**.
//! - `seed_meta`: `seed`, `scale`, `clients`, `today`, `history_start`, `generator_version`,
//!   `trial_product_ids`, `trial_addon_ids`, `trial_promotion_codes`, `price_rise_date`,
//!   `planted_per_kind`, and `settings_toml` — the mapping settings (mapping.md §10) the data
//!   expects.
//! - `seed_events`: `('merge', from, into, date)` for each client merged into another (its
//!   rows now carry `into`'s id, `from` is gone from tblclients) and `('delete', id, NULL, date)`
//!   for each deleted client (all its rows are gone; its ids stay as gaps).

mod billing;
mod clients;
mod company;
mod emit;
mod expected;
pub mod fixture;
mod ids;
mod model;
mod plan;
mod rng;
#[cfg(test)]
mod tests;
mod writer;

use std::collections::BTreeMap;
use std::fmt;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use sync_core::db::{Db, DbError, Dialect, Value};

use self::plan::Fate;
use self::writer::{Writer, date_text, row};

/// Bumped whenever the same seed starts producing different rows.
pub const GENERATOR_VERSION: &str = "1";

/// The default `--today`.
pub const DEFAULT_TODAY: &str = "2026-11-01";

/// How many clients to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    Small,
    Medium,
    Large,
    Clients(usize),
}

impl Scale {
    pub fn clients(self) -> usize {
        match self {
            Scale::Small => 200,
            Scale::Medium => 2_000,
            Scale::Large => 20_000,
            Scale::Clients(n) => n,
        }
    }
    pub fn name(self) -> String {
        match self {
            Scale::Small => "small".into(),
            Scale::Medium => "medium".into(),
            Scale::Large => "large".into(),
            Scale::Clients(n) => n.to_string(),
        }
    }
}

fn parse_scale(s: &str) -> Result<Scale, String> {
    match s {
        "small" => Ok(Scale::Small),
        "medium" => Ok(Scale::Medium),
        "large" => Ok(Scale::Large),
        n => match n.parse::<usize>() {
            Ok(n) if (1..=1_000_000).contains(&n) => Ok(Scale::Clients(n)),
            _ => Err(format!(
                "expected small, medium, large or a number of clients (1-1000000), got {s:?}"
            )),
        },
    }
}

fn parse_today(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("expected a date YYYY-MM-DD, got {s:?}"))
}

/// `whmcs-chartmogul seed` options.
#[derive(clap::Args, Debug, Clone)]
pub struct SeedArgs {
    /// small (≈200 clients), medium (≈2,000), large (≈20,000, over 500,000 invoices) or a number of clients
    #[arg(long, value_parser = parse_scale)]
    pub scale: Scale,
    /// The database to fill: sqlite:PATH or mysql://user:pass@host:port/db (must have no clients)
    #[arg(long, value_name = "SOURCE")]
    pub out: String,
    /// Random seed: the same seed always gives the same rows
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The day the history ends (YYYY-MM-DD) [default: 2026-11-01]
    #[arg(long, value_parser = parse_today)]
    pub today: Option<NaiveDate>,
}

/// Why seeding failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeedError {
    /// The command cannot run as asked (bad source, database not empty): exit status 2.
    Usage(String),
    /// The database failed while writing: exit status 1.
    Failed(String),
}

impl fmt::Display for SeedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SeedError::Usage(m) | SeedError::Failed(m) => f.write_str(m),
        }
    }
}

impl From<DbError> for SeedError {
    fn from(e: DbError) -> Self {
        SeedError::Failed(e.message)
    }
}

/// What was written.
#[derive(Debug, Clone)]
pub struct SeedSummary {
    pub clients: usize,
    pub seed: u64,
    pub today: NaiveDate,
    /// Rows per table, sorted by table name.
    pub tables: Vec<(&'static str, u64)>,
    /// Planted records per kind.
    pub planted: BTreeMap<&'static str, u64>,
    pub merges: usize,
    pub deletions: usize,
    /// Expected MRR per currency code (cents) and the number of clients with a row.
    pub expected_mrr: BTreeMap<&'static str, i64>,
    pub expected_clients: usize,
    pub duration: Duration,
}

impl fmt::Display for SeedSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "seeded {} clients (seed {}, today {}) in {:.1}s",
            self.clients,
            self.seed,
            self.today,
            self.duration.as_secs_f64()
        )?;
        for (table, n) in &self.tables {
            writeln!(f, "  {table:<20} {n:>10}")?;
        }
        let planted: Vec<String> = self
            .planted
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        writeln!(f, "planted records: {}", planted.join(", "))?;
        writeln!(
            f,
            "client merges: {}, deletions: {}",
            self.merges, self.deletions
        )?;
        let mrr: Vec<String> = self
            .expected_mrr
            .iter()
            .map(|(c, cents)| format!("{c} {}", sync_core::Cents(*cents)))
            .collect();
        write!(
            f,
            "expected MRR ({} clients): {}",
            self.expected_clients,
            mrr.join(", ")
        )
    }
}

/// The mapping settings this data expects (mapping.md §10).
pub fn settings_toml() -> String {
    format!(
        "timezone = \"UTC\"\n\
         invoice_statuses = [\"Paid\", \"Refunded\"]\n\
         export_zero_invoices = false\n\
         export_leads = true\n\
         propagate_deletions = true\n\
         plan_name_prefix_group = false\n\
         domains = \"subscription\"\n\
         churn_at = \"termination\"\n\
         suspended_is_active = true\n\
         detect_free_first_period = true\n\
         trial_line_items = false\n\
         trial_products = [{}]\n\
         trial_addons = [{}]\n\
         trial_promotions = [\"{}\"]\n",
        company::TRIAL_PRODUCT,
        company::TRIAL_ADDON,
        company::TRIAL_PROMO_CODE
    )
}

/// Every table the generator writes; all must be empty before it starts.
const TABLES: [&str; 27] = [
    "tblclients",
    "tblcurrencies",
    "tblclientgroups",
    "tblproductgroups",
    "tblproducts",
    "tblpricing",
    "tbladdons",
    "tbldomainpricing",
    "tblpromotions",
    "tbltax",
    "tblpaymentgateways",
    "tblconfiguration",
    "tblhosting",
    "tblhostingaddons",
    "tbldomains",
    "tblinvoices",
    "tblinvoiceitems",
    "tblaccounts",
    "tblcancelrequests",
    "tblupgrades",
    "tblorders",
    "tblcredit",
    "tblbillableitems",
    "seed_planted",
    "seed_expected_mrr",
    "seed_meta",
    "seed_events",
];

const SEED_TABLES_DDL: [&str; 4] = [
    "CREATE TABLE IF NOT EXISTS `seed_planted` (`table_name` TEXT, `record_id` INT, `column_name` TEXT, `kind` TEXT)",
    "CREATE TABLE IF NOT EXISTS `seed_expected_mrr` (`client_id` INT, `currency` TEXT, `mrr_cents` INT)",
    "CREATE TABLE IF NOT EXISTS `seed_meta` (`key` TEXT, `value` TEXT)",
    "CREATE TABLE IF NOT EXISTS `seed_events` (`kind` TEXT, `client_id` INT, `other_client_id` INT, `at` TEXT)",
];

fn count_rows(db: &mut dyn Db, table: &str) -> Result<i64, DbError> {
    let rows = db.query(&format!("SELECT COUNT(*) FROM `{table}`"), &[])?;
    Ok(match rows.first().and_then(|r| r.first()) {
        Some(Value::Int(n)) => *n,
        Some(Value::Text(s)) => s.parse().unwrap_or(0),
        _ => 0,
    })
}

/// Prints progress on a terminal (and nothing when stderr is piped).
struct Progress {
    on: bool,
    last: usize,
}

impl Progress {
    fn tick(&mut self, what: &str, done: usize, total: usize) {
        if !self.on || total == 0 {
            return;
        }
        let pct = done * 100 / total;
        if pct != self.last || done == total {
            self.last = pct;
            eprint!("\r{what}: {done}/{total} clients ({pct}%)   ");
            if done == total {
                eprintln!();
            }
            let _ = std::io::stderr().flush();
        }
    }
}

/// Opens `args.out`, creates the WHMCS schema and the `seed_*` tables, and fills them.
pub fn run(args: &SeedArgs) -> Result<SeedSummary, SeedError> {
    let started = Instant::now();
    let today = args
        .today
        .unwrap_or_else(|| parse_today(DEFAULT_TODAY).expect("valid default"));
    let n = args.scale.clients();
    let out = args.out.trim();
    if !(out.starts_with("sqlite:") || out.starts_with("mysql://") || out.starts_with("mariadb://"))
    {
        return Err(SeedError::Usage(format!(
            "--out must be sqlite:PATH or mysql://user:pass@host:port/db, got {:?}",
            out.split('@').next_back().unwrap_or(out)
        )));
    }
    let mut db = crate::db::open(out).map_err(SeedError::Failed)?;
    crate::db::create_whmcs_schema(&mut *db)?;
    if db.dialect() == Dialect::Sqlite {
        // Ids follow dates, not clients, so inserts land all over each table's B-tree; a
        // larger page cache keeps that from turning into disk reads (bounded: 128 MiB).
        db.execute("PRAGMA cache_size = -131072", &[])?;
        // Multi-row inserts keep a statement journal; in memory it costs no file writes.
        db.execute("PRAGMA temp_store = MEMORY", &[])?;
    }
    for ddl in SEED_TABLES_DDL {
        db.execute(ddl, &[])?;
    }
    let clients = count_rows(&mut *db, "tblclients")?;
    if clients > 0 {
        return Err(SeedError::Usage(format!(
            "the database already has {clients} clients; seed writes a whole WHMCS company and needs an empty database"
        )));
    }
    for table in TABLES {
        let rows = count_rows(&mut *db, table)?;
        if rows > 0 {
            return Err(SeedError::Usage(format!(
                "the database is not empty ({table} has {rows} rows); seed needs an empty WHMCS database"
            )));
        }
    }

    let cat = company::Catalogue::new(today);
    let plan = plan::build(args.seed, n, cat.start, today);
    let ctx = billing::Ctx {
        cat: &cat,
        plan: &plan,
        seed: args.seed,
    };
    let mut progress = Progress {
        on: std::io::stderr().is_terminal(),
        last: usize::MAX,
    };

    // Pass 1: count records per day for the ids; count promotion uses.
    let mut id_space = ids::IdSpace::new(cat.start - chrono::Duration::days(1), today);
    let mut promo_uses = [0i64; company::PROMOTIONS.len()];
    for i in 0..n {
        let d = billing::generate(&ctx, i);
        id_space.count(&d);
        if !matches!(plan.clients[i].fate, Fate::Deleted(_)) {
            for s in d.services.iter().filter(|s| s.promo != 0 && !s.deleted) {
                promo_uses[company::PROMOTIONS
                    .iter()
                    .position(|p| p.id == s.promo)
                    .expect("promotion")] += 1;
            }
            for x in d.domains.iter().filter(|x| x.promo != 0) {
                promo_uses[company::PROMOTIONS
                    .iter()
                    .position(|p| p.id == x.promo)
                    .expect("promotion")] += 1;
            }
        }
        progress.tick("planning", i + 1, n);
    }
    id_space.freeze();

    // Pass 2: regenerate and write.
    let indexes = drop_indexes(&mut *db)?;
    let written = write_history(&mut *db, &ctx, &mut id_space, &promo_uses, &mut progress);
    // Rebuild the indexes even when writing failed, so the file keeps its schema.
    let rebuilt = restore_indexes(&mut *db, &indexes);
    let mut summary = written?;
    rebuilt?;

    let meta: Vec<(&str, String)> = vec![
        ("seed", args.seed.to_string()),
        ("scale", args.scale.name()),
        ("clients", n.to_string()),
        ("today", date_text(today)),
        ("history_start", date_text(cat.start)),
        ("generator_version", GENERATOR_VERSION.to_string()),
        ("trial_product_ids", company::TRIAL_PRODUCT.to_string()),
        ("trial_addon_ids", company::TRIAL_ADDON.to_string()),
        (
            "trial_promotion_codes",
            company::TRIAL_PROMO_CODE.to_string(),
        ),
        ("price_rise_date", date_text(cat.price_rise)),
        ("planted_per_kind", plan::plants_per_kind(n).to_string()),
        ("settings_toml", settings_toml()),
    ];
    let mut w = Writer::new(&mut *db);
    w.begin()?;
    for (key, value) in meta {
        w.insert("seed_meta", row! { "key" => key, "value" => value })?;
    }
    for (table, rows) in w.finish()? {
        summary.tables.push((table, rows));
    }
    summary.tables.sort();
    summary.seed = args.seed;
    summary.duration = started.elapsed();
    Ok(summary)
}

/// SQLite only: drops the secondary indexes of the tables `seed` fills and returns their
/// definitions. Building an index once over sorted data is far cheaper than hundreds of
/// thousands of inserts at random places in it (transaction ids, dates, invoice ids).
fn drop_indexes(db: &mut dyn Db) -> Result<Vec<String>, DbError> {
    if db.dialect() != Dialect::Sqlite {
        return Ok(Vec::new());
    }
    let tables: Vec<Value> = TABLES.iter().map(|t| Value::from(*t)).collect();
    let rows = db.query(
        &format!(
            "SELECT `name`, `sql` FROM `sqlite_master` WHERE `type` = 'index' AND `sql` IS NOT NULL AND `tbl_name` IN ({}) ORDER BY `name`",
            sync_core::db::placeholders(tables.len())
        ),
        &tables,
    )?;
    let mut definitions = Vec::new();
    for row in rows {
        if let [Value::Text(name), Value::Text(sql)] = row.as_slice() {
            db.execute(&format!("DROP INDEX `{name}`"), &[])?;
            definitions.push(sql.clone());
        }
    }
    Ok(definitions)
}

fn restore_indexes(db: &mut dyn Db, definitions: &[String]) -> Result<(), DbError> {
    for sql in definitions {
        db.execute(sql, &[])?;
    }
    Ok(())
}

/// Pass 2: the catalogue, every client's history, the expected MRR and the events.
fn write_history(
    db: &mut dyn Db,
    ctx: &billing::Ctx<'_>,
    id_space: &mut ids::IdSpace,
    promo_uses: &company::PromoUses,
    progress: &mut Progress,
) -> Result<SeedSummary, SeedError> {
    let n = ctx.plan.clients.len();
    let today = ctx.cat.today;
    let mut w = Writer::new(db);
    w.begin()?;
    company::write(&mut w, ctx.cat, promo_uses)?;
    let mut expected: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    let mut events: Vec<(&'static str, i64, Option<i64>, NaiveDate)> = Vec::new();
    let mut planted: BTreeMap<&'static str, u64> = BTreeMap::new();
    // Merge targets that received live services: such a client is Active whatever its own.
    let mut merged_live: BTreeMap<usize, bool> = BTreeMap::new();
    for i in 0..n {
        let mut d = billing::generate(ctx, i);
        let assigned = id_space.assign(&d);
        let client_id = i as i64 + 1;
        let owner = match ctx.plan.clients[i].fate {
            Fate::Deleted(at) => {
                events.push(("delete", client_id, None, at));
                progress.tick("writing", i + 1, n);
                continue;
            }
            Fate::MergedInto(j, at) => {
                events.push(("merge", client_id, Some(j as i64 + 1), at));
                *merged_live.entry(j).or_default() |= d.client.status == "Active";
                j as i64 + 1
            }
            Fate::Normal => client_id,
        };
        if merged_live.get(&i).copied().unwrap_or(false) {
            d.client.status = "Active";
        }
        emit::client(&mut w, &d, &assigned, owner, owner == client_id)?;
        for p in &d.planted {
            *planted.entry(p.kind).or_default() += 1;
        }
        if let Some(mrr) = expected::client_mrr(&d, today) {
            let e = expected.entry(owner).or_insert((d.client.currency, 0));
            debug_assert_eq!(e.0, d.client.currency, "merges keep the currency");
            e.1 += mrr;
        }
        w.maybe_commit()?;
        progress.tick("writing", i + 1, n);
    }
    let mut expected_mrr: BTreeMap<&'static str, i64> = BTreeMap::new();
    for (client_id, (currency, mrr)) in &expected {
        let code = company::currency(*currency).code;
        *expected_mrr.entry(code).or_default() += mrr;
        w.insert(
            "seed_expected_mrr",
            row! { "client_id" => *client_id, "currency" => code, "mrr_cents" => *mrr },
        )?;
    }
    events.sort_by_key(|e| (e.3, e.1));
    for (kind, client_id, other, at) in &events {
        let other = other.map_or(Value::Null, Value::Int);
        w.insert("seed_events", row! { "kind" => *kind, "client_id" => *client_id, "other_client_id" => other, "at" => *at })?;
    }
    let tables = w.finish()?;
    Ok(SeedSummary {
        clients: n,
        seed: 0,
        today,
        tables,
        planted,
        merges: events.iter().filter(|e| e.0 == "merge").count(),
        deletions: events.iter().filter(|e| e.0 == "delete").count(),
        expected_clients: expected.len(),
        expected_mrr,
        duration: Duration::ZERO,
    })
}
