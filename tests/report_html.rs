//! The HTML report: self-contained, opens in headless Chromium without console messages, has
//! every head's sections with the JSON report's numbers, and stays small and fast on 100k rows.
//!
//! The Chromium part needs `chromium` (or `chromium-browser`) on PATH; without it those checks
//! print "SKIPPED: chromium not installed" and pass (CI installs it in `.ci/run`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use stance::bundle::Bundle;
use stance::clean::CleanConfig;
use stance::dataset::{HeadData, LabeledData, LoadReport};
use stance::eval::{Confusion, EvalDetails, EvalReport, HeadCollector};
use stance::model::{ClassWeight, Learner};
use stance::train::{cross_validate, train, FoldSpec, TrainSpec};
use stance::vectorize::VectorizerConfig;

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

const FAVOR: &[&str] = &["talks", "ceasefire", "negotiate", "peace", "diplomacy"];
const AGAINST: &[&str] = &["surrender", "weapons", "victory", "fight", "resist"];
const GOOD: &[&str] = &["hope", "great", "relief", "glad"];
const BAD: &[&str] = &["awful", "grief", "terrible", "angry"];
const FILLER: &[&str] = &[
    "the",
    "government",
    "said",
    "today",
    "minister",
    "army",
    "people",
    "war",
    "news",
    "<b>",
    "\"quoted\"",
    "&amp;",
    "#ukraine",
];

/// Two heads: a stance head (against/favor/none) and a sentiment head; a little label noise.
fn corpus(n: usize, seed: u64) -> LabeledData {
    let mut r = Lcg(seed);
    let (mut texts, mut ys, mut ss) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..n {
        let c = i % 3;
        let s = (i / 3) % 3;
        let mut words = Vec::new();
        for _ in 0..(6 + r.next() % 10) {
            let w = match r.next() % 6 {
                0 if c == 0 => AGAINST[r.next() % AGAINST.len()],
                0 if c == 1 => FAVOR[r.next() % FAVOR.len()],
                1 if s == 0 => BAD[r.next() % BAD.len()],
                1 if s == 2 => GOOD[r.next() % GOOD.len()],
                _ => FILLER[r.next() % FILLER.len()],
            };
            words.push(w);
        }
        texts.push(words.join(" "));
        ys.push(Some(if r.next() % 10 == 0 { (c + 1) % 3 } else { c }));
        ss.push(Some(if r.next() % 10 == 0 { (s + 2) % 3 } else { s }));
    }
    let ids: Vec<String> = (1..=n).map(|i| format!("r{i}")).collect();
    LabeledData {
        groups: ids.clone(),
        ids,
        texts,
        heads: vec![
            HeadData {
                name: "negotiation".into(),
                labels: vec!["against".into(), "favor".into(), "none".into()],
                y: ys,
            },
            HeadData {
                name: "sentiment & tone".into(),
                labels: vec!["negative".into(), "neutral".into(), "positive".into()],
                y: ss,
            },
        ],
        report: LoadReport::default(),
    }
}

fn spec() -> TrainSpec {
    TrainSpec {
        features: VectorizerConfig::default(),
        clean: CleanConfig::default(),
        learner: Learner::Logistic {
            c: 10.0,
            tol: 1e-5,
            max_iter: 300,
        },
        class_weight: ClassWeight::None,
        seed: 3,
    }
}

/// What `stance eval` does, through the library.
fn eval_report(b: &Bundle, data: &LabeledData, redact: bool) -> (EvalReport, EvalDetails) {
    let x = b.vectorizer.transform(&data.texts);
    let mut confusions = Vec::new();
    let mut details = EvalDetails {
        heads: vec![],
        redacted: redact,
    };
    for h in &data.heads {
        let head = b.head(&h.name).unwrap();
        let (rows, gold) = h.labeled();
        let xs = x.select_rows(&rows);
        let pred = head.model.predict(&xs);
        let proba = head.model.predict_proba(&xs);
        let mut c = Confusion::new(h.name.clone(), head.labels.clone()).unwrap();
        let mut col = HeadCollector::new(h.name.clone(), head.labels.clone(), 20, 10, 0);
        for (i, ((&row, &g), &p)) in rows.iter().zip(&gold).zip(pred.iter()).enumerate() {
            c.add(&h.labels[g], Some(&head.labels[p])).unwrap();
            col.add(row, None, g, p, proba[[i, p]]);
        }
        confusions.push(c);
        details.heads.push(col.finish(
            &data.texts,
            &data.ids,
            Some((&b.vectorizer, head)),
            None,
            redact,
            20,
        ));
    }
    let mut r =
        EvalReport::from_confusions(&confusions, serde_json::json!({"command": "eval"})).unwrap();
    r.attach(&details);
    (r, details)
}

