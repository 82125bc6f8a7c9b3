//! The demo's progress line (stderr) and summary table (stdout).

use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::time::Duration;

/// One scenario's outcome: one row of the summary table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// Scenario name, e.g. `mqtt qos2 stream`.
    pub name: String,
    /// Application messages (or requests, blocks, notifications) sent.
    pub sent: u64,
    /// Delivered to the receiving application.
    pub delivered: u64,
    /// Duplicates the receiving engine suppressed.
    pub duplicates: u64,
    /// Retransmissions by either side.
    pub retransmissions: u64,
    /// Connections re-established (MQTT); `None` (shown as `-`) for
    /// datagram scenarios, which have no connection.
    pub reconnects: Option<u64>,
    /// Simulated time the scenario took.
    pub virtual_time: Duration,
    /// Real time it took to compute.
    pub wall_time: Duration,
    /// Every invariant of the scenario held; otherwise why not.
    pub verdict: Result<(), String>,
}

impl Default for Row {
    fn default() -> Self {
        Row {
            name: String::new(),
            sent: 0,
            delivered: 0,
            duplicates: 0,
            retransmissions: 0,
            reconnects: None,
            virtual_time: Duration::ZERO,
            wall_time: Duration::ZERO,
            verdict: Ok(()),
        }
    }
}

/// `1.234s`, `12.3s`, `3m 05s` — compact, fixed precision per magnitude.
pub fn fmt_duration(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 10.0 {
        format!("{s:.3}s")
    } else if s < 60.0 {
        format!("{s:.1}s")
    } else if s < 3600.0 {
        format!("{}m {:02}s", d.as_secs() / 60, d.as_secs() % 60)
    } else {
        format!("{}h {:02}m", d.as_secs() / 3600, d.as_secs() / 60 % 60)
    }
}

const HEADERS: [&str; 9] = [
    "scenario",
    "sent",
    "delivered",
    "dups suppressed",
    "retransmissions",
    "reconnects",
    "virtual time",
    "wall time",
    "invariants",
];

/// The summary table, one row per scenario, columns aligned, numbers
/// right-aligned; failed invariants are explained under the table.
pub fn table(rows: &[Row]) -> String {
    let cells: Vec<[String; 9]> = rows
        .iter()
        .map(|r| {
            [
                r.name.clone(),
                r.sent.to_string(),
                r.delivered.to_string(),
                r.duplicates.to_string(),
                r.retransmissions.to_string(),
                r.reconnects
                    .map_or_else(|| "-".to_owned(), |n| n.to_string()),
                fmt_duration(r.virtual_time),
                fmt_duration(r.wall_time),
                if r.verdict.is_ok() {
                    "held".to_owned()
                } else {
                    "BROKEN".to_owned()
                },
            ]
        })
        .collect();
    let mut width = HEADERS.map(str::len);
    for row in &cells {
        for (w, c) in width.iter_mut().zip(row) {
            *w = (*w).max(c.len());
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, row: &[String; 9]| {
        for (i, (c, w)) in row.iter().zip(width).enumerate() {
            let sep = if i == 0 { "" } else { "  " };
            if i == 0 || i == 8 {
                let _ = write!(out, "{sep}{c:<w$}");
            } else {
                let _ = write!(out, "{sep}{c:>w$}");
            }
        }
        let trimmed = out.trim_end().len();
        out.truncate(trimmed);
        out.push('\n');
    };
    line(&mut out, &HEADERS.map(str::to_owned));
    let rule: usize = width.iter().sum::<usize>() + 2 * (width.len() - 1);
    out.push_str(&"-".repeat(rule));
    out.push('\n');
    for row in &cells {
        line(&mut out, row);
    }
    for r in rows {
        if let Err(why) = &r.verdict {
            let _ = writeln!(out, "{}: {why}", r.name);
        }
    }
    out
}

/// A progress line on stderr: rewritten in place on a terminal, otherwise
/// printed as a plain line at most every couple of seconds (and at the end of
/// each scenario) so logs stay short.
pub struct Progress {
    tty: bool,
    last: Option<std::time::Instant>,
    width: usize,
}

impl Progress {
    /// A progress line for the process's stderr.
    pub fn new() -> Progress {
        Progress {
            tty: std::io::stderr().is_terminal(),
            last: None,
            width: 0,
        }
    }

    /// Shows `text` if enough time has passed since the last update.
    pub fn update(&mut self, text: &str) {
        let every = if self.tty {
            Duration::from_millis(100)
        } else {
            Duration::from_secs(2)
        };
        if self.last.is_some_and(|t| t.elapsed() < every) {
            return;
        }
        self.last = Some(std::time::Instant::now());
        self.show(text);
    }

    fn show(&mut self, text: &str) {
        let mut err = std::io::stderr().lock();
        if self.tty {
            let pad = self.width.saturating_sub(text.len());
            let _ = write!(err, "\r{text}{:pad$}", "");
            self.width = text.len();
        } else {
            let _ = writeln!(err, "{text}");
        }
        let _ = err.flush();
    }

    /// Shows `text` as the final state of a scenario and starts a new line.
    pub fn finish(&mut self, text: &str) {
        self.show(text);
        if self.tty {
            let _ = writeln!(std::io::stderr());
            self.width = 0;
        }
        self.last = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_compact() {
        assert_eq!(fmt_duration(Duration::from_millis(1234)), "1.234s");
        assert_eq!(fmt_duration(Duration::from_millis(12_345)), "12.3s");
        assert_eq!(fmt_duration(Duration::from_secs(185)), "3m 05s");
        assert_eq!(fmt_duration(Duration::from_secs(7260)), "2h 01m");
    }

    #[test]
    fn table_aligns_columns_and_explains_broken_invariants() {
        let rows = [
            Row {
                name: "a".into(),
                sent: 10_000,
                delivered: 10_000,
                verdict: Ok(()),
                ..Row::default()
            },
            Row {
                name: "longer name".into(),
                sent: 5,
                verdict: Err("lost 5".into()),
                ..Row::default()
            },
        ];
        let t = table(&rows);
        let lines: Vec<&str> = t.lines().collect();
        assert!(lines[0].starts_with("scenario   "));
        assert!(lines[1].chars().all(|c| c == '-'));
        assert!(lines[2].starts_with("a            10000      10000"));
        assert!(lines[2].ends_with("held"));
        assert!(lines[3].ends_with("BROKEN"));
        assert_eq!(lines[4], "longer name: lost 5");
        // every row is as wide as the header up to the last column
        let col = lines[0].find("invariants").unwrap();
        assert_eq!(lines[2].find("held"), Some(col));
    }
}
