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

fn kinds_and_texts(units: &[Unit]) -> Vec<(UnitKind, &str)> {
    units.iter().map(|u| (u.kind, u.text.as_str())).collect()
}

#[test]
fn empty_and_blank_input_give_no_units() {
    assert!(segment("").is_empty());
    assert!(segment("\u{feff}").is_empty());
    assert!(segment(" \n\r\n\t\u{a0}\n\n").is_empty());
}

#[test]
fn a_page_of_only_clutter_gives_no_units() {
    let page = "Follow us on social\n\nShare this article\nFacebook | Twitter | Email\n\
                Advertisement\n\nTop photo credit: A man walks past a wall (Getty Images)\n\n\
                Subscribe now to our newsletter and never miss a story.\n\
                We use cookies to improve your experience. Accept all cookies?\n\
                © 2025 Example Media. All rights reserved.\n";
    assert_eq!(segment(page), vec![]);
}

const CLEAN_PAGE: &str = "Ceasefire Talks Resume in Geneva\n\n\
    Negotiators from both sides met in Geneva on Monday for the first time in months.\n\n\
    The talks focused on prisoner exchanges and grain exports, officials said.\n\n\
    Neither delegation commented on the prospects for a broader settlement.";

#[test]
fn a_page_without_clutter_is_kept_whole() {
    let units = segment(CLEAN_PAGE);
    let want: Vec<&str> = CLEAN_PAGE.split("\n\n").collect();
    assert_eq!(units.len(), want.len());
    assert_eq!(units[0].kind, UnitKind::Headline);
    for (u, w) in units.iter().zip(&want) {
        assert_eq!(u.text, *w);
    }
    assert!(units[1..].iter().all(|u| u.kind == UnitKind::Paragraph));
}

#[test]
fn crlf_bom_and_nbsp_do_not_change_the_result() {
    let base = segment(CLEAN_PAGE);
    let crlf = CLEAN_PAGE.replace('\n', "\r\n");
    assert_eq!(segment(&crlf), base);
    assert_eq!(segment(&format!("\u{feff}{crlf}")), base);
    let cr = CLEAN_PAGE.replace('\n', "\r");
    assert_eq!(segment(&cr), base);
    let nbsp = CLEAN_PAGE.replace("met in", "met\u{a0}in");
    assert_eq!(segment(&nbsp), base);
}

#[test]
fn a_single_very_long_paragraph_is_one_unit() {
    let sentence =
        "The delegations argued over the sequencing of a ceasefire and security guarantees, ";
    let text = sentence.repeat(2000) + "and no agreement was reached";
    let units = segment(&text);
    assert_eq!(units.len(), 1);
    assert_eq!(units[0].kind, UnitKind::Paragraph);
    assert_eq!(units[0].text, text.trim());
}

#[test]
fn single_newline_paragraphs_are_separate_units() {
    let text = "Officials met in Geneva on Monday.\nThey discussed prisoner exchanges.\n\
                \"We are hopeful,\" one delegate said.\nNo date was set for the next round.";
    let units = segment(text);
    assert_eq!(units.len(), 4);
    assert!(units.iter().all(|u| u.kind == UnitKind::Paragraph));
}

#[test]
fn no_blank_lines_at_all_still_separates_headline_clutter_and_body() {
    let text = "Follow us on social\nKyiv Rejects Moscow Terms for Talks\nAnalysis | World\n\
                Kyiv rejected the conditions on Tuesday.\nThe foreign ministry called them an ultimatum.\n\
                Top image credit: Reuters/Gleb Garanich\nTo suggest a correction, write to us here";
    assert_eq!(
        kinds_and_texts(&segment(text)),
        vec![
            (UnitKind::Headline, "Kyiv Rejects Moscow Terms for Talks"),
            (
                UnitKind::Paragraph,
                "Kyiv rejected the conditions on Tuesday."
            ),
            (
                UnitKind::Paragraph,
                "The foreign ministry called them an ultimatum."
            ),
        ]
    );
}

