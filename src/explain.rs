//! Why a head gave a text its label: per-feature contributions to each class's score.
//!
//! A head is linear: `score_c = intercept_c + Σ_j x_j · w[j, c]`, where `x` is the text's TF-IDF
//! row. The *contribution* of feature `j` to class `c` is `x_j · w[j, c]` (tf-idf value times
//! weight), so the intercept plus all contributions is the score exactly (up to float
//! summation order). [`explain`] lists the largest contributions each way; the ones it leaves
//! out are summed into [`ClassExplanation::rest`], so `intercept + Σ listed + rest = score`
//! always holds.
//!
//! [`highlight`] maps contributions back onto the text for display (the HTML report uses it):
//! the text is cut into whitespace-separated *chunks*; each chunk is analyzed with the model's
//! own tokenizer chain, and every occurrence of a feature is located in the chunk(s) it comes
//! from: a word n-gram in the chunks of its words (stemmed forms, so "talks" carries the
//! feature `w:talk`), a char n-gram in the chunk of the word it was cut from. A feature's
//! contribution is shared equally among its occurrences, and an occurrence's share equally
//! among its chunks, so the chunks' scores add up to the contributions that were located
//! (all of them, unless the splitter cuts a chunk differently on its own than inside the whole
//! text, which only happens for unusual tokens such as URLs glued to punctuation).

use serde::{Deserialize, Serialize};

use crate::bundle::{Bundle, Head};
use crate::model::LinearModel;
use crate::tokenize::hash::hash_bytes;
use crate::tokenize::{Block, Scratch};
use crate::vectorize::sparse::Scalar;
use crate::vectorize::{FeatureSpace, Vectorizer};
use crate::SparseRow;

/// One feature's part in one class's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    /// `w:term` (word n-gram), `c:term` (char n-gram), or `w#k`/`c#k` in hashing mode.
    pub feature: String,
    /// Column in the feature row.
    pub column: usize,
    /// TF-IDF value of the feature in this text.
    pub value: f64,
    /// The head's weight of the feature for this class.
    pub weight: f64,
    /// `value * weight`.
    pub contribution: f64,
}

/// The contributions to one class's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassExplanation {
    pub label: String,
    /// Raw score (decision function): `intercept + Σ contributions + rest`.
    pub score: f64,
    pub intercept: f64,
    /// The largest positive contributions, largest first, then the most negative ones, most
    /// negative last (at most `top_n` each way).
    pub contributions: Vec<Contribution>,
    /// Sum of the contributions not listed.
    pub rest: f64,
}

/// Label, probabilities and contributions of one text for one head.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    pub head: String,
    /// The predicted label (argmax of the scores, as `predict` does).
    pub label: String,
    /// `(label, probability)` in the head's label order.
    pub probabilities: Vec<(String, f64)>,
    /// Per class, in the head's label order.
    pub classes: Vec<ClassExplanation>,
}

impl Explanation {
    /// The explanation of the predicted class.
    pub fn predicted(&self) -> &ClassExplanation {
        self.classes
            .iter()
            .find(|c| c.label == self.label)
            .expect("the predicted label is one of the classes")
    }
}

/// Explains `head`'s label for `text`: see the module docs. `top_n = 0` lists every non-zero
/// contribution.
///
/// # Errors
/// An unknown head name (the message lists the known ones).
pub fn explain(
    bundle: &Bundle,
    head: &str,
    text: &str,
    top_n: usize,
) -> Result<Explanation, String> {
    let h = bundle.head(head).ok_or_else(|| {
        let known: Vec<&str> = bundle.heads.iter().map(|h| h.name.as_str()).collect();
        format!(
            "no head {head:?} in the model (it has: {})",
            known.join(", ")
        )
    })?;
    let x = bundle.vectorizer.transform_row(text);
    Ok(explain_row(&bundle.vectorizer, h, x.view(), top_n))
}

