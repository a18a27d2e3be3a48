//! Whole-page tests for `stance::clean`: golden files for the seed articles and for hand-written
//! pages laid out differently, edge cases, and a no-panic property over arbitrary input.
//!
//! Golden format (human-readable, one block per unit):
//!
//! ```text
//! == paragraph 3
//! The unit's text on one line.
//! ```
//!
//! Blank lines between blocks are ignored; a text spread over several lines is joined with
//! spaces. `UPDATE_GOLDEN=1 cargo test --test clean` rewrites the seed goldens (the hand-written
//! page goldens are never rewritten: they are the independent expectation).

use proptest::prelude::*;
use stance::clean::{segment, segment_with, CleanConfig, Unit, UnitKind};
use std::fs;
use std::path::Path;

fn render(units: &[Unit]) -> String {
    let mut out = String::new();
    for u in units {
        out.push_str(&format!("== {} {}\n{}\n\n", u.kind, u.position, u.text));
    }
    out
}

fn parse_golden(text: &str) -> Vec<(String, usize, String)> {
    let mut out: Vec<(String, usize, String)> = Vec::new();
    for line in text.lines() {
        if let Some(head) = line.strip_prefix("== ") {
            let mut it = head.split_whitespace();
            let kind = it.next().expect("kind").to_string();
            let pos = it
                .next()
                .expect("position")
                .parse()
                .expect("numeric position");
            out.push((kind, pos, String::new()));
        } else if !line.trim().is_empty() {
            let last = out.last_mut().expect("text before the first `==` header");
            if !last.2.is_empty() {
                last.2.push(' ');
            }
            last.2.push_str(line.trim());
        }
    }
    out
}

fn as_triples(units: &[Unit]) -> Vec<(String, usize, String)> {
    units
        .iter()
        .map(|u| (u.kind.to_string(), u.position, u.text.clone()))
        .collect()
}

/// Compares unit by unit so a failure names the first differing unit instead of dumping pages.
fn assert_matches_golden(name: &str, got: &[Unit], golden: &str) {
    let want = parse_golden(golden);
    let got = as_triples(got);
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g, w, "{name}: unit {i} differs");
    }
    assert_eq!(
        got.len(),
        want.len(),
        "{name}: {} units, golden has {}; extra/missing: {:?}",
        got.len(),
        want.len(),
        if got.len() > want.len() {
            &got[want.len()..]
        } else {
            &want[got.len()..]
        }
    );
}

fn files_in(dir: &str, ext: &str) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    v.sort();
    v
}

#[test]
fn seeds_match_goldens() {
    let update = std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1");
    let seeds = files_in("seeds", "txt");
    assert_eq!(seeds.len(), 5, "expected the five seed articles");
    for seed in seeds {
        let stem = seed.file_stem().unwrap().to_string_lossy().to_string();
        let golden_path = Path::new("tests/fixtures/clean/seeds").join(format!("{stem}.golden"));
        let units = segment(&fs::read_to_string(&seed).unwrap());
        if update {
            fs::write(&golden_path, render(&units)).unwrap();
            continue;
        }
        let golden = fs::read_to_string(&golden_path).unwrap_or_else(|e| {
            panic!("{}: {e} (run with UPDATE_GOLDEN=1)", golden_path.display())
        });
        assert_matches_golden(&stem, &units, &golden);
    }
}

#[test]
fn hand_written_pages_match_goldens() {
    let pages = files_in("tests/fixtures/clean/pages", "txt");
    assert!(
        pages.len() >= 3,
        "expected at least three hand-written pages"
    );
    for page in pages {
        let golden_path = page.with_extension("golden");
        let golden = fs::read_to_string(&golden_path)
            .unwrap_or_else(|e| panic!("{}: {e}", golden_path.display()));
        let units = segment(&fs::read_to_string(&page).unwrap());
        assert_matches_golden(&page.display().to_string(), &units, &golden);
    }
}
