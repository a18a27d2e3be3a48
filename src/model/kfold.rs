//! Stratified (and grouped stratified) k-fold splits over row indices.
//!
//! linfa's k-fold works on dense datasets; ours returns index lists that the caller applies
//! with [`crate::SparseRows::select_rows`]. Splits are deterministic for a seed and use no hash
//! iteration order. Each fold is `(train, test)` with both lists ascending.

use std::collections::BTreeMap;

use super::error::ModelError;
use super::weights::SplitMix64;

/// A fold: training row indices and test row indices (disjoint, together all rows).
pub type Fold = (Vec<usize>, Vec<usize>);

fn folds_from_assignment(fold_of: &[usize], k: usize) -> Vec<Fold> {
    (0..k)
        .map(|f| {
            let (test, train): (Vec<usize>, Vec<usize>) =
                (0..fold_of.len()).partition(|&i| fold_of[i] == f);
            (train, test)
        })
        .collect()
}

/// Stratified k-fold: each class's rows are shuffled (seeded) and dealt round-robin over the
/// folds, continuing where the previous class stopped, so every fold gets each class's rows in
/// proportion (within one row) and fold sizes differ by at most one.
///
/// # Errors
/// [`ModelError::InvalidSplit`] when `k < 2` or `k > y.len()`.
pub fn stratified_kfold(y: &[usize], k: usize, seed: u64) -> Result<Vec<Fold>, ModelError> {
    if k < 2 || k > y.len() {
        return Err(ModelError::InvalidSplit(format!(
            "k = {k} with {} rows (need 2 <= k <= rows)",
            y.len()
        )));
    }
    let mut by_class: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, &c) in y.iter().enumerate() {
        by_class.entry(c).or_default().push(i);
    }
    let mut rng = SplitMix64::new(seed);
    let mut fold_of = vec![0; y.len()];
    let mut next = 0;
    for rows in by_class.values_mut() {
        rng.shuffle(rows);
        for &i in rows.iter() {
            fold_of[i] = next;
            next = (next + 1) % k;
        }
    }
    Ok(folds_from_assignment(&fold_of, k))
}

/// Grouped stratified k-fold: all rows of a group (e.g. the comments under one article) land in
/// the same fold, so no article leaks between training and test. Groups are shuffled (seeded),
/// then placed largest first, each into the fold that keeps the per-class fold shares most even
/// (scikit-learn's `StratifiedGroupKFold` criterion: the mean over classes of the standard
/// deviation across folds of `fold count / class total`), ties to the smaller fold, then the
/// lower fold index.
///
/// # Errors
/// [`ModelError::InvalidSplit`] when lengths differ, `k < 2`, or `k` exceeds the number of
/// distinct groups.
pub fn grouped_stratified_kfold(
    y: &[usize],
    groups: &[u64],
    k: usize,
    seed: u64,
) -> Result<Vec<Fold>, ModelError> {
    if y.len() != groups.len() {
        return Err(ModelError::InvalidSplit(format!(
            "{} labels but {} group ids",
            y.len(),
            groups.len()
        )));
    }
    let mut members: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    for (i, &g) in groups.iter().enumerate() {
        members.entry(g).or_default().push(i);
    }
    if k < 2 || k > members.len() {
        return Err(ModelError::InvalidSplit(format!(
            "k = {k} with {} groups (need 2 <= k <= groups)",
            members.len()
        )));
    }
    // Dense class ids (labels may be sparse).
    let mut classes: Vec<usize> = y.to_vec();
    classes.sort_unstable();
    classes.dedup();
    let nc = classes.len();
    let cls = |label: usize| classes.binary_search(&label).unwrap_or(0);
    let totals: Vec<f64> = {
        let mut t = vec![0.0; nc];
        y.iter().for_each(|&l| t[cls(l)] += 1.0);
        t
    };
    let mut glist: Vec<(Vec<usize>, Vec<f64>)> = members
        .into_values()
        .map(|rows| {
            let mut h = vec![0.0; nc];
            rows.iter().for_each(|&i| h[cls(y[i])] += 1.0);
            (rows, h)
        })
        .collect();
    let mut rng = SplitMix64::new(seed);
    rng.shuffle(&mut glist);
    // Largest groups first (stable: equal sizes keep the shuffled order).
    glist.sort_by_key(|(rows, _)| std::cmp::Reverse(rows.len()));
    let mut counts = vec![vec![0.0; nc]; k];
    let mut sizes = vec![0usize; k];
    let mut fold_of = vec![0; y.len()];
    let spread = |counts: &Vec<Vec<f64>>| -> f64 {
        (0..nc)
            .map(|c| {
                let shares: Vec<f64> = counts.iter().map(|f| f[c] / totals[c]).collect();
                let mean = shares.iter().sum::<f64>() / k as f64;
                (shares.iter().map(|s| (s - mean) * (s - mean)).sum::<f64>() / k as f64).sqrt()
            })
            .sum::<f64>()
            / nc as f64
    };
    for (gi, (rows, h)) in glist.iter().enumerate() {
        let mut best: Option<(f64, usize, usize)> = None;
        // Never leave a fold empty: once the groups left are just enough, fill empty folds.
        let empty = sizes.iter().filter(|&&s| s == 0).count();
        let must_fill = glist.len() - gi <= empty;
        for f in 0..k {
            if must_fill && sizes[f] > 0 {
                continue;
            }
            for c in 0..nc {
                counts[f][c] += h[c];
            }
            let s = spread(&counts);
            for c in 0..nc {
                counts[f][c] -= h[c];
            }
            let better = match best {
                None => true,
                Some((bs, bsize, _)) => {
                    s < bs - 1e-12 || ((s - bs).abs() <= 1e-12 && sizes[f] < bsize)
                }
            };
            if better {
                best = Some((s, sizes[f], f));
            }
        }
        let f = best.map_or(0, |b| b.2);
        for c in 0..nc {
            counts[f][c] += h[c];
        }
        sizes[f] += rows.len();
        rows.iter().for_each(|&i| fold_of[i] = f);
    }
    Ok(folds_from_assignment(&fold_of, k))
}

/// Hashes a string group key (e.g. an article URL) to the `u64` group id the grouped split takes.
/// FNV-1a: stable across runs and platforms, unlike `std`'s randomly seeded hasher.
pub fn group_id(key: &str) -> u64 {
    key.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}
