//! Settings the engine stores for the addon (its Settings and Trial tabs), and other small
//! named values the addon keeps beside them.
//!
//! Contract: the mapping [`Settings`] are stored whole, as JSON, under the name
//! [`MAPPING_SETTINGS`] in `mod_chartmogul_settings`; TOML text (the CLI's `--config` format)
//! stored there by hand is read too. Only valid settings are saved, so what was saved always
//! loads; text that no longer loads (edited by hand, written by a newer engine with keys this
//! one does not know) is a [`StateError::Corrupt`] naming the key, never silently replaced by
//! defaults. Secrets (API keys) are not stored here: WHMCS keeps them encrypted in
//! `tbladdonmodules`.

use chrono::{DateTime, Utc};

use crate::db::{Db, DbError, Value};
use crate::settings::Settings;

use super::schema::SETTINGS;
use super::{State, StateError, check_len, col_text, format_time, incoming, upsert_sql};

/// The name the mapping settings are stored under.
pub const MAPPING_SETTINGS: &str = "mapping";

impl<D: Db> State<D> {
    /// The stored mapping settings; `None` when none were saved (the caller applies
    /// defaults or its `--config` file).
    pub fn load_settings(&mut self) -> Result<Option<Settings>, StateError> {
        let Some(text) = self.setting(MAPPING_SETTINGS)? else {
            return Ok(None);
        };
        let bad = |reason: String| {
            StateError::corrupt(SETTINGS, format!("name {MAPPING_SETTINGS:?}"), reason)
        };
        let settings = if text.trim_start().starts_with('{') {
            let s: Settings = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
            s.validate().map_err(|e| bad(e.to_string()))?;
            s
        } else {
            Settings::from_toml(&text).map_err(|e| bad(e.to_string()))?
        };
        Ok(Some(settings))
    }

    /// Stores the mapping settings (replacing any), stamped `now`. Settings that fail
    /// [`Settings::validate`] are refused with the configuration error, so a later
    /// [`State::load_settings`] cannot fail on them.
    pub fn save_settings(&mut self, s: &Settings, now: DateTime<Utc>) -> Result<(), DbError> {
        s.validate()
            .map_err(|e| DbError::new(format!("settings not saved: {e}")))?;
        let json = serde_json::to_string(s)
            .map_err(|e| DbError::new(format!("settings not saved: {e}")))?;
        self.set_setting(MAPPING_SETTINGS, &json, now)
    }

    /// A small named value stored beside the settings (e.g. the log retention in days);
    /// `None` when not set.
    pub fn setting(&mut self, name: &str) -> Result<Option<String>, DbError> {
        let rows = self.db.query(
            "SELECT `value` FROM `mod_chartmogul_settings` WHERE `name` = ?",
            &[Value::from(name)],
        )?;
        match rows.first() {
            Some(row) => Ok(Some(col_text(row, 0, "value").map_err(|e| {
                StateError::corrupt(SETTINGS, format!("name {name:?}"), e)
            })?)),
            None => Ok(None),
        }
    }

    /// Stores a named value (replacing any), stamped `now`. [`MAPPING_SETTINGS`] is written by
    /// [`State::save_settings`]; writing it here skips validation.
    pub fn set_setting(
        &mut self,
        name: &str,
        value: &str,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        check_len("setting name", name, 191)?;
        let dialect = self.dialect();
        let sql = upsert_sql(
            dialect,
            SETTINGS,
            &["name", "value", "updated_at"],
            &["name"],
            1,
            &[
                ("value", incoming(dialect, "value")),
                ("updated_at", incoming(dialect, "updated_at")),
            ],
        );
        self.db.execute(
            &sql,
            &[
                Value::from(name),
                Value::from(value),
                Value::Text(format_time(now)),
            ],
        )?;
        Ok(())
    }
}
