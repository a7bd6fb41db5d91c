//! **read** — the first step of the pipeline: WHMCS rows in, typed records out.
//!
//! Contract:
//! - Everything goes through the [`Db`] seam with one set of SQL that runs unchanged on
//!   MariaDB/MySQL, SQLite and PHP PDO: explicit column lists (never `SELECT *`, so columns
//!   added by newer WHMCS versions cannot shift anything), backtick-quoted identifiers, `?`
//!   placeholders (integer parameters, including `LIMIT ?`, are passed as [`Value::Int`]).
//! - [`Reader::catalog`] loads what all clients share (currencies, groups, products, addon
//!   catalogue, promotions, pricing, three `tblconfiguration` settings) once per run; these
//!   tables are small and read whole. A pricing of `-1.00` ("not offered") reads as `None`.
//! - Clients are read in keyset pages (`WHERE id > ? ORDER BY id LIMIT ?`); for a page, the
//!   children of its clients (services, service addons, domains, invoices with their items,
//!   transactions, cancel requests, upgrades) are loaded with chunked `IN (…)` lists and grouped
//!   into one self-contained [`ClientBundle`] per client. Memory is bounded by the page: no
//!   query loads a whole client-data table.
//! - Every `Vec` in a bundle is ordered by id; invoice items sit in their invoice.
//! - Service addons are found by `hostingid IN (the page's services)` or `userid IN (the page's
//!   clients)` — old data has `userid = 0` — and belong to the client owning their service; an
//!   addon whose service does not exist belongs to its `userid`. So every addon lands in
//!   exactly one bundle whichever page finds it first. `ServiceAddon::userid` keeps the stored
//!   value (possibly 0); the bundle says who owns the addon.
//! - Decoding: money via [`parse_cents`] from text, or from an integer meaning whole units
//!   (`30` → 3000 cents, as drivers may hand back a `decimal` holding `30`); a float on a money
//!   column is refused (it may already be rounded); zero dates are `None`; cycles go through
//!   [`BillingCycle::parse`], statuses through the enums' `parse`. A row that cannot be decoded
//!   (bad money text, float money, invalid non-zero date, NULL in a NOT NULL column, …) becomes
//!   a [`RecordError`] of kind [`UNDECODABLE`] naming table, row id and column; it is skipped
//!   and the rest goes on: an undecodable item leaves its invoice without that line, an
//!   undecodable invoice is skipped with its items. Errors of a client's child rows go into
//!   that client's [`ClientBundle::read_errors`]; undecodable client rows (whose children are
//!   not read) into [`ClientPage::errors`].
//! - Only failures of the database itself are [`DbError`]s.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use chrono::{NaiveDate, NaiveDateTime};

use crate::dates::{parse_date, parse_datetime};
use crate::db::{Db, DbError, Row, Value, placeholders};
use crate::error::RecordError;
use crate::money::{Cents, parse_cents};
use crate::whmcs::{
    AddonProduct, BillingCycle, CancelRequest, CancelType, Catalog, Client, ClientBundle,
    ClientGroup, ClientStatus, Currency, Domain, DomainStatus, Id, Invoice, InvoiceItem,
    InvoiceStatus, Pricing, PricingKind, Product, ProductGroup, Promotion, Service, ServiceAddon,
    ServiceStatus, TaxType, Transaction, Upgrade, WhmcsConfig,
};

/// The `kind` of every [`RecordError`] the reader produces.
pub const UNDECODABLE: &str = "undecodable";

/// Clients per page unless [`Reader::with_page_size`] says otherwise.
pub const DEFAULT_PAGE_SIZE: usize = 500;

/// Most ids in one `IN (…)` list. Far below SQLite's and MySQL's parameter limits; a longer
/// list is split into several statements.
const IN_CHUNK: usize = 512;

/// Reads WHMCS records through a [`Db`].
pub struct Reader<D: Db> {
    db: D,
    page_size: usize,
}

/// One page of clients, each as a complete bundle.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientPage {
    pub bundles: Vec<ClientBundle>,
    /// Client rows that could not be decoded (skipped, children not loaded).
    pub errors: Vec<RecordError>,
    /// The highest client id seen, undecodable rows included: the `after_id` of the next page.
    /// `None` means there are no more clients.
    pub last_id: Option<Id>,
}

impl<D: Db> Reader<D> {
    pub fn new(db: D) -> Self {
        Reader {
            db,
            page_size: DEFAULT_PAGE_SIZE,
        }
    }

    /// Sets how many clients [`Reader::bundles`] loads per page (at least 1).
    pub fn with_page_size(mut self, clients_per_page: usize) -> Self {
        self.page_size = clients_per_page.max(1);
        self
    }

    pub fn page_size(&self) -> usize {
        self.page_size
    }

    pub fn db(&mut self) -> &mut D {
        &mut self.db
    }

    /// Currencies, client groups, product groups, products, addon catalogue, promotions,
    /// pricing and the `TaxType`, `DateFormat` and `Timezone` settings (missing rows →
    /// defaults). Undecodable rows are skipped and returned as errors.
    pub fn catalog(&mut self) -> Result<(Catalog, Vec<RecordError>), DbError> {
        let mut catalog = Catalog::default();
        let mut errors = Vec::new();
        catalog.currencies = self
            .load_all(CURRENCY, decode_currency, &mut errors)?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        catalog.client_groups = self
            .load_all(CLIENT_GROUP, decode_client_group, &mut errors)?
            .into_iter()
            .map(|g| (g.id, g))
            .collect();
        catalog.product_groups = self
            .load_all(PRODUCT_GROUP, decode_product_group, &mut errors)?
            .into_iter()
            .map(|g| (g.id, g))
            .collect();
        catalog.products = self
            .load_all(PRODUCT, decode_product, &mut errors)?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        catalog.addons = self
            .load_all(ADDON_PRODUCT, decode_addon_product, &mut errors)?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
        catalog.promotions = self
            .load_all(PROMOTION, decode_promotion, &mut errors)?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        catalog.pricing = self.load_all(PRICING, decode_pricing, &mut errors)?;
        catalog.config = self.config()?;
        Ok((catalog, errors))
    }

    /// Every row of a small catalogue table, decoded; undecodable rows go to `errors`.
    fn load_all<T>(
        &mut self,
        spec: &TableSpec,
        decode: fn(Row) -> Result<T, RecordError>,
        errors: &mut Vec<RecordError>,
    ) -> Result<Vec<T>, DbError> {
        let rows = self.db.query(&select_all(spec), &[])?;
        Ok(rows
            .into_iter()
            .filter_map(|row| keep(decode(row), errors))
            .collect())
    }

