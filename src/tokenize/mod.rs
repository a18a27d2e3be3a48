//! Text to word and character n-grams: a chain stored as data.
//!
//! The chain (split -> lowercase -> filters -> n-grams) is a serde struct whose stages are tagged
//! enums, so a model file carries the exact analyzer it was trained with and rebuilds it on load
//! (as huggingface/tokenizers does). Two splitters exist: [`Split::Unicode`], ours, which keeps
//! what matters in news and social text (contractions with curly apostrophes, hyphenated words,
//! numbers, hashtags, @mentions, URLs, emoji), and [`Split::SklearnPattern`], scikit-learn's
//! default `(?u)\b\w\w+\b`, so that results can be checked against `TfidfVectorizer` exactly.
//!
//! The hot path never builds a `String` per n-gram: [`Analyzer::for_each_ngram`] hands out
//! borrowed slices of reusable buffers, and the vectorizer hashes them.

pub mod hash;
mod split;
pub mod stopwords;

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

pub use split::{split_sklearn, split_unicode, RawToken};

/// Errors in a tokenizer configuration.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenizeError {
    #[error("invalid {what} n-gram range {min}-{max}: need 1 <= min <= max")]
    BadRange {
        what: &'static str,
        min: usize,
        max: usize,
    },
    #[error("the tokenizer produces no features: enable word or char n-grams")]
    NoFeatures,
    #[error("unknown language {0:?}; known: {1}")]
    UnknownLanguage(String, String),
}

/// Languages for stemming and stop words (wraps rust-stemmers' algorithms so that the model
/// format does not depend on a third-party enum's serde form).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Arabic,
    Danish,
    Dutch,
    English,
    Finnish,
    French,
    German,
    Greek,
    Hungarian,
    Italian,
    Norwegian,
    Portuguese,
    Romanian,
    Russian,
    Spanish,
    Swedish,
    Tamil,
    Turkish,
}

impl Language {
    const ALL: [Language; 18] = [
        Language::Arabic,
        Language::Danish,
        Language::Dutch,
        Language::English,
        Language::Finnish,
        Language::French,
        Language::German,
        Language::Greek,
        Language::Hungarian,
        Language::Italian,
        Language::Norwegian,
        Language::Portuguese,
        Language::Romanian,
        Language::Russian,
        Language::Spanish,
        Language::Swedish,
        Language::Tamil,
        Language::Turkish,
    ];

    fn algorithm(self) -> rust_stemmers::Algorithm {
        use rust_stemmers::Algorithm as A;
        match self {
            Language::Arabic => A::Arabic,
            Language::Danish => A::Danish,
            Language::Dutch => A::Dutch,
            Language::English => A::English,
            Language::Finnish => A::Finnish,
            Language::French => A::French,
            Language::German => A::German,
            Language::Greek => A::Greek,
            Language::Hungarian => A::Hungarian,
            Language::Italian => A::Italian,
            Language::Norwegian => A::Norwegian,
            Language::Portuguese => A::Portuguese,
            Language::Romanian => A::Romanian,
            Language::Russian => A::Russian,
            Language::Spanish => A::Spanish,
            Language::Swedish => A::Swedish,
            Language::Tamil => A::Tamil,
            Language::Turkish => A::Turkish,
        }
    }

    fn name(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }
}

impl std::str::FromStr for Language {
    type Err = TokenizeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let want = s.trim().to_lowercase();
        Language::ALL
            .into_iter()
            .find(|l| l.name() == want)
            .ok_or_else(|| {
                let known: Vec<String> = Language::ALL.iter().map(|l| l.name()).collect();
                TokenizeError::UnknownLanguage(s.to_string(), known.join(", "))
            })
    }
}

/// What to do with URLs found by the Unicode splitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UrlMode {
    /// One token per URL, so a shared link is a feature but never splits into noise words.
    Keep,
    /// Dropped: links in scraped text are mostly tracking noise.
    Drop,
}

/// How text is split into word tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Split {
    /// Words (with internal apostrophes and hyphens), numbers, #hashtags, @mentions, URLs and
    /// emoji; other punctuation dropped.
    Unicode { urls: UrlMode },
    /// scikit-learn's default token pattern `(?u)\b\w\w+\b`: runs of 2+ word characters.
    SklearnPattern,
}

