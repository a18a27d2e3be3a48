//! Evaluation metrics: equality with scikit-learn (committed expected values), abstentions,
//! merging, cross-validation summaries, report rendering and writing, errors.

use std::collections::BTreeMap;

use serde_json::json;
use stance::eval::{Confusion, CvSummary, EvalError, EvalReport, HeadReport};

const TOL: f64 = 1e-12;

#[derive(serde::Deserialize)]
struct Fixture {
    heads: Vec<Head>,
    pooled_heads: Vec<String>,
    pooled_f_avg: f64,
    cv: Cv,
    mean_std: MeanStd,
}

#[derive(serde::Deserialize)]
struct Head {
    head: String,
    labels: Vec<String>,
    gold: Vec<String>,
    pred: Vec<Option<String>>,
    in_pool: bool,
    expected: Expected,
}

#[derive(serde::Deserialize)]
struct Expected {
    n: u64,
    accuracy: f64,
    per_class: BTreeMap<String, Prf>,
    #[serde(rename = "macro")]
    macro_avg: Prf,
    weighted: Prf,
    confusion: Vec<Vec<u64>>,
    abstained_by_gold: Vec<u64>,
    f_avg: Option<f64>,
}

#[derive(serde::Deserialize)]
struct Prf {
    precision: f64,
    recall: f64,
    f1: f64,
    support: u64,
}

#[derive(serde::Deserialize)]
struct Cv {
    folds: Vec<Vec<FoldHeadExp>>,
    summary: BTreeMap<String, BTreeMap<String, MeanStdExp>>,
    fold_pooled_f_avg: Vec<f64>,
    pooled_summary: MeanStdExp,
}

#[derive(serde::Deserialize)]
struct FoldHeadExp {
    head: String,
    start: usize,
    end: usize,
    accuracy: f64,
    macro_f1: f64,
    f_avg: f64,
}

#[derive(serde::Deserialize)]
struct MeanStdExp {
    mean: f64,
    std: f64,
}

#[derive(serde::Deserialize)]
struct MeanStd {
    values: Vec<f64>,
    mean: f64,
    std: f64,
}

fn fixture() -> Fixture {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/eval/expected.json"
    );
    serde_json::from_slice(&std::fs::read(path).expect("fixture")).expect("fixture json")
}

fn close(got: f64, want: f64, what: &str) {
    assert!(
        (got - want).abs() <= TOL,
        "{what}: got {got:?}, scikit-learn {want:?}"
    );
}

fn confusion_of(h: &Head, range: std::ops::Range<usize>) -> Confusion {
    let mut c = Confusion::new(&h.head, &h.labels).unwrap();
    for i in range {
        c.add(&h.gold[i], h.pred[i].as_deref()).unwrap();
    }
    c
}

fn full(h: &Head) -> Confusion {
    confusion_of(h, 0..h.gold.len())
}

fn check_head(r: &HeadReport, e: &Expected) {
    let w = &r.head;
    assert_eq!(r.n, e.n, "{w} n");
    close(r.accuracy, e.accuracy, &format!("{w} accuracy"));
    assert_eq!(r.per_class.len(), e.per_class.len());
    for m in &r.per_class {
        let x = &e.per_class[&m.label];
        let l = &m.label;
        close(m.precision, x.precision, &format!("{w} {l} precision"));
        close(m.recall, x.recall, &format!("{w} {l} recall"));
        close(m.f1, x.f1, &format!("{w} {l} f1"));
        assert_eq!(m.support, x.support, "{w} {l} support");
    }
    close(
        r.macro_precision,
        e.macro_avg.precision,
        &format!("{w} macro P"),
    );
    close(r.macro_recall, e.macro_avg.recall, &format!("{w} macro R"));
    close(r.macro_f1, e.macro_avg.f1, &format!("{w} macro F1"));
    close(
        r.weighted_precision,
        e.weighted.precision,
        &format!("{w} weighted P"),
    );
    close(
        r.weighted_recall,
        e.weighted.recall,
        &format!("{w} weighted R"),
    );
    close(r.weighted_f1, e.weighted.f1, &format!("{w} weighted F1"));
    assert_eq!(e.macro_avg.support, r.n);
    assert_eq!(r.confusion, e.confusion, "{w} confusion");
    assert_eq!(r.abstained_by_gold, e.abstained_by_gold, "{w} abstained");
    assert_eq!(r.abstained, e.abstained_by_gold.iter().sum::<u64>());
    match (r.f_avg, e.f_avg) {
        (Some(g), Some(x)) => close(g, x, &format!("{w} F_avg")),
        (None, None) => {}
        other => panic!("{w} F_avg presence differs: {other:?}"),
    }
}