    fn config(&mut self) -> Result<WhmcsConfig, DbError> {
        let sql = "SELECT `setting`, `value` FROM `tblconfiguration` WHERE `setting` IN (?, ?, ?) ORDER BY `id`";
        let rows = self.db.query(
            sql,
            &["TaxType".into(), "DateFormat".into(), "Timezone".into()],
        )?;
        let mut config = WhmcsConfig::default();
        for row in rows {
            // A setting that cannot be read as text keeps its default: these are hints for the
            // mapping, not records, so there is nothing to skip.
            let (Some(setting), Some(value)) =
                (row.first().and_then(as_text), row.get(1).and_then(as_text))
            else {
                continue;
            };
            let value = value.trim();
            match setting.as_str() {
                "TaxType" => {
                    config.tax_type = if value.eq_ignore_ascii_case("inclusive") {
                        TaxType::Inclusive
                    } else {
                        TaxType::Exclusive
                    }
                }
                "DateFormat" if !value.is_empty() => config.date_format = value.to_string(),
                "Timezone" if !value.is_empty() => config.timezone = Some(value.to_string()),
                _ => {}
            }
        }
        Ok(config)
    }

    /// The next `limit` clients (at least 1) with `id > after_id`, each as a complete bundle.
    pub fn client_page(&mut self, after_id: Id, limit: usize) -> Result<ClientPage, DbError> {
        let sql = format!("{} WHERE `id` > ? ORDER BY `id` LIMIT ?", select(CLIENT));
        let limit = i64::try_from(limit.max(1)).unwrap_or(i64::MAX);
        let rows = self
            .db
            .query(&sql, &[Value::Int(after_id), Value::Int(limit)])?;
        let mut last_id = None;
        let mut clients = Vec::with_capacity(rows.len());
        let mut errors = Vec::new();
        for row in rows {
            // The keyset needs every row's id, even an otherwise undecodable row's: without it
            // paging could not move past the row.
            let id = row.first().and_then(as_int).ok_or_else(|| {
                DbError::new(format!(
                    "tblclients.id is not an integer: {}",
                    row.first().unwrap_or(&Value::Null)
                ))
            })?;
            last_id = Some(last_id.map_or(id, |l: Id| l.max(id)));
            if let Some(c) = keep(decode_client(row), &mut errors) {
                clients.push(c);
            }
        }
        let bundles = self.load_bundles(clients, &mut errors)?;
        Ok(ClientPage {
            bundles,
            errors,
            last_id,
        })
    }

    /// The bundles of the clients with these ids, loaded together (one set of child queries
    /// per chunk, not per client: an incremental run touching 100 clients must not scan the
    /// unindexed WHMCS columns 100 times). Ids that do not exist are left out; undecodable
    /// client rows are in [`ClientPage::errors`].
    pub fn bundles_for(&mut self, ids: &[Id]) -> Result<ClientPage, DbError> {
        let mut clients = Vec::new();
        let mut errors = Vec::new();
        let mut last_id = None;
        for chunk in ids.chunks(IN_CHUNK) {
            let sql = format!(
                "{} WHERE `id` IN ({}) ORDER BY `id`",
                select(CLIENT),
                placeholders(chunk.len())
            );
            let params: Vec<Value> = chunk.iter().map(|&i| Value::Int(i)).collect();
            for row in self.db.query(&sql, &params)? {
                if let Some(id) = row.first().and_then(as_int) {
                    last_id = Some(last_id.map_or(id, |l: Id| l.max(id)));
                }
                if let Some(c) = keep(decode_client(row), &mut errors) {
                    clients.push(c);
                }
            }
        }
        let bundles = self.load_bundles(clients, &mut errors)?;
        Ok(ClientPage {
            bundles,
            errors,
            last_id,
        })
    }

    /// One client's bundle; `None` when the client does not exist or its row cannot be
    /// decoded (`client_page(client_id - 1, 1)` returns the decoding error).
    pub fn bundle(&mut self, client_id: Id) -> Result<Option<ClientBundle>, DbError> {
        let page = self.client_page(client_id.saturating_sub(1), 1)?;
        Ok(page.bundles.into_iter().find(|b| b.client.id == client_id))
    }

