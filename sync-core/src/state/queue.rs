//! The event queue between WHMCS hooks and sync runs.
//!
//! Contract: a hook ([`State::enqueue`]) records *that* something changed — an event kind
//! (`InvoicePaid`, `ClientEdit`, `AfterClientMerge`, `PreDeleteClient`, `ServiceDelete`, …),
//! the record id, an optional related id (e.g. `AfterClientMerge`: record = the merged-away
//! client, related = the client it went into) and a small JSON payload — and never calls
//! ChartMogul itself. While an event is pending, enqueueing the same (kind, record, related)
//! again collapses into it (the newer payload wins), so a burst of edits is one event. A run
//! claims events ([`State::claim_events`]) and acknowledges them ([`State::ack_events`],
//! which deletes them) once their effects are recorded. Delivery is at-least-once: an event
//! claimed but not acknowledged within `reclaim_after` (its run was killed) is handed out
//! again, and an event enqueued while its twin is claimed stays a separate event, because the
//! claiming run may already have read the record before the change.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::db::{Db, DbError, Row, Value, placeholders};

use super::schema::QUEUE;
use super::{
    IDS_PER_IN, MAX_TEXT_CHARS, State, StateError, check_len, col_i64, col_opt_i64, col_text,
    col_time, format_time, incoming, minus, opt_int, upsert_sql,
};

/// An event as a hook enqueues it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// The WHMCS hook name, e.g. `InvoicePaid` (at most 64 characters).
    pub kind: String,
    /// The record the hook is about (invoice id, client id, service id, …).
    pub record_id: i64,
    /// A second record where the hook has one (e.g. the target client of a merge).
    pub related_id: Option<i64>,
    /// Small JSON with whatever else the hook knew; `""` = none.
    pub payload: String,
}

impl NewEvent {
    /// An event about one record, without related id or payload.
    pub fn new(kind: &str, record_id: i64) -> Self {
        NewEvent {
            kind: kind.to_string(),
            record_id,
            related_id: None,
            payload: String::new(),
        }
    }

    /// The key pending duplicates collapse on.
    fn pending_key(&self) -> String {
        match self.related_id {
            Some(r) => format!("{}:{}:{r}", self.kind, self.record_id),
            None => format!("{}:{}:", self.kind, self.record_id),
        }
    }
}

/// An event as a run sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: i64,
    pub kind: String,
    pub record_id: i64,
    pub related_id: Option<i64>,
    pub payload: String,
    /// When it was first enqueued (a collapsed duplicate keeps the first time).
    pub enqueued_at: DateTime<Utc>,
    /// How many times it has been claimed, this claim included: above 1 means an earlier run
    /// died holding it.
    pub attempts: u32,
    /// The run holding it.
    pub claimed_by: Option<i64>,
}

const PENDING: &str = "pending";
const CLAIMED: &str = "claimed";

const SELECT: &str = "SELECT `id`, `kind`, `record_id`, `related_id`, `payload`, `enqueued_at`, \
                      `attempts`, `claimed_by` FROM `mod_chartmogul_queue`";

fn decode(row: &Row) -> Result<Event, StateError> {
    let id = col_i64(row, 0, "id").map_err(|e| StateError::corrupt(QUEUE, "id ?", e))?;
    let bad = |reason: String| StateError::corrupt(QUEUE, format!("id {id}"), reason);
    Ok(Event {
        id,
        kind: col_text(row, 1, "kind").map_err(bad)?,
        record_id: col_i64(row, 2, "record_id").map_err(bad)?,
        related_id: col_opt_i64(row, 3, "related_id").map_err(bad)?,
        payload: col_text(row, 4, "payload").map_err(bad)?,
        enqueued_at: col_time(row, 5, "enqueued_at").map_err(bad)?,
        attempts: u32::try_from(col_i64(row, 6, "attempts").map_err(bad)?).unwrap_or(0),
        claimed_by: col_opt_i64(row, 7, "claimed_by").map_err(bad)?,
    })
}

impl<D: Db> State<D> {
    /// Adds an event, or refreshes the payload of the pending event with the same kind,
    /// record and related id. One statement: safe from a hook running in a web request next
    /// to a run.
    pub fn enqueue(&mut self, event: &NewEvent, now: DateTime<Utc>) -> Result<(), DbError> {
        let dialect = self.dialect();
        let sql = upsert_sql(
            dialect,
            QUEUE,
            &[
                "kind",
                "record_id",
                "related_id",
                "payload",
                "status",
                "pending_key",
                "attempts",
                "enqueued_at",
                "updated_at",
            ],
            &["pending_key"],
            1,
            &[
                ("payload", incoming(dialect, "payload")),
                ("updated_at", incoming(dialect, "updated_at")),
            ],
        );
        check_len("event kind", &event.kind, 64)?;
        check_len("event payload", &event.payload, MAX_TEXT_CHARS)?;
        let at = format_time(now);
        // A single statement: when InnoDB picks it as a deadlock victim (a claim touching the
        // same row), running it again is the whole recovery, and a hook must not lose events.
        self.retry_on_deadlock(|s| {
            s.db.execute(
                &sql,
                &[
                    Value::from(event.kind.as_str()),
                    Value::Int(event.record_id),
                    opt_int(event.related_id),
                    Value::from(event.payload.as_str()),
                    Value::from(PENDING),
                    Value::Text(event.pending_key()),
                    Value::Int(0),
                    Value::Text(at.clone()),
                    Value::Text(at.clone()),
                ],
            )
        })?;
        Ok(())
    }

