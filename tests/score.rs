//! `stance score`: order, thread-independence, nothing lost, the embedded default model.

use std::process::Command;

fn stance() -> Command {
    Command::new(env!("CARGO_BIN_EXE_stance"))
}

fn fixture_with_bad_rows(dir: &std::path::Path) -> std::path::PathBuf {
    let mut bytes = b"id,text,extra\n".to_vec();
    for i in 0..300 {
        bytes.extend(
            format!("r{i},\"Send more weapons and aid to Ukraine now, number {i}\",x\n").as_bytes(),
        );
        if i % 50 == 7 {
            bytes.extend(b"bad1,\"invalid \xff\xfe bytes here\",x\n");
            bytes.extend(b"empty1,,x\n");
            bytes.extend(b"ragged1,only two\n");
            bytes.extend(b"talks1,\"Peace talks and a ceasefire deal now\",x,extra-field\n");
        }
    }
    let p = dir.join("bad.csv");
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn one_and_two_threads_give_identical_bytes_and_no_row_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let input = fixture_with_bad_rows(dir.path());
    let run = |threads: &str, out: &str| {
        let o = stance()
            .args([
                "score",
                "--threads",
                threads,
                "--batch-rows",
                "64",
                "--id-col",
                "id",
                "--keep",
                "extra",
                "-o",
            ])
            .arg(dir.path().join(out))
            .arg(&input)
            .output()
            .unwrap();
        assert!(!String::from_utf8_lossy(&o.stderr).contains("panicked"));
        (
            o.status.code(),
            std::fs::read(dir.path().join(out)).unwrap(),
        )
    };
    let (c1, a) = run("1", "a.csv");
    let (c2, b) = run("2", "b.csv");
    assert_eq!(a, b, "output differs between 1 and 2 threads");
    assert_eq!(c1, Some(1), "row errors must give exit code 1");
    assert_eq!(c2, Some(1));
    let text = String::from_utf8(a).unwrap();
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r.headers().unwrap().clone();
    let err_col = header.iter().position(|h| h == "error").unwrap();
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    // 300 good rows + 6 x 4 seeded rows: every input row has an output row, in input order
    assert_eq!(rows.len(), 300 + 6 * 4);
    assert_eq!(&rows[0][0], "r0");
    let errors: Vec<&csv::StringRecord> = rows.iter().filter(|x| !x[err_col].is_empty()).collect();
    assert_eq!(
        errors.len(),
        6 * 4,
        "bad bytes, empty text, ragged (short and long) rows are flagged"
    );
    assert!(errors.iter().any(|e| e[err_col].contains("utf-8")));
    assert!(header.iter().any(|h| h == "negotiation_p_favor"));
}

