//! Linear SVM: L2-regularized squared hinge, one-vs-rest, dual coordinate descent.
//!
//! This is liblinear's `solve_l2r_l1l2_svc` for the L2 loss (what scikit-learn's `LinearSVC`
//! runs by default): minimize `0.5 * ||w||^2 + sum_i C_i * max(0, 1 - t_i w.x_i)^2` where the
//! intercept is an extra constant feature of value 1 (`intercept_scaling = 1`), hence
//! regularized like any weight, exactly as `LinearSVC`. The dual is solved one coordinate at a
//! time in a seeded random order with liblinear's shrinking; it stops when the projected-gradient
//! spread falls below `tol` (liblinear's `eps`) or after `max_iter` passes.
//!
//! Class weights: row `i` gets `C_i = C * weight(class of i)` in every one-vs-rest problem.
//! (liblinear weights only the positive side of each OvR problem; weighting by the row's own
//! class is the same thing for two classes and the natural per-row meaning for more.)
//!
//! Probabilities: Platt scaling per class, `p_c = sigmoid(a_c * margin_c + b_c)` fitted by
//! Newton's method with Platt's smoothed targets on the training margins (Lin, Lin & Weng 2007),
//! then normalized over classes. Fitting on training margins is optimistic (margins of training
//! rows are larger than of unseen rows), but needs no extra training runs; ranking and argmax do
//! not depend on it.
//!
//! With exactly two classes present a single problem is solved (as liblinear does): the higher
//! class gets `w`, the lower `-w`, so argmax is the sign of the margin and the two Platt
//! sigmoids are complementary.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::error::ModelError;
use super::linear::{LinearModel, Link, ABSENT_CLASS_INTERCEPT};
use super::weights::{
    check_c, check_data, check_max_iter, check_solver, check_tol, require_two_classes, sub_seed,
    ClassWeight, DataSummary, SplitMix64,
};
use crate::SparseRows;

/// Checked SVM hyper-parameters; build through [`SvmParams`].
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ValidSvmParams {
    c: f64,
    tol: f64,
    max_iter: usize,
    n_classes: usize,
    class_weight: ClassWeight,
    seed: u64,
}

impl ValidSvmParams {
    getters!(c: f64, tol: f64, max_iter: usize, n_classes: usize, seed: u64);
    pub fn class_weight(&self) -> &ClassWeight {
        &self.class_weight
    }
}

/// Linear SVM hyper-parameters. Defaults are `LinearSVC`'s: `C = 1`, `tol = 1e-4`,
/// `max_iter = 1000`; seed 0.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct SvmParams(ValidSvmParams);

impl SvmParams {
    pub fn new(n_classes: usize) -> Self {
        Self(ValidSvmParams {
            c: 1.0,
            tol: 1e-4,
            max_iter: 1000,
            n_classes,
            class_weight: ClassWeight::None,
            seed: 0,
        })
    }
    setters!(
        c: f64,
        tol: f64,
        max_iter: usize,
        n_classes: usize,
        class_weight: ClassWeight,
        seed: u64,
    );
}

fn check(p: &ValidSvmParams) -> Result<(), ModelError> {
    check_c(p.c)?;
    check_solver(p.tol, p.max_iter, p.n_classes, &p.class_weight)
}

linfa_params!(SvmParams => ValidSvmParams, check: check, fit: |x, y, p| fit_svm(x, &y, p));

/// Trains a one-vs-rest linear SVM with Platt probabilities.
///
/// # Errors
/// Bad parameters or data, see [`ModelError`].
pub fn fit_svm(x: &SparseRows, y: &[usize], p: &ValidSvmParams) -> Result<LinearModel, ModelError> {
    check_c(p.c)?;
    check_tol(p.tol)?;
    check_max_iter(p.max_iter)?;
    p.class_weight.check(p.n_classes)?;
    let summary = check_data(x, y, p.n_classes, false)?;
    require_two_classes(&summary)?;
    let cw = p.class_weight.per_class(&summary.counts);
    let ci: Vec<f64> = y.iter().map(|&c| p.c * cw[c]).collect();
    Ok(ovr(x, y, p.n_classes, &summary, p.seed, |t, seed| {
        dual_cd(x, t, &ci, p.tol, p.max_iter, seed).0
    }))
}

