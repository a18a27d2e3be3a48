//! What the HTML report shows beyond the confusion counts: calibration of the predicted
//! probabilities, the model's strongest features, and a few example rows.
//!
//! [`HeadCollector`] sees every scored row once (`O(1)` memory per row seen): it bins the
//! confidences for the reliability diagram (from *all* rows) and keeps only the
//! [`HeadCollector`]'s `n_worst` most confident errors and a deterministic sample of `n_sample`
//! rows, so a report on millions of rows stays small.
//!
//! **Calibration.** The confidence of a row is the probability the model gave its predicted
//! label (top-label calibration). Confidences are put into 10 equal-width bins over `[0, 1]`
//! (a confidence of exactly 1 goes in the last bin); per bin we keep the rows, the mean
//! confidence and the accuracy. The expected calibration error is
//! `ECE = Σ_b (n_b / n) · |accuracy_b − mean confidence_b|` (Guo et al. 2017).

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use serde::{Deserialize, Serialize};

use crate::bundle::Head;
use crate::explain::{self, Span};
use crate::vectorize::Vectorizer;

/// Number of equal-width confidence bins.
pub const CALIBRATION_BINS: usize = 10;

/// One confidence bin of a reliability diagram.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBin {
    /// Bin bounds `[lo, hi)` (the last bin includes 1).
    pub lo: f64,
    pub hi: f64,
    /// Rows whose confidence fell in the bin.
    pub n: u64,
    /// Mean confidence of those rows (0 for an empty bin).
    pub confidence: f64,
    /// Share of those rows predicted correctly (0 for an empty bin).
    pub accuracy: f64,
}

/// Reliability diagram data and expected calibration error of one head.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    pub bins: Vec<CalibrationBin>,
    /// Expected calibration error (see the module docs).
    pub ece: f64,
    /// Rows binned.
    pub n: u64,
}

/// Running sums for a [`Calibration`].
#[derive(Debug, Clone, Default)]
pub struct CalibrationCounts {
    n: [u64; CALIBRATION_BINS],
    conf: [f64; CALIBRATION_BINS],
    correct: [u64; CALIBRATION_BINS],
}

impl CalibrationCounts {
    pub fn add(&mut self, confidence: f64, correct: bool) {
        let c = if confidence.is_finite() {
            confidence.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let b = ((c * CALIBRATION_BINS as f64) as usize).min(CALIBRATION_BINS - 1);
        self.n[b] += 1;
        self.conf[b] += c;
        self.correct[b] += u64::from(correct);
    }

    pub fn finish(&self) -> Calibration {
        let total: u64 = self.n.iter().sum();
        let mut ece = 0.0;
        let bins = (0..CALIBRATION_BINS)
            .map(|b| {
                let n = self.n[b];
                let (confidence, accuracy) = if n == 0 {
                    (0.0, 0.0)
                } else {
                    (self.conf[b] / n as f64, self.correct[b] as f64 / n as f64)
                };
                if total > 0 {
                    ece += n as f64 / total as f64 * (accuracy - confidence).abs();
                }
                CalibrationBin {
                    lo: b as f64 / CALIBRATION_BINS as f64,
                    hi: (b + 1) as f64 / CALIBRATION_BINS as f64,
                    n,
                    confidence,
                    accuracy,
                }
            })
            .collect();
        Calibration {
            bins,
            ece,
            n: total,
        }
    }
}

/// The strongest features of one class: `(feature, weight)`, largest weight first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassFeatures {
    pub label: String,
    pub features: Vec<(String, f64)>,
}

/// One example row shown in the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Example {
    /// Row number in the evaluated data (0-based).
    pub row: usize,
    /// Row id from the data.
    pub id: String,
    /// The text; `None` when the report is redacted.
    pub text: Option<String>,
    pub gold: String,
    pub pred: String,
    /// Probability of the predicted label.
    pub confidence: f64,
    /// Fold that held the row out (cross-validation), numbered from 1.
    pub fold: Option<usize>,
    /// Largest contributions to the predicted label's score: `(feature, contribution)`.
    pub top_features: Vec<(String, f64)>,
    /// Chunks of the text with their share of the predicted label's contributions (empty when
    /// redacted).
    pub spans: Vec<Span>,
}

/// Per head: everything the HTML report shows that the confusion counts do not hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeadDetails {
    pub head: String,
    /// Over all rows.
    pub calibration: Calibration,
    /// Per fold (cross-validation only), folds in order.
    pub fold_calibration: Vec<Calibration>,
    /// Most confident wrong predictions, most confident first.
    pub worst_errors: Vec<Example>,
    /// A deterministic sample of rows (right and wrong), in row order.
    pub sample: Vec<Example>,
    /// Largest weights per class.
    pub top_features: Vec<ClassFeatures>,
    /// Which model the features and contributions come from, if not the evaluated one.
    pub features_note: Option<String>,
}

