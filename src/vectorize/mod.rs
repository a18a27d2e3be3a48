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
mod prefetch;
mod project;
pub mod sparse;

pub use inspect::TermInfo;
pub use project::Projection;

use std::collections::HashMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::tokenize::hash::{hash_bytes, hash_chain, tail_word, BuildPassThrough};
use crate::tokenize::{
    Analyzer, Block, CharScratch, CharSource, RawToken, Scratch, TokenizeError, TokenizerConfig,
};
use sparse::{Col, OwnedRow, Scalar, SparseRows, Value};

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
    #[error("inconsistent stored vectorizer: {0}")]
    Inconsistent(String),
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
    /// Derived from `df` and the document count, so model files (format 2 on) leave it out
    /// and loading recomputes it by the same expression, bit for bit.
    #[serde(default, skip_serializing)]
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
    /// Per block (word, char): n-gram hash -> global column and idf class.
    lookup: [BlockLookup; 2],
    /// The distinct idf values: caches carry a column's index in here (its idf class) next to
    /// the column, so the final weighting never reads the large per-column `idf` arrays (a
    /// likely cache miss per distinct column); `idf_values[class]` is bitwise `idf[column]`.
    idf_values: Vec<f64>,
    /// `1 + ln(c)` for small counts `c`, computed by the same expression as the fallback.
    tf_table: Vec<f64>,
    /// The char block's most frequent columns, for [`Vectorizer::project_into`].
    common: project::Common,
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
    fn try_from(mut d: VectorizerData) -> Result<Self, Self::Error> {
        let mut offset = 0;
        for b in &mut d.blocks {
            if b.idf.is_empty() {
                b.idf =
                    b.df.iter()
                        .map(|&df| idf(&d.config, d.n_docs, df))
                        .collect();
            }
            let terms_ok = match d.config.space {
                FeatureSpace::Vocabulary => b.terms.len() == b.len,
                FeatureSpace::Hashing { .. } => b.terms.is_empty(),
            };
            if b.offset != offset || b.df.len() != b.len || b.idf.len() != b.len || !terms_ok {
                return Err(VectorizeError::Inconsistent(format!(
                    "{:?} block: offset {} (expected {offset}), {} columns, {} terms, {} df, {} idf",
                    b.block,
                    b.offset,
                    b.len,
                    b.terms.len(),
                    b.df.len(),
                    b.idf.len()
                )));
            }
            offset += b.len;
        }
        Vectorizer::from_parts(d.config, d.n_docs, d.blocks)
    }
}

/// Reusable per-thread buffers and caches for [`Vectorizer::transform_into`] and
/// [`Vectorizer::project_into`].
///
/// Word frequencies are Zipfian, so most tokens of a document were seen moments ago: a cache
/// maps a raw token (or a whitespace chunk) to its final form, its unigram column and its char
/// n-gram columns, replacing ~20 vocabulary probes (each a likely cache miss in a table of a
/// million n-grams) and a stemmer call with one probe in a small table plus one contiguous
/// record. Columns travel with their idf class, and a document's column occurrences are
/// radix-sorted rather than counted in a row-sized array, so no per-column array is touched at
/// random. Caches are bounded and belong to one vectorizer (and projection); they are cleared
/// when the scratch is used with another, and what they hold never changes a row (a cleared
/// cache recomputes the same entries).
#[derive(Default)]
pub struct FeatureScratch {
    tok: Scratch,
    chars: CharScratch,
    /// The vectorizer and the projection (0: none) the cache's records were made for.
    owner: (u64, u64),
    /// Raw tokens (kind 0/1: stemmable or not) and whitespace chunks (kind 2).
    cache: TokenCache,
    /// The current document's kept word forms, back to back (in hashing mode only: a
    /// vocabulary keys n-grams by the forms' hashes), and their spans and unigrams.
    forms: Vec<u8>,
    spans: Vec<(u32, u32, u64)>,
    ngram: Vec<u8>,
    /// The cache keys' hashes of the row being gathered, and its word n-grams' hashes.
    hashes: Vec<u64>,
    ngram_hashes: Vec<u64>,
    /// The next row, split and hashed (see [`Vectorizer::each_gathered`]).
    ahead: (Scratch, Vec<u64>),
    form: String,
    /// The raw tokens of one chunk, on a chunk's cache miss.
    chunk_raw: Vec<RawToken>,
    /// The hash of each kept form (see [`word_key`]).
    form_hashes: Vec<u64>,
    /// Every column occurrence of the document, as `column << 32 | idf class`; sorted, equal
    /// neighbours are the counts.
    occ: Vec<u64>,
    tmp: Vec<u64>,
    hist: Vec<u32>,
    /// A block's values before normalization, in `f64` whatever the row is written in.
    block: Vec<f64>,
    /// State of [`Vectorizer::project_into`].
    proj: project::ProjScratch,
}

/// "No column": the n-gram is not a feature.
const NONE: u64 = u64::MAX;

/// Kind tag of whitespace chunks in the cache (tokens use 0 and 1 for their stemmable flag).
const KIND_CHUNK: u32 = 2;

/// Bounds of a [`TokenCache`], per thread: entries (the table has twice as many slots, 2 MB at
/// most) and record words (64 MB: some 300k records of a projection, 20-30 words each with
/// ten sums for three 3-class heads); reaching one clears the cache. Both grow only as keys
/// come. A model taking char n-grams from whitespace chunks (the default model does) caches
/// chunks beside tokens, some 190k keys on a corpus where tokens alone are 67k: with half these
/// bounds its cache cleared every 50k rows and scoring 1M rows on 2 threads took 14.7 s, not
/// 10.4 s (peak RSS 96 MB, not 138 MB).
const CACHE_MAX_ENTRIES: usize = 1 << 18;
const CACHE_MAX_WORDS: usize = 1 << 23;

/// A [`TokenCache`] slot is `tag << OFFSET_BITS | offset + 1` in 32 bits (half the table of
/// 64-bit slots, which alone filled a core's L2): a record starts at most at
/// [`CACHE_MAX_WORDS`], so its offset + 1 fits in 24 bits, and the tag, 8 more bits of the
/// hash, rules out most mismatches before the record is read.
const OFFSET_BITS: u32 = 24;
const OFFSET_MASK: u32 = (1 << OFFSET_BITS) - 1;
const _: () = assert!(CACHE_MAX_WORDS < OFFSET_MASK as usize);

/// The tag bits of a key's hash: its top bits (the slot index uses the low ones).
#[inline]
fn slot_tag(h: u64) -> u32 {
    (h >> (64 - (32 - OFFSET_BITS))) as u32
}

/// Record header words: `key_len | kind << 32`, `form_len | n_cols << 32` (`n_cols`: words the
/// columns take), unigram. A kept form is stored as its hash (see [`word_key`]) then its words.
/// A whitespace chunk's record, when its tokens give the word n-grams (see
/// [`Analyzer::split_chunk`]), has instead the words its tokens take and their number; each
/// token is `form_len`, unigram and its form (nothing when a filter dropped it).
const HEADER: usize = 3;

/// Cache lines of a record that [`TokenCache::warm`] prefetches: a projected token's record
/// (header, key, form, a dozen common ids packed four to a word, a few rare columns, ten sums)
/// is some 26 words, which straddle four lines. Reading the record's length first to fetch
/// exactly its lines made the warm-up wait on that load and mispredict its loop's exit.
const WARM_LINES: usize = 4;