/// One filter applied to the word tokens, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Filter {
    /// Drops the language's stop words (matched after lowercasing, before stemming).
    StopWords { language: Language },
    /// Snowball stemming (rust-stemmers); hashtags, mentions, URLs and numbers are not stemmed.
    Stem { language: Language },
    /// Drops tokens shorter than `min` characters.
    MinLength { min: usize },
}

/// An inclusive n-gram range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NgramRange {
    pub min: usize,
    pub max: usize,
}

/// Which words character n-grams are taken from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CharSource {
    /// The splitter's tokens, lowercased, before stop words and stemming: char n-grams then
    /// capture the morphology stemming removed from the word block.
    Tokens,
    /// Whitespace-separated chunks of the lowercased text, punctuation included: exactly
    /// scikit-learn's `analyzer="char_wb"`.
    Whitespace,
}

/// Character n-grams within word boundaries (each word padded with one space on both sides).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CharNgrams {
    pub min: usize,
    pub max: usize,
    pub source: CharSource,
}

/// The whole analyzer chain; stored in every model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenizerConfig {
    pub split: Split,
    pub lowercase: bool,
    pub filters: Vec<Filter>,
    pub word_ngrams: Option<NgramRange>,
    pub char_ngrams: Option<CharNgrams>,
}

impl Default for TokenizerConfig {
    /// Our default: Unicode split keeping URLs, lowercase, English stemming, word 1-2 and
    /// char 2-5 n-grams from the tokens.
    fn default() -> Self {
        TokenizerConfig {
            split: Split::Unicode {
                urls: UrlMode::Keep,
            },
            lowercase: true,
            filters: vec![Filter::Stem {
                language: Language::English,
            }],
            word_ngrams: Some(NgramRange { min: 1, max: 2 }),
            char_ngrams: Some(CharNgrams {
                min: 2,
                max: 5,
                source: CharSource::Tokens,
            }),
        }
    }
}

impl TokenizerConfig {
    /// The analyzers of scikit-learn's `TfidfVectorizer()` (word 1-1 by default) and
    /// `TfidfVectorizer(analyzer="char_wb")`, for checking our numbers against it.
    pub fn sklearn(word: Option<NgramRange>, chars: Option<(usize, usize)>) -> Self {
        TokenizerConfig {
            split: Split::SklearnPattern,
            lowercase: true,
            filters: vec![],
            word_ngrams: word,
            char_ngrams: chars.map(|(min, max)| CharNgrams {
                min,
                max,
                source: CharSource::Whitespace,
            }),
        }
    }

    /// Checks ranges and that some feature is produced.
    ///
    /// # Errors
    /// [`TokenizeError::BadRange`] or [`TokenizeError::NoFeatures`].
    pub fn check(&self) -> Result<(), TokenizeError> {
        if let Some(r) = self.word_ngrams {
            if r.min == 0 || r.min > r.max {
                return Err(TokenizeError::BadRange {
                    what: "word",
                    min: r.min,
                    max: r.max,
                });
            }
        }
        if let Some(c) = self.char_ngrams {
            if c.min == 0 || c.min > c.max {
                return Err(TokenizeError::BadRange {
                    what: "char",
                    min: c.min,
                    max: c.max,
                });
            }
        }
        if self.word_ngrams.is_none() && self.char_ngrams.is_none() {
            return Err(TokenizeError::NoFeatures);
        }
        Ok(())
    }
}

/// Which block of the feature row an n-gram belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Block {
    Word,
    Char,
}

/// The compiled chain: checked config plus stop-word set and stemmer.
#[derive(Clone)]
pub struct Analyzer {
    config: TokenizerConfig,
    stop: HashSet<&'static str>,
    stem: Option<Language>,
    min_len: usize,
}

/// Reusable buffers, one per thread, so analysis allocates nothing per n-gram.
#[derive(Default)]
pub struct Scratch {
    lower: String,
    raw: Vec<RawToken>,
    /// With char n-grams from whitespace chunks, their byte ranges in `lower` (found once,
    /// read by every pass over the chunks).
    chunks: Vec<(usize, usize)>,
    words: Vec<(usize, usize)>,
    word_buf: String,
    ngram: String,
    chars: CharScratch,
}

