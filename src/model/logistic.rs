//! L2-regularized logistic regression solved by L-BFGS on sparse rows.
//!
//! Objective (scikit-learn's, so `C` transfers): minimize
//! `C * sum_i s_i * logloss_i + 0.5 * ||W||^2` with the intercept not regularized, where `s_i`
//! is the row's class weight. With three or more classes present the loss is the multinomial
//! (softmax) one with one weight vector per class; with exactly two classes present it is the
//! binomial loss with ONE weight vector (as scikit-learn does for binary problems: a two-class
//! softmax with both vectors penalized would effectively halve the regularization), stored as
//! class `hi` = w and class `lo` = 0 so that the softmax link gives exactly the sigmoid.
//!
//! The solver minimizes the objective divided by `C * sum_i s_i` (a mean loss), so `tol` is a
//! bound on the max-norm of that gradient, as scikit-learn's `tol` for lbfgs.
//!
//! Speed: one objective+gradient evaluation is two passes over the non-zeros. Margins and
//! residuals are computed per row in parallel (each row's result lands in its own slot), the
//! gradient `X^T D` is computed per feature from a column-major copy of `X`, also in parallel
//! (each feature sums its column in row order). Partial sums (loss, intercept gradient, norm)
//! are formed over fixed-size chunks merged in order, so results are bit-identical for any
//! number of rayon threads.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::error::ModelError;
use super::lbfgs::minimize;
pub use super::lbfgs::SolverInfo;
use super::linear::{LinearModel, Link, ABSENT_CLASS_INTERCEPT};
use super::weights::{
    check_c, check_data, check_max_iter, check_solver, check_tol, require_two_classes, ClassWeight,
};
use crate::SparseRows;

/// Rows per block / parallel task (<= 65536: block-local row ids are `u16`); fixed so that
/// partial sums do not depend on the thread count.
const ROW_CHUNK: usize = 4096;
/// Features per parallel task for the gradient.
const FEAT_CHUNK: usize = 4096;

/// Checked logistic-regression hyper-parameters; build through [`LogisticParams`].
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ValidLogisticParams {
    c: f64,
    tol: f64,
    max_iter: usize,
    n_classes: usize,
    class_weight: ClassWeight,
}

impl ValidLogisticParams {
    getters!(c: f64, tol: f64, max_iter: usize, n_classes: usize);
    pub fn class_weight(&self) -> &ClassWeight {
        &self.class_weight
    }
}

/// Logistic-regression hyper-parameters (linfa style: set, then `check()` or fit directly).
///
/// Defaults are scikit-learn's: `C = 1`, `tol = 1e-4`, `max_iter = 100`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct LogisticParams(ValidLogisticParams);

impl LogisticParams {
    /// `n_classes` fixes the model's shape even when a class is absent from a training fold.
    pub fn new(n_classes: usize) -> Self {
        Self(ValidLogisticParams {
            c: 1.0,
            tol: 1e-4,
            max_iter: 100,
            n_classes,
            class_weight: ClassWeight::None,
        })
    }
    setters!(c: f64, tol: f64, max_iter: usize, n_classes: usize, class_weight: ClassWeight);
}

fn check(p: &ValidLogisticParams) -> Result<(), ModelError> {
    check_c(p.c)?;
    check_solver(p.tol, p.max_iter, p.n_classes, &p.class_weight)
}

linfa_params!(LogisticParams => ValidLogisticParams, check: check, fit: |x, y, p| {
    fit_logistic(x, &y, p).map(|(m, _)| m)
});

