//! Vocabulary, TF-IDF with idf fitted once and stored, sparse rows.
//!
//! The formulas are scikit-learn's `TfidfVectorizer` (smooth idf `ln((1+n)/(1+df)) + 1`,
//! sublinear tf `1 + ln(tf)`, l2 norm), so a user can check our features against theirs; the
//! word and char blocks are each normalized on their own and laid side by side in one row, as
//! scikit-learn's `FeatureUnion` of two vectorizers does. A fitted [`Vectorizer`] carries
//! everything transform needs: nothing is recomputed from the batch at hand, so
//! `transform_one(doc)` equals the matching row of `transform(docs)`.
//!
//! N-grams are looked up by a stable 64-bit hash of their text (see [`crate::tokenize::hash`]),
//! so no `String` is built per n-gram on the hot path; the vocabulary keeps the strings for
//! inspection. In hashing mode the hash modulo the bucket count is the feature, and no strings
//! are kept at all: for vocabularies too large to hold.

mod inspect;
pub mod sparse;

pub use inspect::TermInfo;

use std::collections::HashMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::tokenize::hash::{hash_bytes, BuildPassThrough};
use crate::tokenize::{Analyzer, Block, CharScratch, Scratch, TokenizeError, TokenizerConfig};
use sparse::SparseRows;

/// Errors fitting or configuring a vectorizer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VectorizeError {
    #[error(transparent)]
    Tokenize(#[from] TokenizeError),
    #[error("no documents to fit on")]
    NoDocuments,
    #[error("empty vocabulary: no term of the {0} block survives min_df/max_df (or every document is empty)")]
    EmptyVocabulary(&'static str),
    #[error("invalid document-frequency bounds: {0}")]
    BadDfBounds(String),
    #[error("invalid hashing size 2^{0}: use 10..=28 bits")]
    BadHashingBits(u8),
}

/// A document-frequency bound: an absolute count or a fraction of the documents.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "lowercase")]
pub enum DfBound {
    Count(usize),
    Fraction(f64),
}

impl DfBound {
    fn resolve(self, n_docs: usize) -> f64 {
        match self {
            DfBound::Count(c) => c as f64,
            DfBound::Fraction(f) => f * n_docs as f64,
        }
    }
}

impl std::str::FromStr for DfBound {
    type Err = String;
    /// "3" is a count, "0.5" or "1.0" a fraction (as scikit-learn reads int vs float).
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.contains('.') {
            let f: f64 = s.parse().map_err(|_| format!("not a number: {s:?}"))?;
            if !(0.0..=1.0).contains(&f) {
                return Err(format!("fraction {f} outside 0.0..=1.0"));
            }
            Ok(DfBound::Fraction(f))
        } else {
            s.parse()
                .map(DfBound::Count)
                .map_err(|_| format!("not a count: {s:?}"))
        }
    }
}

/// Row normalization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Norm {
    L2,
    None,
}

/// How n-grams become feature indices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum FeatureSpace {
    /// A fitted vocabulary: exact, inspectable, pruned by df and `max_features`.
    Vocabulary,
    /// `2^bits` buckets per block: bounded memory whatever the corpus; not inspectable.
    Hashing { bits: u8 },
}

/// Everything that shapes features; stored in every model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VectorizerConfig {
    pub tokenizer: TokenizerConfig,
    pub space: FeatureSpace,
    pub min_df: DfBound,
    pub max_df: DfBound,
    /// Per block: keep the most frequent terms (by total count; ties by term order).
    pub max_features: Option<usize>,
    pub sublinear_tf: bool,
    pub smooth_idf: bool,
    pub use_idf: bool,
    pub norm: Norm,
}

impl Default for VectorizerConfig {
    fn default() -> Self {
        VectorizerConfig {
            tokenizer: TokenizerConfig::default(),
            space: FeatureSpace::Vocabulary,
            min_df: DfBound::Count(1),
            max_df: DfBound::Fraction(1.0),
            max_features: None,
            sublinear_tf: true,
            smooth_idf: true,
            use_idf: true,
            norm: Norm::L2,
        }
    }
}

/// One fitted block (word or char n-grams) of the feature row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlockVocab {
    pub block: Block,
    /// Index of this block's first column in the row.
    pub offset: usize,
    /// Number of columns.
    pub len: usize,
    /// Sorted terms (vocabulary mode); empty in hashing mode.
    pub terms: Vec<String>,
    /// Document frequency of each column in the fitting data.
    pub df: Vec<u32>,
    pub idf: Vec<f64>,
}