    /// Pages through all clients from the lowest id; stops after the first [`DbError`].
    pub fn bundles(&mut self) -> ClientBundles<'_, D> {
        self.bundles_after(0)
    }

    /// Pages through the clients with `id > after_id` (resuming a run).
    pub fn bundles_after(&mut self, after_id: Id) -> ClientBundles<'_, D> {
        ClientBundles {
            reader: self,
            after: after_id,
            done: false,
        }
    }

    /// The (is addon, product or addon id, billing cycle text) combinations WHMCS services
    /// and service addons use, each once.
    pub fn used_cycles(&mut self) -> Result<Vec<(bool, Id, String)>, DbError> {
        let mut out = Vec::new();
        for (is_addon, sql) in [
            (
                false,
                "SELECT DISTINCT `packageid`, `billingcycle` FROM `tblhosting`",
            ),
            (
                true,
                "SELECT DISTINCT `addonid`, `billingcycle` FROM `tblhostingaddons`",
            ),
        ] {
            for row in self.db.query(sql, &[])? {
                if let (Some(id), Some(cycle)) = (at(&row, 0), row.get(1).and_then(as_text)) {
                    out.push((is_addon, id, cycle));
                }
            }
        }
        Ok(out)
    }

    /// `SELECT COUNT(*)` of `tblclients`, for progress reporting.
    pub fn count_clients(&mut self) -> Result<u64, DbError> {
        self.count("tblclients")
    }

    /// `SELECT COUNT(*)` of `tblinvoices`, for progress reporting.
    pub fn count_invoices(&mut self) -> Result<u64, DbError> {
        self.count("tblinvoices")
    }

    /// How many clients have an id up to `id`: the progress of a backfill resumed after `id`.
    pub fn count_clients_upto(&mut self, id: Id) -> Result<u64, DbError> {
        let rows = self.db.query(
            "SELECT COUNT(*) FROM `tblclients` WHERE `id` <= ?",
            &[Value::Int(id)],
        )?;
        Ok(rows
            .first()
            .and_then(|r| r.first())
            .and_then(as_int)
            .and_then(|n| u64::try_from(n).ok())
            .unwrap_or(0))
    }

    /// Which of `ids` still exist in `tblclients` (deleted and merged-away clients do not).
    pub fn existing_client_ids(&mut self, ids: &[Id]) -> Result<Vec<Id>, DbError> {
        let mut out = Vec::new();
        for chunk in ids.chunks(IN_CHUNK) {
            let sql = format!(
                "SELECT `id` FROM `tblclients` WHERE `id` IN ({})",
                placeholders(chunk.len())
            );
            let params: Vec<Value> = chunk.iter().map(|&i| Value::Int(i)).collect();
            out.extend(
                self.db
                    .query(&sql, &params)?
                    .iter()
                    .filter_map(|r| r.first().and_then(as_int)),
            );
        }
        Ok(out)
    }

    fn count(&mut self, table: &str) -> Result<u64, DbError> {
        let rows = self
            .db
            .query(&format!("SELECT COUNT(*) FROM `{table}`"), &[])?;
        rows.first()
            .and_then(|r| r.first())
            .and_then(as_int)
            .and_then(|n| u64::try_from(n).ok())
            .ok_or_else(|| DbError::new(format!("SELECT COUNT(*) FROM {table} returned no count")))
    }

    /// Loads and groups the children of `clients`. `page_errors` receives errors of rows whose
    /// owner cannot be told.
    fn load_bundles(
        &mut self,
        clients: Vec<Client>,
        page_errors: &mut Vec<RecordError>,
    ) -> Result<Vec<ClientBundle>, DbError> {
        if clients.is_empty() {
            return Ok(Vec::new());
        }
        let client_ids: Vec<Id> = clients.iter().map(|c| c.id).collect();
        let slot: IdMap<usize> = client_ids
            .iter()
            .enumerate()
            .map(|(i, &id)| (id, i))
            .collect();
        let mut bundles: Vec<ClientBundle> = clients.into_iter().map(empty_bundle).collect();
        let mut sink = Sink {
            bundles: &mut bundles,
            slot: &slot,
            page_errors,
        };

        // Services. Their owners are known from the raw rows, so the children of a service that
        // does not decode still reach the right client.
        let mut service_owner: IdMap<Id> = IdMap::default();
        for row in self.query_in(SERVICE, "userid", &client_ids)? {
            let owner = at(&row, const { SERVICE.col("userid") });
            if let (Some(id), Some(owner)) = (at(&row, const { SERVICE.col("id") }), owner) {
                service_owner.insert(id, owner);
            }
            match decode_service(row) {
                Ok(s) => sink.with(owner, |b| b.services.push(s)),
                Err(e) => sink.error(owner, e),
            }
        }
        let mut service_ids: Vec<Id> = service_owner.keys().copied().collect();
        service_ids.sort_unstable();

        self.load_addons(&client_ids, &service_ids, &service_owner, &mut sink)?;

        for row in self.query_in(DOMAIN, "userid", &client_ids)? {
            let owner = at(&row, const { DOMAIN.col("userid") });
            match decode_domain(row) {
                Ok(d) => sink.with(owner, |b| b.domains.push(d)),
                Err(e) => sink.error(owner, e),
            }
        }

        // Invoices, then their items by invoice id.
        let mut invoice_at: IdMap<(usize, usize)> = IdMap::default();
        for row in self.query_in(INVOICE, "userid", &client_ids)? {
            let owner = at(&row, const { INVOICE.col("userid") });
            match decode_invoice(row) {
                Ok(inv) => {
                    let id = inv.id;
                    if let Some(i) = sink.slot_of(owner) {
                        invoice_at.insert(id, (i, sink.bundles[i].invoices.len()));
                    }
                    sink.with(owner, |b| b.invoices.push(inv));
                }
                Err(e) => sink.error(owner, e),
            }
        }
        let mut invoice_ids: Vec<Id> = invoice_at.keys().copied().collect();
        invoice_ids.sort_unstable();
        for row in self.query_in(INVOICE_ITEM, "invoiceid", &invoice_ids)? {
            let invoice = at(&row, const { INVOICE_ITEM.col("invoiceid") });
            let Some(&(b, i)) = invoice.and_then(|id| invoice_at.get(&id)) else {
                // Only items of the page's invoices were asked for; anything else is not ours.
                continue;
            };
            match decode_invoice_item(row) {
                Ok(item) => sink.bundles[b].invoices[i].items.push(item),
                Err(mut e) => {
                    e.message = format!(
                        "{} (item of invoice #{})",
                        e.message,
                        invoice.unwrap_or_default()
                    );
                    sink.bundles[b].read_errors.push(e);
                }
            }
        }

        for row in self.query_in(TRANSACTION, "userid", &client_ids)? {
            let owner = at(&row, const { TRANSACTION.col("userid") });
            match decode_transaction(row) {
                Ok(t) => sink.with(owner, |b| b.transactions.push(t)),
                Err(e) => sink.error(owner, e),
            }
        }

        for row in self.query_in(CANCEL_REQUEST, "relid", &service_ids)? {
            let owner = at(&row, const { CANCEL_REQUEST.col("relid") })
                .and_then(|s| service_owner.get(&s).copied());
            match decode_cancel_request(row) {
                Ok(c) => sink.with(owner, |b| b.cancel_requests.push(c)),
                Err(e) => sink.error(owner, e),
            }
        }

        for row in self.query_in(UPGRADE, "userid", &client_ids)? {
            let owner = at(&row, const { UPGRADE.col("userid") });
            match decode_upgrade(row) {
                Ok(u) => sink.with(owner, |b| b.upgrades.push(u)),
                Err(e) => sink.error(owner, e),
            }
        }

        // Chunks come back in id order within themselves only; make every list id-ordered.
        for b in &mut bundles {
            b.services.sort_by_key(|r| r.id);
            b.addons.sort_by_key(|r| r.id);
            b.domains.sort_by_key(|r| r.id);
            b.invoices.sort_by_key(|r| r.id);
            for inv in &mut b.invoices {
                inv.items.sort_by_key(|r| r.id);
            }
            b.transactions.sort_by_key(|r| r.id);
            b.cancel_requests.sort_by_key(|r| r.id);
            b.upgrades.sort_by_key(|r| r.id);
            b.read_errors
                .sort_by(|x, y| (&x.record, &x.column).cmp(&(&y.record, &y.column)));
        }
        Ok(bundles)
    }

    fn load_addons(
        &mut self,
        client_ids: &[Id],
        service_ids: &[Id],
        service_owner: &IdMap<Id>,
        sink: &mut Sink<'_>,
    ) -> Result<(), DbError> {
        // Found both ways, deduplicated by id.
        let mut rows: BTreeMap<Id, Row> = BTreeMap::new();
        let mut no_id = Vec::new();
        for row in self
            .query_in(SERVICE_ADDON, "userid", client_ids)?
            .into_iter()
            .chain(self.query_in(SERVICE_ADDON, "hostingid", service_ids)?)
        {
            match at(&row, const { SERVICE_ADDON.col("id") }) {
                Some(id) => {
                    rows.insert(id, row);
                }
                None => no_id.push(row),
            }
        }
        // Addons of this page's clients on a service outside the page: if that service exists it
        // belongs to another client, whose page loads the addon; if not, the addon is an orphan
        // and stays with its userid.
        let foreign: Vec<Id> = {
            let mut ids: Vec<Id> = rows
                .values()
                .filter_map(|r| at(r, const { SERVICE_ADDON.col("hostingid") }))
                .filter(|h| *h != 0 && !service_owner.contains_key(h))
                .collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        };
        let mut elsewhere: IdSet = IdSet::default();
        if !foreign.is_empty() {
            let sql_head = "SELECT `id` FROM `tblhosting` WHERE `id` IN";
            for chunk in foreign.chunks(IN_CHUNK) {
                let (sql, params) = in_statement(sql_head, chunk, "");
                for row in self.db.query(&sql, &params)? {
                    if let Some(id) = row.first().and_then(as_int) {
                        elsewhere.insert(id);
                    }
                }
            }
        }
        for row in rows.into_values().chain(no_id) {
            let hostingid = at(&row, const { SERVICE_ADDON.col("hostingid") });
            let owner = match hostingid.and_then(|h| service_owner.get(&h)) {
                Some(&owner) => Some(owner),
                None if hostingid.is_some_and(|h| elsewhere.contains(&h)) => continue,
                None => at(&row, const { SERVICE_ADDON.col("userid") }),
            };
            match decode_service_addon(row) {
                Ok(a) => sink.with(owner, |b| b.addons.push(a)),
                Err(e) => sink.error(owner, e),
            }
        }
        Ok(())
    }

    /// Runs `SELECT cols FROM table WHERE key IN (ids…)` in chunks. No `ORDER BY`: rows are
    /// grouped per client and each list sorted by id afterwards, which saves the database a sort.
    fn query_in(&mut self, spec: &TableSpec, key: &str, ids: &[Id]) -> Result<Vec<Row>, DbError> {
        let mut out = Vec::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let head = format!("{} WHERE `{key}` IN", select(spec));
        for chunk in ids.chunks(IN_CHUNK) {
            let (sql, params) = in_statement(&head, chunk, "");
            out.extend(self.db.query(&sql, &params)?);
        }
        Ok(out)
    }
}

