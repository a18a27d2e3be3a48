//! NBSVM (Wang & Manning 2012): an SVM on features scaled by naive Bayes log-count ratios.
//!
//! For each one-vs-rest problem, `r_j = log((p_j / |p|_1) / (q_j / |q|_1))` with
//! `p = alpha + sum of rows of the class`, `q = alpha + sum of the other rows`. The SVM is trained
//! on `x~ = r * x`, its weights are interpolated towards their mean magnitude,
//! `w' = (1 - beta) * mean|w| + beta * w` (the paper's regularizer towards NB; `beta = 1` is a
//! plain SVM on scaled features), and then `r` is FOLDED into the weights: the stored weight is
//! `w'_j * r_j`, so scoring a raw row is the ordinary linear score and needs no extra step.
//!
//! The base learner is the squared-hinge SVM (the paper's) or, with [`NbBase::Logistic`], an
//! L2 binomial logistic regression per class (L-BFGS, same objective as [`super::logistic`]).
//!
//! Unlike the paper, features are not binarized (`1{x > 0}`): binarization is not linear, so the
//! persisted model could not apply it; TF-IDF values are used as they are. Probabilities are
//! Platt-scaled margins as for the plain SVM.

use serde::{Deserialize, Serialize};

use super::error::ModelError;
use super::linear::LinearModel;
use super::logistic::{check_rows_u32, lbfgs, Problem};
use super::svm::{dual_cd, ovr};
use super::weights::{
    check_alpha, check_c, check_data, check_solver, require_two_classes, ClassWeight,
};
use crate::vectorize::sparse::Value;
use crate::SparseRows;

/// The learner trained on the NB-scaled features.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum NbBase {
    /// L2-regularized squared hinge, dual coordinate descent (Wang & Manning's NBSVM).
    #[default]
    Svm,
    /// L2-regularized logistic regression, L-BFGS ("NB-LR").
    Logistic,
}

/// Checked NBSVM hyper-parameters; build through [`NbSvmParams`].
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ValidNbSvmParams {
    c: f64,
    alpha: f64,
    beta: f64,
    tol: f64,
    max_iter: usize,
    n_classes: usize,
    class_weight: ClassWeight,
    seed: u64,
    base: NbBase,
}

/// NBSVM hyper-parameters. Defaults: `C = 1`, `alpha = 1`, `beta = 0.25` (the paper's),
/// `tol = 1e-4`, `max_iter = 1000`, seed 0.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct NbSvmParams(ValidNbSvmParams);

impl NbSvmParams {
    pub fn new(n_classes: usize) -> Self {
        Self(ValidNbSvmParams {
            c: 1.0,
            alpha: 1.0,
            beta: 0.25,
            tol: 1e-4,
            max_iter: 1000,
            n_classes,
            class_weight: ClassWeight::None,
            seed: 0,
            base: NbBase::Svm,
        })
    }
    setters!(
        /// The base learner (SVM by default).
        base: NbBase,
        c: f64,
        alpha: f64,
        beta: f64,
        tol: f64,
        max_iter: usize,
        n_classes: usize,
        class_weight: ClassWeight,
        seed: u64,
    );
}

fn check(p: &ValidNbSvmParams) -> Result<(), ModelError> {
    check_c(p.c)?;
    check_alpha(p.alpha)?;
    if !(0.0..=1.0).contains(&p.beta) {
        return Err(ModelError::InvalidBeta(p.beta));
    }
    check_solver(p.tol, p.max_iter, p.n_classes, &p.class_weight)
}

linfa_params!(NbSvmParams => ValidNbSvmParams, check: check, fit: |x, y, p| fit_nbsvm(x, &y, p));

/// `x` with column `j` multiplied by `r[j]` (same sparsity pattern).
fn scale_columns(x: &SparseRows, r: &[f64]) -> SparseRows {
    let m = x.as_csmat();
    let indptr = m.indptr().to_proper().into_owned();
    let indices = m.indices().to_vec();
    let data = indices
        .iter()
        .zip(m.data())
        .map(|(&j, &v)| (f64::from(v) * r[j as usize]) as Value)
        .collect();
    SparseRows::from_parts(x.ncols(), indptr, indices, data).expect("same pattern as a valid CSR")
}

/// NB log-count ratios for targets `t` (+1/-1).
fn log_count_ratio(x: &SparseRows, t: &[f64], alpha: f64) -> Vec<f64> {
    let alpha = alpha.max(1e-10);
    let mut p = vec![alpha; x.ncols()];
    let mut q = vec![alpha; x.ncols()];
    for (r, &ti) in x.rows().zip(t) {
        let acc = if ti > 0.0 { &mut p } else { &mut q };
        for (j, v) in r.iter() {
            acc[j] += v;
        }
    }
    let (sp, sq): (f64, f64) = (p.iter().sum(), q.iter().sum());
    p.iter()
        .zip(&q)
        .map(|(&pj, &qj)| (pj / sp).ln() - (qj / sq).ln())
        .collect()
}

/// Trains NBSVM (one-vs-rest, Platt probabilities).
///
/// # Errors
/// Bad parameters or data (negative feature values included), see [`ModelError`].
pub fn fit_nbsvm(
    x: &SparseRows,
    y: &[usize],
    p: &ValidNbSvmParams,
) -> Result<LinearModel, ModelError> {
    check(p)?;
    let summary = check_data(x, y, p.n_classes, true)?;
    require_two_classes(&summary)?;
    let cw = p.class_weight.per_class(&summary.counts);
    let sw: Vec<f64> = y.iter().map(|&c| cw[c]).collect();
    let ci: Vec<f64> = sw.iter().map(|&s| p.c * s).collect();
    check_rows_u32(x)?;
    Ok(ovr(x, y, p.n_classes, &summary, p.seed, |t, seed| {
        let r = log_count_ratio(x, t, p.alpha);
        let xs = scale_columns(x, &r);
        let (mut w, b) = match p.base {
            NbBase::Svm => dual_cd(&xs, t, &ci, p.tol, p.max_iter, seed).0,
            NbBase::Logistic => {
                let yb: Vec<usize> = t.iter().map(|&v| usize::from(v > 0.0)).collect();
                let problem = Problem::new(&xs, None, &yb, &sw, 1, true, p.c);
                let mut theta = vec![0.0; xs.ncols() + 1];
                lbfgs(&problem, &mut theta, p.tol, p.max_iter);
                let b = theta[xs.ncols()];
                theta.truncate(xs.ncols());
                (theta, b)
            }
        };
        let mean_abs = w.iter().map(|v| v.abs()).sum::<f64>() / w.len() as f64;
        for (wj, &rj) in w.iter_mut().zip(&r) {
            *wj = ((1.0 - p.beta) * mean_abs + p.beta * *wj) * rj;
        }
        (w, b)
    }))
}
