//! Behaviour of the sparse learners: separation, optimality, class weights, determinism,
//! errors, absent classes, k-fold splits, persistence.

use linfa::prelude::*;
use ndarray::Array1;
use stance::model::{
    fit_svm, group_id, grouped_stratified_kfold, stratified_kfold, svm::primal_objective, train,
    ClassWeight, Learner, LinearModel, Link, LogisticParams, ModelError, NbParams, SvmParams,
};
use stance::SparseRows;

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

fn all_learners() -> Vec<Learner> {
    vec![
        Learner::Logistic {
            c: 10.0,
            tol: 1e-6,
            max_iter: 500,
        },
        Learner::Svm {
            c: 1.0,
            tol: 1e-4,
            max_iter: 1000,
        },
        Learner::MultinomialNb { alpha: 1.0 },
        Learner::ComplementNb { alpha: 1.0 },
        Learner::NbSvm {
            c: 1.0,
            alpha: 1.0,
            beta: 0.25,
            tol: 1e-4,
            max_iter: 1000,
        },
        Learner::NbLogistic {
            c: 10.0,
            alpha: 1.0,
            beta: 0.25,
            tol: 1e-6,
            max_iter: 500,
        },
    ]
}

/// Linearly separable: class `c` rows always carry their own features `3c..3c+3` (strongly)
/// plus shared noise features.
fn separable(n: usize, k: usize, seed: u64) -> (SparseRows, Vec<usize>) {
    let mut rng = Lcg(seed);
    let f = 3 * k + 10;
    let mut rows = Vec::new();
    let mut y = Vec::new();
    for i in 0..n {
        let c = i % k;
        let mut row: Vec<(usize, f32)> = (0..3)
            .map(|d| (3 * c + d, (1.0 + rng.next()) as f32))
            .collect();
        for j in 3 * k..f {
            if rng.next() < 0.3 {
                row.push((j, (rng.next() * 0.5) as f32));
            }
        }
        rows.push(row.into_iter().unzip());
        y.push(c);
    }
    (SparseRows::from_rows(f, rows).unwrap(), y)
}

/// Overlapping random data: rows with ~`nnz` non-zeros, class-dependent feature rates.
fn noisy(n: usize, f: usize, k: usize, nnz: usize, seed: u64) -> (SparseRows, Vec<usize>) {
    let mut rng = Lcg(seed);
    let mut rows = Vec::new();
    let mut y = Vec::new();
    for i in 0..n {
        let c = i % k;
        let mut idx: Vec<usize> = (0..nnz)
            .map(|_| {
                let j = (rng.next() * f as f64) as usize;
                if rng.next() < 0.3 {
                    (j / k) * k + c // a feature "of" class c
                } else {
                    j
                }
                .min(f - 1)
            })
            .collect();
        idx.sort_unstable();
        idx.dedup();
        let val = idx.iter().map(|_| (0.1 + rng.next()) as f32).collect();
        rows.push((idx, val));
        y.push(c);
    }
    (SparseRows::from_rows(f, rows).unwrap(), y)
}

fn accuracy(m: &LinearModel, x: &SparseRows, y: &[usize]) -> f64 {
    let p = m.predict(x);
    p.iter().zip(y).filter(|(a, b)| a == b).count() as f64 / y.len() as f64
}

#[test]
fn every_learner_separates_a_separable_set() {
    for k in [2, 3] {
        let (x, y) = separable(90, k, 1);
        for l in all_learners() {
            let m = train(&l, &x, &y, k, &ClassWeight::None, 0).unwrap();
            assert_eq!(accuracy(&m, &x, &y), 1.0, "{l:?} with {k} classes");
            m.validate().unwrap();
            let p = m.predict_proba(&x);
            for (i, r) in p.rows().into_iter().enumerate() {
                assert!(
                    (r.sum() - 1.0).abs() < 1e-9,
                    "{l:?}: row sums to {}",
                    r.sum()
                );
                // The most probable class is the predicted one.
                let best = r
                    .iter()
                    .enumerate()
                    .fold(0, |b, (c, &v)| if v > r[b] { c } else { b });
                assert_eq!(best, y[i], "{l:?}: proba argmax differs from label");
            }
        }
    }
}

