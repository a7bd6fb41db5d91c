//! The engine's durable state (`sync_core::state`) on real databases: every test body runs
//! once on SQLite and once on MariaDB (the throwaway server of `tests/mariadb.sh`, one per
//! test process), each on a fresh, empty database of its own — the state tables need no WHMCS
//! schema. Bodies get the database's source string, so they can open a second connection
//! (two processes taking turns, a lock holder that dies).

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use common::db;
use sync_core::RecordError;
use sync_core::db::{Db, DbError, Dialect, Value};
use sync_core::settings::{ChurnAt, Settings};
use sync_core::state::schema::{LATEST_VERSION, MIGRATIONS, TABLES};
use sync_core::state::{
    ABANDONED, BACKFILL_PREFIX, LedgerEntry, LockOutcome, LogFilter, LogLevel, NewEvent,
    NewLogEntry, ObjectKind, RunStatus, State, StateError, redact,
};

macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test]
            fn $name() {
                super::$name(&super::Fresh::sqlite());
            })*
        }
        mod mariadb {
            $(#[test]
            fn $name() {
                super::$name(&super::Fresh::mariadb());
            })*
        }
    };
}

on_both_databases!(
    migrate_twice_is_a_noop_and_creates_every_table,
    migrate_refuses_a_newer_schema_and_drop_all_removes_everything,
    concurrent_migrations_apply_each_step_once,
    ledger_upserts_gets_pages_and_counts,
    ledger_put_many_is_all_or_nothing,
    ledger_keeps_clients_apart,
    overlong_keys_are_refused_and_long_text_is_cut,
    corrupt_rows_are_reported_not_panicked_on,
    atomically_rolls_back_and_nests,
    cursors_never_move_backwards,
    backfill_positions_are_kept_apart_from_watermarks,
    runs_record_their_lifecycle_and_go_stale,
    abandoned_runs_are_closed_by_the_next_run,
    queue_collapses_pending_duplicates,
    queue_claims_acks_and_reclaims_after_timeout,
    concurrent_claimers_never_share_an_event,
    settings_round_trip,
    log_filters_searches_and_pages,
    log_retention_purges_old_entries,
    logged_text_is_redacted_by_the_caller,
    lock_refuses_a_second_holder_until_unlocked,
    lock_of_a_dead_holder_is_taken_over,
    simultaneous_takers_get_the_lock_once,
    lock_names_are_scoped_to_the_database,
);

// ---------------------------------------------------------------------------------------------
// Fresh databases

/// A fresh, empty database and how to connect to it.
struct Fresh {
    source: String,
}

static N: AtomicUsize = AtomicUsize::new(0);

impl Fresh {
    fn sqlite() -> Fresh {
        let path = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "state-test-{}-{}.db",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        Fresh {
            source: format!("sqlite:{}", path.display()),
        }
    }

    fn mariadb() -> Fresh {
        let m = common::mariadb();
        let name = format!(
            "state{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        );
        let mut admin = db::open(&m.url("whmcs")).expect("connect to MariaDB");
        // The character set WHMCS databases have; the state tables declare utf8mb4 themselves.
        admin
            .execute(
                &format!("CREATE DATABASE `{name}` CHARACTER SET utf8 COLLATE utf8_unicode_ci"),
                &[],
            )
            .expect("create database");
        Fresh {
            source: m.url(&name),
        }
    }

    /// A new connection, tables not created.
    fn connect(&self) -> State<Box<dyn Db>> {
        State::new(db::open(&self.source).expect("open the test database"))
    }

    /// A new connection with the tables migrated.
    fn state(&self) -> State<Box<dyn Db>> {
        let mut s = self.connect();
        s.migrate().expect("migrate");
        s
    }
}

fn minutes(n: u64) -> Duration {
    Duration::from_secs(n * 60)
}

fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, h, m, s).unwrap()
}

fn entry(kind: ObjectKind, external_id: &str, client_id: Option<i64>) -> LedgerEntry {
    LedgerEntry {
        kind,
        external_id: external_id.to_string(),
        uuid: None,
        fingerprint: 1,
        client_id,
        detail: String::new(),
        sent_at: "2026-03-01 12:00:00".to_string(),
    }
}

fn ids(entries: &[LedgerEntry]) -> Vec<&str> {
    entries.iter().map(|e| e.external_id.as_str()).collect()
}

fn count_rows(s: &mut State<Box<dyn Db>>, table: &str) -> i64 {
    let rows = s
        .db()
        .query(&format!("SELECT COUNT(*) FROM `{table}`"), &[])
        .unwrap_or_else(|e| panic!("{table}: {e}"));
    match rows[0][0] {
        Value::Int(n) => n,
        ref other => panic!("count of {table}: {other:?}"),
    }
}

fn no_one_is_dead(_: &str) -> bool {
    false
}

// ---------------------------------------------------------------------------------------------
// Migrations

fn migrate_twice_is_a_noop_and_creates_every_table(f: &Fresh) {
    let mut s = f.connect();
    assert_eq!(s.migrate().unwrap(), LATEST_VERSION);
    for table in TABLES {
        count_rows(&mut s, table);
    }
    assert_eq!(
        count_rows(&mut s, "mod_chartmogul_migrations"),
        MIGRATIONS.len() as i64
    );
    assert_eq!(s.schema_version().unwrap(), LATEST_VERSION);

    s.ledger_put(&entry(ObjectKind::Plan, "plan-1", None))
        .unwrap();
    // Again, and from another connection (the addon after the CLI): nothing changes.
    assert_eq!(s.migrate().unwrap(), LATEST_VERSION);
    let mut other = f.connect();
    assert_eq!(other.migrate().unwrap(), LATEST_VERSION);
    assert_eq!(
        count_rows(&mut s, "mod_chartmogul_migrations"),
        MIGRATIONS.len() as i64
    );
    assert!(s.ledger_get(ObjectKind::Plan, "plan-1").unwrap().is_some());
}

fn concurrent_migrations_apply_each_step_once(f: &Fresh) {
    // The addon's activation and a CLI run upgrading the same database at the same moment.
    std::thread::scope(|scope| {
        let all: Vec<_> = (0..3)
            .map(|_| scope.spawn(|| f.connect().migrate()))
            .collect();
        for m in all {
            assert_eq!(m.join().unwrap().unwrap(), LATEST_VERSION);
        }
    });
    let mut s = f.connect();
    assert_eq!(
        count_rows(&mut s, "mod_chartmogul_migrations"),
        MIGRATIONS.len() as i64
    );
}