/// Facts about a fit, for the CLI's summary.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FitStats {
    pub n_docs: usize,
    /// Distinct n-grams seen per block before pruning.
    pub seen: Vec<(Block, usize)>,
    /// Distinct n-grams whose 64-bit hashes collided (the smaller string kept); expected 0.
    pub hash_collisions: usize,
}

/// A fitted vectorizer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "VectorizerData", into = "VectorizerData")]
pub struct Vectorizer {
    /// Process-unique id, so a scratch's caches are never used with another vectorizer.
    id: u64,
    config: VectorizerConfig,
    analyzer: Analyzer,
    n_docs: usize,
    blocks: Vec<BlockVocab>,
    lookup: Vec<HashMap<u64, u32, BuildPassThrough>>,
}

#[derive(Serialize, Deserialize)]
struct VectorizerData {
    config: VectorizerConfig,
    n_docs: usize,
    blocks: Vec<BlockVocab>,
}

impl From<Vectorizer> for VectorizerData {
    fn from(v: Vectorizer) -> Self {
        VectorizerData {
            config: v.config,
            n_docs: v.n_docs,
            blocks: v.blocks,
        }
    }
}

impl TryFrom<VectorizerData> for Vectorizer {
    type Error = VectorizeError;
    fn try_from(d: VectorizerData) -> Result<Self, Self::Error> {
        Vectorizer::from_parts(d.config, d.n_docs, d.blocks)
    }
}

/// Reusable per-thread buffers and caches for [`Vectorizer::transform_into`].
///
/// Word frequencies are Zipfian, so most tokens of a document were seen moments ago: the caches
/// map a raw token to its final form and unigram column, and a char chunk to its char n-gram
/// columns, replacing ~20 vocabulary probes (each a likely cache miss in a table of a million
/// n-grams) with one probe in a small, hot table. Caches are bounded and belong to one
/// vectorizer; they are cleared when the scratch is used with another.
#[derive(Default)]
pub struct FeatureScratch {
    tok: Scratch,
    chars: CharScratch,
    owner: u64,
    words: HashMap<Box<str>, WordEntry, BuildPassThrough>,
    chunks: HashMap<Box<str>, Box<[u32]>, BuildPassThrough>,
    forms: String,
    spans: Vec<(usize, usize, Option<u32>)>,
    ngram: String,
    /// Per-column counts for the current document (zero between documents) and the columns
    /// touched: counting in place avoids sorting every n-gram occurrence; only the distinct
    /// columns are sorted.
    counts: Vec<u16>,
    touched: Vec<u32>,
}

struct WordEntry {
    /// Final form (e.g. stem); `None` when a filter drops the token.
    form: Option<Box<str>>,
    unigram: Option<u32>,
}

/// Entries per cache before it is cleared (bounds memory per thread to a few MB).
const CACHE_MAX: usize = 100_000;

static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// Per-block n-gram statistics gathered while fitting.
#[derive(Default)]
struct Counts {
    /// hash (or bucket) -> (df, total count, term)
    map: HashMap<u64, (u32, u64, Option<Box<str>>), BuildPassThrough>,
    collisions: usize,
}

impl Counts {
    fn merge(&mut self, other: Counts) {
        self.collisions += other.collisions;
        for (k, (df, tf, term)) in other.map {
            let e = self.map.entry(k).or_insert((0, 0, None));
            e.0 += df;
            e.1 += tf;
            match (&mut e.2, term) {
                (slot @ None, t) => *slot = t,
                (Some(a), Some(b)) if **a != *b => {
                    self.collisions += 1;
                    if *b < **a {
                        *a = b;
                    }
                }
                _ => {}
            }
        }
    }
}

fn block_index(b: Block) -> usize {
    match b {
        Block::Word => 0,
        Block::Char => 1,
    }
}