#[test]
fn svm_solution_is_primal_optimal() {
    let (x, y) = noisy(300, 40, 2, 8, 3);
    let c = 0.5;
    let p = SvmParams::new(2)
        .c(c)
        .tol(1e-8)
        .max_iter(100_000)
        .check()
        .unwrap();
    let m = fit_svm(&x, &y, &p).unwrap();
    // Binary: class 1 row holds w, intercept b (the constant feature's weight).
    let w: Vec<f64> = (0..x.ncols()).map(|j| m.weights[j * 2 + 1]).collect();
    let b = m.intercept[1];
    let t: Vec<f64> = y.iter().map(|&l| if l == 1 { 1.0 } else { -1.0 }).collect();
    let ci = vec![c; y.len()];
    let f0 = primal_objective(&x, &t, &ci, &w, b);
    // Gradient of the primal (it is differentiable for the squared hinge) is ~0.
    let mut g: Vec<f64> = w.clone();
    let mut gb = b;
    for (i, r) in x.rows().enumerate() {
        let slack = (1.0 - t[i] * (r.dot(&w) + b)).max(0.0);
        let coef = -2.0 * c * t[i] * slack;
        for (j, v) in r.iter() {
            g[j] += coef * v;
        }
        gb += coef;
    }
    let gmax = g.iter().fold(gb.abs(), |a, v| a.max(v.abs()));
    assert!(gmax < 1e-4, "primal gradient max {gmax}");
    // No random perturbation does better.
    let mut rng = Lcg(9);
    for _ in 0..200 {
        let eps = 1e-3;
        let w2: Vec<f64> = w.iter().map(|v| v + eps * (rng.next() - 0.5)).collect();
        let b2 = b + eps * (rng.next() - 0.5);
        let f2 = primal_objective(&x, &t, &ci, &w2, b2);
        assert!(f2 >= f0 - 1e-9 * f0, "perturbed {f2} < optimum {f0}");
    }
}

#[test]
fn class_weights_move_decisions_toward_the_minority() {
    // 180 rows of class 0, 20 of class 1, overlapping.
    let (x, y_all) = noisy(400, 30, 2, 6, 5);
    let keep: Vec<usize> = (0..400).filter(|&i| y_all[i] == 0 || i % 20 == 1).collect();
    let x = x.select_rows(&keep);
    let y: Vec<usize> = keep.iter().map(|&i| y_all[i]).collect();
    let minority = y.iter().filter(|&&c| c == 1).count();
    assert!(minority < y.len() / 5);
    for l in [
        Learner::Logistic {
            c: 1.0,
            tol: 1e-6,
            max_iter: 500,
        },
        Learner::Svm {
            c: 1.0,
            tol: 1e-4,
            max_iter: 1000,
        },
        Learner::MultinomialNb { alpha: 1.0 },
    ] {
        let count1 = |cw: &ClassWeight| {
            let m = train(&l, &x, &y, 2, cw, 0).unwrap();
            m.predict(&x).iter().filter(|&&c| c == 1).count()
        };
        let plain = count1(&ClassWeight::None);
        let balanced = count1(&ClassWeight::Balanced);
        let heavy = count1(&ClassWeight::Explicit(vec![1.0, 50.0]));
        let light = count1(&ClassWeight::Explicit(vec![50.0, 1.0]));
        assert!(
            balanced > plain,
            "{l:?}: balanced {balanced} vs plain {plain}"
        );
        assert!(heavy > plain, "{l:?}: heavy {heavy} vs plain {plain}");
        assert!(light <= plain, "{l:?}: light {light} vs plain {plain}");
    }
}

#[test]
fn training_is_deterministic_across_runs_and_thread_counts() {
    // Big enough for several row blocks (4096), feature chunks (4096) and vector chunks (32768)
    // in the logistic solver.
    let (x, y) = noisy(9000, 12_000, 3, 12, 8);
    let learners = [
        Learner::Logistic {
            c: 1.0,
            tol: 1e-4,
            max_iter: 30,
        },
        Learner::Svm {
            c: 1.0,
            tol: 1e-3,
            max_iter: 50,
        },
        Learner::NbSvm {
            c: 1.0,
            alpha: 1.0,
            beta: 0.25,
            tol: 1e-3,
            max_iter: 50,
        },
        Learner::ComplementNb { alpha: 0.5 },
        Learner::NbLogistic {
            c: 1.0,
            alpha: 1.0,
            beta: 0.5,
            tol: 1e-4,
            max_iter: 20,
        },
    ];
    for l in &learners {
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| train(l, &x, &y, 3, &ClassWeight::Balanced, 42).unwrap())
        };
        let a = run(1);
        let b = run(2);
        let c = run(2);
        assert!(a == b, "{l:?}: 1 vs 2 threads differ");
        assert!(b == c, "{l:?}: two runs differ");
        // Bit-identical, not just equal up to -0.0 == 0.0.
        assert!(a
            .weights
            .iter()
            .zip(&b.weights)
            .all(|(p, q)| p.to_bits() == q.to_bits()));
    }
    // A different seed reorders the SVM's coordinates: still a valid model.
    let s = Learner::Svm {
        c: 1.0,
        tol: 1e-3,
        max_iter: 50,
    };
    let m = train(&s, &x, &y, 3, &ClassWeight::None, 7).unwrap();
    m.validate().unwrap();
}

