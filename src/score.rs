//! Batch scoring: bounded batches read in order, scored in parallel with rayon (an ordered,
//! indexed map, so output order is input order whatever the thread count), written by one
//! sequential writer. Memory is bounded by the batch size, not the corpus size. Each row is
//! tokenized and vectorized once for all heads (they share one vectorizer).
//!
//! Nothing is lost: a row that cannot be scored (bad encoding, empty text, oversize field,
//! ragged) still yields an output row, with the `error` column filled.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;

use crate::bundle::Bundle;
use crate::clean::UnitKind;
use crate::ingest::{Cell, Record, RecordReader, RowError, RowWriter};
use crate::vectorize::{FeatureScratch, Projection};
use crate::{Error, SparseRow};

/// What to score and how to write it.
#[derive(Debug, Clone)]
pub struct ScoreOptions {
    /// Heads to output (by name); empty = all, in bundle order.
    pub heads: Vec<String>,
    /// Abstain (empty label) where a head's top probability is below this.
    pub min_confidence: Option<f64>,
    /// Input columns to pass through, by name.
    pub keep: Vec<String>,
    /// Add `source`, `kind`, `position` and `text` columns (raw article inputs).
    pub units: bool,
    /// Rows per batch.
    pub batch_rows: usize,
}

impl Default for ScoreOptions {
    fn default() -> Self {
        ScoreOptions {
            heads: vec![],
            min_confidence: None,
            keep: vec![],
            units: false,
            batch_rows: 4096,
        }
    }
}

/// One scored row, as [`Scorer::score_text`] returns it: per selected head, the label (None =
/// abstained); and the probabilities of all selected heads back to back, in head order
/// ([`Scorer::head_range`] says where each head's are). Batches keep theirs in
/// [`BatchScores`] instead, without an allocation a row.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    pub labels: Vec<Option<usize>>,
    pub proba: Vec<f64>,
}

/// One row of [`BatchScores`]: what [`Scored`] holds, borrowed.
#[derive(Debug, Clone, Copy)]
pub struct ScoredRow<'a> {
    pub labels: &'a [Option<usize>],
    pub proba: &'a [f64],
}

/// A batch's scores in three flat arrays, row after row: one allocation each a batch, where
/// a [`Scored`] a row was two allocations in a scoring thread and two frees in the writing
/// one (glibc then moved the chunks between its per-thread arenas: 5% of the run's time in
/// the allocator).
#[derive(Debug, Clone, PartialEq)]
pub struct BatchScores {
    labels: Vec<Option<usize>>,
    proba: Vec<f64>,
    /// Whether each row was scored (false: an error row).
    scored: Vec<bool>,
    heads: usize,
    width: usize,
}

impl BatchScores {
    /// Row `i`'s scores; None for an error row.
    pub fn get(&self, i: usize) -> Option<ScoredRow<'_>> {
        self.scored[i].then(|| ScoredRow {
            labels: &self.labels[i * self.heads..(i + 1) * self.heads],
            proba: &self.proba[i * self.width..(i + 1) * self.width],
        })
    }
}

/// Input rows of one batch, in order.
type Batch = Vec<Result<Record, RowError>>;

/// A bundle prepared for scoring selected heads.
pub struct Scorer<'b> {
    bundle: &'b Bundle,
    heads: Vec<usize>,
    /// Per selected head, where its classes start in [`Scored::proba`]; plus the end.
    off: Vec<usize>,
    opts: ScoreOptions,
    fused: Option<Fused>,
}

/// The selected heads' weights side by side as one [`Projection`] (`width` = all their
/// classes), so one column costs one or two cache lines for all heads, where per-head tables
/// cost one random line per head, and a row's scores come from
/// [`crate::vectorize::Vectorizer::project_into`] without building its TF-IDF row. The scores
/// equal [`crate::model::LinearModel::scores_into`] on the row to rounding (about 1e-15).
struct Fused {
    proj: Projection,
    intercept: Vec<f64>,
}

