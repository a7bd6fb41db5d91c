//! The ledger: one row per object sent to ChartMogul.
//!
//! Contract: keyed by (kind, external id) — the external id the engine gave the object in
//! ChartMogul, which is also how ChartMogul deduplicates imports. A row holds the ChartMogul
//! uuid when known (bulk imports learn it later: a put without a uuid keeps the stored one),
//! the fingerprint of what was sent (the planner resends only when it changes), a small JSON
//! `detail` for what a fingerprint cannot answer (transaction ids sent on an invoice,
//! cancellation dates sent, the invoice status set), the WHMCS client it belongs to and when
//! it was sent.

use std::collections::BTreeMap;
use std::fmt;

use crate::db::{Db, DbError, Row, Value, placeholders};

use super::schema::LEDGER;
use super::{
    MAX_TEXT_CHARS, ROWS_PER_INSERT, State, StateError, check_len, col_i64, col_opt_i64,
    col_opt_text, col_text, incoming, opt_int, opt_text, parse_time, upsert_sql,
};

/// The kinds of ChartMogul objects the engine sends.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    DataSource,
    Plan,
    Customer,
    Invoice,
    Subscription,
    Transaction,
}

impl ObjectKind {
    /// Every kind, in `Ord` order.
    pub const ALL: [ObjectKind; 6] = [
        ObjectKind::DataSource,
        ObjectKind::Plan,
        ObjectKind::Customer,
        ObjectKind::Invoice,
        ObjectKind::Subscription,
        ObjectKind::Transaction,
    ];

    /// The stored name: `data_source`, `plan`, `customer`, `invoice`, `subscription`,
    /// `transaction`.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::DataSource => "data_source",
            ObjectKind::Plan => "plan",
            ObjectKind::Customer => "customer",
            ObjectKind::Invoice => "invoice",
            ObjectKind::Subscription => "subscription",
            ObjectKind::Transaction => "transaction",
        }
    }

    /// The inverse of [`ObjectKind::as_str`]; `None` for any other text.
    pub fn parse(s: &str) -> Option<ObjectKind> {
        ObjectKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One object sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    pub kind: ObjectKind,
    /// The object's external id in ChartMogul (at most 191 characters).
    pub external_id: String,
    /// ChartMogul's uuid, when known.
    pub uuid: Option<String>,
    /// Fingerprint of the payload sent; stored as the BIGINT with the same bits.
    pub fingerprint: u64,
    /// The WHMCS client (`tblclients.id`) the object belongs to; `None` for data sources and
    /// plans.
    pub client_id: Option<i64>,
    /// Small JSON document; `""` = none.
    pub detail: String,
    /// When it was sent: UTC `YYYY-MM-DD HH:MM:SS` (see [`super::format_time`]; RFC 3339 is
    /// accepted on write and stored in that form).
    pub sent_at: String,
}

const COLUMNS: [&str; 7] = [
    "kind",
    "external_id",
    "uuid",
    "fingerprint",
    "client_id",
    "detail",
    "sent_at",
];

const SELECT: &str = "SELECT `kind`, `external_id`, `uuid`, `fingerprint`, `client_id`, `detail`, \
                      `sent_at` FROM `mod_chartmogul_ledger`";

fn decode(row: &Row) -> Result<LedgerEntry, StateError> {
    let kind_text = col_text(row, 0, "kind");
    let external_id = col_text(row, 1, "external_id");
    let key = format!(
        "({}, {})",
        kind_text.as_deref().unwrap_or("?"),
        external_id.as_deref().unwrap_or("?")
    );
    let bad = |reason: String| StateError::corrupt(LEDGER, key.clone(), reason);
    let kind_text = kind_text.map_err(bad)?;
    let kind =
        ObjectKind::parse(&kind_text).ok_or_else(|| bad(format!("unknown kind {kind_text:?}")))?;
    Ok(LedgerEntry {
        kind,
        external_id: external_id.map_err(bad)?,
        uuid: col_opt_text(row, 2, "uuid").map_err(bad)?,
        // The u64 is stored as the i64 with the same bits (BIGINT is signed).
        fingerprint: col_i64(row, 3, "fingerprint").map_err(bad)? as u64,
        client_id: col_opt_i64(row, 4, "client_id").map_err(bad)?,
        detail: col_opt_text(row, 5, "detail")
            .map_err(bad)?
            .unwrap_or_default(),
        sent_at: col_text(row, 6, "sent_at").map_err(bad)?,
    })
}

fn decode_all(rows: Vec<Row>) -> Result<Vec<LedgerEntry>, DbError> {
    rows.iter()
        .map(|r| decode(r).map_err(DbError::from))
        .collect()
}

impl<D: Db> State<D> {
    /// The entry for one object, if it was sent.
    pub fn ledger_get(
        &mut self,
        kind: ObjectKind,
        external_id: &str,
    ) -> Result<Option<LedgerEntry>, DbError> {
        let rows = self.db.query(
            &format!("{SELECT} WHERE `kind` = ? AND `external_id` = ?"),
            &[Value::from(kind.as_str()), Value::from(external_id)],
        )?;
        Ok(decode_all(rows)?.into_iter().next())
    }

