//! A seeded database read back for mapping tests and benchmarks: the settings and "today" the
//! seed wrote into `seed_meta`, the catalogue and every client bundle.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use sync_core::Settings;
use sync_core::db::{Db, Value};
use sync_core::read::Reader;
use sync_core::whmcs::{Catalog, ClientBundle};

/// What a seeded database holds, ready for `map_client`.
pub struct Loaded {
    pub settings: Settings,
    /// Midnight UTC of the seed's "today".
    pub now: DateTime<Utc>,
    pub catalog: Catalog,
    pub bundles: Vec<ClientBundle>,
}

fn meta(db: &mut dyn Db, key: &str) -> Result<String, String> {
    let rows = db
        .query(
            "SELECT `value` FROM `seed_meta` WHERE `key` = ?",
            &[key.into()],
        )
        .map_err(|e| e.to_string())?;
    match rows.first().and_then(|r| r.first()) {
        Some(Value::Text(s)) => Ok(s.clone()),
        other => Err(format!("seed_meta {key}: {other:?}")),
    }
}

/// Reads a database written by `whmcs-chartmogul seed` (`sqlite:…` or `mysql://…`).
pub fn load(source: &str) -> Result<Loaded, String> {
    let mut db = crate::db::open(source).map_err(|e| e.to_string())?;
    let settings =
        Settings::from_toml(&meta(db.as_mut(), "settings_toml")?).map_err(|e| e.0.clone())?;
    let today = NaiveDate::parse_from_str(&meta(db.as_mut(), "today")?, "%Y-%m-%d")
        .map_err(|e| e.to_string())?;
    let now = Utc.from_utc_datetime(&today.and_hms_opt(0, 0, 0).expect("midnight exists"));
    let mut reader = Reader::new(db);
    let (catalog, _) = reader.catalog().map_err(|e| e.to_string())?;
    let mut bundles = Vec::new();
    for page in reader.bundles() {
        bundles.extend(page.map_err(|e| e.to_string())?.bundles);
    }
    Ok(Loaded {
        settings,
        now,
        catalog,
        bundles,
    })
}