/// `form_len` of a token that a filter drops.
const DROPPED: u32 = u32::MAX;

/// A bounded cache from a short string plus a kind tag to a record: an open-addressing table of
/// `tag << OFFSET_BITS | offset + 1` (4 bytes a slot, so the hot part stays in cache) and
/// records back to back in one arena: header, key, form (both zero-padded to whole words),
/// columns; for [`Vectorizer::project_into`], columns as [`Projection::finish_record`] lays
/// them out, the projection's sums and the number of common columns.
struct TokenCache {
    slots: Vec<u32>,
    len: usize,
    rec: Vec<u64>,
    /// Entries and record words at which it empties itself: [`CACHE_MAX_ENTRIES`] and
    /// [`CACHE_MAX_WORDS`], smaller in tests so that they reach them.
    bounds: (usize, usize),
    /// Times it filled up and was emptied.
    clears: u64,
}

impl Default for TokenCache {
    fn default() -> Self {
        TokenCache {
            slots: Vec::new(),
            len: 0,
            rec: Vec::new(),
            bounds: (CACHE_MAX_ENTRIES, CACHE_MAX_WORDS),
            clears: 0,
        }
    }
}

/// `bytes` as whole little-endian words, the last one zero-padded.
#[inline]
fn key_words(bytes: &[u8]) -> impl Iterator<Item = u64> + '_ {
    let it = bytes.chunks_exact(8);
    let rem = it.remainder();
    it.map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes")))
        .chain((!rem.is_empty()).then(|| tail_word(rem)))
}

/// Whether `stored` starts with `key`'s words (see [`key_words`]); `stored` holds at least
/// as many words as `key` takes when their headers (which hold the length) matched. A plain
/// loop: comparing `key_words(key)` with `stored` as iterators cost 600 more instructions a
/// row in `stance score` (callgrind).
#[inline]
fn key_eq(stored: &[u64], key: &[u8]) -> bool {
    let mut words = stored.iter();
    let mut chunks = key.chunks_exact(8);
    for c in &mut chunks {
        if words.next() != Some(&u64::from_le_bytes(c.try_into().expect("8 bytes"))) {
            return false;
        }
    }
    let rem = chunks.remainder();
    rem.is_empty() || words.next() == Some(&tail_word(rem))
}

/// Appends `bytes` zero-padded to whole little-endian words.
#[inline]
fn push_words(out: &mut Vec<u64>, bytes: &[u8]) {
    out.extend(key_words(bytes));
}

/// A record's first header word: key length and kind.
#[inline]
fn key_head(key: &[u8], kind: u32) -> u64 {
    key.len() as u64 | u64::from(kind) << 32
}

/// Hash of a cache key's words; internal only (not part of any format), so it is cheap.
#[inline]
fn key_hash(words: impl IntoIterator<Item = u64>, head: u64) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h = head.wrapping_mul(K);
    for w in words {
        h = (h ^ w).wrapping_mul(K).rotate_left(29);
    }
    h = (h ^ (h >> 32)).wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 29)
}

impl TokenCache {
    fn clear(&mut self) {
        self.slots.iter_mut().for_each(|s| *s = 0);
        self.len = 0;
        self.rec.clear();
    }

    /// The record offset of `key`, or `Err(h)`; `h` is the key's [`TokenCache::hash_of`],
    /// taken as an argument so that a token is hashed once for [`TokenCache::warm`] and here.
    #[inline(always)]
    fn find_hashed(&self, key: &[u8], kind: u32, h: u64) -> Result<usize, u64> {
        if self.slots.is_empty() {
            return Err(h);
        }
        let head = key_head(key, kind);
        let mask = self.slots.len() - 1;
        let tag = slot_tag(h);
        let mut i = h as usize & mask;
        loop {
            let s = self.slots[i];
            if s == 0 {
                return Err(h);
            }
            if s >> OFFSET_BITS == tag {
                let r = ((s & OFFSET_MASK) - 1) as usize;
                if self.rec[r] == head && key_eq(&self.rec[r + HEADER..], key) {
                    return Ok(r);
                }
            }
            i = (i + 1) & mask;
        }
    }

    /// The hash a key is stored under.
    #[inline]
    fn hash_of(key: &[u8], kind: u32) -> u64 {
        key_hash(key_words(key), key_head(key, kind))
    }

    /// Hashes each key into `hashes` (cleared first) and prefetches each one's first slot.
    fn hash_and_prefetch<'k>(
        &self,
        keys: impl Iterator<Item = (&'k str, u32)>,
        hashes: &mut Vec<u64>,
    ) {
        hashes.clear();
        hashes.extend(keys.map(|(k, kind)| TokenCache::hash_of(k.as_bytes(), kind)));
        if self.slots.is_empty() {
            return;
        }
        let mask = self.slots.len() - 1;
        for &h in hashes.iter() {
            prefetch::prefetch(&self.slots, h as usize & mask);
        }
    }

    /// Prefetches the first record lines of each hash whose first slot holds its tag. Run a
    /// row ahead of the lookups (see [`Vectorizer::each_gathered`]), so that the slots read
    /// here were prefetched long before, and the records have the rest of a row to arrive.
    fn warm(&self, hashes: &[u64]) {
        if self.slots.is_empty() {
            return;
        }
        let mask = self.slots.len() - 1;
        for &h in hashes {
            let s = self.slots[h as usize & mask];
            if s != 0 && s >> OFFSET_BITS == slot_tag(h) {
                let r = ((s & OFFSET_MASK) - 1) as usize;
                for k in 0..WARM_LINES {
                    prefetch::prefetch(&self.rec, r + 8 * k);
                }
            }
        }
    }

    /// Makes room for one more entry (growing or clearing); call before writing a record,
    /// since clearing empties the arena.
    fn reserve_one(&mut self) {
        let (max_entries, max_words) = self.bounds;
        if self.rec.len() > max_words.min(CACHE_MAX_WORDS) {
            self.clear();
            self.clears += 1;
        }
        if (self.len + 1) * 2 <= self.slots.len() {
            return;
        }
        if self.slots.len() >= 2 * max_entries {
            self.clear();
            self.clears += 1;
            return;
        }
        let n = (self.slots.len() * 2).max(1 << 10);
        let old = std::mem::replace(&mut self.slots, vec![0; n]);
        for s in old.into_iter().filter(|&s| s != 0) {
            let r = ((s & OFFSET_MASK) - 1) as usize;
            let head = self.rec[r];
            let kw = (head as u32 as usize).div_ceil(8);
            let h = key_hash(self.rec[r + HEADER..r + HEADER + kw].iter().copied(), head);
            self.place(h, r);
        }
    }

    fn place(&mut self, h: u64, r: usize) {
        let mask = self.slots.len() - 1;
        let mut i = h as usize & mask;
        while self.slots[i] != 0 {
            i = (i + 1) & mask;
        }
        self.slots[i] = slot_tag(h) << OFFSET_BITS | (r as u32 + 1);
    }

    /// Starts a record for `key` (after [`TokenCache::reserve_one`]); the caller then pushes
    /// the form words and columns and calls [`TokenCache::finish`].
    fn begin(&mut self, key: &[u8], kind: u32) -> usize {
        let r = self.rec.len();
        self.rec.push(key_head(key, kind));
        self.rec.push(u64::from(DROPPED));
        self.rec.push(NONE);
        push_words(&mut self.rec, key);
        r
    }