/// Trains and also reports how the optimizer stopped (used by tests and diagnostics).
///
/// # Errors
/// Bad parameters or data, see [`ModelError`].
pub fn fit_logistic(
    x: &SparseRows,
    y: &[usize],
    p: &ValidLogisticParams,
) -> Result<(LinearModel, SolverInfo), ModelError> {
    check_c(p.c)?;
    check_tol(p.tol)?;
    check_max_iter(p.max_iter)?;
    p.class_weight.check(p.n_classes)?;
    let summary = check_data(x, y, p.n_classes, false)?;
    require_two_classes(&summary)?;
    let cw = p.class_weight.per_class(&summary.counts);
    let present = &summary.present;
    // Map class index -> compact index among present classes.
    let mut compact = vec![usize::MAX; p.n_classes];
    for (i, &c) in present.iter().enumerate() {
        compact[c] = i;
    }
    let binary = present.len() == 2;
    let k = if binary { 1 } else { present.len() };
    let yc: Vec<usize> = y.iter().map(|&c| compact[c]).collect();
    let sw: Vec<f64> = y.iter().map(|&c| cw[c]).collect();
    check_rows_u32(x)?;
    let map = ColumnMap::first_use(x);
    let problem = Problem::new(x, Some(&map), &yc, &sw, k, binary, p.c);
    let nu = map.used.len();
    let mut theta = vec![0.0; nu * k + k];
    let info = lbfgs(&problem, &mut theta, p.tol, p.max_iter);

    let nf = x.ncols();
    let n = p.n_classes;
    let col = |ju: usize| map.used[ju];
    let mut model = LinearModel::zeros(nf, n, Link::Softmax);
    model
        .intercept
        .iter_mut()
        .for_each(|b| *b = ABSENT_CLASS_INTERCEPT);
    if binary {
        let (lo, hi) = (present[0], present[1]);
        model.intercept[lo] = 0.0;
        model.intercept[hi] = theta[nu];
        for (ju, &wj) in theta[..nu].iter().enumerate() {
            model.weights[col(ju) * n + hi] = wj;
        }
    } else {
        for (ci, &c) in present.iter().enumerate() {
            model.intercept[c] = theta[nu * k + ci];
            for ju in 0..nu {
                model.weights[col(ju) * n + c] = theta[ju * k + ci];
            }
        }
    }
    Ok((model, info))
}

/// The columns a problem's weights stand for: the used columns of the rows, renumbered in
/// order of first use (row by row).
///
/// Why that order: pass 1 of the objective reads, block by block, the weights of the block's
/// columns. In index order those are scattered over all of `W` (each one a cache miss: most
/// columns occur in a block once or twice), while in order of first use the columns new to a
/// block are consecutive and read in sequence, and the frequent ones sit together at the
/// front (on 100k rows, 1.15M columns, 5 classes: 7% less CPU per iteration). It also leaves
/// the unused columns out of the solve: their data gradient is zero, so from the zero start
/// their weights stay exactly 0 (the L-BFGS direction is a combination of gradients), and a
/// head trained on a fifth of a corpus whose vocabulary spans all of it has a problem several
/// times smaller, L-BFGS vector algebra included.
pub(crate) struct ColumnMap {
    /// Problem column of each column of the rows (`u32::MAX`: unused).
    new_id: Vec<u32>,
    /// Column of the rows of each problem column.
    pub(crate) used: Vec<usize>,
}

impl ColumnMap {
    /// Call after [`check_rows_u32`].
    pub(crate) fn first_use(x: &SparseRows) -> Self {
        let mut new_id = vec![u32::MAX; x.ncols()];
        let mut used = Vec::new();
        for r in x.rows() {
            for &j in r.indices {
                let j = j as usize;
                if new_id[j] == u32::MAX {
                    new_id[j] = used.len() as u32;
                    used.push(j);
                }
            }
        }
        ColumnMap { new_id, used }
    }
}

/// The column-major copy stores row and column ids as `u32`.
pub(crate) fn check_rows_u32(x: &SparseRows) -> Result<(), ModelError> {
    if u32::try_from(x.nrows()).is_err() || u32::try_from(x.ncols()).is_err() {
        return Err(ModelError::TooLarge(format!(
            "{} rows x {} columns; L-BFGS logistic regression supports up to 2^32 of each",
            x.nrows(),
            x.ncols()
        )));
    }
    Ok(())
}

/// The rows of one block of `ROW_CHUNK` consecutive rows, stored column-major: for each
/// non-empty column (ascending) the block-local row ids (ascending) and values.
///
/// Why: the margins `X W` computed row by row read `W` at random (`W` is `n_features *
/// n_classes` doubles, far larger than the L2 cache), which dominated the run time. Column by
/// column within a block, `W` is read in order and the random accesses go to the block's own
/// margins (`ROW_CHUNK * n_classes` doubles, cache resident). The gradient `X^T D` uses the same
/// blocks. Summation orders equal those of plain CSR / CSC, so results do not depend on this.
struct Block {
    row0: usize,
    nrows: usize,
    cols: Vec<u32>,
    ptr: Vec<usize>,
    rows: Vec<u16>,
    /// `f32`: both passes stream these, and the values (TF-IDF weights, at most 1 in
    /// magnitude) need no more than its 24 bits; products and sums stay `f64`.
    vals: Vec<f32>,
}