/// Pages through clients: one [`ClientPage`] per item. Fused after a [`DbError`].
pub struct ClientBundles<'a, D: Db> {
    reader: &'a mut Reader<D>,
    after: Id,
    done: bool,
}

impl<D: Db> ClientBundles<'_, D> {
    /// The `after_id` the next page starts from (the last client id seen so far).
    pub fn position(&self) -> Id {
        self.after
    }
}

impl<D: Db> Iterator for ClientBundles<'_, D> {
    type Item = Result<ClientPage, DbError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let limit = self.reader.page_size;
        match self.reader.client_page(self.after, limit) {
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
            Ok(page) => match page.last_id {
                None => {
                    self.done = true;
                    None
                }
                Some(last) => {
                    self.after = last;
                    // A short page is the last one: saves the final empty query.
                    if page.bundles.len() + page.errors.len() < limit {
                        self.done = true;
                    }
                    Some(Ok(page))
                }
            },
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Grouping

struct Sink<'a> {
    bundles: &'a mut Vec<ClientBundle>,
    slot: &'a IdMap<usize>,
    page_errors: &'a mut Vec<RecordError>,
}

impl Sink<'_> {
    fn slot_of(&self, owner: Option<Id>) -> Option<usize> {
        owner.and_then(|o| self.slot.get(&o).copied())
    }

    fn with(&mut self, owner: Option<Id>, f: impl FnOnce(&mut ClientBundle)) {
        // Rows are selected by their owner's id, so an owner outside the page cannot occur;
        // if a driver ever returned one, dropping it keeps bundles self-contained.
        if let Some(i) = self.slot_of(owner) {
            f(&mut self.bundles[i]);
        }
    }

    fn error(&mut self, owner: Option<Id>, e: RecordError) {
        match self.slot_of(owner) {
            Some(i) => self.bundles[i].read_errors.push(e),
            None => self.page_errors.push(e),
        }
    }
}

fn empty_bundle(client: Client) -> ClientBundle {
    ClientBundle {
        client,
        services: Vec::new(),
        addons: Vec::new(),
        domains: Vec::new(),
        invoices: Vec::new(),
        transactions: Vec::new(),
        cancel_requests: Vec::new(),
        upgrades: Vec::new(),
        read_errors: Vec::new(),
    }
}

fn keep<T>(r: Result<T, RecordError>, errors: &mut Vec<RecordError>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            errors.push(e);
            None
        }
    }
}

// ---------------------------------------------------------------------------------------------
// SQL

/// A table and the columns the reader selects from it, `id` first.
struct TableSpec {
    table: &'static str,
    cols: &'static [&'static str],
}

impl TableSpec {
    /// The position of a column in the select list. `const` so that lookups in per-row code
    /// are resolved at compile time; a name not in the list fails the build.
    const fn col(&self, name: &str) -> usize {
        let mut i = 0;
        while i < self.cols.len() {
            if str_eq(self.cols[i], name) {
                return i;
            }
            i += 1;
        }
        panic!("column not in the select list")
    }
}

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Hashes ids with one multiplication (the Fx scheme). std's SipHash defends against chosen
/// keys, which row ids are not, and showed in profiles of large reads.
#[derive(Default, Clone, Copy)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_i64(&mut self, n: i64) {
        self.0 = (self.0.rotate_left(5) ^ n as u64).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

type IdMap<V> = HashMap<Id, V, BuildHasherDefault<IdHasher>>;
type IdSet = HashSet<Id, BuildHasherDefault<IdHasher>>;

const CURRENCY: &TableSpec = &TableSpec {
    table: "tblcurrencies",
    cols: &["id", "code", "prefix", "suffix", "rate", "default"],
};
const CLIENT_GROUP: &TableSpec = &TableSpec {
    table: "tblclientgroups",
    cols: &["id", "groupname"],
};
const PRODUCT_GROUP: &TableSpec = &TableSpec {
    table: "tblproductgroups",
    cols: &["id", "name"],
};
const PRODUCT: &TableSpec = &TableSpec {
    table: "tblproducts",
    cols: &[
        "id",
        "gid",
        "name",
        "type",
        "paytype",
        "tax",
        "autoterminatedays",
        "retired",
        "updated_at",
    ],
};
const ADDON_PRODUCT: &TableSpec = &TableSpec {
    table: "tbladdons",
    cols: &["id", "name", "billingcycle", "tax", "retired", "updated_at"],
};
const PROMOTION: &TableSpec = &TableSpec {
    table: "tblpromotions",
    cols: &["id", "code", "type", "recurring", "value", "recurfor"],
};
const PRICING: &TableSpec = &TableSpec {
    table: "tblpricing",
    cols: &[
        "id",
        "type",
        "currency",
        "relid",
        "msetupfee",
        "qsetupfee",
        "ssetupfee",
        "asetupfee",
        "bsetupfee",
        "tsetupfee",
        "monthly",
        "quarterly",
        "semiannually",
        "annually",
        "biennially",
        "triennially",
    ],
};
const CLIENT: &TableSpec = &TableSpec {
    table: "tblclients",
    cols: &[
        "id",
        "firstname",
        "lastname",
        "companyname",
        "email",
        "address1",
        "city",
        "state",
        "postcode",
        "country",
        "currency",
        "groupid",
        "status",
        "datecreated",
        "updated_at",
    ],
};
const SERVICE: &TableSpec = &TableSpec {
    table: "tblhosting",
    cols: &[
        "id",
        "userid",
        "packageid",
        "regdate",
        "qty",
        "firstpaymentamount",
        "amount",
        "billingcycle",
        "nextduedate",
        "termination_date",
        "domainstatus",
        "promoid",
        "updated_at",
    ],
};
const SERVICE_ADDON: &TableSpec = &TableSpec {
    table: "tblhostingaddons",
    cols: &[
        "id",
        "hostingid",
        "addonid",
        "userid",
        "name",
        "qty",
        "setupfee",
        "recurring",
        "billingcycle",
        "status",
        "regdate",
        "nextduedate",
        "termination_date",
        "updated_at",
    ],
};
const DOMAIN: &TableSpec = &TableSpec {
    table: "tbldomains",
    cols: &[
        "id",
        "userid",
        "type",
        "registrationdate",
        "domain",
        "firstpaymentamount",
        "recurringamount",
        "registrationperiod",
        "expirydate",
        "status",
        "nextduedate",
        "promoid",
        "updated_at",
    ],
};
const INVOICE: &TableSpec = &TableSpec {
    table: "tblinvoices",
    cols: &[
        "id",
        "userid",
        "invoicenum",
        "date",
        "duedate",
        "datepaid",
        "subtotal",
        "credit",
        "tax",
        "tax2",
        "total",
        "status",
        "updated_at",
    ],
};
const INVOICE_ITEM: &TableSpec = &TableSpec {
    table: "tblinvoiceitems",
    cols: &[
        "id",
        "invoiceid",
        "userid",
        "type",
        "relid",
        "description",
        "amount",
        "taxed",
        "duedate",
    ],
};
const TRANSACTION: &TableSpec = &TableSpec {
    table: "tblaccounts",
    cols: &[
        "id",
        "userid",
        "currency",
        "gateway",
        "date",
        "description",
        "amountin",
        "fees",
        "amountout",
        "transid",
        "invoiceid",
        "refundid",
    ],
};
const CANCEL_REQUEST: &TableSpec = &TableSpec {
    table: "tblcancelrequests",
    cols: &["id", "date", "relid", "reason", "type"],
};
const UPGRADE: &TableSpec = &TableSpec {
    table: "tblupgrades",
    cols: &[
        "id",
        "userid",
        "type",
        "date",
        "relid",
        "originalvalue",
        "newvalue",
        "new_cycle",
        "amount",
        "days_remaining",
        "total_days_in_cycle",
        "new_recurring_amount",
        "status",
    ],
};

