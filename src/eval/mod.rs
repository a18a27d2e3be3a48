//! Evaluation metrics and accuracy reports for `stance eval` and `stance cv`.
//!
//! The figures follow scikit-learn's `classification_report` / `precision_recall_fscore_support`
//! with `zero_division=0`, so a user can check our numbers against theirs:
//!
//! * precision of a class never predicted is 0; recall of a class with no gold rows is 0;
//!   F1 is `2·tp / (support + predicted)` (scikit-learn's form of `2PR/(P+R)`), 0 when both are 0;
//! * macro averages are the unweighted mean over **every label of the head's label set**,
//!   including labels with zero support; weighted averages weight each label by its support;
//! * `F_avg` is the SemEval-2016 stance score: the mean of F1(favor) and F1(against). Per head it
//!   is reported when the label set holds both (case-insensitive). The report-level
//!   [`EvalReport::pooled_f_avg`] computes it over the *pooled* confusion of all stance heads (all
//!   their test rows together), as the SemEval-2016 scorer does over all targets; it is not the
//!   mean of the per-head values.
//!
//! **Abstentions.** A model may decline to label a row (`pred = None`). Such a row counts in
//! `n`, is wrong for accuracy and is a false negative for its gold class (it lowers recall), but
//! it is no prediction of any class, so it is left out of every precision denominator. This is
//! what scikit-learn gives when the abstention is a prediction outside `labels=`; the confusion
//! matrix keeps abstentions in a separate per-gold-class column so nothing is hidden.
//!
//! **Cross-validation.** Per-fold figures are summarised as mean and *population* standard
//! deviation (ddof = 0, like `numpy.std`'s default), see [`CvSummary`].
//!
//! All arithmetic is in `f64` on integer counts, so results are reproducible to the last bit
//! for a given confusion.

mod charts;
mod details;
mod html;
mod metrics;
mod report;

use std::path::PathBuf;

pub use details::{
    Calibration, CalibrationBin, CalibrationCounts, ClassFeatures, EvalDetails, Example,
    HeadCollector, HeadDetails, CALIBRATION_BINS,
};
pub use metrics::{
    ClassMetrics, Confusion, CvReport, CvSummary, EvalReport, FoldHead, FoldSummary, HeadCv,
    HeadReport,
};

/// Errors building or writing an evaluation report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvalError {
    /// A gold or predicted label outside the head's label set: a data or model/label-set
    /// mismatch the user must see, not a row to drop silently.
    #[error("unknown {role} label {label:?} for head {head:?} (known labels: {known})")]
    UnknownLabel {
        head: String,
        label: String,
        /// `"gold"` or `"predicted"`.
        role: &'static str,
        /// The head's labels, comma-separated, to make the mismatch obvious.
        known: String,
    },
    /// Nothing to score (no rows for a head, or no folds): every metric would be 0/0.
    #[error("empty evaluation: {0}")]
    Empty(String),
    /// Merging confusions of different heads or label sets would mix up counts.
    #[error("cannot merge confusions: {0}")]
    Mismatch(String),
    /// A label set with duplicates makes the matrix ambiguous.
    #[error("duplicate label {label:?} in the label set of head {head:?}")]
    DuplicateLabel { head: String, label: String },
    /// Report format is chosen by extension; anything but `.json` / `.md` / `.html` is refused.
    #[error("cannot write report to {}: {}", path.display(), extension_reason(extension.as_deref()))]
    BadExtension {
        path: PathBuf,
        extension: Option<String>,
    },
    #[error("I/O error on {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot serialize report: {0}")]
    Json(#[from] serde_json::Error),
}

fn extension_reason(ext: Option<&str>) -> String {
    match ext {
        None => "no file extension; use .json, .md or .html".to_string(),
        Some(e) => format!("unsupported extension .{e}; use .json, .md or .html"),
    }
}
