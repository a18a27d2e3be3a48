//! The one persisted form every learner reduces to: a linear model with a link.
//!
//! Scoring a sparse row is `score_c = intercept_c + sum_j x_j * w[j * n_classes + c]`. The
//! weights are stored FEATURE-MAJOR so that one pass over a row's non-zeros touches, for each
//! feature, `n_classes` adjacent weights (one cache line for a handful of classes) instead of
//! `n_classes` far-apart ones. Logistic regression, linear SVM, naive Bayes (log prior plus
//! feature log-probabilities) and NBSVM (NB ratios folded into the weights) are all exactly of
//! this form, so the streaming scorer and the bundle format need to know only this type.

use linfa::traits::PredictInplace;
use ndarray::{Array1, Array2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::error::ModelError;
use crate::vectorize::sparse::Scalar;
use crate::{SparseRow, SparseRows};

/// Intercept given to a class absent from the training rows.
///
/// Finite (JSON cannot carry infinities) but so low that the class is never the argmax and its
/// softmax/Platt probability underflows to exactly 0, while the model keeps a row for it so that
/// shapes are the same across cross-validation folds.
pub const ABSENT_CLASS_INTERCEPT: f64 = -1e30;

/// How scores become probabilities.
///
/// Serialized internally tagged (`{"type": "Platt", "a": [..], "b": [..]}`) in human-readable
/// formats (JSON, TOML); in binary formats (bincode), which cannot deserialize internally tagged
/// enums, as an ordinary externally tagged enum. See the `Serialize` impl below.
#[derive(Clone, Debug, PartialEq)]
pub enum Link {
    /// `p = softmax(scores)`: exact for multinomial logistic regression and for naive Bayes
    /// (whose scores are joint log-likelihoods).
    Softmax,
    /// One-vs-rest sigmoids `p_c = 1 / (1 + exp(-(a_c * score_c + b_c)))`, normalized to sum 1.
    /// Used for SVMs (Platt scaling fitted on the training margins) and one-vs-rest logistic.
    Platt { a: Vec<f64>, b: Vec<f64> },
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "type")]
enum LinkTagged {
    Softmax,
    Platt { a: Vec<f64>, b: Vec<f64> },
}

#[derive(Serialize, Deserialize)]
enum LinkPlain {
    Softmax,
    Platt { a: Vec<f64>, b: Vec<f64> },
}

impl Serialize for Link {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match (self.clone(), s.is_human_readable()) {
            (Link::Softmax, true) => LinkTagged::Softmax.serialize(s),
            (Link::Platt { a, b }, true) => LinkTagged::Platt { a, b }.serialize(s),
            (Link::Softmax, false) => LinkPlain::Softmax.serialize(s),
            (Link::Platt { a, b }, false) => LinkPlain::Platt { a, b }.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Link {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(if d.is_human_readable() {
            match LinkTagged::deserialize(d)? {
                LinkTagged::Softmax => Link::Softmax,
                LinkTagged::Platt { a, b } => Link::Platt { a, b },
            }
        } else {
            match LinkPlain::deserialize(d)? {
                LinkPlain::Softmax => Link::Softmax,
                LinkPlain::Platt { a, b } => Link::Platt { a, b },
            }
        })
    }
}

/// A trained linear classifier over sparse rows.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct LinearModel {
    pub n_features: usize,
    pub n_classes: usize,
    /// Feature-major: the weight of feature `j` for class `c` is `weights[j * n_classes + c]`.
    /// Every value is exactly an `f32` (learners round on the way out, see
    /// [`LinearModel::at_storage_precision`]) and is stored as one: half the model file.
    #[serde(with = "f32_weights")]
    pub weights: Vec<f64>,
    pub intercept: Vec<f64>,
    pub link: Link,
}

impl LinearModel {
    /// A model with all-zero weights and intercepts (learners fill it in).
    pub(crate) fn zeros(n_features: usize, n_classes: usize, link: Link) -> Self {
        Self {
            n_features,
            n_classes,
            weights: vec![0.0; n_features * n_classes],
            intercept: vec![0.0; n_classes],
            link,
        }
    }

    /// Rounds the weights to the nearest `f32`, the precision model files keep: a model in
    /// memory then scores exactly as the same model saved and loaded (cross-validation and
    /// `stance eval` of a saved fold model agree to the last bit). The rounding error is
    /// far below the learners' own tolerance.
    #[must_use]
    pub fn at_storage_precision(mut self) -> Self {
        for w in &mut self.weights {
            *w = f64::from(*w as f32);
        }
        self
    }