    /// Everything sent for one WHMCS client (customer, invoices, subscriptions,
    /// transactions), ordered by kind, then external id.
    pub fn ledger_for_client(&mut self, client_id: i64) -> Result<Vec<LedgerEntry>, DbError> {
        let rows = self.db.query(
            &format!("{SELECT} WHERE `client_id` = ? ORDER BY `kind`, `external_id`"),
            &[Value::Int(client_id)],
        )?;
        decode_all(rows)
    }

    /// One keyset page of a kind: up to `limit` entries with an external id after
    /// `after_external_id` (`""` = from the start), in external-id byte order. Pass the last
    /// id of a page to get the next; an empty page is the end.
    pub fn ledger_of_kind(
        &mut self,
        kind: ObjectKind,
        after_external_id: &str,
        limit: usize,
    ) -> Result<Vec<LedgerEntry>, DbError> {
        let rows = self.db.query(
            &format!(
                "{SELECT} WHERE `kind` = ? AND `external_id` > ? ORDER BY `external_id` LIMIT ?"
            ),
            &[
                Value::from(kind.as_str()),
                Value::from(after_external_id),
                Value::Int(i64::try_from(limit).unwrap_or(i64::MAX)),
            ],
        )?;
        decode_all(rows)
    }

    /// Inserts or replaces the entry for (kind, external id). A `None` uuid keeps a uuid
    /// already stored; every other field is replaced.
    pub fn ledger_put(&mut self, entry: &LedgerEntry) -> Result<(), DbError> {
        self.ledger_upsert(std::slice::from_ref(entry))
    }

    /// [`State::ledger_put`] for many entries: multi-row statements in one transaction, so
    /// either all are recorded or none.
    pub fn ledger_put_many(&mut self, entries: &[LedgerEntry]) -> Result<(), DbError> {
        if entries.is_empty() {
            return Ok(());
        }
        self.atomically(|s| s.ledger_upsert(entries))
    }

    fn ledger_upsert(&mut self, entries: &[LedgerEntry]) -> Result<(), DbError> {
        let dialect = self.dialect();
        for chunk in entries.chunks(ROWS_PER_INSERT) {
            let mut params = Vec::with_capacity(chunk.len() * COLUMNS.len());
            for e in chunk {
                check_len("ledger external id", &e.external_id, 191)?;
                if let Some(uuid) = &e.uuid {
                    check_len("ChartMogul uuid", uuid, 64)?;
                }
                check_len("ledger detail", &e.detail, MAX_TEXT_CHARS)?;
                let sent_at = parse_time(&e.sent_at).ok_or_else(|| {
                    DbError::new(format!(
                        "ledger entry {} {:?}: sent_at {:?} is not a time",
                        e.kind, e.external_id, e.sent_at
                    ))
                })?;
                params.extend([
                    Value::from(e.kind.as_str()),
                    Value::from(e.external_id.as_str()),
                    opt_text(e.uuid.as_deref()),
                    Value::Int(e.fingerprint as i64),
                    opt_int(e.client_id),
                    Value::from(e.detail.as_str()),
                    Value::Text(super::format_time(sent_at)),
                ]);
            }
            let set = [
                (
                    "uuid",
                    format!("COALESCE({}, `uuid`)", incoming(dialect, "uuid")),
                ),
                ("fingerprint", incoming(dialect, "fingerprint")),
                ("client_id", incoming(dialect, "client_id")),
                ("detail", incoming(dialect, "detail")),
                ("sent_at", incoming(dialect, "sent_at")),
            ];
            let sql = upsert_sql(
                dialect,
                LEDGER,
                &COLUMNS,
                &["kind", "external_id"],
                chunk.len(),
                &set,
            );
            self.db.execute(&sql, &params)?;
        }
        Ok(())
    }

    /// Records the ChartMogul uuid learnt for an object (e.g. from a finished bulk import).
    /// No entry: nothing happens.
    pub fn ledger_set_uuid(
        &mut self,
        kind: ObjectKind,
        external_id: &str,
        uuid: &str,
    ) -> Result<(), DbError> {
        self.db.execute(
            "UPDATE `mod_chartmogul_ledger` SET `uuid` = ? WHERE `kind` = ? AND `external_id` = ?",
            &[
                Value::from(uuid),
                Value::from(kind.as_str()),
                Value::from(external_id),
            ],
        )?;
        Ok(())
    }

