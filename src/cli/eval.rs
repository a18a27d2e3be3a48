//! `stance eval` (a trained model on labeled data) and `stance cv` (k-fold cross-validation
//! of a training setup).

use std::path::PathBuf;

use clap::Args;
use stance::bundle::Bundle;
use stance::eval::{Confusion, EvalReport};
use stance::train::{self, FoldSpec};
use stance::Error;

use super::args::FeatureArgs;
use super::train::{spec, DataArgs, LearnerArgs};
use super::Outcome;

#[derive(Args, Debug)]
pub struct EvalArgs {
    /// Model bundle to evaluate.
    #[arg(long)]
    pub model: PathBuf,
    #[command(flatten)]
    pub data: DataArgs,
    /// Write the report: .json or .md.
    #[arg(long)]
    pub report: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct CvArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub features: FeatureArgs,
    #[command(flatten)]
    pub learner: LearnerArgs,
    /// Number of folds.
    #[arg(long, default_value_t = 10)]
    pub folds: usize,
    /// Write the report: .json or .md.
    #[arg(long)]
    pub report: Option<PathBuf>,
}

fn eval_err(e: stance::eval::EvalError) -> Error {
    Error::Usage(e.to_string())
}

fn finish(report: &EvalReport, out: Option<&PathBuf>) -> Result<(), Error> {
    print!("{}", report.to_table());
    if let Some(p) = out {
        report.write(p).map_err(eval_err)?;
        eprintln!("wrote {}", p.display());
    }
    Ok(())
}

pub fn run_eval(a: EvalArgs) -> Result<Outcome, Error> {
    let bundle = Bundle::load(&a.model)?;
    let data = a.data.load()?;
    let x = bundle.vectorizer.transform(&data.texts);
    let mut confusions = Vec::new();
    for h in &data.heads {
        let Some(head) = bundle.head(&h.name) else {
            let known: Vec<&str> = bundle.heads.iter().map(|h| h.name.as_str()).collect();
            return Err(Error::Usage(format!(
                "the data has head {:?}, the model has none by that name (it has: {})",
                h.name,
                known.join(", ")
            )));
        };
        let (rows, gold) = h.labeled();
        let pred = head.model.predict(&x.select_rows(&rows));
        let mut c = Confusion::new(h.name.clone(), head.labels.clone()).map_err(eval_err)?;
        for (g, p) in gold.iter().zip(pred.iter()) {
            c.add(&h.labels[*g], Some(&head.labels[*p]))
                .map_err(eval_err)?;
        }
        confusions.push(c);
    }
    let meta = serde_json::json!({
        "command": "eval",
        "model": a.model.display().to_string(),
        "data": a.data.describe(),
        "rows": data.texts.len(),
    });
    let report = EvalReport::from_confusions(&confusions, meta).map_err(eval_err)?;
    finish(&report, a.report.as_ref())?;
    Ok(Outcome {
        row_errors: data.report.skipped.len() as u64,
    })
}

pub fn run_cv(a: CvArgs) -> Result<Outcome, Error> {
    let data = a.data.load()?;
    let spec = spec(&a.features, &a.learner)?;
    let f = FoldSpec {
        k: a.folds,
        seed: a.learner.seed,
        grouped: a.data.labels.group_col.is_some(),
    };
    let preds = train::cross_validate(&data, &spec, &f)?;
    let mut folds: Vec<Vec<Confusion>> = Vec::new();
    for k in 0..a.folds {
        let mut per_head = Vec::new();
        for (hi, h) in data.heads.iter().enumerate() {
            let mut c = Confusion::new(h.name.clone(), h.labels.clone()).map_err(eval_err)?;
            for p in preds.iter().filter(|p| p.fold == k && p.head == hi) {
                for (g, y) in p.gold.iter().zip(&p.pred) {
                    c.add(&h.labels[*g], Some(&h.labels[*y]))
                        .map_err(eval_err)?;
                }
            }
            per_head.push(c);
        }
        folds.push(per_head);
    }
    let meta = serde_json::json!({
        "command": "cv",
        "data": a.data.describe(),
        "rows": data.texts.len(),
        "folds": a.folds,
        "grouped": f.grouped,
        "seed": f.seed,
        "spec": spec,
    });
    let report = EvalReport::from_folds(&folds, meta).map_err(eval_err)?;
    finish(&report, a.report.as_ref())?;
    Ok(Outcome {
        row_errors: data.report.skipped.len() as u64,
    })
}