/// Buffers for char n-grams of one chunk.
#[derive(Default)]
pub struct CharScratch {
    padded: String,
    bounds: Vec<usize>,
}

thread_local! {
    static STEMS: RefCell<HashMap<String, String, hash::BuildPassThrough>> = RefCell::new(HashMap::default());
}

/// Stems are cached per thread: stemming is the costliest step per token, and word frequencies
/// are Zipfian, so a bounded cache removes most of it.
const STEM_CACHE_MAX: usize = 200_000;

impl Analyzer {
    /// Compiles a config.
    ///
    /// # Errors
    /// As [`TokenizerConfig::check`].
    pub fn new(config: TokenizerConfig) -> Result<Self, TokenizeError> {
        config.check()?;
        let mut stop = HashSet::new();
        let mut stem = None;
        let mut min_len = 0;
        for f in &config.filters {
            match f {
                Filter::StopWords { language } => stop.extend(stopwords::list(*language)),
                Filter::Stem { language } => stem = Some(*language),
                Filter::MinLength { min } => min_len = min_len.max(*min),
            }
        }
        Ok(Analyzer {
            config,
            stop,
            stem,
            min_len,
        })
    }

    pub fn config(&self) -> &TokenizerConfig {
        &self.config
    }

    /// The final word tokens of `text` (after filters), as owned strings: for debugging,
    /// explanations and tests; the vectorizer uses [`Analyzer::for_each_ngram`].
    pub fn tokens(&self, text: &str) -> Vec<String> {
        let mut s = Scratch::default();
        self.word_tokens(text, &mut s);
        s.words
            .iter()
            .map(|&(a, b)| s.word_buf[a..b].to_string())
            .collect()
    }

    /// Every n-gram of `text` (with repeats), as `(block, ngram)`. For tests and debugging.
    pub fn ngrams(&self, text: &str) -> Vec<(Block, String)> {
        let mut out = Vec::new();
        self.for_each_ngram(text, &mut Scratch::default(), |b, g| {
            out.push((b, g.to_string()))
        });
        out
    }

    /// Calls `f` for every word n-gram then every char n-gram of `text` (with repeats).
    pub fn for_each_ngram<F: FnMut(Block, &str)>(&self, text: &str, s: &mut Scratch, mut f: F) {
        self.word_tokens(text, s);
        if let Some(r) = self.config.word_ngrams {
            let Scratch {
                words,
                word_buf,
                ngram,
                ..
            } = s;
            let n_tok = words.len();
            for n in r.min..=r.max.min(n_tok) {
                for i in 0..=(n_tok - n) {
                    if n == 1 {
                        let (a, b) = words[i];
                        f(Block::Word, &word_buf[a..b]);
                    } else {
                        ngram.clear();
                        for (k, &(a, b)) in words[i..i + n].iter().enumerate() {
                            if k > 0 {
                                ngram.push(' ');
                            }
                            ngram.push_str(&word_buf[a..b]);
                        }
                        f(Block::Word, ngram);
                    }
                }
            }
        }
        if let Some(c) = self.config.char_ngrams {
            match c.source {
                CharSource::Tokens => {
                    let Scratch {
                        lower, raw, chars, ..
                    } = s;
                    for t in raw.iter() {
                        char_wb(
                            &lower[t.start..t.end],
                            c,
                            &mut chars.padded,
                            &mut chars.bounds,
                            &mut f,
                        );
                    }
                }
                CharSource::Whitespace => {
                    let Scratch { lower, chars, .. } = s;
                    for w in lower.split_whitespace() {
                        char_wb(w, c, &mut chars.padded, &mut chars.bounds, &mut f);
                    }
                }
            }
        }
    }

