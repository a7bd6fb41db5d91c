//! A one-line progress bar on stderr, driven by the engine's progress callback.
//!
//! Contract: draws only when stderr is a terminal (cron mails and pipes get no carriage-return
//! noise); redraws at most every 100 ms or when the count changes its percentage, and always at
//! the end; [`Bar::finish`] ends the line. Nothing is written to stdout, so `--json` output
//! stays one clean object.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use sync_core::engine::Progress;

const WIDTH: usize = 30;
/// Erases the rest of the line, so a shorter redraw leaves nothing of a longer one behind.
const CLEAR: &str = "\x1b[K";
const REDRAW_EVERY: Duration = Duration::from_millis(100);

/// The bar of one run.
pub struct Bar {
    label: String,
    on: bool,
    drawn: bool,
    last_percent: Option<u64>,
    last_draw: Option<Instant>,
    started: Instant,
}

impl Bar {
    /// A bar that draws when stderr is a terminal.
    pub fn new(label: impl Into<String>) -> Self {
        Self::with_terminal(label, std::io::stderr().is_terminal())
    }

    /// A bar that draws only if `on` (for callers that decide themselves, e.g. `--json`).
    pub fn with_terminal(label: impl Into<String>, on: bool) -> Self {
        Bar {
            label: label.into(),
            on,
            drawn: false,
            last_percent: None,
            last_draw: None,
            started: Instant::now(),
        }
    }

    /// Shows that work has started, before the engine reports its first page.
    pub fn start(&mut self) {
        if !self.on {
            return;
        }
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r{} …{CLEAR}", self.label);
        let _ = err.flush();
        self.drawn = true;
    }

    /// Shows `p` (clients done of total).
    pub fn update(&mut self, p: &Progress) {
        if !self.on {
            return;
        }
        let total = p.clients_total.max(1);
        let done = p.clients_done.min(total);
        let percent = done * 100 / total;
        let due = self.last_draw.is_none_or(|t| t.elapsed() >= REDRAW_EVERY);
        if !(due || Some(percent) != self.last_percent || done == total) {
            return;
        }
        let filled = (done as usize * WIDTH) / total as usize;
        let bar = format!("{}{}", "#".repeat(filled), "-".repeat(WIDTH - filled));
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r{} [{bar}] {done}/{} clients {percent:>3}%  {:.1} s{CLEAR}",
            self.label,
            p.clients_total,
            self.started.elapsed().as_secs_f64()
        );
        let _ = err.flush();
        self.drawn = true;
        self.last_percent = Some(percent);
        self.last_draw = Some(Instant::now());
    }

    /// Ends the bar's line (if one was drawn).
    pub fn finish(&mut self) {
        if self.on && self.drawn {
            eprintln!();
            self.drawn = false;
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.finish();
    }
}
