//! What the commands share: the `--whmcs` source, the ChartMogul connection options, the API
//! key, the mapping settings and the process identity used for the sync lock.

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Timelike, Utc};
use http_transport::{HttpOptions, HttpTransport};
use sync_core::Settings;
use sync_core::chartmogul::retry::{Limits, RetryPolicy};
use sync_core::chartmogul::{Client, ClientConfig, Credentials};
use sync_core::db::Db;
use sync_core::state::{State, StateError};

use super::CliError;

/// ChartMogul's API, the `--chartmogul-url` default.
pub const DEFAULT_CHARTMOGUL_URL: &str = "https://api.chartmogul.com/v1";

/// The `--data-source` default.
pub const DEFAULT_DATA_SOURCE: &str = "WHMCS";

/// The environment variable the API key is read from when `--api-key` is not given.
pub const API_KEY_ENV: &str = "CHARTMOGUL_API_KEY";

/// `--whmcs SOURCE`.
#[derive(clap::Args, Debug, Clone)]
pub struct SourceArgs {
    /// The WHMCS database: sqlite:PATH or mysql://user:pass@host:port/db
    #[arg(long, value_name = "SOURCE")]
    pub whmcs: String,
}

/// How to reach ChartMogul.
#[derive(clap::Args, Debug, Clone)]
pub struct ChartMogulArgs {
    /// ChartMogul API base URL
    #[arg(long, value_name = "URL", default_value = DEFAULT_CHARTMOGUL_URL)]
    pub chartmogul_url: String,
    /// ChartMogul API key (default: $CHARTMOGUL_API_KEY); TOKEN:SECRET for a legacy pair
    #[arg(long, value_name = "KEY")]
    pub api_key: Option<String>,
    /// ChartMogul data source name
    #[arg(long, value_name = "NAME", default_value = DEFAULT_DATA_SOURCE)]
    pub data_source: String,
    /// How long one ChartMogul call may keep retrying before the run stops, in seconds
    #[arg(long, value_name = "SECONDS", default_value_t = 60, hide = true)]
    pub retry_budget: u64,
}

impl ChartMogulArgs {
    /// The API key from `--api-key` or `CHARTMOGUL_API_KEY`; a usage error when neither is set.
    pub fn api_key(&self) -> Result<String, CliError> {
        let key = match &self.api_key {
            Some(k) => k.trim().to_string(),
            None => std::env::var(API_KEY_ENV)
                .unwrap_or_default()
                .trim()
                .to_string(),
        };
        if key.is_empty() {
            return Err(CliError::usage(format!(
                "no ChartMogul API key: pass --api-key KEY or set {API_KEY_ENV} \
                 (ChartMogul → Profile → API keys; the key needs Read & Write access)"
            )));
        }
        Ok(key)
    }

    /// A ChartMogul client over the real HTTP transport, within ChartMogul's rate limits.
    pub fn client(&self, key: &str) -> Result<Client<HttpTransport>, CliError> {
        let url = self.chartmogul_url.trim();
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(CliError::usage(format!(
                "--chartmogul-url must be an http(s) URL such as {DEFAULT_CHARTMOGUL_URL}, got {url:?}"
            )));
        }
        let budget = Duration::from_secs(self.retry_budget);
        Ok(client(url, key, Limits::default(), budget))
    }
}

/// A client for `base_url` with `limits`; `retry_budget` bounds how long one call retries.
pub fn client(
    base_url: &str,
    key: &str,
    limits: Limits,
    retry_budget: Duration,
) -> Client<HttpTransport> {
    let transport = HttpTransport::new(HttpOptions {
        limits,
        // A single request never waits longer than the whole retry budget allows.
        request_timeout: HttpOptions::default()
            .request_timeout
            .min(retry_budget.max(Duration::from_secs(1))),
        ..HttpOptions::default()
    });
    let mut config = ClientConfig::new(base_url, credentials(key));
    config.limits = limits;
    config.retry = RetryPolicy {
        budget: retry_budget,
        ..RetryPolicy::default()
    };
    Client::new(transport, config)
}

/// `TOKEN:SECRET` is the legacy account-token pair (ChartMogul API keys contain no colon).
fn credentials(key: &str) -> Credentials {
    match key.split_once(':') {
        Some((token, secret)) if !token.is_empty() && !secret.is_empty() => {
            Credentials::AccountToken {
                token: token.to_string(),
                secret: secret.to_string(),
            }
        }
        _ => Credentials::ApiKey(key.to_string()),
    }
}

/// The password in a `mysql://user:pass@host/db` source, to keep it out of messages.
pub fn source_secret(source: &str) -> Option<String> {
    let rest = source.split_once("://")?.1;
    let userinfo = rest.split('/').next()?.rsplit_once('@')?.0;
    let password = userinfo.split_once(':')?.1;
    (!password.is_empty()).then(|| password.to_string())
}

/// The source as it may be shown: the password replaced.
pub fn display_source(source: &str) -> String {
    match source_secret(source) {
        Some(p) => sync_core::state::redact(source, &[p.as_str()]),
        None => source.trim().to_string(),
    }
}