/// Counts for the end-of-run summary.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ScoreSummary {
    pub rows: u64,
    pub errors: u64,
    pub bytes: u64,
    /// Per head (selected order): label -> count, plus abstentions.
    pub label_counts: Vec<(String, BTreeMap<String, u64>, u64)>,
    pub interrupted: bool,
    /// Per article (raw inputs): aggregated labels of body and comments.
    pub articles: Vec<ArticleSummary>,
}

/// One article's body label per head and its comments' label distribution.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ArticleSummary {
    pub source: String,
    pub body_units: usize,
    pub comments: usize,
    /// Per head: (head, body label from the mean of body units' probabilities, comment label counts).
    pub heads: Vec<(String, String, BTreeMap<String, u64>)>,
    #[serde(skip)]
    body_proba: Vec<Vec<f64>>,
}

impl<'b> Scorer<'b> {
    /// # Errors
    /// A requested head the bundle does not have; a confidence outside 0..=1.
    pub fn new(bundle: &'b Bundle, opts: ScoreOptions) -> Result<Self, Error> {
        let heads: Vec<usize> = if opts.heads.is_empty() {
            (0..bundle.heads.len()).collect()
        } else {
            opts.heads
                .iter()
                .map(|n| {
                    bundle
                        .heads
                        .iter()
                        .position(|h| &h.name == n)
                        .ok_or_else(|| {
                            let known: Vec<&str> =
                                bundle.heads.iter().map(|h| h.name.as_str()).collect();
                            Error::Usage(format!(
                                "the model has no head {n:?} (it has: {})",
                                known.join(", ")
                            ))
                        })
                })
                .collect::<Result<_, _>>()?
        };
        if let Some(p) = opts.min_confidence {
            if !(0.0..=1.0).contains(&p) {
                return Err(Error::Usage(format!(
                    "--min-confidence must be in 0..=1, got {p}"
                )));
            }
        }
        let mut off = vec![0];
        for &i in &heads {
            off.push(off[off.len() - 1] + bundle.heads[i].model.n_classes);
        }
        let fused = Fused::build(bundle, &heads);
        Ok(Scorer {
            bundle,
            heads,
            off,
            opts,
            fused,
        })
    }

    /// Where the `hi`-th selected head's probabilities are in [`Scored::proba`].
    pub fn head_range(&self, hi: usize) -> std::ops::Range<usize> {
        self.off[hi]..self.off[hi + 1]
    }

    /// Output column names.
    pub fn header(&self) -> Vec<String> {
        let mut h = vec!["id".to_string()];
        if self.opts.units {
            h.extend(["source", "kind", "position", "text"].map(String::from));
        }
        h.extend(self.opts.keep.iter().cloned());
        for &i in &self.heads {
            let head = &self.bundle.heads[i];
            h.push(head.name.clone());
            for l in &head.labels {
                h.push(format!("{}_p_{}", head.name, l));
            }
        }
        h.push("error".into());
        h
    }

    /// Scores one text with reusable buffers.
    pub fn score_text(&self, text: &str, s: &mut RowScratch) -> Scored {
        let mut out = Scored {
            labels: vec![None; self.heads.len()],
            proba: vec![0.0; self.off[self.heads.len()]],
        };
        self.score_into(text, s, &mut out.labels, &mut out.proba);
        out
    }

    /// [`Scorer::score_text`] into slices of the selected heads' length and total classes.
    fn score_into(
        &self,
        text: &str,
        s: &mut RowScratch,
        labels: &mut [Option<usize>],
        proba: &mut [f64],
    ) {
        let v = &self.bundle.vectorizer;
        match &self.fused {
            Some(f) => {
                f.scores(v, [text], s);
                proba.copy_from_slice(&s.acc);
            }
            None => {
                v.transform_into(text, &mut s.features, &mut s.indices, &mut s.values);
                let row = SparseRow {
                    indices: &s.indices,
                    values: &s.values,
                };
                for (hi, &i) in self.heads.iter().enumerate() {
                    let m = &self.bundle.heads[i].model;
                    m.scores_into(row, &mut proba[self.head_range(hi)]);
                }
            }
        }
        self.decide(labels, proba);
    }

