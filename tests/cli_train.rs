//! The `stance` binary end to end on small hand-written fixtures (tests/fixtures/train/):
//! determinism of the model file (same seed, 1 vs 2 threads) and bad input (unknown label
//! column, one-class head, empty label set, labels differing in case or whitespace, rows with
//! empty text, model files from a future version, truncated or not a model at all). Every bad
//! input gives a clear message naming the file (and row where there is one), the documented exit
//! code (0 ok, 1 finished with reported row errors, 2 fatal), and never a panic.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_stance");

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/train")
        .join(name)
}

fn stance(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("run stance")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Exit code, and no panic whatever the outcome.
fn code(out: &Output) -> i32 {
    let err = stderr(out);
    assert!(!err.contains("panicked"), "stance panicked:\n{err}");
    out.status.code().expect("stance killed by a signal")
}

/// `stance train --data FIXTURE --label-col ... -o OUT [extra]`.
fn train(data: &str, labels: &[&str], out: &Path, extra: &[&str], envs: &[(&str, &str)]) -> Output {
    let data = fixture(data);
    let mut args = vec!["train", "--data", data.to_str().unwrap()];
    for l in labels {
        args.extend(["--label-col", l]);
    }
    args.extend(["-o", out.to_str().unwrap()]);
    args.extend(extra);
    stance(&args, envs)
}

/// A valid model trained on `small.csv` (stance head), returned as bytes.
fn valid_model(dir: &Path) -> (PathBuf, Vec<u8>) {
    let m = dir.join("valid.bin");
    let out = train("small.csv", &["stance"], &m, &[], &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let bytes = std::fs::read(&m).unwrap();
    (m, bytes)
}

// ---------------------------------------------------------------- determinism

#[test]
fn same_seed_gives_byte_identical_bundles() {
    let dir = tempfile::tempdir().unwrap();
    for model in ["logreg", "svm", "nbsvm"] {
        let a = dir.path().join(format!("{model}-a.bin"));
        let b = dir.path().join(format!("{model}-b.bin"));
        let extra = ["--model", model, "--seed", "7"];
        for p in [&a, &b] {
            let out = train("small.csv", &["stance", "sentiment"], p, &extra, &[]);
            assert_eq!(code(&out), 0, "{model}: {}", stderr(&out));
        }
        let (a, b) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
        assert!(!a.is_empty());
        assert!(
            a == b,
            "{model}: two runs with one seed wrote different bundles"
        );
    }
}

#[test]
fn one_and_two_threads_write_identical_bundles() {
    let dir = tempfile::tempdir().unwrap();
    for model in ["logreg", "svm"] {
        let mut files = Vec::new();
        for threads in ["1", "2"] {
            let p = dir.path().join(format!("{model}-t{threads}.bin"));
            let out = train(
                "small.csv",
                &["stance", "sentiment"],
                &p,
                &["--model", model, "--seed", "11"],
                &[("RAYON_NUM_THREADS", threads)],
            );
            assert_eq!(code(&out), 0, "{model} {threads} threads: {}", stderr(&out));
            files.push(std::fs::read(&p).unwrap());
        }
        assert!(
            files[0] == files[1],
            "{model}: 1 and 2 threads wrote different bundles"
        );
    }
}

#[test]
fn search_is_deterministic_across_threads() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for threads in ["1", "2"] {
        let p = dir.path().join(format!("search-t{threads}.bin"));
        let out = train(
            "small.csv",
            &["stance"],
            &p,
            &["--search", "--folds", "3", "--seed", "5"],
            &[("RAYON_NUM_THREADS", threads)],
        );
        assert_eq!(code(&out), 0, "{threads} threads: {}", stderr(&out));
        files.push(std::fs::read(&p).unwrap());
    }
    assert!(
        files[0] == files[1],
        "--search: 1 and 2 threads wrote different bundles"
    );
}

// ---------------------------------------------------------------- label columns

#[test]
fn train_without_a_label_column_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("m.bin");
    let out = train("small.csv", &[], &m, &[], &[]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("--label-col"), "{}", stderr(&out));
    assert!(!m.exists());
}