/// One-vs-rest over the present classes: `solve(targets, seed) -> (w, b)` per binary problem.
/// Problems run in parallel; each is deterministic and results are placed by class, so the
/// model does not depend on the thread count. Adds Platt scaling on the training margins.
pub(crate) fn ovr<F>(
    x: &SparseRows,
    y: &[usize],
    n_classes: usize,
    summary: &DataSummary,
    seed: u64,
    solve: F,
) -> LinearModel
where
    F: Fn(&[f64], u64) -> (Vec<f64>, f64) + Sync,
{
    let present = &summary.present;
    let nf = x.ncols();
    let n = n_classes;
    let targets =
        |c: usize| -> Vec<f64> { y.iter().map(|&l| if l == c { 1.0 } else { -1.0 }).collect() };
    let mut model = LinearModel::zeros(nf, n, Link::Softmax);
    model
        .intercept
        .iter_mut()
        .for_each(|b| *b = ABSENT_CLASS_INTERCEPT);
    let mut a = vec![1.0; n];
    let mut bp = vec![0.0; n];
    if present.len() == 2 {
        let (lo, hi) = (present[0], present[1]);
        let t = targets(hi);
        let (w, b) = solve(&t, sub_seed(seed, hi as u64));
        for (j, &wj) in w.iter().enumerate() {
            model.weights[j * n + hi] = wj;
            model.weights[j * n + lo] = -wj;
        }
        model.intercept[hi] = b;
        model.intercept[lo] = -b;
        let margins: Vec<f64> = x.rows().map(|r| r.dot(&w) + b).collect();
        let (pa, pb) = platt(&margins, &t);
        a[hi] = pa;
        bp[hi] = pb;
        a[lo] = pa;
        bp[lo] = -pb;
    } else {
        let solved: Vec<(Vec<f64>, f64, f64, f64)> = present
            .par_iter()
            .map(|&c| {
                let t = targets(c);
                let (w, b) = solve(&t, sub_seed(seed, c as u64));
                let margins: Vec<f64> = x.rows().map(|r| r.dot(&w) + b).collect();
                let (pa, pb) = platt(&margins, &t);
                (w, b, pa, pb)
            })
            .collect();
        for (&c, (w, b, pa, pb)) in present.iter().zip(solved) {
            for (j, &wj) in w.iter().enumerate() {
                model.weights[j * n + c] = wj;
            }
            model.intercept[c] = b;
            a[c] = pa;
            bp[c] = pb;
        }
    }
    model.link = Link::Platt { a, b: bp };
    model
}

/// Dual coordinate descent for one binary L2-loss SVM (liblinear, with shrinking).
///
/// `t` are +1/-1 targets, `ci` the per-row `C`. Returns `(w, b)` and the number of passes.
pub(crate) fn dual_cd(
    x: &SparseRows,
    t: &[f64],
    ci: &[f64],
    tol: f64,
    max_iter: usize,
    seed: u64,
) -> ((Vec<f64>, f64), usize) {
    let l = x.nrows();
    let mut w = vec![0.0; x.ncols()];
    let mut b = 0.0; // weight of the constant feature (value 1)
    let mut alpha = vec![0.0; l];
    // diag_i = 1 / (2 C_i); qd_i = ||x_i||^2 + 1 (bias) + diag_i.
    let diag: Vec<f64> = ci.iter().map(|&c| 0.5 / c).collect();
    let qd: Vec<f64> = x
        .rows()
        .zip(&diag)
        .map(|(r, &d)| r.values.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() + 1.0 + d)
        .collect();
    let mut index: Vec<usize> = (0..l).collect();
    let mut active = l;
    let mut rng = SplitMix64::new(seed);
    let mut pg_max_old = f64::INFINITY;
    let mut iter = 0;
    while iter < max_iter {
        let mut pg_max_new = f64::NEG_INFINITY;
        let mut pg_min_new = f64::INFINITY;
        rng.shuffle(&mut index[..active]);
        let mut s = 0;
        while s < active {
            let i = index[s];
            let r = x.row(i);
            let yi = t[i];
            let g = yi * (r.dot(&w) + b) - 1.0 + alpha[i] * diag[i];
            let mut pg = 0.0;
            if alpha[i] == 0.0 {
                if g > pg_max_old {
                    active -= 1;
                    index.swap(s, active);
                    continue;
                } else if g < 0.0 {
                    pg = g;
                }
            } else {
                pg = g;
            }
            pg_max_new = pg_max_new.max(pg);
            pg_min_new = pg_min_new.min(pg);
            if pg.abs() > 1e-12 {
                let old = alpha[i];
                alpha[i] = (old - g / qd[i]).max(0.0);
                let d = (alpha[i] - old) * yi;
                for (&j, &v) in r.indices.iter().zip(r.values) {
                    w[j as usize] += d * f64::from(v);
                }
                b += d;
            }
            s += 1;
        }
        iter += 1;
        if pg_max_new - pg_min_new <= tol {
            if active == l {
                break;
            }
            active = l;
            pg_max_old = f64::INFINITY;
            continue;
        }
        pg_max_old = if pg_max_new <= 0.0 {
            f64::INFINITY
        } else {
            pg_max_new
        };
    }
    if std::env::var_os("STANCE_SVM_TRACE").is_some() {
        eprintln!("dual_cd: {iter} passes, active {active} of {l}");
    }
    ((w, b), iter)
}

