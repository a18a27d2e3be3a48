//! Explanations are exact: intercept + contributions reproduce the model's scores (every
//! learner, vocabulary and hashing features), labels and probabilities match the scorer, and
//! the text highlights add up to the contributions they locate.

use stance::bundle::Bundle;
use stance::clean::CleanConfig;
use stance::dataset::{HeadData, LabeledData, LoadReport};
use stance::explain::{explain, explain_row, highlight, top_features};
use stance::model::{ClassWeight, Learner};
use stance::train::{train, TrainSpec};
use stance::vectorize::{FeatureSpace, VectorizerConfig};

struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as usize
    }
}

const FAVOR: &[&str] = &[
    "talks",
    "ceasefire",
    "negotiate",
    "peace",
    "diplomacy",
    "dialogue",
];
const AGAINST: &[&str] = &[
    "surrender",
    "weapons",
    "victory",
    "fight",
    "never",
    "resist",
];
const FILLER: &[&str] = &[
    "the",
    "government",
    "said",
    "today",
    "that",
    "minister",
    "army",
    "people",
    "war",
    "news",
    "city",
    "president",
    "#ukraine",
    "@reuters",
    "https://t.co/x1",
    "it's",
    "well-known",
    "über",
];

/// Texts with a class-indicative word mix; one head with three labels.
fn corpus(n: usize, seed: u64) -> LabeledData {
    let mut r = Lcg(seed);
    let mut texts = Vec::new();
    let mut y = Vec::new();
    for i in 0..n {
        let c = i % 3;
        let mut words = Vec::new();
        for _ in 0..(6 + r.next() % 10) {
            let w = match (c, r.next() % 4) {
                (0, 0) => AGAINST[r.next() % AGAINST.len()],
                (1, 0) => FAVOR[r.next() % FAVOR.len()],
                _ => FILLER[r.next() % FILLER.len()],
            };
            words.push(if r.next() % 7 == 0 {
                w.to_uppercase()
            } else {
                w.to_string()
            });
        }
        if r.next() % 3 == 0 {
            words.push("!!".into());
        }
        texts.push(words.join(if r.next() % 5 == 0 { "  " } else { " " }));
        y.push(Some(c));
    }
    let ids = (1..=n).map(|i| i.to_string()).collect::<Vec<_>>();
    LabeledData {
        groups: ids.clone(),
        ids,
        texts,
        heads: vec![HeadData {
            name: "negotiation".into(),
            labels: vec!["against".into(), "favor".into(), "none".into()],
            y,
        }],
        report: LoadReport::default(),
    }
}

fn bundle(learner: Learner, space: FeatureSpace) -> (Bundle, LabeledData) {
    let data = corpus(240, 7);
    let spec = TrainSpec {
        features: VectorizerConfig {
            space,
            ..VectorizerConfig::default()
        },
        clean: CleanConfig::default(),
        learner,
        class_weight: ClassWeight::None,
        seed: 1,
    };
    let (b, _) = train(&data, &spec, vec![]).unwrap();
    (b, data)
}

fn learners() -> Vec<Learner> {
    vec![
        Learner::Logistic {
            c: 10.0,
            tol: 1e-6,
            max_iter: 300,
        },
        Learner::Svm {
            c: 1.0,
            tol: 1e-4,
            max_iter: 500,
        },
        Learner::MultinomialNb { alpha: 1.0 },
        Learner::NbSvm {
            c: 1.0,
            alpha: 1.0,
            beta: 0.25,
            tol: 1e-4,
            max_iter: 500,
        },
    ]
}

#[test]
fn contributions_plus_intercept_reproduce_scores() {
    for space in [FeatureSpace::Vocabulary, FeatureSpace::Hashing { bits: 12 }] {
        for learner in learners() {
            let (b, data) = bundle(learner.clone(), space);
            let head = &b.heads[0];
            let x = b.vectorizer.transform(&data.texts);
            let scores = head.model.decision_function(&x);
            let proba = head.model.predict_proba(&x);
            let pred = head.model.predict(&x);
            let mut texts = data.texts[..60].to_vec();
            texts.push(String::new()); // no features at all: score = intercept
            for (i, t) in texts.iter().enumerate() {
                let full = explain(&b, "negotiation", t, 0).unwrap();
                let short = explain(&b, "negotiation", t, 3).unwrap();
                // explain reports the scorer's numbers: the row built in f64
                let row = b.vectorizer.transform_row(t);
                let mut s = vec![0.0; 3];
                head.model.scores_into(row.view(), &mut s);
                for c in 0..3 {
                    for e in [&full, &short] {
                        let cl = &e.classes[c];
                        let sum: f64 = cl.intercept
                            + cl.contributions.iter().map(|x| x.contribution).sum::<f64>()
                            + cl.rest;
                        assert!(
                            (sum - s[c]).abs() < 1e-5,
                            "{learner:?} {space:?} text {i} class {c}: {sum} vs {}",
                            s[c]
                        );
                        assert_eq!(cl.score, s[c]);
                        for x in &cl.contributions {
                            assert_eq!(x.contribution, x.value * x.weight);
                            assert_eq!(x.weight, head.model.weights[x.column * 3 + c]);
                        }
                    }
                    assert_eq!(full.classes[c].rest, 0.0);
                    assert!(short.classes[c].contributions.len() <= 6);
                    if i < 60 {
                        // the batch matrix keeps values as f32 (each within 6e-8 relatively)
                        assert!((s[c] - scores[[i, c]]).abs() < 1e-5, "{learner:?} text {i}");
                        assert!((full.probabilities[c].1 - proba[[i, c]]).abs() < 1e-6);
                    }
                }
                if i < 60 {
                    assert_eq!(full.label, head.labels[pred[i]], "{learner:?} text {i}");
                }
                // Listed contributions: positives descending, then negatives.
                let cs: Vec<f64> = short
                    .predicted()
                    .contributions
                    .iter()
                    .map(|x| x.contribution)
                    .collect();
                assert!(cs.windows(2).all(|w| w[0] >= w[1]), "{cs:?}");
            }
        }
    }
}