#[test]
fn heads_match_scikit_learn() {
    let fx = fixture();
    // The fixture must exercise what it claims to.
    assert!(fx.heads.iter().any(|h| h.pred.iter().any(Option::is_none)));
    assert!(fx.heads.iter().any(|h| h.labels.len() == 2));
    for h in &fx.heads {
        let r = HeadReport::from_confusion(&full(h)).unwrap();
        check_head(&r, &h.expected);
    }
}

#[test]
fn fixture_covers_zero_support_and_never_predicted() {
    let fx = fixture();
    let reports: Vec<HeadReport> = fx
        .heads
        .iter()
        .map(|h| HeadReport::from_confusion(&full(h)).unwrap())
        .collect();
    let zero_support = reports
        .iter()
        .flat_map(|r| &r.per_class)
        .any(|m| m.support == 0);
    let never_predicted = reports.iter().any(|r| {
        (0..r.labels.len())
            .any(|k| r.confusion.iter().all(|row| row[k] == 0) && r.per_class[k].support > 0)
    });
    assert!(zero_support && never_predicted);
}

#[test]
fn pooled_f_avg_matches_semeval_over_concatenated_rows() {
    let fx = fixture();
    // Non-stance heads (binary, sentiment) are in the report but must not enter the pool.
    let heads: Vec<Confusion> = fx
        .heads
        .iter()
        .filter(|h| h.in_pool || !h.labels.iter().any(|l| l == "FAVOR"))
        .map(full)
        .collect();
    let names: Vec<&str> = heads.iter().map(|c| c.head()).collect();
    for p in &fx.pooled_heads {
        assert!(names.contains(&p.as_str()));
    }
    assert!(names.contains(&"sentiment"));
    let r = EvalReport::from_confusions(&heads, json!({"model": "m.bin"})).unwrap();
    close(r.pooled_f_avg.unwrap(), fx.pooled_f_avg, "pooled F_avg");
    // Pooled is not the mean of per-head F_avg (that would be a different, wrong figure).
    let per_head: Vec<f64> = r.heads.iter().filter_map(|h| h.f_avg).collect();
    let mean = per_head.iter().sum::<f64>() / per_head.len() as f64;
    assert!((mean - fx.pooled_f_avg).abs() > 1e-6);

    let only_sentiment: Vec<Confusion> = fx
        .heads
        .iter()
        .filter(|h| h.head == "sentiment")
        .map(full)
        .collect();
    let r = EvalReport::from_confusions(&only_sentiment, json!(null)).unwrap();
    assert_eq!(r.pooled_f_avg, None);
    assert_eq!(r.heads[0].f_avg, None);
}

#[test]
fn cv_matches_numpy_mean_and_population_std() {
    let fx = fixture();
    let pool: Vec<&Head> = fx.heads.iter().filter(|h| h.in_pool).collect();
    let folds: Vec<Vec<Confusion>> = fx
        .cv
        .folds
        .iter()
        .map(|fold| {
            fold.iter()
                .zip(&pool)
                .map(|(f, h)| {
                    assert_eq!(f.head, h.head);
                    confusion_of(h, f.start..f.end)
                })
                .collect()
        })
        .collect();
    let r = EvalReport::from_folds(&folds, json!({"command": "stance cv -k 4"})).unwrap();
    let cv = r.cv.as_ref().unwrap();
    assert_eq!(cv.folds.len(), fx.cv.folds.len());
    for (i, (got, want)) in cv.folds.iter().zip(&fx.cv.folds).enumerate() {
        assert_eq!(got.fold, i + 1);
        for (g, w) in got.heads.iter().zip(want) {
            assert_eq!(g.head, w.head);
            assert_eq!(g.n, (w.end - w.start) as u64);
            close(g.accuracy, w.accuracy, "fold accuracy");
            close(g.macro_f1, w.macro_f1, "fold macro-F1");
            close(g.f_avg.unwrap(), w.f_avg, "fold F_avg");
        }
        close(
            got.pooled_f_avg.unwrap(),
            fx.cv.fold_pooled_f_avg[i],
            "fold pooled F_avg",
        );
    }
    for h in &cv.heads {
        let want = &fx.cv.summary[&h.head];
        close(h.accuracy.mean, want["accuracy"].mean, "mean accuracy");
        close(h.accuracy.std, want["accuracy"].std, "std accuracy");
        close(h.macro_f1.mean, want["macro_f1"].mean, "mean macro-F1");
        close(h.macro_f1.std, want["macro_f1"].std, "std macro-F1");
        let f = h.f_avg.unwrap();
        close(f.mean, want["f_avg"].mean, "mean F_avg");
        close(f.std, want["f_avg"].std, "std F_avg");
    }
    let p = cv.pooled_f_avg.unwrap();
    close(p.mean, fx.cv.pooled_summary.mean, "mean pooled F_avg");
    close(p.std, fx.cv.pooled_summary.std, "std pooled F_avg");

    // The folds cover every row, so the overall figures are those of the whole data.
    for (got, h) in r.heads.iter().zip(&pool) {
        assert_eq!(got, &HeadReport::from_confusion(&full(h)).unwrap());
        check_head(got, &h.expected);
    }
    close(
        r.pooled_f_avg.unwrap(),
        fx.pooled_f_avg,
        "cv overall pooled F_avg",
    );
}

