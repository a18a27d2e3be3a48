//! `stance eval` (a trained model on labeled data) and `stance cv` (k-fold cross-validation
//! of a training setup).

use std::path::PathBuf;

use clap::Args;
use stance::eval::{Confusion, EvalDetails, EvalReport, HeadCollector};
use stance::train::{self, FoldSpec};
use stance::Error;

use super::args::FeatureArgs;
use super::train::{spec, DataArgs, LearnerArgs};
use super::Outcome;

#[derive(Args, Debug)]
pub struct EvalArgs {
    /// Model bundle to evaluate (default: the model compiled into this binary).
    #[arg(long)]
    pub model: Option<PathBuf>,
    #[command(flatten)]
    pub data: DataArgs,
    /// Write the report: .json, .md or .html (repeatable: one run, several formats).
    #[arg(long)]
    pub report: Vec<PathBuf>,
    #[command(flatten)]
    pub show: ReportArgs,
}

/// What the reports show beyond the figures.
#[derive(Args, Debug, Clone)]
pub struct ReportArgs {
    /// Leave example texts out of the HTML report (keep their labels and features), e.g. for
    /// data that must not be redistributed.
    #[arg(long, alias = "no-examples")]
    pub redact: bool,
    /// Most confident errors shown per head.
    #[arg(long, default_value_t = 20)]
    pub worst: usize,
    /// Sampled rows shown per head.
    #[arg(long, default_value_t = 10)]
    pub sample: usize,
    /// Most positive features listed per class.
    #[arg(long, default_value_t = 20)]
    pub top_features: usize,
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
    /// Write every held-out prediction (id, fold, head, gold, predicted, probability of the
    /// predicted label), one row per labeled row and head, in input order: .csv or .jsonl.
    #[arg(long)]
    pub predictions: Option<PathBuf>,
    /// Write the report: .json, .md or .html (repeatable). With a report, the pipeline is also
    /// refit on all rows once, for the report's feature lists and example explanations.
    #[arg(long)]
    pub report: Vec<PathBuf>,
    #[command(flatten)]
    pub show: ReportArgs,
}

fn eval_err(e: stance::eval::EvalError) -> Error {
    Error::Usage(e.to_string())
}

fn finish(
    report: &EvalReport,
    out: &[PathBuf],
    details: Option<&EvalDetails>,
) -> Result<(), Error> {
    print!("{}", report.to_table());
    for p in out {
        let t = std::time::Instant::now();
        report.write_with(p, details).map_err(eval_err)?;
        eprintln!("wrote {} ({:.2} s)", p.display(), t.elapsed().as_secs_f64());
    }
    Ok(())
}