#[test]
fn bad_params_and_bad_data_are_named_errors() {
    let (x, y) = separable(30, 3, 2);
    let none = ClassWeight::None;
    let err = |l: Learner| train(&l, &x, &y, 3, &none, 0).unwrap_err();
    assert!(matches!(
        err(Learner::Logistic {
            c: 0.0,
            tol: 1e-4,
            max_iter: 10
        }),
        ModelError::InvalidC(_)
    ));
    assert!(matches!(
        err(Learner::Svm {
            c: -1.0,
            tol: 1e-4,
            max_iter: 10
        }),
        ModelError::InvalidC(_)
    ));
    assert!(matches!(
        err(Learner::Logistic {
            c: f64::NAN,
            tol: 1e-4,
            max_iter: 10
        }),
        ModelError::InvalidC(_)
    ));
    assert!(matches!(
        err(Learner::Logistic {
            c: 1.0,
            tol: 0.0,
            max_iter: 10
        }),
        ModelError::InvalidTol(_)
    ));
    assert!(matches!(
        err(Learner::Svm {
            c: 1.0,
            tol: -1.0,
            max_iter: 10
        }),
        ModelError::InvalidTol(_)
    ));
    assert!(matches!(
        err(Learner::Logistic {
            c: 1.0,
            tol: 1e-4,
            max_iter: 0
        }),
        ModelError::ZeroMaxIter
    ));
    assert!(matches!(
        err(Learner::Svm {
            c: 1.0,
            tol: 1e-4,
            max_iter: 0
        }),
        ModelError::ZeroMaxIter
    ));
    assert!(matches!(
        err(Learner::MultinomialNb { alpha: -0.1 }),
        ModelError::InvalidAlpha(_)
    ));
    assert!(matches!(
        err(Learner::ComplementNb {
            alpha: f64::INFINITY
        }),
        ModelError::InvalidAlpha(_)
    ));
    assert!(matches!(
        err(Learner::NbSvm {
            c: 1.0,
            alpha: 1.0,
            beta: 1.5,
            tol: 1e-4,
            max_iter: 10
        }),
        ModelError::InvalidBeta(_)
    ));
    // linfa-style params fail at check().
    assert!(matches!(
        LogisticParams::new(3).c(-2.0).check(),
        Err(ModelError::InvalidC(_))
    ));
    assert!(matches!(
        NbParams::multinomial(0).check(),
        Err(ModelError::InvalidNClasses(0))
    ));

    for l in all_learners() {
        // Shape mismatch.
        let e = train(&l, &x, &y[..10], 3, &none, 0).unwrap_err();
        assert!(
            matches!(
                e,
                ModelError::ShapeMismatch {
                    rows: 30,
                    targets: 10
                }
            ),
            "{l:?}: {e}"
        );
        // Empty data.
        let e = train(&l, &SparseRows::empty(5), &[], 3, &none, 0).unwrap_err();
        assert!(matches!(e, ModelError::EmptyData { .. }), "{l:?}: {e}");
        // Label out of range.
        let mut bad = y.clone();
        bad[4] = 3;
        let e = train(&l, &x, &bad, 3, &none, 0).unwrap_err();
        assert!(
            matches!(
                e,
                ModelError::LabelOutOfRange {
                    row: 4,
                    label: 3,
                    n_classes: 3
                }
            ),
            "{l:?}: {e}"
        );
        // Non-finite feature value.
        let mut rows: Vec<(Vec<stance::Col>, Vec<f32>)> = x
            .rows()
            .map(|r| (r.indices.to_vec(), r.values.to_vec()))
            .collect();
        rows[2].1[0] = f32::NAN;
        let xn = SparseRows::from_rows(x.ncols(), rows).unwrap();
        let e = train(&l, &xn, &y, 3, &none, 0).unwrap_err();
        assert!(
            matches!(e, ModelError::NonFinite { row: 2, .. }),
            "{l:?}: {e}"
        );
        // Explicit class weights of the wrong length.
        let e = train(&l, &x, &y, 3, &ClassWeight::Explicit(vec![1.0, 2.0]), 0).unwrap_err();
        assert!(matches!(e, ModelError::InvalidClassWeight(_)), "{l:?}: {e}");
        let e = train(
            &l,
            &x,
            &y,
            3,
            &ClassWeight::Explicit(vec![1.0, 0.0, 1.0]),
            0,
        )
        .unwrap_err();
        assert!(matches!(e, ModelError::InvalidClassWeight(_)), "{l:?}: {e}");
        // n_classes 0.
        let e = train(&l, &x, &y, 0, &none, 0).unwrap_err();
        assert!(matches!(e, ModelError::InvalidNClasses(0)), "{l:?}: {e}");
    }
    // A single present class: an error naming it for discriminative learners, fine for NB.
    let ones = vec![1usize; 30];
    for l in [
        Learner::Logistic {
            c: 1.0,
            tol: 1e-4,
            max_iter: 10,
        },
        Learner::Svm {
            c: 1.0,
            tol: 1e-4,
            max_iter: 10,
        },
        Learner::NbSvm {
            c: 1.0,
            alpha: 1.0,
            beta: 0.25,
            tol: 1e-4,
            max_iter: 10,
        },
        Learner::NbLogistic {
            c: 1.0,
            alpha: 1.0,
            beta: 0.25,
            tol: 1e-4,
            max_iter: 10,
        },
    ] {
        let e = train(&l, &x, &ones, 3, &none, 0).unwrap_err();
        assert!(
            matches!(e, ModelError::SingleClass { class: 1 }),
            "{l:?}: {e}"
        );
        assert!(e.to_string().contains("class 1"));
    }
    let m = train(
        &Learner::MultinomialNb { alpha: 1.0 },
        &x,
        &ones,
        3,
        &none,
        0,
    )
    .unwrap();
    assert!(m.predict(&x).iter().all(|&c| c == 1));
    // Naive Bayes (and NBSVM) need non-negative features.
    let xneg = SparseRows::from_rows(2, vec![(vec![0], vec![-1.0]), (vec![1], vec![1.0])]).unwrap();
    for l in [
        Learner::MultinomialNb { alpha: 1.0 },
        Learner::ComplementNb { alpha: 1.0 },
    ] {
        let e = train(&l, &xneg, &[0, 1], 2, &none, 0).unwrap_err();
        assert!(
            matches!(e, ModelError::NegativeValue { row: 0, col: 0 }),
            "{l:?}: {e}"
        );
    }
}

