//! Oracle tests: our sparse learners against linfa's dense ones on small data.
//!
//! Logistic regression: ours minimizes `C * sum logloss + 0.5 ||W||^2` (intercept free);
//! linfa-logistic minimizes `sum logloss + alpha/2 ||W||^2` (its `convert_params` splits the
//! intercept off before the penalty, so the intercept is free too). Dividing ours by `C` gives
//! `alpha = 1 / C`. Both solved to tight gradient tolerances, the optimum (probabilities) is
//! unique, so predictions must be equal and probabilities agree within `PROBA_TOL`.
//!
//! Multinomial NB: same smoothing and (unsmoothed, empirical) priors as linfa-bayes, so joint
//! log-likelihoods (hence log-probabilities) agree to rounding: `NB_TOL`.

use linfa::prelude::*;
use linfa_bayes::{MultinomialNb, NaiveBayes};
use linfa_logistic::{LogisticRegression, MultiLogisticRegression};
use ndarray::{Array1, Array2};
use stance::model::{fit_logistic, fit_nb, LinearModel, LogisticParams, NbParams, SolverInfo};
use stance::SparseRows;

/// Max |p_ours - p_linfa| allowed for logistic probabilities.
const PROBA_TOL: f64 = 1e-5;
/// Max |log p_ours - log p_linfa| allowed for multinomial NB.
const NB_TOL: f64 = 1e-9;

/// Deterministic pseudo-random numbers (no `rand` in the dev-dependencies).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// `n` rows, `f` features, `k` classes: sparse non-negative count-like rows whose feature
/// rates depend on the class (learnable, not separable).
fn dataset(n: usize, f: usize, k: usize, seed: u64) -> (SparseRows, Vec<usize>) {
    let mut rng = Lcg(seed);
    let mut rows = Vec::new();
    let mut y = Vec::new();
    for i in 0..n {
        let c = i % k;
        let mut idx = Vec::new();
        let mut val = Vec::new();
        for j in 0..f {
            let rate = if j % k == c { 0.45 } else { 0.2 };
            if rng.next() < rate {
                idx.push(j);
                val.push(((1.0 + (rng.next() * 3.0).floor()) * 0.5) as f32);
            }
        }
        rows.push((idx, val));
        y.push(c);
    }
    (SparseRows::from_rows(f, rows).unwrap(), y)
}