/// Details for every head, in the report's head order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EvalDetails {
    pub heads: Vec<HeadDetails>,
    /// Example texts were left out on purpose (e.g. data that must not be redistributed).
    pub redacted: bool,
}

/// A kept row: everything needed to build an [`Example`] later.
#[derive(Debug, Clone, PartialEq)]
struct Kept {
    row: usize,
    fold: Option<usize>,
    gold: usize,
    pred: usize,
    confidence: f64,
}

/// Orders by a key (then row) for the bounded heaps.
#[derive(Debug, Clone, PartialEq)]
struct Keyed(f64, Kept);

impl Eq for Keyed {}
impl PartialOrd for Keyed {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Keyed {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&o.0).then(o.1.row.cmp(&self.1.row))
    }
}

/// Collects one head's rows in one pass; see the module docs.
#[derive(Debug, Clone)]
pub struct HeadCollector {
    head: String,
    labels: Vec<String>,
    n_worst: usize,
    n_sample: usize,
    seed: u64,
    calibration: CalibrationCounts,
    folds: BTreeMap<usize, CalibrationCounts>,
    /// Min-heap on confidence: the least confident kept error is on top.
    worst: BinaryHeap<Reverse<Keyed>>,
    /// Max-heap on a hash of the row: the rows with the smallest hashes are the sample.
    sample: BinaryHeap<Keyed>,
}

