//! The one error type of the learners.
//!
//! Every failure a caller can cause (bad hyper-parameters, inconsistent shapes, labels out of
//! range, NaN in the features) is a named variant, so the CLI can say what to fix instead of
//! the library panicking halfway through a cross-validation run.

/// Errors from training or checking a learner.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// Wraps linfa's own error (linfa's `Fit` requires `From<linfa::Error>`).
    #[error(transparent)]
    Linfa(#[from] linfa::Error),
    /// The inverse regularization strength `C` must be finite and > 0.
    #[error("C must be finite and > 0, got {0}")]
    InvalidC(f64),
    /// The smoothing `alpha` of the naive Bayes learners must be finite and >= 0.
    #[error("alpha must be finite and >= 0, got {0}")]
    InvalidAlpha(f64),
    /// The NBSVM interpolation `beta` must lie in [0, 1].
    #[error("beta must be in [0, 1], got {0}")]
    InvalidBeta(f64),
    /// The stopping tolerance must be finite and > 0.
    #[error("tol must be finite and > 0, got {0}")]
    InvalidTol(f64),
    /// An iteration limit of 0 would return an untrained model.
    #[error("max_iter must be >= 1")]
    ZeroMaxIter,
    /// `n_classes` must be at least 1 (at least 2 for discriminative learners is checked on data).
    #[error("n_classes must be >= 1, got {0}")]
    InvalidNClasses(usize),
    /// Explicit class weights are of the wrong length or not finite and > 0.
    #[error("invalid class weights: {0}")]
    InvalidClassWeight(String),
    /// Rows of the feature matrix and targets differ in number.
    #[error("shape mismatch: {rows} feature rows but {targets} targets")]
    ShapeMismatch { rows: usize, targets: usize },
    /// Training data had no rows (or no columns).
    #[error("empty training data ({rows} rows x {cols} columns)")]
    EmptyData { rows: usize, cols: usize },
    /// A target class index is not below `n_classes`.
    #[error("row {row} has label index {label}, but n_classes is {n_classes}")]
    LabelOutOfRange {
        row: usize,
        label: usize,
        n_classes: usize,
    },
    /// A discriminative learner needs at least two classes present in the training rows.
    #[error(
        "only class {class} is present in the training data; a discriminative learner needs two"
    )]
    SingleClass { class: usize },
    /// A feature value is NaN or infinite.
    #[error("non-finite feature value at row {row}, column {col}")]
    NonFinite { row: usize, col: usize },
    /// Naive Bayes needs non-negative (count-like) features.
    #[error(
        "negative feature value at row {row}, column {col}: naive Bayes needs counts or tf-idf"
    )]
    NegativeValue { row: usize, col: usize },
    /// The data is too large for this learner's index types (e.g. > 2^32 rows for L-BFGS).
    #[error("data too large: {0}")]
    TooLarge(String),
    /// A persisted model is internally inconsistent (e.g. after hand-editing).
    #[error("inconsistent model: {0}")]
    InvalidModel(String),
    /// The k-fold split cannot be made (k < 2, k > rows, k > groups, length mismatch).
    #[error("invalid k-fold split: {0}")]
    InvalidSplit(String),
}