#[test]
fn cv_summary_on_known_numbers() {
    let fx = fixture();
    let s = CvSummary::of(&fx.mean_std.values).unwrap();
    close(s.mean, fx.mean_std.mean, "mean");
    close(s.std, fx.mean_std.std, "population std");
    // By hand: 2, 4, 4, 4, 5, 5, 7, 9 has mean 5 and population std 2 (sample std would be
    // 2.138...).
    let s = CvSummary::of(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]).unwrap();
    assert_eq!((s.mean, s.std), (5.0, 2.0));
    let s = CvSummary::of(&[0.7]).unwrap();
    assert_eq!((s.mean, s.std), (0.7, 0.0));
    assert_eq!(CvSummary::of(&[]), None);
}

#[test]
fn abstentions_are_wrong_misses_but_not_predictions() {
    let mut c = Confusion::new("neg", ["AGAINST", "FAVOR", "NONE"]).unwrap();
    for (g, p) in [
        ("FAVOR", Some("FAVOR")),
        ("FAVOR", None),
        ("FAVOR", Some("NONE")),
        ("AGAINST", Some("FAVOR")),
        ("AGAINST", None),
        ("NONE", Some("NONE")),
    ] {
        c.add(g, p).unwrap();
    }
    assert_eq!(c.n(), 6);
    assert_eq!(c.abstained(), &[1, 1, 0]);
    let r = HeadReport::from_confusion(&c).unwrap();
    assert_eq!(r.n, 6);
    assert_eq!(r.abstained, 2);
    assert_eq!(r.abstained_by_gold, vec![1, 1, 0]);
    assert_eq!(r.accuracy, 2.0 / 6.0);
    let favor = &r.per_class[1];
    // Predicted FAVOR twice (one right); the abstained FAVOR row is not in the denominator.
    assert_eq!(favor.precision, 0.5);
    // Three FAVOR rows, abstained one included: one found.
    assert_eq!(favor.support, 3);
    assert_eq!(favor.recall, 1.0 / 3.0);
    assert_eq!(favor.f1, 2.0 / 5.0);
    // AGAINST: never predicted (precision 0 by convention), support 2.
    assert_eq!(r.per_class[0].precision, 0.0);
    assert_eq!(r.per_class[0].support, 2);
    assert_eq!(r.per_class[0].f1, 0.0);
    // The matrix itself holds only predicted rows.
    assert_eq!(r.confusion.iter().flatten().sum::<u64>(), 4);
    assert_eq!(r.f_avg, Some((0.4 + 0.0) / 2.0));
}

#[test]
fn merge_equals_confusion_of_concatenation() {
    let fx = fixture();
    for h in &fx.heads {
        let n = h.gold.len();
        let cuts = [0, n / 3, n / 3 + 1, 2 * n / 3, n];
        let mut merged = confusion_of(h, cuts[0]..cuts[1]);
        for w in cuts[1..].windows(2) {
            merged.merge(&confusion_of(h, w[0]..w[1])).unwrap();
        }
        assert_eq!(merged, full(h), "{}", h.head);
    }
    let a = Confusion::new("neg", ["AGAINST", "FAVOR", "NONE"]).unwrap();
    let mut b = Confusion::new("aid", ["AGAINST", "FAVOR", "NONE"]).unwrap();
    assert!(matches!(b.merge(&a), Err(EvalError::Mismatch(_))));
    let mut c = Confusion::new("neg", ["AGAINST", "NONE", "FAVOR"]).unwrap();
    assert!(matches!(c.merge(&a), Err(EvalError::Mismatch(_))));
}