#[test]
fn seeds_are_scored_with_the_embedded_model_and_summarized() {
    let o = stance()
        .args(["score", "seeds/", "--summary-by", "source"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = String::from_utf8(o.stdout).unwrap();
    let mut r = csv::Reader::from_reader(out.as_bytes());
    let h = r.headers().unwrap().clone();
    for col in [
        "id",
        "source",
        "kind",
        "text",
        "negotiation",
        "aid",
        "sentiment",
    ] {
        assert!(h.iter().any(|x| x == col), "missing column {col}");
    }
    let n = r.records().count();
    let units = std::process::Command::new(env!("CARGO_BIN_EXE_stance"))
        .args(["ingest", "seeds/"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let n_units = csv::Reader::from_reader(&units.stdout[..])
        .records()
        .count();
    assert_eq!(n, n_units, "one output row per unit");
    let err = String::from_utf8(o.stderr).unwrap();
    for f in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/seeds")).unwrap() {
        let name = f.unwrap().file_name().into_string().unwrap();
        assert!(err.contains(&name), "summary line for {name}");
    }
    assert!(err.contains("body:") && err.contains("comments:"));
}

#[test]
fn unreadable_model_is_fatal_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.stance");
    std::fs::write(&bad, b"STANCEMB\x63\x00\x00\x00").unwrap();
    let out = dir.path().join("out.csv");
    let o = stance()
        .args(["score", "--model"])
        .arg(&bad)
        .arg("-o")
        .arg(&out)
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/seeds"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("newer than this build supports"));
    assert!(!out.exists());
}

/// Gzip files are decompressed as they are read, their format taken from the name under
/// `.gz`; a truncated one keeps the rows before the damage and reports the rest as a row error.
#[test]
fn gzip_inputs_score_as_their_plain_text_and_damage_is_a_row_error() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let plain = fixture_with_bad_rows(dir.path());
    let bytes = std::fs::read(&plain).unwrap();
    let gz = dir.path().join("bad.csv.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&bytes).unwrap();
    let packed = enc.finish().unwrap();
    std::fs::write(&gz, &packed).unwrap();
    let score = |input: &std::path::Path| {
        let o = stance()
            .args(["score", "--id-col", "id", "--quiet"])
            .arg(input)
            .output()
            .unwrap();
        (o.status.code(), String::from_utf8(o.stdout).unwrap())
    };
    let (code, want) = score(&plain);
    assert_eq!(code, Some(1), "the fixture has bad rows");
    assert_eq!(score(&gz), (code, want.clone()));

    // a pipe given by name (as `<(zcat ...)` gives one), which cannot seek back
    #[cfg(unix)]
    {
        let mut child = stance()
            .args([
                "score",
                "--id-col",
                "id",
                "--quiet",
                "--input-format",
                "csv",
            ])
            .arg("/dev/stdin")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let (mut stdin, bytes) = (child.stdin.take().unwrap(), packed.clone());
        let feed = std::thread::spawn(move || stdin.write_all(&bytes));
        let o = child.wait_with_output().unwrap();
        feed.join().unwrap().unwrap();
        assert_eq!(
            (o.status.code(), String::from_utf8(o.stdout).unwrap()),
            (code, want.clone())
        );
    }

    let cut = dir.path().join("cut.csv.gz");
    std::fs::write(&cut, &packed[..packed.len() * 2 / 3]).unwrap();
    let (code, got) = score(&cut);
    assert_eq!(code, Some(1));
    let lines: Vec<&str> = got.lines().collect();
    let last = lines.last().unwrap();
    assert!(
        last.ends_with("read error: incomplete deflate stream"),
        "{last}"
    );
    // every row before the damage, as from the whole file
    let body = &lines[..lines.len() - 1];
    assert!(body.len() > 100 && want.lines().take(body.len()).eq(body.iter().copied()));
}

/// Every verb that reads a model falls back to the embedded default, as `score` does.
#[test]
fn verbs_that_read_a_model_default_to_the_embedded_one() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let o = stance().args(args).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert_eq!(o.status.code(), Some(0), "stance {args:?}: {err}");
        String::from_utf8(o.stdout).unwrap()
    };
    let shown = run(&["inspect"]);
    for h in ["head negotiation", "head aid", "head sentiment"] {
        assert!(shown.contains(h), "{shown}");
    }
    let explained = run(&["explain", "--head", "aid", "Send more weapons to Ukraine"]);
    assert!(explained.contains("head aid: "), "{explained}");
    let data = dir.path().join("labeled.csv");
    std::fs::write(
        &data,
        "text,aid\nSend more weapons to Ukraine,favor\nStop the weapons shipments,against\nLunch was nice,none\n",
    )
    .unwrap();
    let evaluated = run(&["eval", "--data", data.to_str().unwrap()]);
    assert!(
        evaluated.contains("head: aid") && !evaluated.contains("head: sentiment"),
        "{evaluated}"
    );
}