fn migrate_refuses_a_newer_schema_and_drop_all_removes_everything(f: &Fresh) {
    let mut s = f.state();
    s.db()
        .execute(
            "INSERT INTO `mod_chartmogul_migrations` (`version`, `description`, `applied_at`) \
             VALUES (?, ?, ?)",
            &[
                Value::Int(i64::from(LATEST_VERSION) + 7),
                Value::from("from the future"),
                Value::from("2030-01-01 00:00:00"),
            ],
        )
        .unwrap();
    let e = s.migrate().unwrap_err();
    assert!(e.message.contains("newer than this engine"), "{e}");
    assert!(
        e.message
            .contains(&format!("version {}", LATEST_VERSION + 7)),
        "{e}"
    );

    s.drop_all().unwrap();
    for table in TABLES {
        assert!(
            s.db()
                .query(&format!("SELECT COUNT(*) FROM `{table}`"), &[])
                .is_err(),
            "{table} still exists"
        );
    }
    s.drop_all().unwrap();
    assert_eq!(s.migrate().unwrap(), LATEST_VERSION);
    assert_eq!(s.ledger_counts().unwrap()[&ObjectKind::Plan], 0);
}

// ---------------------------------------------------------------------------------------------
// Ledger

fn ledger_upserts_gets_pages_and_counts(f: &Fresh) {
    let mut s = f.state();
    assert_eq!(s.ledger_get(ObjectKind::Customer, "cus-1").unwrap(), None);

    let mut cus = entry(ObjectKind::Customer, "cus-1", Some(1));
    cus.uuid = Some("cus_4f1e".into());
    cus.fingerprint = u64::MAX; // the high bit must survive the signed BIGINT
    cus.detail = r#"{"name":"Ada"}"#.into();
    s.ledger_put(&cus).unwrap();
    assert_eq!(
        s.ledger_get(ObjectKind::Customer, "cus-1").unwrap(),
        Some(cus.clone())
    );

    // Upsert: replaced fields, but a put without uuid keeps the one learnt earlier.
    let mut again = cus.clone();
    again.uuid = None;
    again.fingerprint = 0x8000_0000_0000_0001;
    again.detail = String::new();
    again.sent_at = "2026-03-02T08:30:00Z".into();
    s.ledger_put(&again).unwrap();
    let got = s
        .ledger_get(ObjectKind::Customer, "cus-1")
        .unwrap()
        .unwrap();
    assert_eq!(got.uuid.as_deref(), Some("cus_4f1e"));
    assert_eq!(got.fingerprint, 0x8000_0000_0000_0001);
    assert_eq!(got.detail, "");
    assert_eq!(got.sent_at, "2026-03-02 08:30:00");

    // Same external id, other kind: another object. Case matters in external ids.
    s.ledger_put(&entry(ObjectKind::Invoice, "cus-1", Some(1)))
        .unwrap();
    s.ledger_put(&entry(ObjectKind::Invoice, "CUS-1", Some(1)))
        .unwrap();
    assert_eq!(
        ids(&s.ledger_of_kind(ObjectKind::Invoice, "", 10).unwrap()),
        ["CUS-1", "cus-1"]
    );

    // Keyset paging walks every entry once, in order.
    let invoices: Vec<LedgerEntry> = (0..25)
        .map(|i| entry(ObjectKind::Invoice, &format!("inv-{i:03}"), Some(2)))
        .collect();
    s.ledger_put_many(&invoices).unwrap();
    let mut seen = Vec::new();
    let mut after = String::new();
    loop {
        let page = s.ledger_of_kind(ObjectKind::Invoice, &after, 10).unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 10);
        after = page.last().unwrap().external_id.clone();
        seen.extend(page.into_iter().map(|e| e.external_id));
    }
    let mut expected: Vec<String> = vec!["CUS-1".into(), "cus-1".into()];
    expected.extend(invoices.iter().map(|e| e.external_id.clone()));
    expected.sort();
    assert_eq!(seen, expected);

    let got = s
        .ledger_get_many(ObjectKind::Invoice, &["inv-007", "nope", "inv-003"])
        .unwrap();
    assert_eq!(ids(&got), ["inv-003", "inv-007"]);

    s.ledger_set_uuid(ObjectKind::Invoice, "inv-003", "inv_9a")
        .unwrap();
    assert_eq!(
        s.ledger_get(ObjectKind::Invoice, "inv-003")
            .unwrap()
            .unwrap()
            .uuid
            .as_deref(),
        Some("inv_9a")
    );

    s.ledger_delete(ObjectKind::Invoice, "inv-000").unwrap();
    s.ledger_delete(ObjectKind::Invoice, "inv-000").unwrap();
    assert_eq!(s.ledger_get(ObjectKind::Invoice, "inv-000").unwrap(), None);

    let counts = s.ledger_counts().unwrap();
    let expected: BTreeMap<ObjectKind, u64> = ObjectKind::ALL
        .into_iter()
        .map(|k| {
            let n = match k {
                ObjectKind::Customer => 1,
                ObjectKind::Invoice => 26,
                _ => 0,
            };
            (k, n)
        })
        .collect();
    assert_eq!(counts, expected);
}

fn ledger_put_many_is_all_or_nothing(f: &Fresh) {
    let mut s = f.state();
    // More rows than one multi-row statement holds.
    let many: Vec<LedgerEntry> = (0..250)
        .map(|i| entry(ObjectKind::Transaction, &format!("tr-{i:04}"), Some(9)))
        .collect();
    s.ledger_put_many(&many).unwrap();
    assert_eq!(s.ledger_counts().unwrap()[&ObjectKind::Transaction], 250);

    let mut batch: Vec<LedgerEntry> = (0..150)
        .map(|i| entry(ObjectKind::Subscription, &format!("sub-{i:04}"), Some(9)))
        .collect();
    batch[140].sent_at = "last tuesday".into();
    let e = s.ledger_put_many(&batch).unwrap_err();
    assert!(e.message.contains("sub-0140"), "{e}");
    assert_eq!(s.ledger_counts().unwrap()[&ObjectKind::Subscription], 0);
    s.ledger_put_many(&[]).unwrap();
}