    /// Turns a row's scores (`proba`, all selected heads' classes) into labels and
    /// probabilities.
    fn decide(&self, labels: &mut [Option<usize>], proba: &mut [f64]) {
        for (hi, &i) in self.heads.iter().enumerate() {
            let m = &self.bundle.heads[i].model;
            let p = &mut proba[self.head_range(hi)];
            // The label is the highest score, as `LinearModel::predict_row` (first on ties), so
            // `score`, `eval` and `explain` agree; the link then gives the probabilities.
            let best = (0..p.len()).fold(0, |b, c| if p[c] > p[b] { c } else { b });
            m.link_inplace(p);
            let top = p[best];
            let abstain = self.opts.min_confidence.is_some_and(|t| top < t);
            labels[hi] = (!abstain).then_some(best);
        }
    }

    /// Scores a batch in parallel, in order.
    pub fn score_batch(&self, batch: &[Result<Record, RowError>]) -> BatchScores {
        /// Rows a job scores in turn: a row's cache lookups are prepared while the one before
        /// is scored (see [`crate::vectorize::Vectorizer::project_rows`]), and a job of many
        /// rows loses less to that pipeline's start, while 4096-row batches still split into
        /// dozens of jobs to balance the threads.
        const JOB_ROWS: usize = 64;
        let (heads, width) = (self.heads.len(), self.off[self.heads.len()]);
        let mut out = BatchScores {
            labels: vec![None; batch.len() * heads],
            proba: vec![0.0; batch.len() * width],
            scored: vec![false; batch.len()],
            heads,
            width,
        };
        // One scratch per worker thread, kept across batches: a scratch per rayon job (as
        // `map_init` gives) would start each split with a cold token cache.
        out.labels
            .par_chunks_mut(heads.max(1) * JOB_ROWS)
            .zip(out.proba.par_chunks_mut(width.max(1) * JOB_ROWS))
            .zip(out.scored.par_chunks_mut(JOB_ROWS))
            .zip(batch.par_chunks(JOB_ROWS))
            .for_each(|(((labels, proba), scored), rows)| {
                ROW_SCRATCH.with(|s| {
                    let s = &mut s.borrow_mut();
                    let out = (labels, proba, scored);
                    self.score_rows(rows, s, out);
                })
            });
        out
    }

    /// Scores consecutive rows into their slices of a [`BatchScores`]: with fused heads, the
    /// rows' projections in one pipelined pass, otherwise row by row.
    fn score_rows(
        &self,
        rows: &[Result<Record, RowError>],
        s: &mut RowScratch,
        (labels, proba, scored): (&mut [Option<usize>], &mut [f64], &mut [bool]),
    ) {
        let (heads, width) = (self.heads.len(), self.off[self.heads.len()]);
        let mut k = 0;
        if let Some(f) = &self.fused {
            let texts = rows.iter().filter_map(|r| r.as_ref().ok());
            f.scores(&self.bundle.vectorizer, texts.map(|r| r.text.as_str()), s);
        }
        for (i, r) in rows.iter().enumerate() {
            let Ok(rec) = r else { continue };
            let (labels, proba) = (
                &mut labels[i * heads..(i + 1) * heads],
                &mut proba[i * width..(i + 1) * width],
            );
            match &self.fused {
                Some(_) => {
                    proba.copy_from_slice(&s.acc[k * width..(k + 1) * width]);
                    self.decide(labels, proba);
                }
                None => self.score_into(&rec.text, s, labels, proba),
            }
            scored[i] = true;
            k += 1;
        }
    }

