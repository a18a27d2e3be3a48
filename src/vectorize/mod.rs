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

pub mod sparse;

use std::collections::HashMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::tokenize::hash::{hash_bytes, BuildPassThrough};
use crate::tokenize::{Analyzer, Block, Scratch, TokenizeError, TokenizerConfig};
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

/// Reusable per-thread buffers for [`Vectorizer::transform_into`].
#[derive(Default)]
pub struct FeatureScratch {
    tok: Scratch,
    cols: [Vec<u32>; 2],
}

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

    /// Writes the TF-IDF row of `doc` into `indices`/`values` (cleared first); allocation-free
    /// once the buffers have grown.
    pub fn transform_into(
        &self,
        doc: &str,
        s: &mut FeatureScratch,
        indices: &mut Vec<usize>,
        values: &mut Vec<f64>,
    ) {
        indices.clear();
        values.clear();
        s.cols[0].clear();
        s.cols[1].clear();
        let hashing = match self.config.space {
            FeatureSpace::Hashing { bits } => Some(1u64 << bits),
            FeatureSpace::Vocabulary => None,
        };
        let FeatureScratch { tok, cols } = s;
        self.analyzer.for_each_ngram(doc, tok, |b, g| {
            let bi = block_index(b);
            let h = hash_bytes(g.as_bytes());
            match hashing {
                Some(m) => cols[bi].push((h % m) as u32),
                None => {
                    if let Some(&j) = self.lookup[bi].get(&h) {
                        cols[bi].push(j);
                    }
                }
            }
        });
        for b in &self.blocks {
            let col = &mut cols[block_index(b.block)];
            col.sort_unstable();
            let start = values.len();
            let mut i = 0;
            while i < col.len() {
                let mut k = i + 1;
                while k < col.len() && col[k] == col[i] {
                    k += 1;
                }
                let j = col[i] as usize;
                let count = (k - i) as f64;
                let tf = if self.config.sublinear_tf {
                    1.0 + count.ln()
                } else {
                    count
                };
                let w = if self.config.use_idf {
                    tf * b.idf[j]
                } else {
                    tf
                };
                indices.push(b.offset + j);
                values.push(w);
                i = k;
            }
            if self.config.norm == Norm::L2 {
                let norm = values[start..].iter().map(|v| v * v).sum::<f64>().sqrt();
                if norm > 0.0 {
                    for v in &mut values[start..] {
                        *v /= norm;
                    }
                }
            }
        }
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
