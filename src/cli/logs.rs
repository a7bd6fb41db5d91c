//! `whmcs-chartmogul logs`: the sync log of one WHMCS database, newest first.
//!
//! Contract: read-only; `--level` keeps entries of that level and more serious (`warning` =
//! warnings and errors), `--kind` one kind, `--search` text in our message or ChartMogul's,
//! `--limit` the newest N (default 50). Each entry shows when, level, kind, the WHMCS record
//! and run it is about, our message and ChartMogul's own message. A database never synced has
//! an empty log. Exit status 0 whenever the log could be read; 2 for an unknown level.

use serde::Serialize;
use sync_core::state::{LogEntry, LogFilter, LogLevel, State, format_time};

use super::common::{self, SourceArgs};
use super::{CliError, EXIT_OK};

/// `whmcs-chartmogul logs` options.
#[derive(clap::Args, Debug, Clone)]
pub struct LogsArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// info, warning or error: entries of this level and more serious
    #[arg(long, value_name = "LEVEL", value_parser = parse_level)]
    pub level: Option<LogLevel>,
    /// Only entries of this kind (e.g. invalid_country, invoice.rejected)
    #[arg(long, value_name = "KIND")]
    pub kind: Option<String>,
    /// Only entries whose message or ChartMogul's message contains TEXT
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,
    /// At most this many entries, newest first
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub limit: usize,
    /// Print one JSON object on stdout
    #[arg(long)]
    pub json: bool,
}

fn parse_level(s: &str) -> Result<LogLevel, String> {
    LogLevel::parse(&s.to_ascii_lowercase())
        .ok_or_else(|| format!("expected info, warning or error, got {s:?}"))
}

/// One entry as printed.
#[derive(Debug, Serialize)]
pub struct EntryView {
    pub id: i64,
    pub at: String,
    pub level: LogLevel,
    pub kind: String,
    /// `tblinvoiceitems #5599`
    pub record: Option<String>,
    pub message: String,
    pub chartmogul_message: Option<String>,
    pub run_id: Option<i64>,
}

/// What `--json` prints.
#[derive(Debug, Serialize)]
pub struct LogsOutput {
    /// Entries matching the filter in all (more than shown when `--limit` cut them).
    pub total: u64,
    pub entries: Vec<EntryView>,
}

/// Runs the command; returns the exit status (errors already printed).
pub fn run(args: &LogsArgs) -> u8 {
    let secrets: Vec<String> = common::source_secret(&args.source.whmcs)
        .into_iter()
        .collect();
    let result = execute(args).map_err(|e| e.redacted(&secrets));
    super::finish("logs", args.json, result)
}

fn execute(args: &LogsArgs) -> Result<u8, CliError> {
    let mut db = common::open_source(&args.source.whmcs)?;
    let output = if common::has_state(db.as_mut()) {
        common::migrate(db.as_mut())?;
        let page = State::new(db.as_mut())
            .query_log(&LogFilter {
                min_level: args.level,
                kind: args.kind.clone(),
                search: args.search.clone(),
                limit: args.limit,
                ..LogFilter::default()
            })
            .map_err(|e| CliError::failed(format!("cannot read the sync log: {e}")))?;
        LogsOutput {
            total: page.total,
            entries: page.entries.iter().map(view).collect(),
        }
    } else {
        LogsOutput {
            total: 0,
            entries: Vec::new(),
        }
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string(&output).map_err(|e| CliError::failed(e.to_string()))?
        );
    } else {
        print!("{}", human(&output));
    }
    Ok(EXIT_OK)
}

fn view(e: &LogEntry) -> EntryView {
    EntryView {
        id: e.id,
        at: format_time(e.at),
        level: e.level,
        kind: e.kind.clone(),
        record: e.record.as_ref().map(ToString::to_string),
        message: e.message.clone(),
        chartmogul_message: e.chartmogul_message.clone(),
        run_id: e.run_id,
    }
}

fn human(o: &LogsOutput) -> String {
    if o.entries.is_empty() {
        return "No log entries match.\n".to_string();
    }
    let mut out = String::new();
    for e in &o.entries {
        let mut head = format!("{}  {:<7}  {}", e.at, e.level.as_str(), e.kind);
        if let Some(r) = &e.record {
            head.push_str(&format!("  {r}"));
        }
        if let Some(run) = e.run_id {
            head.push_str(&format!("  (run #{run})"));
        }
        out.push_str(&head);
        out.push('\n');
        out.push_str(&format!("    {}\n", e.message));
        if let Some(m) = &e.chartmogul_message {
            out.push_str(&format!("    ChartMogul: {m}\n"));
        }
    }
    let shown = o.entries.len() as u64;
    if o.total > shown {
        out.push_str(&format!(
            "\n{shown} of {} matching entries shown (newest first); --limit N shows more\n",
            o.total
        ));
    }
    out
}