impl Vectorizer {
    /// Fits vocabulary and idf on `docs`.
    ///
    /// # Errors
    /// Bad tokenizer or df settings, no documents, or a block whose vocabulary ends up empty.
    pub fn fit<S: AsRef<str> + Sync>(
        config: VectorizerConfig,
        docs: &[S],
    ) -> Result<(Self, FitStats), VectorizeError> {
        let analyzer = Analyzer::new(config.tokenizer.clone())?;
        if docs.is_empty() {
            return Err(VectorizeError::NoDocuments);
        }
        let buckets = match config.space {
            FeatureSpace::Vocabulary => None,
            FeatureSpace::Hashing { bits } if (10..=28).contains(&bits) => Some(1u64 << bits),
            FeatureSpace::Hashing { bits } => return Err(VectorizeError::BadHashingBits(bits)),
        };
        let n = docs.len();
        let (min_c, max_c) = (config.min_df.resolve(n), config.max_df.resolve(n));
        if min_c > max_c {
            return Err(VectorizeError::BadDfBounds(format!(
                "min_df ({min_c} documents) is above max_df ({max_c} documents)"
            )));
        }
        // Fixed chunks merged in order: the result is the same whatever the thread count.
        let chunks: Vec<[Counts; 2]> = docs
            .par_chunks(512)
            .map(|chunk| {
                let mut counts: [Counts; 2] = Default::default();
                let mut s = Scratch::default();
                let mut seen: [Vec<u64>; 2] = Default::default();
                for doc in chunk {
                    seen[0].clear();
                    seen[1].clear();
                    analyzer.for_each_ngram(doc.as_ref(), &mut s, |b, g| {
                        let bi = block_index(b);
                        let h = hash_bytes(g.as_bytes());
                        let key = buckets.map_or(h, |m| h % m);
                        seen[bi].push(key);
                        let e = counts[bi].map.entry(key).or_insert((0, 0, None));
                        if buckets.is_none() {
                            match &e.2 {
                                None => e.2 = Some(g.into()),
                                Some(t) if **t != *g => counts[bi].collisions += 1,
                                _ => {}
                            }
                        }
                    });
                    for bi in 0..2 {
                        let v = &mut seen[bi];
                        v.sort_unstable();
                        let mut i = 0;
                        while i < v.len() {
                            let mut j = i + 1;
                            while j < v.len() && v[j] == v[i] {
                                j += 1;
                            }
                            let e = counts[bi].map.get_mut(&v[i]).expect("inserted above");
                            e.0 += 1;
                            e.1 += (j - i) as u64;
                            i = j;
                        }
                    }
                }
                counts
            })
            .collect();
        let mut total: [Counts; 2] = Default::default();
        for [w, c] in chunks {
            total[0].merge(w);
            total[1].merge(c);
        }
        let mut stats = FitStats {
            n_docs: n,
            ..FitStats::default()
        };
        let mut blocks = Vec::new();
        let mut offset = 0;
        for (bi, block) in [(0, Block::Word), (1, Block::Char)] {
            let enabled = match block {
                Block::Word => config.tokenizer.word_ngrams.is_some(),
                Block::Char => config.tokenizer.char_ngrams.is_some(),
            };
            if !enabled {
                continue;
            }
            let counts = std::mem::take(&mut total[bi]);
            stats.seen.push((block, counts.map.len()));
            stats.hash_collisions += counts.collisions;
            let name = match block {
                Block::Word => "word",
                Block::Char => "char",
            };
            let bv = match buckets {
                Some(m) => {
                    let mut df = vec![0u32; m as usize];
                    for (k, (d, _, _)) in &counts.map {
                        df[*k as usize] = *d;
                    }
                    let idf = df.iter().map(|&d| idf(&config, n, d)).collect();
                    BlockVocab {
                        block,
                        offset,
                        len: m as usize,
                        terms: vec![],
                        df,
                        idf,
                    }
                }
                None => {
                    let mut kept: Vec<(Box<str>, u32, u64)> = counts
                        .map
                        .into_values()
                        .filter(|(d, _, _)| {
                            let d = f64::from(*d);
                            d >= min_c && d <= max_c
                        })
                        .map(|(d, t, term)| (term.expect("vocabulary mode keeps terms"), d, t))
                        .collect();
                    kept.sort_unstable_by(|a, b| a.0.cmp(&b.0));
                    if let Some(limit) = config.max_features {
                        if kept.len() > limit {
                            let mut order: Vec<usize> = (0..kept.len()).collect();
                            // stable by term order on ties, as scikit-learn's stable argsort
                            order.sort_by(|&a, &b| kept[b].2.cmp(&kept[a].2).then(a.cmp(&b)));
                            let mut keep = vec![false; kept.len()];
                            for &i in &order[..limit] {
                                keep[i] = true;
                            }
                            let mut it = keep.iter();
                            kept.retain(|_| *it.next().expect("same length"));
                        }
                    }
                    if kept.is_empty() {
                        return Err(VectorizeError::EmptyVocabulary(name));
                    }
                    let df: Vec<u32> = kept.iter().map(|k| k.1).collect();
                    BlockVocab {
                        block,
                        offset,
                        len: kept.len(),
                        idf: df.iter().map(|&d| idf(&config, n, d)).collect(),
                        df,
                        terms: kept.into_iter().map(|k| k.0.into_string()).collect(),
                    }
                }
            };
            offset += bv.len;
            blocks.push(bv);
        }
        let v = Vectorizer::from_parts(config, n, blocks)?;
        Ok((v, stats))
    }