/// `SELECT `a`, `b` FROM `t``.
fn select(spec: &TableSpec) -> String {
    let mut sql = String::from("SELECT ");
    for (i, c) in spec.cols.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push('`');
        sql.push_str(c);
        sql.push('`');
    }
    sql.push_str(" FROM `");
    sql.push_str(spec.table);
    sql.push('`');
    sql
}

fn select_all(spec: &TableSpec) -> String {
    format!("{} ORDER BY `id`", select(spec))
}

/// `head (?, ?, …) tail` with `ids` as parameters. The list is padded (repeating its last id,
/// which changes nothing in an `IN`) to a power of two of at least 8, so a run uses a handful
/// of distinct statements and the drivers' prepared-statement caches keep hitting.
fn in_statement(head: &str, ids: &[Id], tail: &str) -> (String, Vec<Value>) {
    let n = padded_len(ids.len());
    let mut params: Vec<Value> = ids.iter().map(|&id| Value::Int(id)).collect();
    let last = ids.last().copied().unwrap_or(0);
    params.resize(n, Value::Int(last));
    (format!("{head} ({}){tail}", placeholders(n)), params)
}

fn padded_len(n: usize) -> usize {
    n.next_power_of_two().clamp(8, IN_CHUNK.max(n))
}

// ---------------------------------------------------------------------------------------------
// Decoding

/// The integer in column `i` of a raw row, read leniently (grouping keys, not record fields).
fn at(row: &Row, i: usize) -> Option<Id> {
    row.get(i).and_then(as_int)
}

fn as_int(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::Text(s) => s.trim().parse().ok(),
        Value::Bytes(b) => std::str::from_utf8(b).ok()?.trim().parse().ok(),
        Value::Null | Value::Float(_) => None,
    }
}

fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::Text(s) => Some(s.clone()),
        Value::Bytes(b) => Some(String::from_utf8_lossy(b).into_owned()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(x) => Some(x.to_string()),
        Value::Null => None,
    }
}

/// Reads one row column by column, in the order of its [`TableSpec`]'s column list, so that a
/// failure can name its column. Record structs are built field by field in that same order.
/// Values are moved out of the row, not copied.
struct Dec {
    table: &'static str,
    cols: &'static [&'static str],
    row: Row,
    id: Id,
    pos: usize,
}

type Field<T> = Result<T, RecordError>;

impl Dec {
    /// Starts on a row and reads its `id` (column 0).
    fn new(spec: &TableSpec, row: Row) -> Field<Dec> {
        let mut d = Dec {
            table: spec.table,
            cols: spec.cols,
            row,
            id: 0,
            pos: 0,
        };
        d.id = d.int()?;
        Ok(d)
    }

    fn id(&self) -> Id {
        self.id
    }

    /// The next column's value (NULL past the end of a short row) and name.
    fn next(&mut self) -> (Value, &'static str) {
        let col = self.cols.get(self.pos).copied().unwrap_or("?");
        let v = self
            .row
            .get_mut(self.pos)
            .map_or(Value::Null, |v| std::mem::replace(v, Value::Null));
        self.pos += 1;
        (v, col)
    }

    fn fail(&self, col: &str, message: String) -> RecordError {
        RecordError::error(self.table, self.id, Some(col), UNDECODABLE, message)
    }

    fn null(&self, col: &str) -> RecordError {
        self.fail(col, format!("{}.{col} is NULL", self.table))
    }

    fn int(&mut self) -> Field<i64> {
        let (v, col) = self.next();
        match v {
            Value::Null => Err(self.null(col)),
            v => as_int(&v).ok_or_else(|| self.fail(col, format!("not an integer: {v}"))),
        }
    }

    /// A nullable integer column; NULL reads as 0.
    fn int_or_zero(&mut self) -> Field<i64> {
        if matches!(self.row.get(self.pos), Some(Value::Null)) {
            self.pos += 1;
            return Ok(0);
        }
        self.int()
    }

    fn flag(&mut self) -> Field<bool> {
        Ok(self.int()? != 0)
    }

    fn text(&mut self) -> Field<String> {
        let (v, col) = self.next();
        match v {
            Value::Text(s) => Ok(s),
            Value::Null => Err(self.null(col)),
            v => Ok(as_text(&v).unwrap_or_default()),
        }
    }

    /// The next value as text for parsing, or `Ok(None)` for a NULL where `nullable`.
    fn parse_text<T>(
        &mut self,
        nullable: bool,
        what: &str,
        parse: impl FnOnce(&str) -> Result<Option<T>, String>,
    ) -> Field<Option<T>> {
        let (v, col) = self.next();
        let text = match &v {
            Value::Null if nullable => return Ok(None),
            Value::Null => return Err(self.null(col)),
            Value::Text(s) => s.as_str(),
            Value::Bytes(b) => match std::str::from_utf8(b) {
                Ok(s) => s,
                Err(_) => return Err(self.fail(col, format!("not {what}: {v}"))),
            },
            Value::Int(_) | Value::Float(_) => {
                return Err(self.fail(col, format!("not {what}: {v}")));
            }
        };
        parse(text).map_err(|e| self.fail(col, e))
    }

    fn money(&mut self) -> Field<Cents> {
        match self.row.get(self.pos) {
            // An integer from a decimal column is in whole units: 30 means 30.00.
            Some(&Value::Int(i)) => {
                let col = self.next().1;
                i.checked_mul(100)
                    .map(Cents)
                    .ok_or_else(|| self.fail(col, format!("amount out of range: {i}")))
            }
            Some(&Value::Float(x)) => {
                let col = self.next().1;
                Err(self.fail(
                    col,
                    format!(
                        "floating-point value {x} on a money column (needs exact decimal text)"
                    ),
                ))
            }
            _ => self
                .parse_text(false, "a decimal", |s| {
                    parse_cents(s).map(Some).map_err(|e| e.to_string())
                })
                .map(|c| c.unwrap_or_default()),
        }
    }

