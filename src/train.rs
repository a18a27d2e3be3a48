//! Training: fit the shared vectorizer on every row's text, then one linear head per target on
//! the rows labeled for it; and k-fold cross-validation that refits the whole pipeline,
//! vocabulary and idf included, inside each fold so nothing leaks from the held-out rows.

use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::bundle::{Bundle, Head, TrainingMeta};
use crate::clean::CleanConfig;
use crate::dataset::{HeadData, LabeledData};
use crate::model::{self, ClassWeight, Learner, LinearModel};
use crate::tokenize::hash::hash_bytes;
use crate::vectorize::{Vectorizer, VectorizerConfig};
use crate::{Error, SparseRows};

/// Everything that decides what a training run produces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainSpec {
    pub features: VectorizerConfig,
    pub clean: CleanConfig,
    pub learner: Learner,
    pub class_weight: ClassWeight,
    pub seed: u64,
}

/// What training saw and did for one head.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeadSummary {
    pub head: String,
    pub labels: Vec<String>,
    pub support: Vec<usize>,
    pub seconds: f64,
    /// Accuracy on its own training rows (a sanity check, not an estimate of quality).
    pub train_accuracy: f64,
}

/// What a training run reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainSummary {
    pub rows: usize,
    pub features: usize,
    pub vectorize_seconds: f64,
    pub heads: Vec<HeadSummary>,
}

/// A fingerprint of texts and labels: equal data, equal fingerprint (order matters).
pub fn fingerprint(data: &LabeledData) -> String {
    let mut h = 0u64;
    let mut mix =
        |bytes: &[u8]| h = hash_bytes(bytes) ^ h.rotate_left(7).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    for t in &data.texts {
        mix(t.as_bytes());
    }
    for head in &data.heads {
        mix(head.name.as_bytes());
        for l in &head.labels {
            mix(l.as_bytes());
        }
        for y in &head.y {
            mix(&y.map_or(u64::MAX, |c| c as u64).to_le_bytes());
        }
    }
    format!("{h:016x}")
}

pub(crate) fn check_head(h: &HeadData) -> Result<(), Error> {
    let (rows, _) = h.labeled();
    if h.labels.is_empty() || rows.is_empty() {
        return Err(Error::Usage(format!(
            "head {}: no labeled rows (every label cell is empty)",
            h.name
        )));
    }
    if h.labels.len() < 2 {
        return Err(Error::Usage(format!(
            "head {}: only one label ({}) in the data; a classifier needs at least two",
            h.name, h.labels[0]
        )));
    }
    Ok(())
}

/// The given rows of `x` (ascending, distinct): borrowed when they are all of them (a single
/// head labeled everywhere: no copy of a matrix that may be the largest thing in memory).
fn rows_of<'a>(x: &'a SparseRows, rows: &[usize]) -> std::borrow::Cow<'a, SparseRows> {
    if rows.len() == x.nrows() && rows.iter().enumerate().all(|(k, &i)| k == i) {
        std::borrow::Cow::Borrowed(x)
    } else {
        std::borrow::Cow::Owned(x.select_rows(rows))
    }
}

/// Trains one head's model on the given rows of `x`; errors name the head.
pub(crate) fn fit_head(
    learner: &Learner,
    spec: &TrainSpec,
    x: &SparseRows,
    rows: &[usize],
    y: &[usize],
    n_classes: usize,
    head: &str,
) -> Result<LinearModel, Error> {
    let xs = rows_of(x, rows);
    model::train(learner, &xs, y, n_classes, &spec.class_weight, spec.seed)
        .map_err(|e| Error::Usage(format!("head {head}: {e}")))
}

/// Trains a bundle on `data`, every head with `spec.learner`.
///
/// # Errors
/// A head with no labeled rows or a single label, bad learner or feature settings.
pub fn train(
    data: &LabeledData,
    spec: &TrainSpec,
    sources: Vec<String>,
) -> Result<(Bundle, TrainSummary), Error> {
    train_per_head(data, spec, &[], sources)
}