#[test]
fn a_class_missing_from_training_keeps_a_row_and_is_never_predicted() {
    let (x, y3) = separable(90, 3, 4);
    // Labels 0, 1, 3 of 4 classes: class 2 is absent.
    let y: Vec<usize> = y3.iter().map(|&c| if c == 2 { 3 } else { c }).collect();
    let (xt, _) = noisy(200, x.ncols(), 3, 6, 6);
    for l in all_learners() {
        let m = train(&l, &x, &y, 4, &ClassWeight::Balanced, 0).unwrap();
        assert_eq!(m.n_classes, 4);
        assert_eq!(m.intercept.len(), 4);
        assert_eq!(m.weights.len(), 4 * x.ncols());
        m.validate().unwrap();
        assert_eq!(accuracy(&m, &x, &y), 1.0, "{l:?}");
        for data in [&x, &xt] {
            assert!(
                m.predict(data).iter().all(|&c| c != 2),
                "{l:?} predicted the absent class"
            );
            let p = m.predict_proba(data);
            assert!(
                p.column(2).iter().all(|&v| v == 0.0),
                "{l:?}: absent class has probability"
            );
        }
    }
    // Binary with three declared classes (0 and 2 present).
    let (xb, yb) = separable(40, 2, 5);
    let yb: Vec<usize> = yb.iter().map(|&c| c * 2).collect();
    for l in all_learners() {
        let m = train(&l, &xb, &yb, 3, &ClassWeight::None, 0).unwrap();
        assert_eq!(accuracy(&m, &xb, &yb), 1.0, "{l:?}");
        assert!(m.predict_proba(&xb).column(1).iter().all(|&v| v == 0.0));
    }
}

