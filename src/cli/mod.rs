//! The product commands of `whmcs-chartmogul`: `sync`, `status`, `logs`, `reconcile` and
//! `demo` (the `seed` and `sim` tools live in [`crate::seed`] and [`crate::sim`]).
//!
//! Contract, shared by every command here:
//! - Each command module has `run(&Args) -> u8`: it does the work, prints the result and
//!   returns the exit status — [`EXIT_OK`] (everything synced / everything matches) or
//!   [`EXIT_REJECTED`] (the run finished but records were rejected, or MRR differs). Failures
//!   are [`CliError`]s carrying [`EXIT_FAILED`] (the run failed: nothing is lost, the next run
//!   resumes) or [`EXIT_USAGE`] (bad usage or configuration) and a message an operator can
//!   act on, printed on stderr by [`finish`].
//! - `SOURCE` is `sqlite:PATH` or `mysql://user:pass@host:port/db`; the WHMCS remote-API form
//!   (an `http(s)://` WHMCS URL) is refused with [`EXIT_USAGE`] until it exists.
//! - Secrets never reach the output: error messages pass through [`CliError::redacted`] with
//!   the API key and the database password before anyone prints them.
//! - With `--json`, stdout carries exactly one JSON object — the result, or
//!   `{"error": {"exit_code": N, "message": …}}` — and human text goes to stderr only.
//! - Progress bars ([`progress`]) draw on stderr when it is a terminal, and nothing otherwise.

pub mod demo;
pub mod logs;
pub mod progress;
pub mod reconcile;
pub mod status;
pub mod sync;

mod common;
mod table;

pub use self::common::{
    ChartMogulArgs, DEFAULT_CHARTMOGUL_URL, DEFAULT_DATA_SOURCE, SourceArgs, hostname,
};

/// Everything synced, everything matches.
pub const EXIT_OK: u8 = 0;
/// The run failed; nothing is lost and the next run resumes.
pub const EXIT_FAILED: u8 = 1;
/// Bad usage or configuration.
pub const EXIT_USAGE: u8 = 2;
/// The run finished but some records were rejected (sync), or MRR differs (reconcile).
pub const EXIT_REJECTED: u8 = 3;

/// Shortest secret [`CliError::redacted`] hides.
pub const MIN_SECRET_LEN: usize = 4;

/// Why a command stopped early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError {
    /// [`EXIT_FAILED`] or [`EXIT_USAGE`].
    pub code: u8,
    pub message: String,
}

impl CliError {
    /// Bad usage or configuration (exit status 2).
    pub fn usage(message: impl Into<String>) -> Self {
        CliError {
            code: EXIT_USAGE,
            message: message.into(),
        }
    }

    /// The work failed (exit status 1).
    pub fn failed(message: impl Into<String>) -> Self {
        CliError {
            code: EXIT_FAILED,
            message: message.into(),
        }
    }

    /// The same error with every secret replaced by `[redacted]`. Secrets shorter than
    /// [`MIN_SECRET_LEN`] are left alone: no real key or password is that short, and
    /// replacing every `k` in a message would make it unreadable without protecting anything.
    pub fn redacted(self, secrets: &[String]) -> Self {
        let secrets: Vec<&str> = secrets
            .iter()
            .map(String::as_str)
            .filter(|s| s.chars().count() >= MIN_SECRET_LEN)
            .collect();
        CliError {
            code: self.code,
            message: sync_core::state::redact(&self.message, &secrets),
        }
    }
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Prints a command's outcome the way the contract says and returns the exit status:
/// the error on stderr (prefixed with the command), and with `json` also as the one object
/// on stdout.
pub fn finish(command: &str, json: bool, result: Result<u8, CliError>) -> u8 {
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("whmcs-chartmogul {command}: {}", e.message);
            if json {
                println!(
                    "{}",
                    serde_json::json!({ "error": { "exit_code": e.code, "message": e.message } })
                );
            }
            e.code
        }
    }
}