    /// Writes one output row; `cells` is reused from row to row (an error row, whose id and
    /// message are made here, takes a vector of its own).
    fn write_row<'r>(
        &'r self,
        w: &mut RowWriter,
        item: &'r Result<Record, RowError>,
        scored: Option<ScoredRow<'r>>,
        cells: &mut Vec<Cell<'r>>,
    ) -> std::io::Result<()> {
        match item {
            Ok(rec) => {
                self.row_cells(rec.id.as_str(), Some(rec), None, scored, None, cells);
                w.write_row(cells)
            }
            Err(e) => {
                let id = e.id.clone().unwrap_or_else(|| e.number.to_string());
                let msg = e.kind.to_string();
                let mut cells = Vec::new();
                self.row_cells(&id, None, Some(e), scored, Some(&msg), &mut cells);
                w.write_row(&cells)
            }
        }
    }

    /// The cells of an output row, into `cells` (cleared first).
    fn row_cells<'c>(
        &'c self,
        id: &'c str,
        rec: Option<&'c Record>,
        err: Option<&'c RowError>,
        scored: Option<ScoredRow<'c>>,
        msg: Option<&'c str>,
        cells: &mut Vec<Cell<'c>>,
    ) {
        cells.clear();
        cells.push(Cell::Str(id));
        if self.opts.units {
            let source = rec
                .map(|r| &*r.source)
                .or(err.map(|e| &*e.source))
                .unwrap_or("");
            cells.push(Cell::Str(source));
            match rec.and_then(|r| r.unit) {
                Some(u) => {
                    cells.push(Cell::Str(u.kind.as_str()));
                    cells.push(Cell::Int(u.position as u64));
                }
                None => cells.extend([Cell::Empty, Cell::Empty]),
            }
            cells.push(rec.map_or(Cell::Empty, |r| Cell::Str(&r.text)));
        }
        for k in &self.opts.keep {
            // `text` is the scored text itself; other names are input columns.
            let v = rec.and_then(|r| {
                r.extra
                    .iter()
                    .find(|(n, _)| &**n == k.as_str())
                    .map(|(_, v)| v.as_str())
                    .or((k == "text").then_some(r.text.as_str()))
            });
            cells.push(v.map_or(Cell::Empty, Cell::Str));
        }
        for (hi, &i) in self.heads.iter().enumerate() {
            let head = &self.bundle.heads[i];
            match scored {
                Some(s) => {
                    cells.push(s.labels[hi].map_or(Cell::Empty, |c| Cell::Str(&head.labels[c])));
                    cells.extend(s.proba[self.head_range(hi)].iter().map(|&p| Cell::Num(p)));
                }
                None => cells.extend((0..=head.labels.len()).map(|_| Cell::Empty)),
            }
        }
        cells.push(msg.map_or(Cell::Empty, Cell::Str));
    }

    /// Streams every reader through the scorer into `w`, calling `progress(rows, bytes)` after
    /// each batch; stops early (summary `interrupted`) when `cancel` is set.
    ///
    /// # Errors
    /// Write errors (the caller names the output).
    pub fn run(
        &self,
        readers: Vec<RecordReader>,
        w: &mut RowWriter,
        cancel: &AtomicBool,
        mut progress: impl FnMut(u64, u64),
    ) -> std::io::Result<ScoreSummary> {
        let mut sum = ScoreSummary {
            label_counts: self
                .heads
                .iter()
                .map(|&i| (self.bundle.heads[i].name.clone(), BTreeMap::new(), 0))
                .collect(),
            ..ScoreSummary::default()
        };
        let mut articles: BTreeMap<Arc<str>, ArticleSummary> = BTreeMap::new();
        let mut order: Vec<Arc<str>> = Vec::new();
        let mut bytes_done = 0u64;
        for mut reader in readers {
            let read = |r: &mut RecordReader| -> Vec<Result<Record, RowError>> {
                r.by_ref().take(self.opts.batch_rows).collect()
            };
            let mut batch = read(&mut reader);
            // The batch scored last, written while this one is scored (and the next one read),
            // so the sequential writer overlaps the parallel scoring.
            let mut done: Option<(Batch, BatchScores)> = None;
            while !batch.is_empty() {
                if cancel.load(Ordering::Relaxed) {
                    sum.interrupted = true;
                    break;
                }
                let (scored, next, written) = std::thread::scope(|sc| {
                    let scoring = sc.spawn(|| self.score_batch(&batch));
                    let written = match done.take() {
                        Some((b, s)) => self.emit(w, &b, &s, &mut sum, &mut articles, &mut order),
                        None => Ok(()),
                    };
                    let next = if written.is_ok() {
                        read(&mut reader)
                    } else {
                        Vec::new()
                    };
                    let scored = scoring
                        .join()
                        .unwrap_or_else(|e| std::panic::resume_unwind(e));
                    (scored, next, written)
                });
                written?;
                progress(sum.rows, bytes_done + reader.bytes_read());
                done = Some((std::mem::replace(&mut batch, next), scored));
            }
            if let Some((b, s)) = done.take() {
                self.emit(w, &b, &s, &mut sum, &mut articles, &mut order)?;
                progress(sum.rows, bytes_done + reader.bytes_read());
            }
            bytes_done += reader.bytes_read();
            if sum.interrupted {
                break;
            }
        }
        sum.bytes = bytes_done;
        sum.articles = order
            .iter()
            .map(|s| self.finish_article(articles.remove(s).expect("article entry")))
            .collect();
        Ok(sum)
    }

    /// Writes a scored batch and adds it to the summary.
    fn emit(
        &self,
        w: &mut RowWriter,
        batch: &[Result<Record, RowError>],
        scored: &BatchScores,
        sum: &mut ScoreSummary,
        articles: &mut BTreeMap<Arc<str>, ArticleSummary>,
        order: &mut Vec<Arc<str>>,
    ) -> std::io::Result<()> {
        // the cells of a row, reused by every row of the batch
        let mut cells = Vec::new();
        for (i, item) in batch.iter().enumerate() {
            let s = scored.get(i);
            self.write_row(w, item, s, &mut cells)?;
            sum.rows += 1;
            match (item, s) {
                (Ok(rec), Some(s)) => {
                    self.count(sum, s);
                    if let Some(u) = rec.unit {
                        let a = articles.entry(rec.source.clone()).or_insert_with(|| {
                            order.push(rec.source.clone());
                            ArticleSummary {
                                source: rec.source.to_string(),
                                ..Default::default()
                            }
                        });
                        self.add_unit(a, u.kind, s);
                    }
                }
                _ => sum.errors += 1,
            }
        }
        Ok(())
    }

    fn count(&self, sum: &mut ScoreSummary, s: ScoredRow<'_>) {
        for (hi, &i) in self.heads.iter().enumerate() {
            match s.labels[hi] {
                Some(c) => {
                    // looked up by `&str` first: a `String` key per row was three allocations
                    let label = &self.bundle.heads[i].labels[c];
                    let counts = &mut sum.label_counts[hi].1;
                    match counts.get_mut(label.as_str()) {
                        Some(n) => *n += 1,
                        None => {
                            counts.insert(label.clone(), 1);
                        }
                    }
                }
                None => sum.label_counts[hi].2 += 1,
            }
        }
    }

    fn add_unit(&self, a: &mut ArticleSummary, kind: UnitKind, s: ScoredRow<'_>) {
        if a.heads.is_empty() {
            a.heads = self
                .heads
                .iter()
                .map(|&i| {
                    (
                        self.bundle.heads[i].name.clone(),
                        String::new(),
                        BTreeMap::new(),
                    )
                })
                .collect();
            a.body_proba = self
                .heads
                .iter()
                .map(|&i| vec![0.0; self.bundle.heads[i].labels.len()])
                .collect();
        }
        match kind {
            UnitKind::Comment => {
                a.comments += 1;
                for (hi, &i) in self.heads.iter().enumerate() {
                    let label = s.labels[hi].map_or("(abstained)".to_string(), |c| {
                        self.bundle.heads[i].labels[c].clone()
                    });
                    *a.heads[hi].2.entry(label).or_default() += 1;
                }
            }
            UnitKind::Headline | UnitKind::Paragraph => {
                a.body_units += 1;
                for (hi, acc) in a.body_proba.iter_mut().enumerate() {
                    let p = &s.proba[self.head_range(hi)];
                    acc.iter_mut().zip(p).for_each(|(x, y)| *x += y);
                }
            }
        }
    }

    /// The body's label per head: the argmax of the mean probability over its units, so one
    /// strongly-worded paragraph counts, but a long neutral report stays neutral.
    fn finish_article(&self, mut a: ArticleSummary) -> ArticleSummary {
        for (hi, &i) in self.heads.iter().enumerate() {
            let labels = &self.bundle.heads[i].labels;
            a.heads[hi].1 = if a.body_units == 0 {
                String::new()
            } else {
                let p = &a.body_proba[hi];
                let best = (0..p.len()).fold(0, |b, c| if p[c] > p[b] { c } else { b });
                labels[best].clone()
            };
        }
        a
    }
}

