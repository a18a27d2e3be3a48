//! Sparse rows in CSR form.
//!
//! A dense TF-IDF matrix of a realistic corpus does not fit in memory (100k rows x 1M features
//! is 800 GB as f64), so every learner and scorer in the crate works on these rows. The newtype
//! wraps `sprs::CsMat` (the version linfa pins) and implements `linfa::dataset::Records`, so a
//! `linfa::Dataset` can carry it and linfa's metrics work on what our learners predict.
//!
//! Column indices are `u32` (as scikit-learn's are `int32`) and values `f32` (scikit-learn's
//! `TfidfVectorizer(dtype=np.float32)`), row offsets `usize`: an entry takes 8 bytes, not the
//! 16 of `sprs::CsMat<f64>`. TF-IDF rows have hundreds of entries (the bench corpus: 15.4M for
//! 6.7 MB of text), so the matrix is most of a training run's memory, and writing it, mostly
//! faulting in fresh pages, is a large share of `Vectorizer::transform`'s time. A TF-IDF value
//! lies in [0, 1] and is computed in `f64`, then rounded once (relative error under 6e-8);
//! every learner reads it back as `f64` and does its arithmetic there.

use serde::{Deserialize, Serialize};
use sprs::CsMatI;

/// A column index.
pub type Col = u32;

/// A stored value.
pub type Value = f32;

/// The wrapped matrix: [`Value`]s, [`Col`] indices, `usize` row offsets (a corpus may have
/// more than `u32::MAX` entries in all).
pub type CsrMatrix = CsMatI<Value, Col, usize>;

/// A number a row's values can be written in: [`Value`] where rows are kept (a [`SparseRows`]),
/// `f64` where a row is used at once and dropped (scoring one document, a projection's
/// corrections), so that the scorer's arithmetic is not rounded for a saving it does not need.
pub trait Scalar: Copy + Into<f64> {
    /// `x`, rounded to the nearest value of this type.
    fn of(x: f64) -> Self;
}

impl Scalar for f32 {
    #[inline]
    fn of(x: f64) -> Self {
        x as f32
    }
}

impl Scalar for f64 {
    #[inline]
    fn of(x: f64) -> Self {
        x
    }
}

/// One row of a [`SparseRows`] (or a row built on its own, in `f64`): parallel slices of column
/// indices (strictly increasing) and values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SparseRow<'a, V = Value> {
    pub indices: &'a [Col],
    pub values: &'a [V],
}

impl<'a, V: Scalar> SparseRow<'a, V> {
    /// Dot product with a dense vector indexed by column.
    pub fn dot(&self, dense: &[f64]) -> f64 {
        self.indices
            .iter()
            .zip(self.values)
            .map(|(&j, &v)| v.into() * dense[j as usize])
            .sum()
    }

    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = (usize, f64)> + 'a {
        self.indices
            .iter()
            .map(|&j| j as usize)
            .zip(self.values.iter().map(|&v| v.into()))
    }
}

/// A row built on its own in `f64`, as the scorer builds it, owning its buffers: what a tool that
/// explains one document's scores needs, so that it reports the scorer's numbers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OwnedRow {
    pub indices: Vec<Col>,
    pub values: Vec<f64>,
}

impl OwnedRow {
    pub fn view(&self) -> SparseRow<'_, f64> {
        SparseRow {
            indices: &self.indices,
            values: &self.values,
        }
    }
}

/// A matrix of sparse rows (CSR). Column indices within a row are strictly increasing.
#[derive(Debug, Clone, PartialEq)]
pub struct SparseRows {
    inner: CsrMatrix,
}

/// The raw parts of a CSR matrix did not form a valid one.
#[derive(Debug, thiserror::Error)]
#[error("invalid sparse matrix: {0}")]
pub struct SparseError(pub String);

impl SparseRows {
    /// Builds from raw CSR parts; validates shape, ordering and bounds.
    ///
    /// # Errors
    /// When `indptr` is not monotone or does not match `indices`, or an index is out of bounds
    /// or not strictly increasing within a row, or `ncols` exceeds what a [`Col`] can index.
    pub fn from_parts(
        ncols: usize,
        indptr: Vec<usize>,
        indices: Vec<Col>,
        data: Vec<Value>,
    ) -> Result<Self, SparseError> {
        let nrows = indptr.len().saturating_sub(1);
        if indptr.is_empty() {
            return Err(SparseError("indptr must have at least one entry".into()));
        }
        // (sprs wants the column count itself to be a `Col`)
        if ncols > Col::MAX as usize {
            return Err(SparseError(format!(
                "{ncols} columns: at most {} can be indexed",
                Col::MAX
            )));
        }
        CsMatI::try_new((nrows, ncols), indptr, indices, data)
            .map(|inner| Self { inner })
            .map_err(|(_, _, _, e)| SparseError(e.to_string()))
    }