/// As [`explain`], for an already vectorized row (in `f64`, as the scorer's, to report its
/// numbers: see [`Vectorizer::transform_row`]).
pub fn explain_row<V: Scalar>(
    v: &Vectorizer,
    head: &Head,
    row: SparseRow<'_, V>,
    top_n: usize,
) -> Explanation {
    let m = &head.model;
    let k = m.n_classes;
    let mut scores = vec![0.0; k];
    m.scores_into(row, &mut scores);
    // the model's prediction: highest score (see `LinearModel::predict_row`)
    let label_ix = argmax(&scores);
    let mut proba = scores.clone();
    m.link_inplace(&mut proba);
    let classes = (0..k)
        .map(|c| {
            let mut all: Vec<Contribution> = row
                .iter()
                .filter(|&(j, _)| j < m.n_features)
                .map(|(j, value)| {
                    let weight = m.weights[j * k + c];
                    Contribution {
                        feature: v.feature_name(j).unwrap_or_else(|| format!("#{j}")),
                        column: j,
                        value,
                        weight,
                        contribution: value * weight,
                    }
                })
                .filter(|c| c.contribution != 0.0)
                .collect();
            all.sort_by(|a, b| {
                b.contribution
                    .total_cmp(&a.contribution)
                    .then(a.column.cmp(&b.column))
            });
            let (listed, rest) = if top_n == 0 {
                (all, 0.0)
            } else {
                let n_pos = all
                    .iter()
                    .take_while(|c| c.contribution > 0.0)
                    .count()
                    .min(top_n);
                let n_neg = all
                    .iter()
                    .rev()
                    .take_while(|c| c.contribution < 0.0)
                    .count()
                    .min(top_n);
                let len = all.len();
                let rest: f64 = all[n_pos..len - n_neg].iter().map(|c| c.contribution).sum();
                let mut listed: Vec<Contribution> = all[..n_pos].to_vec();
                listed.extend_from_slice(&all[len - n_neg..]);
                (listed, rest)
            };
            ClassExplanation {
                label: head.labels[c].clone(),
                score: scores[c],
                intercept: m.intercept[c],
                contributions: listed,
                rest,
            }
        })
        .collect();
    Explanation {
        head: head.name.clone(),
        label: head.labels[label_ix].clone(),
        probabilities: head.labels.iter().cloned().zip(proba).collect(),
        classes,
    }
}

fn argmax(v: &[f64]) -> usize {
    let mut best = 0;
    for (i, &s) in v.iter().enumerate() {
        if s > v[best] || v[best].is_nan() {
            best = i;
        }
    }
    best
}

/// The features with the largest weights for each class of a model: `(feature, weight)`,
/// largest first, `n` per class, in label order.
pub fn top_features(v: &Vectorizer, m: &LinearModel, n: usize) -> Vec<Vec<(String, f64)>> {
    let k = m.n_classes;
    (0..k)
        .map(|c| {
            let mut idx: Vec<usize> = (0..m.n_features).collect();
            let key = |j: &usize| m.weights[j * k + c];
            let n = n.min(idx.len());
            if n == 0 {
                return Vec::new();
            }
            if n < idx.len() {
                idx.select_nth_unstable_by(n - 1, |a, b| key(b).total_cmp(&key(a)).then(a.cmp(b)));
                idx.truncate(n);
            }
            idx.sort_by(|a, b| key(b).total_cmp(&key(a)).then(a.cmp(b)));
            idx.into_iter()
                .map(|j| {
                    (
                        v.feature_name(j).unwrap_or_else(|| format!("#{j}")),
                        key(&j),
                    )
                })
                .collect()
        })
        .collect()
}

/// A piece of the original text and its share of one class's feature contributions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Span {
    /// Byte range in the original text (a whitespace-separated chunk).
    pub start: usize,
    pub end: usize,
    /// Sum of the shares of every feature occurrence located in this chunk.
    pub contribution: f64,
    /// The features located here and their shares, largest magnitude first (at most 5).
    pub features: Vec<(String, f64)>,
}