#[test]
fn default_config_equals_segment() {
    let page = fs::read_to_string("tests/fixtures/clean/pages/wire_story.txt").unwrap();
    assert_eq!(segment(&page), segment_with(&page, &CleanConfig::default()));
}

/// The text a unit may contain: the input with line breaks and whitespace runs collapsed, the
/// same normalisation `segment` applies (units never add or reorder words).
fn normalised(input: &str) -> String {
    input
        .strip_prefix('\u{feff}')
        .unwrap_or(input)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn check_invariants(input: &str, units: &[Unit]) {
    let norm = normalised(input);
    for (i, u) in units.iter().enumerate() {
        assert_eq!(u.position, i, "positions must be 0..n in order");
        assert!(!u.text.trim().is_empty(), "empty unit text");
        assert!(
            norm.contains(&u.text),
            "unit text not found in the input: {:?}",
            u.text
        );
    }
    let headlines = units
        .iter()
        .filter(|u| u.kind == UnitKind::Headline)
        .count();
    assert!(headlines <= 1, "at most one headline");
}

/// Lines that look like page parts, so generated pages exercise every rule, not just garbage.
const PIECES: &[&str] = &[
    "Comments (3)",
    "Other Topics of Interest",
    "keep readingShow less",
    "Top image credit: Someone (Getty Images)",
    "Analysis | QiOSK",
    "Kyiv Rejects Moscow Terms for Talks",
    "The talks resumed on Monday.",
    "Author: Jane Doe",
    "Jane Doe is the news editor of Example.",
    "Reply · Like · 3h",
    "Gavan Duffy",
    "lol this is so wrong",
    "Middle East",
    "© 2025 Example",
    "Read more:",
    "Reporting by Jane Doe; Editing by John Roe",
    "Diplomats have been here before and […]",
    "“Quoted sentence here, he said.”",
    "Marta W.",
    "||",
    "",
    "\r",
    "\u{feff}",
    "\u{a0}",
    "é́ 日本 🙂",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn arbitrary_strings_never_panic(s in "\\PC{0,400}") {
        let units = segment(&s);
        check_invariants(&s, &units);
    }

    #[test]
    fn arbitrary_bytes_as_lossy_text_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let s = String::from_utf8_lossy(&bytes).into_owned();
        let units = segment(&s);
        check_invariants(&s, &units);
    }

    #[test]
    fn page_like_mixtures_never_panic(
        picks in proptest::collection::vec((0..PIECES.len(), 0..3usize), 0..60)
    ) {
        let seps = ["\n", "\n\n", "\r\n"];
        let mut s = String::new();
        for (p, sep) in picks {
            s.push_str(PIECES[p]);
            s.push_str(seps[sep]);
        }
        let units = segment(&s);
        check_invariants(&s, &units);
    }

    #[test]
    fn any_config_never_panics(
        s in "[A-Za-z .,:|?\\n]{0,300}",
        a in proptest::option::of(0usize..30),
        b in proptest::option::of(0usize..30),
        c in proptest::option::of(0usize..5),
        drop_dek in any::<bool>(),
    ) {
        let cfg = CleanConfig {
            long_line_words: a,
            max_title_question_words: b,
            max_teaser_paragraphs: c,
            min_headline_words: a,
            short_words: b,
            min_comment_words: c,
            drop_dek,
            ..CleanConfig::default()
        };
        let units = segment_with(&s, &cfg);
        check_invariants(&s, &units);
    }
}

#[test]
fn seeds_and_pages_satisfy_the_invariants() {
    for dir in ["seeds", "tests/fixtures/clean/pages"] {
        for p in files_in(dir, "txt") {
            let text = fs::read_to_string(&p).unwrap();
            check_invariants(&text, &segment(&text));
        }
    }
}
