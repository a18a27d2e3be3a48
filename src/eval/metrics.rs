//! Confusion counting and the figures derived from it (see the module docs for conventions).

use serde::{Deserialize, Serialize};

use super::EvalError;

/// Gold × predicted counts for one head, plus abstentions per gold class.
///
/// Everything else in a report is computed from these integers, which is why folds can be
/// [merged](Confusion::merge) exactly: the merge of per-fold confusions is the confusion of all
/// rows together. Row and column order is the order of the label set given to
/// [`Confusion::new`] (heads keep their label sets sorted, matching scikit-learn's default order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ConfusionData")]
pub struct Confusion {
    head: String,
    labels: Vec<String>,
    /// `counts[gold][pred]`.
    counts: Vec<Vec<u64>>,
    /// Rows with no prediction, per gold class.
    abstained: Vec<u64>,
}

/// Unchecked mirror of [`Confusion`] so deserialization can validate the shape.
#[derive(Deserialize)]
struct ConfusionData {
    head: String,
    labels: Vec<String>,
    counts: Vec<Vec<u64>>,
    abstained: Vec<u64>,
}

impl TryFrom<ConfusionData> for Confusion {
    type Error = String;

    fn try_from(d: ConfusionData) -> Result<Self, String> {
        let k = d.labels.len();
        if d.counts.len() != k || d.counts.iter().any(|r| r.len() != k) || d.abstained.len() != k {
            return Err(format!(
                "confusion for head {:?}: counts must be {k}x{k} and abstained {k} long",
                d.head
            ));
        }
        let mut c = Confusion::new(d.head, d.labels).map_err(|e| e.to_string())?;
        c.counts = d.counts;
        c.abstained = d.abstained;
        Ok(c)
    }
}

impl Confusion {
    /// An empty confusion for `head` over `labels` (kept in the order given).
    ///
    /// The head name is stored so that an unknown label can be reported with its head.
    pub fn new<I, S>(head: impl Into<String>, labels: I) -> Result<Self, EvalError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let head = head.into();
        let labels: Vec<String> = labels.into_iter().map(Into::into).collect();
        for (i, l) in labels.iter().enumerate() {
            if labels[..i].contains(l) {
                return Err(EvalError::DuplicateLabel {
                    head,
                    label: l.clone(),
                });
            }
        }
        let k = labels.len();
        Ok(Confusion {
            head,
            labels,
            counts: vec![vec![0; k]; k],
            abstained: vec![0; k],
        })
    }

    /// Counts one row. `pred = None` is an abstention (see the module docs).
    ///
    /// Labels are matched exactly (case-sensitive): a label outside the set is an error naming
    /// it, and nothing is counted for that row.
    pub fn add(&mut self, gold: &str, pred: Option<&str>) -> Result<(), EvalError> {
        let g = self.index(gold, "gold")?;
        match pred {
            Some(p) => {
                let p = self.index(p, "predicted")?;
                self.counts[g][p] += 1;
            }
            None => self.abstained[g] += 1,
        }
        Ok(())
    }

    /// Adds `other`'s counts. Head name and label set (including order) must be equal.
    pub fn merge(&mut self, other: &Confusion) -> Result<(), EvalError> {
        if self.head != other.head || self.labels != other.labels {
            return Err(EvalError::Mismatch(format!(
                "head {:?} {:?} vs head {:?} {:?}",
                self.head, self.labels, other.head, other.labels
            )));
        }
        for (row, orow) in self.counts.iter_mut().zip(&other.counts) {
            for (c, o) in row.iter_mut().zip(orow) {
                *c += o;
            }
        }
        for (a, o) in self.abstained.iter_mut().zip(&other.abstained) {
            *a += o;
        }
        Ok(())
    }

    fn index(&self, label: &str, role: &'static str) -> Result<usize, EvalError> {
        self.labels
            .iter()
            .position(|l| l == label)
            .ok_or_else(|| EvalError::UnknownLabel {
                head: self.head.clone(),
                label: label.to_string(),
                role,
                known: self.labels.join(", "),
            })
    }

    pub fn head(&self) -> &str {
        &self.head
    }

    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// `counts()[gold][pred]`, abstentions excluded.
    pub fn counts(&self) -> &[Vec<u64>] {
        &self.counts
    }

    /// Abstentions per gold class.
    pub fn abstained(&self) -> &[u64] {
        &self.abstained
    }

    /// All rows counted, abstentions included.
    pub fn n(&self) -> u64 {
        self.counts.iter().flatten().sum::<u64>() + self.abstained.iter().sum::<u64>()
    }

    /// Correct predictions of class `k`.
    fn tp(&self, k: usize) -> u64 {
        self.counts[k][k]
    }

    /// Rows predicted as class `k` (abstentions are no prediction).
    fn predicted(&self, k: usize) -> u64 {
        self.counts.iter().map(|r| r[k]).sum()
    }

    /// Gold rows of class `k`, abstained ones included.
    fn support(&self, k: usize) -> u64 {
        self.counts[k].iter().sum::<u64>() + self.abstained[k]
    }

    /// Index of the favor and against labels (case-insensitive), if the head is a stance head.
    fn favor_against(&self) -> Option<(usize, usize)> {
        let find = |name: &str| {
            self.labels
                .iter()
                .position(|l| l.eq_ignore_ascii_case(name))
        };
        Some((find("favor")?, find("against")?))
    }
}