    /// [`State::ledger_set_uuid`] for many objects of one kind, in one transaction (one
    /// `CASE` statement per few hundred objects). Objects without an entry are ignored.
    pub fn ledger_set_uuids(
        &mut self,
        kind: ObjectKind,
        uuids: &[(String, String)],
    ) -> Result<(), DbError> {
        if uuids.is_empty() {
            return Ok(());
        }
        self.atomically(|s| {
            for chunk in uuids.chunks(ROWS_PER_INSERT) {
                let mut params = Vec::with_capacity(chunk.len() * 3 + 1);
                let mut sql =
                    String::from("UPDATE `mod_chartmogul_ledger` SET `uuid` = CASE `external_id`");
                for (external_id, uuid) in chunk {
                    check_len("ChartMogul uuid", uuid, 64)?;
                    sql.push_str(" WHEN ? THEN ?");
                    params.push(Value::from(external_id.as_str()));
                    params.push(Value::from(uuid.as_str()));
                }
                sql.push_str(" ELSE `uuid` END WHERE `kind` = ? AND `external_id` IN (");
                params.push(Value::from(kind.as_str()));
                for (i, (external_id, _)) in chunk.iter().enumerate() {
                    sql.push_str(if i == 0 { "?" } else { ", ?" });
                    params.push(Value::from(external_id.as_str()));
                }
                sql.push(')');
                s.db.execute(&sql, &params)?;
            }
            Ok(())
        })
    }

    /// How many objects of a kind the ledger holds: all of them, or only those without a
    /// ChartMogul uuid yet (created by a bulk import).
    pub fn ledger_count(&mut self, kind: ObjectKind, without_uuid: bool) -> Result<u64, DbError> {
        let sql = if without_uuid {
            "SELECT COUNT(*) FROM `mod_chartmogul_ledger` WHERE `kind` = ? AND `uuid` IS NULL"
        } else {
            "SELECT COUNT(*) FROM `mod_chartmogul_ledger` WHERE `kind` = ?"
        };
        let rows = self.db.query(sql, &[Value::from(kind.as_str())])?;
        Ok(match rows.first().and_then(|r| r.first()) {
            Some(Value::Int(n)) => *n as u64,
            Some(Value::Text(t)) => t.parse().unwrap_or(0),
            _ => 0,
        })
    }

    /// Forgets one object (after it was deleted in ChartMogul). No entry: nothing happens.
    pub fn ledger_delete(&mut self, kind: ObjectKind, external_id: &str) -> Result<(), DbError> {
        self.db.execute(
            "DELETE FROM `mod_chartmogul_ledger` WHERE `kind` = ? AND `external_id` = ?",
            &[Value::from(kind.as_str()), Value::from(external_id)],
        )?;
        Ok(())
    }

    /// How many objects of each kind were sent; every kind is present (0 when none).
    pub fn ledger_counts(&mut self) -> Result<BTreeMap<ObjectKind, u64>, DbError> {
        let rows = self.db.query(
            "SELECT `kind`, COUNT(*) FROM `mod_chartmogul_ledger` GROUP BY `kind`",
            &[],
        )?;
        let mut counts: BTreeMap<ObjectKind, u64> =
            ObjectKind::ALL.into_iter().map(|k| (k, 0)).collect();
        for row in &rows {
            let kind_text =
                col_text(row, 0, "kind").map_err(|e| StateError::corrupt(LEDGER, "(kind ?)", e))?;
            let kind = ObjectKind::parse(&kind_text).ok_or_else(|| {
                StateError::corrupt(
                    LEDGER,
                    format!("(kind {kind_text:?})"),
                    format!("unknown kind {kind_text:?}"),
                )
            })?;
            let n = col_i64(row, 1, "count")
                .map_err(|e| StateError::corrupt(LEDGER, format!("(kind {kind_text:?})"), e))?;
            counts.insert(kind, u64::try_from(n).unwrap_or(0));
        }
        Ok(counts)
    }

    /// Forgets every object of a WHMCS client at once (e.g. after the client was deleted in
    /// ChartMogul together with its invoices and subscriptions). Returns how many entries
    /// were removed.
    pub fn ledger_delete_client(&mut self, client_id: i64) -> Result<u64, DbError> {
        self.db.execute(
            "DELETE FROM `mod_chartmogul_ledger` WHERE `client_id` = ?",
            &[Value::Int(client_id)],
        )
    }

    /// Entries for several external ids of one kind (one page of a planner pass), in
    /// external-id order; ids never sent are simply absent.
    pub fn ledger_get_many(
        &mut self,
        kind: ObjectKind,
        external_ids: &[&str],
    ) -> Result<Vec<LedgerEntry>, DbError> {
        let mut out = Vec::with_capacity(external_ids.len());
        for chunk in external_ids.chunks(super::IDS_PER_IN) {
            let mut params = vec![Value::from(kind.as_str())];
            params.extend(chunk.iter().map(|id| Value::from(*id)));
            let rows = self.db.query(
                &format!(
                    "{SELECT} WHERE `kind` = ? AND `external_id` IN ({}) ORDER BY `external_id`",
                    placeholders(chunk.len())
                ),
                &params,
            )?;
            out.extend(decode_all(rows)?);
        }
        out.sort_by(|a, b| a.external_id.cmp(&b.external_id));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_names() {
        for k in ObjectKind::ALL {
            assert_eq!(ObjectKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(ObjectKind::parse("Customer"), None);
        assert!(ObjectKind::DataSource < ObjectKind::Transaction);
    }
}
