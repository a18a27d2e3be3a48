//! Grid search: feature settings x class weightings x learner settings, scored by k-fold cross-validation with
//! the pipeline refit in every fold. The vectorizer is fitted once per (setting, fold) and
//! shared by every head and learner setting, which is what makes a grid affordable.

use rayon::prelude::*;
use serde::Serialize;

use crate::dataset::LabeledData;
use crate::eval::{Confusion, HeadReport};
use crate::model::{ClassWeight, Learner};
use crate::train::{check_head, fit_head, fold_features, folds, labeled_in, FoldSpec, TrainSpec};
use crate::vectorize::VectorizerConfig;
use crate::Error;

/// What to try.
#[derive(Debug, Clone)]
pub struct Grid {
    /// Named feature settings.
    pub features: Vec<(String, VectorizerConfig)>,
    /// Class weightings to try (each with every feature setting); empty: the base spec's only.
    pub class_weights: Vec<ClassWeight>,
    pub learners: Vec<Learner>,
}

/// One cell of the grid, scored.
#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    pub features: String,
    pub class_weight: ClassWeight,
    pub head: String,
    pub learner: Learner,
    /// `f_avg` for stance heads (labels include favor and against), else `macro_f1`.
    pub metric: &'static str,
    pub score: f64,
}

/// The search's choice and everything it measured.
#[derive(Debug, Clone, Serialize)]
pub struct SearchResult {
    pub features_name: String,
    pub features: VectorizerConfig,
    pub class_weight: ClassWeight,
    /// Best learner per head (head order).
    pub heads: Vec<Cell>,
    pub cells: Vec<Cell>,
    pub folds: usize,
}

impl SearchResult {
    pub fn per_head_learners(&self) -> Vec<Learner> {
        self.heads.iter().map(|c| c.learner.clone()).collect()
    }

    /// An aligned table of the chosen cells.
    pub fn table(&self) -> String {
        let mut s = format!(
            "search ({} folds): features {}, class weight {:?} chosen\n",
            self.folds, self.features_name, self.class_weight
        );
        for c in &self.heads {
            s += &format!(
                "  head {:<16} {:<8} {:.4}  {:?}\n",
                c.head, c.metric, c.score, c.learner
            );
        }
        s
    }
}

/// Runs the grid; ties keep the earlier setting.
///
/// # Errors
/// As cross-validation: unusable heads, too few rows for the folds, bad settings.
pub fn search(
    data: &LabeledData,
    base: &TrainSpec,
    grid: &Grid,
    f: &FoldSpec,
) -> Result<SearchResult, Error> {
    for h in &data.heads {
        check_head(h)?;
    }
    if grid.features.is_empty() || grid.learners.is_empty() {
        return Err(Error::Usage("empty search grid".into()));
    }
    let splits = folds(data, f)?;
    let class_weights = if grid.class_weights.is_empty() {
        vec![base.class_weight.clone()]
    } else {
        grid.class_weights.clone()
    };
    let specs: Vec<TrainSpec> = class_weights
        .iter()
        .map(|cw| TrainSpec {
            class_weight: cw.clone(),
            ..base.clone()
        })
        .collect();
    let jobs: Vec<(usize, usize)> = (0..grid.features.len())
        .flat_map(|s| (0..splits.len()).map(move |k| (s, k)))
        .collect();
    // conf[job][head][class weight * learners + learner]
    let results: Vec<Result<Vec<Vec<Confusion>>, Error>> = jobs
        .par_iter()
        .map(|&(si, k)| {
            let (train_rows, test_rows) = &splits[k];
            let (xtr, xte) = fold_features(data, &grid.features[si].1, train_rows, test_rows)?;
            let mut per_head = Vec::new();
            for h in &data.heads {
                let (local, y) = labeled_in(h, train_rows);
                let (tlocal, gold) = labeled_in(h, test_rows);
                let xt = xte.select_rows(&tlocal);
                let mut per_learner = Vec::new();
                for (spec, l) in specs
                    .iter()
                    .flat_map(|s| grid.learners.iter().map(move |l| (s, l)))
                {
                    let mut conf = Confusion::new(h.name.clone(), h.labels.clone())
                        .map_err(|e| Error::Usage(e.to_string()))?;
                    if !tlocal.is_empty() {
                        let m = fit_head(l, spec, &xtr, &local, &y, h.labels.len(), &h.name)?;
                        for (p, g) in m.predict(&xt).iter().zip(&gold) {
                            conf.add(&h.labels[*g], Some(&h.labels[*p]))
                                .map_err(|e| Error::Usage(e.to_string()))?;
                        }
                    }
                    per_learner.push(conf);
                }
                per_head.push(per_learner);
            }
            Ok(per_head)
        })
        .collect();
    let results = results.into_iter().collect::<Result<Vec<_>, _>>()?;
    let mut cells = Vec::new();
    let mut best: Option<(f64, usize, usize, Vec<Cell>)> = None;
    let nl = grid.learners.len();
    for ((si, (name, _)), (wi, cw)) in grid
        .features
        .iter()
        .enumerate()
        .flat_map(|f| class_weights.iter().enumerate().map(move |w| (f, w)))
    {
        let mut chosen = Vec::new();
        for (hi, h) in data.heads.iter().enumerate() {
            let mut head_best: Option<Cell> = None;
            for (li, l) in grid.learners.iter().enumerate() {
                let li = wi * nl + li;
                let mut conf = Confusion::new(h.name.clone(), h.labels.clone())
                    .map_err(|e| Error::Usage(e.to_string()))?;
                for (j, &(s, _)) in jobs.iter().enumerate() {
                    if s == si {
                        conf.merge(&results[j][hi][li])
                            .map_err(|e| Error::Usage(e.to_string()))?;
                    }
                }
                let r =
                    HeadReport::from_confusion(&conf).map_err(|e| Error::Usage(e.to_string()))?;
                let (metric, score) = match r.f_avg {
                    Some(v) => ("f_avg", v),
                    None => ("macro_f1", r.macro_f1),
                };
                let cell = Cell {
                    features: name.clone(),
                    class_weight: cw.clone(),
                    head: h.name.clone(),
                    learner: l.clone(),
                    metric,
                    score,
                };
                if head_best.as_ref().is_none_or(|b| score > b.score) {
                    head_best = Some(cell.clone());
                }
                cells.push(cell);
            }
            chosen.push(head_best.expect("at least one learner"));
        }
        let mean = chosen.iter().map(|c| c.score).sum::<f64>() / chosen.len() as f64;
        if best.as_ref().is_none_or(|b| mean > b.0) {
            best = Some((mean, si, wi, chosen));
        }
    }
    let (_, si, wi, heads) = best.expect("at least one setting");
    Ok(SearchResult {
        features_name: grid.features[si].0.clone(),
        features: grid.features[si].1.clone(),
        class_weight: class_weights[wi].clone(),
        heads,
        cells,
        folds: splits.len(),
    })
}