/// Splits the rows into blocks (one pass over a column-major copy built by counting), with
/// columns renumbered by `map` if given.
fn build_blocks(x: &SparseRows, map: Option<&ColumnMap>) -> Vec<Block> {
    let n = x.nrows();
    let nf = map.map_or(x.ncols(), |m| m.used.len());
    let col = |j: usize| map.map_or(j, |m| m.new_id[j] as usize);
    let nblocks = n.div_ceil(ROW_CHUNK);
    // Count the non-zeros and non-empty columns of each block first (exact allocations).
    let mut blocks: Vec<Block> = (0..nblocks)
        .map(|b| {
            let row0 = b * ROW_CHUNK;
            let nrows = ROW_CHUNK.min(n - row0);
            let nnz: usize = (row0..row0 + nrows).map(|i| x.row(i).nnz()).sum();
            Block {
                row0,
                nrows,
                cols: Vec::new(),
                ptr: vec![0],
                rows: Vec::with_capacity(nnz),
                vals: Vec::with_capacity(nnz),
            }
        })
        .collect();
    // Global column-major order via counting sort, then dealt to blocks: within a column rows
    // ascend, so each block receives its column segments in order.
    let mut indptr = vec![0usize; nf + 1];
    for r in x.rows() {
        for &j in r.indices {
            indptr[col(j as usize) + 1] += 1;
        }
    }
    for j in 0..nf {
        indptr[j + 1] += indptr[j];
    }
    let mut next = indptr.clone();
    let mut rows = vec![0u32; x.nnz()];
    let mut vals = vec![0.0f32; x.nnz()];
    for (i, r) in x.rows().enumerate() {
        for (j, v) in r.iter() {
            let j = col(j);
            rows[next[j]] = i as u32;
            vals[next[j]] = v as f32;
            next[j] += 1;
        }
    }
    drop(next);
    for j in 0..nf {
        for q in indptr[j]..indptr[j + 1] {
            let i = rows[q] as usize;
            let blk = &mut blocks[i / ROW_CHUNK];
            if blk.cols.last() != Some(&(j as u32)) {
                if !blk.cols.is_empty() {
                    blk.ptr.push(blk.rows.len());
                }
                blk.cols.push(j as u32);
            }
            blk.rows.push((i - blk.row0) as u16);
            blk.vals.push(vals[q]);
        }
    }
    for blk in &mut blocks {
        if !blk.cols.is_empty() {
            blk.ptr.push(blk.rows.len());
        }
    }
    blocks
}

/// The (normalized) objective: parameters are `[W feature-major (nf x k), b (k)]`.
pub(crate) struct Problem<'a> {
    nrows: usize,
    /// Columns of the problem (of `W`).
    ncols: usize,
    blocks: Vec<Block>,
    y: &'a [usize],
    sw: &'a [f64],
    k: usize,
    binary: bool,
    inv_c: f64,
    /// 1 / sum of row weights: the objective is a weighted mean loss plus penalty.
    scale: f64,
}

impl<'a> Problem<'a> {
    /// The problem on the columns of `x`, renumbered by `map` if given.
    pub(crate) fn new(
        x: &SparseRows,
        map: Option<&ColumnMap>,
        y: &'a [usize],
        sw: &'a [f64],
        k: usize,
        binary: bool,
        c: f64,
    ) -> Self {
        let total: f64 = sw.iter().sum();
        Self {
            nrows: x.nrows(),
            ncols: map.map_or(x.ncols(), |m| m.used.len()),
            blocks: build_blocks(x, map),
            y,
            sw,
            k,
            binary,
            inv_c: 1.0 / c,
            scale: 1.0 / total,
        }
    }

    /// The number of score columns, `K` unless 0. Called inside the parallel closures too:
    /// a captured local is a load there (a closure's body is a separate function behind
    /// rayon), so `K` would not reach their loops.
    #[inline(always)]
    fn classes<const K: usize>(&self) -> usize {
        if K == 0 {
            self.k
        } else {
            K
        }
    }

    fn dim(&self) -> usize {
        self.ncols * self.k + self.k
    }