    fn finish(&mut self, h: u64, r: usize, form_len: u32, n_cols: usize, unigram: u64) {
        self.rec[r + 1] = u64::from(form_len) | (n_cols as u64) << 32;
        self.rec[r + 2] = unigram;
        self.place(h, r);
        self.len += 1;
    }
}

/// Sorts column occurrences by column: a least-significant-digit radix sort on the column bits,
/// in as few passes of at most 11 bits as cover them (two for a vocabulary of a few hundred
/// thousand columns), with every pass's histogram gathered in one read. A document has hundreds
/// of occurrences, where a comparison sort costs several times more; and unlike one bucketing
/// pass plus insertion sort, the cost does not depend on how the columns cluster (a vocabulary
/// in term order puts a document's char n-grams close together), with no mispredicted branches.
/// Equal columns carry equal classes, so whole-word order is column order. Below a few hundred
/// occurrences (a projected row's word block: a few dozen), clearing and summing the
/// histograms costs more than a comparison sort: scoring 1M rows took 11.68 s with the cut at
/// 160 against 11.90 s at 32. Counting in place instead (a cell per column, the distinct ones
/// read back in order from a two-level bitmap, no sort) ran 18% fewer instructions in
/// `transform` (callgrind: 97k against 118k a row) but took 19% longer (median of 8 paired runs,
/// one per core; 11% with 2-byte cells): the cells span megabytes and miss the caches, where
/// the sort's buffers stay in L1.
fn sort_by_column(v: &mut Vec<u64>, tmp: &mut Vec<u64>, hist: &mut Vec<u32>, col_bits: u32) {
    /// Bits per pass: a histogram of 2^11 counts stays in L1.
    const MAX_BITS: u32 = 11;
    let n = v.len();
    if n <= 160 {
        v.sort_unstable();
        return;
    }
    let passes = col_bits.div_ceil(MAX_BITS).max(1) as usize;
    let bits = col_bits.div_ceil(passes as u32);
    let size = 1usize << bits;
    let mask = (size - 1) as u64;
    let digit = |x: u64, pass: usize| ((x >> (32 + pass as u32 * bits)) & mask) as usize;
    hist.clear();
    hist.resize(size * passes, 0);
    for &x in v.iter() {
        for pass in 0..passes {
            hist[pass * size + digit(x, pass)] += 1;
        }
    }
    tmp.resize(n, 0);
    for (pass, h) in hist.chunks_exact_mut(size).enumerate() {
        let mut sum = 0;
        for e in h.iter_mut() {
            let c = *e;
            *e = sum;
            sum += c;
        }
        for &x in v.iter() {
            let b = &mut h[digit(x, pass)];
            tmp[*b as usize] = x;
            *b += 1;
        }
        std::mem::swap(v, tmp);
    }
}

/// A block's n-gram hash -> column map.
#[derive(Clone)]
enum BlockLookup {
    Absent,
    /// Open addressing over `(hash, column << 32 | class)`, half full at most: one cache line
    /// per probe, where a std map of a million entries costs two misses.
    Vocab {
        slots: Vec<(u64, u64)>,
        mask: usize,
    },
    /// Column = hash mod 2^bits; the class of each bucket.
    Hashing {
        offset: u64,
        mask: u64,
        class: Vec<u32>,
    },
}

impl std::fmt::Debug for BlockLookup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BlockLookup::Absent => write!(f, "Absent"),
            BlockLookup::Vocab { slots, .. } => write!(f, "Vocab({} slots)", slots.len()),
            BlockLookup::Hashing { mask, .. } => write!(f, "Hashing({} buckets)", mask + 1),
        }
    }
}

/// The lookup key of a word n-gram term ("a b"): its words' hashes chained (a form never holds
/// a space), so that a row keys its n-grams from its tokens' hashes; a unigram's is its hash.
fn word_key(term: &str) -> u64 {
    chained_key(term.split(' ').map(|w| hash_bytes(w.as_bytes())))
}

/// The key of an n-gram from its words' hashes, in order (the table's keys and a row's
/// probes both come from here, so they agree).
#[inline]
fn chained_key(mut hashes: impl Iterator<Item = u64>) -> u64 {
    let first = hashes.next().expect("an n-gram has a word");
    hashes.fold(first, hash_chain)
}

impl BlockLookup {
    /// Starts loading the first slot that [`BlockLookup::get`] reads for `h`.
    #[inline]
    fn prefetch(&self, h: u64) {
        if let BlockLookup::Vocab { slots, mask } = self {
            prefetch::prefetch(slots, h as usize & mask);
        }
    }

    /// The n-gram's global column and idf class, packed (`column << 32 | class`), or [`NONE`].
    #[inline]
    fn get(&self, h: u64) -> u64 {
        match self {
            BlockLookup::Absent => NONE,
            BlockLookup::Vocab { slots, mask } => {
                let mut i = h as usize & mask;
                loop {
                    let (k, v) = slots[i];
                    if v == NONE {
                        return NONE;
                    }
                    if k == h {
                        return v;
                    }
                    i = (i + 1) & mask;
                }
            }
            BlockLookup::Hashing {
                offset,
                mask,
                class,
            } => {
                let b = h & mask;
                (offset + b) << 32 | u64::from(class[b as usize])
            }
        }
    }
}
thread_local! {
    /// Each worker thread's scratch for [`Vectorizer::transform`]: kept across calls so that
    /// the caches stay warm (a fresh scratch per rayon job would recompute every token's entry,
    /// stemming included, at each split). Bounded as [`FeatureScratch`] is; never changes rows.
    static SCRATCH: std::cell::RefCell<FeatureScratch> = std::cell::RefCell::new(FeatureScratch::default());
}

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