    /// Lowercases into `s.lower`, splits into `s.raw`, applies filters into `s.word_buf`/`s.words`.
    fn word_tokens(&self, text: &str, s: &mut Scratch) {
        self.split_into(text, s);
        s.words.clear();
        s.word_buf.clear();
        for t in &s.raw {
            let start = s.word_buf.len();
            if self.word_form(&s.lower[t.start..t.end], t.stemmable, &mut s.word_buf) {
                s.words.push((start, s.word_buf.len()));
            }
        }
    }

    /// Normalizes and splits `text` into the scratch's raw tokens (before filters); read them
    /// with [`Scratch::raw_tokens`].
    pub fn split_into(&self, text: &str, s: &mut Scratch) {
        self.normalize_into(text, s);
        split_with(&self.config.split, &s.lower, &mut s.raw);
    }

    /// The first half of [`Analyzer::split_into`]: the normalized text only (no tokens), for a
    /// caller that takes tokens chunk by chunk with [`Analyzer::split_chunk`].
    pub fn normalize_into(&self, text: &str, s: &mut Scratch) {
        s.lower.clear();
        s.raw.clear();
        s.chunks.clear();
        // Folding apostrophes is ours; the sklearn-compatible chain leaves text as sklearn does.
        let fold = matches!(self.config.split, Split::Unicode { .. });
        normalize_into(text, self.config.lowercase, fold, &mut s.lower);
        if self.config.char_ngrams.map(|c| c.source) == Some(CharSource::Whitespace) {
            let base = s.lower.as_ptr() as usize;
            s.chunks.extend(s.lower.split_whitespace().map(|c| {
                let start = c.as_ptr() as usize - base;
                (start, start + c.len())
            }));
        }
    }

    /// The raw tokens of one whitespace-separated chunk of normalized text, as byte ranges of
    /// the chunk. No token spans whitespace and none depends on the text around its chunk, so
    /// a text's tokens are its chunks' tokens in order (tested below): a cache of chunks can
    /// hold their tokens too.
    pub fn split_chunk(&self, chunk: &str, out: &mut Vec<RawToken>) {
        out.clear();
        split_with(&self.config.split, chunk, out);
    }

    /// Applies the filters to one raw token, appending its final form (e.g. its stem) to `out`;
    /// false (and nothing appended) when a filter drops it.
    pub fn word_form(&self, tok: &str, stemmable: bool, out: &mut String) -> bool {
        if !self.stop.is_empty() && self.stop.contains(tok) {
            return false;
        }
        if self.min_len > 0 && tok.chars().count() < self.min_len {
            return false;
        }
        match self.stem {
            Some(lang) if stemmable => stem_into(lang, tok, out),
            _ => out.push_str(tok),
        }
        true
    }

    /// The chunks that char n-grams are taken from, in order: the raw tokens or the
    /// whitespace-separated pieces of the normalized text (after [`Analyzer::split_into`]).
    pub fn char_chunks<'s>(&self, s: &'s Scratch) -> impl Iterator<Item = &'s str> + 's {
        let source = self.config.char_ngrams.map(|c| c.source);
        let (tokens, pieces): (&[RawToken], &[(usize, usize)]) = match source {
            Some(CharSource::Tokens) => (&s.raw, &[]),
            Some(CharSource::Whitespace) => (&[], &s.chunks),
            None => (&[], &[]),
        };
        let ranges = tokens.iter().map(|t| (t.start, t.end));
        ranges
            .chain(pieces.iter().copied())
            .map(|(a, b)| &s.lower[a..b])
    }

    /// Calls `f` with each char n-gram of one chunk (with repeats), as scikit-learn's `char_wb`.
    pub fn for_each_char_ngram<F: FnMut(&str)>(&self, chunk: &str, cs: &mut CharScratch, mut f: F) {
        if let Some(c) = self.config.char_ngrams {
            char_wb(chunk, c, &mut cs.padded, &mut cs.bounds, &mut |_, g| f(g));
        }
    }
}

impl Scratch {
    /// Bytes of the last text split or normalized, after normalizing.
    pub fn text_len(&self) -> usize {
        self.lower.len()
    }

    /// The raw tokens of the last [`Analyzer::split_into`]: text and whether it may be stemmed.
    pub fn raw_tokens(&self) -> impl Iterator<Item = (&str, bool)> + '_ {
        self.raw
            .iter()
            .map(|t| (&self.lower[t.start..t.end], t.stemmable))
    }
}

