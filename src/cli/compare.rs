//! `stance compare`: JSON reports of `stance eval` / `stance cv` side by side, per head, with
//! the change against the first report.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Args;
use stance::eval::EvalReport;
use stance::Error;

use super::Outcome;

#[derive(Args, Debug)]
pub struct CompareArgs {
    /// JSON reports (from `stance eval --report X.json` or `stance cv --report X.json`); the
    /// first is the baseline the deltas are taken against.
    #[arg(required = true, num_args = 1..)]
    pub reports: Vec<PathBuf>,
    /// Print Markdown tables instead of aligned text.
    #[arg(long)]
    pub markdown: bool,
}

pub fn run(a: CompareArgs) -> Result<Outcome, Error> {
    let mut reports = Vec::new();
    for p in &a.reports {
        let bytes = std::fs::read(p).map_err(|e| Error::io(p, e))?;
        let r: EvalReport = serde_json::from_slice(&bytes).map_err(|e| {
            Error::Usage(format!(
                "{}: not a stance JSON report ({e}); write one with --report FILE.json",
                p.display()
            ))
        })?;
        reports.push((p.display().to_string(), r));
    }
    print!("{}", compare(&reports, a.markdown));
    Ok(Outcome { row_errors: 0 })
}

type Metric = (&'static str, fn(&stance::eval::HeadReport) -> Option<f64>);

const METRICS: [Metric; 4] = [
    ("macro-F1", |h| Some(h.macro_f1)),
    ("F_avg", |h| h.f_avg),
    ("accuracy", |h| Some(h.accuracy)),
    ("ECE", |h| h.calibration.as_ref().map(|c| c.ece)),
];

/// One table per head (heads in order of first appearance), rows = reports, columns = each
/// metric and its delta against the first report; then the pooled F_avg.
pub fn compare(reports: &[(String, EvalReport)], markdown: bool) -> String {
    let mut heads: Vec<String> = Vec::new();
    for (_, r) in reports {
        for h in &r.heads {
            if !heads.contains(&h.head) {
                heads.push(h.head.clone());
            }
        }
    }
    let mut s = String::new();
    let names: Vec<String> = reports
        .iter()
        .enumerate()
        .map(|(i, (p, r))| {
            let kind = if r.cv.is_some() { "cv" } else { "eval" };
            format!("[{}] {p} ({kind})", i + 1)
        })
        .collect();
    let _ = writeln!(s, "reports (deltas against [1]):");
    if markdown {
        s.push('\n');
    }
    for n in &names {
        let _ = writeln!(s, "{}{n}", if markdown { "- " } else { "  " });
    }
    let fmt = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{v:.4}"));
    let delta = |x: Option<f64>, base: Option<f64>| match (x, base) {
        (Some(x), Some(b)) => format!("{:+.4}", x - b),
        _ => "-".to_string(),
    };
    let mut header = vec!["report".to_string(), "rows".to_string()];
    for (m, _) in METRICS {
        header.push(m.to_string());
        header.push(format!("Δ {m}"));
    }
    let mut table = |title: String, rows: Vec<Vec<String>>| {
        s.push('\n');
        if markdown {
            let _ = writeln!(s, "### {title}\n");
            let _ = writeln!(s, "| {} |", header.join(" | "));
            let rule: Vec<&str> = (0..header.len())
                .map(|j| if j == 0 { "---" } else { "---:" })
                .collect();
            let _ = writeln!(s, "| {} |", rule.join(" | "));
            for r in &rows {
                let _ = writeln!(s, "| {} |", r.join(" | "));
            }
        } else {
            let _ = writeln!(s, "{title}");
            let mut w: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
            for r in &rows {
                for (wi, c) in w.iter_mut().zip(r) {
                    *wi = (*wi).max(c.chars().count());
                }
            }
            for r in std::iter::once(&header).chain(&rows) {
                let mut line = String::new();
                for (j, (c, wi)) in r.iter().zip(&w).enumerate() {
                    let pad = wi - c.chars().count();
                    if j == 0 {
                        let _ = write!(line, "  {c}{}", " ".repeat(pad));
                    } else {
                        let _ = write!(line, "  {}{c}", " ".repeat(pad));
                    }
                }
                let _ = writeln!(s, "{}", line.trim_end());
            }
        }
    };
    for head in &heads {
        let base = reports[0].1.heads.iter().find(|h| &h.head == head);
        let rows = reports
            .iter()
            .enumerate()
            .map(|(i, (_, r))| {
                let h = r.heads.iter().find(|h| &h.head == head);
                let mut row = vec![
                    format!("[{}]", i + 1),
                    h.map_or("-".into(), |h| h.n.to_string()),
                ];
                for (_, f) in METRICS {
                    let x = h.and_then(f);
                    row.push(fmt(x));
                    row.push(if i == 0 {
                        String::new()
                    } else {
                        delta(x, base.and_then(f))
                    });
                }
                row
            })
            .collect();
        table(format!("head: {head}"), rows);
    }
    if reports.iter().any(|(_, r)| r.pooled_f_avg.is_some()) {
        s.push('\n');
        let base = reports[0].1.pooled_f_avg;
        let _ = writeln!(s, "pooled F_avg (all stance heads):");
        if markdown {
            s.push('\n');
        }
        for (i, (_, r)) in reports.iter().enumerate() {
            let d = if i == 0 {
                String::new()
            } else {
                format!("  Δ {}", delta(r.pooled_f_avg, base))
            };
            let lead = if markdown { "- " } else { "  " };
            let _ = writeln!(s, "{lead}[{}] {}{d}", i + 1, fmt(r.pooled_f_avg));
        }
    }
    s
}