/// Per-thread buffers for scoring.
#[derive(Default)]
pub struct RowScratch {
    features: FeatureScratch,
    indices: Vec<crate::Col>,
    values: Vec<f64>,
    /// Fused scores of all selected heads.
    acc: Vec<f64>,
}

thread_local! {
    /// Each worker thread's [`RowScratch`] for [`Scorer::score_batch`] (bounded, as the
    /// vectorizer's caches are; never changes a row).
    static ROW_SCRATCH: std::cell::RefCell<RowScratch> = std::cell::RefCell::new(RowScratch::default());
}

impl Fused {
    /// The fused scores of `texts` into `s.acc`, side by side, each row from the intercepts.
    fn scores<'t>(
        &self,
        v: &crate::vectorize::Vectorizer,
        texts: impl IntoIterator<Item = &'t str, IntoIter: Clone>,
        s: &mut RowScratch,
    ) {
        let texts = texts.into_iter();
        s.acc.clear();
        for _ in texts.clone() {
            s.acc.extend_from_slice(&self.intercept);
        }
        v.project_rows(texts, &mut s.features, &self.proj, &mut s.acc);
    }

    /// `None` when a head's model is narrower than the vectorizer (its scorer ignores the
    /// extra columns; the per-head path keeps that behaviour).
    fn build(bundle: &Bundle, heads: &[usize]) -> Option<Fused> {
        let n = bundle.vectorizer.n_features();
        let models: Vec<_> = heads.iter().map(|&i| &bundle.heads[i].model).collect();
        if models.is_empty() || models.iter().any(|m| m.n_features < n) {
            return None;
        }
        let width = models.iter().map(|m| m.n_classes).sum();
        let mut w = Vec::with_capacity(n * width);
        for j in 0..n {
            for m in &models {
                let k = m.n_classes;
                w.extend_from_slice(&m.weights[j * k..(j + 1) * k]);
            }
        }
        let intercept = models
            .iter()
            .flat_map(|m| m.intercept.iter().copied())
            .collect();
        Some(Fused {
            proj: Projection::new(width, w)?,
            intercept,
        })
    }
}