    /// A `NOT NULL` date column; zero dates are `None`.
    fn date(&mut self) -> Field<Option<NaiveDate>> {
        self.parse_text(false, "a date", read_date)
    }

    /// A date column that may be NULL (NULL, like a zero date, is `None`).
    fn date_or_null(&mut self) -> Field<Option<NaiveDate>> {
        self.parse_text(true, "a date", read_date)
    }

    fn datetime(&mut self) -> Field<Option<NaiveDateTime>> {
        self.parse_text(false, "a date and time", read_datetime)
    }

    fn datetime_or_null(&mut self) -> Field<Option<NaiveDateTime>> {
        self.parse_text(true, "a date and time", read_datetime)
    }

    fn cycle(&mut self) -> Field<BillingCycle> {
        Ok(BillingCycle::parse(&self.text()?))
    }
}

/// `YYYY-MM-DD` digits at the start of `b`, if they are there and form a valid date.
fn ymd(b: &[u8]) -> Option<NaiveDate> {
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y = digits(&b[0..4])?;
    NaiveDate::from_ymd_opt(
        i32::try_from(y).ok()?,
        digits(&b[5..7])?,
        digits(&b[8..10])?,
    )
}

fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

/// [`parse_date`] with a fast path for the plain `YYYY-MM-DD…` form drivers hand back: there
/// are millions of dates in a big install and chrono's format parser dominated reading them.
/// Anything else (zero dates, odd spacing, invalid dates) goes through [`parse_date`].
fn read_date(s: &str) -> Result<Option<NaiveDate>, String> {
    match ymd(s.as_bytes()) {
        Some(d) => Ok(Some(d)),
        None => parse_date(s).map_err(|e| e.to_string()),
    }
}

/// [`parse_datetime`] with a fast path for exactly `YYYY-MM-DD HH:MM:SS`.
fn read_datetime(s: &str) -> Result<Option<NaiveDateTime>, String> {
    let b = s.as_bytes();
    if b.len() == 19 && b[10] == b' ' && b[13] == b':' && b[16] == b':' {
        let time = (|| {
            let t = chrono::NaiveTime::from_hms_opt(
                digits(&b[11..13])?,
                digits(&b[14..16])?,
                digits(&b[17..19])?,
            )?;
            Some(ymd(b)?.and_time(t))
        })();
        if let Some(t) = time {
            return Ok(Some(t));
        }
    }
    parse_datetime(s).map_err(|e| e.to_string())
}

fn decode_currency(row: Row) -> Field<Currency> {
    let mut d = Dec::new(CURRENCY, row)?;
    Ok(Currency {
        id: d.id(),
        code: d.text()?,
        prefix: d.text()?,
        suffix: d.text()?,
        rate: d.text()?,
        default: d.flag()?,
    })
}

fn decode_client_group(row: Row) -> Field<ClientGroup> {
    let mut d = Dec::new(CLIENT_GROUP, row)?;
    Ok(ClientGroup {
        id: d.id(),
        name: d.text()?,
    })
}

fn decode_product_group(row: Row) -> Field<ProductGroup> {
    let mut d = Dec::new(PRODUCT_GROUP, row)?;
    Ok(ProductGroup {
        id: d.id(),
        name: d.text()?,
    })
}

fn decode_product(row: Row) -> Field<Product> {
    let mut d = Dec::new(PRODUCT, row)?;
    Ok(Product {
        id: d.id(),
        gid: d.int()?,
        name: d.text()?,
        kind: d.text()?,
        paytype: d.text()?,
        taxed: d.flag()?,
        autoterminatedays: d.int()?,
        retired: d.flag()?,
        updated_at: d.datetime()?,
    })
}

fn decode_addon_product(row: Row) -> Field<AddonProduct> {
    let mut d = Dec::new(ADDON_PRODUCT, row)?;
    Ok(AddonProduct {
        id: d.id(),
        name: d.text()?,
        billingcycle: d.cycle()?,
        taxed: d.flag()?,
        retired: d.flag()?,
        updated_at: d.datetime()?,
    })
}

fn decode_promotion(row: Row) -> Field<Promotion> {
    let mut d = Dec::new(PROMOTION, row)?;
    Ok(Promotion {
        id: d.id(),
        code: d.text()?,
        kind: d.text()?,
        // `recurring int(1) DEFAULT NULL`: NULL is "not recurring".
        recurring: d.int_or_zero()? != 0,
        value: d.money()?,
        recurfor: d.int()?,
    })
}

fn decode_pricing(row: Row) -> Field<Pricing> {
    let mut d = Dec::new(PRICING, row)?;
    let id = d.id();
    let kind = PricingKind::parse(&d.text()?);
    let currency = d.int()?;
    let relid = d.int()?;
    // `-1.00` marks a cycle that is not offered.
    let mut price =
        || -> Field<Option<Cents>> { d.money().map(|c| (c != Cents(-100)).then_some(c)) };
    let setup = [price()?, price()?, price()?, price()?, price()?, price()?];
    let prices = [price()?, price()?, price()?, price()?, price()?, price()?];
    Ok(Pricing {
        id,
        kind,
        currency,
        relid,
        setup,
        prices,
    })
}

fn decode_client(row: Row) -> Field<Client> {
    let mut d = Dec::new(CLIENT, row)?;
    Ok(Client {
        id: d.id(),
        firstname: d.text()?,
        lastname: d.text()?,
        companyname: d.text()?,
        email: d.text()?,
        address1: d.text()?,
        city: d.text()?,
        state: d.text()?,
        postcode: d.text()?,
        country: d.text()?,
        currency: d.int()?,
        groupid: d.int()?,
        status: ClientStatus::parse(&d.text()?),
        datecreated: d.date()?,
        updated_at: d.datetime()?,
    })
}

fn decode_service(row: Row) -> Field<Service> {
    let mut d = Dec::new(SERVICE, row)?;
    Ok(Service {
        id: d.id(),
        userid: d.int()?,
        packageid: d.int()?,
        regdate: d.date()?,
        qty: d.int()?,
        firstpaymentamount: d.money()?,
        amount: d.money()?,
        billingcycle: d.cycle()?,
        nextduedate: d.date_or_null()?,
        termination_date: d.date()?,
        status: ServiceStatus::parse(&d.text()?),
        promoid: d.int()?,
        updated_at: d.datetime()?,
    })
}

fn decode_service_addon(row: Row) -> Field<ServiceAddon> {
    let mut d = Dec::new(SERVICE_ADDON, row)?;
    Ok(ServiceAddon {
        id: d.id(),
        hostingid: d.int()?,
        addonid: d.int()?,
        userid: d.int()?,
        name: d.text()?,
        qty: d.int()?,
        setupfee: d.money()?,
        recurring: d.money()?,
        billingcycle: d.cycle()?,
        status: ServiceStatus::parse(&d.text()?),
        regdate: d.date()?,
        nextduedate: d.date_or_null()?,
        termination_date: d.date()?,
        updated_at: d.datetime()?,
    })
}

