//! Class weights and the data checks shared by all learners.

use serde::{Deserialize, Serialize};

use super::error::ModelError;
use crate::SparseRows;

/// How much each training row counts, by its class.
///
/// `Balanced` is scikit-learn's `n_samples / (n_present_classes * count_c)`, so that each class
/// present contributes the same total weight; `Explicit` gives one weight per class index
/// (length `n_classes`). Weights multiply the per-row loss (equivalently the row's `C`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub enum ClassWeight {
    #[default]
    None,
    Balanced,
    Explicit(Vec<f64>),
}

impl ClassWeight {
    /// Checks the weights alone (length, finiteness, positivity).
    ///
    /// # Errors
    /// [`ModelError::InvalidClassWeight`].
    pub fn check(&self, n_classes: usize) -> Result<(), ModelError> {
        if let ClassWeight::Explicit(w) = self {
            if w.len() != n_classes {
                return Err(ModelError::InvalidClassWeight(format!(
                    "{} weights for {n_classes} classes",
                    w.len()
                )));
            }
            if let Some((c, v)) = w
                .iter()
                .enumerate()
                .find(|(_, v)| !(v.is_finite() && **v > 0.0))
            {
                return Err(ModelError::InvalidClassWeight(format!(
                    "weight of class {c} is {v}; weights must be finite and > 0"
                )));
            }
        }
        Ok(())
    }

    /// The weight of each class, given the class counts of the training rows.
    pub fn per_class(&self, counts: &[usize]) -> Vec<f64> {
        match self {
            ClassWeight::None => vec![1.0; counts.len()],
            ClassWeight::Explicit(w) => w.clone(),
            ClassWeight::Balanced => {
                let n: usize = counts.iter().sum();
                let present = counts.iter().filter(|&&c| c > 0).count().max(1);
                counts
                    .iter()
                    .map(|&c| {
                        if c == 0 {
                            1.0
                        } else {
                            n as f64 / (present * c) as f64
                        }
                    })
                    .collect()
            }
        }
    }
}

/// What the learners need to know about checked training data.
#[derive(Debug, Clone)]
pub(crate) struct DataSummary {
    /// Rows per class index (length `n_classes`).
    pub counts: Vec<usize>,
    /// Class indices with at least one row, ascending.
    pub present: Vec<usize>,
}

/// Validates features and targets; never panics.
pub(crate) fn check_data(
    x: &SparseRows,
    y: &[usize],
    n_classes: usize,
    nonnegative: bool,
) -> Result<DataSummary, ModelError> {
    if n_classes == 0 {
        return Err(ModelError::InvalidNClasses(0));
    }
    if x.nrows() != y.len() {
        return Err(ModelError::ShapeMismatch {
            rows: x.nrows(),
            targets: y.len(),
        });
    }
    if x.nrows() == 0 || x.ncols() == 0 {
        return Err(ModelError::EmptyData {
            rows: x.nrows(),
            cols: x.ncols(),
        });
    }
    let mut counts = vec![0usize; n_classes];
    for (row, &label) in y.iter().enumerate() {
        if label >= n_classes {
            return Err(ModelError::LabelOutOfRange {
                row,
                label,
                n_classes,
            });
        }
        counts[label] += 1;
    }
    for (row, r) in x.rows().enumerate() {
        for (col, v) in r.iter() {
            if !v.is_finite() {
                return Err(ModelError::NonFinite { row, col });
            }
            if nonnegative && v < 0.0 {
                return Err(ModelError::NegativeValue { row, col });
            }
        }
    }
    let present = (0..n_classes).filter(|&c| counts[c] > 0).collect();
    Ok(DataSummary { counts, present })
}

/// Discriminative learners need two classes present: name the lone one otherwise.
pub(crate) fn require_two_classes(s: &DataSummary) -> Result<(), ModelError> {
    if s.present.len() < 2 {
        return Err(ModelError::SingleClass {
            class: s.present.first().copied().unwrap_or(0),
        });
    }
    Ok(())
}

pub(crate) fn check_c(c: f64) -> Result<(), ModelError> {
    if c.is_finite() && c > 0.0 {
        Ok(())
    } else {
        Err(ModelError::InvalidC(c))
    }
}

pub(crate) fn check_tol(tol: f64) -> Result<(), ModelError> {
    if tol.is_finite() && tol > 0.0 {
        Ok(())
    } else {
        Err(ModelError::InvalidTol(tol))
    }
}

pub(crate) fn check_alpha(alpha: f64) -> Result<(), ModelError> {
    if alpha.is_finite() && alpha >= 0.0 {
        Ok(())
    } else {
        Err(ModelError::InvalidAlpha(alpha))
    }
}

pub(crate) fn check_max_iter(m: usize) -> Result<(), ModelError> {
    if m == 0 {
        Err(ModelError::ZeroMaxIter)
    } else {
        Ok(())
    }
}

pub(crate) fn check_n_classes(n: usize) -> Result<(), ModelError> {
    if n == 0 {
        Err(ModelError::InvalidNClasses(n))
    } else {
        Ok(())
    }
}

/// The iterative solvers' shared checks, in this order: `tol`, `max_iter`, `n_classes`, then
/// the class weights against `n_classes`.
pub(crate) fn check_solver(
    tol: f64,
    max_iter: usize,
    n_classes: usize,
    class_weight: &ClassWeight,
) -> Result<(), ModelError> {
    check_tol(tol)?;
    check_max_iter(max_iter)?;
    check_n_classes(n_classes)?;
    class_weight.check(n_classes)
}

/// A small seeded generator (SplitMix64): the crate pins no `rand`, and shuffles only need
/// reproducibility, not cryptographic quality.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0) by the multiply-high method.
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Fisher-Yates shuffle.
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i + 1);
            v.swap(i, j);
        }
    }
}

/// Derives an independent stream for sub-task `i` (e.g. one OvR class) from a seed.
pub(crate) fn sub_seed(seed: u64, i: u64) -> u64 {
    SplitMix64::new(seed ^ i.wrapping_mul(0xD1B5_4A32_D192_ED03)).next_u64()
}