fn ledger_keeps_clients_apart(f: &Fresh) {
    let mut s = f.state();
    s.ledger_put_many(&[
        entry(ObjectKind::Subscription, "sub-a", Some(7)),
        entry(ObjectKind::Customer, "cus-7", Some(7)),
        entry(ObjectKind::Invoice, "inv-1", Some(7)),
        entry(ObjectKind::Invoice, "inv-2", Some(8)),
        entry(ObjectKind::Plan, "plan-1", None),
    ])
    .unwrap();
    let mine = s.ledger_for_client(7).unwrap();
    assert_eq!(
        mine.iter()
            .map(|e| (e.kind, e.external_id.as_str()))
            .collect::<Vec<_>>(),
        [
            (ObjectKind::Customer, "cus-7"),
            (ObjectKind::Invoice, "inv-1"),
            (ObjectKind::Subscription, "sub-a"),
        ]
    );
    assert_eq!(s.ledger_delete_client(7).unwrap(), 3);
    assert!(s.ledger_for_client(7).unwrap().is_empty());
    assert_eq!(ids(&s.ledger_for_client(8).unwrap()), ["inv-2"]);
}

fn overlong_keys_are_refused_and_long_text_is_cut(f: &Fresh) {
    let mut s = f.state();
    // 191 characters fit (4-byte characters included); 192 would be cut by MySQL and
    // could collide with another id, so they are refused on both databases.
    let longest = "🧾".repeat(191);
    s.ledger_put(&entry(ObjectKind::Invoice, &longest, Some(1)))
        .unwrap();
    assert_eq!(
        ids(&s.ledger_of_kind(ObjectKind::Invoice, "", 5).unwrap()),
        [longest.as_str()]
    );
    let e = s
        .ledger_put(&entry(ObjectKind::Invoice, &"i".repeat(192), Some(1)))
        .unwrap_err();
    assert!(e.message.contains("192 characters"), "{e}");
    assert!(s.set_cursor(&"c".repeat(192), "1").is_err());
    assert!(
        s.enqueue(&NewEvent::new(&"K".repeat(65), 1), at(12, 0, 0))
            .is_err()
    );
    assert_eq!(s.pending_events().unwrap(), 0);

    // A whole HTML error page from a proxy is logged, cut.
    let page = "<html>".repeat(5_000);
    let mut e = NewLogEntry::new(LogLevel::Error, "http.failed", page.clone());
    e.chartmogul_message = Some(page.clone());
    s.log(&e, at(12, 0, 0)).unwrap();
    let stored = &s.query_log(&LogFilter::default()).unwrap().entries[0];
    assert_eq!(stored.message.chars().count(), 16_000);
    assert!(stored.message.ends_with('…'));
    assert_eq!(stored.chartmogul_message.as_ref().unwrap(), &stored.message);
    let run = s.start_run("cli", "backfill", at(12, 0, 0)).unwrap();
    s.finish_run(run, RunStatus::Failed, "{}", Some(&page), at(12, 1, 0))
        .unwrap();
    let error = s.run(run).unwrap().unwrap().error.unwrap();
    assert_eq!(error.chars().count(), 16_000);
}

fn corrupt_rows_are_reported_not_panicked_on(f: &Fresh) {
    let mut s = f.state();
    s.db()
        .execute(
            "INSERT INTO `mod_chartmogul_ledger` (`kind`, `external_id`, `uuid`, `fingerprint`, \
             `client_id`, `detail`, `sent_at`) VALUES ('gizmo', 'g-1', NULL, 1, 5, '', \
             '2026-03-01 00:00:00')",
            &[],
        )
        .unwrap();
    let e = s.ledger_for_client(5).unwrap_err();
    assert!(
        e.message
            .contains("corrupt row in mod_chartmogul_ledger (gizmo, g-1): unknown kind \"gizmo\""),
        "{e}"
    );
    assert!(s.ledger_counts().unwrap_err().message.contains("gizmo"));
    // Other kinds are still readable.
    assert!(
        s.ledger_of_kind(ObjectKind::Plan, "", 10)
            .unwrap()
            .is_empty()
    );

    let run = s.start_run("cli", "incremental", at(12, 0, 0)).unwrap();
    s.db()
        .execute(
            "UPDATE `mod_chartmogul_runs` SET `status` = 'maybe' WHERE `id` = ?",
            &[Value::Int(run)],
        )
        .unwrap();
    let e = s.runs(5).unwrap_err();
    assert!(
        e.message.contains(&format!(
            "corrupt row in mod_chartmogul_runs id {run}: unknown status"
        )),
        "{e}"
    );

    s.set_cursor("accounts.id", "forty-two").unwrap();
    let e = s.advance_cursor_i64("accounts.id", 50).unwrap_err();
    assert!(e.message.contains("mod_chartmogul_cursors"), "{e}");
    assert_eq!(
        s.cursor("accounts.id").unwrap().as_deref(),
        Some("forty-two")
    );
}

fn atomically_rolls_back_and_nests(f: &Fresh) {
    let mut s = f.state();
    let r: Result<(), DbError> = s.atomically(|s| {
        s.ledger_put(&entry(ObjectKind::Plan, "plan-rolled-back", None))?;
        Err(DbError::new("the send failed"))
    });
    assert_eq!(r.unwrap_err().message, "the send failed");
    assert_eq!(
        s.ledger_get(ObjectKind::Plan, "plan-rolled-back").unwrap(),
        None
    );

    // An inner failure undoes the inner work only; the outer commits the rest.
    s.atomically(|s| {
        s.ledger_put(&entry(ObjectKind::Plan, "plan-outer", None))?;
        let inner: Result<(), DbError> = s.atomically(|s| {
            s.ledger_put(&entry(ObjectKind::Plan, "plan-inner", None))?;
            s.advance_cursor_i64("plans.id", 5)?;
            Err(DbError::new("inner"))
        });
        assert!(inner.is_err());
        s.advance_cursor_i64("plans.id", 3)?;
        Ok::<_, DbError>(())
    })
    .unwrap();
    assert!(
        s.ledger_get(ObjectKind::Plan, "plan-outer")
            .unwrap()
            .is_some()
    );
    assert_eq!(s.ledger_get(ObjectKind::Plan, "plan-inner").unwrap(), None);
    assert_eq!(s.cursor("plans.id").unwrap().as_deref(), Some("3"));

    // Committed work is visible to another connection.
    let mut other = f.connect();
    assert!(
        other
            .ledger_get(ObjectKind::Plan, "plan-outer")
            .unwrap()
            .is_some()
    );
    assert!(s.migrate().is_ok());
    let in_tx: Result<u32, DbError> = s.atomically(|s| s.migrate());
    assert!(in_tx.unwrap_err().message.contains("transaction"));
}

// ---------------------------------------------------------------------------------------------
// Cursors