fn decode_domain(row: Row) -> Field<Domain> {
    let mut d = Dec::new(DOMAIN, row)?;
    Ok(Domain {
        id: d.id(),
        userid: d.int()?,
        kind: d.text()?,
        registrationdate: d.date()?,
        domain: d.text()?,
        firstpaymentamount: d.money()?,
        recurringamount: d.money()?,
        registrationperiod: d.int()?,
        expirydate: d.date_or_null()?,
        status: DomainStatus::parse(&d.text()?),
        nextduedate: d.date()?,
        promoid: d.int()?,
        updated_at: d.datetime()?,
    })
}

fn decode_invoice(row: Row) -> Field<Invoice> {
    let mut d = Dec::new(INVOICE, row)?;
    Ok(Invoice {
        id: d.id(),
        userid: d.int()?,
        invoicenum: d.text()?,
        date: d.date_or_null()?,
        duedate: d.date_or_null()?,
        datepaid: d.datetime()?,
        subtotal: d.money()?,
        credit: d.money()?,
        tax: d.money()?,
        tax2: d.money()?,
        total: d.money()?,
        status: InvoiceStatus::parse(&d.text()?),
        updated_at: d.datetime()?,
        items: Vec::new(),
    })
}

fn decode_invoice_item(row: Row) -> Field<InvoiceItem> {
    let mut d = Dec::new(INVOICE_ITEM, row)?;
    Ok(InvoiceItem {
        id: d.id(),
        invoiceid: d.int()?,
        userid: d.int()?,
        kind: d.text()?,
        relid: d.int()?,
        description: d.text()?,
        amount: d.money()?,
        taxed: d.flag()?,
        duedate: d.date_or_null()?,
    })
}

fn decode_transaction(row: Row) -> Field<Transaction> {
    let mut d = Dec::new(TRANSACTION, row)?;
    Ok(Transaction {
        id: d.id(),
        userid: d.int()?,
        currency: d.int()?,
        gateway: d.text()?,
        date: d.datetime_or_null()?,
        description: d.text()?,
        amountin: d.money()?,
        fees: d.money()?,
        amountout: d.money()?,
        transid: d.text()?,
        invoiceid: d.int()?,
        refundid: d.int()?,
    })
}

fn decode_cancel_request(row: Row) -> Field<CancelRequest> {
    let mut d = Dec::new(CANCEL_REQUEST, row)?;
    Ok(CancelRequest {
        id: d.id(),
        date: d.datetime()?,
        relid: d.int()?,
        reason: d.text()?,
        kind: CancelType::parse(&d.text()?),
    })
}