/// Trains a bundle with a learner per head (`learners[i]` for head i, e.g. chosen by a search);
/// an empty slice means `spec.learner` for all.
///
/// # Errors
/// As [`train`]; also a learner list whose length differs from the number of heads.
pub fn train_per_head(
    data: &LabeledData,
    spec: &TrainSpec,
    learners: &[Learner],
    sources: Vec<String>,
) -> Result<(Bundle, TrainSummary), Error> {
    if !learners.is_empty() && learners.len() != data.heads.len() {
        return Err(Error::Usage(format!(
            "{} learners for {} heads",
            learners.len(),
            data.heads.len()
        )));
    }
    for h in &data.heads {
        check_head(h)?;
    }
    let t = Instant::now();
    let (vectorizer, _) = Vectorizer::fit(spec.features.clone(), &data.texts)?;
    let x = vectorizer.transform(&data.texts);
    let vectorize_seconds = t.elapsed().as_secs_f64();
    let results: Vec<Result<(Head, HeadSummary), Error>> = data
        .heads
        .par_iter()
        .enumerate()
        .map(|(hi, h)| {
            let t = Instant::now();
            let (rows, y) = h.labeled();
            let learner = learners.get(hi).unwrap_or(&spec.learner);
            let m = fit_head(learner, spec, &x, &rows, &y, h.labels.len(), &h.name)?;
            let seconds = t.elapsed().as_secs_f64();
            let pred = m.predict(&rows_of(&x, &rows));
            let correct = pred.iter().zip(&y).filter(|(p, g)| p == g).count();
            let support = h.support();
            Ok((
                Head {
                    name: h.name.clone(),
                    labels: h.labels.clone(),
                    learner: learner.clone(),
                    class_weight: spec.class_weight.clone(),
                    model: m,
                    support: support.clone(),
                },
                HeadSummary {
                    head: h.name.clone(),
                    labels: h.labels.clone(),
                    support,
                    seconds,
                    train_accuracy: correct as f64 / y.len() as f64,
                },
            ))
        })
        .collect();
    let mut heads = Vec::new();
    let mut summaries = Vec::new();
    for r in results {
        let (h, s) = r?;
        heads.push(h);
        summaries.push(s);
    }
    let summary = TrainSummary {
        rows: data.texts.len(),
        features: vectorizer.n_features(),
        vectorize_seconds,
        heads: summaries,
    };
    let bundle = Bundle {
        clean: spec.clean.clone(),
        vectorizer,
        heads,
        meta: TrainingMeta {
            crate_version: env!("CARGO_PKG_VERSION").to_string(),
            seed: spec.seed,
            rows: data.texts.len(),
            data_fingerprint: fingerprint(data),
            data: sources,
            notes: serde_json::json!({ "spec": spec }),
        },
    };
    Ok((bundle, summary))
}

/// Held-out predictions of one head in one fold: `(row, gold, predicted, probabilities)`.
#[derive(Debug, Clone, PartialEq)]
pub struct FoldPredictions {
    pub fold: usize,
    pub head: usize,
    pub rows: Vec<usize>,
    pub gold: Vec<usize>,
    pub pred: Vec<usize>,
    pub proba: Vec<Vec<f64>>,
}

/// How rows are split into folds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoldSpec {
    pub k: usize,
    pub seed: u64,
    /// Keep rows with the same [`LabeledData::groups`] key in one fold.
    pub grouped: bool,
}

/// A stratification key per row: the row's labels over all heads, so folds are balanced for
/// every head at once (rows unlabeled everywhere form their own stratum).
fn strata(data: &LabeledData) -> Vec<usize> {
    let mut keys: Vec<Vec<usize>> = (0..data.texts.len())
        .map(|i| {
            data.heads
                .iter()
                .map(|h| h.y[i].map_or(0, |c| c + 1))
                .collect()
        })
        .collect();
    let mut uniq = keys.clone();
    uniq.sort();
    uniq.dedup();
    keys.iter_mut()
        .map(|k| uniq.binary_search(k).expect("key present"))
        .collect()
}

