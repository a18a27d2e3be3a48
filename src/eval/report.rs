//! Rendering an [`EvalReport`] as terminal text, Markdown or JSON, and writing it to a file.
//!
//! Text and Markdown are rendered from one list of blocks, so both always show the same figures
//! with the same rounding (4 decimals).

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::metrics::{CvSummary, EvalReport, HeadReport};
use super::EvalError;

/// Digits after the decimal point for every figure shown.
const DIGITS: usize = 4;

fn num(x: f64) -> String {
    format!("{x:.DIGITS$}")
}

fn opt(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_string(), num)
}

fn pm(s: &CvSummary) -> String {
    format!("{} ± {}", num(s.mean), num(s.std))
}

/// Format-neutral pieces of a report.
enum Block {
    Title(String),
    Heading(String),
    /// Label/value lines.
    Facts(Vec<(String, String)>),
    /// A caption, a header row and body rows; the first `left` columns are row labels
    /// (left-aligned), the others figures (right-aligned).
    Table {
        caption: String,
        left: usize,
        header: Vec<String>,
        rows: Vec<Vec<String>>,
    },
}

fn meta_facts(meta: &serde_json::Value) -> Vec<(String, String)> {
    let show = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match meta {
        serde_json::Value::Null => Vec::new(),
        serde_json::Value::Object(m) => m.iter().map(|(k, v)| (k.clone(), show(v))).collect(),
        other => vec![("meta".to_string(), show(other))],
    }
}

fn head_blocks(h: &HeadReport, out: &mut Vec<Block>) {
    out.push(Block::Heading(format!("head: {}", h.head)));
    let mut facts = vec![
        ("rows".to_string(), h.n.to_string()),
        ("abstained".to_string(), h.abstained.to_string()),
        ("accuracy".to_string(), num(h.accuracy)),
        ("macro-F1".to_string(), num(h.macro_f1)),
        ("weighted-F1".to_string(), num(h.weighted_f1)),
    ];
    if let Some(f) = h.f_avg {
        facts.push(("F_avg (favor, against)".to_string(), num(f)));
    }
    out.push(Block::Facts(facts));

    let mut rows: Vec<Vec<String>> = h
        .per_class
        .iter()
        .map(|m| {
            vec![
                m.label.clone(),
                num(m.precision),
                num(m.recall),
                num(m.f1),
                m.support.to_string(),
            ]
        })
        .collect();
    rows.push(vec![
        "macro avg".into(),
        num(h.macro_precision),
        num(h.macro_recall),
        num(h.macro_f1),
        h.n.to_string(),
    ]);
    rows.push(vec![
        "weighted avg".into(),
        num(h.weighted_precision),
        num(h.weighted_recall),
        num(h.weighted_f1),
        h.n.to_string(),
    ]);
    out.push(Block::Table {
        caption: "per class".into(),
        left: 1,
        header: ["label", "precision", "recall", "F1", "support"]
            .map(String::from)
            .to_vec(),
        rows,
    });

    let show_abstain = h.abstained > 0;
    let mut header = vec!["gold \\ pred".to_string()];
    header.extend(h.labels.iter().cloned());
    if show_abstain {
        header.push("(abstained)".into());
    }
    let rows = h
        .labels
        .iter()
        .enumerate()
        .map(|(g, label)| {
            let mut row = vec![label.clone()];
            row.extend(h.confusion[g].iter().map(u64::to_string));
            if show_abstain {
                row.push(h.abstained_by_gold[g].to_string());
            }
            row
        })
        .collect();
    out.push(Block::Table {
        caption: "confusion matrix (rows: gold, columns: predicted)".into(),
        left: 1,
        header,
        rows,
    });

    if let Some(c) = &h.calibration {
        let rows = c
            .bins
            .iter()
            .filter(|b| b.n > 0)
            .map(|b| {
                vec![
                    format!("{:.1}-{:.1}", b.lo, b.hi),
                    b.n.to_string(),
                    num(b.confidence),
                    num(b.accuracy),
                ]
            })
            .collect();
        out.push(Block::Table {
            caption: format!("calibration (ECE {})", num(c.ece)),
            left: 1,
            header: ["confidence", "rows", "mean confidence", "accuracy"]
                .map(String::from)
                .to_vec(),
            rows,
        });
    }
    if let Some(tf) = h.top_features.as_ref().filter(|t| !t.is_empty()) {
        let depth = tf.iter().map(|c| c.features.len()).max().unwrap_or(0);
        let rows = (0..depth)
            .map(|i| {
                let mut r = vec![(i + 1).to_string()];
                for c in tf {
                    r.push(
                        c.features
                            .get(i)
                            .map_or(String::new(), |(f, w)| format!("{f} ({w:.3})")),
                    );
                }
                r
            })
            .collect();
        let mut header = vec!["#".to_string()];
        header.extend(tf.iter().map(|c| c.label.clone()));
        out.push(Block::Table {
            caption: "most positive features per class (weight)".into(),
            left: header.len(),
            header,
            rows,
        });
    }
}