    /// Builds from CSR parts whose every row the caller has already checked (strictly
    /// increasing indices, all below `ncols`): `transform` checks each row as it writes it,
    /// while it is in cache, rather than in the serial pass over all entries that
    /// `from_parts` makes (8-11 ms, 5% of a 2-thread transform of the bench corpus).
    ///
    /// # Panics
    /// When the per-row conditions (lengths, `indptr` from 0 to nnz and never decreasing,
    /// `ncols` within a [`Col`]) do not hold.
    pub(crate) fn from_checked_rows(
        ncols: usize,
        indptr: Vec<usize>,
        indices: Vec<Col>,
        data: Vec<Value>,
    ) -> Self {
        assert!(
            ncols <= Col::MAX as usize,
            "{ncols} columns do not fit a Col"
        );
        assert_eq!(
            indices.len(),
            data.len(),
            "indices and values differ in length"
        );
        assert_eq!(indptr.first(), Some(&0), "indptr starts at 0");
        assert_eq!(indptr.last(), Some(&indices.len()), "indptr ends at nnz");
        // (one entry per row: cheap, unlike the entries' pass)
        assert!(
            indptr.windows(2).all(|w| w[0] <= w[1]),
            "indptr never decreases"
        );
        let nrows = indptr.len() - 1;
        // SAFETY: sprs requires a valid compressed structure. The lengths and `indptr` are
        // asserted above; that each row's indices strictly increase below `ncols` is this
        // function's contract, which its one caller meets by checking each row as it is
        // written (`check_row` in `Vectorizer::append_rows`).
        #[allow(unsafe_code)]
        let inner = unsafe {
            CsMatI::new_unchecked(
                sprs::CompressedStorage::CSR,
                (nrows, ncols),
                indptr,
                indices,
                data,
            )
        };
        Self { inner }
    }

    /// Builds from rows given as `(indices, values)` pairs (each row's indices strictly
    /// increasing), the indices of any integer type (`usize`, say).
    ///
    /// # Errors
    /// As [`SparseRows::from_parts`], and when an index is not a valid [`Col`].
    pub fn from_rows<I, J>(ncols: usize, rows: I) -> Result<Self, SparseError>
    where
        I: IntoIterator<Item = (Vec<J>, Vec<Value>)>,
        J: TryInto<Col> + Copy + std::fmt::Display,
    {
        let mut indptr = vec![0];
        let mut indices = Vec::new();
        let mut data = Vec::new();
        for (idx, val) in rows {
            if idx.len() != val.len() {
                return Err(SparseError(
                    "row indices and values differ in length".into(),
                ));
            }
            for j in idx {
                let col = j
                    .try_into()
                    .map_err(|_| SparseError(format!("column index {j} is out of range")))?;
                indices.push(col);
            }
            data.extend(val);
            indptr.push(indices.len());
        }
        Self::from_parts(ncols, indptr, indices, data)
    }

    /// An empty matrix (no rows) with `ncols` columns.
    pub fn empty(ncols: usize) -> Self {
        Self::from_parts(ncols, vec![0], vec![], vec![]).expect("empty CSR is valid")
    }

    pub fn nrows(&self) -> usize {
        self.inner.rows()
    }

    pub fn ncols(&self) -> usize {
        self.inner.cols()
    }

    pub fn nnz(&self) -> usize {
        self.inner.nnz()
    }

