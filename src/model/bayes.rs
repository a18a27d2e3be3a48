//! Multinomial and complement naive Bayes, reduced to linear models.
//!
//! Both are linear in the features: multinomial NB scores a row by
//! `log P(c) + sum_j x_j log theta_jc` (the joint log-likelihood; softmax of it is the exact
//! posterior), complement NB (Rennie et al. 2003, as scikit-learn's `ComplementNB` with
//! `norm=False`) by `sum_j x_j * -log theta~_jc` where `theta~_c` is estimated from the rows of
//! every OTHER class, which is steadier for imbalanced classes. Neither needs an optimizer.
//!
//! Smoothing: `theta_jc = (count_jc + alpha) / (sum_j count_jc + n_features * alpha)`, as
//! scikit-learn and linfa-bayes. `alpha` is floored at 1e-10 (scikit-learn does the same) so an
//! unseen feature never gets a `-inf` weight, which the persisted form could not carry.
//! Class weights scale each row's counts (as scikit-learn's `sample_weight`).

use serde::{Deserialize, Serialize};

use super::error::ModelError;
use super::linear::{LinearModel, Link, ABSENT_CLASS_INTERCEPT};
use super::weights::{check_alpha, check_data, check_n_classes, ClassWeight};
use crate::SparseRows;

const MIN_ALPHA: f64 = 1e-10;

/// Which naive Bayes.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum NbKind {
    Multinomial,
    Complement,
}

/// Checked naive Bayes hyper-parameters; build through [`NbParams`].
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ValidNbParams {
    kind: NbKind,
    alpha: f64,
    n_classes: usize,
    class_weight: ClassWeight,
}

impl ValidNbParams {
    getters!(kind: NbKind, alpha: f64, n_classes: usize);
}

/// Naive Bayes hyper-parameters (default `alpha = 1`, Laplace smoothing).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct NbParams(ValidNbParams);

impl NbParams {
    pub fn multinomial(n_classes: usize) -> Self {
        Self(ValidNbParams {
            kind: NbKind::Multinomial,
            alpha: 1.0,
            n_classes,
            class_weight: ClassWeight::None,
        })
    }
    pub fn complement(n_classes: usize) -> Self {
        Self(ValidNbParams {
            kind: NbKind::Complement,
            alpha: 1.0,
            n_classes,
            class_weight: ClassWeight::None,
        })
    }
    setters!(alpha: f64, n_classes: usize, class_weight: ClassWeight);
}

fn check(p: &ValidNbParams) -> Result<(), ModelError> {
    check_alpha(p.alpha)?;
    check_n_classes(p.n_classes)?;
    p.class_weight.check(p.n_classes)
}

linfa_params!(NbParams => ValidNbParams, check: check, fit: |x, y, p| fit_nb(x, &y, p));

/// Per-class feature totals, feature-major (`n_features * n_classes`), and class totals.
pub(crate) fn class_feature_counts(
    x: &SparseRows,
    y: &[usize],
    sw: &[f64],
    n: usize,
) -> (Vec<f64>, Vec<f64>) {
    let mut fc = vec![0.0; x.ncols() * n];
    let mut cc = vec![0.0; n];
    for (i, r) in x.rows().enumerate() {
        let c = y[i];
        cc[c] += sw[i];
        for (j, v) in r.iter() {
            fc[j * n + c] += sw[i] * v;
        }
    }
    (fc, cc)
}

/// Trains multinomial or complement naive Bayes.
///
/// # Errors
/// Bad parameters or data (including negative feature values), see [`ModelError`].
pub fn fit_nb(x: &SparseRows, y: &[usize], p: &ValidNbParams) -> Result<LinearModel, ModelError> {
    check_alpha(p.alpha)?;
    p.class_weight.check(p.n_classes)?;
    let summary = check_data(x, y, p.n_classes, true)?;
    let n = p.n_classes;
    let nf = x.ncols();
    let cw = p.class_weight.per_class(&summary.counts);
    let sw: Vec<f64> = y.iter().map(|&c| cw[c]).collect();
    let (fc, cc) = class_feature_counts(x, y, &sw, n);
    let alpha = p.alpha.max(MIN_ALPHA);
    let mut model = LinearModel::zeros(nf, n, Link::Softmax);
    match p.kind {
        NbKind::Multinomial => {
            let total: f64 = cc.iter().sum();
            let mut denom = vec![0.0; n];
            for j in 0..nf {
                for c in 0..n {
                    denom[c] += fc[j * n + c] + alpha;
                }
            }
            let ln_denom: Vec<f64> = denom.iter().map(|d| d.ln()).collect();
            for j in 0..nf {
                for c in 0..n {
                    model.weights[j * n + c] = (fc[j * n + c] + alpha).ln() - ln_denom[c];
                }
            }
            for (c, &count) in cc.iter().enumerate() {
                model.intercept[c] = if summary.counts[c] > 0 {
                    (count / total).ln()
                } else {
                    ABSENT_CLASS_INTERCEPT
                };
            }
        }
        NbKind::Complement => {
            // Complement counts: all classes' counts minus this class's.
            let mut denom = vec![0.0; n];
            let mut comp = vec![0.0; nf * n];
            for j in 0..nf {
                let all: f64 = fc[j * n..(j + 1) * n].iter().sum();
                for c in 0..n {
                    let v = all - fc[j * n + c] + alpha;
                    comp[j * n + c] = v;
                    denom[c] += v;
                }
            }
            let ln_denom: Vec<f64> = denom.iter().map(|d| d.ln()).collect();
            for j in 0..nf {
                for c in 0..n {
                    model.weights[j * n + c] = -(comp[j * n + c].ln() - ln_denom[c]);
                }
            }
            // No prior term (scikit-learn adds one only when a single class was seen, where it
            // is log 1 = 0 anyway); absent classes are pushed out of the argmax.
            for c in 0..n {
                if summary.counts[c] == 0 {
                    model.intercept[c] = ABSENT_CLASS_INTERCEPT;
                }
            }
        }
    }
    Ok(model)
}