    /// Rebuilds a fitted vectorizer from its stored parts (the lookup tables are derived).
    ///
    /// # Errors
    /// When the tokenizer config is invalid.
    pub fn from_parts(
        config: VectorizerConfig,
        n_docs: usize,
        blocks: Vec<BlockVocab>,
    ) -> Result<Self, VectorizeError> {
        let analyzer = Analyzer::new(config.tokenizer.clone())?;
        let mut lookup = vec![HashMap::default(), HashMap::default()];
        for b in &blocks {
            let map = &mut lookup[block_index(b.block)];
            map.reserve(b.terms.len());
            for (i, t) in b.terms.iter().enumerate() {
                map.insert(hash_bytes(t.as_bytes()), i as u32);
            }
        }
        Ok(Vectorizer {
            id: NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            config,
            analyzer,
            n_docs,
            blocks,
            lookup,
        })
    }

    pub fn config(&self) -> &VectorizerConfig {
        &self.config
    }

    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    pub fn blocks(&self) -> &[BlockVocab] {
        &self.blocks
    }

    /// Total number of columns.
    pub fn n_features(&self) -> usize {
        self.blocks.iter().map(|b| b.len).sum()
    }

    /// The name of column `j` (`w:term`, `c:term`, or `w#bucket` in hashing mode).
    pub fn feature_name(&self, j: usize) -> Option<String> {
        let b = self
            .blocks
            .iter()
            .find(|b| j >= b.offset && j < b.offset + b.len)?;
        let p = match b.block {
            Block::Word => 'w',
            Block::Char => 'c',
        };
        let k = j - b.offset;
        Some(match b.terms.get(k) {
            Some(t) => format!("{p}:{t}"),
            None => format!("{p}#{k}"),
        })
    }

    /// The column (block-local) of an n-gram, if it is a feature.
    #[inline]
    fn column(&self, bi: usize, g: &str) -> Option<u32> {
        let h = hash_bytes(g.as_bytes());
        match self.config.space {
            FeatureSpace::Hashing { bits } => Some((h % (1u64 << bits)) as u32),
            FeatureSpace::Vocabulary => self.lookup[bi].get(&h).copied(),
        }
    }

