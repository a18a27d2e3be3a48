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
                let model: Result<$crate::model::LinearModel, $crate::model::ModelError> = $fit;
                model.map($crate::model::LinearModel::at_storage_precision)
            }
        }
    };
}

pub mod bayes;
pub mod error;
pub mod kfold;
mod lbfgs;
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

/// Defines [`Learner`] and its two serde forms from one list of variants, and the conversions
/// between them (the three enums have identical variants). A field's `= "path"` names its
/// default in the tagged form (a missing field takes it); the plain form always has every field.
macro_rules! learners {
    ($(
        $(#[$doc:meta])*
        $v:ident { $($f:ident: $t:ty $(= $default:literal)?),* $(,)? }
    )*) => {
        /// A learner and its hyper-parameters, as stored in configuration and bundles.
        ///
        /// In human-readable formats (JSON, TOML) it is tagged by `"type"`
        /// (`{"type": "Svm", "c": 1}`) and missing `tol`/`max_iter`/`beta`/`alpha` fields take
        /// scikit-learn's defaults; binary formats (bincode cannot read internally tagged enums)
        /// get a plain externally tagged form.
        #[derive(Clone, Debug, PartialEq)]
        pub enum Learner {
            $($(#[$doc])* $v { $($f: $t),* },)*
        }

        #[derive(Serialize, Deserialize)]
        #[serde(tag = "type")]
        enum LearnerTagged {
            $($v { $($(#[serde(default = $default)])? $f: $t),* },)*
        }

        #[derive(Serialize, Deserialize)]
        enum LearnerPlain {
            $($v { $($f: $t),* },)*
        }

        impl From<&Learner> for LearnerTagged {
            fn from(l: &Learner) -> Self {
                match *l {
                    $(Learner::$v { $($f),* } => Self::$v { $($f),* },)*
                }
            }
        }

        impl From<&Learner> for LearnerPlain {
            fn from(l: &Learner) -> Self {
                match *l {
                    $(Learner::$v { $($f),* } => Self::$v { $($f),* },)*
                }
            }
        }

        impl From<LearnerTagged> for Learner {
            fn from(l: LearnerTagged) -> Self {
                match l {
                    $(LearnerTagged::$v { $($f),* } => Self::$v { $($f),* },)*
                }
            }
        }

        impl From<LearnerPlain> for Learner {
            fn from(l: LearnerPlain) -> Self {
                match l {
                    $(LearnerPlain::$v { $($f),* } => Self::$v { $($f),* },)*
                }
            }
        }
    };
}

learners! {
    /// L2 logistic regression (multinomial; binomial for two classes), L-BFGS.
    Logistic {
        c: f64,
        tol: f64 = "default_tol",
        max_iter: usize = "default_logistic_iter",
    }
    /// Linear SVM, squared hinge, one-vs-rest dual coordinate descent, Platt probabilities.
    Svm {
        c: f64,
        tol: f64 = "default_tol",
        max_iter: usize = "default_svm_iter",
    }
    /// Multinomial naive Bayes.
    MultinomialNb { alpha: f64 = "default_alpha" }
    /// Complement naive Bayes.
    ComplementNb { alpha: f64 = "default_alpha" }
    /// SVM on NB-log-ratio-scaled features (Wang & Manning 2012).
    NbSvm {
        c: f64,
        alpha: f64 = "default_alpha",
        beta: f64 = "default_beta",
        tol: f64 = "default_tol",
        max_iter: usize = "default_svm_iter",
    }
    /// Logistic regression on NB-log-ratio-scaled features (one-vs-rest, Platt).
    NbLogistic {
        c: f64,
        alpha: f64 = "default_alpha",
        beta: f64 = "default_beta",
        tol: f64 = "default_tol",
        max_iter: usize = "default_logistic_iter",
    }
}

impl Serialize for Learner {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            LearnerTagged::from(self).serialize(s)
        } else {
            LearnerPlain::from(self).serialize(s)
        }
    }
}

impl<'de> Deserialize<'de> for Learner {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(if d.is_human_readable() {
            LearnerTagged::deserialize(d)?.into()
        } else {
            LearnerPlain::deserialize(d)?.into()
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
    let model = match *learner {
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
        }
        | Learner::NbLogistic {
            c,
            alpha,
            beta,
            tol,
            max_iter,
        } => {
            let base = match learner {
                Learner::NbLogistic { .. } => NbBase::Logistic,
                _ => NbBase::Svm,
            };
            let p = NbSvmParams::new(n_classes)
                .base(base)
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
    };
    model.map(LinearModel::at_storage_precision)
}
