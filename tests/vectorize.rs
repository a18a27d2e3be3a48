//! TF-IDF features: equality with scikit-learn, transform consistency, determinism, errors.

use stance::tokenize::{NgramRange, TokenizerConfig};
use stance::vectorize::{
    DfBound, FeatureSpace, Norm, VectorizeError, Vectorizer, VectorizerConfig,
};

#[derive(serde::Deserialize)]
struct Fixture {
    docs: Vec<String>,
    configs: std::collections::BTreeMap<String, Expected>,
}

#[derive(serde::Deserialize)]
struct Expected {
    max_features: Option<usize>,
    n_features: usize,
    vocabulary: Vec<String>,
    rows: Vec<Vec<(usize, f64)>>,
}

fn fixture() -> Fixture {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/sklearn/tfidf_expected.json"
    );
    serde_json::from_slice(&std::fs::read(path).expect("fixture")).expect("fixture json")
}

fn config_for(name: &str, exp: &Expected) -> VectorizerConfig {
    match name {
        "word12_charwb25_sublinear" => VectorizerConfig {
            tokenizer: TokenizerConfig::sklearn(Some(NgramRange { min: 1, max: 2 }), Some((2, 5))),
            sublinear_tf: true,
            ..VectorizerConfig::default()
        },
        "word12_pruned" => VectorizerConfig {
            tokenizer: TokenizerConfig::sklearn(Some(NgramRange { min: 1, max: 2 }), None),
            min_df: DfBound::Count(2),
            max_df: DfBound::Fraction(0.5),
            max_features: exp.max_features,
            sublinear_tf: false,
            ..VectorizerConfig::default()
        },
        other => panic!("no config for fixture entry {other}"),
    }
}

#[test]
fn tfidf_equals_scikit_learn() {
    let fx = fixture();
    assert!(fx.docs.len() >= 200);
    assert_eq!(fx.configs.len(), 2);
    for (name, exp) in &fx.configs {
        let (v, _) = Vectorizer::fit(config_for(name, exp), &fx.docs).unwrap();
        assert_eq!(v.n_features(), exp.n_features, "{name}: feature count");
        let ours: Vec<String> = v
            .blocks()
            .iter()
            .flat_map(|b| b.terms.iter().cloned())
            .collect();
        assert_eq!(ours, exp.vocabulary, "{name}: vocabulary and its order");
        let x = v.transform(&fx.docs);
        // the stored rows (f32 values) and a row built in f64, as the scorer builds it
        let (mut scratch, mut indices, mut values) = Default::default();
        let (mut max_diff, mut max_diff_f64) = (0.0f64, 0.0f64);
        for (i, want) in exp.rows.iter().enumerate() {
            let mut want = want.clone();
            want.sort_by_key(|p| p.0);
            let got: Vec<(usize, f64)> = x.row(i).iter().collect();
            v.transform_into::<f64>(&fx.docs[i], &mut scratch, &mut indices, &mut values);
            let cols = |r: &[(usize, f64)]| r.iter().map(|p| p.0).collect::<Vec<_>>();
            assert_eq!(cols(&got), cols(&want), "{name}: row {i} columns");
            let wide: Vec<usize> = indices.iter().map(|&j| j as usize).collect();
            assert_eq!(wide, cols(&want), "{name}: row {i} columns (f64)");
            for ((g, w), g64) in got.iter().zip(&want).zip(&values) {
                max_diff = max_diff.max((g.1 - w.1).abs());
                max_diff_f64 = max_diff_f64.max((g64 - w.1).abs());
            }
        }
        assert!(
            max_diff < 1e-6,
            "{name}: max |ours - sklearn| = {max_diff:e}"
        );
        assert!(
            max_diff_f64 < 1e-12,
            "{name}: max |ours (f64) - sklearn| = {max_diff_f64:e}"
        );
    }
}

#[test]
fn transform_one_equals_batch_row() {
    let fx = fixture();
    let (v, _) = Vectorizer::fit(VectorizerConfig::default(), &fx.docs).unwrap();
    let x = v.transform(&fx.docs);
    let (mut scratch, mut indices, mut values) = Default::default();
    for (i, d) in fx.docs.iter().enumerate() {
        let one = v.transform_one(d);
        assert_eq!(one.row(0), x.row(i), "doc {i}");
        // a stored value is the f64 value rounded once
        v.transform_into::<f64>(d, &mut scratch, &mut indices, &mut values);
        assert_eq!(x.row(i).indices, &indices[..], "doc {i}");
        let rounded: Vec<f32> = values.iter().map(|&v| v as f32).collect();
        assert_eq!(x.row(i).values, &rounded[..], "doc {i}");
    }
}