    /// Objective value; gradient into `grad`. `resid` is an `nrows * k` scratch buffer.
    ///
    /// Dispatches to a copy specialized for the number of score columns (the inner loops run
    /// over `k` adjacent weights per non-zero; with `k` a constant they are unrolled).
    fn eval(&self, theta: &[f64], grad: &mut [f64], resid: &mut [f64]) -> f64 {
        match self.k {
            1 => self.eval_k::<1>(theta, grad, resid),
            2 => self.eval_k::<2>(theta, grad, resid),
            3 => self.eval_k::<3>(theta, grad, resid),
            4 => self.eval_k::<4>(theta, grad, resid),
            5 => self.eval_k::<5>(theta, grad, resid),
            6 => self.eval_k::<6>(theta, grad, resid),
            _ => self.eval_k::<0>(theta, grad, resid),
        }
    }

    /// `eval` for `K` score columns (`K = 0`: any number, read from `self.k`).
    fn eval_k<const K: usize>(&self, theta: &[f64], grad: &mut [f64], resid: &mut [f64]) -> f64 {
        let k = self.classes::<K>();
        let nf = self.ncols;
        let (w, b) = theta.split_at(nf * k);
        // Pass 1: per-row residuals d_i = s_i * dloss/dz_i and per-block loss / intercept sums.
        // The block's slice of `resid` first holds the margins z, accumulated column by column.
        let partials: Vec<(f64, Vec<f64>)> = resid
            .par_chunks_mut(ROW_CHUNK * k)
            .zip(self.blocks.par_iter())
            .map(|(d, blk)| {
                let k = self.classes::<K>();
                for zi in d.chunks_mut(k) {
                    zi.copy_from_slice(&b[..k]);
                }
                for (ci, &j) in blk.cols.iter().enumerate() {
                    let j = j as usize;
                    let (lo, hi) = (blk.ptr[ci], blk.ptr[ci + 1]);
                    scatter_column::<K>(
                        d,
                        k,
                        &w[j * k..j * k + k],
                        (&blk.rows[lo..hi], &blk.vals[lo..hi]),
                    );
                }
                let mut loss = 0.0;
                let mut gb = vec![0.0; k];
                let mut z = vec![0.0; k];
                for (r, di) in d.chunks_mut(k).enumerate() {
                    let i = blk.row0 + r;
                    let z = &mut z[..k];
                    z.copy_from_slice(di);
                    let s = self.sw[i];
                    if self.binary {
                        let t = if self.y[i] == 1 { 1.0 } else { -1.0 };
                        let m = t * z[0];
                        // log(1 + exp(-m)), stable both ways.
                        loss += s * if m > 0.0 {
                            (-m).exp().ln_1p()
                        } else {
                            -m + m.exp().ln_1p()
                        };
                        // d/dz = -t * sigmoid(-m)
                        let sig = if m > 0.0 {
                            let e = (-m).exp();
                            e / (1.0 + e)
                        } else {
                            1.0 / (1.0 + m.exp())
                        };
                        di[0] = -t * sig * s;
                    } else {
                        let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                        let mut sum = 0.0;
                        for (dc, &zc) in di.iter_mut().zip(z.iter()) {
                            *dc = (zc - max).exp();
                            sum += *dc;
                        }
                        let lse = max + sum.ln();
                        loss += s * (lse - z[self.y[i]]);
                        for dc in di.iter_mut() {
                            *dc *= s / sum;
                        }
                        di[self.y[i]] -= s;
                    }
                    for (g, &dc) in gb.iter_mut().zip(di.iter()) {
                        *g += dc;
                    }
                }
                (loss, gb)
            })
            .collect();
        let mut loss = 0.0;
        let (gw, gbias) = grad.split_at_mut(nf * k);
        gbias.iter_mut().for_each(|g| *g = 0.0);
        for (l, gb) in &partials {
            loss += l;
            for (g, v) in gbias.iter_mut().zip(gb) {
                *g += v;
            }
        }
        // Pass 2: gradient of W per feature chunk, summed over the blocks in order (so each
        // feature's column is summed in row order), plus penalty.
        let resid: &[f64] = resid;
        let norms: Vec<f64> = gw
            .par_chunks_mut(FEAT_CHUNK * k)
            .enumerate()
            .map(|(chunk, g)| {
                let k = self.classes::<K>();
                let j0 = chunk * FEAT_CHUNK;
                let j1 = j0 + g.len() / k;
                g.iter_mut().for_each(|v| *v = 0.0);
                for blk in &self.blocks {
                    let d = &resid[blk.row0 * k..(blk.row0 + blk.nrows) * k];
                    let start = blk.cols.partition_point(|&c| (c as usize) < j0);
                    for (ci, &j) in blk.cols.iter().enumerate().skip(start) {
                        let j = j as usize;
                        if j >= j1 {
                            break;
                        }
                        let (lo, hi) = (blk.ptr[ci], blk.ptr[ci + 1]);
                        gather_column::<K>(
                            &mut g[(j - j0) * k..(j - j0) * k + k],
                            k,
                            d,
                            (&blk.rows[lo..hi], &blk.vals[lo..hi]),
                        );
                    }
                }
                let mut norm = 0.0;
                for (gc, &wc) in g.iter_mut().zip(&w[j0 * k..j1 * k]) {
                    *gc = (*gc + self.inv_c * wc) * self.scale;
                    norm += wc * wc;
                }
                norm
            })
            .collect();
        gbias.iter_mut().for_each(|g| *g *= self.scale);
        let norm: f64 = norms.iter().sum();
        (loss + 0.5 * self.inv_c * norm) * self.scale
    }
}

