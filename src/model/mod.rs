//! Sparse linear learners.
//!
//! Every learner trains on CSR rows ([`crate::SparseRows`]) and reduces to one persisted form,
//! [`LinearModel`] (feature-major weights, intercepts, and a [`Link`] from scores to
//! probabilities), so the scorer and the bundle format know one type only:
//!
//! - [`logistic`]: L2 logistic regression (multinomial; binomial for two classes), L-BFGS;
//! - [`svm`]: linear SVM, squared hinge, one-vs-rest, liblinear's dual coordinate descent,
//!   Platt-scaled probabilities;
//! - [`bayes`]: multinomial and complement naive Bayes;
//! - [`nbsvm`]: NB-log-ratio-scaled SVM or logistic regression (Wang & Manning 2012);
//! - [`kfold`]: stratified and grouped stratified folds over row indices.
//!
//! Each learner has linfa-style parameters (`XParams` -> `check()` -> `Fit` on
//! `DatasetBase<SparseRows, Array1<usize>>`); [`train`] is the single entry point the CLI uses.
//! Targets are class indices into a label list kept by the caller; `n_classes` is given so that
//! a class missing from a training fold still gets a model row (never predicted).
//!
//! Determinism: the same data, parameters and seed give a bit-identical model, whatever the
//! number of rayon threads (parallel work is split in fixed chunks merged in order).
//!
//! Diagnostics: with `STANCE_LBFGS_TRACE` set, the L-BFGS solver prints one line per iteration
//! to stderr; with `STANCE_SVM_TRACE`, the dual solver prints its number of passes. Nothing
//! else reads the environment.

