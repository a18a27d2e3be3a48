//! Cross-validation and grid search: every labeled row is predicted exactly once, grouped folds
//! keep a group together, results are deterministic, and the search picks from its grid.

use std::collections::HashMap;

use stance::dataset::{HeadData, LabeledData, LoadReport};
use stance::model::{ClassWeight, Learner};
use stance::search::{search, Grid};
use stance::train::{cross_validate, FoldSpec, TrainSpec};
use stance::vectorize::VectorizerConfig;

fn data() -> LabeledData {
    let favor = [
        "talks now",
        "a ceasefire deal",
        "negotiate peace",
        "diplomacy first",
        "end the war by a deal",
    ];
    let against = [
        "no talks",
        "fight to victory",
        "appeasement is surrender",
        "no deal with putin",
        "keep fighting",
    ];
    let none = [
        "weather was cold",
        "officials met tuesday",
        "report published",
        "markets rose",
        "a train arrived",
    ];
    let mut texts = Vec::new();
    let mut y = Vec::new();
    let mut groups = Vec::new();
    for rep in 0..6 {
        for (c, set) in [&favor, &against, &none].iter().enumerate() {
            for (k, t) in set.iter().enumerate() {
                texts.push(format!("{t} {rep}"));
                y.push(Some(c));
                // near-duplicates of one phrase form a group
                groups.push(format!("g{c}-{k}"));
            }
        }
    }
    // one head labels only some rows: the others must not be predicted for it
    let y2: Vec<Option<usize>> = y
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i % 3 == 0 {
                None
            } else {
                c.map(|c| usize::from(c == 0))
            }
        })
        .collect();
    LabeledData {
        ids: (0..texts.len()).map(|i| i.to_string()).collect(),
        heads: vec![
            HeadData {
                name: "negotiation".into(),
                labels: vec!["against".into(), "favor".into(), "none".into()],
                y: y.iter().map(|c| c.map(|c| [1, 0, 2][c])).collect(),
            },
            HeadData {
                name: "is_favor".into(),
                labels: vec!["no".into(), "yes".into()],
                y: y2,
            },
        ],
        texts,
        groups,
        report: LoadReport::default(),
    }
}

fn spec() -> TrainSpec {
    TrainSpec {
        features: VectorizerConfig::default(),
        clean: Default::default(),
        learner: Learner::Logistic {
            c: 10.0,
            tol: 1e-4,
            max_iter: 200,
        },
        class_weight: ClassWeight::None,
        seed: 3,
    }
}

#[test]
fn every_labeled_row_is_predicted_once_and_groups_stay_together() {
    let d = data();
    let f = FoldSpec {
        k: 5,
        seed: 11,
        grouped: true,
    };
    let preds = cross_validate(&d, &spec(), &f).unwrap();
    for (hi, h) in d.heads.iter().enumerate() {
        let mut seen: Vec<usize> = preds
            .iter()
            .filter(|p| p.head == hi)
            .flat_map(|p| p.rows.clone())
            .collect();
        seen.sort_unstable();
        let want: Vec<usize> = (0..d.texts.len()).filter(|&i| h.y[i].is_some()).collect();
        assert_eq!(seen, want, "head {}", h.name);
    }
    let mut fold_of: HashMap<&str, usize> = HashMap::new();
    for p in preds.iter().filter(|p| p.head == 0) {
        for &r in &p.rows {
            let g = d.groups[r].as_str();
            assert_eq!(
                *fold_of.entry(g).or_insert(p.fold),
                p.fold,
                "group {g} split across folds"
            );
        }
    }
    // the phrases are separable: held-out accuracy is high even with whole groups held out
    let (ok, n) = preds
        .iter()
        .filter(|p| p.head == 0)
        .fold((0, 0), |(ok, n), p| {
            (
                ok + p.gold.iter().zip(&p.pred).filter(|(g, y)| g == y).count(),
                n + p.gold.len(),
            )
        });
    assert!(ok * 10 >= n * 5, "held-out accuracy {ok}/{n}");
    assert_eq!(
        preds,
        cross_validate(&d, &spec(), &f).unwrap(),
        "deterministic"
    );
}

#[test]
fn search_chooses_from_its_grid_per_head() {
    let d = data();
    let base = spec();
    let mut no_char = base.features.clone();
    no_char.tokenizer.char_ngrams = None;
    let grid = Grid {
        features: vec![
            ("default".into(), base.features.clone()),
            ("no char".into(), no_char),
        ],
        class_weights: vec![],
        learners: vec![
            Learner::Logistic {
                c: 0.01,
                tol: 1e-4,
                max_iter: 200,
            },
            Learner::Logistic {
                c: 10.0,
                tol: 1e-4,
                max_iter: 200,
            },
        ],
    };
    let r = search(
        &d,
        &base,
        &grid,
        &FoldSpec {
            k: 3,
            seed: 1,
            grouped: false,
        },
    )
    .unwrap();
    assert_eq!(r.heads.len(), 2);
    assert_eq!(r.cells.len(), 2 * 2 * 2);
    for c in &r.heads {
        assert!(grid.learners.contains(&c.learner));
        let best = r
            .cells
            .iter()
            .filter(|x| x.head == c.head && x.features == r.features_name)
            .map(|x| x.score)
            .fold(f64::MIN, f64::max);
        assert_eq!(c.score, best);
    }
    assert_eq!(r.heads[0].metric, "f_avg");
    assert_eq!(r.heads[1].metric, "macro_f1");
}

#[test]
fn too_many_folds_is_an_error_not_a_panic() {
    let d = data();
    let f = FoldSpec {
        k: 1000,
        seed: 1,
        grouped: true,
    };
    assert!(cross_validate(&d, &spec(), &f).is_err());
}