/// Pass 1 for one column segment of a block: `z_r += v * w` for each of its rows `r`.
///
/// With `K` fixed the weights are copied into a local array, kept in registers: the compiler
/// cannot tell that the stores into the margins never touch `w`, and reloaded all `K` of them
/// for every non-zero.
#[inline(always)]
fn scatter_column<const K: usize>(
    z: &mut [f64],
    k: usize,
    w: &[f64],
    (rows, vals): (&[u16], &[f32]),
) {
    if K > 0 {
        let w: [f64; K] = std::array::from_fn(|c| w[c]);
        for (&r, v) in rows.iter().zip(vals.iter().map(|&v| f64::from(v))) {
            let zr = &mut z[r as usize * K..r as usize * K + K];
            for c in 0..K {
                zr[c] += v * w[c];
            }
        }
    } else {
        for (&r, v) in rows.iter().zip(vals.iter().map(|&v| f64::from(v))) {
            let zr = &mut z[r as usize * k..r as usize * k + k];
            for (zc, &wc) in zr.iter_mut().zip(w) {
                *zc += v * wc;
            }
        }
    }
}

/// Pass 2 for one column segment of a block: `g += v * d_r` for each of its rows `r`, in row
/// order.
///
/// With `K` fixed the sums run in a local array, in registers: accumulated in `g` itself, each
/// non-zero waited on the store of the previous one (a chain through memory), the slowest
/// loop of training. The order of the additions is the same, so the result is too.
#[inline(always)]
fn gather_column<const K: usize>(
    g: &mut [f64],
    k: usize,
    d: &[f64],
    (rows, vals): (&[u16], &[f32]),
) {
    if K > 0 {
        let mut acc: [f64; K] = std::array::from_fn(|c| g[c]);
        for (&r, v) in rows.iter().zip(vals.iter().map(|&v| f64::from(v))) {
            let dr = &d[r as usize * K..r as usize * K + K];
            for c in 0..K {
                acc[c] += v * dr[c];
            }
        }
        g[..K].copy_from_slice(&acc);
    } else {
        for (&r, v) in rows.iter().zip(vals.iter().map(|&v| f64::from(v))) {
            for (gc, &dc) in g.iter_mut().zip(&d[r as usize * k..r as usize * k + k]) {
                *gc += v * dc;
            }
        }
    }
}