/// Without `--label-col`, `eval` scores the heads that the data has a column for (a head is
/// named after the column it was trained on), and says so when there is none.
#[test]
fn eval_takes_the_columns_named_as_the_model_heads() {
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("m.bin");
    let out = train("small.csv", &["stance", "sentiment"], &m, &[], &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let full = std::fs::read_to_string(fixture("small.csv")).unwrap();
    assert!(full.starts_with("id,text,stance,sentiment\n"));
    // the same rows with the first `n` columns only
    let cut = |n: usize, name: &str| {
        let p = dir.path().join(name);
        let rows: Vec<String> = csv::Reader::from_path(fixture("small.csv"))
            .unwrap()
            .into_records()
            .map(|r| {
                let r = r.unwrap();
                let cells: Vec<String> = r.iter().take(n).map(|c| format!("\"{c}\"")).collect();
                cells.join(",")
            })
            .collect();
        let header = ["id", "text", "stance", "sentiment"][..n].join(",");
        std::fs::write(&p, format!("{header}\n{}\n", rows.join("\n"))).unwrap();
        p
    };
    let eval = |data: &Path| {
        let (m, d) = (m.to_str().unwrap(), data.to_str().unwrap());
        stance(&["eval", "--model", m, "--data", d], &[])
    };
    let heads = |o: &Output| -> Vec<String> {
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter_map(|l| l.strip_prefix("head: ").map(str::to_string))
            .collect()
    };
    let both = eval(&fixture("small.csv"));
    assert_eq!(code(&both), 0, "{}", stderr(&both));
    assert_eq!(heads(&both), ["stance", "sentiment"]);
    let one = eval(&cut(3, "stance_only.csv"));
    assert_eq!(code(&one), 0, "{}", stderr(&one));
    assert_eq!(heads(&one), ["stance"]);
    let none = eval(&cut(2, "unlabeled.csv"));
    assert_eq!(code(&none), 2);
    let err = stderr(&none);
    assert!(
        err.contains("unlabeled.csv")
            && err.contains("stance, sentiment")
            && err.contains("--label-col"),
        "{err}"
    );
}

// ---------------------------------------------------------------- bad training input

#[test]
fn unknown_label_column_is_fatal_and_lists_columns() {
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("m.bin");
    let out = train("small.csv", &["nope"], &m, &[], &[]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(err.contains("small.csv"), "names the file: {err}");
    assert!(err.contains("nope"), "names the column: {err}");
    assert!(
        err.contains("stance") && err.contains("sentiment"),
        "lists the available columns: {err}"
    );
    assert!(!m.exists(), "no model written on a fatal error");
}

#[test]
fn head_with_one_class_is_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("m.bin");
    let out = train("one_class.csv", &["stance"], &m, &[], &[]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out).to_lowercase();
    assert!(err.contains("stance"), "names the head: {err}");
    assert!(
        err.contains("one label") || err.contains("one class"),
        "says why: {err}"
    );
    assert!(err.contains("favor"), "names the only label: {err}");
    assert!(!m.exists());
}

#[test]
fn empty_label_set_is_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("m.bin");
    let out = train("empty_labels.csv", &["stance"], &m, &[], &[]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out).to_lowercase();
    assert!(err.contains("stance"), "names the head: {err}");
    assert!(
        err.contains("no labeled rows") || err.contains("empty"),
        "says why: {err}"
    );
    assert!(!m.exists());
}

#[test]
fn labels_differing_in_case_and_whitespace_are_normalized_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("m.bin");
    let out = train("label_case.csv", &["stance"], &m, &[], &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let err = stderr(&out);
    // "FAVOR " (5 rows) and " Against" (3 rows) are reported with their counts
    assert!(
        err.contains("\"FAVOR \"") && err.contains("\"favor\"") && err.contains("5 rows"),
        "{err}"
    );
    assert!(
        err.contains("\" Against\"") && err.contains("\"against\"") && err.contains("3 rows"),
        "{err}"
    );
    // the model has exactly the three normalized labels
    let out = stance(&["inspect", m.to_str().unwrap()], &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let shown = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        shown.contains("against") && shown.contains("favor") && shown.contains("none"),
        "{shown}"
    );
    assert!(
        !shown.contains("FAVOR") && !shown.contains("Against"),
        "{shown}"
    );
}

#[test]
fn rows_with_empty_text_are_skipped_counted_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("m.bin");
    let out = train("empty_text.csv", &["stance"], &m, &[], &[]);
    assert_eq!(
        code(&out),
        1,
        "finished with reported row errors: {}",
        stderr(&out)
    );
    let err = stderr(&out);
    // one line per skipped row, naming file, record and reason
    for rec in ["record 4 ", "record 17 ", "record 25 "] {
        assert!(
            err.lines()
                .any(|l| l.contains("empty_text.csv") && l.contains(rec) && l.contains("empty")),
            "reports {rec}: {err}"
        );
    }
    let summary = String::from_utf8_lossy(&out.stdout).into_owned() + &err;
    assert!(
        summary.contains("27 rows"),
        "trained on the 27 remaining rows: {summary}"
    );
    assert!(m.exists(), "the model is still written");
}

// ---------------------------------------------------------------- bad model files

fn assert_model_rejected(model: &Path, needle: &str) {
    let data = fixture("small.csv");
    let runs = [
        stance(&["inspect", model.to_str().unwrap()], &[]),
        stance(
            &[
                "eval",
                "--model",
                model.to_str().unwrap(),
                "--data",
                data.to_str().unwrap(),
                "--label-col",
                "stance",
            ],
            &[],
        ),
    ];
    for out in runs {
        assert_eq!(code(&out), 2, "{}", stderr(&out));
        let err = stderr(&out);
        let name = model.file_name().unwrap().to_str().unwrap();
        assert!(err.contains(name), "names the file: {err}");
        assert!(
            err.to_lowercase().contains(needle),
            "says {needle:?}: {err}"
        );
    }
}