    /// Writes the TF-IDF row of `doc` into `indices`/`values` (cleared first); allocation-free
    /// once the buffers and caches have warmed up.
    pub fn transform_into(
        &self,
        doc: &str,
        s: &mut FeatureScratch,
        indices: &mut Vec<usize>,
        values: &mut Vec<f64>,
    ) {
        indices.clear();
        values.clear();
        if s.owner != self.id {
            s.words.clear();
            s.chunks.clear();
            s.owner = self.id;
        }
        if s.words.len() > CACHE_MAX {
            s.words.clear();
        }
        if s.chunks.len() > CACHE_MAX {
            s.chunks.clear();
        }
        let FeatureScratch {
            tok,
            chars,
            words,
            chunks,
            forms,
            spans,
            ngram,
            counts,
            touched,
            ..
        } = s;
        counts.resize(self.n_features(), 0);
        touched.clear();
        let mut add = |j: u32| {
            let c = &mut counts[j as usize];
            if *c == 0 {
                touched.push(j);
            }
            *c = c.saturating_add(1);
        };
        let a = &self.analyzer;
        a.split_into(doc, tok);
        let tc = &self.config.tokenizer;
        let (word_off, char_off) = self.block_offsets();
        if let Some(r) = tc.word_ngrams {
            forms.clear();
            spans.clear();
            for (t, stemmable) in tok.raw_tokens() {
                let e = match words.get(t) {
                    Some(e) => e,
                    None => {
                        let mut f = String::new();
                        let entry = if a.word_form(t, stemmable, &mut f) {
                            WordEntry {
                                unigram: self.column(0, &f),
                                form: Some(f.into_boxed_str()),
                            }
                        } else {
                            WordEntry {
                                form: None,
                                unigram: None,
                            }
                        };
                        words.entry(t.into()).or_insert(entry)
                    }
                };
                if let Some(f) = &e.form {
                    let start = forms.len();
                    forms.push_str(f);
                    spans.push((start, forms.len(), e.unigram));
                }
            }
            let n_tok = spans.len();
            for n in r.min..=r.max.min(n_tok) {
                for i in 0..=(n_tok - n) {
                    if n == 1 {
                        if let Some(j) = spans[i].2 {
                            add(word_off + j);
                        }
                        continue;
                    }
                    ngram.clear();
                    for (k, &(x, y, _)) in spans[i..i + n].iter().enumerate() {
                        if k > 0 {
                            ngram.push(' ');
                        }
                        ngram.push_str(&forms[x..y]);
                    }
                    if let Some(j) = self.column(0, ngram) {
                        add(word_off + j);
                    }
                }
            }
        }
        if tc.char_ngrams.is_some() {
            a.for_each_char_chunk(tok, |chunk| {
                let found = match chunks.get(chunk) {
                    Some(c) => c,
                    None => {
                        let mut v = Vec::new();
                        a.for_each_char_ngram(chunk, chars, |g| v.extend(self.column(1, g)));
                        chunks.entry(chunk.into()).or_insert(v.into_boxed_slice())
                    }
                };
                for &j in found.iter() {
                    add(char_off + j);
                }
            });
        }
        touched.sort_unstable();
        indices.reserve(touched.len());
        values.reserve(touched.len());
        let mut start = 0;
        for b in &self.blocks {
            let end =
                start + touched[start..].partition_point(|&j| (j as usize) < b.offset + b.len);
            for &j in &touched[start..end] {
                let j = j as usize;
                let count = f64::from(std::mem::take(&mut counts[j]));
                let tf = if self.config.sublinear_tf {
                    1.0 + count.ln()
                } else {
                    count
                };
                indices.push(j);
                values.push(if self.config.use_idf {
                    tf * b.idf[j - b.offset]
                } else {
                    tf
                });
            }
            if self.config.norm == Norm::L2 {
                let norm = values[start..end].iter().map(|v| v * v).sum::<f64>().sqrt();
                if norm > 0.0 {
                    for v in &mut values[start..end] {
                        *v /= norm;
                    }
                }
            }
            start = end;
        }
    }

    /// Row offsets of the word and char blocks (0 for an absent block: it emits nothing).
    fn block_offsets(&self) -> (u32, u32) {
        let off = |k: Block| {
            self.blocks
                .iter()
                .find(|b| b.block == k)
                .map_or(0, |b| b.offset as u32)
        };
        (off(Block::Word), off(Block::Char))
    }

    /// The TF-IDF row of one document, as a one-row matrix.
    pub fn transform_one(&self, doc: &str) -> SparseRows {
        let (mut i, mut v) = (Vec::new(), Vec::new());
        self.transform_into(doc, &mut FeatureScratch::default(), &mut i, &mut v);
        SparseRows::from_rows(self.n_features(), [(i, v)]).expect("rows are sorted and in range")
    }

    /// TF-IDF rows of many documents, in parallel, in input order.
    pub fn transform<S: AsRef<str> + Sync>(&self, docs: &[S]) -> SparseRows {
        let rows: Vec<(Vec<usize>, Vec<f64>)> = docs
            .par_iter()
            .map_init(FeatureScratch::default, |s, d| {
                let (mut i, mut v) = (Vec::new(), Vec::new());
                self.transform_into(d.as_ref(), s, &mut i, &mut v);
                (i, v)
            })
            .collect();
        SparseRows::from_rows(self.n_features(), rows).expect("rows are sorted and in range")
    }
}

fn idf(config: &VectorizerConfig, n: usize, df: u32) -> f64 {
    let (n, df) = (n as f64, f64::from(df));
    if config.smooth_idf {
        ((1.0 + n) / (1.0 + df)).ln() + 1.0
    } else if df > 0.0 {
        (n / df).ln() + 1.0
    } else {
        1.0
    }
}

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analyzer")
            .field("config", self.config())
            .finish()
    }
}