impl EvalReport {
    fn blocks(&self) -> Vec<Block> {
        let mut out = Vec::new();
        out.push(Block::Title(match &self.cv {
            Some(cv) => format!("Cross-validation report ({} folds)", cv.folds.len()),
            None => "Evaluation report".to_string(),
        }));
        let mut facts = meta_facts(&self.meta);
        if let Some(cv) = &self.cv {
            facts.push((
                "per-head figures".into(),
                format!("all {} folds' predictions together", cv.folds.len()),
            ));
        }
        if let Some(f) = self.pooled_f_avg {
            let stance: Vec<&str> = self
                .heads
                .iter()
                .filter(|h| h.f_avg.is_some())
                .map(|h| h.head.as_str())
                .collect();
            facts.push(("pooled F_avg".into(), num(f)));
            facts.push(("pooled stance heads".into(), stance.join(", ")));
        }
        if !facts.is_empty() {
            out.push(Block::Facts(facts));
        }
        for h in &self.heads {
            head_blocks(h, &mut out);
        }
        if let Some(cv) = &self.cv {
            out.push(Block::Heading("folds".into()));
            let mut rows = Vec::new();
            for f in &cv.folds {
                for h in &f.heads {
                    rows.push(vec![
                        f.fold.to_string(),
                        h.head.clone(),
                        h.n.to_string(),
                        num(h.accuracy),
                        num(h.macro_f1),
                        opt(h.f_avg),
                        opt(h.ece),
                    ]);
                }
                if let Some(p) = f.pooled_f_avg {
                    let row = [
                        &f.fold.to_string(),
                        "(pooled stance)",
                        "",
                        "",
                        "",
                        &num(p),
                        "",
                    ];
                    rows.push(row.map(String::from).to_vec());
                }
            }
            out.push(Block::Table {
                caption: "per fold".into(),
                left: 2,
                header: [
                    "fold", "head", "rows", "accuracy", "macro-F1", "F_avg", "ECE",
                ]
                .map(String::from)
                .to_vec(),
                rows,
            });
            let mut rows: Vec<Vec<String>> = cv
                .heads
                .iter()
                .map(|h| {
                    vec![
                        h.head.clone(),
                        pm(&h.accuracy),
                        pm(&h.macro_f1),
                        h.f_avg.as_ref().map_or_else(|| "-".into(), pm),
                        h.ece.as_ref().map_or_else(|| "-".into(), pm),
                    ]
                })
                .collect();
            if let Some(p) = &cv.pooled_f_avg {
                let row = [
                    "(pooled stance)".into(),
                    String::new(),
                    String::new(),
                    pm(p),
                    String::new(),
                ];
                rows.push(row.to_vec());
            }
            out.push(Block::Table {
                caption: "mean ± std over folds (population std, ddof = 0)".into(),
                left: 1,
                header: ["head", "accuracy", "macro-F1", "F_avg", "ECE"]
                    .map(String::from)
                    .to_vec(),
                rows,
            });
        }
        out
    }

    /// Aligned plain text for the terminal: per head its summary figures, a per-class table
    /// and the confusion matrix; for cross-validation the per-fold figures and mean ± std.
    pub fn to_table(&self) -> String {
        let mut s = String::new();
        for (i, b) in self.blocks().iter().enumerate() {
            if i > 0 {
                s.push('\n');
            }
            match b {
                Block::Title(t) => {
                    let _ = writeln!(s, "{t}\n{}", "=".repeat(t.chars().count()));
                }
                Block::Heading(t) => {
                    let _ = writeln!(s, "{t}\n{}", "-".repeat(t.chars().count()));
                }
                Block::Facts(facts) => {
                    let w = facts
                        .iter()
                        .map(|(k, _)| k.chars().count())
                        .max()
                        .unwrap_or(0);
                    for (k, v) in facts {
                        let _ = writeln!(s, "{k:<w$}  {v}");
                    }
                }
                Block::Table {
                    caption,
                    left,
                    header,
                    rows,
                } => {
                    let _ = writeln!(s, "{caption}:");
                    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
                    for r in rows {
                        for (w, c) in widths.iter_mut().zip(r) {
                            *w = (*w).max(c.chars().count());
                        }
                    }
                    for r in std::iter::once(header).chain(rows) {
                        let mut line = String::new();
                        for (j, (c, w)) in r.iter().zip(&widths).enumerate() {
                            if j < *left {
                                let _ = write!(line, "  {c:<w$}");
                            } else {
                                let _ = write!(line, "  {c:>w$}");
                            }
                        }
                        let _ = writeln!(s, "{}", line.trim_end());
                    }
                }
            }
        }
        s
    }