#[test]
fn model_from_a_future_version_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let (_, mut bytes) = valid_model(dir.path());
    assert_eq!(&bytes[..8], b"STANCEMB", "magic");
    bytes[8..12].copy_from_slice(&99u32.to_le_bytes());
    let p = dir.path().join("future.bin");
    std::fs::write(&p, &bytes).unwrap();
    assert_model_rejected(&p, "version 99");
}

#[test]
fn truncated_model_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let (_, bytes) = valid_model(dir.path());
    for (name, len) in [
        ("half.bin", bytes.len() / 2),
        ("header.bin", 10),
        ("last.bin", bytes.len() - 1),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, &bytes[..len]).unwrap();
        assert_model_rejected(&p, "truncated");
    }
}

#[test]
fn non_model_file_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("notes.bin");
    std::fs::copy(fixture("small.csv"), &p).unwrap();
    assert_model_rejected(&p, "not a stance model");
    let empty = dir.path().join("empty.bin");
    std::fs::write(&empty, b"").unwrap();
    let out = stance(&["inspect", empty.to_str().unwrap()], &[]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("empty.bin"));
}

#[test]
fn valid_model_round_trips_through_inspect_and_eval() {
    let dir = tempfile::tempdir().unwrap();
    let (m, _) = valid_model(dir.path());
    let out = stance(&["inspect", m.to_str().unwrap()], &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let data = fixture("small.csv");
    let report = dir.path().join("r.json");
    let out = stance(
        &[
            "eval",
            "--model",
            m.to_str().unwrap(),
            "--data",
            data.to_str().unwrap(),
            "--label-col",
            "stance",
            "--report",
            report.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(r["heads"][0]["n"], 30);
}

#[test]
fn eval_skips_a_head_without_labels_and_refuses_when_none_has_any() {
    let dir = tempfile::tempdir().unwrap();
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/default.stance");
    let data = dir.path().join("sentiment_only.csv");
    std::fs::write(
        &data,
        "text,negotiation,sentiment\n\
         we need peace talks now,,positive\n\
         this war is a horror,,negative\n\
         the meeting is on monday,,neutral\n",
    )
    .unwrap();
    let report = dir.path().join("r.json");
    let eval = |labels: &[&str], report: Option<&Path>| {
        let mut args = vec![
            "eval",
            "--model",
            model.to_str().unwrap(),
            "--data",
            data.to_str().unwrap(),
        ];
        for l in labels {
            args.extend(["--label-col", l]);
        }
        if let Some(r) = report {
            args.extend(["--report", r.to_str().unwrap()]);
        }
        stance(&args, &[])
    };
    let out = eval(&["negotiation", "sentiment"], Some(&report));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("head negotiation: no labeled rows"),
        "{}",
        stderr(&out)
    );
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(r["heads"].as_array().unwrap().len(), 1);
    assert_eq!(r["heads"][0]["head"], "sentiment");
    assert_eq!(r["heads"][0]["n"], 3);
    let out = eval(&["negotiation"], None);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("nothing to evaluate"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn cv_writes_every_held_out_prediction_once_in_input_order() {
    let dir = tempfile::tempdir().unwrap();
    let data = fixture("small.csv");
    let preds = dir.path().join("p.csv");
    let out = stance(
        &[
            "cv",
            "--data",
            data.to_str().unwrap(),
            "--label-col",
            "stance",
            "--folds",
            "3",
            "--predictions",
            preds.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let mut r = csv::Reader::from_path(&preds).unwrap();
    assert_eq!(
        r.headers().unwrap(),
        vec!["id", "fold", "head", "gold", "predicted", "probability"]
    );
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 30, "one row per labeled row of small.csv");
    let ids: Vec<usize> = rows.iter().map(|r| r[0].parse().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "input order: {ids:?}");
    let mut folds: Vec<&str> = rows.iter().map(|r| &r[1]).collect();
    folds.sort_unstable();
    folds.dedup();
    assert_eq!(folds, ["0", "1", "2"]);
    let mut correct = 0;
    for r in &rows {
        let p: f64 = r[5].parse().unwrap();
        assert!((0.0..=1.0).contains(&p));
        correct += usize::from(r[3] == r[4]);
    }
    // the report's pooled accuracy is computed from the same predictions
    let table = String::from_utf8_lossy(&out.stdout).into_owned();
    let acc = format!("{:.3}", correct as f64 / 30.0);
    assert!(table.contains(&acc), "accuracy {acc} not in\n{table}");
}

#[test]
fn inspect_prints_the_files_own_format_version() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (file, version) in [
        ("tests/fixtures/bundle/v1.stance", "format version  1\n"),
        ("tests/fixtures/bundle/v2.stance", "format version  2\n"),
    ] {
        let out = stance(&["inspect", root.join(file).to_str().unwrap()], &[]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert!(String::from_utf8_lossy(&out.stdout).starts_with(version));
    }
}