#[test]
fn unknown_label_is_an_error_naming_label_and_head() {
    let mut c = Confusion::new("military_aid", ["AGAINST", "FAVOR", "NONE"]).unwrap();
    let e = c.add("favor", Some("FAVOR")).unwrap_err();
    match &e {
        EvalError::UnknownLabel {
            head, label, role, ..
        } => {
            assert_eq!(
                (head.as_str(), label.as_str(), *role),
                ("military_aid", "favor", "gold")
            );
        }
        other => panic!("{other:?}"),
    }
    let msg = e.to_string();
    assert!(
        msg.contains("\"favor\"") && msg.contains("military_aid"),
        "{msg}"
    );
    let e = c.add("FAVOR", Some("NEUTRAL")).unwrap_err();
    assert!(matches!(
        &e,
        EvalError::UnknownLabel {
            role: "predicted",
            ..
        }
    ));
    assert!(e.to_string().contains("NEUTRAL"));
    // Nothing was counted for the failed rows.
    assert_eq!(c.n(), 0);
    assert!(matches!(
        Confusion::new("h", ["A", "B", "A"]),
        Err(EvalError::DuplicateLabel { .. })
    ));
}

#[test]
fn empty_evaluation_is_an_error() {
    let c = Confusion::new("neg", ["AGAINST", "FAVOR", "NONE"]).unwrap();
    assert!(matches!(
        HeadReport::from_confusion(&c),
        Err(EvalError::Empty(_))
    ));
    let e = EvalReport::from_confusions(&[c], json!(null)).unwrap_err();
    assert!(e.to_string().contains("neg"), "{e}");
    assert!(matches!(
        EvalReport::from_confusions(&[], json!(null)),
        Err(EvalError::Empty(_))
    ));
    assert!(matches!(
        EvalReport::from_folds(&[], json!(null)),
        Err(EvalError::Empty(_))
    ));
}

fn sample_report(cv: bool) -> EvalReport {
    let fx = fixture();
    let meta = json!({"model": "models/linear.bin", "data": "test.csv", "rows": 390});
    if cv {
        let pool: Vec<&Head> = fx.heads.iter().filter(|h| h.in_pool).collect();
        let folds: Vec<Vec<Confusion>> = fx
            .cv
            .folds
            .iter()
            .map(|f| {
                f.iter()
                    .zip(&pool)
                    .map(|(f, h)| confusion_of(h, f.start..f.end))
                    .collect()
            })
            .collect();
        EvalReport::from_folds(&folds, meta).unwrap()
    } else {
        let heads: Vec<Confusion> = fx.heads.iter().map(full).collect();
        EvalReport::from_confusions(&heads, meta).unwrap()
    }
}

/// Every figure, rounded as displayed (4 decimals), must appear in the rendered text.
fn assert_all_figures_shown(r: &EvalReport, text: &str) {
    let f = |x: f64| format!("{x:.4}");
    let has = |s: String| assert!(text.contains(&s), "{s:?} missing from\n{text}");
    for h in &r.heads {
        has(h.head.clone());
        for x in [
            h.accuracy,
            h.macro_f1,
            h.weighted_f1,
            h.macro_precision,
            h.macro_recall,
        ] {
            has(f(x));
        }
        for x in [h.weighted_precision, h.weighted_recall] {
            has(f(x));
        }
        if let Some(x) = h.f_avg {
            has(f(x));
        }
        for m in &h.per_class {
            has(m.label.clone());
            for x in [m.precision, m.recall, m.f1] {
                has(f(x));
            }
            has(m.support.to_string());
        }
        // Each confusion row appears as a row: label followed by its counts in order.
        for (g, row) in h.confusion.iter().enumerate() {
            let line = text
                .lines()
                .find(|l| {
                    let cells: Vec<&str> = l
                        .split(|c: char| c == '|' || c.is_whitespace())
                        .filter(|c| !c.is_empty())
                        .collect();
                    let mut want: Vec<String> = vec![h.labels[g].clone()];
                    want.extend(row.iter().map(u64::to_string));
                    if h.abstained > 0 {
                        want.push(h.abstained_by_gold[g].to_string());
                    }
                    cells == want
                })
                .map(str::to_string);
            assert!(line.is_some(), "{} confusion row {g} missing", h.head);
        }
    }
    if let Some(p) = r.pooled_f_avg {
        has(f(p));
    }
    if let Some(cv) = &r.cv {
        for fold in &cv.folds {
            for h in &fold.heads {
                for x in [h.accuracy, h.macro_f1, h.f_avg.unwrap()] {
                    has(f(x));
                }
            }
            has(f(fold.pooled_f_avg.unwrap()));
        }
        for h in &cv.heads {
            for s in [h.accuracy, h.macro_f1, h.f_avg.unwrap()] {
                has(format!("{} ± {}", f(s.mean), f(s.std)));
            }
        }
        let p = cv.pooled_f_avg.unwrap();
        has(format!("{} ± {}", f(p.mean), f(p.std)));
    }
    has("models/linear.bin".into());
}

