//! Argument groups shared by several verbs.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use stance::ingest::{Encoding, Format, InputSpec, DEFAULT_MAX_FIELD_BYTES};
use stance::tokenize::{
    CharNgrams, CharSource, Filter, Language, NgramRange, Split, TokenizerConfig, UrlMode,
};
use stance::vectorize::{DfBound, FeatureSpace, VectorizerConfig};
use stance::Error;

/// How input files are read.
#[derive(Args, Debug, Clone)]
pub struct InputArgs {
    /// Column (CSV/TSV) or key (JSON Lines) holding the text.
    #[arg(long, default_value = "text")]
    pub text_col: String,
    /// Column or key holding a row id (default: the record number).
    #[arg(long)]
    pub id_col: Option<String>,
    /// Text encoding: utf-8, windows-1252, latin-1, gb18030.
    #[arg(long, default_value = "utf-8")]
    pub encoding: Encoding,
    /// Replace undecodable bytes with U+FFFD (counted) instead of reporting the row.
    #[arg(long)]
    pub lossy: bool,
    /// Field delimiter for CSV input (a single ASCII character; `\t` for tab). Default: from the
    /// extension (.tsv is tab-separated).
    #[arg(long)]
    pub delimiter: Option<String>,
    /// Input format, for stdin (default: csv) or a file whose extension does not tell: csv,
    /// tsv, jsonl, raw. (`--format` is the output's, in the verbs that write rows.)
    #[arg(long)]
    pub input_format: Option<Format>,
    /// Treat `"` as an ordinary character (for tweet corpora such as SemEval-2016 TSV).
    #[arg(long)]
    pub no_quoting: bool,
    /// Fields larger than this many bytes are reported as row errors.
    #[arg(long, default_value_t = DEFAULT_MAX_FIELD_BYTES)]
    pub max_field_bytes: usize,
}

impl InputArgs {
    /// The read settings for one input path.
    pub fn spec(&self, path: PathBuf) -> Result<InputSpec, Error> {
        let mut spec = InputSpec::new(path);
        spec.text_col = self.text_col.clone();
        spec.id_col = self.id_col.clone();
        spec.encoding = self.encoding;
        spec.lossy = self.lossy;
        spec.quoting = !self.no_quoting;
        spec.max_field_bytes = self.max_field_bytes;
        spec.format = self.input_format;
        if let Some(d) = &self.delimiter {
            let byte = match d.as_str() {
                "\\t" | "tab" | "\t" => b'\t',
                s if s.len() == 1 && s.is_ascii() => s.as_bytes()[0],
                s => {
                    return Err(Error::Usage(format!(
                        "--delimiter must be one ASCII character (or \\t), got {s:?}"
                    )))
                }
            };
            spec.format = Some(Format::Csv { delimiter: byte });
        }
        Ok(spec)
    }
}

/// An inclusive n-gram range written `1-2` (or `1` for `1-1`); `none` disables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range(pub Option<(usize, usize)>);

fn parse_range(s: &str) -> Result<Range, String> {
    if s.eq_ignore_ascii_case("none") || s == "0" {
        return Ok(Range(None));
    }
    let (a, b) = s.split_once('-').unwrap_or((s, s));
    let a: usize = a
        .trim()
        .parse()
        .map_err(|_| format!("bad range {s:?}: want e.g. 1-2"))?;
    let b: usize = b
        .trim()
        .parse()
        .map_err(|_| format!("bad range {s:?}: want e.g. 1-2"))?;
    Ok(Range(Some((a, b))))
}

/// The CLI spelling of [`CharSource`].
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum CharSourceArg {
    Tokens,
    Whitespace,
}

impl From<CharSourceArg> for CharSource {
    fn from(a: CharSourceArg) -> Self {
        match a {
            CharSourceArg::Tokens => CharSource::Tokens,
            CharSourceArg::Whitespace => CharSource::Whitespace,
        }
    }
}

/// Feature settings: everything that shapes the vectorizer (stored in the model).
#[derive(Args, Debug, Clone)]
pub struct FeatureArgs {
    /// Word n-gram range, e.g. 1-2; `none` to disable.
    #[arg(long, default_value = "1-2", value_parser = parse_range)]
    pub word_ngrams: Range,
    /// Character n-gram range within word boundaries, e.g. 2-5; `none` to disable.
    #[arg(long, default_value = "2-5", value_parser = parse_range)]
    pub char_ngrams: Range,
    /// Where char n-grams come from: `tokens` (the word splitter's tokens, punctuation dropped)
    /// or `whitespace` (whitespace-separated chunks, punctuation and emoticons kept, like
    /// scikit-learn's `char_wb`).
    #[arg(long, value_enum, default_value = "tokens")]
    pub char_source: CharSourceArg,
    /// Minimum document frequency: a count (2) or a fraction (0.001).
    #[arg(long, default_value = "1")]
    pub min_df: DfBound,
    /// Maximum document frequency: a count or a fraction (1.0 keeps all).
    #[arg(long, default_value = "1.0")]
    pub max_df: DfBound,
    /// Keep at most this many terms per block (most frequent).
    #[arg(long)]
    pub max_features: Option<usize>,
    /// Raw term counts instead of 1 + ln(tf).
    #[arg(long)]
    pub no_sublinear: bool,
    /// Do not stem words.
    #[arg(long)]
    pub no_stem: bool,
    /// Remove stop words of the language.
    #[arg(long)]
    pub stop_words: bool,
    /// Language for stemming and stop words.
    #[arg(long, default_value = "english")]
    pub language: Language,
    /// Drop URLs instead of keeping each as one token.
    #[arg(long)]
    pub drop_urls: bool,
    /// Hash n-grams into 2^BITS buckets per block instead of keeping a vocabulary.
    #[arg(long)]
    pub hashing_bits: Option<u8>,
    /// Tokenize exactly as scikit-learn's TfidfVectorizer does (token pattern \b\w\w+\b,
    /// char_wb on whitespace chunks, no stemming): for checking against scikit-learn.
    #[arg(long)]
    pub sklearn_analyzer: bool,
}

impl FeatureArgs {
    pub fn config(&self) -> VectorizerConfig {
        let word = self.word_ngrams.0.map(|(min, max)| NgramRange { min, max });
        let tokenizer = if self.sklearn_analyzer {
            TokenizerConfig::sklearn(word, self.char_ngrams.0)
        } else {
            let mut filters = Vec::new();
            if self.stop_words {
                filters.push(Filter::StopWords {
                    language: self.language,
                });
            }
            if !self.no_stem {
                filters.push(Filter::Stem {
                    language: self.language,
                });
            }
            TokenizerConfig {
                split: Split::Unicode {
                    urls: if self.drop_urls {
                        UrlMode::Drop
                    } else {
                        UrlMode::Keep
                    },
                },
                lowercase: true,
                filters,
                word_ngrams: word,
                char_ngrams: self.char_ngrams.0.map(|(min, max)| CharNgrams {
                    min,
                    max,
                    source: self.char_source.into(),
                }),
            }
        };
        VectorizerConfig {
            tokenizer,
            space: match self.hashing_bits {
                Some(bits) => FeatureSpace::Hashing { bits },
                None => FeatureSpace::Vocabulary,
            },
            min_df: self.min_df,
            max_df: self.max_df,
            max_features: self.max_features,
            sublinear_tf: !self.no_sublinear,
            ..VectorizerConfig::default()
        }
    }
}