/// Documents counted together when fitting (the chunks are fixed, so the counts are the same
/// whatever the thread count).
const CHUNK_DOCS: usize = 512;

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
        let count_chunk = |chunk: &[S]| {
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
        };
        // Fixed chunks merged in order: the result is the same whatever the thread count.
        // A window of chunks at a time, merged while the next window is counted. Counting all
        // of a corpus's chunks before merging held every chunk's n-grams and terms at once:
        // `stance vectorize` on 100k documents (22 MB) peaked at 1.60 GB, and at 1.15 GB so.
        let window = CHUNK_DOCS * 4 * rayon::current_num_threads().max(1);
        let mut total: [Counts; 2] = Default::default();
        let merge = |total: &mut [Counts; 2], chunks: Vec<[Counts; 2]>| {
            for [w, c] in chunks {
                total[0].merge(w);
                total[1].merge(c);
            }
        };
        let mut counted = Vec::new();
        for docs in docs.chunks(window) {
            let before = std::mem::take(&mut counted);
            ((), counted) = rayon::join(
                || merge(&mut total, before),
                || docs.par_chunks(CHUNK_DOCS).map(count_chunk).collect(),
            );
        }
        merge(&mut total, counted);
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
        // idf classes: distinct values in column order, so the numbering is deterministic
        let mut idf_values = Vec::new();
        let mut class_of: HashMap<u64, u32> = HashMap::new();
        let mut classes: Vec<Vec<u32>> = Vec::new();
        for b in &blocks {
            classes.push(
                b.idf
                    .iter()
                    .map(|v| {
                        *class_of.entry(v.to_bits()).or_insert_with(|| {
                            idf_values.push(*v);
                            (idf_values.len() - 1) as u32
                        })
                    })
                    .collect(),
            );
        }
        let common = project::Common::new(&blocks, &classes);
        let mut lookup = [BlockLookup::Absent, BlockLookup::Absent];
        for (b, class) in blocks.iter().zip(classes) {
            lookup[block_index(b.block)] = match config.space {
                FeatureSpace::Hashing { .. } => BlockLookup::Hashing {
                    offset: b.offset as u64,
                    mask: (b.len as u64).next_power_of_two() - 1,
                    class,
                },
                FeatureSpace::Vocabulary => {
                    let n_slots = (b.terms.len() * 2).next_power_of_two().max(16);
                    let mask = n_slots - 1;
                    let mut slots = vec![(0u64, NONE); n_slots];
                    for (i, t) in b.terms.iter().enumerate() {
                        let h = match b.block {
                            Block::Word => word_key(t),
                            Block::Char => hash_bytes(t.as_bytes()),
                        };
                        let mut k = h as usize & mask;
                        // an equal hash (a 64-bit collision between two terms) keeps the last
                        // column, as a map insert would
                        while slots[k].1 != NONE && slots[k].0 != h {
                            k = (k + 1) & mask;
                        }
                        slots[k] = (h, ((b.offset + i) as u64) << 32 | u64::from(class[i]));
                    }
                    BlockLookup::Vocab { slots, mask }
                }
            };
        }
        let tf_table = (0..256).map(|c| 1.0 + f64::from(c).ln()).collect();
        Ok(Vectorizer {
            id: NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            config,
            analyzer,
            n_docs,
            blocks,
            lookup,
            idf_values,
            tf_table,
            common,
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

    /// The packed global column and class of an n-gram's hash in block `bi`, or [`NONE`].
    #[inline]
    fn lookup(&self, bi: usize, h: u64) -> u64 {
        self.lookup[bi].get(h)
    }

    /// The cache record of a token or chunk, computing it on a miss: its final form and unigram
    /// column (`with_words`; a chunk's tokens' ones), its char n-gram columns (`with_chars`),
    /// and with a projection, what [`Projection::finish_record`] makes of the columns.
    #[inline(always)]
    fn cached(
        &self,
        (t, kind, h): (&str, u32, u64),
        with: (bool, bool),
        cache: &mut TokenCache,
        scratch: (&mut String, &mut CharScratch, &mut Vec<RawToken>),
        proj: Option<&Projection>,
    ) -> usize {
        match cache.find_hashed(t.as_bytes(), kind, h) {
            Ok(r) => r,
            Err(h) => self.fill((t, kind, h), with, cache, scratch, proj),
        }
    }

    /// [`Vectorizer::cached`] on a miss: computes and stores the record. Out of line, so that
    /// the hits (nearly all lookups) inline without its frame.
    #[cold]
    #[inline(never)]
    fn fill(
        &self,
        (t, kind, h): (&str, u32, u64),
        (with_words, with_chars): (bool, bool),
        cache: &mut TokenCache,
        (form, chars, chunk_raw): (&mut String, &mut CharScratch, &mut Vec<RawToken>),
        proj: Option<&Projection>,
    ) -> usize {
        cache.reserve_one();
        let a = &self.analyzer;
        let r = cache.begin(t.as_bytes(), kind);
        let (mut form_len, mut unigram) = (DROPPED, NONE);
        // a kept form's words, its length and unigram column
        let mut word = |t: &str, stemmable: bool, rec: &mut Vec<u64>| {
            form.clear();
            if !a.word_form(t, stemmable, form) {
                return (DROPPED, NONE);
            }
            let h = hash_bytes(form.as_bytes());
            rec.push(h);
            push_words(rec, form.as_bytes());
            (form.len() as u32, self.lookup(0, h))
        };
        if with_words && kind == KIND_CHUNK {
            a.split_chunk(t, chunk_raw);
            let start = cache.rec.len();
            for tok in chunk_raw.iter() {
                let at = cache.rec.len();
                cache.rec.extend([0, 0]);
                let (len, uni) = word(&t[tok.start..tok.end], tok.stemmable, &mut cache.rec);
                cache.rec[at..at + 2].copy_from_slice(&[u64::from(len), uni]);
            }
            form_len = (cache.rec.len() - start) as u32;
            unigram = chunk_raw.len() as u64;
        } else if with_words {
            (form_len, unigram) = word(t, kind == 1, &mut cache.rec);
        }
        let cols_start = cache.rec.len();
        if with_chars {
            let rec = &mut cache.rec;
            a.for_each_char_ngram(t, chars, |g| rec.push(hash_bytes(g.as_bytes())));
            // hashes first, then probes in a tight loop so that their misses overlap; the
            // columns found replace the hashes in place
            let mut w = cols_start;
            for i in cols_start..rec.len() {
                let c = self.lookup(1, rec[i]);
                rec[w] = c;
                w += usize::from(c != NONE);
            }
            rec.truncate(w);
        }
        let mut n_cols = cache.rec.len() - cols_start;
        if let Some(p) = proj {
            n_cols = p.finish_record(self, cols_start, &mut cache.rec);
        }
        cache.finish(h, r, form_len, n_cols, unigram);
        r
    }

    /// Writes the TF-IDF row of `doc` into `indices`/`values` (cleared first); allocation-free
    /// once the buffers and caches have warmed up.
    ///
    /// A row used at once (scoring) is best written in `f64`: rounding it to [`Value`], as a
    /// [`SparseRows`] keeps it, saves nothing there.
    pub fn transform_into<V: Scalar>(
        &self,
        doc: &str,
        s: &mut FeatureScratch,
        indices: &mut Vec<Col>,
        values: &mut Vec<V>,
    ) {
        indices.clear();
        values.clear();
        self.append_row(doc, s, indices, values);
    }

    /// Appends the TF-IDF row of `doc` to `indices`/`values`.
    fn append_row<V: Scalar>(
        &self,
        doc: &str,
        s: &mut FeatureScratch,
        indices: &mut Vec<Col>,
        values: &mut Vec<V>,
    ) {
        self.each_gathered([doc], s, None, |_, s| self.weigh(s, indices, values));
    }

    /// Gathers each document in turn (see [`Vectorizer::gather`]) and hands the scratch to
    /// `f` with the document's index, a row ahead: while a row is gathered, the next one is
    /// already split, its tokens' cache slots prefetched, and halfway through, their records
    /// too. Looked up a row at a time, the slots and records (megabytes of cache, mostly out
    /// of the core's own caches) were waited for: perf put some 15% of a scoring run's
    /// samples on those loads, and 200k rows on one thread took 1.50 s, 1.45 s this way.
    fn each_gathered<'d>(
        &self,
        docs: impl IntoIterator<Item = &'d str>,
        s: &mut FeatureScratch,
        proj: Option<&Projection>,
        mut f: impl FnMut(usize, &mut FeatureScratch),
    ) {
        let owner = (self.id, proj.map_or(0, Projection::id));
        if s.owner != owner {
            s.cache.clear();
            s.owner = owner;
        }
        let mut docs = docs.into_iter();
        let Some(first) = docs.next() else {
            return;
        };
        self.prepare(first, &mut s.tok, &mut s.hashes, &s.cache);
        s.cache.warm(&s.hashes);
        for k in 0.. {
            let next = docs.next();
            if let Some(doc) = next {
                self.prepare(doc, &mut s.ahead.0, &mut s.ahead.1, &s.cache);
            }
            self.gather(s, proj, next.is_some());
            f(k, s);
            if next.is_none() {
                break;
            }
            std::mem::swap(&mut s.tok, &mut s.ahead.0);
            std::mem::swap(&mut s.hashes, &mut s.ahead.1);
        }
    }

    /// Splits `doc` into `tok` (into tokens, or only normalized when char n-grams come from
    /// whitespace chunks), hashes the cache keys the row will look up into `hashes`, and
    /// prefetches their slots.
    fn prepare(&self, doc: &str, tok: &mut Scratch, hashes: &mut Vec<u64>, cache: &TokenCache) {
        let a = &self.analyzer;
        let tc = &self.config.tokenizer;
        let source = tc.char_ngrams.map(|c| c.source);
        if source == Some(CharSource::Whitespace) {
            a.normalize_into(doc, tok);
            let keys = a.char_chunks(tok).map(|chunk| (chunk, KIND_CHUNK));
            cache.hash_and_prefetch(keys, hashes);
        } else {
            a.split_into(doc, tok);
            let keys = tok
                .raw_tokens()
                .map(|(t, stemmable)| (t, u32::from(stemmable)));
            cache.hash_and_prefetch(keys, hashes);
        }
    }

    /// Collects the column occurrences of the prepared row (see [`Vectorizer::prepare`]) into
    /// `s.occ`: all of them, or with a projection only the word block's, the char n-grams going
    /// to `s.proj` instead (their records' sums, and a tally of their columns). With `ahead`,
    /// warms the records of the row prepared in `s.ahead` once this row's lookups are done.
    fn gather(&self, s: &mut FeatureScratch, proj: Option<&Projection>, ahead: bool) {
        let FeatureScratch {
            tok,
            chars,
            cache,
            forms,
            spans,
            ngram,
            hashes,
            ngram_hashes,
            form,
            chunk_raw,
            form_hashes,
            occ,
            proj: ps,
            ahead: (_, ahead_hashes),
            ..
        } = s;
        occ.clear();
        let extra = proj.map_or(0, |p| {
            ps.start(p, self.common.len(), tok.text_len());
            p.record_extra()
        });
        // a record's char columns (and sums) go to the row, or to the projection's state (a
        // function inlined into both loops: as a closure, it was a call per token)
        #[inline(always)]
        fn take_chars(
            (occ, ps): (&mut Vec<u64>, &mut project::ProjScratch),
            (rec, at): (&[u64], usize),
            extra: Option<(usize, &project::Common)>,
        ) {
            let n_cols = (rec[1] >> 32) as usize;
            let cols = &rec[at..at + n_cols];
            match extra {
                Some((extra, common)) => {
                    ps.take(cols, &rec[at + n_cols..at + n_cols + extra], common)
                }
                None => occ.extend_from_slice(cols),
            }
        }
        let extra = proj.map(|_| (extra, &self.common));
        // a vocabulary keys word n-grams by chained form hashes, hashing mode by their strings
        let chained = matches!(self.lookup[0], BlockLookup::Vocab { .. });
        // A kept form (`form`: its hash, then its words): the hash to `form_hashes`, its
        // unigram and (in hashing mode only) its bytes to `spans` and `forms`. With a
        // vocabulary, the word n-grams that it completes are keyed and their slots prefetched
        // as it comes, so the loads have the rest of the row to arrive. (A function inlined
        // into both loops: as a closure, it was a call per token.)
        #[inline(always)]
        fn push_form(
            (forms, spans): (&mut Vec<u8>, &mut Vec<(u32, u32, u64)>),
            (fh, nh): (&mut Vec<u64>, &mut Vec<u64>),
            (form, len, unigram): (&[u64], u32, u64),
            chained: Option<(&BlockLookup, usize, usize)>,
        ) {
            fh.push(form[0]);
            let start = forms.len();
            if let Some((vocab, ngrams_from, ngrams_to)) = chained {
                // the n-grams ending here
                let t = fh.len();
                let mut n = ngrams_from;
                while n <= ngrams_to.min(t) {
                    let h = chained_key(fh[t - n..].iter().copied());
                    vocab.prefetch(h);
                    nh.push(h);
                    n += 1;
                }
            } else {
                for w in &form[1..] {
                    forms.extend_from_slice(&u64::to_le_bytes(*w));
                }
                forms.truncate(start + len as usize);
            }
            spans.push((start as u32, forms.len() as u32, unigram));
        }
        let keying = match self.config.tokenizer.word_ngrams {
            Some(r) if chained => Some((&self.lookup[0], r.min.max(2), r.max)),
            _ => None,
        };
        let a = &self.analyzer;
        let tc = &self.config.tokenizer;
        let source = tc.char_ngrams.map(|c| c.source);
        let chars_from_tokens = source == Some(CharSource::Tokens);
        // With char n-grams from whitespace chunks, a chunk's record also holds its tokens'
        // forms (no token spans whitespace), so the text is not split into tokens at all:
        // one lookup per chunk, not one per chunk and one per token.
        let chunks = source == Some(CharSource::Whitespace);
        let with_words = tc.word_ngrams.is_some();
        forms.clear();
        spans.clear();
        form_hashes.clear();
        ngram_hashes.clear();
        if !chunks && (with_words || chars_from_tokens) {
            let with = (with_words, chars_from_tokens);
            for ((t, stemmable), &h) in tok.raw_tokens().zip(hashes.iter()) {
                let key = (t, u32::from(stemmable), h);
                let r = self.cached(key, with, cache, (form, chars, chunk_raw), proj);
                let rec = &cache.rec[r..];
                let kw = (rec[0] as u32 as usize).div_ceil(8);
                let form_len = rec[1] as u32;
                let mut at = HEADER + kw;
                if form_len != DROPPED {
                    let fw = 1 + (form_len as usize).div_ceil(8);
                    push_form(
                        (forms, spans),
                        (form_hashes, ngram_hashes),
                        (&rec[at..at + fw], form_len, rec[2]),
                        keying,
                    );
                    at += fw;
                }
                take_chars((occ, ps), (rec, at), extra);
            }
        }
        if chunks {
            for (chunk, &h) in a.char_chunks(tok).zip(hashes.iter()) {
                let key = (chunk, KIND_CHUNK, h);
                let scratch = (&mut *form, &mut *chars, &mut *chunk_raw);
                let r = self.cached(key, (with_words, true), cache, scratch, proj);
                let rec = &cache.rec[r..];
                let mut at = HEADER + (rec[0] as u32 as usize).div_ceil(8);
                if with_words {
                    let end = at + (rec[1] as u32 as usize);
                    for _ in 0..rec[2] {
                        let (len, unigram) = (rec[at] as u32, rec[at + 1]);
                        at += 2;
                        if len != DROPPED {
                            let fw = 1 + (len as usize).div_ceil(8);
                            let form = &rec[at..at + fw];
                            push_form(
                                (forms, spans),
                                (form_hashes, ngram_hashes),
                                (form, len, unigram),
                                keying,
                            );
                            at += fw;
                        }
                    }
                    debug_assert_eq!(at, end);
                }
                take_chars((occ, ps), (rec, at), extra);
            }
        }
        if let Some(r) = tc.word_ngrams {
            // unigrams from the records; longer n-grams keyed above (with a vocabulary) or
            // from their forms' strings (hashing mode)
            let n_tok = spans.len();
            for n in r.min..=r.max.min(n_tok) {
                if n > 1 && chained {
                    break;
                }
                for i in 0..=(n_tok - n) {
                    if n == 1 {
                        if spans[i].2 != NONE {
                            occ.push(spans[i].2);
                        }
                        continue;
                    }
                    ngram.clear();
                    for (k, &(x, y, _)) in spans[i..i + n].iter().enumerate() {
                        if k > 0 {
                            ngram.push(b' ');
                        }
                        ngram.extend_from_slice(&forms[x as usize..y as usize]);
                    }
                    ngram_hashes.push(hash_bytes(ngram));
                }
            }
            if !chained {
                // prefetched, then probed: the (likely missing) loads overlap
                for &h in ngram_hashes.iter() {
                    self.lookup[0].prefetch(h);
                }
            }
            if ahead {
                cache.warm(ahead_hashes);
            }
            for &h in ngram_hashes.iter() {
                let c = self.lookup(0, h);
                if c != NONE {
                    occ.push(c);
                }
            }
        } else if ahead {
            cache.warm(ahead_hashes);
        }
    }

    /// `tf` of a count, as scikit-learn computes it (counts saturate at `u16::MAX`, as they
    /// always have).
    #[inline]
    fn tf(&self, c: u64) -> f64 {
        let c = c.min(u64::from(u16::MAX)) as usize;
        if !self.config.sublinear_tf {
            c as f64
        } else if let Some(&v) = self.tf_table.get(c) {
            v
        } else {
            1.0 + (c as f64).ln()
        }
    }

    /// The idf of a packed column (1 without idf weighting).
    #[inline]
    fn idf_of(&self, x: u64) -> f64 {
        if self.config.use_idf {
            self.idf_values[x as u32 as usize]
        } else {
            1.0
        }
    }

    /// Appends the TF-IDF entries of the column occurrences in `s.occ` (sorted and counted
    /// here), block by block, each block normalized on its own in `f64`, then written as `V`.
    fn weigh<V: Scalar>(
        &self,
        s: &mut FeatureScratch,
        indices: &mut Vec<Col>,
        values: &mut Vec<V>,
    ) {
        let FeatureScratch {
            occ,
            tmp,
            hist,
            block,
            ..
        } = s;
        let col_bits = usize::BITS - self.n_features().saturating_sub(1).leading_zeros();
        sort_by_column(occ, tmp, hist, col_bits);
        // distinct columns to the front of `occ`, their counts into `tmp`, without branches
        // (a run of equal words is one column); the running count stays in a register, and
        // each distinct column's slot is rewritten until its run ends
        let mut n_distinct = 0;
        if let Some(&first) = occ.first() {
            tmp.resize(occ.len(), 0);
            let (mut last, mut run) = (0, 1);
            let mut prev = first;
            for i in 1..occ.len() {
                let x = occ[i];
                let same = x == prev;
                tmp[last] = run;
                last += usize::from(!same);
                occ[last] = x;
                run = if same { run + 1 } else { 1 };
                prev = x;
            }
            tmp[last] = run;
            n_distinct = last + 1;
        }
        let (cols, counts) = (&occ[..n_distinct], &tmp[..n_distinct]);
        indices.reserve(n_distinct);
        values.reserve(n_distinct);
        let mut k = 0;
        for b in &self.blocks {
            let end_col = (b.offset + b.len) as u64;
            let end = k + cols[k..].partition_point(|&x| x >> 32 < end_col);
            indices.extend(cols[k..end].iter().map(|&x| (x >> 32) as Col));
            block.clear();
            block.extend(
                cols[k..end]
                    .iter()
                    .zip(&counts[k..end])
                    .map(|(&x, &c)| self.tf(c) * self.idf_of(x)),
            );
            k = end;
            let norm = match self.config.norm {
                Norm::L2 => block.iter().map(|v| v * v).sum::<f64>().sqrt(),
                Norm::None => 0.0,
            };
            if norm > 0.0 {
                values.extend(block.iter().map(|&v| V::of(v / norm)));
            } else {
                values.extend(block.iter().map(|&v| V::of(v)));
            }
        }
    }

    /// The TF-IDF row of one document, as a one-row matrix.
    pub fn transform_one(&self, doc: &str) -> SparseRows {
        let (mut i, mut v) = (Vec::new(), Vec::<Value>::new());
        self.transform_into(doc, &mut FeatureScratch::default(), &mut i, &mut v);
        SparseRows::from_rows(self.n_features(), [(i, v)]).expect("rows are sorted and in range")
    }

    /// The TF-IDF row of one document in `f64`, as `stance score` computes it (a
    /// [`SparseRows`] keeps values rounded to [`Value`]).
    pub fn transform_row(&self, doc: &str) -> OwnedRow {
        let mut row = OwnedRow::default();
        self.transform_into(
            doc,
            &mut FeatureScratch::default(),
            &mut row.indices,
            &mut row.values,
        );
        row
    }

    /// TF-IDF rows of many documents, in parallel, in input order.
    pub fn transform<S: AsRef<str> + Sync>(&self, docs: &[S]) -> SparseRows {
        // Run inside a pool, so that `append_rows` sees a worker thread at every level (from
        // outside, rayon would report the first split as stolen even when it was not).
        let parts = if rayon::current_thread_index().is_some() {
            self.rows_of(docs, true)
        } else {
            rayon::scope(|_| self.rows_of(docs, true))
        };
        RowChunk::assemble(self.n_features(), parts)
    }

    /// The rows of `docs`, as consecutive chunks (see `append_rows`); `top` for the whole
    /// batch, whose first chunk becomes the output.
    fn rows_of<S: AsRef<str> + Sync>(&self, docs: &[S], top: bool) -> Vec<RowChunk> {
        let mut parts = Vec::new();
        self.append_rows(docs, &mut parts, top);
        parts
    }

    /// Appends the rows of `docs` to `parts`, offering halves to idle threads.
    ///
    /// A half that no other thread took is processed once the first half is done, so until the
    /// first steal the batch's rows go to one chunk, which `assemble` keeps as the output: on
    /// one thread the whole matrix is built in place. Every other chunk is copied into it, so
    /// those are kept small (one per leaf), in memory the allocator recycles, rather than
    /// large fresh buffers whose pages would be faulted twice (written, then copied). Copies
    /// and the page faults of fresh memory were a third of the CPU time of `transform`.
    fn append_rows<S: AsRef<str> + Sync>(&self, docs: &[S], parts: &mut Vec<RowChunk>, top: bool) {
        /// Documents below which a range is not split (small enough to balance the load).
        const GRAIN: usize = 64;
        if docs.len() <= GRAIN {
            if !top || parts.len() != 1 {
                parts.push(RowChunk::default());
            }
            let part = parts.last_mut().expect("pushed above");
            SCRATCH.with(|s| {
                let s = &mut s.borrow_mut();
                let n = self.n_features();
                self.each_gathered(docs.iter().map(AsRef::as_ref), s, None, |_, s| {
                    let start = part.indices.len();
                    self.weigh(s, &mut part.indices, &mut part.values);
                    // the contract of `SparseRows::from_checked_rows`, checked while in cache
                    assert!(
                        check_row(&part.indices[start..], n),
                        "a TF-IDF row's columns are sorted, distinct and in range"
                    );
                    part.ends.push(part.indices.len());
                });
            });
            return;
        }
        let (left, right) = docs.split_at(docs.len() / 2);
        let ((), stolen) = rayon::join_context(
            |_| self.append_rows(left, parts, top),
            |ctx| ctx.migrated().then(|| self.rows_of(right, false)),
        );
        match stolen {
            Some(p) => parts.extend(p),
            None => self.append_rows(right, parts, top),
        }
    }
}

