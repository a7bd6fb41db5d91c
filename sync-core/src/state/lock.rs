//! The lock that keeps two runs from sending at once (cron ticks overlap, an admin clicks
//! *Sync* while cron runs, the CLI runs beside the addon).
//!
//! Contract:
//! - **MySQL/MariaDB**: `GET_LOCK(name, 0)`, scoped to the current database (lock names are
//!   server-wide). The server releases it with `RELEASE_LOCK` or when the connection ends, so
//!   a process killed with `kill -9` frees it at once; the lease is not needed for safety.
//!   A row in `mod_chartmogul_locks` records holder and lease only so that the refused caller
//!   can say who holds the lock.
//! - **SQLite** (no such function): a lease row taken inside a `BEGIN IMMEDIATE` transaction
//!   (one writer at a time, so two takers cannot both see the lease free). A lease held by
//!   another holder is taken over once it has expired, or at once when the caller's
//!   `holder_is_dead` says its holder is gone (the CLI checks whether the pid in the holder
//!   string still runs on this host). A long run renews its lease with
//!   [`State::renew_lock`], e.g. at each heartbeat.
//! - Holder strings identify a process, e.g. `cli pid 4242 on web1`; re-taking a lock one
//!   already holds with the same holder succeeds (and extends the lease).

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::db::{Db, DbError, Dialect, Value};

use super::schema::LOCKS;
use super::{
    State, StateError, check_len, col_opt_i64, col_text, col_time, format_time, incoming, plus,
    upsert_sql,
};

/// The answer of [`State::try_lock`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockOutcome {
    /// The caller holds the lock now.
    Acquired,
    /// Someone else does: the holder string they gave (or, on MySQL when they wrote none
    /// yet, the server connection holding it).
    HeldBy(String),
}

/// Who holds a lock, for status displays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockHolder {
    pub holder: String,
    pub acquired_at: DateTime<Utc>,
    /// The lease's end; on MySQL informational (the lock lasts as long as the connection).
    pub expires_at: DateTime<Utc>,
}

/// MySQL 5.7 refuses lock names longer than 64 characters.
const MYSQL_LOCK_NAME_MAX: usize = 64;

impl<D: Db> State<D> {
    /// Tries once to take lock `name` for `holder`, without waiting. See the module doc for
    /// how each dialect decides; `lease` and `holder_is_dead` matter on SQLite only (on
    /// MySQL a dead holder's connection has already released the lock).
    pub fn try_lock(
        &mut self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        lease: Duration,
        holder_is_dead: &dyn Fn(&str) -> bool,
    ) -> Result<LockOutcome, DbError> {
        check_len("lock name", name, 191)?;
        check_len("lock holder", holder, 191)?;
        match self.dialect() {
            Dialect::Sqlite => self.atomically(|s| {
                match s.lease_row(name)? {
                    Some(row)
                        if row.holder != holder
                            && row.expires_at > now
                            && !holder_is_dead(&row.holder) =>
                    {
                        return Ok(LockOutcome::HeldBy(row.holder));
                    }
                    _ => {}
                }
                s.write_lease(name, holder, now, lease)?;
                Ok(LockOutcome::Acquired)
            }),
            Dialect::MySql => self.try_lock_mysql(name, holder, now, lease),
        }
    }

