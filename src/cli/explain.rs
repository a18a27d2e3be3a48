//! `stance explain`: the label of each text, its probabilities, and the features that pushed
//! it there (contribution = tf-idf value × weight), as a terminal listing or JSON Lines.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use clap::Args;
use stance::explain::{display_feature, explain_row, Explanation};
use stance::{ingest, Error};

use super::args::InputArgs;
use super::Outcome;

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// Model bundle (default: the model compiled into this binary).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Explain this head only (default: every head).
    #[arg(long)]
    pub head: Vec<String>,
    /// Contributions shown each way (toward and away from each label); 0 shows all.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Show every class's contributions, not just the predicted label's.
    #[arg(long)]
    pub all_classes: bool,
    /// Print JSON Lines (one object per text, every class's contributions) instead of a listing.
    #[arg(long)]
    pub json: bool,
    /// Read the texts from a file (CSV, TSV or JSON Lines; see --text-col).
    #[arg(long, conflicts_with = "texts")]
    pub data: Option<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
    /// Texts to explain.
    #[arg(required_unless_present = "data")]
    pub texts: Vec<String>,
}

pub fn run(a: ExplainArgs) -> Result<Outcome, Error> {
    let (bundle, _) = super::model_or_default(a.model.as_deref())?;
    let heads: Vec<&stance::bundle::Head> = if a.head.is_empty() {
        bundle.heads.iter().collect()
    } else {
        a.head
            .iter()
            .map(|n| {
                bundle.head(n).ok_or_else(|| {
                    let known: Vec<&str> = bundle.heads.iter().map(|h| h.name.as_str()).collect();
                    Error::Usage(format!(
                        "no head {n:?} in the model (it has: {})",
                        known.join(", ")
                    ))
                })
            })
            .collect::<Result<_, _>>()?
    };
    let mut row_errors = 0u64;
    let rows: Vec<(String, String)> = match &a.data {
        None => a
            .texts
            .iter()
            .enumerate()
            .map(|(i, t)| ((i + 1).to_string(), t.clone()))
            .collect(),
        Some(p) => {
            let spec = a.input.spec(p.clone())?;
            let mut out = Vec::new();
            for r in ingest::open(&spec)? {
                match r {
                    Ok(r) => out.push((r.id, r.text)),
                    Err(e) => {
                        eprintln!("stance: skipped: {e}");
                        row_errors += 1;
                    }
                }
            }
            out
        }
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let io = |e: std::io::Error| Error::io("<stdout>", e);
    let top = if a.json { 0 } else { a.top };
    for (id, text) in &rows {
        let x = bundle.vectorizer.transform_row(text);
        let ex: Vec<Explanation> = heads
            .iter()
            .map(|h| explain_row(&bundle.vectorizer, h, x.view(), top))
            .collect();
        if a.json {
            let v = serde_json::json!({ "id": id, "text": text, "explanations": ex });
            writeln!(out, "{v}").map_err(io)?;
        } else {
            write!(out, "{}", listing(id, text, &ex, a.all_classes)).map_err(io)?;
        }
    }
    out.flush().map_err(io)?;
    Ok(Outcome { row_errors })
}

/// The terminal listing of one text's explanations.
pub fn listing(id: &str, text: &str, ex: &[Explanation], all_classes: bool) -> String {
    let mut s = String::new();
    let shown: String = if text.chars().count() > 200 {
        text.chars().take(199).collect::<String>() + "…"
    } else {
        text.to_string()
    };
    let _ = writeln!(s, "== text {id}: {shown}");
    for e in ex {
        let probs: Vec<String> = e
            .probabilities
            .iter()
            .map(|(l, p)| format!("{l} {p:.3}"))
            .collect();
        let _ = writeln!(s, "head {}: {}  (p: {})", e.head, e.label, probs.join(", "));
        for c in &e.classes {
            if !all_classes && c.label != e.label {
                continue;
            }
            let listed: f64 = c.contributions.iter().map(|x| x.contribution).sum();
            let _ = writeln!(
                s,
                "  score of {} = {:.4}: intercept {:+.4}, listed features {:+.4}, other features {:+.4}",
                c.label, c.score, c.intercept, listed, c.rest
            );
            let w = c
                .contributions
                .iter()
                .map(|x| display_feature(&x.feature).chars().count())
                .max()
                .unwrap_or(7)
                .max(7);
            let _ = writeln!(
                s,
                "    {:>9}  {:<w$}  {:>8}  {:>9}",
                "contrib", "feature", "tf-idf", "weight"
            );
            for x in &c.contributions {
                let _ = writeln!(
                    s,
                    "    {:>+9.4}  {:<w$}  {:>8.4}  {:>+9.4}",
                    x.contribution,
                    display_feature(&x.feature),
                    x.value,
                    x.weight
                );
            }
        }
    }
    s.push('\n');
    s
}