/// Builder setters on a `XParams(ValidXParams)` newtype: `fn name(mut self, name: T) -> Self`.
macro_rules! setters {
    ($($(#[$m:meta])* $f:ident: $t:ty),* $(,)?) => {
        $(
            $(#[$m])*
            pub fn $f(mut self, $f: $t) -> Self {
                self.0.$f = $f;
                self
            }
        )*
    };
}

/// Getters of `Copy` fields on a `ValidXParams`.
macro_rules! getters {
    ($($f:ident: $t:ty),* $(,)?) => {
        $(
            pub fn $f(&self) -> $t {
                self.$f
            }
        )*
    };
}

/// linfa's `ParamGuard` for `$params` (a newtype over `$valid`, checked by `$check`) and `Fit`
/// for `$valid` (targets collected into a `Vec`, then `$fit` with `$x`, `$y`, `$p` bound).
macro_rules! linfa_params {
    ($params:ident => $valid:ident, check: $check:expr, fit: |$x:ident, $y:ident, $p:ident| $fit:expr) => {
        impl linfa::ParamGuard for $params {
            type Checked = $valid;
            type Error = $crate::model::ModelError;

            fn check_ref(&self) -> Result<&$valid, $crate::model::ModelError> {
                $check(&self.0)?;
                Ok(&self.0)
            }

            fn check(self) -> Result<$valid, $crate::model::ModelError> {
                $check(&self.0)?;
                Ok(self.0)
            }
        }

        impl
            linfa::traits::Fit<
                $crate::SparseRows,
                ndarray::Array1<usize>,
                $crate::model::ModelError,
            > for $valid
        {
            type Object = $crate::model::LinearModel;

            fn fit(
                &self,
                dataset: &linfa::DatasetBase<$crate::SparseRows, ndarray::Array1<usize>>,
            ) -> Result<$crate::model::LinearModel, $crate::model::ModelError> {
                let $y: Vec<usize> = dataset.targets().iter().copied().collect();
                let $x = dataset.records();
                let $p = self;
                $fit
            }
        }
    };
}

pub mod bayes;
pub mod error;
pub mod kfold;
pub mod linear;
pub mod logistic;
pub mod nbsvm;
pub mod svm;
pub mod weights;

use serde::{Deserialize, Serialize};

pub use bayes::{fit_nb, NbKind, NbParams, ValidNbParams};
pub use error::ModelError;
pub use kfold::{group_id, grouped_stratified_kfold, stratified_kfold, Fold};
pub use linear::{LinearModel, Link, ABSENT_CLASS_INTERCEPT};
pub use logistic::{fit_logistic, LogisticParams, SolverInfo, ValidLogisticParams};
pub use nbsvm::{fit_nbsvm, NbBase, NbSvmParams, ValidNbSvmParams};
pub use svm::{fit_svm, SvmParams, ValidSvmParams};
pub use weights::ClassWeight;

use crate::SparseRows;

/// The dataset type the learners' linfa `Fit` implementations take.
pub type SparseDataset = linfa::DatasetBase<SparseRows, ndarray::Array1<usize>>;

fn default_tol() -> f64 {
    1e-4
}
fn default_logistic_iter() -> usize {
    100
}
fn default_svm_iter() -> usize {
    1000
}
fn default_beta() -> f64 {
    0.25
}
fn default_alpha() -> f64 {
    1.0
}

/// A learner and its hyper-parameters, as stored in configuration and bundles.
///
/// In human-readable formats (JSON, TOML) it is tagged by `"type"` (`{"type": "Svm", "c": 1}`)
/// and missing `tol`/`max_iter`/`beta`/`alpha` fields take scikit-learn's defaults; binary
/// formats (bincode cannot read internally tagged enums) get a plain externally tagged form.
#[derive(Clone, Debug, PartialEq)]
pub enum Learner {
    /// L2 logistic regression (multinomial; binomial for two classes), L-BFGS.
    Logistic { c: f64, tol: f64, max_iter: usize },
    /// Linear SVM, squared hinge, one-vs-rest dual coordinate descent, Platt probabilities.
    Svm { c: f64, tol: f64, max_iter: usize },
    /// Multinomial naive Bayes.
    MultinomialNb { alpha: f64 },
    /// Complement naive Bayes.
    ComplementNb { alpha: f64 },
    /// SVM on NB-log-ratio-scaled features (Wang & Manning 2012).
    NbSvm {
        c: f64,
        alpha: f64,
        beta: f64,
        tol: f64,
        max_iter: usize,
    },
    /// Logistic regression on NB-log-ratio-scaled features (one-vs-rest, Platt).
    NbLogistic {
        c: f64,
        alpha: f64,
        beta: f64,
        tol: f64,
        max_iter: usize,
    },
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "type")]
enum LearnerTagged {
    Logistic {
        c: f64,
        #[serde(default = "default_tol")]
        tol: f64,
        #[serde(default = "default_logistic_iter")]
        max_iter: usize,
    },
    Svm {
        c: f64,
        #[serde(default = "default_tol")]
        tol: f64,
        #[serde(default = "default_svm_iter")]
        max_iter: usize,
    },
    MultinomialNb {
        #[serde(default = "default_alpha")]
        alpha: f64,
    },
    ComplementNb {
        #[serde(default = "default_alpha")]
        alpha: f64,
    },
    NbSvm {
        c: f64,
        #[serde(default = "default_alpha")]
        alpha: f64,
        #[serde(default = "default_beta")]
        beta: f64,
        #[serde(default = "default_tol")]
        tol: f64,
        #[serde(default = "default_svm_iter")]
        max_iter: usize,
    },
    NbLogistic {
        c: f64,
        #[serde(default = "default_alpha")]
        alpha: f64,
        #[serde(default = "default_beta")]
        beta: f64,
        #[serde(default = "default_tol")]
        tol: f64,
        #[serde(default = "default_logistic_iter")]
        max_iter: usize,
    },
}

#[derive(Serialize, Deserialize)]
enum LearnerPlain {
    Logistic {
        c: f64,
        tol: f64,
        max_iter: usize,
    },
    Svm {
        c: f64,
        tol: f64,
        max_iter: usize,
    },
    MultinomialNb {
        alpha: f64,
    },
    ComplementNb {
        alpha: f64,
    },
    NbSvm {
        c: f64,
        alpha: f64,
        beta: f64,
        tol: f64,
        max_iter: usize,
    },
    NbLogistic {
        c: f64,
        alpha: f64,
        beta: f64,
        tol: f64,
        max_iter: usize,
    },
}

/// Converts between the three enums, which have identical variants.
macro_rules! convert_learner {
    ($from:ident, $to:ident, $v:expr) => {
        match $v {
            $from::Logistic { c, tol, max_iter } => $to::Logistic { c, tol, max_iter },
            $from::Svm { c, tol, max_iter } => $to::Svm { c, tol, max_iter },
            $from::MultinomialNb { alpha } => $to::MultinomialNb { alpha },
            $from::ComplementNb { alpha } => $to::ComplementNb { alpha },
            $from::NbSvm {
                c,
                alpha,
                beta,
                tol,
                max_iter,
            } => $to::NbSvm {
                c,
                alpha,
                beta,
                tol,
                max_iter,
            },
            $from::NbLogistic {
                c,
                alpha,
                beta,
                tol,
                max_iter,
            } => $to::NbLogistic {
                c,
                alpha,
                beta,
                tol,
                max_iter,
            },
        }
    };
}

impl Serialize for Learner {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let l = self.clone();
        if s.is_human_readable() {
            convert_learner!(Learner, LearnerTagged, l).serialize(s)
        } else {
            convert_learner!(Learner, LearnerPlain, l).serialize(s)
        }
    }
}

impl<'de> Deserialize<'de> for Learner {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(if d.is_human_readable() {
            convert_learner!(LearnerTagged, Learner, LearnerTagged::deserialize(d)?)
        } else {
            convert_learner!(LearnerPlain, Learner, LearnerPlain::deserialize(d)?)
        })
    }
}