    fn try_lock_mysql(
        &mut self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<LockOutcome, DbError> {
        let server_name = self.mysql_lock_name(name)?;
        match self.mysql_lock_owner(&server_name)? {
            // `GET_LOCK` again would nest (MySQL counts re-acquisitions per connection and
            // one `RELEASE_LOCK` would no longer free it), so our own lock is only re-leased.
            MysqlOwner::Us => match self.lease_row(name)? {
                Some(row) if row.holder != holder => Ok(LockOutcome::HeldBy(row.holder)),
                _ => {
                    self.write_lease(name, holder, now, lease)?;
                    Ok(LockOutcome::Acquired)
                }
            },
            MysqlOwner::Other(connection) => Ok(LockOutcome::HeldBy(
                self.describe_mysql_holder(name, connection)?,
            )),
            MysqlOwner::Nobody => {
                let got = self
                    .db
                    .query("SELECT GET_LOCK(?, 0)", &[Value::Text(server_name.clone())])?;
                if !matches!(got.first().and_then(|r| r.first()), Some(Value::Int(1))) {
                    // Taken between our look and our try; say by whom if we can.
                    let connection = match self.mysql_lock_owner(&server_name)? {
                        MysqlOwner::Other(c) => c,
                        _ => 0,
                    };
                    return Ok(LockOutcome::HeldBy(
                        self.describe_mysql_holder(name, connection)?,
                    ));
                }
                if let Err(e) = self.write_lease(name, holder, now, lease) {
                    // Not reported as held, so not left held: the caller will not unlock
                    // what it was told it did not get.
                    let _ = self
                        .db
                        .query("SELECT RELEASE_LOCK(?)", &[Value::Text(server_name)]);
                    return Err(e);
                }
                Ok(LockOutcome::Acquired)
            }
        }
    }

    /// Extends the lease of a lock `holder` holds to `now + lease`; `false` when it does not
    /// hold it any more (its lease expired and another holder took over, or on MySQL its
    /// connection lost the lock) — the caller must stop sending.
    pub fn renew_lock(
        &mut self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<bool, DbError> {
        self.atomically(|s| {
            if s.dialect() == Dialect::MySql {
                let server_name = s.mysql_lock_name(name)?;
                if s.mysql_lock_owner(&server_name)? != MysqlOwner::Us {
                    return Ok(false);
                }
            }
            match s.lease_row(name)? {
                Some(row) if row.holder == holder => {
                    s.db.execute(
                        "UPDATE `mod_chartmogul_locks` SET `expires_at` = ? \
                         WHERE `name` = ? AND `holder` = ?",
                        &[
                            Value::Text(format_time(plus(now, lease))),
                            Value::from(name),
                            Value::from(holder),
                        ],
                    )?;
                    Ok(true)
                }
                _ => Ok(false),
            }
        })
    }

    /// Releases lock `name` if `holder` holds it; otherwise does nothing.
    pub fn unlock(&mut self, name: &str, holder: &str) -> Result<(), DbError> {
        let ours = match self.lease_row(name)? {
            Some(row) => row.holder == holder,
            // On MySQL a lock can be ours without a row (dropped tables); on SQLite the row
            // is the lock.
            None => self.dialect() == Dialect::MySql,
        };
        if !ours {
            return Ok(());
        }
        self.db.execute(
            "DELETE FROM `mod_chartmogul_locks` WHERE `name` = ? AND `holder` = ?",
            &[Value::from(name), Value::from(holder)],
        )?;
        if self.dialect() == Dialect::MySql {
            let server_name = self.mysql_lock_name(name)?;
            if self.mysql_lock_owner(&server_name)? == MysqlOwner::Us {
                self.db
                    .query("SELECT RELEASE_LOCK(?)", &[Value::Text(server_name)])?;
            }
        }
        Ok(())
    }

    /// Who holds lock `name` at `now`; `None` when it is free (on SQLite: no lease, or an
    /// expired one; on MySQL: no connection holds it, whatever rows say).
    pub fn lock_holder(
        &mut self,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<LockHolder>, DbError> {
        match self.dialect() {
            Dialect::Sqlite => Ok(self.lease_row(name)?.filter(|r| r.expires_at > now)),
            Dialect::MySql => {
                let server_name = self.mysql_lock_name(name)?;
                let connection = match self.mysql_lock_owner(&server_name)? {
                    MysqlOwner::Nobody => return Ok(None),
                    MysqlOwner::Us => 0,
                    MysqlOwner::Other(c) => c,
                };
                Ok(Some(match self.lease_row(name)? {
                    Some(row) => row,
                    None => LockHolder {
                        holder: format!("MySQL connection {connection}"),
                        acquired_at: now,
                        expires_at: now,
                    },
                }))
            }
        }
    }

    fn lease_row(&mut self, name: &str) -> Result<Option<LockHolder>, DbError> {
        let rows = self.db.query(
            "SELECT `holder`, `acquired_at`, `expires_at` FROM `mod_chartmogul_locks` \
             WHERE `name` = ?",
            &[Value::from(name)],
        )?;
        let Some(row) = rows.first() else {
            return Ok(None);
        };
        let bad = |reason: String| StateError::corrupt(LOCKS, format!("name {name:?}"), reason);
        Ok(Some(LockHolder {
            holder: col_text(row, 0, "holder").map_err(bad)?,
            acquired_at: col_time(row, 1, "acquired_at").map_err(bad)?,
            expires_at: col_time(row, 2, "expires_at").map_err(bad)?,
        }))
    }

    /// Records `holder` as holding `name` until `now + lease`. Re-taking one's own lock keeps
    /// the original `acquired_at`.
    fn write_lease(
        &mut self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<(), DbError> {
        let dialect = self.dialect();
        let same_holder = match dialect {
            Dialect::MySql => "`holder` = VALUES(`holder`)",
            Dialect::Sqlite => "`holder` = excluded.`holder`",
        };
        let sql = upsert_sql(
            dialect,
            LOCKS,
            &["name", "holder", "acquired_at", "expires_at"],
            &["name"],
            1,
            &[
                // Listed before `holder`: MySQL evaluates SET left to right and SQLite against
                // the old row, so in both this compares the old holder with the new one.
                (
                    "acquired_at",
                    format!(
                        "CASE WHEN {same_holder} THEN `acquired_at` ELSE {} END",
                        incoming(dialect, "acquired_at")
                    ),
                ),
                ("holder", incoming(dialect, "holder")),
                ("expires_at", incoming(dialect, "expires_at")),
            ],
        );
        self.db.execute(
            &sql,
            &[
                Value::from(name),
                Value::from(holder),
                Value::Text(format_time(now)),
                Value::Text(format_time(plus(now, lease))),
            ],
        )?;
        Ok(())
    }

    /// The server-wide `GET_LOCK` name for lock `name` in this database.
    pub(crate) fn mysql_lock_name(&mut self, name: &str) -> Result<String, DbError> {
        if self.mysql_database.is_none() {
            let rows = self.db.query("SELECT DATABASE()", &[])?;
            let db = rows
                .first()
                .and_then(|r| r.first())
                .and_then(|v| match v {
                    Value::Text(s) => Some(s.clone()),
                    _ => None,
                })
                .unwrap_or_default();
            self.mysql_database = Some(db);
        }
        let db = self.mysql_database.as_deref().unwrap_or("");
        let full = format!("mod_chartmogul:{db}:{name}");
        if full.len() <= MYSQL_LOCK_NAME_MAX {
            return Ok(full);
        }
        Ok(format!("mod_chartmogul:{:016x}", fnv1a(full.as_bytes())))
    }

    fn mysql_lock_owner(&mut self, server_name: &str) -> Result<MysqlOwner, DbError> {
        let rows = self.db.query(
            "SELECT IS_USED_LOCK(?), CONNECTION_ID()",
            &[Value::from(server_name)],
        )?;
        let Some(row) = rows.first() else {
            return Ok(MysqlOwner::Nobody);
        };
        let bad = |reason: String| StateError::corrupt(LOCKS, "IS_USED_LOCK", reason);
        let owner = col_opt_i64(row, 0, "IS_USED_LOCK").map_err(bad)?;
        let me = col_opt_i64(row, 1, "CONNECTION_ID").map_err(bad)?;
        Ok(match owner {
            None => MysqlOwner::Nobody,
            Some(c) if Some(c) == me => MysqlOwner::Us,
            Some(c) => MysqlOwner::Other(c),
        })
    }

    fn describe_mysql_holder(&mut self, name: &str, connection: i64) -> Result<String, DbError> {
        Ok(match self.lease_row(name)? {
            Some(row) => row.holder,
            None => format!("MySQL connection {connection}"),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MysqlOwner {
    Nobody,
    Us,
    Other(i64),
}

/// FNV-1a: a stable short name for an over-long lock name (not a security measure).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}
