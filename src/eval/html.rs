//! The HTML report: one self-contained page (inline CSS and SVG; no scripts, fonts, images or
//! links to anything outside the file).
//!
//! Structure, relied on by tests and by anyone scraping the page: one
//! `<section class="head" data-head="NAME">` per head holding sections with the classes
//! `headline`, `confusion`, `per-class`, `calibration`, `features`, `errors`, `sample` and, for
//! cross-validation, `folds`. Every figure that is also in the JSON report is written as
//! `<td data-metric="NAME" data-value="FULL PRECISION">rounded</td>` (or on a `<span>`).

use std::fmt::Write as _;

use super::charts;
use super::details::{EvalDetails, Example, HeadDetails};
use super::metrics::{CvSummary, EvalReport, HeadReport};
use crate::explain::display_feature;

/// Escapes text for HTML element content and attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

fn num(x: f64) -> String {
    format!("{x:.4}")
}

/// A figure: rounded for reading, full precision (Rust's shortest round-trip form, as in the
/// JSON) in `data-value`.
fn metric(tag: &str, name: &str, x: f64) -> String {
    format!(
        "<{tag} data-metric=\"{}\" data-value=\"{x:?}\">{}</{tag}>",
        escape(name),
        num(x)
    )
}

fn pm_cell(name: &str, s: &CvSummary) -> String {
    format!(
        "<td><span data-metric=\"{n}.mean\" data-value=\"{:?}\">{}</span> ± <span data-metric=\"{n}.std\" data-value=\"{:?}\">{}</span></td>",
        s.mean,
        num(s.mean),
        s.std,
        num(s.std),
        n = escape(name)
    )
}