#[test]
fn linfa_traits_and_streaming_scorer_agree() {
    let (x, y) = noisy(300, 50, 3, 8, 12);
    let ds = DatasetBase::new(x.clone(), Array1::from(y.clone()));
    // Unchecked params forward to the checked ones through linfa's ParamGuard blanket impl.
    let m = LogisticParams::new(3).c(2.0).fit(&ds).unwrap();
    let m2 = train(
        &Learner::Logistic {
            c: 2.0,
            tol: 1e-4,
            max_iter: 100,
        },
        &x,
        &y,
        3,
        &ClassWeight::None,
        0,
    )
    .unwrap();
    assert_eq!(m, m2);
    let pred: Array1<usize> = Predict::predict(&m, &ds);
    assert_eq!(pred, m.predict(&x));
    let svm = SvmParams::new(3).seed(3).fit(&ds).unwrap();
    assert!(matches!(svm.link, Link::Platt { .. }));
    let proba = svm.predict_proba(&x);
    let mut buf = [0.0; 3];
    for (i, r) in x.rows().enumerate() {
        svm.proba_into(r, &mut buf);
        assert_eq!(&buf[..], proba.row(i).as_slice().unwrap());
        assert_eq!(svm.predict_row(r, &mut buf), svm.predict(&x)[i]);
    }
    // Features beyond the model's vocabulary are ignored, not a panic.
    let wide = SparseRows::from_rows(80, vec![(vec![1, 79], vec![1.0, 5.0])]).unwrap();
    let narrow = SparseRows::from_rows(80, vec![(vec![1], vec![1.0])]).unwrap();
    assert_eq!(m.predict_proba(&wide), m.predict_proba(&narrow));
}