/// What `stance cv` does, through the library.
fn cv_report(data: &LabeledData, k: usize) -> (EvalReport, EvalDetails) {
    let f = FoldSpec {
        k,
        seed: 5,
        grouped: false,
    };
    let preds = cross_validate(data, &spec(), &f).unwrap();
    let mut folds = Vec::new();
    for fold in 0..k {
        let mut per_head = Vec::new();
        for (hi, h) in data.heads.iter().enumerate() {
            let mut c = Confusion::new(h.name.clone(), h.labels.clone()).unwrap();
            for p in preds.iter().filter(|p| p.fold == fold && p.head == hi) {
                for (g, y) in p.gold.iter().zip(&p.pred) {
                    c.add(&h.labels[*g], Some(&h.labels[*y])).unwrap();
                }
            }
            per_head.push(c);
        }
        folds.push(per_head);
    }
    let mut r = EvalReport::from_folds(&folds, serde_json::json!({"command": "cv"})).unwrap();
    let (b, _) = train(data, &spec(), vec![]).unwrap();
    let mut details = EvalDetails::default();
    for (hi, h) in data.heads.iter().enumerate() {
        let mut col = HeadCollector::new(h.name.clone(), h.labels.clone(), 20, 10, 5);
        for p in preds.iter().filter(|p| p.head == hi) {
            for (i, ((&row, &g), &y)) in p.rows.iter().zip(&p.gold).zip(&p.pred).enumerate() {
                col.add(row, Some(p.fold), g, y, p.proba[i][y]);
            }
        }
        details.heads.push(col.finish(
            &data.texts,
            &data.ids,
            Some((&b.vectorizer, b.head(&h.name).unwrap())),
            Some("refit on all rows".into()),
            false,
            20,
        ));
    }
    r.attach(&details);
    (r, details)
}

/// Nothing in the page may load from elsewhere or run code.
fn assert_self_contained(html: &str) {
    let lower = html.to_ascii_lowercase();
    for bad in [
        "<script",
        "<link",
        "<img",
        "<iframe",
        "<object",
        "@import",
        "@font-face",
        "url(",
        "src=",
        "javascript:",
        " on", /* event handler attributes: checked below */
    ] {
        if bad == " on" {
            // onload=, onclick=, ... as attributes.
            let has_handler = lower.match_indices(" on").any(|(i, _)| {
                let rest = &lower[i + 3..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphabetic())
                    .collect();
                !name.is_empty() && rest[name.len()..].starts_with('=')
            });
            assert!(!has_handler, "event handler attribute in the page");
            continue;
        }
        assert!(!lower.contains(bad), "page contains {bad:?}");
    }
    for href in lower.match_indices("href=\"").map(|(i, _)| &lower[i + 6..]) {
        assert!(
            href.starts_with('#'),
            "non-local link: {}",
            &href[..href.len().min(60)]
        );
    }
    // xmlns attributes of inline SVG are names, not fetches; nothing else may mention http.
    let without_ns = lower.replace("http://www.w3.org/2000/svg", "");
    assert!(!without_ns.contains("http://"), "page mentions http://");
}

fn find_chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for name in ["chromium", "chromium-browser"] {
        for dir in std::env::split_paths(&path) {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// Runs headless Chromium on `page` with `extra` arguments; returns (stdout, stderr).
fn chromium(exe: &Path, page: &Path, extra: &[String]) -> (String, String) {
    let profile = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(exe);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--enable-logging=stderr",
        "--v=0",
    ])
    .arg(format!("--user-data-dir={}", profile.path().display()))
    .args(extra)
    .arg(format!("file://{}", page.display()))
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("start chromium");
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let t_out = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut out, &mut s).ok();
        s
    });
    let t_err = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut err, &mut s).ok();
        s
    });
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish in 90 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    (t_out.join().unwrap(), t_err.join().unwrap())
}

fn console_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE(") || l.contains("Uncaught"))
        .collect()
}

/// `data-metric="name" data-value="v"` pairs of one head's section in the DOM.
fn metrics(section: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, _) in section.match_indices("data-metric=\"") {
        let rest = &section[i + 13..];
        let name = &rest[..rest.find('"').unwrap()];
        let rest = &rest[name.len()..];
        let v = rest.find("data-value=\"").unwrap();
        let rest = &rest[v + 12..];
        let value = &rest[..rest.find('"').unwrap()];
        out.push((name.to_string(), value.to_string()));
    }
    out
}