const CSS: &str = r#"
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0 auto;max-width:1200px;padding:0 20px 40px;color:#222;line-height:1.4}
h1{margin:18px 0 6px}h2{border-bottom:2px solid #1f77b4;padding-bottom:4px;margin-top:36px}
h3{margin:18px 0 6px;font-size:1.05em;color:#333}
table{border-collapse:collapse;margin:6px 0 12px;font-size:14px}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:right;vertical-align:top}
th{background:#f3f6fa}td.l,th.l{text-align:left}
.meta td{text-align:left}
.row{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}
.row>section{flex:0 1 auto}
.headline{display:flex;flex-wrap:wrap;gap:12px;margin:8px 0}
.headline .fig{border:1px solid #ddd;border-radius:6px;padding:6px 14px;background:#f8fafc;text-align:center}
.headline .fig .v{font-size:22px;font-weight:600;display:block}
.headline .fig .k{font-size:12px;color:#555}
.features{display:flex;flex-wrap:wrap;gap:14px}
.features table td{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
.ex{border:1px solid #ddd;border-radius:6px;padding:6px 10px;margin:6px 0;background:#fff}
.ex .hdr{font-size:12px;color:#555}
.ex .txt{margin:4px 0;white-space:pre-wrap;word-wrap:break-word}
.ex .feat{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;color:#444}
mark{border-radius:3px;padding:0 1px}
.note{color:#666;font-size:13px}
nav a{margin-right:12px}
svg{max-width:100%;height:auto}
"#;

impl EvalReport {
    /// The report as one self-contained HTML page; `details` adds the calibration chart,
    /// features and example rows (without them the page holds the confusion figures only).
    pub fn to_html(&self, details: Option<&EvalDetails>) -> String {
        let mut s = String::with_capacity(64 * 1024);
        let title = match &self.cv {
            Some(cv) => format!("Cross-validation report ({} folds)", cv.folds.len()),
            None => "Evaluation report".to_string(),
        };
        let _ = write!(
            s,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{}</title><style>{CSS}</style></head><body>\n<h1>{}</h1>\n",
            escape(&title),
            escape(&title)
        );
        s.push_str("<table class=\"meta\">");
        if let serde_json::Value::Object(m) = &self.meta {
            for (k, v) in m {
                let v = match v {
                    serde_json::Value::String(x) => x.clone(),
                    other => other.to_string(),
                };
                let _ = write!(
                    s,
                    "<tr><th class=\"l\">{}</th><td class=\"l\">{}</td></tr>",
                    escape(k),
                    escape(&v)
                );
            }
        }
        if let Some(f) = self.pooled_f_avg {
            let _ = write!(
                s,
                "<tr><th class=\"l\">pooled F_avg (all stance heads' rows together)</th>{}</tr>",
                metric("td", "pooled_f_avg", f).replace("<td ", "<td class=\"l\" ")
            );
        }
        if details.is_some_and(|d| d.redacted) {
            s.push_str("<tr><th class=\"l\">example texts</th><td class=\"l\">left out (redacted); features kept</td></tr>");
        }
        s.push_str("</table>\n<nav>");
        for h in &self.heads {
            let _ = write!(
                s,
                "<a href=\"#head-{}\">{}</a>",
                anchor(&h.head),
                escape(&h.head)
            );
        }
        if self.cv.is_some() {
            s.push_str("<a href=\"#cv\">folds</a>");
        }
        s.push_str("</nav>\n");
        if self.heads.len() > 1 {
            summary_table(self, &mut s);
        }
        for h in &self.heads {
            let d = details.and_then(|d| d.heads.iter().find(|x| x.head == h.head));
            head_section(self, h, d, &mut s);
        }
        if let Some(cv) = &self.cv {
            s.push_str("<section class=\"cv\" id=\"cv\"><h2>Folds: mean ± std</h2>\
                <p class=\"note\">Population standard deviation (ddof = 0) over the folds.</p>\
                <table><tr><th class=\"l\">head</th><th>accuracy</th><th>macro-F1</th><th>F_avg</th><th>ECE</th></tr>");
            for h in &cv.heads {
                let _ = write!(
                    s,
                    "<tr data-head=\"{}\"><td class=\"l\">{}</td>{}{}{}{}</tr>",
                    escape(&h.head),
                    escape(&h.head),
                    pm_cell("cv.accuracy", &h.accuracy),
                    pm_cell("cv.macro_f1", &h.macro_f1),
                    h.f_avg
                        .as_ref()
                        .map_or("<td>-</td>".into(), |x| pm_cell("cv.f_avg", x)),
                    h.ece
                        .as_ref()
                        .map_or("<td>-</td>".into(), |x| pm_cell("cv.ece", x)),
                );
            }
            if let Some(p) = &cv.pooled_f_avg {
                let _ = write!(
                    s,
                    "<tr><td class=\"l\">(pooled stance)</td><td></td><td></td>{}<td></td></tr>",
                    pm_cell("cv.pooled_f_avg", p)
                );
            }
            s.push_str("</table></section>\n");
        }
        s.push_str("<p class=\"note\">Made by stance ");
        s.push_str(env!("CARGO_PKG_VERSION"));
        s.push_str(". Highlighted words: their share of the predicted label's feature contributions (tf-idf value × weight), green pushing toward the label, red away; hover for the features.</p>\n</body></html>\n");
        s
    }
}

fn anchor(head: &str) -> String {
    head.chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect()
}

fn summary_table(r: &EvalReport, s: &mut String) {
    s.push_str("<section class=\"summary\"><h2>All heads</h2><table><tr><th class=\"l\">head</th><th>rows</th><th>accuracy</th><th>macro-F1</th><th>F_avg</th><th>ECE</th></tr>");
    for h in &r.heads {
        let _ = write!(
            s,
            "<tr><td class=\"l\"><a href=\"#head-{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            anchor(&h.head),
            escape(&h.head),
            h.n,
            num(h.accuracy),
            num(h.macro_f1),
            h.f_avg.map_or("-".into(), num),
            h.calibration.as_ref().map_or("-".into(), |c| num(c.ece)),
        );
    }
    s.push_str("</table></section>\n");
}

fn head_section(r: &EvalReport, h: &HeadReport, d: Option<&HeadDetails>, s: &mut String) {
    let _ = writeln!(
        s,
        "<section class=\"head\" id=\"head-{}\" data-head=\"{}\"><h2>head: {}</h2>",
        anchor(&h.head),
        escape(&h.head),
        escape(&h.head)
    );
    // Headline figures.
    s.push_str("<section class=\"headline\">");
    let mut fig = |k: &str, name: &str, v: String| {
        let _ = write!(
            s,
            "<div class=\"fig\" data-fig=\"{name}\"><span class=\"v\">{v}</span><span class=\"k\">{k}</span></div>"
        );
    };
    fig(
        "accuracy",
        "accuracy",
        metric("span", "accuracy", h.accuracy),
    );
    fig(
        "macro-F1",
        "macro_f1",
        metric("span", "macro_f1", h.macro_f1),
    );
    if let Some(f) = h.f_avg {
        fig(
            "F_avg (favor, against)",
            "f_avg",
            metric("span", "f_avg", f),
        );
    }
    fig(
        "weighted-F1",
        "weighted_f1",
        metric("span", "weighted_f1", h.weighted_f1),
    );
    fig(
        "rows (support)",
        "n",
        format!(
            "<span data-metric=\"n\" data-value=\"{}\">{}</span>",
            h.n, h.n
        ),
    );
    if let Some(c) = &h.calibration {
        fig("ECE", "ece", metric("span", "ece", c.ece));
    }
    if h.abstained > 0 {
        fig(
            "abstained",
            "abstained",
            format!(
                "<span data-metric=\"abstained\" data-value=\"{0}\">{0}</span>",
                h.abstained
            ),
        );
    }
    s.push_str("</section>\n<div class=\"row\">");

    // Confusion matrix.
    s.push_str("<section class=\"confusion\"><h3>Confusion matrix</h3>");
    s.push_str(&charts::confusion(&h.labels, &h.confusion));
    s.push_str("<table><tr><th class=\"l\">gold \\ pred</th>");
    for l in &h.labels {
        let _ = write!(s, "<th>{}</th>", escape(l));
    }
    if h.abstained > 0 {
        s.push_str("<th>(abstained)</th>");
    }
    s.push_str("</tr>");
    for (g, l) in h.labels.iter().enumerate() {
        let total: u64 = h.confusion[g].iter().sum::<u64>() + h.abstained_by_gold[g];
        let _ = write!(s, "<tr><th class=\"l\">{}</th>", escape(l));
        for (p, c) in h.confusion[g].iter().enumerate() {
            let share = if total > 0 {
                *c as f64 / total as f64
            } else {
                0.0
            };
            let _ = write!(
                s,
                "<td data-metric=\"confusion.{g}.{p}\" data-value=\"{c}\">{c} <span class=\"note\">({:.1}%)</span></td>",
                share * 100.0
            );
        }
        if h.abstained > 0 {
            let _ = write!(s, "<td>{}</td>", h.abstained_by_gold[g]);
        }
        s.push_str("</tr>");
    }
    s.push_str("</table></section>\n");

    // Per class.
    s.push_str("<section class=\"per-class\"><h3>Per class</h3>");
    s.push_str(&charts::class_bars(&h.per_class));
    s.push_str("<table><tr><th class=\"l\">label</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>");
    for (i, m) in h.per_class.iter().enumerate() {
        let _ = write!(
            s,
            "<tr><td class=\"l\">{}</td>{}{}{}<td>{}</td></tr>",
            escape(&m.label),
            metric("td", &format!("per_class.{i}.precision"), m.precision),
            metric("td", &format!("per_class.{i}.recall"), m.recall),
            metric("td", &format!("per_class.{i}.f1"), m.f1),
            m.support
        );
    }
    let _ = write!(
        s,
        "<tr><td class=\"l\">macro avg</td>{}{}{}<td>{}</td></tr>",
        metric("td", "macro_precision", h.macro_precision),
        metric("td", "macro_recall", h.macro_recall),
        metric("td", "macro_f1", h.macro_f1),
        h.n
    );
    s.push_str("</table></section>\n");

    // Calibration.
    s.push_str("<section class=\"calibration\"><h3>Calibration</h3>");
    match &h.calibration {
        Some(c) => {
            s.push_str(&charts::reliability(c));
            let _ = write!(
                s,
                "<p>Expected calibration error: {} over {} rows, {} bins of confidence.</p>",
                metric("span", "calibration.ece", c.ece),
                c.n,
                c.bins.len()
            );
            s.push_str("<table><tr><th>confidence bin</th><th>rows</th><th>mean confidence</th><th>accuracy</th></tr>");
            for (i, b) in c.bins.iter().enumerate().filter(|(_, b)| b.n > 0) {
                let _ = write!(
                    s,
                    "<tr><td>{:.1}–{:.1}</td><td>{}</td>{}{}</tr>",
                    b.lo,
                    b.hi,
                    b.n,
                    metric(
                        "td",
                        &format!("calibration.bins.{i}.confidence"),
                        b.confidence
                    ),
                    metric("td", &format!("calibration.bins.{i}.accuracy"), b.accuracy),
                );
            }
            s.push_str("</table>");
        }
        None => {
            s.push_str("<p class=\"note\">No probabilities were available for this report.</p>")
        }
    }
    s.push_str("</section>\n</div>\n");

    // Top features.
    s.push_str("<section class=\"features\"><h3 style=\"flex-basis:100%\">Most positive features per class</h3>");
    match &h.top_features {
        Some(tf) if !tf.is_empty() => {
            if let Some(note) = d.and_then(|d| d.features_note.as_ref()) {
                let _ = write!(
                    s,
                    "<p class=\"note\" style=\"flex-basis:100%\">{}</p>",
                    escape(note)
                );
            }
            for cf in tf {
                let _ = write!(
                    s,
                    "<table data-label=\"{}\"><tr><th class=\"l\">{}</th><th>weight</th></tr>",
                    escape(&cf.label),
                    escape(&cf.label)
                );
                for (f, w) in &cf.features {
                    let _ = write!(
                        s,
                        "<tr><td class=\"l\">{}</td><td>{:.4}</td></tr>",
                        escape(&display_feature(f)),
                        w
                    );
                }
                s.push_str("</table>");
            }
        }
        _ => s.push_str("<p class=\"note\">No model features available for this report.</p>"),
    }
    s.push_str("</section>\n");

    // Examples.
    let redacted_note = "<p class=\"note\">Texts left out (redacted); the features that pushed each row to its label are kept.</p>";
    let _ = write!(
        s,
        "<section class=\"errors\" id=\"errors-{}\"><h3>Most confident errors</h3>",
        anchor(&h.head)
    );
    match d {
        Some(d) if !d.worst_errors.is_empty() => {
            if d.worst_errors.iter().any(|e| e.text.is_none()) {
                s.push_str(redacted_note);
            }
            for e in &d.worst_errors {
                example(e, s);
            }
        }
        Some(_) => s.push_str("<p class=\"note\">No errors.</p>"),
        None => s.push_str("<p class=\"note\">No example rows in this report.</p>"),
    }
    s.push_str("</section>\n<section class=\"sample\"><h3>Sample of rows</h3>");
    match d {
        Some(d) if !d.sample.is_empty() => {
            if d.sample.iter().any(|e| e.text.is_none()) {
                s.push_str(redacted_note);
            }
            for e in &d.sample {
                example(e, s);
            }
        }
        _ => s.push_str("<p class=\"note\">No example rows in this report.</p>"),
    }
    s.push_str("</section>\n");

    // Folds.
    if let Some(cv) = &r.cv {
        s.push_str("<section class=\"folds\"><h3>Per fold</h3><div class=\"row\"><div>");
        s.push_str(&charts::folds(&h.head, &cv.folds));
        s.push_str("</div><table><tr><th>fold</th><th>rows</th><th>accuracy</th><th>macro-F1</th><th>F_avg</th><th>ECE</th></tr>");
        for f in &cv.folds {
            if let Some(fh) = f.heads.iter().find(|x| x.head == h.head) {
                let _ = write!(
                    s,
                    "<tr data-fold=\"{}\"><td>{}</td><td>{}</td>{}{}{}{}</tr>",
                    f.fold,
                    f.fold,
                    fh.n,
                    metric("td", "fold.accuracy", fh.accuracy),
                    metric("td", "fold.macro_f1", fh.macro_f1),
                    fh.f_avg
                        .map_or("<td>-</td>".into(), |x| metric("td", "fold.f_avg", x)),
                    fh.ece
                        .map_or("<td>-</td>".into(), |x| metric("td", "fold.ece", x)),
                );
            }
        }
        if let Some(hc) = cv.heads.iter().find(|x| x.head == h.head) {
            let _ = write!(
                s,
                "<tr class=\"mean\"><td>mean ± std</td><td></td>{}{}{}{}</tr>",
                pm_cell("cv.accuracy", &hc.accuracy),
                pm_cell("cv.macro_f1", &hc.macro_f1),
                hc.f_avg
                    .as_ref()
                    .map_or("<td>-</td>".into(), |x| pm_cell("cv.f_avg", x)),
                hc.ece
                    .as_ref()
                    .map_or("<td>-</td>".into(), |x| pm_cell("cv.ece", x)),
            );
        }
        s.push_str("</table></div></section>\n");
    }
    s.push_str("</section>\n");
}

fn example(e: &Example, s: &mut String) {
    let _ = write!(
        s,
        "<div class=\"ex\"><div class=\"hdr\">row {} (id {}){} · gold <b>{}</b> · predicted <b>{}</b> with p = {:.3}</div>",
        e.row + 1,
        escape(&e.id),
        e.fold.map_or(String::new(), |f| format!(" · fold {f}")),
        escape(&e.gold),
        escape(&e.pred),
        e.confidence
    );
    if let Some(t) = &e.text {
        s.push_str("<div class=\"txt\">");
        let max = e
            .spans
            .iter()
            .map(|sp| sp.contribution.abs())
            .fold(0.0, f64::max);
        let mut at = 0;
        for sp in &e.spans {
            if sp.start < at || sp.end > t.len() {
                continue;
            }
            s.push_str(&escape(&t[at..sp.start]));
            let w = if max > 0.0 {
                sp.contribution.abs() / max
            } else {
                0.0
            };
            // Only clearly visible shares are marked, so the strongest words stand out.
            if w < 0.15 {
                s.push_str(&escape(&t[sp.start..sp.end]));
            } else {
                let (r, g, b) = if sp.contribution > 0.0 {
                    (44, 160, 44)
                } else {
                    (214, 39, 40)
                };
                let tip: Vec<String> = sp
                    .features
                    .iter()
                    .map(|(f, c)| format!("{} {c:+.3}", display_feature(f)))
                    .collect();
                let _ = write!(
                    s,
                    "<mark style=\"background:rgba({r},{g},{b},{:.2})\" title=\"{:+.3}: {}\">{}</mark>",
                    0.15 + 0.55 * w,
                    sp.contribution,
                    escape(&tip.join(", ")),
                    escape(&t[sp.start..sp.end])
                );
            }
            at = sp.end;
        }
        s.push_str(&escape(&t[at..]));
        s.push_str("</div>");
    }
    if !e.top_features.is_empty() {
        let f: Vec<String> = e
            .top_features
            .iter()
            .map(|(f, c)| format!("{} {:+.3}", escape(&display_feature(f)), c))
            .collect();
        let _ = write!(
            s,
            "<div class=\"feat\">top features for {}: {}</div>",
            escape(&e.pred),
            f.join(" · ")
        );
    }
    s.push_str("</div>\n");
}