/// `num / den`, 0 when `den` is 0 (scikit-learn's `zero_division=0`).
fn ratio(num: f64, den: f64) -> f64 {
    if den == 0.0 {
        0.0
    } else {
        num / den
    }
}

/// F1 in scikit-learn's form `2·tp / (support + predicted)`, equal to `2PR/(P+R)` but with one
/// rounding; 0 when the class is neither in gold nor predicted.
fn f1(tp: u64, support: u64, predicted: u64) -> f64 {
    ratio(2.0 * tp as f64, support as f64 + predicted as f64)
}

/// Unweighted mean, summed left to right (as numpy does for short arrays).
fn mean(xs: impl ExactSizeIterator<Item = f64>) -> f64 {
    let n = xs.len();
    ratio(xs.sum(), n as f64)
}

/// Per-class figures, as one row of `classification_report`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassMetrics {
    pub label: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Gold rows of this class (abstained ones included).
    pub support: u64,
}

/// All figures for one head.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeadReport {
    pub head: String,
    pub labels: Vec<String>,
    /// Rows scored, abstentions included.
    pub n: u64,
    /// Correct / n; abstentions count as wrong.
    pub accuracy: f64,
    pub per_class: Vec<ClassMetrics>,
    pub macro_precision: f64,
    pub macro_recall: f64,
    /// Unweighted mean F1 over every label in the set, zero-support labels included.
    pub macro_f1: f64,
    pub weighted_precision: f64,
    pub weighted_recall: f64,
    /// Support-weighted mean F1.
    pub weighted_f1: f64,
    /// Mean of F1(favor) and F1(against) when the label set holds both (case-insensitive).
    pub f_avg: Option<f64>,
    /// `confusion[gold][pred]`, abstentions excluded (see `abstained_by_gold`).
    pub confusion: Vec<Vec<u64>>,
    /// Total rows with no prediction.
    pub abstained: u64,
    /// Rows with no prediction, per gold label.
    pub abstained_by_gold: Vec<u64>,
    /// Reliability diagram and ECE over all rows, when probabilities were available.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration: Option<super::details::Calibration>,
    /// Largest weights per class of the evaluated model (of a model refit on all rows for
    /// cross-validation), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_features: Option<Vec<super::details::ClassFeatures>>,
}

impl HeadReport {
    /// Computes every figure from `c`; [`EvalError::Empty`] if it has no rows.
    pub fn from_confusion(c: &Confusion) -> Result<HeadReport, EvalError> {
        let n = c.n();
        if n == 0 {
            return Err(EvalError::Empty(format!("no rows for head {:?}", c.head)));
        }
        let k = c.labels.len();
        let per_class: Vec<ClassMetrics> = (0..k)
            .map(|i| {
                let (tp, sup, pred) = (c.tp(i), c.support(i), c.predicted(i));
                ClassMetrics {
                    label: c.labels[i].clone(),
                    precision: ratio(tp as f64, pred as f64),
                    recall: ratio(tp as f64, sup as f64),
                    f1: f1(tp, sup, pred),
                    support: sup,
                }
            })
            .collect();
        let correct: u64 = (0..k).map(|i| c.tp(i)).sum();
        // Every row has a gold label in the set, so total support is n > 0.
        let weighted = |f: fn(&ClassMetrics) -> f64| {
            let s: f64 = per_class.iter().map(|m| f(m) * m.support as f64).sum();
            s / n as f64
        };
        let f_avg = c
            .favor_against()
            .map(|(fa, ag)| (per_class[fa].f1 + per_class[ag].f1) / 2.0);
        Ok(HeadReport {
            head: c.head.clone(),
            labels: c.labels.clone(),
            n,
            accuracy: correct as f64 / n as f64,
            macro_precision: mean(per_class.iter().map(|m| m.precision)),
            macro_recall: mean(per_class.iter().map(|m| m.recall)),
            macro_f1: mean(per_class.iter().map(|m| m.f1)),
            weighted_precision: weighted(|m| m.precision),
            weighted_recall: weighted(|m| m.recall),
            weighted_f1: weighted(|m| m.f1),
            f_avg,
            confusion: c.counts.clone(),
            abstained: c.abstained.iter().sum(),
            abstained_by_gold: c.abstained.clone(),
            per_class,
            calibration: None,
            top_features: None,
        })
    }
}