    /// Row `i`. Panics if `i >= nrows()` (an index bug, not an input error).
    pub fn row(&self, i: usize) -> SparseRow<'_> {
        let ptr = self.inner.indptr();
        let range = ptr.outer_inds_sz(i);
        SparseRow {
            indices: &self.inner.indices()[range.clone()],
            values: &self.inner.data()[range],
        }
    }

    pub fn rows(&self) -> impl ExactSizeIterator<Item = SparseRow<'_>> + '_ {
        (0..self.nrows()).map(move |i| self.row(i))
    }

    /// A new matrix holding the given rows, in the given order (for k-fold over row indices).
    pub fn select_rows(&self, rows: &[usize]) -> Self {
        let mut indptr = Vec::with_capacity(rows.len() + 1);
        indptr.push(0);
        let nnz: usize = rows.iter().map(|&i| self.row(i).nnz()).sum();
        let mut indices = Vec::with_capacity(nnz);
        let mut data = Vec::with_capacity(nnz);
        for &i in rows {
            let r = self.row(i);
            indices.extend_from_slice(r.indices);
            data.extend_from_slice(r.values);
            indptr.push(indices.len());
        }
        Self::from_parts(self.ncols(), indptr, indices, data).expect("rows of a valid CSR")
    }

    /// Stacks matrices with the same column count vertically.
    ///
    /// # Errors
    /// When the column counts differ.
    pub fn vstack(parts: &[SparseRows]) -> Result<Self, SparseError> {
        let ncols = parts.first().map_or(0, SparseRows::ncols);
        if parts.iter().any(|p| p.ncols() != ncols) {
            return Err(SparseError(
                "vstack of matrices with different column counts".into(),
            ));
        }
        Self::from_rows(
            ncols,
            parts
                .iter()
                .flat_map(|p| p.rows().map(|r| (r.indices.to_vec(), r.values.to_vec()))),
        )
    }

    /// The wrapped `sprs` matrix, for code that wants sprs's own algebra.
    pub fn as_csmat(&self) -> &CsrMatrix {
        &self.inner
    }

    pub fn into_csmat(self) -> CsrMatrix {
        self.inner
    }

    /// Densifies; the only way to a dense matrix, guarded by a byte budget so that a large
    /// matrix cannot be densified by accident (tests and linfa oracles use it on small data).
    ///
    /// # Errors
    /// When `nrows * ncols * 8` exceeds `max_bytes`.
    pub fn to_dense(&self, max_bytes: usize) -> Result<ndarray::Array2<f64>, SparseError> {
        let bytes = self
            .nrows()
            .saturating_mul(self.ncols())
            .saturating_mul(std::mem::size_of::<f64>());
        if bytes > max_bytes {
            return Err(SparseError(format!(
                "densifying {}x{} needs {bytes} bytes, over the budget of {max_bytes}",
                self.nrows(),
                self.ncols()
            )));
        }
        let mut out = ndarray::Array2::zeros((self.nrows(), self.ncols()));
        for (i, r) in self.rows().enumerate() {
            for (j, v) in r.iter() {
                out[[i, j]] = v;
            }
        }
        Ok(out)
    }
}

impl From<CsrMatrix> for SparseRows {
    fn from(m: CsrMatrix) -> Self {
        let m = if m.is_csr() { m } else { m.to_csr() };
        Self { inner: m }
    }
}

impl linfa::dataset::Records for SparseRows {
    type Elem = f64;

    fn nsamples(&self) -> usize {
        self.nrows()
    }

    fn nfeatures(&self) -> usize {
        self.ncols()
    }
}

/// The serialized form (the bundle stores CSR parts, not sprs internals).
#[derive(Serialize, Deserialize)]
struct Parts {
    ncols: usize,
    indptr: Vec<usize>,
    indices: Vec<Col>,
    data: Vec<Value>,
}

impl Serialize for SparseRows {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Parts {
            ncols: self.ncols(),
            indptr: self.inner.indptr().to_proper().into_owned(),
            indices: self.inner.indices().to_vec(),
            data: self.inner.data().to_vec(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for SparseRows {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let p = Parts::deserialize(d)?;
        SparseRows::from_parts(p.ncols, p.indptr, p.indices, p.data)
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_roundtrip_and_select() {
        let m = SparseRows::from_rows(
            4,
            vec![
                (vec![0, 3], vec![1.0, 2.0]),
                (vec![], vec![]),
                (vec![1], vec![5.0]),
            ],
        )
        .unwrap();
        assert_eq!((m.nrows(), m.ncols(), m.nnz()), (3, 4, 3));
        assert_eq!(m.row(2).indices, &[1]);
        let s = m.select_rows(&[2, 0]);
        assert_eq!(s.row(0).values, &[5.0]);
        assert_eq!(s.row(1).indices, &[0, 3]);
        assert_eq!(m.row(0).dot(&[1.0, 0.0, 0.0, 10.0]), 21.0);
    }

    #[test]
    fn invalid_parts_are_errors() {
        assert!(SparseRows::from_rows(2, vec![(vec![2], vec![1.0])]).is_err());
        assert!(SparseRows::from_rows(3, vec![(vec![1, 0], vec![1.0, 1.0])]).is_err());
        // indices of another type must fit a `Col`
        assert!(SparseRows::from_rows(3, vec![(vec![-1i64], vec![1.0])]).is_err());
        let most = Col::MAX as usize;
        assert!(SparseRows::from_rows(usize::MAX, vec![(vec![most + 1], vec![1.0])]).is_err());
        assert!(SparseRows::from_parts(most + 1, vec![0], vec![], vec![]).is_err());
        let widest = SparseRows::from_rows(most, vec![(vec![most - 1], vec![1.0])]).unwrap();
        assert_eq!(widest.row(0).iter().next(), Some((most - 1, 1.0)));
    }

    #[test]
    fn densify_is_guarded() {
        let m = SparseRows::from_rows(1000, vec![(vec![1], vec![1.0])]).unwrap();
        assert!(m.to_dense(100).is_err());
        assert_eq!(m.to_dense(1 << 20).unwrap()[[0, 1]], 1.0);
    }
}