/// `--format` sets the output's format and `--input-format` the input's (once one flag name
/// for both, so that one of them could not be set at all), from a file whose extension says
/// otherwise and from stdin.
#[test]
fn input_and_output_formats_are_set_apart() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let rows = concat!(
        "{\"id\": \"a1\", \"text\": \"Send more weapons to Ukraine\"}\n",
        "{\"id\": \"a2\", \"text\": \"Peace talks now\"}\n",
        "not json\n",
    );
    let input = dir.path().join("rows.txt");
    std::fs::write(&input, rows).unwrap();
    let check = |o: std::process::Output| {
        assert_eq!(
            o.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let lines: Vec<serde_json::Value> = String::from_utf8(o.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).expect("each output line is a JSON object"))
            .collect();
        let ids: Vec<&str> = lines.iter().map(|v| v["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["a1", "a2", "3"]);
        assert!(lines[0]["aid"].is_string() && lines[0]["error"].is_null());
        assert!(lines[2]["error"].as_str().unwrap().contains("invalid JSON"));
    };
    let args = [
        "score",
        "--input-format",
        "jsonl",
        "--format",
        "jsonl",
        "--id-col",
        "id",
    ];
    check(stance().args(args).arg(&input).output().unwrap());

    let mut child = stance()
        .args(args)
        .arg("-")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(rows.as_bytes())
        .unwrap();
    check(child.wait_with_output().unwrap());
}

#[test]
fn embedded_default_model_loads() {
    let b = stance::bundle::Bundle::default_model().unwrap();
    let names: Vec<&str> = b.heads.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(names, ["negotiation", "aid", "sentiment"]);
}

#[test]
fn fused_scorer_agrees_with_each_head_alone() {
    use stance::bundle::Bundle;
    use stance::score::{RowScratch, ScoreOptions, Scorer};
    // The default model (f32 weights: fused table in f32) and a format-1 fixture (f64 weights).
    // The fused scorer projects rows without building them (see `Vectorizer::project_into`),
    // so it adds in another order: equal to rounding, with the same labels. It computes in
    // f64 throughout, so it is held to the row built in f64 (a `SparseRows` keeps f32).
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/bundle/v1.stance"
    );
    for bundle in [
        Bundle::default_model().unwrap(),
        Bundle::load(fixture).unwrap(),
    ] {
        let scorer = Scorer::new(&bundle, ScoreOptions::default()).unwrap();
        let mut scratch = RowScratch::default();
        for text in [
            "We must send more weapons to Ukraine, no talks with Putin!",
            "Peace talks and a ceasefire now :)",
            "The meeting is on Monday.",
            "talks talks talks, peace peace: the the the the",
            "",
        ] {
            let got = scorer.score_text(text, &mut scratch);
            let built = bundle.vectorizer.transform_row(text);
            let row = built.view();
            for (hi, head) in bundle.heads.iter().enumerate() {
                let mut want = vec![0.0; head.model.n_classes];
                head.model.proba_into(row, &mut want);
                let got_p = &got.proba[scorer.head_range(hi)];
                for (g, w) in got_p.iter().zip(&want) {
                    assert!(
                        (g - w).abs() < 1e-12,
                        "{} on {text:?}: {got_p:?} vs {want:?}",
                        head.name,
                    );
                }
                assert_eq!(
                    got.labels[hi],
                    Some(head.model.predict_row(row, &mut want)),
                    "{} on {text:?}",
                    head.name
                );
            }
        }
    }
}

#[test]
fn a_batch_scores_each_row_as_alone_and_leaves_error_rows_empty() {
    use stance::bundle::Bundle;
    use stance::ingest::{Record, RowError, RowErrorKind};
    use stance::score::{RowScratch, ScoreOptions, Scorer};
    use std::sync::Arc;
    let bundle = Bundle::default_model().unwrap();
    let source: Arc<str> = Arc::from("t.csv");
    let some = [
        "We must send more weapons to Ukraine, no talks with Putin!",
        "",
        "Peace talks and a ceasefire now :)",
        "The meeting is on Monday.",
    ];
    // and a run of error rows longer than a scoring job (64 rows), so some job has no text
    let texts: Vec<&str> = some
        .iter()
        .chain(&[""; 150])
        .chain(&some)
        .copied()
        .collect();
    let batch: Vec<Result<Record, RowError>> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let number = i as u64 + 1;
            if t.is_empty() {
                return Err(RowError {
                    source: source.clone(),
                    number,
                    byte_offset: 0,
                    id: None,
                    kind: RowErrorKind::EmptyText,
                });
            }
            Ok(Record {
                source: source.clone(),
                number,
                byte_offset: 0,
                id: number.to_string(),
                text: t.to_string(),
                extra: vec![],
                unit: None,
            })
        })
        .collect();
    // all heads, and one head out of order with abstentions (other widths and offsets)
    let one_head = ScoreOptions {
        heads: vec!["sentiment".into()],
        min_confidence: Some(0.5),
        ..ScoreOptions::default()
    };
    for opts in [ScoreOptions::default(), one_head] {
        let scorer = Scorer::new(&bundle, opts).unwrap();
        let scores = scorer.score_batch(&batch);
        let mut scratch = RowScratch::default();
        for (i, item) in batch.iter().enumerate() {
            match item {
                Ok(rec) => {
                    let want = scorer.score_text(&rec.text, &mut scratch);
                    let got = scores.get(i).expect("a scored row");
                    assert_eq!(got.labels, &want.labels[..], "row {i}");
                    assert_eq!(got.proba, &want.proba[..], "row {i}");
                }
                Err(_) => assert!(scores.get(i).is_none(), "error row {i}"),
            }
        }
    }
}