fn cursors_never_move_backwards(f: &Fresh) {
    let mut s = f.state();
    assert_eq!(s.cursor("accounts.id").unwrap(), None);
    assert_eq!(s.advance_cursor_i64("accounts.id", 100).unwrap(), 100);
    assert_eq!(s.advance_cursor_i64("accounts.id", 40).unwrap(), 100);
    assert_eq!(s.advance_cursor_i64("accounts.id", 100).unwrap(), 100);
    assert_eq!(s.advance_cursor_i64("accounts.id", 1000).unwrap(), 1000);
    assert_eq!(s.cursor("accounts.id").unwrap().as_deref(), Some("1000"));
    // 1000 > 999 as numbers though not as text.
    assert_eq!(s.advance_cursor_i64("accounts.id", 999).unwrap(), 1000);
    assert_eq!(s.advance_cursor_i64("negative", -5).unwrap(), -5);
    assert_eq!(s.advance_cursor_i64("negative", -9).unwrap(), -5);

    let w = "invoices.updated_at";
    assert_eq!(
        s.advance_cursor(w, "2026-03-01 10:00:00").unwrap(),
        "2026-03-01 10:00:00"
    );
    assert_eq!(
        s.advance_cursor(w, "2026-02-28 23:59:59").unwrap(),
        "2026-03-01 10:00:00"
    );
    assert_eq!(
        s.advance_cursor(w, "2026-03-01 10:00:01").unwrap(),
        "2026-03-01 10:00:01"
    );

    // set_cursor is the explicit way back; clear_cursor forgets.
    s.set_cursor("accounts.id", "7").unwrap();
    assert_eq!(s.cursor("accounts.id").unwrap().as_deref(), Some("7"));
    s.clear_cursor("accounts.id").unwrap();
    s.clear_cursor("accounts.id").unwrap();
    assert_eq!(s.cursor("accounts.id").unwrap(), None);

    // Another connection sees the same value.
    let mut other = f.connect();
    assert_eq!(
        other.cursor(w).unwrap().as_deref(),
        Some("2026-03-01 10:00:01")
    );
}

fn backfill_positions_are_kept_apart_from_watermarks(f: &Fresh) {
    let mut s = f.state();
    let position = format!("{BACKFILL_PREFIX}client_id");
    s.advance_cursor_i64(&position, 500).unwrap();
    s.set_cursor(
        &format!("{BACKFILL_PREFIX}started_at"),
        "2026-03-01 09:00:00",
    )
    .unwrap();
    s.advance_cursor("invoices.updated_at", "2026-03-01 11:00:00")
        .unwrap();
    s.advance_cursor_i64("accounts.id", 77).unwrap();
    s.set_cursor("Backfill.shouting", "kept: names are case-sensitive")
        .unwrap();

    // Restarting the backfill leaves the incremental watermarks alone.
    assert_eq!(s.clear_cursors_with_prefix(BACKFILL_PREFIX).unwrap(), 2);
    let all = s.cursors().unwrap();
    assert_eq!(
        all.keys().map(String::as_str).collect::<Vec<_>>(),
        ["Backfill.shouting", "accounts.id", "invoices.updated_at"]
    );
    assert_eq!(s.cursor(&position).unwrap(), None);
    assert_eq!(s.advance_cursor_i64(&position, 1).unwrap(), 1);
}

// ---------------------------------------------------------------------------------------------
// Runs