/// The rows of a run of consecutive documents: their entries back to back, and where each row
/// ends (relative to the chunk).
#[derive(Default)]
struct RowChunk {
    ends: Vec<usize>,
    indices: Vec<Col>,
    values: Vec<Value>,
}

/// Whether `row`'s columns strictly increase and stay below `n`. (Without early exits, so
/// that the comparisons vectorize: a row is hundreds of columns, and every row is checked.)
fn check_row(row: &[Col], n: usize) -> bool {
    let increasing = row
        .iter()
        .zip(row.iter().skip(1))
        .fold(true, |ok, (a, b)| ok & (a < b));
    increasing && row.last().is_none_or(|&j| (j as usize) < n)
}

impl RowChunk {
    /// Concatenates chunks, in order, into one CSR matrix: the first chunk's buffers grow to
    /// hold the rest (with glibc a large buffer grows by remapping its pages, not copying), and
    /// each of the others is copied in by all threads, so that the page faults of the fresh
    /// tail are not taken by one thread alone.
    fn assemble(n_features: usize, parts: Vec<RowChunk>) -> SparseRows {
        let mut parts = parts.into_iter();
        let RowChunk {
            ends,
            mut indices,
            mut values,
        } = parts.next().unwrap_or_default();
        let rest: Vec<RowChunk> = parts.collect();
        let n_rows = ends.len() + rest.iter().map(|p| p.ends.len()).sum::<usize>();
        let more = rest.iter().map(|p| p.indices.len()).sum();
        indices.reserve_exact(more);
        values.reserve_exact(more);
        let mut indptr = Vec::with_capacity(n_rows + 1);
        indptr.push(0);
        indptr.extend_from_slice(&ends);
        for p in rest {
            let base = indices.len();
            indptr.extend(p.ends.iter().map(|e| base + e));
            indices.par_extend(p.indices.par_iter().copied());
            values.par_extend(p.values.par_iter().copied());
        }
        // growth by doubling may have left up to half unused; with glibc, shrinking is in place
        indices.shrink_to_fit();
        values.shrink_to_fit();
        SparseRows::from_checked_rows(n_features, indptr, indices, values)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenize::NgramRange;

    pub(super) fn fixture_docs() -> Vec<String> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/sklearn/tfidf_expected.json"
        );
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(path).expect("fixture")).expect("json");
        v["docs"]
            .as_array()
            .expect("docs")
            .iter()
            .map(|d| d.as_str().expect("doc").to_string())
            .collect()
    }

    pub(super) fn tricky() -> Vec<String> {
        let mut v: Vec<String> = [
            "",
            " ",
            "\n\t",
            "???",
            "Don’t stop the #StandWithUkraine talks, @POTUS! See https://x.com/a?b=1 🇺🇦🙏 $24",
            "“Curly quotes” and ‘single ones’ — dashes – and… ellipses",
            "❤️🇺🇦👍🏽👨‍👩‍👧 emoji only 🙏🙏🙏",
            "naïve café Ünïcödé ÀÉÎÕÜ straße İstanbul ΣΊΣΥΦΟΣ Москва 北京 e\u{301}",
            "www. www.example.com/x http:// anti-tank 1,000 3.5 don't -x- u.s.",
            "supercalifragilisticexpialidocious pneumonoultramicroscopicsilicovolcanoconiosis",
            "a b c d e f g h i j k l m n o p q r s t u v w x y z aa bb",
            "#hashtag_with_a_rather_long_name_exceeding_inline_keys @mention_x",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.push("peace ".repeat(300));
        v.push(format!("{} talks", "x".repeat(200)));
        v
    }

    /// The row computed the plain way: count `Analyzer::ngrams`, look terms up by string (or
    /// hash bucket), tf-idf, l2 per block in column order.
    fn reference(v: &Vectorizer, doc: &str) -> (Vec<Col>, Vec<f64>) {
        let cfg = v.config();
        let mut counts: std::collections::BTreeMap<usize, u32> = Default::default();
        for (block, g) in v.analyzer().ngrams(doc) {
            let Some(b) = v.blocks().iter().find(|b| b.block == block) else {
                continue;
            };
            let col = match cfg.space {
                FeatureSpace::Hashing { .. } => {
                    Some((hash_bytes(g.as_bytes()) % b.len as u64) as usize)
                }
                FeatureSpace::Vocabulary => b.terms.iter().position(|t| *t == g),
            };
            if let Some(c) = col {
                *counts.entry(b.offset + c).or_default() += 1;
            }
        }
        let (mut idx, mut val) = (Vec::new(), Vec::new());
        for b in v.blocks() {
            let start = val.len();
            for (&j, &c) in counts.range(b.offset..b.offset + b.len) {
                let c = f64::from(c);
                let tf = if cfg.sublinear_tf { 1.0 + c.ln() } else { c };
                idx.push(j as Col);
                val.push(if cfg.use_idf {
                    tf * b.idf[j - b.offset]
                } else {
                    tf
                });
            }
            if cfg.norm == Norm::L2 {
                let norm = val[start..].iter().map(|x| x * x).sum::<f64>().sqrt();
                if norm > 0.0 {
                    for x in &mut val[start..] {
                        *x /= norm;
                    }
                }
            }
        }
        (idx, val)
    }

    pub(super) fn configs() -> Vec<VectorizerConfig> {
        vec![
            VectorizerConfig::default(),
            VectorizerConfig {
                tokenizer: TokenizerConfig::sklearn(
                    Some(NgramRange { min: 1, max: 2 }),
                    Some((2, 5)),
                ),
                ..VectorizerConfig::default()
            },
            VectorizerConfig {
                space: FeatureSpace::Hashing { bits: 12 },
                ..VectorizerConfig::default()
            },
            VectorizerConfig {
                tokenizer: TokenizerConfig {
                    filters: vec![
                        crate::tokenize::Filter::StopWords {
                            language: crate::tokenize::Language::English,
                        },
                        crate::tokenize::Filter::MinLength { min: 3 },
                    ],
                    word_ngrams: Some(NgramRange { min: 1, max: 3 }),
                    ..TokenizerConfig::default()
                },
                sublinear_tf: false,
                ..VectorizerConfig::default()
            },
            // the default model's chain: stems, and char n-grams from whitespace chunks, whose
            // cache records then carry the tokens' forms (some dropped by stop words)
            VectorizerConfig {
                tokenizer: TokenizerConfig {
                    filters: vec![
                        crate::tokenize::Filter::StopWords {
                            language: crate::tokenize::Language::English,
                        },
                        crate::tokenize::Filter::Stem {
                            language: crate::tokenize::Language::English,
                        },
                    ],
                    char_ngrams: Some(crate::tokenize::CharNgrams {
                        min: 2,
                        max: 5,
                        source: CharSource::Whitespace,
                    }),
                    ..TokenizerConfig::default()
                },
                ..VectorizerConfig::default()
            },
        ]
    }

    #[test]
    fn fast_path_equals_reference_bit_for_bit() {
        let mut docs = fixture_docs();
        let tricky = tricky();
        // fit on the fixture plus half the tricky strings, so the rest hold unseen n-grams
        let fit_docs: Vec<String> = docs
            .iter()
            .chain(tricky.iter().step_by(2))
            .cloned()
            .collect();
        docs.extend(tricky);
        for cfg in configs() {
            let (v, _) = Vectorizer::fit(cfg.clone(), &fit_docs).unwrap();
            let mut s = FeatureScratch::default();
            let (mut i, mut x) = (Vec::new(), Vec::new());
            for (k, d) in docs.iter().enumerate() {
                let (ri, rx) = reference(&v, d);
                v.transform_into(d, &mut s, &mut i, &mut x);
                assert_eq!(i, ri, "{cfg:?} doc {k} columns");
                let bits = |v: &[f64]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&x), bits(&rx), "{cfg:?} doc {k} values");
            }
        }
    }

    /// Fitting counts a window of chunks at a time, its size set by the thread count: over
    /// several windows, every thread count gives the same vectorizer, whose document
    /// frequencies are those counted document by document.
    #[test]
    fn fit_over_several_windows_counts_every_document_once() {
        let base = fixture_docs();
        let n = base.len();
        let docs: Vec<String> = (0..5_000)
            .map(|i| format!("{} {}", base[i % n], base[(i * 7 + 3) % n]))
            .collect();
        let cfg = VectorizerConfig::default();
        let fit = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| Vectorizer::fit(cfg.clone(), &docs).unwrap())
        };
        // windows of 2048, 4096 and 6144 documents
        let (v, stats) = fit(1);
        for threads in [2, 3] {
            let (w, s) = fit(threads);
            assert_eq!(s, stats, "{threads} threads");
            assert_eq!(
                serde_json::to_vec(&w).unwrap(),
                serde_json::to_vec(&v).unwrap(),
                "{threads} threads"
            );
        }
        let mut df: HashMap<(Block, String), u32> = HashMap::new();
        for d in &docs {
            let grams: std::collections::HashSet<_> = v.analyzer().ngrams(d).into_iter().collect();
            for g in grams {
                *df.entry(g).or_default() += 1;
            }
        }
        for b in v.blocks() {
            let seen = df.keys().filter(|(block, _)| *block == b.block).count();
            assert!(stats.seen.contains(&(b.block, seen)), "{:?}", b.block);
            for (t, &d) in b.terms.iter().zip(&b.df) {
                assert_eq!(d, df[&(b.block, t.clone())], "{t:?}");
            }
        }
    }

    #[test]
    fn chunks_assemble_in_order() {
        let chunk = |ends: Vec<usize>, indices: Vec<Col>| RowChunk {
            values: indices.iter().map(|&j| j as Value).collect(),
            ends,
            indices,
        };
        let parts = vec![
            chunk(vec![2, 2], vec![0, 3]),
            chunk(vec![1], vec![1]),
            chunk(vec![0, 3], vec![0, 2, 3]),
        ];
        let m = RowChunk::assemble(4, parts);
        let rows: Vec<&[Col]> = m.rows().map(|r| r.indices).collect();
        assert_eq!(rows, [&[0, 3][..], &[], &[1], &[], &[0, 2, 3]]);
        assert_eq!(m.row(4).values, &[0.0, 2.0, 3.0]);
    }

    #[test]
    fn the_row_check_refuses_what_from_checked_rows_must_not_get() {
        assert!(check_row(&[], 0));
        assert!(check_row(&[0, 3, 7], 8));
        assert!(!check_row(&[0, 3, 8], 8), "a column out of range");
        assert!(!check_row(&[0, 3, 3], 8), "a repeated column");
        assert!(!check_row(&[3, 0, 7], 8), "columns out of order");
        let long: Vec<Col> = (0..1000).collect();
        assert!(check_row(&long, 1000));
        let mut swapped = long.clone();
        swapped.swap(500, 501);
        assert!(
            !check_row(&swapped, 1000),
            "one swap deep inside a long row"
        );
    }

    #[test]
    #[should_panic(expected = "indptr never decreases")]
    fn from_checked_rows_refuses_a_decreasing_indptr() {
        let _ = SparseRows::from_checked_rows(4, vec![0, 2, 1, 2], vec![0, 1], vec![1.0, 1.0]);
    }

    #[test]
    fn batch_rows_equal_single_rows_whatever_the_split() {
        let mut docs = fixture_docs();
        docs.extend(tricky());
        let docs: Vec<String> = docs.iter().cycle().take(3000).cloned().collect();
        let (v, _) = Vectorizer::fit(VectorizerConfig::default(), &docs).unwrap();
        let mut s = FeatureScratch::default();
        let want = SparseRows::from_rows(
            v.n_features(),
            docs.iter().map(|d| {
                let (mut i, mut x) = (Vec::new(), Vec::new());
                v.transform_into(d, &mut s, &mut i, &mut x);
                (i, x)
            }),
        )
        .unwrap();
        assert_eq!(v.transform(&docs), want, "outside a pool");
        for threads in [1, 2, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            assert_eq!(
                pool.install(|| v.transform(&docs)),
                want,
                "{threads} threads"
            );
        }
    }

    #[test]
    fn cache_state_never_changes_rows() {
        let mut docs = fixture_docs();
        docs.extend(tricky());
        for cfg in configs() {
            let (v, _) = Vectorizer::fit(cfg, &docs).unwrap();
            let (mut i, mut x) = (Vec::new(), Vec::<f64>::new());
            let mut warm = FeatureScratch::default();
            let mut cleared = FeatureScratch::default();
            let want: Vec<_> = docs
                .iter()
                .map(|d| {
                    v.transform_into(d, &mut warm, &mut i, &mut x);
                    (i.clone(), x.clone())
                })
                .collect();
            // caches that fill up and empty themselves, bounded by entries (the table's least
            // size, 1024 slots, holds 511), then by words
            for bounds in [(64, CACHE_MAX_WORDS), (CACHE_MAX_ENTRIES, 2_000)] {
                let mut small = FeatureScratch::default();
                small.cache.bounds = bounds;
                for (k, d) in docs.iter().enumerate() {
                    v.transform_into(d, &mut small, &mut i, &mut x);
                    assert_eq!((&i, &x), (&want[k].0, &want[k].1), "doc {k}, {bounds:?}");
                }
                assert!(small.cache.clears > 0, "bounds {bounds:?} never reached");
            }
            assert_eq!(warm.cache.clears, 0);
            // twice through a warm cache, then with caches cleared before every document
            for (k, d) in docs.iter().enumerate() {
                v.transform_into(d, &mut warm, &mut i, &mut x);
                assert_eq!((&i, &x), (&want[k].0, &want[k].1), "warm doc {k}");
                cleared.cache.clear();
                v.transform_into(d, &mut cleared, &mut i, &mut x);
                assert_eq!((&i, &x), (&want[k].0, &want[k].1), "cleared doc {k}");
            }
            // a scratch last used by another vectorizer gives the same rows
            let (other, _) = Vectorizer::fit(VectorizerConfig::default(), &docs[..20]).unwrap();
            other.transform_into(&docs[0], &mut warm, &mut i, &mut x);
            v.transform_into(&docs[1], &mut warm, &mut i, &mut x);
            assert_eq!((&i, &x), (&want[1].0, &want[1].1));
        }
    }
}