/// SemEval-2016 F_avg over the pooled counts of every stance head in `cs`; `None` if none is
/// a stance head.
fn pooled_f_avg(cs: &[Confusion]) -> Option<f64> {
    // (tp, support, predicted) for favor and for against, summed over heads.
    let mut fav = [0u64; 3];
    let mut ag = [0u64; 3];
    let mut any = false;
    for c in cs {
        if let Some((f, a)) = c.favor_against() {
            any = true;
            for (acc, i) in [(&mut fav, f), (&mut ag, a)] {
                acc[0] += c.tp(i);
                acc[1] += c.support(i);
                acc[2] += c.predicted(i);
            }
        }
    }
    any.then(|| (f1(fav[0], fav[1], fav[2]) + f1(ag[0], ag[1], ag[2])) / 2.0)
}

/// Mean and **population** standard deviation (ddof = 0, `numpy.std`'s default) of per-fold
/// figures: the folds are the whole set being described, not a sample of folds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CvSummary {
    pub mean: f64,
    pub std: f64,
}

impl CvSummary {
    /// `None` for no values. Two-pass (mean, then squared deviations), as numpy does.
    pub fn of(values: &[f64]) -> Option<CvSummary> {
        if values.is_empty() {
            return None;
        }
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
        Some(CvSummary {
            mean,
            std: var.sqrt(),
        })
    }
}

/// One head's figures in one fold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldHead {
    pub head: String,
    pub n: u64,
    pub accuracy: f64,
    pub macro_f1: f64,
    pub f_avg: Option<f64>,
    /// Expected calibration error in this fold, when probabilities were available.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ece: Option<f64>,
}

/// One fold's figures (folds numbered from 1, as shown to users).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldSummary {
    pub fold: usize,
    pub heads: Vec<FoldHead>,
    /// SemEval F_avg over this fold's stance heads pooled.
    pub pooled_f_avg: Option<f64>,
}

/// Mean ± std over folds for one head.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeadCv {
    pub head: String,
    pub accuracy: CvSummary,
    pub macro_f1: CvSummary,
    pub f_avg: Option<CvSummary>,
    /// Mean ± std of the per-fold ECE, when probabilities were available.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ece: Option<CvSummary>,
}

/// Cross-validation part of a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvReport {
    pub folds: Vec<FoldSummary>,
    /// Per head, in head order.
    pub heads: Vec<HeadCv>,
    /// Mean ± std of the per-fold pooled F_avg.
    pub pooled_f_avg: Option<CvSummary>,
}

/// A full evaluation: what `stance eval` / `stance cv` print and write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    pub heads: Vec<HeadReport>,
    /// SemEval-2016 F_avg over the pooled confusion of all stance heads (all their rows
    /// together), not the mean of per-head values.
    pub pooled_f_avg: Option<f64>,
    /// Present for cross-validation: per-fold figures with mean and std.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cv: Option<CvReport>,
    /// Free-form context (model path, data, command line), printed as given.
    #[serde(default)]
    pub meta: serde_json::Value,
}

impl EvalReport {
    /// A report over one confusion per head (in the order given).
    pub fn from_confusions(
        heads: &[Confusion],
        meta: serde_json::Value,
    ) -> Result<EvalReport, EvalError> {
        if heads.is_empty() {
            return Err(EvalError::Empty("no heads".into()));
        }
        Ok(EvalReport {
            heads: heads
                .iter()
                .map(HeadReport::from_confusion)
                .collect::<Result<_, _>>()?,
            pooled_f_avg: pooled_f_avg(heads),
            cv: None,
            meta,
        })
    }