fn runs_record_their_lifecycle_and_go_stale(f: &Fresh) {
    let mut s = f.state();
    let stale_after = minutes(5);
    assert_eq!(s.current_run(at(12, 0, 0), stale_after).unwrap(), None);

    let first = s.start_run("cron", "incremental", at(12, 0, 0)).unwrap();
    s.finish_run(
        first,
        RunStatus::Succeeded,
        r#"{"invoice":{"created":3}}"#,
        None,
        at(12, 0, 42),
    )
    .unwrap();

    let second = s
        .start_run("admin:alice", "clients", at(12, 10, 0))
        .unwrap();
    assert!(second > first);
    let run = s.current_run(at(12, 11, 0), stale_after).unwrap().unwrap();
    assert_eq!(run.id, second);
    assert_eq!(run.trigger, "admin:alice");
    assert_eq!(run.mode, "clients");
    assert_eq!(run.status, RunStatus::Running);
    assert_eq!(
        (run.counts_json.as_str(), run.progress_json.as_str()),
        ("{}", "{}")
    );
    assert!(!run.stale);
    assert_eq!(run.duration(), None);

    let progress = r#"{"customer":{"done":40,"total":100}}"#;
    s.heartbeat(second, progress, at(12, 14, 0)).unwrap();
    let run = s.current_run(at(12, 18, 0), stale_after).unwrap().unwrap();
    assert_eq!(run.progress_json, progress);
    assert_eq!(run.heartbeat_at, at(12, 14, 0));
    assert!(!run.stale);
    // No heartbeat for more than five minutes: stale (the process was probably killed).
    let run = s.current_run(at(12, 19, 1), stale_after).unwrap().unwrap();
    assert!(run.stale);
    assert!(run.is_stale(at(12, 19, 1), stale_after));

    s.finish_run(
        second,
        RunStatus::Partial,
        r#"{"rejected":2}"#,
        Some("2 invoices rejected"),
        at(12, 20, 0),
    )
    .unwrap();
    assert_eq!(s.current_run(at(12, 20, 0), stale_after).unwrap(), None);
    // A late heartbeat does not reopen a finished run.
    s.heartbeat(second, "{}", at(12, 21, 0)).unwrap();

    let runs = s.runs(10).unwrap();
    assert_eq!(
        runs.iter().map(|r| r.id).collect::<Vec<_>>(),
        [second, first]
    );
    let last = &runs[0];
    assert_eq!(last.status, RunStatus::Partial);
    assert_eq!(last.error.as_deref(), Some("2 invoices rejected"));
    assert_eq!(last.counts_json, r#"{"rejected":2}"#);
    assert_eq!(last.progress_json, progress);
    assert_eq!(last.finished_at, Some(at(12, 20, 0)));
    assert_eq!(last.duration(), Some(minutes(10)));
    assert!(!last.is_stale(at(23, 0, 0), stale_after));
    assert_eq!(runs[1].error, None);
    assert_eq!(s.runs(1).unwrap().len(), 1);
    assert_eq!(
        s.run(first).unwrap().unwrap().duration(),
        Some(Duration::from_secs(42))
    );
    assert_eq!(s.run(first + 1000).unwrap(), None);

    let e = s
        .finish_run(first, RunStatus::Running, "{}", None, at(13, 0, 0))
        .unwrap_err();
    assert!(e.message.contains("not running"), "{e}");
}

fn abandoned_runs_are_closed_by_the_next_run(f: &Fresh) {
    let mut killed = f.state();
    let dead = killed
        .start_run("cron", "incremental", at(12, 0, 0))
        .unwrap();
    drop(killed);

    let mut s = f.state();
    let run = s.current_run(at(13, 0, 0), minutes(5)).unwrap().unwrap();
    assert_eq!((run.id, run.stale), (dead, true));
    assert_eq!(s.abandon_running_runs(at(13, 0, 0)).unwrap(), 1);
    let next = s.start_run("cron", "incremental", at(13, 0, 0)).unwrap();
    let old = s.run(dead).unwrap().unwrap();
    assert_eq!(old.status, RunStatus::Failed);
    assert_eq!(old.error.as_deref(), Some(ABANDONED));
    assert_eq!(
        s.current_run(at(13, 0, 1), minutes(5)).unwrap().unwrap().id,
        next
    );
}

// ---------------------------------------------------------------------------------------------
// Queue

fn queue_collapses_pending_duplicates(f: &Fresh) {
    let mut s = f.state();
    assert_eq!(s.pending_events().unwrap(), 0);
    let mut edit = NewEvent::new("ClientEdit", 12);
    edit.payload = r#"{"field":"email"}"#.into();
    s.enqueue(&edit, at(12, 0, 0)).unwrap();
    edit.payload = r#"{"field":"country"}"#.into();
    s.enqueue(&edit, at(12, 0, 5)).unwrap();
    // From the hook of another request (another connection).
    f.connect().enqueue(&edit, at(12, 0, 9)).unwrap();
    assert_eq!(s.pending_events().unwrap(), 1);

    // Other kind, other record, or other related id: other events.
    s.enqueue(&NewEvent::new("InvoicePaid", 12), at(12, 1, 0))
        .unwrap();
    s.enqueue(&NewEvent::new("ClientEdit", 13), at(12, 1, 0))
        .unwrap();
    let merge = |into: i64| NewEvent {
        kind: "AfterClientMerge".into(),
        record_id: 12,
        related_id: Some(into),
        payload: String::new(),
    };
    s.enqueue(&merge(30), at(12, 2, 0)).unwrap();
    s.enqueue(&merge(31), at(12, 2, 0)).unwrap();
    s.enqueue(&merge(30), at(12, 2, 1)).unwrap();
    assert_eq!(s.pending_events().unwrap(), 5);

    let run = s.start_run("cron", "incremental", at(12, 5, 0)).unwrap();
    let events = s.claim_events(run, 100, at(12, 5, 0), minutes(10)).unwrap();
    let summary: Vec<(&str, i64, Option<i64>)> = events
        .iter()
        .map(|e| (e.kind.as_str(), e.record_id, e.related_id))
        .collect();
    assert_eq!(
        summary,
        [
            ("ClientEdit", 12, None),
            ("InvoicePaid", 12, None),
            ("ClientEdit", 13, None),
            ("AfterClientMerge", 12, Some(30)),
            ("AfterClientMerge", 12, Some(31)),
        ]
    );
    // The collapsed event keeps its first time and the newest payload.
    assert_eq!(events[0].payload, r#"{"field":"country"}"#);
    assert_eq!(events[0].enqueued_at, at(12, 0, 0));
    assert!(
        events
            .iter()
            .all(|e| e.attempts == 1 && e.claimed_by == Some(run))
    );
}

fn queue_claims_acks_and_reclaims_after_timeout(f: &Fresh) {
    let mut s = f.state();
    let reclaim_after = minutes(10);
    for id in 1..=5 {
        s.enqueue(&NewEvent::new("InvoicePaid", id), at(12, 0, id as u32))
            .unwrap();
    }
    let killed_run = s.start_run("cron", "incremental", at(12, 1, 0)).unwrap();
    let first = s
        .claim_events(killed_run, 3, at(12, 1, 0), reclaim_after)
        .unwrap();
    assert_eq!(
        first.iter().map(|e| e.record_id).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert!(
        s.claim_events(killed_run, 0, at(12, 1, 0), reclaim_after)
            .unwrap()
            .is_empty()
    );

    // The same invoice changes again while its event is claimed: a new event, since the
    // claiming run may have read the invoice before the change.
    s.enqueue(&NewEvent::new("InvoicePaid", 1), at(12, 2, 0))
        .unwrap();
    assert_eq!(s.pending_events().unwrap(), 6);

    // Before the timeout another run only gets what nobody holds.
    let run = s.start_run("cron", "incremental", at(12, 5, 0)).unwrap();
    let second = s
        .claim_events(run, 100, at(12, 5, 0), reclaim_after)
        .unwrap();
    assert_eq!(
        second.iter().map(|e| e.record_id).collect::<Vec<_>>(),
        [4, 5, 1]
    );
    s.ack_events(&second.iter().map(|e| e.id).collect::<Vec<_>>())
        .unwrap();
    assert_eq!(s.pending_events().unwrap(), 3);
    assert!(
        s.claim_events(run, 100, at(12, 10, 59), reclaim_after)
            .unwrap()
            .is_empty()
    );

    // The first run was killed: its events come back after the timeout, nothing is lost.
    let next = s.start_run("cron", "incremental", at(12, 11, 0)).unwrap();
    let again = s
        .claim_events(next, 100, at(12, 11, 0), reclaim_after)
        .unwrap();
    assert_eq!(
        again.iter().map(|e| e.id).collect::<Vec<_>>(),
        first.iter().map(|e| e.id).collect::<Vec<_>>()
    );
    assert!(
        again
            .iter()
            .all(|e| e.attempts == 2 && e.claimed_by == Some(next))
    );
    let ids: Vec<i64> = again.iter().map(|e| e.id).collect();
    s.ack_events(&ids).unwrap();
    s.ack_events(&ids).unwrap();
    s.ack_events(&[]).unwrap();
    assert_eq!(s.pending_events().unwrap(), 0);
}

fn concurrent_claimers_never_share_an_event(f: &Fresh) {
    // Three runs claiming at once (the lock normally prevents it) while a hook enqueues: every
    // event is handed out exactly once, none is lost.
    let mut s = f.state();
    for id in 1..=60 {
        s.enqueue(&NewEvent::new("InvoicePaid", id), at(12, 0, 0))
            .unwrap();
    }
    let mut claimed: Vec<i64> = std::thread::scope(|scope| {
        let hook = scope.spawn(|| {
            let mut s = f.connect();
            for id in 61..=90 {
                s.enqueue(&NewEvent::new("InvoicePaid", id), at(12, 0, 30))
                    .unwrap();
            }
        });
        let workers: Vec<_> = (0..3)
            .map(|w| {
                scope.spawn(move || {
                    let mut s = f.connect();
                    let mut mine = Vec::new();
                    loop {
                        let events = s
                            .claim_events(100 + w, 4, at(12, 1, 0), minutes(60))
                            .unwrap();
                        if events.is_empty() {
                            return mine;
                        }
                        let ids: Vec<i64> = events.iter().map(|e| e.id).collect();
                        mine.extend(events.iter().map(|e| e.record_id));
                        s.ack_events(&ids).unwrap();
                    }
                })
            })
            .collect();
        hook.join().unwrap();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    // What the hook added after the workers ran dry is still there for the next run.
    let rest = s.claim_events(200, 100, at(12, 2, 0), minutes(60)).unwrap();
    claimed.extend(rest.iter().map(|e| e.record_id));
    claimed.sort_unstable();
    assert_eq!(claimed, (1..=90).collect::<Vec<_>>());
}

// ---------------------------------------------------------------------------------------------
// Settings

fn settings_round_trip(f: &Fresh) {
    let mut s = f.state();
    assert_eq!(s.load_settings().unwrap(), None);

    let mut settings = Settings {
        timezone: Some("Europe/London".into()),
        churn_at: ChurnAt::PeriodEnd,
        trial_products: vec![8, 9],
        trial_promotions: vec!["FREETRIAL".into()],
        ..Settings::default()
    };
    s.save_settings(&settings, at(12, 0, 0)).unwrap();
    assert_eq!(s.load_settings().unwrap(), Some(settings.clone()));
    settings.export_leads = false;
    s.save_settings(&settings, at(12, 1, 0)).unwrap();
    assert_eq!(f.connect().load_settings().unwrap(), Some(settings.clone()));

    let mut invalid = settings.clone();
    invalid.invoice_statuses = vec!["Payd".into()];
    let e = s.save_settings(&invalid, at(12, 2, 0)).unwrap_err();
    assert!(e.message.contains("invoice_statuses"), "{e}");
    assert_eq!(s.load_settings().unwrap(), Some(settings));

    // The CLI's TOML format, stored by hand, is read too.
    s.set_setting(
        "mapping",
        "export_leads = false\ntrial_products = [3]",
        at(12, 3, 0),
    )
    .unwrap();
    let loaded = s.load_settings().unwrap().unwrap();
    assert_eq!(
        (loaded.export_leads, loaded.trial_products),
        (false, vec![3])
    );

    // Text that no longer loads is reported, never replaced by defaults.
    s.set_setting("mapping", r#"{"export_leeds": true}"#, at(12, 4, 0))
        .unwrap();
    match s.load_settings() {
        Err(StateError::Corrupt { table, key, reason }) => {
            assert_eq!(table, "mod_chartmogul_settings");
            assert_eq!(key, "name \"mapping\"");
            assert!(reason.contains("export_leeds"), "{reason}");
        }
        other => panic!("expected a corrupt row, got {other:?}"),
    }

    assert_eq!(s.setting("log_retention_days").unwrap(), None);
    s.set_setting("log_retention_days", "90", at(12, 5, 0))
        .unwrap();
    assert_eq!(
        s.setting("log_retention_days").unwrap().as_deref(),
        Some("90")
    );
}

// ---------------------------------------------------------------------------------------------
// Log

fn log_filters_searches_and_pages(f: &Fresh) {
    let mut s = f.state();
    let run = s.start_run("cli", "backfill", at(12, 0, 0)).unwrap();
    let mut rejected = NewLogEntry::new(
        LogLevel::Error,
        "invoice.rejected",
        "Invoice 1042 was rejected: 100% discount",
    );
    rejected.record = Some(sync_core::RecordRef::new("tblinvoices", 1042));
    rejected.chartmogul_message = Some("The Due Date must be after the Invoice Date".into());
    rejected.run_id = Some(run);
    s.log(&rejected, at(12, 0, 1)).unwrap();
    s.log(
        &NewLogEntry::from_record_error(
            &RecordError::warning(
                "tblclients",
                7,
                Some("country"),
                "invalid_country",
                "unknown country \"UK\", sent without",
            ),
            Some(run),
        ),
        at(12, 0, 2),
    )
    .unwrap();
    let created: Vec<NewLogEntry> = (1..=30)
        .map(|i| {
            let mut e = NewLogEntry::new(
                LogLevel::Info,
                "customer.created",
                format!("Customer for client {i} created"),
            );
            e.record = Some(sync_core::RecordRef::new("tblclients", i));
            e
        })
        .collect();
    s.log_many(&created, at(12, 0, 3)).unwrap();
    s.log_many(&[], at(12, 0, 3)).unwrap();

    let all = s.query_log(&LogFilter::default()).unwrap();
    assert_eq!(all.total, 32);
    assert_eq!(all.entries.len(), 32);
    assert_eq!(all.entries[0].message, "Customer for client 30 created");
    assert_eq!(all.entries[31].kind, "invoice.rejected");

    let errors = s
        .query_log(&LogFilter {
            level: Some(LogLevel::Error),
            ..LogFilter::default()
        })
        .unwrap();
    assert_eq!(errors.total, 1);
    let e = &errors.entries[0];
    assert_eq!(e.at, at(12, 0, 1));
    assert_eq!(
        e.record,
        Some(sync_core::RecordRef::new("tblinvoices", 1042))
    );
    assert_eq!(
        e.chartmogul_message.as_deref(),
        Some("The Due Date must be after the Invoice Date")
    );
    assert_eq!(e.run_id, Some(run));

    let at_least_warnings = s
        .query_log(&LogFilter {
            min_level: Some(LogLevel::Warning),
            ..LogFilter::default()
        })
        .unwrap();
    assert_eq!(
        at_least_warnings
            .entries
            .iter()
            .map(|e| e.level)
            .collect::<Vec<_>>(),
        [LogLevel::Warning, LogLevel::Error]
    );
    assert_eq!(
        at_least_warnings.entries[0].message,
        "country: unknown country \"UK\", sent without"
    );

    let by_kind = s
        .query_log(&LogFilter {
            kind: Some("invalid_country".into()),
            ..LogFilter::default()
        })
        .unwrap();
    assert_eq!(by_kind.total, 1);

    let one_client = s
        .query_log(&LogFilter {
            table: Some("tblclients".into()),
            record_id: Some(7),
            ..LogFilter::default()
        })
        .unwrap();
    assert_eq!(
        one_client
            .entries
            .iter()
            .map(|e| e.kind.as_str())
            .collect::<Vec<_>>(),
        ["customer.created", "invalid_country"]
    );
    let by_run = s
        .query_log(&LogFilter {
            run_id: Some(run),
            ..LogFilter::default()
        })
        .unwrap();
    assert_eq!(by_run.total, 2);

    // Search: case-insensitive, in either message, wildcards taken literally.
    let search = |s: &mut State<Box<dyn Db>>, text: &str| {
        s.query_log(&LogFilter {
            search: Some(text.into()),
            ..LogFilter::default()
        })
        .unwrap()
        .total
    };
    assert_eq!(search(&mut s, "DUE DATE"), 1);
    assert_eq!(search(&mut s, "100%"), 1);
    assert_eq!(search(&mut s, "0% d"), 1);
    assert_eq!(search(&mut s, "%"), 1);
    assert_eq!(search(&mut s, "client_1"), 0);
    assert_eq!(search(&mut s, "client 1"), 11); // 1, 10–19
    assert_eq!(search(&mut s, ""), 32);

    // Paging: newest first, limit/offset, total across pages.
    let mut seen = Vec::new();
    for page in 0..4 {
        let p = s
            .query_log(&LogFilter {
                kind: Some("customer.created".into()),
                limit: 8,
                offset: page * 8,
                ..LogFilter::default()
            })
            .unwrap();
        assert_eq!(p.total, 30);
        seen.extend(p.entries.into_iter().map(|e| e.record.unwrap().id));
    }
    assert_eq!(seen, (1..=30).rev().collect::<Vec<_>>());
}

fn log_retention_purges_old_entries(f: &Fresh) {
    let mut s = f.state();
    let day = |d: u32| Utc.with_ymd_and_hms(2026, 1, d, 8, 0, 0).unwrap();
    for d in 1..=10 {
        s.log(
            &NewLogEntry::new(LogLevel::Info, "run.finished", format!("day {d}")),
            day(d),
        )
        .unwrap();
    }
    // Keep 7 days as of Jan 10: everything before Jan 3 08:00 goes.
    let now = day(10);
    assert_eq!(s.purge_log(now - TimeDelta::days(7)).unwrap(), 2);
    assert_eq!(s.purge_log(now - TimeDelta::days(7)).unwrap(), 0);
    let page = s.query_log(&LogFilter::default()).unwrap();
    assert_eq!(page.total, 8);
    assert_eq!(page.entries.last().unwrap().message, "day 3");
}

fn logged_text_is_redacted_by_the_caller(f: &Fresh) {
    let mut s = f.state();
    let key = "cm_live_d41d8cd98f00b204";
    let secret_pass = "hunter2!";
    let message = format!(
        "request failed: GET https://api.chartmogul.com/v1/data_sources?key={key} \
         (mysql://root:{secret_pass}@db/whmcs)"
    );
    let mut entry = NewLogEntry::new(
        LogLevel::Error,
        "http.failed",
        redact(&message, &[key, secret_pass]),
    );
    entry.chartmogul_message = Some(redact(&format!("invalid key {key}"), &[key]));
    s.log(&entry, at(12, 0, 0)).unwrap();
    let stored = &s.query_log(&LogFilter::default()).unwrap().entries[0];
    assert_eq!(
        stored.message,
        "request failed: GET https://api.chartmogul.com/v1/data_sources?key=[redacted] \
         (mysql://root:[redacted]@db/whmcs)"
    );
    assert_eq!(
        stored.chartmogul_message.as_deref(),
        Some("invalid key [redacted]")
    );
    assert_eq!(
        s.query_log(&LogFilter {
            search: Some(key.into()),
            ..LogFilter::default()
        })
        .unwrap()
        .total,
        0
    );
}

// ---------------------------------------------------------------------------------------------
// Lock

const LOCK: &str = "sync";

fn lock_refuses_a_second_holder_until_unlocked(f: &Fresh) {
    let lease = minutes(2);
    let mut cron = f.state();
    let mut cli = f.state();
    let now = at(12, 0, 0);
    assert_eq!(cron.lock_holder(LOCK, now).unwrap(), None);
    assert_eq!(
        cron.try_lock(LOCK, "cron pid 100 on web1", now, lease, &no_one_is_dead)
            .unwrap(),
        LockOutcome::Acquired
    );
    assert_eq!(
        cli.try_lock(LOCK, "cli pid 200 on web1", now, lease, &no_one_is_dead)
            .unwrap(),
        LockOutcome::HeldBy("cron pid 100 on web1".into())
    );
    let holder = cli.lock_holder(LOCK, now).unwrap().unwrap();
    assert_eq!(holder.holder, "cron pid 100 on web1");
    assert_eq!(holder.acquired_at, now);

    // The holder may take it again (extending its lease) and renew it.
    let later = at(12, 1, 0);
    assert_eq!(
        cron.try_lock(LOCK, "cron pid 100 on web1", later, lease, &no_one_is_dead)
            .unwrap(),
        LockOutcome::Acquired
    );
    assert!(
        cron.renew_lock(LOCK, "cron pid 100 on web1", at(12, 2, 0), lease)
            .unwrap()
    );
    let holder = cli.lock_holder(LOCK, at(12, 2, 0)).unwrap().unwrap();
    assert_eq!((holder.acquired_at, holder.expires_at), (now, at(12, 4, 0)));
    assert!(
        !cli.renew_lock(LOCK, "cli pid 200 on web1", at(12, 2, 0), lease)
            .unwrap()
    );

    // Someone else's unlock does nothing.
    cli.unlock(LOCK, "cli pid 200 on web1").unwrap();
    assert!(matches!(
        cli.try_lock(
            LOCK,
            "cli pid 200 on web1",
            at(12, 3, 0),
            lease,
            &no_one_is_dead
        )
        .unwrap(),
        LockOutcome::HeldBy(_)
    ));

    cron.unlock(LOCK, "cron pid 100 on web1").unwrap();
    assert_eq!(cli.lock_holder(LOCK, at(12, 3, 0)).unwrap(), None);
    assert_eq!(
        cli.try_lock(
            LOCK,
            "cli pid 200 on web1",
            at(12, 3, 0),
            lease,
            &no_one_is_dead
        )
        .unwrap(),
        LockOutcome::Acquired
    );
    assert_eq!(
        cron.try_lock(
            LOCK,
            "cron pid 100 on web1",
            at(12, 3, 0),
            lease,
            &no_one_is_dead
        )
        .unwrap(),
        LockOutcome::HeldBy("cli pid 200 on web1".into())
    );
    // Other lock names are independent.
    assert_eq!(
        cron.try_lock(
            "products",
            "cron pid 100 on web1",
            at(12, 3, 0),
            lease,
            &no_one_is_dead
        )
        .unwrap(),
        LockOutcome::Acquired
    );
    cli.unlock(LOCK, "cli pid 200 on web1").unwrap();
    cron.unlock("products", "cron pid 100 on web1").unwrap();
}

fn lock_of_a_dead_holder_is_taken_over(f: &Fresh) {
    let lease = minutes(2);
    let mut s = f.state();
    let mut killed = f.state();
    let now = at(12, 0, 0);
    assert_eq!(
        killed
            .try_lock(LOCK, "cli pid 4242 on web1", now, lease, &no_one_is_dead)
            .unwrap(),
        LockOutcome::Acquired
    );
    match s.dialect() {
        Dialect::Sqlite => {
            // The lease binds until it expires...
            let before_expiry = at(12, 1, 59);
            assert_eq!(
                s.try_lock(
                    LOCK,
                    "cron pid 7 on web1",
                    before_expiry,
                    lease,
                    &no_one_is_dead
                )
                .unwrap(),
                LockOutcome::HeldBy("cli pid 4242 on web1".into())
            );
            // ...unless the caller knows its holder is gone.
            let is_dead = |holder: &str| holder == "cli pid 4242 on web1";
            assert_eq!(
                s.try_lock(LOCK, "cron pid 7 on web1", before_expiry, lease, &is_dead)
                    .unwrap(),
                LockOutcome::Acquired
            );
            assert!(
                !killed
                    .renew_lock(LOCK, "cli pid 4242 on web1", before_expiry, lease)
                    .unwrap()
            );
            // After expiry it is taken over without asking.
            let expired = before_expiry + TimeDelta::minutes(2) + TimeDelta::seconds(1);
            assert_eq!(
                killed
                    .try_lock(
                        LOCK,
                        "cli pid 4243 on web1",
                        expired,
                        lease,
                        &no_one_is_dead
                    )
                    .unwrap(),
                LockOutcome::Acquired
            );
            assert!(
                !s.renew_lock(LOCK, "cron pid 7 on web1", expired, lease)
                    .unwrap()
            );
        }
        Dialect::MySql => {
            // The lease does not matter while the holding connection lives...
            let much_later = now + TimeDelta::minutes(20);
            assert_eq!(
                s.try_lock(LOCK, "cron pid 7 on web1", much_later, lease, &|_: &str| {
                    true
                })
                .unwrap(),
                LockOutcome::HeldBy("cli pid 4242 on web1".into())
            );
            // ...and the lock is free as soon as the connection is gone (kill -9 included).
            drop(killed);
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                match s
                    .try_lock(
                        LOCK,
                        "cron pid 7 on web1",
                        much_later,
                        lease,
                        &no_one_is_dead,
                    )
                    .unwrap()
                {
                    LockOutcome::Acquired => break,
                    LockOutcome::HeldBy(h) => {
                        assert!(Instant::now() < deadline, "still held by {h}");
                        std::thread::sleep(Duration::from_millis(50));
                    }
                }
            }
            let holder = s.lock_holder(LOCK, much_later).unwrap().unwrap();
            assert_eq!(holder.holder, "cron pid 7 on web1");
            assert!(
                s.renew_lock(LOCK, "cron pid 7 on web1", much_later, lease)
                    .unwrap()
            );
        }
    }
}

fn simultaneous_takers_get_the_lock_once(f: &Fresh) {
    // Overlapping cron ticks: each process tries once, exactly one wins. Each keeps its
    // connection open until all have tried (on MySQL closing it would free the lock).
    drop(f.state());
    let barrier = std::sync::Barrier::new(4);
    let outcomes: Vec<LockOutcome> = std::thread::scope(|scope| {
        let takers: Vec<_> = (0..4)
            .map(|i| {
                let barrier = &barrier;
                scope.spawn(move || {
                    let mut s = f.connect();
                    barrier.wait();
                    let lease = minutes(2);
                    let holder = format!("cron pid {i}");
                    let outcome = s
                        .try_lock(LOCK, &holder, at(12, 0, 0), lease, &no_one_is_dead)
                        .unwrap();
                    barrier.wait();
                    outcome
                })
            })
            .collect();
        takers.into_iter().map(|t| t.join().unwrap()).collect()
    });
    let won: Vec<usize> = (0..4)
        .filter(|&i| outcomes[i] == LockOutcome::Acquired)
        .collect();
    assert_eq!(won.len(), 1, "{outcomes:?}");
    for (i, o) in outcomes.iter().enumerate() {
        if i == won[0] {
            continue;
        }
        match o {
            LockOutcome::HeldBy(h) if *h == format!("cron pid {}", won[0]) => {}
            // On MySQL a loser may look between the winner's GET_LOCK and its lease row.
            LockOutcome::HeldBy(h)
                if f.source.starts_with("mysql:") && h.starts_with("MySQL connection ") => {}
            other => panic!("taker {i}: {other:?}"),
        }
    }
}

fn lock_names_are_scoped_to_the_database(f: &Fresh) {
    // Two WHMCS installs (databases) on one server each have their own lock.
    let other_install = match f.source.starts_with("sqlite:") {
        true => Fresh::sqlite(),
        false => Fresh::mariadb(),
    };
    let lease = minutes(2);
    let mut a = f.state();
    let mut b = other_install.state();
    let now = at(12, 0, 0);
    assert_eq!(
        a.try_lock(LOCK, "a", now, lease, &no_one_is_dead).unwrap(),
        LockOutcome::Acquired
    );
    assert_eq!(
        b.try_lock(LOCK, "b", now, lease, &no_one_is_dead).unwrap(),
        LockOutcome::Acquired
    );
    // A name long enough to be hashed on MySQL still works and stays distinct.
    let long = "x".repeat(120);
    assert_eq!(
        a.try_lock(&long, "a", now, lease, &no_one_is_dead).unwrap(),
        LockOutcome::Acquired
    );
    assert_eq!(
        f.state()
            .try_lock(&long, "c", now, lease, &no_one_is_dead)
            .unwrap(),
        LockOutcome::HeldBy("a".into())
    );
}