#[test]
fn table_and_markdown_show_every_figure() {
    for cv in [false, true] {
        let r = sample_report(cv);
        let table = r.to_table();
        assert_all_figures_shown(&r, &table);
        let md = r.to_markdown();
        assert_all_figures_shown(&r, &md);
        assert!(md.contains("| ---"), "{md}");
        // Table columns line up: the header and rows of a block have equal length up to the
        // last column, which is right-aligned.
        assert!(!table.contains('|'));
    }
}

/// Structural equality of two JSON trees, numbers to 1 ulp-ish: serde_json's default float
/// parser (without its `float_roundtrip` feature) may land one ulp off the written value,
/// although the written text itself is the shortest exact representation.
fn json_close(a: &serde_json::Value, b: &serde_json::Value, at: &str) {
    use serde_json::Value as V;
    match (a, b) {
        (V::Number(x), V::Number(y)) if x.is_f64() || y.is_f64() => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            assert!(
                (x - y).abs() <= 4.0 * f64::EPSILON * x.abs().max(y.abs()),
                "{at}: {x} vs {y}"
            );
        }
        (V::Array(x), V::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{at}");
            for (i, (x, y)) in x.iter().zip(y).enumerate() {
                json_close(x, y, &format!("{at}[{i}]"));
            }
        }
        (V::Object(x), V::Object(y)) => {
            assert_eq!(
                x.keys().collect::<Vec<_>>(),
                y.keys().collect::<Vec<_>>(),
                "{at}"
            );
            for (k, x) in x {
                json_close(x, &y[k], &format!("{at}.{k}"));
            }
        }
        _ => assert_eq!(a, b, "{at}"),
    }
}

fn assert_report_close(got: &EvalReport, want: &EvalReport) {
    let g = serde_json::to_value(got).unwrap();
    let w = serde_json::to_value(want).unwrap();
    json_close(&g, &w, "report");
}

#[test]
fn json_round_trip() {
    for cv in [false, true] {
        let r = sample_report(cv);
        let s = serde_json::to_string(&r).unwrap();
        let back: EvalReport = serde_json::from_str(&s).unwrap();
        assert_report_close(&back, &r);
        // Every figure is written exactly (shortest round-trip text), whatever the reader.
        assert!(s.contains(&format!("{:?}", r.heads[0].macro_f1)));
        assert_eq!(back.heads[0].confusion, r.heads[0].confusion);
    }
    let c = full(&fixture().heads[0]);
    let back: Confusion = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
    assert_eq!(back, c);
    let bad = json!({"head": "h", "labels": ["A", "B"], "counts": [[1, 2]], "abstained": [0, 0]});
    assert!(serde_json::from_value::<Confusion>(bad).is_err());
}

#[test]
fn write_by_extension_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let r = sample_report(false);
    let json_path = dir.path().join("report.json");
    r.write(&json_path).unwrap();
    let back: EvalReport = serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();
    assert_report_close(&back, &r);
    let md_path = dir.path().join("report.MD");
    r.write(&md_path).unwrap();
    assert_eq!(std::fs::read_to_string(&md_path).unwrap(), r.to_markdown());
    // Overwrite in place.
    r.write(&json_path).unwrap();

    for (name, needle) in [
        ("report.pdf", ".pdf"),
        ("report.txt", ".txt"),
        ("report", "no file extension"),
    ] {
        let e = r.write(dir.path().join(name)).unwrap_err();
        assert!(matches!(e, EvalError::BadExtension { .. }), "{e:?}");
        assert!(e.to_string().contains(needle), "{e}");
        assert!(!dir.path().join(name).exists());
    }
    let missing = dir.path().join("no/such/dir/report.json");
    match r.write(&missing).unwrap_err() {
        EvalError::Io { path, .. } => assert!(path.starts_with(dir.path().join("no"))),
        other => panic!("{other:?}"),
    }
    // Only the two reports remain: no temporary files left behind.
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["report.MD", "report.json"]);
}

/// Shows the rendered reports: `cargo test --test eval -- --ignored --nocapture`.
#[test]
#[ignore]
fn print_sample_reports() {
    for cv in [false, true] {
        let r = sample_report(cv);
        println!("{}\n{}", r.to_table(), r.to_markdown());
    }
}