fn decode_upgrade(row: Row) -> Field<Upgrade> {
    let mut d = Dec::new(UPGRADE, row)?;
    Ok(Upgrade {
        id: d.id(),
        userid: d.int()?,
        kind: d.text()?,
        date: d.date()?,
        relid: d.int()?,
        originalvalue: d.text()?,
        newvalue: d.text()?,
        new_cycle: d.text()?,
        amount: d.money()?,
        days_remaining: d.int()?,
        total_days_in_cycle: d.int()?,
        new_recurring_amount: d.money()?,
        completed: d.text()? == "Completed",
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Dialect;
    use crate::whmcs::Recurring;

    /// An in-memory table store that understands exactly the statement shapes the reader
    /// emits: `SELECT cols FROM t [WHERE c > ? | c IN (…)] [ORDER BY id] [LIMIT ?]` and
    /// `SELECT COUNT(*) FROM t`.
    #[derive(Default)]
    struct FakeDb {
        tables: HashMap<String, Vec<HashMap<String, Value>>>,
        statements: Vec<String>,
    }

    impl FakeDb {
        fn insert(&mut self, table: &str, cols: &[(&str, Value)]) {
            let row = cols
                .iter()
                .map(|(c, v)| (c.to_string(), v.clone()))
                .collect();
            self.tables.entry(table.to_string()).or_default().push(row);
        }
    }

    fn between<'s>(s: &'s str, start: &str, end: &str) -> &'s str {
        let from = s.find(start).expect("start") + start.len();
        let to = s[from..].find(end).map_or(s.len(), |i| from + i);
        &s[from..to]
    }

    impl Db for FakeDb {
        fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
            self.statements.push(sql.to_string());
            assert!(
                !sql.contains('*') || sql.starts_with("SELECT COUNT(*)"),
                "no SELECT *: {sql}"
            );
            let table = between(sql, "FROM `", "`");
            let rows = self.tables.get(table).cloned().unwrap_or_default();
            if sql.starts_with("SELECT COUNT(*)") {
                return Ok(vec![vec![Value::Int(rows.len() as i64)]]);
            }
            let cols: Vec<&str> = between(sql, "SELECT ", " FROM")
                .split(", ")
                .map(|c| c.trim_matches('`'))
                .collect();
            let int = |v: &Value| as_int(v).unwrap_or(i64::MIN);
            let mut rows: Vec<_> = if let Some(w) = sql.find(" WHERE `") {
                let col = between(&sql[w..], "WHERE `", "`");
                let get = |r: &HashMap<String, Value>| r.get(col).cloned().unwrap_or(Value::Null);
                if sql[w..].contains("` > ?") {
                    rows.into_iter()
                        .filter(|r| int(&get(r)) > int(&params[0]))
                        .collect()
                } else {
                    rows.into_iter()
                        .filter(|r| params.contains(&get(r)))
                        .collect()
                }
            } else {
                rows
            };
            if sql.contains("ORDER BY `id`") {
                rows.sort_by_key(|r| int(&r["id"]));
            }
            if sql.ends_with("LIMIT ?") {
                rows.truncate(int(params.last().unwrap()) as usize);
            }
            Ok(rows
                .iter()
                .map(|r| {
                    cols.iter()
                        .map(|c| r.get(*c).cloned().unwrap_or(Value::Null))
                        .collect()
                })
                .collect())
        }
        fn execute(&mut self, _sql: &str, _params: &[Value]) -> Result<u64, DbError> {
            Ok(0)
        }
        fn dialect(&self) -> Dialect {
            Dialect::Sqlite
        }
    }

    fn t(s: &str) -> Value {
        Value::Text(s.to_string())
    }
    fn i(n: i64) -> Value {
        Value::Int(n)
    }

    fn client(db: &mut FakeDb, id: i64) {
        db.insert(
            "tblclients",
            &[
                ("id", i(id)),
                ("firstname", t("Ada")),
                ("lastname", t("Lovelace")),
                ("companyname", t("")),
                ("email", t("ada@example.com")),
                ("address1", t("1 Road")),
                ("city", t("London")),
                ("state", t("")),
                ("postcode", t("N1")),
                ("country", t("GB")),
                ("currency", i(1)),
                ("groupid", i(0)),
                ("status", t("Active")),
                ("datecreated", t("0000-00-00")),
                ("updated_at", t("2026-01-05 10:00:00")),
            ],
        );
    }

    fn service(db: &mut FakeDb, id: i64, userid: i64, amount: Value) {
        db.insert(
            "tblhosting",
            &[
                ("id", i(id)),
                ("userid", i(userid)),
                ("packageid", i(7)),
                ("regdate", t("2026-01-05")),
                ("qty", i(1)),
                ("firstpaymentamount", t("10.00")),
                ("amount", amount),
                ("billingcycle", t("semi annually")),
                ("nextduedate", Value::Null),
                ("termination_date", t("0000-00-00")),
                ("domainstatus", t("Active")),
                ("promoid", i(0)),
                ("updated_at", t("0000-00-00 00:00:00")),
            ],
        );
    }

    fn addon(db: &mut FakeDb, id: i64, hostingid: i64, userid: i64) {
        db.insert(
            "tblhostingaddons",
            &[
                ("id", i(id)),
                ("hostingid", i(hostingid)),
                ("addonid", i(0)),
                ("userid", i(userid)),
                ("name", t("Backup")),
                ("qty", i(1)),
                ("setupfee", t("0.00")),
                ("recurring", t("2.50")),
                ("billingcycle", t("Monthly")),
                ("status", t("Active")),
                ("regdate", t("2026-01-05")),
                ("nextduedate", t("2026-02-05")),
                ("termination_date", t("0000-00-00")),
                ("updated_at", t("0000-00-00 00:00:00")),
            ],
        );
    }

    #[test]
    fn money_decodes_exactly_and_refuses_floats() {
        let spec = &TableSpec {
            table: "tblx",
            cols: &["id", "a", "b", "c", "d"],
        };
        let row = vec![
            i(9),
            t("0.29"),
            i(30),
            Value::Bytes(b"-3.5".to_vec()),
            Value::Float(0.29),
        ];
        let mut d = Dec::new(spec, row).unwrap();
        assert_eq!(d.money(), Ok(Cents(29)));
        assert_eq!(d.money(), Ok(Cents(3000)));
        assert_eq!(d.money(), Ok(Cents(-350)));
        let e = d.money().unwrap_err();
        assert_eq!(
            (e.record.table.as_str(), e.record.id, e.column.as_deref()),
            ("tblx", 9, Some("d"))
        );
        assert_eq!(e.kind, UNDECODABLE);
    }

    #[test]
    fn dates_nulls_and_ints_decode_by_column_kind() {
        let spec = &TableSpec {
            table: "tblx",
            cols: &["id", "a", "b", "c", "d", "e"],
        };
        let row = vec![
            t("4"),
            t("0000-00-00"),
            Value::Null,
            t("2026-02-30"),
            Value::Null,
            t("12"),
        ];
        let mut d = Dec::new(spec, row).unwrap();
        assert_eq!(d.id(), 4);
        assert_eq!(d.date(), Ok(None));
        assert_eq!(d.date_or_null(), Ok(None));
        assert_eq!(d.date().unwrap_err().column.as_deref(), Some("c"));
        assert_eq!(d.int().unwrap_err().column.as_deref(), Some("d"));
        assert_eq!(d.int(), Ok(12));
        // Reading past the row is a NULL, not a panic.
        assert!(d.text().is_err());
    }

    #[test]
    fn fast_date_paths_agree_with_the_dates_module() {
        for s in [
            "2026-01-05",
            "2026-01-05 10:11:12",
            "2024-02-29",
            "2026-02-29",
            "2026-02-30 00:00:00",
            "0000-00-00",
            "0000-00-00 00:00:00",
            "",
            " 2026-01-05",
            "2026-1-5",
            "2026-01-05T10:11:12",
            "2026-01-05 25:00:00",
            "2026-01-05 10:11:12.123456",
            "20260105",
            "abcd-ef-gh",
        ] {
            assert_eq!(
                read_date(s),
                parse_date(s).map_err(|e| e.to_string()),
                "date {s:?}"
            );
            assert_eq!(
                read_datetime(s),
                parse_datetime(s).map_err(|e| e.to_string()),
                "datetime {s:?}"
            );
        }
    }

    #[test]
    fn in_lists_are_padded_to_few_shapes() {
        assert_eq!(padded_len(1), 8);
        assert_eq!(padded_len(9), 16);
        assert_eq!(padded_len(500), 512);
        let (sql, params) = in_statement("SELECT `id` FROM `t` WHERE `id` IN", &[3, 5], "");
        assert_eq!(
            sql,
            "SELECT `id` FROM `t` WHERE `id` IN (?, ?, ?, ?, ?, ?, ?, ?)"
        );
        assert_eq!(params[..3], [i(3), i(5), i(5)]);
        assert_eq!(params.len(), 8);
    }

    #[test]
    fn a_page_groups_children_and_keeps_going_past_bad_rows() {
        let mut db = FakeDb::default();
        client(&mut db, 1);
        client(&mut db, 2);
        db.insert("tblclients", &[("id", i(3)), ("firstname", Value::Null)]);
        service(&mut db, 10, 1, t("30.00"));
        service(&mut db, 11, 2, Value::Float(1.5));
        service(&mut db, 12, 2, i(30));
        addon(&mut db, 50, 12, 0); // old data: userid 0, found through its service
        addon(&mut db, 51, 999, 1); // orphan: its service does not exist, stays with userid
        let mut reader = Reader::new(db);
        let page = reader.client_page(0, 10).unwrap();
        assert_eq!(page.last_id, Some(3));
        assert_eq!(page.errors.len(), 1);
        assert_eq!(
            (page.errors[0].record.id, page.errors[0].column.as_deref()),
            (3, Some("firstname"))
        );
        let [a, b] = &page.bundles[..] else {
            panic!("two bundles")
        };
        assert_eq!(a.services[0].amount, Cents(3000));
        assert_eq!(
            a.services[0].billingcycle,
            BillingCycle::Recurring(Recurring::SemiAnnually)
        );
        assert_eq!(a.addons.iter().map(|x| x.id).collect::<Vec<_>>(), vec![51]);
        assert_eq!(
            b.services.iter().map(|x| x.id).collect::<Vec<_>>(),
            vec![12]
        );
        assert_eq!(b.services[0].amount, Cents(3000));
        assert_eq!(
            b.addons
                .iter()
                .map(|x| (x.id, x.userid))
                .collect::<Vec<_>>(),
            vec![(50, 0)]
        );
        assert_eq!(b.read_errors.len(), 1);
        assert_eq!(
            (
                b.read_errors[0].record.table.as_str(),
                b.read_errors[0].record.id,
                b.read_errors[0].column.as_deref()
            ),
            ("tblhosting", 11, Some("amount"))
        );
        assert!(reader.db().statements.iter().all(|s| s.contains('`')));
    }

    #[test]
    fn bundles_page_through_every_client_once() {
        let mut db = FakeDb::default();
        for id in [5, 1, 9, 3, 7] {
            client(&mut db, id);
        }
        let mut reader = Reader::new(db).with_page_size(2);
        assert_eq!(reader.count_clients(), Ok(5));
        let pages: Vec<ClientPage> = reader.bundles().collect::<Result<_, _>>().unwrap();
        let ids: Vec<Id> = pages
            .iter()
            .flat_map(|p| p.bundles.iter().map(|b| b.client.id))
            .collect();
        assert_eq!(ids, vec![1, 3, 5, 7, 9]);
        assert_eq!(pages.len(), 3);
        assert_eq!(reader.bundle(7).unwrap().map(|b| b.client.id), Some(7));
        assert_eq!(reader.bundle(8).unwrap(), None);
    }
}