/// Opens the WHMCS database named by `--whmcs`. A source of the wrong form, or an SQLite file
/// that does not exist, is a usage error (opening would create an empty file); a database that
/// cannot be reached is a failure.
pub fn open_source(source: &str) -> Result<Box<dyn Db>, CliError> {
    let source = source.trim();
    if source.starts_with("http://") || source.starts_with("https://") {
        return Err(CliError::usage(
            "reading WHMCS through its remote API (a WHMCS URL with --identifier/--secret) is \
             not supported yet; point --whmcs at the WHMCS database instead: sqlite:PATH or \
             mysql://user:pass@host:port/db",
        ));
    }
    if let Some(path) = source.strip_prefix("sqlite:") {
        let path = path.strip_prefix("//").unwrap_or(path);
        if path.is_empty() {
            return Err(CliError::usage(
                "--whmcs sqlite: needs a file path, e.g. sqlite:whmcs.db",
            ));
        }
        if path != ":memory:" && !Path::new(path).is_file() {
            return Err(CliError::usage(format!(
                "--whmcs {source}: no such SQLite database file"
            )));
        }
    } else if !(source.starts_with("mysql://") || source.starts_with("mariadb://")) {
        return Err(CliError::usage(format!(
            "--whmcs must be sqlite:PATH or mysql://user:pass@host:port/db, got {:?}",
            display_source(source)
        )));
    }
    crate::db::open(source).map_err(|e| {
        CliError::failed(format!(
            "cannot open the WHMCS database {}: {e}",
            display_source(source)
        ))
    })
}

/// The mapping settings saved in the database by the addon, else the defaults (used when no
/// `--config` file is given). The state tables must exist (see [`State::migrate`]).
pub fn saved_settings(db: &mut dyn Db) -> Result<Settings, CliError> {
    match State::new(db).load_settings() {
        Ok(Some(s)) => Ok(s),
        Ok(None) => Ok(Settings::default()),
        Err(e @ StateError::Corrupt { .. }) => Err(CliError::usage(format!(
            "the settings saved in the database do not load ({e}); fix them in the addon's \
             Settings tab or pass --config FILE"
        ))),
        Err(e) => Err(CliError::failed(format!(
            "cannot read the saved settings: {e}"
        ))),
    }
}

/// Reads a `--config` file: mapping.md §10 names; unknown keys and wrong types are usage
/// errors naming the key.
pub fn settings_file(path: &Path) -> Result<Settings, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::usage(format!("cannot read --config {}: {e}", path.display())))?;
    Settings::from_toml(&text)
        .map_err(|e| CliError::usage(format!("--config {}: {}", path.display(), e.0)))
}

/// Whether the engine's `mod_chartmogul_*` tables exist (a database never synced has none).
/// Read-only commands check this instead of creating tables.
pub fn has_state(db: &mut dyn Db) -> bool {
    State::new(db).schema_version().is_ok()
}

/// Brings existing state tables up to date (a no-op normally), so an older database can
/// be read by this engine.
pub fn migrate(db: &mut dyn Db) -> Result<(), CliError> {
    State::new(db)
        .migrate()
        .map(|_| ())
        .map_err(|e| CliError::failed(format!("cannot prepare the sync state tables: {e}")))
}

/// The current UTC time (whole seconds: the state stores no fractions).
pub fn now() -> DateTime<Utc> {
    let t = DateTime::<Utc>::from(std::time::SystemTime::now());
    t.with_nanosecond(0).unwrap_or(t)
}

/// This machine's name, for lock holders (`host:pid`).
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_string())
}

/// Whether the process named by a lock holder `host:pid` is gone: it ran on this host and
/// its pid no longer exists. Holders on other hosts, and hosts without `/proc`, are never
/// declared dead (their lease expires instead).
pub fn holder_is_dead(holder: &str) -> bool {
    let Some((host, pid)) = holder.rsplit_once(':') else {
        return false;
    };
    let Ok(pid) = pid.trim().parse::<u32>() else {
        return false;
    };
    if host != hostname() || pid == std::process::id() || !Path::new("/proc/self").exists() {
        return false;
    }
    // Thread ids share the pid space and show up in /proc too, and pids are reused: the holder
    // lives only if `pid` is a process (Tgid = pid) running this same program.
    let status = |p: &str| std::fs::read_to_string(format!("/proc/{p}/status")).ok();
    let field = |text: &str, key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key))
            .map(|v| v.trim().to_string())
    };
    let Some(theirs) = status(&pid.to_string()) else {
        return true;
    };
    let ours = status("self").unwrap_or_default();
    let is_process = field(&theirs, "Tgid:").as_deref() == Some(pid.to_string().as_str());
    let same_program = field(&theirs, "Name:") == field(&ours, "Name:");
    !(is_process && same_program)
}

/// Milliseconds as whole seconds with one decimal: `2.4 s`.
pub fn seconds(ms: u128) -> String {
    format!("{:.1} s", ms as f64 / 1000.0)
}

/// Cents as an amount with two decimals (`-12.05`).
pub fn money(cents: i64) -> String {
    sync_core::Cents(cents).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_password_is_found_and_hidden() {
        let s = "mysql://whmcs:s3cr%21t@db.example:3306/whmcs";
        assert_eq!(source_secret(s).as_deref(), Some("s3cr%21t"));
        assert_eq!(
            display_source(s),
            "mysql://whmcs:[redacted]@db.example:3306/whmcs"
        );
        assert_eq!(source_secret("mysql://root@localhost/db"), None);
        assert_eq!(source_secret("sqlite:/tmp/a:b@c.db"), None);
    }

    #[test]
    fn only_a_gone_process_on_this_host_is_a_dead_holder() {
        let me = format!("{}:{}", hostname(), std::process::id());
        assert!(!holder_is_dead(&me));
        assert!(!holder_is_dead("some-other-host:4242"));
        assert!(!holder_is_dead("no pid here"));
        // Pids wrap far below this on Linux.
        assert!(holder_is_dead(&format!("{}:{}", hostname(), u32::MAX - 1)));
    }

    #[test]
    fn a_colon_in_the_key_means_the_legacy_token_pair() {
        assert!(matches!(credentials("abc"), Credentials::ApiKey(_)));
        assert!(matches!(
            credentials("tok:sec"),
            Credentials::AccountToken { .. }
        ));
    }
}