/// Minimizes the problem's objective from `theta` (see [`super::lbfgs::minimize`]).
pub(crate) fn lbfgs(
    problem: &Problem<'_>,
    theta: &mut [f64],
    tol: f64,
    max_iter: usize,
) -> SolverInfo {
    debug_assert_eq!(theta.len(), problem.dim());
    let mut resid = vec![0.0; problem.nrows * problem.k];
    minimize(|t, g| problem.eval(t, g, &mut resid), theta, tol, max_iter)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Unused columns are left out of the solve and the rest renumbered in order of first use:
    /// the model equals, bit for bit, the one fitted on the used columns alone numbered in that
    /// order, with zero weights elsewhere.
    #[test]
    fn unused_columns_are_left_out_and_the_rest_taken_in_first_use_order() {
        let rows = vec![
            (vec![4, 6], vec![0.3, 1.0]),
            (vec![1, 4], vec![1.0, 0.5]),
            (vec![1, 6], vec![0.7, 0.2]),
            (vec![1], vec![1.0]),
            (vec![6], vec![0.9]),
            (vec![4], vec![0.4]),
        ];
        let x = SparseRows::from_rows(8, rows.clone()).unwrap();
        let used = ColumnMap::first_use(&x).used;
        assert_eq!(used, vec![4, 6, 1]);
        // the same rows on the used columns alone, numbered in that order (4, 6, 1 -> 0, 1, 2)
        let narrow_rows = rows.into_iter().map(|(idx, val)| {
            let mut pairs: Vec<(crate::Col, f32)> = idx
                .iter()
                .map(|&j| used.iter().position(|&u| u == j as usize).unwrap() as crate::Col)
                .zip(val)
                .collect();
            pairs.sort_by_key(|p| p.0);
            pairs.into_iter().unzip::<_, _, Vec<_>, Vec<_>>()
        });
        let xc = SparseRows::from_rows(3, narrow_rows).unwrap();
        let y = vec![1, 0, 2, 0, 2, 1];
        let p = LogisticParams::new(3).c(10.0).0;
        let (wide, _) = fit_logistic(&x, &y, &p).unwrap();
        let (narrow, _) = fit_logistic(&xc, &y, &p).unwrap();
        assert_eq!(wide.intercept, narrow.intercept);
        for j in 0..8 {
            for c in 0..3 {
                let w = wide.weights[j * 3 + c];
                match used.iter().position(|&u| u == j) {
                    Some(ju) => assert_eq!(w, narrow.weights[ju * 3 + c]),
                    None => assert_eq!(w, 0.0),
                }
            }
        }
        // Binary too.
        let yb = vec![1, 0, 1, 0, 1, 0];
        let pb = LogisticParams::new(2).c(10.0).0;
        let (wide, _) = fit_logistic(&x, &yb, &pb).unwrap();
        let (narrow, _) = fit_logistic(&xc, &yb, &pb).unwrap();
        assert_eq!(wide.intercept, narrow.intercept);
        for (ju, &j) in used.iter().enumerate() {
            assert_eq!(wide.weights[j * 2 + 1], narrow.weights[ju * 2 + 1]);
        }
        assert_eq!(wide.weights[2 * 2 + 1], 0.0);
    }

    /// Timing probe (not an assertion): `cargo test --release --lib model::logistic -- --ignored
    /// --nocapture probe`.
    #[test]
    #[ignore]
    fn probe_eval_time() {
        let (n, f, nnz, k) = (10_000usize, 200_000usize, 200usize, 3usize);
        let mut state = 2024u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut rows = Vec::new();
        let mut y = Vec::new();
        for _ in 0..n {
            let c = (next() * k as f64) as usize;
            let mut idx: Vec<crate::Col> = (0..nnz)
                .map(|_| ((f as f64) * next().powi(3)) as crate::Col)
                .collect();
            idx.sort_unstable();
            idx.dedup();
            let val = idx.iter().map(|_| next() as f32).collect();
            rows.push((idx, val));
            y.push(c);
        }
        let x = SparseRows::from_rows(f, rows).unwrap();
        let sw = vec![1.0; n];
        let t = std::time::Instant::now();
        let p = Problem::new(&x, None, &y, &sw, k, false, 1.0);
        eprintln!("setup {:.3?}", t.elapsed());
        let theta: Vec<f64> = (0..p.dim())
            .map(|i| ((i % 7) as f64 - 3.0) * 1e-3)
            .collect();
        let mut g = vec![0.0; p.dim()];
        let mut resid = vec![0.0; n * k];
        let t = std::time::Instant::now();
        for _ in 0..10 {
            p.eval(&theta, &mut g, &mut resid);
        }
        eprintln!("eval x10 {:.3?} ({} nnz)", t.elapsed(), x.nnz());
        let t = std::time::Instant::now();
        let mut acc = 0.0;
        for _ in 0..10 {
            for r in x.rows() {
                let mut z = [0.0; 3];
                for (&j, &v) in r.indices.iter().zip(r.values) {
                    let (j, v) = (j as usize, f64::from(v));
                    let wj = &theta[j * 3..j * 3 + 3];
                    for c in 0..3 {
                        z[c] += v * wj[c];
                    }
                }
                acc += z[0] + z[1] + z[2];
            }
        }
        eprintln!("pass1-like x10 {:.3?} {acc}", t.elapsed());
    }
}