#[test]
fn same_input_same_bytes_with_one_or_two_threads() {
    let fx = fixture();
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| {
                let (v, _) = Vectorizer::fit(VectorizerConfig::default(), &fx.docs).unwrap();
                let x = v.transform(&fx.docs);
                (
                    serde_json::to_vec(&v).unwrap(),
                    serde_json::to_vec(&x).unwrap(),
                )
            })
    };
    let a = run(1);
    assert_eq!(a, run(2));
    assert_eq!(a, run(2));
}

#[test]
fn serde_roundtrip_rebuilds_lookup() {
    let fx = fixture();
    let (v, _) = Vectorizer::fit(VectorizerConfig::default(), &fx.docs[..50]).unwrap();
    // MessagePack, as the model bundle stores it: exact f64 round trip, tagged enums
    let back: Vectorizer = rmp_serde::from_slice(&rmp_serde::to_vec_named(&v).unwrap()).unwrap();
    assert_eq!(back.transform(&fx.docs), v.transform(&fx.docs));
}

#[test]
fn hashing_mode_is_bounded_and_consistent() {
    let fx = fixture();
    let cfg = VectorizerConfig {
        space: FeatureSpace::Hashing { bits: 12 },
        ..VectorizerConfig::default()
    };
    let (v, _) = Vectorizer::fit(cfg, &fx.docs).unwrap();
    assert_eq!(v.n_features(), 2 * 4096);
    assert!(v.blocks().iter().all(|b| b.terms.is_empty()));
    let x = v.transform(&fx.docs);
    assert!(x.nnz() > 0);
    for (i, d) in fx.docs.iter().enumerate().take(20) {
        assert_eq!(v.transform_one(d).row(0), x.row(i));
        let n: f64 = x.row(i).iter().map(|(_, a)| a * a).sum();
        // (values are stored as f32: each within 6e-8 of its f64, relatively)
        assert!((n - 2.0).abs() < 1e-6, "two l2-normalized blocks: {n}");
    }
}

#[test]
fn unknown_terms_and_empty_docs_give_empty_rows() {
    let (v, _) = Vectorizer::fit(VectorizerConfig::default(), &["peace talks now"]).unwrap();
    assert_eq!(v.transform_one("").nnz(), 0);
    assert_eq!(v.transform_one("???").nnz(), 0);
    assert!(v.transform_one("talks").nnz() > 0);
}

#[test]
fn bad_settings_are_errors() {
    let none: [&str; 0] = [];
    assert!(matches!(
        Vectorizer::fit(VectorizerConfig::default(), &none),
        Err(VectorizeError::NoDocuments)
    ));
    let strict = VectorizerConfig {
        min_df: DfBound::Count(2),
        ..VectorizerConfig::default()
    };
    assert!(matches!(
        Vectorizer::fit(strict, &["a b", "c d"]),
        Err(VectorizeError::EmptyVocabulary(_))
    ));
    let crossed = VectorizerConfig {
        min_df: DfBound::Fraction(0.9),
        max_df: DfBound::Fraction(0.1),
        ..VectorizerConfig::default()
    };
    assert!(matches!(
        Vectorizer::fit(crossed, &["a b", "c d"]),
        Err(VectorizeError::BadDfBounds(_))
    ));
    let hashing = VectorizerConfig {
        space: FeatureSpace::Hashing { bits: 40 },
        norm: Norm::L2,
        ..VectorizerConfig::default()
    };
    assert!(matches!(
        Vectorizer::fit(hashing, &["a"]),
        Err(VectorizeError::BadHashingBits(40))
    ));
    assert!("1.5".parse::<DfBound>().is_err());
    assert_eq!("0.5".parse::<DfBound>().unwrap(), DfBound::Fraction(0.5));
    assert_eq!("3".parse::<DfBound>().unwrap(), DfBound::Count(3));
}