#[test]
fn models_and_learners_round_trip_through_serde() {
    let (x, y) = separable(60, 3, 2);
    for l in all_learners() {
        let m = train(&l, &x, &y, 3, &ClassWeight::None, 1).unwrap();
        let s = serde_json::to_string(&m).unwrap();
        let back: LinearModel = serde_json::from_str(&s).unwrap();
        // serde_json without its `float_roundtrip` feature may parse the last bit differently.
        assert_eq!(
            (back.n_features, back.n_classes),
            (m.n_features, m.n_classes)
        );
        for (a, b) in back
            .weights
            .iter()
            .chain(&back.intercept)
            .zip(m.weights.iter().chain(&m.intercept))
        {
            assert!((a - b).abs() <= 1e-15 * b.abs().max(1e-300), "{a} vs {b}");
        }
        // The binary bundle form is exact.
        let bin = bincode::serialize(&m).unwrap();
        assert_eq!(bincode::deserialize::<LinearModel>(&bin).unwrap(), m);
        let js = serde_json::to_value(&m.link).unwrap();
        assert!(
            js.get("type").is_some(),
            "Link is tagged with \"type\" in JSON: {js}"
        );
        let ls = serde_json::to_string(&l).unwrap();
        assert!(ls.contains("\"type\""));
        assert_eq!(serde_json::from_str::<Learner>(&ls).unwrap(), l);
        let lb = bincode::serialize(&l).unwrap();
        assert_eq!(bincode::deserialize::<Learner>(&lb).unwrap(), l);
    }
    // Omitted fields take scikit-learn's defaults.
    let l: Learner = serde_json::from_str(r#"{"type":"Svm","c":0.5}"#).unwrap();
    assert_eq!(
        l,
        Learner::Svm {
            c: 0.5,
            tol: 1e-4,
            max_iter: 1000
        }
    );
    let cw: ClassWeight = serde_json::from_str(r#"{"Explicit":[1.0,2.0]}"#).unwrap();
    assert_eq!(cw, ClassWeight::Explicit(vec![1.0, 2.0]));
    // A hand-broken model is caught by validate().
    let mut m = train(&all_learners()[0], &x, &y, 3, &ClassWeight::None, 1).unwrap();
    m.intercept.pop();
    assert!(matches!(m.validate(), Err(ModelError::InvalidModel(_))));
}

#[test]
fn stratified_folds_partition_and_stratify() {
    let y: Vec<usize> = (0..103)
        .map(|i| {
            if i % 10 < 6 {
                0
            } else if i % 10 < 9 {
                1
            } else {
                2
            }
        })
        .collect();
    let folds = stratified_kfold(&y, 5, 3).unwrap();
    assert_eq!(folds.len(), 5);
    let mut seen = vec![0; y.len()];
    for (train, test) in &folds {
        assert_eq!(train.len() + test.len(), y.len());
        assert!(train.windows(2).all(|w| w[0] < w[1]) && test.windows(2).all(|w| w[0] < w[1]));
        assert!(test.iter().all(|i| train.binary_search(i).is_err()));
        test.iter().for_each(|&i| seen[i] += 1);
        assert!((20..=21).contains(&test.len()), "fold size {}", test.len());
        for c in 0..3 {
            let total = y.iter().filter(|&&l| l == c).count() as f64;
            let got = test.iter().filter(|&&i| y[i] == c).count() as f64;
            assert!(
                (got - total / 5.0).abs() <= 1.0,
                "class {c}: {got} of {total}"
            );
        }
    }
    assert!(
        seen.iter().all(|&s| s == 1),
        "every row in exactly one test fold"
    );
    assert_eq!(folds, stratified_kfold(&y, 5, 3).unwrap());
    assert_ne!(folds, stratified_kfold(&y, 5, 4).unwrap());
    assert!(matches!(
        stratified_kfold(&y, 1, 0),
        Err(ModelError::InvalidSplit(_))
    ));
    assert!(matches!(
        stratified_kfold(&y[..3], 4, 0),
        Err(ModelError::InvalidSplit(_))
    ));
}

#[test]
fn grouped_folds_keep_groups_together() {
    let mut rng = Lcg(77);
    let mut y = Vec::new();
    let mut groups = Vec::new();
    for g in 0..60u64 {
        let size = 1 + (rng.next() * 8.0) as usize;
        let key = group_id(&format!("https://example.org/article/{g}"));
        for _ in 0..size {
            groups.push(key);
            y.push(if rng.next() < 0.6 {
                0
            } else {
                1 + (rng.next() * 2.0) as usize
            });
        }
    }
    let k = 5;
    let folds = grouped_stratified_kfold(&y, &groups, k, 1).unwrap();
    let mut seen = vec![0; y.len()];
    for (train, test) in &folds {
        assert!(!test.is_empty());
        assert_eq!(train.len() + test.len(), y.len());
        test.iter().for_each(|&i| seen[i] += 1);
        for &i in test {
            assert!(
                train.iter().all(|&j| groups[j] != groups[i]),
                "group split across folds"
            );
        }
        for c in 0..3 {
            let total = y.iter().filter(|&&l| l == c).count() as f64;
            let got = test.iter().filter(|&&i| y[i] == c).count() as f64;
            assert!(
                (got / total - 1.0 / k as f64).abs() < 0.08,
                "class {c}: {got} of {total}"
            );
        }
    }
    assert!(seen.iter().all(|&s| s == 1));
    assert_eq!(folds, grouped_stratified_kfold(&y, &groups, k, 1).unwrap());
    // Errors: more folds than groups, length mismatch, k < 2.
    let few = vec![1u64, 1, 2, 2];
    assert!(matches!(
        grouped_stratified_kfold(&[0, 1, 0, 1], &few, 3, 0),
        Err(ModelError::InvalidSplit(_))
    ));
    assert!(grouped_stratified_kfold(&[0, 1, 0, 1], &few, 2, 0).is_ok());
    assert!(matches!(
        grouped_stratified_kfold(&y, &groups[1..], 3, 0),
        Err(ModelError::InvalidSplit(_))
    ));
    assert!(matches!(
        grouped_stratified_kfold(&y, &groups, 1, 0),
        Err(ModelError::InvalidSplit(_))
    ));
    // Exactly as many groups as folds: every fold gets one group.
    let f = grouped_stratified_kfold(&[0, 0, 1, 1, 0, 1], &[5, 5, 6, 6, 7, 7], 3, 2).unwrap();
    assert!(f.iter().all(|(_, test)| test.len() == 2));
}

/// Not a timed assertion: prints training times on synthetic TF-IDF-like data.
/// Run: `STANCE_SPEED_ROWS=100000 STANCE_SPEED_COLS=1000000 cargo test --release --test learners
/// -- --ignored --nocapture speed`. `STANCE_SPEED_DUMP=path` also writes the data in svmlight
/// format (to time scikit-learn on the very same rows).
#[test]
#[ignore]
fn speed_report() {
    let env = |k: &str, d: usize| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let (n, f, nnz) = (
        env("STANCE_SPEED_ROWS", 1000),
        env("STANCE_SPEED_COLS", 50_000),
        env("STANCE_SPEED_NNZ", 200),
    );
    let k = 3;
    let mut rng = Lcg(2024);
    let t0 = std::time::Instant::now();
    let mut rows = Vec::with_capacity(n);
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let c = (rng.next() * k as f64) as usize;
        let mut idx: Vec<usize> = (0..nnz)
            .map(|_| {
                let u = rng.next();
                // Zipf-like column popularity, plus a class-flavoured share of columns.
                let j = ((f as f64) * u * u * u) as usize;
                if rng.next() < 0.15 {
                    (j / k) * k + c
                } else {
                    j
                }
                .min(f - 1)
            })
            .collect();
        idx.sort_unstable();
        idx.dedup();
        let val: Vec<f64> = idx
            .iter()
            .map(|&j| (1.0 + (j as f64 + 1.0).ln()) * (0.5 + rng.next()))
            .collect();
        let norm = val.iter().map(|v| v * v).sum::<f64>().sqrt();
        rows.push((
            idx,
            val.iter().map(|v| (v / norm) as f32).collect::<Vec<_>>(),
        ));
        y.push(c);
    }
    let x = SparseRows::from_rows(f, rows).unwrap();
    eprintln!(
        "data {n} x {f}, nnz {} ({:.1}/row), generated in {:.2?}",
        x.nnz(),
        x.nnz() as f64 / n as f64,
        t0.elapsed()
    );
    if let Ok(path) = std::env::var("STANCE_SPEED_DUMP") {
        use std::io::Write;
        let mut w = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
        for (r, &c) in x.rows().zip(&y) {
            write!(w, "{c}").unwrap();
            for (j, v) in r.iter() {
                write!(w, " {}:{v:e}", j + 1).unwrap();
            }
            writeln!(w).unwrap();
        }
    }
    let c_env: f64 = std::env::var("STANCE_SPEED_C")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1.0);
    let learners = [
        Learner::Logistic {
            c: c_env,
            tol: 1e-4,
            max_iter: 100,
        },
        Learner::Svm {
            c: c_env,
            tol: 1e-4,
            max_iter: 1000,
        },
        Learner::MultinomialNb { alpha: 1.0 },
        Learner::ComplementNb { alpha: 1.0 },
        Learner::NbSvm {
            c: 1.0,
            alpha: 1.0,
            beta: 0.25,
            tol: 1e-4,
            max_iter: 1000,
        },
        Learner::NbLogistic {
            c: 1.0,
            alpha: 1.0,
            beta: 0.25,
            tol: 1e-4,
            max_iter: 100,
        },
    ];
    // Process CPU seconds (all threads) from /proc: wall time is meaningless on a shared box.
    let cpu = || -> f64 {
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
        let after = stat.rsplit(')').next().unwrap_or("");
        let f: Vec<f64> = after
            .split_whitespace()
            .map(|v| v.parse().unwrap_or(0.0))
            .collect();
        // Fields 14 and 15 (utime, stime) are the 12th and 13th after the command name.
        (f.get(11).unwrap_or(&0.0) + f.get(12).unwrap_or(&0.0)) / 100.0
    };
    let only = std::env::var("STANCE_SPEED_ONLY").unwrap_or_default();
    for l in &learners {
        if !format!("{l:?}").starts_with(only.as_str()) {
            continue;
        }
        let t = std::time::Instant::now();
        let c0 = cpu();
        let m = train(l, &x, &y, k, &ClassWeight::None, 0).unwrap();
        let el = t.elapsed();
        eprintln!("  cpu {:.2}s", cpu() - c0);
        eprintln!(
            "{l:?}: {el:.2?}, train accuracy {:.3}",
            accuracy(&m, &x, &y)
        );
    }
    if !only.is_empty() {
        return;
    }
    let p = LogisticParams::new(k).check().unwrap();
    let t = std::time::Instant::now();
    let (_, info) = stance::model::fit_logistic(&x, &y, &p).unwrap();
    eprintln!("logistic solver: {info:?} in {:.2?}", t.elapsed());
}
