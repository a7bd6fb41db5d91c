//! The committed schema files: the MySQL file is the verbatim WHMCS DDL, the SQLite file is its
//! reproducible translation, and both create the same tables and columns.

mod common;

use std::collections::BTreeSet;

use common::{db, mysql_schema_text, parse_mysql_schema, repo_root, schema, translate_to_sqlite};
use sync_core::db::Value;

#[test]
fn mysql_schema_is_the_reference_copy() {
    let reference = repo_root().join("../shared/reference/whmcs-schema.sql");
    // The shared reference exists in the project's working tree, not in every checkout.
    if let Ok(text) = std::fs::read_to_string(&reference) {
        assert!(
            text == mysql_schema_text(),
            "schema/whmcs-schema.mysql.sql differs from {}",
            reference.display()
        );
    }
    assert_eq!(db::MYSQL_SCHEMA, mysql_schema_text());
    assert!(
        schema().len() >= 40,
        "parsed only {} tables",
        schema().len()
    );
}

#[test]
fn sqlite_schema_is_the_translation_of_the_mysql_one() {
    let path = repo_root().join("schema/whmcs-schema.sqlite.sql");
    let expected = translate_to_sqlite(&mysql_schema_text());
    if std::env::var_os("WHMCS_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &expected).expect("write sqlite schema");
    }
    let committed = std::fs::read_to_string(&path).expect("schema/whmcs-schema.sqlite.sql");
    assert!(
        committed == expected,
        "schema/whmcs-schema.sqlite.sql is stale: run WHMCS_UPDATE_SCHEMA=1 cargo test --test schema"
    );
    assert_eq!(db::SQLITE_SCHEMA, committed);
}

#[test]
fn every_mysql_table_and_column_exists_in_sqlite() {
    let mut sqlite = db::open("sqlite::memory:").expect("memory db");
    db::create_whmcs_schema(&mut *sqlite).expect("sqlite schema");
    for t in schema() {
        let rows = sqlite
            .query(&format!("PRAGMA table_info(`{}`)", t.name), &[])
            .expect("table_info");
        let have: BTreeSet<String> = rows
            .iter()
            .map(|r| match &r[1] {
                Value::Text(s) => s.clone(),
                v => panic!("column name {v}"),
            })
            .collect();
        let want: BTreeSet<String> = t.columns.iter().map(|c| c.name.clone()).collect();
        assert_eq!(have, want, "columns of {}", t.name);
        // Same defaults, exact text included (a decimal default must not turn into a REAL).
        for r in &rows {
            let Value::Text(name) = &r[1] else {
                unreachable!()
            };
            let col = t.column(name).expect("column");
            let dflt = match &r[4] {
                Value::Null => None,
                Value::Text(s) if s.eq_ignore_ascii_case("NULL") => None,
                Value::Text(s) => Some(s.clone()),
                v => panic!("default {v}"),
            };
            let want = col
                .default
                .as_ref()
                .filter(|d| !d.eq_ignore_ascii_case("NULL"))
                .map(|d| {
                    if d.starts_with('\'') || common::sqlite_type(col) != "TEXT" {
                        d.clone()
                    } else {
                        format!("'{d}'")
                    }
                });
            if !col.auto_increment {
                assert_eq!(dflt, want, "default of {}.{}", t.name, name);
            }
        }
    }
}

#[test]
fn decimal_defaults_stay_exact_text_in_sqlite() {
    let mut sqlite = db::open("sqlite::memory:").expect("memory db");
    db::create_whmcs_schema(&mut *sqlite).expect("sqlite schema");
    common::insert(
        &mut *sqlite,
        "tbldomainpricing",
        &[("extension", ".com".into())],
    );
    let rows = sqlite
        .query("SELECT `grace_period_fee`, `redemption_grace_period_fee`, `created_at` FROM `tbldomainpricing`", &[])
        .expect("select");
    assert_eq!(
        rows,
        vec![vec![
            Value::Text("0.00".into()),
            Value::Text("-1.00".into()),
            Value::Text("0000-00-00 00:00:00".into())
        ]]
    );
}

#[test]
fn parser_reads_types_defaults_and_indexes() {
    let tables = parse_mysql_schema(
        "CREATE TABLE `t` (\n  `id` int(10) unsigned NOT NULL AUTO_INCREMENT,\n  `s` enum('A b','C') COLLATE x NOT NULL DEFAULT 'A b',\n  `m` decimal(16,2) NOT NULL DEFAULT 0.00,\n  PRIMARY KEY (`id`),\n  KEY `sm` (`s`(3),`m`)\n) ENGINE=InnoDB;",
    );
    let t = &tables[0];
    assert_eq!(t.columns.len(), 3);
    assert!(t.columns[0].auto_increment && t.columns[0].unsigned);
    assert_eq!(t.columns[1].ty, "enum('A b','C')");
    assert_eq!(t.columns[1].default.as_deref(), Some("'A b'"));
    assert_eq!(t.columns[2].default.as_deref(), Some("0.00"));
    assert_eq!(t.indexes[0].columns, vec!["s".to_string(), "m".to_string()]);
    let sqlite = translate_to_sqlite(
        "CREATE TABLE `t` (\n  `id` int(10) NOT NULL AUTO_INCREMENT,\n  `m` decimal(16,2) NOT NULL DEFAULT 0.00,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB;",
    );
    assert!(
        sqlite.contains(
            "`id` INTEGER PRIMARY KEY AUTOINCREMENT,\n  `m` TEXT NOT NULL DEFAULT '0.00'\n);"
        ),
        "{sqlite}"
    );
}