/// Cuts `text` into whitespace-separated chunks and gives each its share of class `class`'s
/// contributions under `head` (see the module docs). Chunks with no located feature are left
/// out; spans are in text order.
pub fn highlight(v: &Vectorizer, head: &Head, class: usize, text: &str) -> Vec<Span> {
    let m = &head.model;
    let k = m.n_classes;
    let row = v.transform_row(text);
    let row = row.view();
    let contrib = |j: usize| -> f64 {
        let found = crate::Col::try_from(j).map(|c| row.indices.binary_search(&c));
        match found {
            Ok(Ok(p)) if j < m.n_features => row.values[p] * m.weights[j * k + class],
            _ => 0.0,
        }
    };
    let a = v.analyzer();
    let tc = a.config();
    let chunks: Vec<(usize, usize)> = chunk_ranges(text);
    // Word forms in text order with the chunk they come from; char n-gram columns per chunk.
    let mut forms: Vec<(usize, String)> = Vec::new();
    let mut char_occ: Vec<(usize, usize)> = Vec::new(); // (chunk, column)
    let mut s = Scratch::default();
    let mut cs = crate::tokenize::CharScratch::default();
    for (ci, &(st, en)) in chunks.iter().enumerate() {
        a.split_into(&text[st..en], &mut s);
        if tc.word_ngrams.is_some() {
            for (t, stemmable) in s.raw_tokens() {
                let mut f = String::new();
                if a.word_form(t, stemmable, &mut f) {
                    forms.push((ci, f));
                }
            }
        }
        if tc.char_ngrams.is_some() {
            let mut cols = Vec::new();
            for chunk in a.char_chunks(&s) {
                a.for_each_char_ngram(chunk, &mut cs, |g| {
                    if let Some(j) = column(v, Block::Char, g) {
                        cols.push(j);
                    }
                });
            }
            char_occ.extend(cols.into_iter().map(|j| (ci, j)));
        }
    }
    // Occurrences: (column, chunks it spans).
    let mut occ: Vec<(usize, Vec<usize>)> = Vec::new();
    if let Some(r) = tc.word_ngrams {
        let n_tok = forms.len();
        let mut g = String::new();
        for n in r.min..=r.max.min(n_tok) {
            for i in 0..=(n_tok - n) {
                g.clear();
                for (q, (_, f)) in forms[i..i + n].iter().enumerate() {
                    if q > 0 {
                        g.push(' ');
                    }
                    g.push_str(f);
                }
                if let Some(j) = column(v, Block::Word, &g) {
                    let mut cis: Vec<usize> = forms[i..i + n].iter().map(|(c, _)| *c).collect();
                    cis.dedup();
                    occ.push((j, cis));
                }
            }
        }
    }
    occ.extend(char_occ.into_iter().map(|(c, j)| (j, vec![c])));
    let mut count: std::collections::HashMap<usize, usize> = Default::default();
    for (j, _) in &occ {
        *count.entry(*j).or_default() += 1;
    }
    let mut per_chunk: Vec<std::collections::BTreeMap<usize, f64>> =
        vec![Default::default(); chunks.len()];
    for (j, cis) in &occ {
        let c = contrib(*j);
        if c == 0.0 {
            continue;
        }
        let share = c / count[j] as f64 / cis.len() as f64;
        for &ci in cis {
            *per_chunk[ci].entry(*j).or_default() += share;
        }
    }
    chunks
        .iter()
        .zip(per_chunk)
        .filter(|(_, f)| !f.is_empty())
        .map(|(&(start, end), f)| {
            let mut features: Vec<(String, f64)> = f
                .iter()
                .map(|(&j, &c)| (v.feature_name(j).unwrap_or_else(|| format!("#{j}")), c))
                .collect();
            let contribution = features.iter().map(|(_, c)| c).sum();
            features.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(&b.0)));
            features.truncate(5);
            Span {
                start,
                end,
                contribution,
                features,
            }
        })
        .collect()
}

/// Byte ranges of the whitespace-separated chunks of `text`.
fn chunk_ranges(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, ch) in text.char_indices() {
        if ch.is_whitespace() {
            if let Some(s) = start.take() {
                out.push((s, i));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        out.push((s, text.len()));
    }
    out
}

/// The column of an n-gram of `block`, if it is a feature (as the vectorizer looks it up).
fn column(v: &Vectorizer, block: Block, g: &str) -> Option<usize> {
    let b = v.blocks().iter().find(|b| b.block == block)?;
    match v.config().space {
        FeatureSpace::Hashing { bits } => {
            Some(b.offset + (hash_bytes(g.as_bytes()) % (1u64 << bits)) as usize)
        }
        FeatureSpace::Vocabulary => b
            .terms
            .binary_search_by(|t| t.as_str().cmp(g))
            .ok()
            .map(|k| b.offset + k),
    }
}

/// A feature name for display: char n-grams show their padding spaces as `␣` (so `c: day`
/// and `c:day ` are told apart); everything else as is.
pub fn display_feature(name: &str) -> String {
    match name.strip_prefix("c:") {
        Some(g) => format!("c:{}", g.replace(' ', "␣")),
        None => name.to_string(),
    }
}
