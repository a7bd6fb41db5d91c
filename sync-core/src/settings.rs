//! The mapping settings of mapping.md §10, as one typed value.
//!
//! Contract: the same names everywhere — the addon's Settings tab, the CLI's `--config` TOML
//! file and this struct. Unknown keys and wrong types are configuration errors naming the key.

use serde::{Deserialize, Serialize};

/// How domains are exported (mapping.md §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DomainMode {
    #[default]
    Subscription,
    OneTime,
    Exclude,
}

/// When an ended service churns (mapping.md §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChurnAt {
    #[default]
    Termination,
    PeriodEnd,
}

/// All mapping settings with their defaults (mapping.md §10).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// IANA zone of WHMCS's wall-clock dates; `None` = the WHMCS server's zone, else UTC.
    pub timezone: Option<String>,
    pub invoice_statuses: Vec<String>,
    pub export_zero_invoices: bool,
    pub export_leads: bool,
    pub propagate_deletions: bool,
    pub plan_name_prefix_group: bool,
    pub domains: DomainMode,
    pub churn_at: ChurnAt,
    pub suspended_is_active: bool,
    pub detect_free_first_period: bool,
    pub trial_line_items: bool,
    pub trial_products: Vec<i64>,
    pub trial_addons: Vec<i64>,
    pub trial_promotions: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            timezone: None,
            invoice_statuses: vec!["Paid".to_string(), "Refunded".to_string()],
            export_zero_invoices: false,
            export_leads: true,
            propagate_deletions: true,
            plan_name_prefix_group: false,
            domains: DomainMode::Subscription,
            churn_at: ChurnAt::Termination,
            suspended_is_active: true,
            detect_free_first_period: true,
            trial_line_items: false,
            trial_products: Vec::new(),
            trial_addons: Vec::new(),
            trial_promotions: Vec::new(),
        }
    }
}

/// A settings file or value that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("configuration error: {0}")]
pub struct SettingsError(pub String);

const STATUSES: [&str; 7] = [
    "Draft",
    "Unpaid",
    "Paid",
    "Cancelled",
    "Refunded",
    "Collections",
    "Payment Pending",
];

impl Settings {
    /// Parses the `--config` TOML file; unknown keys and wrong types name the key.
    pub fn from_toml(text: &str) -> Result<Settings, SettingsError> {
        let s: Settings = toml::from_str(text)
            .map_err(|e| SettingsError(e.message().to_string() + &span_hint(text, e.span())))?;
        s.validate()?;
        Ok(s)
    }

    /// Checks values serde cannot: the zone name and the invoice statuses.
    pub fn validate(&self) -> Result<(), SettingsError> {
        if let Some(tz) = &self.timezone {
            crate::dates::Zone::parse(tz).map_err(|e| SettingsError(format!("timezone: {e}")))?;
        }
        for s in &self.invoice_statuses {
            if !STATUSES.contains(&s.as_str()) {
                return Err(SettingsError(format!(
                    "invoice_statuses: unknown invoice status {s:?} (expected one of {})",
                    STATUSES.join(", ")
                )));
            }
        }
        Ok(())
    }

    pub fn exports_status(&self, status: &str) -> bool {
        self.invoice_statuses.iter().any(|s| s == status)
    }
}

/// Where in the file the error is: the line, and the key set on it.
fn span_hint(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    match span {
        Some(r) => {
            let start = r.start.min(text.len());
            let line = text[..start].matches('\n').count() + 1;
            let line_text = text.lines().nth(line - 1).unwrap_or_default();
            match line_text.split_once('=') {
                Some((key, _)) if !key.trim().is_empty() => {
                    format!(" (key `{}`, line {line})", key.trim())
                }
                _ => format!(" (line {line})"),
            }
        }
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_example_parses() {
        let s = Settings::from_toml(
            r#"
timezone = "UTC"
invoice_statuses = ["Paid", "Refunded"]
export_zero_invoices = false
export_leads = true
propagate_deletions = true
plan_name_prefix_group = false
domains = "subscription"
churn_at = "termination"
suspended_is_active = true
detect_free_first_period = true
trial_line_items = false
trial_products = [8]
trial_addons = []
trial_promotions = ["FREETRIAL"]
"#,
        )
        .unwrap();
        assert_eq!(s.trial_products, vec![8]);
        assert_eq!(s.trial_promotions, vec!["FREETRIAL".to_string()]);
        assert_eq!(Settings::from_toml("").unwrap(), Settings::default());
    }

    #[test]
    fn unknown_keys_and_wrong_types_name_the_key() {
        let e = Settings::from_toml("export_leeds = true").unwrap_err();
        assert!(e.0.contains("export_leeds"), "{e}");
        let e = Settings::from_toml("export_leads = \"yes\"").unwrap_err();
        assert!(e.to_string().contains("key `export_leads`, line 1"), "{e}");
        let e = Settings::from_toml("domains = \"sometimes\"").unwrap_err();
        assert!(e.0.contains("sometimes"), "{e}");
        let e = Settings::from_toml("timezone = \"Nowhere/Town\"").unwrap_err();
        assert!(e.0.contains("timezone"), "{e}");
        let e = Settings::from_toml("invoice_statuses = [\"Payd\"]").unwrap_err();
        assert!(e.0.contains("invoice_statuses"), "{e}");
    }
}