/// Trains `learner` on rows `x` with class indices `y` (each `< n_classes`).
///
/// `seed` drives every random choice (SVM coordinate order); logistic regression and naive
/// Bayes are deterministic without it.
///
/// # Errors
/// Bad hyper-parameters, shapes, labels or values, and a single present class for the
/// discriminative learners: see [`ModelError`]. Never panics on bad input.
pub fn train(
    learner: &Learner,
    x: &SparseRows,
    y: &[usize],
    n_classes: usize,
    class_weight: &ClassWeight,
    seed: u64,
) -> Result<LinearModel, ModelError> {
    use linfa::ParamGuard;
    let cw = class_weight.clone();
    match *learner {
        Learner::Logistic { c, tol, max_iter } => {
            let p = LogisticParams::new(n_classes)
                .c(c)
                .tol(tol)
                .max_iter(max_iter)
                .class_weight(cw)
                .check()?;
            fit_logistic(x, y, &p).map(|(m, _)| m)
        }
        Learner::Svm { c, tol, max_iter } => {
            let p = SvmParams::new(n_classes)
                .c(c)
                .tol(tol)
                .max_iter(max_iter)
                .class_weight(cw)
                .seed(seed)
                .check()?;
            fit_svm(x, y, &p)
        }
        Learner::MultinomialNb { alpha } => fit_nb(
            x,
            y,
            &NbParams::multinomial(n_classes)
                .alpha(alpha)
                .class_weight(cw)
                .check()?,
        ),
        Learner::ComplementNb { alpha } => fit_nb(
            x,
            y,
            &NbParams::complement(n_classes)
                .alpha(alpha)
                .class_weight(cw)
                .check()?,
        ),
        Learner::NbSvm {
            c,
            alpha,
            beta,
            tol,
            max_iter,
        } => {
            let p = NbSvmParams::new(n_classes)
                .c(c)
                .alpha(alpha)
                .beta(beta)
                .tol(tol)
                .max_iter(max_iter)
                .class_weight(cw)
                .seed(seed)
                .check()?;
            fit_nbsvm(x, y, &p)
        }
        Learner::NbLogistic {
            c,
            alpha,
            beta,
            tol,
            max_iter,
        } => {
            let p = NbSvmParams::new(n_classes)
                .base(NbBase::Logistic)
                .c(c)
                .alpha(alpha)
                .beta(beta)
                .tol(tol)
                .max_iter(max_iter)
                .class_weight(cw)
                .seed(seed)
                .check()?;
            fit_nbsvm(x, y, &p)
        }
    }
}