#[test]
fn highlights_add_up_to_the_contributions() {
    let (b, data) = bundle(learners()[0].clone(), FeatureSpace::Vocabulary);
    let head = &b.heads[0];
    for t in data.texts.iter().take(80) {
        let e = explain(&b, "negotiation", t, 0).unwrap();
        for c in 0..3 {
            let total: f64 = e.classes[c]
                .contributions
                .iter()
                .map(|x| x.contribution)
                .sum();
            let spans = highlight(&b.vectorizer, head, c, t);
            let located: f64 = spans.iter().map(|s| s.contribution).sum();
            assert!(
                (total - located).abs() < 1e-9,
                "{t:?} class {c}: {total} vs {located}"
            );
            for s in &spans {
                assert!(!t[s.start..s.end].trim().is_empty());
                assert!(!t[s.start..s.end].contains(char::is_whitespace));
            }
        }
    }
    // A favor word carries the favor class's word feature in its own chunk.
    let t = "The Ceasefire talks go on";
    let favor = 1;
    let spans = highlight(&b.vectorizer, head, favor, t);
    let talks = spans
        .iter()
        .find(|s| &t[s.start..s.end] == "talks")
        .unwrap();
    assert!(
        talks.features.iter().any(|(f, _)| f.starts_with("w:talk")),
        "{talks:?}"
    );
    assert!(talks.contribution > 0.0);
}

#[test]
fn unknown_head_and_top_features() {
    let (b, _) = bundle(learners()[0].clone(), FeatureSpace::Vocabulary);
    let e = explain(&b, "nope", "x", 5).unwrap_err();
    assert!(e.contains("negotiation"), "{e}");
    let tf = top_features(&b.vectorizer, &b.heads[0].model, 20);
    assert_eq!(tf.len(), 3);
    for (c, feats) in tf.iter().enumerate() {
        assert_eq!(feats.len(), 20);
        assert!(feats.windows(2).all(|w| w[0].1 >= w[1].1));
        // The largest weight of the class overall.
        let k = b.heads[0].model.n_classes;
        let max = (0..b.heads[0].model.n_features)
            .map(|j| b.heads[0].model.weights[j * k + c])
            .fold(f64::NEG_INFINITY, f64::max);
        assert_eq!(feats[0].1, max);
    }
    let against = &tf[0];
    assert!(
        against.iter().any(|(f, _)| [
            "w:surrend",
            "w:weapon",
            "w:victori",
            "w:fight",
            "w:never",
            "w:resist"
        ]
        .contains(&f.as_str())),
        "{against:?}"
    );
    // explain_row on an out-of-vocabulary row is just the intercepts.
    let x = b.vectorizer.transform_one("zzzz qqqq");
    let e = explain_row(&b.vectorizer, &b.heads[0], x.row(0), 5);
    for c in &e.classes {
        assert!(
            c.contributions.is_empty()
                || c.contributions.iter().all(|x| x.feature.starts_with("c:"))
        );
    }
}

#[test]
fn cli_explain_lists_and_json_agree() {
    let dir = tempfile::tempdir().unwrap();
    let (b, _) = bundle(learners()[0].clone(), FeatureSpace::Vocabulary);
    let model = dir.path().join("m.stance");
    b.save(&model).unwrap();
    let exe = env!("CARGO_BIN_EXE_stance");
    let out = std::process::Command::new(exe)
        .args(["explain", "--model"])
        .arg(&model)
        .args([
            "--top",
            "4",
            "ceasefire talks now",
            "we will never surrender",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(s.contains("head negotiation: favor"), "{s}");
    assert!(s.contains("head negotiation: against"), "{s}");
    assert!(s.contains("intercept"), "{s}");
    let out = std::process::Command::new(exe)
        .args(["explain", "--json", "--head", "negotiation", "--model"])
        .arg(&model)
        .arg("ceasefire talks now")
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let e: stance::explain::Explanation =
        serde_json::from_value(v["explanations"][0].clone()).unwrap();
    assert_eq!(
        e,
        explain(&b, "negotiation", "ceasefire talks now", 0).unwrap()
    );
    let out = std::process::Command::new(exe)
        .args(["explain", "--head", "nope", "--model"])
        .arg(&model)
        .arg("x")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