    /// A cross-validation report: `folds[i]` holds fold i's confusion per head (same heads and
    /// label sets in every fold).
    ///
    /// `heads` and `pooled_f_avg` are computed over all out-of-fold predictions together (the
    /// merged confusions, like scikit-learn's `cross_val_predict`); `cv` holds the per-fold
    /// figures and their mean and population std.
    pub fn from_folds(
        folds: &[Vec<Confusion>],
        meta: serde_json::Value,
    ) -> Result<EvalReport, EvalError> {
        let first = folds
            .first()
            .ok_or_else(|| EvalError::Empty("no folds".into()))?;
        let mut merged = first.clone();
        for fold in &folds[1..] {
            if fold.len() != merged.len() {
                return Err(EvalError::Mismatch(format!(
                    "folds have {} and {} heads",
                    merged.len(),
                    fold.len()
                )));
            }
            for (m, c) in merged.iter_mut().zip(fold) {
                m.merge(c)?;
            }
        }
        let mut report = EvalReport::from_confusions(&merged, meta)?;
        let mut summaries = Vec::with_capacity(folds.len());
        for (i, fold) in folds.iter().enumerate() {
            let heads = fold
                .iter()
                .map(|c| {
                    HeadReport::from_confusion(c).map(|h| FoldHead {
                        head: h.head,
                        n: h.n,
                        accuracy: h.accuracy,
                        macro_f1: h.macro_f1,
                        f_avg: h.f_avg,
                        ece: None,
                    })
                })
                .collect::<Result<_, _>>()
                .map_err(|e| match e {
                    EvalError::Empty(what) => EvalError::Empty(format!("fold {}: {what}", i + 1)),
                    e => e,
                })?;
            summaries.push(FoldSummary {
                fold: i + 1,
                heads,
                pooled_f_avg: pooled_f_avg(fold),
            });
        }
        let column = |h: usize, f: fn(&FoldHead) -> Option<f64>| -> Option<CvSummary> {
            let v: Option<Vec<f64>> = summaries.iter().map(|s| f(&s.heads[h])).collect();
            CvSummary::of(&v?)
        };
        let heads = (0..merged.len())
            .map(|h| HeadCv {
                head: merged[h].head.clone(),
                accuracy: column(h, |f| Some(f.accuracy)).expect("at least one fold"),
                macro_f1: column(h, |f| Some(f.macro_f1)).expect("at least one fold"),
                f_avg: column(h, |f| f.f_avg),
                ece: None,
            })
            .collect();
        let pooled: Option<Vec<f64>> = summaries.iter().map(|s| s.pooled_f_avg).collect();
        report.cv = Some(CvReport {
            heads,
            pooled_f_avg: pooled.and_then(|v| CvSummary::of(&v)),
            folds: summaries,
        });
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f1_form_equals_harmonic_mean_of_p_and_r() {
        for tp in 0..6u64 {
            for fp in 0..6u64 {
                for fn_ in 0..6u64 {
                    let (sup, pred) = (tp + fn_, tp + fp);
                    let p = ratio(tp as f64, pred as f64);
                    let r = ratio(tp as f64, sup as f64);
                    let want = ratio(2.0 * p * r, p + r);
                    assert!((f1(tp, sup, pred) - want).abs() <= 1e-15, "{tp} {fp} {fn_}");
                }
            }
        }
    }

    #[test]
    fn stance_head_detection_is_case_insensitive() {
        let c = Confusion::new("h", ["against", "Favor", "none"]).unwrap();
        assert_eq!(c.favor_against(), Some((1, 0)));
        let c = Confusion::new("h", ["negative", "neutral", "positive"]).unwrap();
        assert_eq!(c.favor_against(), None);
        let c = Confusion::new("h", ["FAVOR", "NONE"]).unwrap();
        assert_eq!(c.favor_against(), None);
    }

    #[test]
    fn weighted_uses_support_including_abstentions() {
        let mut c = Confusion::new("h", ["A", "B"]).unwrap();
        c.add("A", Some("A")).unwrap();
        c.add("A", None).unwrap();
        c.add("B", Some("B")).unwrap();
        let r = HeadReport::from_confusion(&c).unwrap();
        // recall A = 1/2 (support 2), recall B = 1 (support 1): weighted = (1/2·2 + 1·1)/3.
        assert_eq!(r.weighted_recall, 2.0 / 3.0);
        assert_eq!(r.weighted_recall, r.accuracy);
    }
}