fn stem_into(lang: Language, tok: &str, out: &mut String) {
    STEMS.with(|cache| {
        let mut cache = cache.borrow_mut();
        // The cache key carries the language so two analyzers on one thread never mix stems.
        let mut key = String::with_capacity(tok.len() + 1);
        key.push(char::from(lang as u8 + b'A'));
        key.push_str(tok);
        if let Some(s) = cache.get(&key) {
            out.push_str(s);
            return;
        }
        let stemmed = rust_stemmers::Stemmer::create(lang.algorithm())
            .stem(tok)
            .into_owned();
        out.push_str(&stemmed);
        if cache.len() >= STEM_CACHE_MAX {
            cache.clear();
        }
        cache.insert(key, stemmed);
    });
}

/// Lowercases like Python's `str.lower()` for the texts we see (ASCII fast path); with `fold`,
/// curly apostrophes become straight ones so "don’t" and "don't" are one token.
fn split_with(split: &Split, text: &str, out: &mut Vec<RawToken>) {
    match split {
        Split::Unicode { urls } => split_unicode(text, *urls, out),
        Split::SklearnPattern => split_sklearn(text, out),
    }
}

fn normalize_into(text: &str, lowercase: bool, fold: bool, out: &mut String) {
    out.reserve(text.len());
    if text.is_ascii() {
        out.push_str(text);
        if lowercase {
            out.make_ascii_lowercase();
        }
        return;
    }
    for c in text.chars() {
        if fold && matches!(c, '\u{2019}' | '\u{02BC}') {
            out.push('\'');
        } else if !lowercase || c.is_ascii() {
            out.push(if lowercase { c.to_ascii_lowercase() } else { c });
        } else {
            out.extend(c.to_lowercase());
        }
    }
}