fn mix(mut x: u64) -> u64 {
    // splitmix64 finalizer
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

impl HeadCollector {
    /// Keeps the `n_worst` most confident errors and a sample of `n_sample` rows chosen by a
    /// hash of the row number and `seed` (the same rows every run).
    pub fn new(
        head: impl Into<String>,
        labels: Vec<String>,
        n_worst: usize,
        n_sample: usize,
        seed: u64,
    ) -> Self {
        HeadCollector {
            head: head.into(),
            labels,
            n_worst,
            n_sample,
            seed,
            calibration: CalibrationCounts::default(),
            folds: BTreeMap::new(),
            worst: BinaryHeap::new(),
            sample: BinaryHeap::new(),
        }
    }

    /// One scored row: its number in the data, fold (0-based, cross-validation), gold and
    /// predicted class indices, and the predicted label's probability.
    pub fn add(
        &mut self,
        row: usize,
        fold: Option<usize>,
        gold: usize,
        pred: usize,
        confidence: f64,
    ) {
        let correct = gold == pred;
        self.calibration.add(confidence, correct);
        if let Some(f) = fold {
            self.folds.entry(f).or_default().add(confidence, correct);
        }
        let kept = Kept {
            row,
            fold,
            gold,
            pred,
            confidence,
        };
        if !correct && self.n_worst > 0 {
            let k = Keyed(confidence, kept.clone());
            if self.worst.len() < self.n_worst {
                self.worst.push(Reverse(k));
            } else if self.worst.peek().is_some_and(|Reverse(top)| k > *top) {
                self.worst.pop();
                self.worst.push(Reverse(k));
            }
        }
        if self.n_sample > 0 {
            let h = mix(row as u64 ^ mix(self.seed)) as f64;
            let k = Keyed(h, kept);
            if self.sample.len() < self.n_sample {
                self.sample.push(k);
            } else if self.sample.peek().is_some_and(|top| k < *top) {
                self.sample.pop();
                self.sample.push(k);
            }
        }
    }

    /// The head's details. `texts[row]` and `ids[row]` give the kept rows' text and id;
    /// `model` (vectorizer and head) gives the features and contributions, `None` for none;
    /// `redact` leaves the texts (and text spans) out but keeps the features.
    pub fn finish(
        self,
        texts: &[String],
        ids: &[String],
        model: Option<(&Vectorizer, &Head)>,
        features_note: Option<String>,
        redact: bool,
        top_n: usize,
    ) -> HeadDetails {
        let example = |k: &Kept| {
            let text = texts.get(k.row).cloned().unwrap_or_default();
            let (top_features, spans) = match model {
                Some((v, h)) => {
                    let x = v.transform_row(&text);
                    let e = explain::explain_row(v, h, x.view(), 10);
                    let cls = &e.classes[k.pred.min(e.classes.len() - 1)];
                    let top = cls
                        .contributions
                        .iter()
                        .filter(|c| c.contribution > 0.0)
                        .map(|c| (c.feature.clone(), c.contribution))
                        .collect();
                    let spans = if redact {
                        Vec::new()
                    } else {
                        explain::highlight(v, h, k.pred, &text)
                    };
                    (top, spans)
                }
                None => (Vec::new(), Vec::new()),
            };
            Example {
                row: k.row,
                id: ids.get(k.row).cloned().unwrap_or_default(),
                text: (!redact).then_some(text),
                gold: self.labels[k.gold].clone(),
                pred: self.labels[k.pred].clone(),
                confidence: k.confidence,
                fold: k.fold.map(|f| f + 1),
                top_features,
                spans,
            }
        };
        let mut worst: Vec<Keyed> = self.worst.into_iter().map(|Reverse(k)| k).collect();
        worst.sort_by(|a, b| b.cmp(a));
        let mut sample: Vec<Kept> = self.sample.into_iter().map(|k| k.1).collect();
        sample.sort_by_key(|k| k.row);
        let top_features = match model {
            Some((v, h)) => explain::top_features(v, &h.model, top_n)
                .into_iter()
                .zip(&h.labels)
                .map(|(features, label)| ClassFeatures {
                    label: label.clone(),
                    features,
                })
                .collect(),
            None => Vec::new(),
        };
        HeadDetails {
            head: self.head.clone(),
            calibration: self.calibration.finish(),
            fold_calibration: self.folds.values().map(CalibrationCounts::finish).collect(),
            worst_errors: worst.iter().map(|k| example(&k.1)).collect(),
            sample: sample.iter().map(example).collect(),
            top_features,
            features_note,
        }
    }
}

impl crate::eval::EvalReport {
    /// Copies the figures of `details` that the JSON and Markdown reports carry too (calibration
    /// and ECE, per-fold ECE with mean ± std, top features) into the matching heads.
    pub fn attach(&mut self, details: &EvalDetails) {
        for d in &details.heads {
            let Some(hi) = self.heads.iter().position(|h| h.head == d.head) else {
                continue;
            };
            let h = &mut self.heads[hi];
            h.calibration = Some(d.calibration.clone());
            if !d.top_features.is_empty() {
                h.top_features = Some(d.top_features.clone());
            }
            if let Some(cv) = &mut self.cv {
                if d.fold_calibration.len() == cv.folds.len() {
                    let mut eces = Vec::new();
                    for (f, c) in cv.folds.iter_mut().zip(&d.fold_calibration) {
                        if let Some(fh) = f.heads.iter_mut().find(|fh| fh.head == d.head) {
                            fh.ece = Some(c.ece);
                            eces.push(c.ece);
                        }
                    }
                    if let Some(hc) = cv.heads.iter_mut().find(|hc| hc.head == d.head) {
                        hc.ece = crate::eval::CvSummary::of(&eces);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ece_of_perfect_and_overconfident() {
        let mut c = CalibrationCounts::default();
        for _ in 0..10 {
            c.add(1.0, true);
        }
        assert_eq!(c.finish().ece, 0.0);
        let mut c = CalibrationCounts::default();
        c.add(0.95, true);
        c.add(0.95, false);
        let cal = c.finish();
        assert_eq!(cal.bins[9].n, 2);
        assert!((cal.ece - 0.45).abs() < 1e-12);
    }

    #[test]
    fn keeps_most_confident_errors_and_fixed_sample() {
        let labels = vec!["a".to_string(), "b".to_string()];
        let mut h = HeadCollector::new("h", labels.clone(), 2, 3, 7);
        let confs = [0.6, 0.9, 0.7, 0.99, 0.8];
        for (i, &c) in confs.iter().enumerate() {
            h.add(i, None, 0, 1, c);
        }
        h.add(5, None, 0, 0, 0.5);
        let texts: Vec<String> = (0..6).map(|i| format!("t{i}")).collect();
        let d = h.clone().finish(&texts, &texts, None, None, false, 5);
        let rows: Vec<usize> = d.worst_errors.iter().map(|e| e.row).collect();
        assert_eq!(rows, vec![3, 1]);
        assert_eq!(d.sample.len(), 3);
        let d2 = h.finish(&texts, &texts, None, None, true, 5);
        assert_eq!(
            d.sample.iter().map(|e| e.row).collect::<Vec<_>>(),
            d2.sample.iter().map(|e| e.row).collect::<Vec<_>>()
        );
        assert!(d2.sample.iter().all(|e| e.text.is_none()));
        assert_eq!(d.calibration.n, 6);
    }
}