fn max_abs_diff(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
    assert_eq!(a.dim(), b.dim());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

/// Our logistic regression at `C = c`, solved tightly; asserts that the solver converged.
fn fit_ours(x: &SparseRows, y: &[usize], n_classes: usize, c: f64) -> (LinearModel, SolverInfo) {
    let p = LogisticParams::new(n_classes)
        .c(c)
        .tol(1e-8)
        .max_iter(2000)
        .check()
        .unwrap();
    let (ours, info) = fit_logistic(x, y, &p).unwrap();
    assert!(info.converged, "{info:?}");
    (ours, info)
}

#[test]
fn multinomial_logistic_matches_linfa() {
    for &c in &[0.1, 1.0, 10.0] {
        let (x, y) = dataset(200, 30, 3, 7);
        let dense = x.to_dense(1 << 20).unwrap();
        let (ours, info) = fit_ours(&x, &y, 3, c);

        let theirs = MultiLogisticRegression::default()
            .alpha(1.0 / c)
            .gradient_tolerance(1e-10)
            .max_iterations(2000)
            .fit(&Dataset::new(dense.clone(), Array1::from(y.clone())))
            .unwrap();
        assert_eq!(theirs.classes(), &[0, 1, 2]);
        let p_theirs = theirs.predict_probabilities(&dense);
        let p_ours = ours.predict_proba(&x);
        let diff = max_abs_diff(&p_ours, &p_theirs);
        eprintln!("multinomial logistic C={c}: max |dp| = {diff:.3e}, {info:?}");
        assert!(diff < PROBA_TOL, "C={c}: max prob diff {diff}");
        let pred_theirs: Array1<usize> = theirs.predict(&dense);
        assert_eq!(ours.predict(&x), pred_theirs, "C={c}");
    }
}

/// More rows than one row block (4096) of the solver: block boundaries must not matter.
#[test]
fn multinomial_logistic_matches_linfa_across_row_blocks() {
    let (x, y) = dataset(9000, 24, 3, 5);
    let dense = x.to_dense(1 << 24).unwrap();
    let c = 0.5;
    let (ours, info) = fit_ours(&x, &y, 3, c);
    let theirs = MultiLogisticRegression::default()
        .alpha(1.0 / c)
        .gradient_tolerance(1e-8)
        .max_iterations(2000)
        .fit(&Dataset::new(dense.clone(), Array1::from(y.clone())))
        .unwrap();
    let diff = max_abs_diff(
        &ours.predict_proba(&x),
        &theirs.predict_probabilities(&dense),
    );
    eprintln!("multinomial logistic, 9000 rows: max |dp| = {diff:.3e}, {info:?}");
    assert!(diff < PROBA_TOL, "max prob diff {diff}");
    let pred_theirs: Array1<usize> = theirs.predict(&dense);
    assert_eq!(ours.predict(&x), pred_theirs);
}

#[test]
fn binary_logistic_matches_linfa() {
    for &c in &[0.1, 1.0, 10.0] {
        let (x, y) = dataset(200, 30, 2, 11);
        let dense = x.to_dense(1 << 20).unwrap();
        let (ours, info) = fit_ours(&x, &y, 2, c);

        let theirs = LogisticRegression::default()
            .alpha(1.0 / c)
            .gradient_tolerance(1e-10)
            .max_iterations(2000)
            .fit(&Dataset::new(dense.clone(), Array1::from(y.clone())))
            .unwrap();
        // linfa picks its "positive" class by encounter order: read it, never assume it.
        let pos = theirs.labels().pos.class;
        let p_pos = theirs.predict_probabilities(&dense);
        let mut p_theirs = Array2::zeros((x.nrows(), 2));
        for (i, &pp) in p_pos.iter().enumerate() {
            p_theirs[[i, pos]] = pp;
            p_theirs[[i, 1 - pos]] = 1.0 - pp;
        }
        let p_ours = ours.predict_proba(&x);
        let diff = max_abs_diff(&p_ours, &p_theirs);
        eprintln!("binary logistic C={c}: max |dp| = {diff:.3e}, {info:?}");
        assert!(diff < PROBA_TOL, "C={c}: max prob diff {diff}");
        let pred_theirs: Array1<usize> = theirs.predict(&dense);
        assert_eq!(ours.predict(&x), pred_theirs, "C={c}");
    }
}

#[test]
fn multinomial_nb_matches_linfa_bayes() {
    for &alpha in &[1.0, 0.5, 0.01] {
        let (x, y) = dataset(200, 30, 3, 23);
        let dense = x.to_dense(1 << 20).unwrap();
        let ours = fit_nb(
            &x,
            &y,
            &NbParams::multinomial(3).alpha(alpha).check().unwrap(),
        )
        .unwrap();
        let theirs = MultinomialNb::params()
            .alpha(alpha)
            .fit(&Dataset::new(dense.clone(), Array1::from(y.clone())))
            .unwrap();
        let (log_theirs, classes) = theirs.predict_log_proba(dense.view());
        assert_eq!(classes, vec![&0, &1, &2]);
        let log_ours = ours.predict_proba(&x).mapv(f64::ln);
        let diff = max_abs_diff(&log_ours, &log_theirs);
        eprintln!("multinomial NB alpha={alpha}: max |d log p| = {diff:.3e}");
        assert!(diff < NB_TOL, "alpha={alpha}: max log-prob diff {diff}");
        let pred_theirs: Array1<usize> = theirs.predict(&dense);
        assert_eq!(ours.predict(&x), pred_theirs);
        // Scores are the joint log-likelihoods themselves (linear form, exactly).
        let jll = theirs.joint_log_likelihood(dense.view());
        let scores = ours.decision_function(&x);
        for c in 0..3 {
            let d = (&scores.column(c) - &jll[&c])
                .mapv(f64::abs)
                .fold(0.0, |m: f64, v| m.max(*v));
            assert!(d < NB_TOL, "jll class {c}: {d}");
        }
    }
}