/// scikit-learn's `_char_wb_ngrams` for one word: pad with a space on each side; for each n,
/// every window of n chars; a padded word of n chars or fewer is emitted once, whole, and ends
/// the loop (so short words are not counted again for larger n).
fn char_wb<F: FnMut(Block, &str)>(
    word: &str,
    c: CharNgrams,
    padded: &mut String,
    bounds: &mut Vec<usize>,
    f: &mut F,
) {
    padded.clear();
    padded.push(' ');
    padded.push_str(word);
    padded.push(' ');
    bounds.clear();
    bounds.extend(padded.char_indices().map(|(i, _)| i));
    bounds.push(padded.len());
    let w_len = bounds.len() - 1;
    for n in c.min..=c.max {
        if w_len <= n {
            f(Block::Char, padded);
            break;
        }
        for off in 0..=(w_len - n) {
            f(Block::Char, &padded[bounds[off]..bounds[off + n]]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What lets the vectorizer cache a whitespace chunk's tokens with the chunk.
    #[test]
    fn a_texts_tokens_are_its_chunks_tokens() {
        use proptest::prelude::*;
        let alphabet: Vec<char> =
            "aZ09_'’-‐.,;:!?()#@/ \t\n\u{A0}\u{2003}üß\u{301}日😀🇺🇦\u{200D}\u{FE0F}hwtps"
                .chars()
                .collect();
        let pieces = [
            "http://",
            "https://x.co/a",
            "www.",
            "don't ",
            "#tag",
            "@me",
            "1,000.5",
        ];
        let strat = proptest::collection::vec(
            prop_oneof![
                proptest::sample::select(alphabet).prop_map(String::from),
                proptest::sample::select(pieces.to_vec()).prop_map(String::from),
            ],
            0..30,
        );
        let splits = [
            Split::Unicode {
                urls: UrlMode::Keep,
            },
            Split::Unicode {
                urls: UrlMode::Drop,
            },
            Split::SklearnPattern,
        ];
        for split in splits {
            let cfg = TokenizerConfig {
                split,
                ..TokenizerConfig::default()
            };
            let a = Analyzer::new(cfg).unwrap();
            proptest!(|(parts in strat.clone())| {
                let (mut s, mut chunk_raw) = (Scratch::default(), Vec::new());
                let text: String = parts.concat();
                a.split_into(&text, &mut s);
                let whole: Vec<(&str, bool)> = s.raw_tokens().collect();
                let mut chunked = Vec::new();
                for chunk in s.lower.split_whitespace() {
                    a.split_chunk(chunk, &mut chunk_raw);
                    chunked.extend(chunk_raw.iter().map(|t| (&chunk[t.start..t.end], t.stemmable)));
                }
                prop_assert_eq!(whole, chunked, "{:?}", text);
            });
        }
    }

    fn words(cfg: &TokenizerConfig, text: &str) -> Vec<String> {
        Analyzer::new(cfg.clone()).unwrap().tokens(text)
    }

    #[test]
    fn default_chain_stems_and_keeps_social_tokens() {
        let cfg = TokenizerConfig::default();
        let t = words(
            &cfg,
            "Don’t stop the #StandWithUkraine talks, @POTUS! See https://x.com/a?b=1 🇺🇦🙏 $24 billion",
        );
        assert_eq!(
            t,
            vec![
                "don't",
                "stop",
                "the",
                "#standwithukraine",
                "talk",
                "@potus",
                "see",
                "https://x.com/a?b=1",
                "🇺🇦",
                "🙏",
                "24",
                "billion"
            ]
        );
    }

    #[test]
    fn urls_can_be_dropped() {
        let cfg = TokenizerConfig {
            split: Split::Unicode {
                urls: UrlMode::Drop,
            },
            filters: vec![],
            ..TokenizerConfig::default()
        };
        assert_eq!(
            words(&cfg, "read www.example.com/x now"),
            vec!["read", "now"]
        );
    }

    #[test]
    fn stop_words_then_bigrams() {
        let cfg = TokenizerConfig {
            filters: vec![Filter::StopWords {
                language: Language::English,
            }],
            char_ngrams: None,
            ..TokenizerConfig::default()
        };
        let a = Analyzer::new(cfg).unwrap();
        let g: Vec<String> = a
            .ngrams("The aid is not enough")
            .into_iter()
            .map(|x| x.1)
            .collect();
        assert_eq!(g, vec!["aid", "not", "enough", "aid not", "not enough"]);
    }

    #[test]
    fn char_wb_matches_sklearn_rules() {
        let cfg = TokenizerConfig::sklearn(None, Some((2, 5)));
        let a = Analyzer::new(cfg).unwrap();
        let g: Vec<String> = a.ngrams("a bc").into_iter().map(|x| x.1).collect();
        // sklearn: char_wb(2,5) on "a bc" -> ' a','a ',' a ' | ' b','bc','c ',' bc','bc ',' bc '
        assert_eq!(
            g,
            vec![" a", "a ", " a ", " b", "bc", "c ", " bc", "bc ", " bc "]
        );
    }

    #[test]
    fn sklearn_pattern_keeps_two_char_words() {
        let cfg = TokenizerConfig::sklearn(Some(NgramRange { min: 1, max: 1 }), None);
        assert_eq!(
            words(&cfg, "I can't go to U.S. bases_1 now"),
            vec!["can", "go", "to", "bases_1", "now"]
        );
    }

    #[test]
    fn bad_configs_are_errors() {
        let mut cfg = TokenizerConfig {
            word_ngrams: Some(NgramRange { min: 2, max: 1 }),
            ..TokenizerConfig::default()
        };
        assert!(matches!(cfg.check(), Err(TokenizeError::BadRange { .. })));
        cfg.word_ngrams = None;
        cfg.char_ngrams = None;
        assert_eq!(cfg.check(), Err(TokenizeError::NoFeatures));
        assert!("klingon".parse::<Language>().is_err());
        assert_eq!("English".parse::<Language>().unwrap(), Language::English);
    }

    #[test]
    fn config_roundtrips_as_tagged_json() {
        let cfg = TokenizerConfig::default();
        let json = serde_json::to_string(&cfg).unwrap();
        assert!(json.contains(r#""type":"Unicode""#) && json.contains(r#""type":"Stem""#));
        let back: TokenizerConfig = serde_json::from_str(&json).unwrap();
        assert_eq!(back, cfg);
    }
}
