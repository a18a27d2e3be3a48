//! `stance inspect`: what a model file holds.

use std::path::PathBuf;

use clap::Args;
use stance::bundle::Bundle;
use stance::Error;

use super::Outcome;

#[derive(Args, Debug)]
pub struct InspectArgs {
    /// Model bundle (default: the model compiled into this binary).
    pub model: Option<PathBuf>,
    /// Features to show per class.
    #[arg(long, default_value_t = 15)]
    pub top: usize,
}

pub fn run(a: InspectArgs) -> Result<Outcome, Error> {
    let (b, version) = super::model_or_default(a.model.as_deref())?;
    print!("format version  {version}\n{}", describe(&b, a.top));
    Ok(Outcome { row_errors: 0 })
}

/// A human-readable description of a bundle.
pub fn describe(b: &Bundle, top: usize) -> String {
    let mut s = String::new();
    s += &format!("crate version   {}\n", b.meta.crate_version);
    s += &format!(
        "trained on      {} rows; seed {}; data fingerprint {}\n",
        b.meta.rows, b.meta.seed, b.meta.data_fingerprint
    );
    s += &format!("data            {}\n", b.meta.data.join(", "));
    s += &format!("features        {}", b.vectorizer.n_features());
    for bl in b.vectorizer.blocks() {
        s += &format!("  ({:?}: {})", bl.block, bl.len);
    }
    s += "\n";
    s += &format!(
        "tokenizer       {}\n",
        serde_json::to_string(&b.vectorizer.config().tokenizer).unwrap_or_default()
    );
    for h in &b.heads {
        s += &format!(
            "\nhead {}: labels [{}], learner {:?}, support {:?}\n",
            h.name,
            h.labels.join(", "),
            h.learner,
            h.support
        );
        let m = &h.model;
        for (c, label) in h.labels.iter().enumerate() {
            let mut w: Vec<(f64, usize)> = (0..m.n_features)
                .map(|j| (m.weights[j * m.n_classes + c], j))
                .filter(|p| p.0 > 0.0)
                .collect();
            w.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
            let names: Vec<String> = w
                .iter()
                .take(top)
                .map(|(v, j)| {
                    format!(
                        "{} ({v:.3})",
                        b.vectorizer.feature_name(*j).unwrap_or_default()
                    )
                })
                .collect();
            s += &format!("  {label:<10} {}\n", names.join(", "));
        }
    }
    s
}