/// Platt scaling: fits `p = sigmoid(a * f + b)` to targets `t` (+1/-1) by Newton's method with
/// backtracking, using Platt's smoothed targets to avoid overconfident sigmoids on separable
/// data (Lin, Lin & Weng, "A note on Platt's probabilistic outputs", 2007).
pub(crate) fn platt(f: &[f64], t: &[f64]) -> (f64, f64) {
    let n_pos = t.iter().filter(|&&v| v > 0.0).count() as f64;
    let n_neg = t.len() as f64 - n_pos;
    let hi = (n_pos + 1.0) / (n_pos + 2.0);
    let lo = 1.0 / (n_neg + 2.0);
    let tt: Vec<f64> = t.iter().map(|&v| if v > 0.0 { hi } else { lo }).collect();
    // Their parametrization: p = 1 / (1 + exp(A f + B)), so a = -A, b = -B.
    let mut aa = 0.0;
    let mut bb = ((n_neg + 1.0) / (n_pos + 1.0)).ln();
    let obj = |aa: f64, bb: f64| -> f64 {
        f.iter()
            .zip(&tt)
            .map(|(&fi, &ti)| {
                let z = fi * aa + bb;
                if z >= 0.0 {
                    ti * z + (-z).exp().ln_1p()
                } else {
                    (ti - 1.0) * z + z.exp().ln_1p()
                }
            })
            .sum()
    };
    let mut fval = obj(aa, bb);
    for _ in 0..100 {
        let (mut h11, mut h22, mut h21, mut g1, mut g2) = (1e-12, 1e-12, 0.0, 0.0, 0.0);
        for (&fi, &ti) in f.iter().zip(&tt) {
            let z = fi * aa + bb;
            let (p, q) = if z >= 0.0 {
                let e = (-z).exp();
                (e / (1.0 + e), 1.0 / (1.0 + e))
            } else {
                let e = z.exp();
                (1.0 / (1.0 + e), e / (1.0 + e))
            };
            let d2 = p * q;
            h11 += fi * fi * d2;
            h22 += d2;
            h21 += fi * d2;
            let d1 = ti - p;
            g1 += fi * d1;
            g2 += d1;
        }
        if g1.abs() < 1e-5 && g2.abs() < 1e-5 {
            break;
        }
        let det = h11 * h22 - h21 * h21;
        let da = -(h22 * g1 - h21 * g2) / det;
        let db = -(-h21 * g1 + h11 * g2) / det;
        let gd = g1 * da + g2 * db;
        let mut step = 1.0;
        let mut moved = false;
        while step >= 1e-10 {
            let (na, nb) = (aa + step * da, bb + step * db);
            let nf = obj(na, nb);
            if nf < fval + 1e-4 * step * gd {
                aa = na;
                bb = nb;
                fval = nf;
                moved = true;
                break;
            }
            step /= 2.0;
        }
        if !moved {
            break;
        }
    }
    if aa.is_finite() && bb.is_finite() {
        (-aa, -bb)
    } else {
        (1.0, 0.0)
    }
}

/// The primal objective the dual solver minimizes (for checks): `0.5 (||w||^2 + b^2) +
/// sum_i C_i max(0, 1 - t_i (w.x_i + b))^2`.
pub fn primal_objective(x: &SparseRows, t: &[f64], ci: &[f64], w: &[f64], b: f64) -> f64 {
    let reg = 0.5 * (w.iter().map(|v| v * v).sum::<f64>() + b * b);
    let loss: f64 = x
        .rows()
        .zip(t)
        .zip(ci)
        .map(|((r, &ti), &c)| {
            let m = (1.0 - ti * (r.dot(w) + b)).max(0.0);
            c * m * m
        })
        .sum();
    reg + loss
}