    /// Claims up to `limit` events for `run_id`, oldest first: pending ones, and claimed ones
    /// whose claim is older than `reclaim_after` before `now` (their run died). Claimed events
    /// stop collapsing new duplicates. Returns them with their attempt count raised.
    ///
    /// Runs claim while holding the sync lock, but a second claimer cannot double-claim
    /// anyway: the `UPDATE` re-checks claimability on the current row and only rows it
    /// changed are returned. The candidates are read without `FOR UPDATE` so that hooks
    /// inserting meanwhile do not wait on gap locks; a deadlock with a hook is retried.
    pub fn claim_events(
        &mut self,
        run_id: i64,
        limit: usize,
        now: DateTime<Utc>,
        reclaim_after: Duration,
    ) -> Result<Vec<Event>, DbError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let reclaim_before = Value::Text(format_time(minus(now, reclaim_after)));
        let claimable = "(`status` = ? OR (`status` = ? AND `claimed_at` <= ?))";
        self.retry_on_deadlock(|s| {
            s.atomically(|s| {
                let rows = s.db.query(
                    &format!(
                        "SELECT `id` FROM `mod_chartmogul_queue` WHERE {claimable} \
                         ORDER BY `id` LIMIT ?"
                    ),
                    &[
                        Value::from(PENDING),
                        Value::from(CLAIMED),
                        reclaim_before.clone(),
                        Value::Int(i64::try_from(limit).unwrap_or(i64::MAX)),
                    ],
                )?;
                let ids: Vec<i64> = rows
                    .iter()
                    .map(|r| col_i64(r, 0, "id").map_err(|e| StateError::corrupt(QUEUE, "id ?", e)))
                    .collect::<Result<_, _>>()?;
                let mut events = Vec::with_capacity(ids.len());
                for chunk in ids.chunks(IDS_PER_IN) {
                    let list = placeholders(chunk.len());
                    let mut params = vec![
                        Value::from(CLAIMED),
                        Value::Int(run_id),
                        Value::Text(format_time(now)),
                    ];
                    params.extend(chunk.iter().map(|&id| Value::Int(id)));
                    params.extend([
                        Value::from(PENDING),
                        Value::from(CLAIMED),
                        reclaim_before.clone(),
                    ]);
                    s.db.execute(
                        &format!(
                            "UPDATE `mod_chartmogul_queue` SET `status` = ?, `claimed_by` = ?, \
                             `claimed_at` = ?, `pending_key` = NULL, `attempts` = `attempts` + 1 \
                             WHERE `id` IN ({list}) AND {claimable}"
                        ),
                        &params,
                    )?;
                    let mut params = vec![Value::Int(run_id)];
                    params.extend(chunk.iter().map(|&id| Value::Int(id)));
                    let rows = s.db.query(
                        &format!(
                            "{SELECT} WHERE `claimed_by` = ? AND `id` IN ({list}) ORDER BY `id`"
                        ),
                        &params,
                    )?;
                    for row in &rows {
                        events.push(decode(row)?);
                    }
                }
                Ok::<_, DbError>(events)
            })
        })
    }

    /// Acknowledges events: their effects are recorded, they are deleted. Unknown ids are
    /// ignored (an event acknowledged twice is fine).
    pub fn ack_events(&mut self, ids: &[i64]) -> Result<(), DbError> {
        if ids.is_empty() {
            return Ok(());
        }
        self.atomically(|s| {
            for chunk in ids.chunks(IDS_PER_IN) {
                let params: Vec<Value> = chunk.iter().map(|&id| Value::Int(id)).collect();
                s.db.execute(
                    &format!(
                        "DELETE FROM `mod_chartmogul_queue` WHERE `id` IN ({})",
                        placeholders(chunk.len())
                    ),
                    &params,
                )?;
            }
            Ok(())
        })
    }

    /// Events not yet acknowledged (pending or claimed).
    pub fn pending_events(&mut self) -> Result<u64, DbError> {
        self.count(QUEUE, "SELECT COUNT(*) FROM `mod_chartmogul_queue`", &[])
    }
}