/// Positions within `rows` of the rows labeled for head `h`, and their class indices.
pub(crate) fn labeled_in(h: &HeadData, rows: &[usize]) -> (Vec<usize>, Vec<usize>) {
    rows.iter()
        .enumerate()
        .filter_map(|(k, &i)| h.y[i].map(|c| (k, c)))
        .unzip()
}

/// A fold's features: the vectorizer fitted on the training rows only (so idf and vocabulary
/// never see the held-out rows), both sides transformed.
pub(crate) fn fold_features(
    data: &LabeledData,
    config: &VectorizerConfig,
    train_rows: &[usize],
    test_rows: &[usize],
) -> Result<(SparseRows, SparseRows), Error> {
    let texts =
        |rows: &[usize]| -> Vec<&str> { rows.iter().map(|&i| data.texts[i].as_str()).collect() };
    let train = texts(train_rows);
    let (v, _) = Vectorizer::fit(config.clone(), &train)?;
    Ok((v.transform(&train), v.transform(&texts(test_rows))))
}

/// One fold: `(train rows, test rows)`.
pub type Split = (Vec<usize>, Vec<usize>);

/// The folds.
///
/// # Errors
/// Too few rows or groups for `k`.
pub fn folds(data: &LabeledData, f: &FoldSpec) -> Result<Vec<Split>, Error> {
    let y = strata(data);
    let folds = if f.grouped {
        let g: Vec<u64> = data.groups.iter().map(|s| model::group_id(s)).collect();
        model::grouped_stratified_kfold(&y, &g, f.k, f.seed)?
    } else {
        model::stratified_kfold(&y, f.k, f.seed)?
    };
    Ok(folds)
}

/// Cross-validates: for each fold, refits vectorizer and heads on the training rows and
/// predicts the held-out rows of every head.
///
/// # Errors
/// As [`train`] and [`folds`]; a fold whose training rows hold a single label of a head is an
/// error naming the head and fold.
pub fn cross_validate(
    data: &LabeledData,
    spec: &TrainSpec,
    f: &FoldSpec,
) -> Result<Vec<FoldPredictions>, Error> {
    for h in &data.heads {
        check_head(h)?;
    }
    let splits = folds(data, f)?;
    let per_fold: Vec<Result<Vec<FoldPredictions>, Error>> = splits
        .par_iter()
        .enumerate()
        .map(|(fold, (train_rows, test_rows))| {
            let (x_train, x_test) = fold_features(data, &spec.features, train_rows, test_rows)?;
            let mut out = Vec::new();
            for (hi, h) in data.heads.iter().enumerate() {
                let (local, y) = labeled_in(h, train_rows);
                let (tlocal, gold) = labeled_in(h, test_rows);
                if tlocal.is_empty() {
                    continue;
                }
                let m = fit_head(
                    &spec.learner,
                    spec,
                    &x_train,
                    &local,
                    &y,
                    h.labels.len(),
                    &format!("{} (fold {})", h.name, fold + 1),
                )?;
                let xt = x_test.select_rows(&tlocal);
                let proba = m.predict_proba(&xt);
                let pred = m.predict(&xt);
                out.push(FoldPredictions {
                    fold,
                    head: hi,
                    rows: tlocal.iter().map(|&k| test_rows[k]).collect(),
                    gold,
                    pred: pred.to_vec(),
                    proba: proba.outer_iter().map(|r| r.to_vec()).collect(),
                });
            }
            Ok(out)
        })
        .collect();
    let mut all = Vec::new();
    for r in per_fold {
        all.extend(r?);
    }
    Ok(all)
}