fn head_sections(dom: &str) -> Vec<(String, String)> {
    let starts: Vec<usize> = dom
        .match_indices("<section class=\"head\"")
        .map(|(i, _)| i)
        .collect();
    starts
        .iter()
        .enumerate()
        .map(|(k, &s)| {
            let end = starts.get(k + 1).copied().unwrap_or(dom.len());
            let sec = &dom[s..end];
            let i = sec.find("data-head=\"").unwrap() + 11;
            let name = &sec[i..i + sec[i..].find('"').unwrap()];
            (unescape(name), sec.to_string())
        })
        .collect()
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn get(ms: &[(String, String)], name: &str) -> f64 {
    let v = &ms
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no metric {name}"))
        .1;
    v.parse().unwrap()
}

/// Every head's sections are there and carry the JSON report's numbers.
fn check_structure(html: &str, json: &EvalReport, cv: bool) {
    let sections = head_sections(html);
    assert_eq!(
        sections.iter().map(|s| s.0.clone()).collect::<Vec<_>>(),
        json.heads
            .iter()
            .map(|h| h.head.clone())
            .collect::<Vec<_>>()
    );
    for ((_, sec), h) in sections.iter().zip(&json.heads) {
        for part in [
            "headline",
            "confusion",
            "per-class",
            "calibration",
            "features",
            "errors",
            "sample",
        ] {
            assert!(
                sec.contains(&format!("<section class=\"{part}\"")),
                "{}: no {part}",
                h.head
            );
        }
        assert_eq!(sec.contains("<section class=\"folds\""), cv, "{}", h.head);
        let svgs = sec.matches("<svg").count();
        assert!(svgs >= if cv { 4 } else { 3 }, "{}: {svgs} charts", h.head);
        let ms = metrics(sec);
        assert_eq!(get(&ms, "accuracy"), h.accuracy);
        assert_eq!(get(&ms, "macro_f1"), h.macro_f1);
        assert_eq!(get(&ms, "n"), h.n as f64);
        assert_eq!(get(&ms, "ece"), h.calibration.as_ref().unwrap().ece);
        match h.f_avg {
            Some(f) => assert_eq!(get(&ms, "f_avg"), f),
            None => assert!(!ms.iter().any(|(n, _)| n == "f_avg")),
        }
        for (i, m) in h.per_class.iter().enumerate() {
            assert_eq!(get(&ms, &format!("per_class.{i}.precision")), m.precision);
            assert_eq!(get(&ms, &format!("per_class.{i}.recall")), m.recall);
            assert_eq!(get(&ms, &format!("per_class.{i}.f1")), m.f1);
        }
        for (g, row) in h.confusion.iter().enumerate() {
            for (p, c) in row.iter().enumerate() {
                assert_eq!(get(&ms, &format!("confusion.{g}.{p}")), *c as f64);
            }
        }
        for (i, b) in h.calibration.as_ref().unwrap().bins.iter().enumerate() {
            if b.n > 0 {
                assert_eq!(
                    get(&ms, &format!("calibration.bins.{i}.accuracy")),
                    b.accuracy
                );
            }
        }
        // 20 features per class, one table per label.
        for cf in h.top_features.as_ref().unwrap() {
            assert!(sec.contains(&format!("data-label=\"{}\"", cf.label)));
            assert_eq!(cf.features.len(), 20);
        }
        if let Some(cvr) = &json.cv {
            let fold_acc: Vec<f64> = ms
                .iter()
                .filter(|(n, _)| n == "fold.accuracy")
                .map(|(_, v)| v.parse().unwrap())
                .collect();
            let want: Vec<f64> = cvr
                .folds
                .iter()
                .map(|f| f.heads.iter().find(|x| x.head == h.head).unwrap().accuracy)
                .collect();
            assert_eq!(fold_acc, want);
            let hc = cvr.heads.iter().find(|x| x.head == h.head).unwrap();
            assert_eq!(get(&ms, "cv.macro_f1.mean"), hc.macro_f1.mean);
            assert_eq!(get(&ms, "cv.macro_f1.std"), hc.macro_f1.std);
            assert_eq!(get(&ms, "cv.ece.mean"), hc.ece.unwrap().mean);
        }
    }
}

fn png_size(p: &Path) -> (u32, u32, u64) {
    let b = std::fs::read(p).unwrap();
    assert_eq!(&b[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    let w = u32::from_be_bytes(b[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(b[20..24].try_into().unwrap());
    (w, h, b.len() as u64)
}

#[test]
fn eval_and_cv_reports_render_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let (b, _) = train(&corpus(450, 1), &spec(), vec![]).unwrap();
    let test = corpus(240, 2);
    let (er, ed) = eval_report(&b, &test, false);
    let (cr, cd) = cv_report(&corpus(300, 3), 4);
    let mut pages = Vec::new();
    for (name, r, d, cv) in [("eval", &er, &ed, false), ("cv", &cr, &cd, true)] {
        let html_path = dir.path().join(format!("{name}.html"));
        let json_path = dir.path().join(format!("{name}.json"));
        r.write_with(&html_path, Some(d)).unwrap();
        r.write(&json_path).unwrap();
        let html = std::fs::read_to_string(&html_path).unwrap();
        let json: EvalReport = serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();
        assert_self_contained(&html);
        check_structure(&html, &json, cv);
        // The Markdown carries the same extra figures.
        let md = r.to_markdown();
        assert!(md.contains(&format!(
            "calibration (ECE {:.4})",
            json.heads[0].calibration.as_ref().unwrap().ece
        )));
        assert!(md.contains("most positive features per class"));
        // Highlighted words in the examples, with the contributions in their titles.
        assert!(
            html.contains("<mark style=\"background:rgba("),
            "no highlights"
        );
        // Text is escaped: the corpus holds "<b>" and "&amp;" as words.
        assert!(html.contains("&lt;b&gt;") && !html.contains(" <b> "));
        pages.push((html_path, json, cv));
    }
    // Redacted: no example text at all, features kept.
    let (_, red) = eval_report(&b, &test, true);
    let html = er.to_html(Some(&red));
    assert!(html.contains("redacted"));
    for d in &red.heads {
        for e in d.worst_errors.iter().chain(&d.sample) {
            assert!(e.text.is_none() && e.spans.is_empty());
            if let Some(t) = test.texts.get(e.row) {
                assert!(!html.contains(&format!(">{}<", stance_escape(t))));
            }
        }
    }
    assert!(!html.contains("<mark"));

    let Some(exe) = find_chromium() else {
        println!("SKIPPED: chromium not installed");
        return;
    };
    // The console check must be able to fail: a page with a script error shows up.
    let bad = dir.path().join("bad.html");
    std::fs::write(
        &bad,
        "<!DOCTYPE html><html><body><script>throw new Error('boom')</script></body></html>",
    )
    .unwrap();
    let (_, err) = chromium(&exe, &bad, &["--dump-dom".into()]);
    assert!(
        !console_lines(&err).is_empty(),
        "console errors are not detected:\n{err}"
    );

    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    for (page, json, cv) in &pages {
        let (dom, err) = chromium(&exe, page, &["--dump-dom".into()]);
        assert!(
            console_lines(&err).is_empty(),
            "console messages: {:?}",
            console_lines(&err)
        );
        assert!(dom.contains("</html>"), "no DOM dumped; stderr:\n{err}");
        check_structure(&dom, json, *cv);
        let png = shots.join(format!(
            "report_{}.png",
            page.file_stem().unwrap().to_string_lossy()
        ));
        let _ = std::fs::remove_file(&png);
        let (_, err) = chromium(
            &exe,
            page,
            &[
                format!("--screenshot={}", png.display()),
                "--window-size=1280,2000".into(),
            ],
        );
        assert!(
            console_lines(&err).is_empty(),
            "console messages: {:?}",
            console_lines(&err)
        );
        let (w, h, bytes) = png_size(&png);
        assert_eq!((w, h), (1280, 2000));
        // A blank page compresses to a few kB; charts and tables make it much larger.
        assert!(bytes > 40_000, "screenshot looks empty ({bytes} bytes)");
        println!(
            "screenshot {} : {w}x{h}, {bytes} bytes; page {} bytes",
            png.display(),
            std::fs::metadata(page).unwrap().len()
        );
    }
}

fn stance_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// 100k scored rows: details (calibration from all rows, kept examples explained) and the
/// page take well under 2 s beyond scoring, and the page stays under 5 MB.
#[test]
fn large_report_is_fast_and_small() {
    let (b, _) = train(&corpus(300, 1), &spec(), vec![]).unwrap();
    let n = 100_000;
    let data = corpus(n, 9);
    let mut r = Lcg(4);
    // Scores stand in for the model's (scoring is not what is timed here).
    let scored: Vec<Vec<(usize, usize, f64)>> = data
        .heads
        .iter()
        .map(|h| {
            h.y.iter()
                .map(|g| {
                    let g = g.unwrap();
                    let p = if r.next() % 4 == 0 { (g + 1) % 3 } else { g };
                    (g, p, 0.34 + (r.next() % 660) as f64 / 1000.0)
                })
                .collect()
        })
        .collect();
    let t = Instant::now();
    let mut details = EvalDetails::default();
    let mut confusions = Vec::new();
    for (h, rows) in data.heads.iter().zip(&scored) {
        let head = b.head(&h.name).unwrap();
        let mut c = Confusion::new(h.name.clone(), h.labels.clone()).unwrap();
        let mut col = HeadCollector::new(h.name.clone(), h.labels.clone(), 20, 10, 0);
        for (i, &(g, p, conf)) in rows.iter().enumerate() {
            c.add(&h.labels[g], Some(&h.labels[p])).unwrap();
            col.add(i, None, g, p, conf);
        }
        confusions.push(c);
        details.heads.push(col.finish(
            &data.texts,
            &data.ids,
            Some((&b.vectorizer, head)),
            None,
            false,
            20,
        ));
    }
    let mut report = EvalReport::from_confusions(&confusions, serde_json::Value::Null).unwrap();
    report.attach(&details);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.html");
    report.write_with(&path, Some(&details)).unwrap();
    let secs = t.elapsed().as_secs_f64();
    let size = std::fs::metadata(&path).unwrap().len();
    println!("100k rows x 2 heads: report in {secs:.3} s, {size} bytes");
    assert!(size < 5 * 1024 * 1024, "{size} bytes");
    let limit = if cfg!(debug_assertions) { 20.0 } else { 2.0 };
    assert!(secs < limit, "{secs} s");
    assert_eq!(report.heads[0].calibration.as_ref().unwrap().n, n as u64);
}

/// The CLI wiring: `eval` and `cv` write HTML/JSON/Markdown from one run (repeatable
/// `--report`), `--redact` keeps texts out, and `compare` reads the JSON reports.
#[test]
fn cli_eval_cv_compare() {
    let dir = tempfile::tempdir().unwrap();
    let d = corpus(300, 11);
    let mut csv = String::from("id,text,negotiation,sentiment\n");
    for i in 0..d.texts.len() {
        let l = |h: usize| d.heads[h].labels[d.heads[h].y[i].unwrap()].clone();
        csv += &format!(
            "{},\"{}\",{},{}\n",
            d.ids[i],
            d.texts[i].replace('"', "\"\""),
            l(0),
            l(1)
        );
    }
    let data = dir.path().join("d.csv");
    std::fs::write(&data, csv).unwrap();
    let exe = env!("CARGO_BIN_EXE_stance");
    let run = |args: &[&str]| {
        let out = Command::new(exe)
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let labels = [
        "--id-col",
        "id",
        "--label-col",
        "negotiation",
        "--label-col",
        "sentiment",
    ];
    let mut a = vec!["train", "--data", "d.csv", "--output", "m.stance"];
    a.extend(labels);
    run(&a);
    let mut a = vec![
        "eval", "--model", "m.stance", "--data", "d.csv", "--report", "e.html", "--report",
        "e.json", "--report", "e.md", "--redact",
    ];
    a.extend(labels);
    let table = run(&a);
    assert!(table.contains("calibration (ECE"), "{table}");
    let mut a = vec![
        "cv", "--data", "d.csv", "--folds", "3", "--report", "c.html", "--report", "c.json",
    ];
    a.extend(labels);
    run(&a);
    let e: EvalReport =
        serde_json::from_slice(&std::fs::read(dir.path().join("e.json")).unwrap()).unwrap();
    let c: EvalReport =
        serde_json::from_slice(&std::fs::read(dir.path().join("c.json")).unwrap()).unwrap();
    for r in [&e, &c] {
        for h in &r.heads {
            assert_eq!(h.calibration.as_ref().unwrap().n, 300);
            assert_eq!(h.top_features.as_ref().unwrap()[0].features.len(), 20);
        }
    }
    assert!(c.cv.as_ref().unwrap().heads.iter().all(|h| h.ece.is_some()));
    let eh = std::fs::read_to_string(dir.path().join("e.html")).unwrap();
    check_structure(&eh, &e, false);
    assert!(
        !eh.contains(&stance_escape(&d.texts[0])),
        "redacted page holds a text"
    );
    let ch = std::fs::read_to_string(dir.path().join("c.html")).unwrap();
    check_structure(&ch, &c, true);
    assert!(ch.contains("<mark"));
    let cmp = run(&["compare", "c.json", "e.json"]);
    assert!(
        cmp.contains("head: negotiation") && cmp.contains("Δ macro-F1"),
        "{cmp}"
    );
    let want = format!("{:+.4}", e.heads[0].macro_f1 - c.heads[0].macro_f1);
    assert!(cmp.contains(&want), "{cmp} lacks {want}");
    let out = Command::new(exe)
        .args(["compare", "d.csv"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