    /// The same figures as [`to_table`](Self::to_table), as Markdown (headings, bullet lists,
    /// tables with numbers right-aligned).
    pub fn to_markdown(&self) -> String {
        let cell = |c: &str| c.replace('|', "\\|");
        let mut s = String::new();
        for (i, b) in self.blocks().iter().enumerate() {
            if i > 0 {
                s.push('\n');
            }
            match b {
                Block::Title(t) => {
                    let _ = writeln!(s, "# {t}");
                }
                Block::Heading(t) => {
                    let _ = writeln!(s, "## {t}");
                }
                Block::Facts(facts) => {
                    for (k, v) in facts {
                        let _ = writeln!(s, "- **{}**: {}", cell(k), cell(v));
                    }
                }
                Block::Table {
                    caption,
                    left,
                    header,
                    rows,
                } => {
                    let _ = writeln!(s, "*{caption}*\n");
                    let line = |r: &[String]| {
                        let cells: Vec<String> = r.iter().map(|c| cell(c)).collect();
                        format!("| {} |", cells.join(" | "))
                    };
                    let _ = writeln!(s, "{}", line(header));
                    let rule: Vec<&str> = (0..header.len())
                        .map(|j| if j < *left { "---" } else { "---:" })
                        .collect();
                    let _ = writeln!(s, "| {} |", rule.join(" | "));
                    for r in rows {
                        let _ = writeln!(s, "{}", line(r));
                    }
                }
            }
        }
        s
    }

    /// Writes the report to `path`, as JSON (`.json`) or Markdown (`.md`) by extension
    /// (case-insensitive); any other extension is [`EvalError::BadExtension`].
    ///
    /// The file is written to a temporary file in the same folder and renamed over `path`, so a
    /// reader never sees a half-written report and a failed write leaves an old one intact.
    pub fn write(&self, path: impl AsRef<Path>) -> Result<(), EvalError> {
        self.write_with(path, None)
    }

    /// As [`write`](Self::write), also accepting `.html` / `.htm`: a self-contained page (see
    /// [`to_html`](Self::to_html)) using `details` for charts and example rows.
    pub fn write_with(
        &self,
        path: impl AsRef<Path>,
        details: Option<&super::EvalDetails>,
    ) -> Result<(), EvalError> {
        let path = path.as_ref();
        let ext = path.extension().map(|e| e.to_string_lossy().into_owned());
        let text = match ext.as_deref().map(str::to_ascii_lowercase).as_deref() {
            Some("json") => {
                let mut t = serde_json::to_string_pretty(self)?;
                t.push('\n');
                t
            }
            Some("md") => self.to_markdown(),
            Some("html" | "htm") => self.to_html(details),
            _ => {
                return Err(EvalError::BadExtension {
                    path: path.to_path_buf(),
                    extension: ext,
                })
            }
        };
        write_atomic(path, text.as_bytes())
    }
}

/// Distinguishes temporary files of concurrent writes from one process.
static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), EvalError> {
    let io = |p: &Path| {
        let p: PathBuf = p.to_path_buf();
        move |source| EvalError::Io { path: p, source }
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map_or_else(|| "report".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        TMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(io(&tmp))?;
        f.write_all(bytes).map_err(io(&tmp))?;
        f.sync_all().map_err(io(&tmp))?;
        drop(f);
        std::fs::rename(&tmp, path).map_err(io(path))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_rename_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        // Renaming a file over a non-empty directory fails on every platform.
        let target = dir.path().join("taken.json");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("x"), b"x").unwrap();
        let e = write_atomic(&target, b"{}").unwrap_err();
        assert!(
            matches!(&e, EvalError::Io { path, .. } if path == &target),
            "{e:?}"
        );
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn extension_messages() {
        use super::super::extension_reason;
        assert!(extension_reason(Some("pdf")).contains(".html"));
        assert!(extension_reason(Some("csv")).contains(".csv"));
        assert!(extension_reason(None).contains("no file extension"));
    }
}