    /// Checks internal consistency, e.g. after deserializing a hand-edited bundle.
    ///
    /// # Errors
    /// [`ModelError::InvalidModel`] when lengths disagree or a value is not finite.
    pub fn validate(&self) -> Result<(), ModelError> {
        let bad = |m: String| Err(ModelError::InvalidModel(m));
        if self.n_classes == 0 {
            return bad("n_classes is 0".into());
        }
        if self.weights.len() != self.n_features * self.n_classes {
            return bad(format!(
                "{} weights for {} features x {} classes",
                self.weights.len(),
                self.n_features,
                self.n_classes
            ));
        }
        if self.intercept.len() != self.n_classes {
            return bad(format!(
                "{} intercepts for {} classes",
                self.intercept.len(),
                self.n_classes
            ));
        }
        if let Link::Platt { a, b } = &self.link {
            if a.len() != self.n_classes || b.len() != self.n_classes {
                return bad("Platt parameters do not match n_classes".into());
            }
            if a.iter().chain(b).any(|v| !v.is_finite()) {
                return bad("non-finite Platt parameter".into());
            }
        }
        if self
            .weights
            .iter()
            .chain(&self.intercept)
            .any(|v| !v.is_finite())
        {
            return bad("non-finite weight or intercept".into());
        }
        Ok(())
    }

    /// Raw scores of one row into `out` (length `n_classes`), without allocating.
    ///
    /// Features at or beyond `n_features` are ignored (a row from a larger vocabulary cannot
    /// panic the scorer; the vectorizer is responsible for matching vocabularies).
    pub fn scores_into<V: Scalar>(&self, row: SparseRow<'_, V>, out: &mut [f64]) {
        let k = self.n_classes;
        let out = &mut out[..k];
        out.copy_from_slice(&self.intercept);
        for (&j, &v) in row.indices.iter().zip(row.values) {
            let (j, v) = (j as usize, v.into());
            if j < self.n_features {
                let w = &self.weights[j * k..(j + 1) * k];
                for (o, &wc) in out.iter_mut().zip(w) {
                    *o += v * wc;
                }
            }
        }
    }

    /// Turns scores (as from [`LinearModel::scores_into`]) into probabilities in place.
    pub fn link_inplace(&self, scores: &mut [f64]) {
        let scores = &mut scores[..self.n_classes];
        match &self.link {
            Link::Softmax => softmax_inplace(scores),
            Link::Platt { a, b } => {
                let mut sum = 0.0;
                for ((s, &ac), &bc) in scores.iter_mut().zip(a).zip(b) {
                    *s = sigmoid(ac * *s + bc);
                    sum += *s;
                }
                if sum > 0.0 {
                    scores.iter_mut().for_each(|s| *s /= sum);
                } else {
                    // Every sigmoid underflowed (only for absurd inputs: present classes of a
                    // trained model have finite margins): spread uniformly rather than divide
                    // by zero.
                    let u = 1.0 / scores.len() as f64;
                    scores.iter_mut().for_each(|s| *s = u);
                }
            }
        }
    }

    /// Probabilities of one row into `out` (length `n_classes`), without allocating.
    pub fn proba_into<V: Scalar>(&self, row: SparseRow<'_, V>, out: &mut [f64]) {
        self.scores_into(row, out);
        self.link_inplace(out);
    }

    /// Predicted class of one row; `scratch` must hold `n_classes` values.
    ///
    /// The class of highest *score* (margin), not of highest probability: the Platt links of
    /// one-vs-rest models are fitted on unweighted training margins, so their argmax would
    /// undo class weights. `stance score`, `eval` and `explain` all label this way.
    pub fn predict_row<V: Scalar>(&self, row: SparseRow<'_, V>, scratch: &mut [f64]) -> usize {
        self.scores_into(row, scratch);
        argmax(&scratch[..self.n_classes])
    }

    /// Raw scores (decision function) of every row: `nrows x n_classes`.
    pub fn decision_function(&self, x: &SparseRows) -> Array2<f64> {
        self.rowwise(x, |m, r, out| m.scores_into(r, out))
    }

    /// Class probabilities of every row: `nrows x n_classes`, rows sum to 1.
    pub fn predict_proba(&self, x: &SparseRows) -> Array2<f64> {
        self.rowwise(x, |m, r, out| m.proba_into(r, out))
    }

    /// Predicted class index of every row (ties go to the lower class index).
    pub fn predict(&self, x: &SparseRows) -> Array1<usize> {
        let k = self.n_classes;
        let scores = self.decision_function(x);
        let flat = scores
            .as_slice()
            .expect("freshly built arrays are contiguous");
        if k == 0 {
            return Array1::zeros(x.nrows());
        }
        flat.chunks(k).map(argmax).collect()
    }