pub fn run_eval(mut a: EvalArgs) -> Result<Outcome, Error> {
    let (bundle, _) = super::model_or_default(a.model.as_deref())?;
    if a.data.labels.label_cols.is_empty() && a.data.labels.target_col.is_none() {
        a.data.labels.label_cols = a.data.head_columns(&bundle)?;
    }
    let data = a.data.load()?;
    let x = bundle.vectorizer.transform(&data.texts);
    let mut confusions = Vec::new();
    let mut details = EvalDetails {
        heads: Vec::new(),
        redacted: a.show.redact,
    };
    let mut details_secs = 0.0;
    let mut skipped_heads = Vec::new();
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
        if rows.is_empty() {
            // e.g. a file labeled for sentiment only, evaluated with all of a model's heads
            eprintln!(
                "warning: head {}: no labeled rows in the data; not evaluated",
                h.name
            );
            skipped_heads.push(h.name.clone());
            continue;
        }
        let xs = x.select_rows(&rows);
        let pred = head.model.predict(&xs);
        let proba = (!a.report.is_empty()).then(|| head.model.predict_proba(&xs));
        let mut c = Confusion::new(h.name.clone(), head.labels.clone()).map_err(eval_err)?;
        for (g, p) in gold.iter().zip(pred.iter()) {
            c.add(&h.labels[*g], Some(&head.labels[*p]))
                .map_err(eval_err)?;
        }
        confusions.push(c);
        if let Some(proba) = proba {
            let t = std::time::Instant::now();
            // The data's label set may differ from the model's: map gold labels by name.
            let gold_ix: Vec<Option<usize>> = h
                .labels
                .iter()
                .map(|l| head.labels.iter().position(|m| m == l))
                .collect();
            let mut col = HeadCollector::new(
                h.name.clone(),
                head.labels.clone(),
                a.show.worst,
                a.show.sample,
                0,
            );
            for (i, ((&row, g), &p)) in rows.iter().zip(&gold).zip(pred.iter()).enumerate() {
                if let Some(g) = gold_ix[*g] {
                    col.add(row, None, g, p, proba[[i, p]]);
                }
            }
            details.heads.push(col.finish(
                &data.texts,
                &data.ids,
                Some((&bundle.vectorizer, head)),
                None,
                a.show.redact,
                a.show.top_features,
            ));
            details_secs += t.elapsed().as_secs_f64();
        }
    }
    let meta = serde_json::json!({
        "command": "eval",
        "model": a.model.as_ref().map_or(stance::bundle::DEFAULT_MODEL_NAME.into(), |p| p.display().to_string()),
        "data": a.data.describe(),
        "rows": data.texts.len(),
        "skipped_rows": data.report.skipped.len(),
        "heads_without_labels": skipped_heads,
    });
    if confusions.is_empty() {
        return Err(Error::Usage(format!(
            "nothing to evaluate: no labeled rows for any head ({})",
            skipped_heads.join(", ")
        )));
    }
    let mut report = EvalReport::from_confusions(&confusions, meta).map_err(eval_err)?;
    report.attach(&details);
    if !a.report.is_empty() {
        eprintln!("report details (calibration, examples, features): {details_secs:.2} s");
    }
    finish(&report, &a.report, Some(&details))?;
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
    if let Some(p) = &a.predictions {
        write_predictions(p, &data, &preds)?;
    }
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
        "skipped_rows": data.report.skipped.len(),
        "folds": a.folds,
        "grouped": f.grouped,
        "seed": f.seed,
        "spec": spec,
    });
    let mut report = EvalReport::from_folds(&folds, meta).map_err(eval_err)?;
    let mut details = EvalDetails {
        heads: Vec::new(),
        redacted: a.show.redact,
    };
    if !a.report.is_empty() {
        // Fold models are not kept: features and example explanations come from the same
        // pipeline refit on all rows (labels and confidences are the held-out ones).
        let (bundle, _) = train::train(&data, &spec, a.data.describe())?;
        let note = "Features and highlighted contributions come from the same pipeline refit on \
            all rows (the fold models are not kept); labels and confidences are the held-out ones."
            .to_string();
        for (hi, h) in data.heads.iter().enumerate() {
            let mut col = HeadCollector::new(
                h.name.clone(),
                h.labels.clone(),
                a.show.worst,
                a.show.sample,
                f.seed,
            );
            for p in preds.iter().filter(|p| p.head == hi) {
                for (i, ((&row, &g), &y)) in p.rows.iter().zip(&p.gold).zip(&p.pred).enumerate() {
                    col.add(row, Some(p.fold), g, y, p.proba[i][y]);
                }
            }
            let head = bundle.head(&h.name);
            details.heads.push(col.finish(
                &data.texts,
                &data.ids,
                head.map(|hd| (&bundle.vectorizer, hd)),
                Some(note.clone()),
                a.show.redact,
                a.show.top_features,
            ));
        }
        report.attach(&details);
    }
    finish(&report, &a.report, Some(&details))?;
    Ok(Outcome {
        row_errors: data.report.skipped.len() as u64,
    })
}

/// Out-of-fold predictions as rows, ordered by input row then head, so the file is the same
/// whatever order the folds finished in.
fn write_predictions(
    path: &std::path::Path,
    data: &stance::dataset::LabeledData,
    preds: &[train::FoldPredictions],
) -> Result<(), Error> {
    use stance::ingest::{Cell, RowWriter};
    let mut rows: Vec<(usize, usize, usize, usize, usize, f64)> = preds
        .iter()
        .flat_map(|p| {
            (0..p.rows.len()).map(move |i| {
                let y = p.pred[i];
                (p.rows[i], p.head, p.fold, p.gold[i], y, p.proba[i][y])
            })
        })
        .collect();
    rows.sort_unstable_by_key(|r| (r.0, r.1));
    let sink = super::Sink::open(Some(path))?;
    let io = |e| Error::io(path, e);
    let mut w = RowWriter::new(
        sink.writer()?,
        super::output_format(None, Some(&path.to_path_buf())),
        &["id", "fold", "head", "gold", "predicted", "probability"],
    )
    .map_err(io)?;
    for (row, head, fold, gold, pred, prob) in rows {
        let h = &data.heads[head];
        w.write_row(&[
            Cell::Str(&data.ids[row]),
            Cell::Int(fold as u64),
            Cell::Str(&h.name),
            Cell::Str(&h.labels[gold]),
            Cell::Str(&h.labels[pred]),
            Cell::Num(prob),
        ])
        .map_err(io)?;
    }
    w.finish().map_err(io)?;
    sink.commit()?;
    eprintln!("wrote {}", path.display());
    Ok(())
}