impl ScoreSummary {
    /// The end-of-run summary lines (for stderr).
    pub fn describe(&self, seconds: f64) -> String {
        let mb = self.bytes as f64 / 1e6;
        let mut s = format!(
            "{} rows, {} error rows, {:.2} MB in {:.2} s ({:.1} MB/s, {:.0} rows/s){}\n",
            self.rows,
            self.errors,
            mb,
            seconds,
            mb / seconds.max(1e-9),
            self.rows as f64 / seconds.max(1e-9),
            if self.interrupted {
                "; INTERRUPTED"
            } else {
                ""
            }
        );
        for (head, counts, abstained) in &self.label_counts {
            let c: Vec<String> = counts.iter().map(|(l, n)| format!("{l}={n}")).collect();
            s += &format!("  {head:<12} {}", c.join(" "));
            if *abstained > 0 {
                s += &format!(" abstained={abstained}");
            }
            s += "\n";
        }
        s
    }

    /// The per-article table (raw inputs): body label and comment distribution per head.
    pub fn article_table(&self) -> String {
        let mut s = String::new();
        for a in &self.articles {
            s += &format!(
                "{} ({} body units, {} comments)\n",
                a.source, a.body_units, a.comments
            );
            for (head, body, comments) in &a.heads {
                let c: Vec<String> = comments.iter().map(|(l, n)| format!("{l}={n}")).collect();
                s += &format!(
                    "  {head:<12} body: {:<9} comments: {}\n",
                    if body.is_empty() { "-" } else { body },
                    if c.is_empty() {
                        "-".to_string()
                    } else {
                        c.join(" ")
                    }
                );
            }
        }
        s
    }
}