    /// Rows are independent, so scoring in parallel is deterministic.
    fn rowwise(
        &self,
        x: &SparseRows,
        f: impl Fn(&Self, SparseRow<'_>, &mut [f64]) + Sync,
    ) -> Array2<f64> {
        let k = self.n_classes;
        let mut out = vec![0.0; x.nrows() * k];
        if k > 0 {
            out.par_chunks_mut(k)
                .enumerate()
                .for_each(|(i, o)| f(self, x.row(i), o));
        }
        Array2::from_shape_vec((x.nrows(), k), out).expect("shape matches buffer")
    }
}

impl PredictInplace<SparseRows, Array1<usize>> for LinearModel {
    fn predict_inplace(&self, x: &SparseRows, y: &mut Array1<usize>) {
        let p = self.predict(x);
        // linfa passes a target made by `default_target`; tolerate any length without panicking.
        if y.len() == p.len() {
            y.assign(&p);
        } else {
            *y = p;
        }
    }

    fn default_target(&self, x: &SparseRows) -> Array1<usize> {
        Array1::zeros(x.nrows())
    }
}

/// Index of the largest value; the first one on ties, NaN never wins.
pub(crate) fn argmax(v: &[f64]) -> usize {
    let mut best = 0;
    for (i, &s) in v.iter().enumerate() {
        if s > v[best] || v[best].is_nan() {
            best = i;
        }
    }
    best
}

pub(crate) fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// Numerically stable softmax in place.
pub(crate) fn softmax_inplace(v: &mut [f64]) {
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for s in v.iter_mut() {
        *s = (*s - max).exp();
        sum += *s;
    }
    v.iter_mut().for_each(|s| *s /= sum);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_are_intercept_plus_dot() {
        let m = LinearModel {
            n_features: 3,
            n_classes: 2,
            weights: vec![1.0, -1.0, 0.0, 0.0, 2.0, 3.0],
            intercept: vec![0.5, -0.5],
            link: Link::Softmax,
        };
        let x = SparseRows::from_rows(5, vec![(vec![0, 2, 4], vec![1.0, 2.0, 9.0])]).unwrap();
        let mut out = [0.0; 2];
        m.scores_into(x.row(0), &mut out);
        assert_eq!(out, [0.5 + 1.0 + 4.0, -0.5 - 1.0 + 6.0]);
        let p = m.predict_proba(&x);
        assert!((p.row(0).sum() - 1.0).abs() < 1e-12);
        assert_eq!(m.predict(&x)[0], 0);
        assert!(m.validate().is_ok());
    }
}

/// Weights as one little-endian `f32` byte string in binary formats (model files from format
/// version 2 on); reading also accepts a plain number sequence, as version 1 files and
/// human-readable formats hold.
mod f32_weights {
    use serde::de::{Error, SeqAccess, Visitor};
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(w: &[f64], s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            // JSON and TOML have no byte strings: plain numbers (exact, being f32 values)
            return s.collect_seq(w);
        }
        let bytes: Vec<u8> = w.iter().flat_map(|&v| (v as f32).to_le_bytes()).collect();
        s.serialize_bytes(&bytes)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        // Self-describing binary formats (MessagePack) hand `deserialize_bytes` whatever is
        // there, so version 1's number sequences still load; bincode needs the explicit call.
        if d.is_human_readable() {
            d.deserialize_any(WeightsVisitor)
        } else {
            d.deserialize_bytes(WeightsVisitor)
        }
    }

    struct WeightsVisitor;

    impl<'de> Visitor<'de> for WeightsVisitor {
        type Value = Vec<f64>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("weights as f32 bytes or a sequence of numbers")
        }

        fn visit_bytes<E: Error>(self, b: &[u8]) -> Result<Vec<f64>, E> {
            if b.len() % 4 != 0 {
                return Err(E::custom(format!(
                    "{} weight bytes is not a whole number of f32 values",
                    b.len()
                )));
            }
            Ok(b.chunks_exact(4)
                .map(|c| f64::from(f32::from_le_bytes(c.try_into().expect("4 bytes"))))
                .collect())
        }

        fn visit_byte_buf<E: Error>(self, b: Vec<u8>) -> Result<Vec<f64>, E> {
            self.visit_bytes(&b)
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<f64>, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 24));
            while let Some(v) = seq.next_element::<f64>()? {
                out.push(v);
            }
            Ok(out)
        }
    }
}
