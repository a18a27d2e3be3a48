//! The model file: round trip, atomic save, and every way a file can be wrong.

use stance::bundle::{Bundle, BundleError, FORMAT_VERSION};

const V1: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/bundle/v1.stance"
);

const V2: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/bundle/v2.stance"
);

fn v1() -> Vec<u8> {
    std::fs::read(V1).unwrap()
}

#[test]
fn frozen_version_1_fixture_still_loads_and_predicts() {
    // Frozen when format version 1 was introduced: a later build must keep reading it.
    let b = Bundle::load(V1).unwrap();
    assert_eq!(b.heads.len(), 1);
    assert_eq!(b.heads[0].labels, ["against", "favor", "none"]);
    let x = b
        .vectorizer
        .transform(&["peace talks and a ceasefire", "fight to victory, no talks"]);
    let p = b.heads[0].model.predict(&x);
    assert_eq!(p.to_vec(), vec![1, 0]);
}

#[test]
fn frozen_version_2_fixture_loads_and_agrees_with_version_1() {
    // Frozen when format version 2 (deflate, f32 weights, idf derived) was introduced: the v1
    // fixture re-saved. Same vocabulary, bit-identical idf (v2 recomputes it from df), weights
    // equal to v1's rounded to f32, same predictions.
    let old = Bundle::load(V1).unwrap();
    let new = Bundle::load(V2).unwrap();
    assert_eq!(std::fs::read(V2).unwrap()[8..12], 2u32.to_le_bytes());
    for (a, b) in old.vectorizer.blocks().iter().zip(new.vectorizer.blocks()) {
        assert_eq!(a.terms, b.terms);
        assert_eq!(a.df, b.df);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&a.idf), bits(&b.idf));
    }
    let (wa, wb) = (&old.heads[0].model.weights, &new.heads[0].model.weights);
    assert_eq!(wa.len(), wb.len());
    assert!(wa.iter().zip(wb).all(|(a, b)| f64::from(*a as f32) == *b));
    let texts = ["peace talks and a ceasefire", "fight to victory, no talks"];
    let p = |b: &Bundle| {
        b.heads[0]
            .model
            .predict(&b.vectorizer.transform(&texts))
            .to_vec()
    };
    assert_eq!(p(&new), p(&old));
    assert!(std::fs::metadata(V2).unwrap().len() < std::fs::metadata(V1).unwrap().len() / 2);
}

#[test]
fn save_load_roundtrip_is_byte_identical_and_atomic() {
    let b = Bundle::load(V1).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("m.stance");
    b.save(&p).unwrap();
    let again = Bundle::load(&p).unwrap();
    assert_eq!(again.to_bytes().unwrap(), b.to_bytes().unwrap());
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "no temp file left behind: {names:?}");
}

fn err(bytes: &[u8]) -> BundleError {
    Bundle::from_bytes(bytes, std::path::Path::new("m.stance")).unwrap_err()
}

#[test]
fn wrong_truncated_future_and_corrupt_files_are_named_errors() {
    let good = v1();
    assert!(matches!(
        err(b"hello world, not a model"),
        BundleError::NotAModel { .. }
    ));
    assert!(matches!(err(b""), BundleError::NotAModel { .. }));
    assert!(matches!(
        err(&good[..good.len() / 2]),
        BundleError::Truncated { .. }
    ));
    assert!(matches!(err(&good[..15]), BundleError::Truncated { .. }));
    let mut future = good.clone();
    future[8..12].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    let e = err(&future);
    assert!(matches!(e, BundleError::FutureVersion { .. }));
    assert!(e.to_string().contains("m.stance"), "{e}");
    let mut flipped = good.clone();
    let mid = good.len() - 100;
    flipped[mid] ^= 0x55;
    assert!(matches!(err(&flipped), BundleError::Corrupt { .. }));
    let mut longer = good.clone();
    longer.push(0);
    assert!(matches!(err(&longer), BundleError::Corrupt { .. }));
    assert!(matches!(
        Bundle::load("/nonexistent/m.stance").unwrap_err(),
        BundleError::Io { .. }
    ));
}

#[test]
fn a_head_that_does_not_fit_the_vectorizer_is_corrupt_not_a_panic() {
    let mut b = Bundle::load(V1).unwrap();
    b.heads[0].model.n_features += 1;
    b.heads[0].model.weights.extend([0.0; 3]);
    let bytes = b.to_bytes().unwrap();
    let e = err(&bytes);
    assert!(matches!(e, BundleError::Corrupt { .. }), "{e}");
    let mut b = Bundle::load(V1).unwrap();
    b.heads[0].labels.swap(0, 1);
    assert!(matches!(
        err(&b.to_bytes().unwrap()),
        BundleError::Corrupt { .. }
    ));
}

#[test]
fn random_garbage_never_panics() {
    let good = v1();
    let mut state = 0x1234_5678_u64;
    for i in 0..200 {
        let mut b = good.clone();
        for _ in 0..(1 + i % 7) {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let at = (state >> 33) as usize % b.len();
            b[at] = (state >> 17) as u8;
        }
        if i % 2 == 0 && b.len() > 24 {
            // re-seal the checksum so the payload decoder and validation see the garbage
            let crc = crc32fast::hash(&b[24..]);
            b[20..24].copy_from_slice(&crc.to_le_bytes());
        }
        let _ = Bundle::from_bytes(&b, std::path::Path::new("fuzz"));
    }
}
