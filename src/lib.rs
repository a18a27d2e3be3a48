//! # stance
//!
//! Labels news articles and their reader comments by stance toward peace negotiation, stance
//! toward military aid, and sentiment. Data flows one way:
//!
//! 1. [`ingest`] reads rows (CSV/TSV, JSON Lines) or raw scraped article files, in any of the
//!    supported encodings, reporting bad rows instead of stopping;
//! 2. [`clean`] splits a raw article into headline, body paragraphs and reader comments, dropping
//!    page clutter and teasers of other stories;
//! 3. [`tokenize`] turns text into word and character n-grams (a chain stored as data);
//! 4. [`vectorize`] turns n-grams into TF-IDF sparse rows with a vocabulary and idf fitted once;
//! 5. [`model`] holds the sparse linear learners that turn rows into labels.

// The one exception is `vectorize::prefetch`, a cache hint that reads nothing.
#![deny(unsafe_code)]

pub mod bundle;
pub mod clean;
pub mod dataset;
mod error;
pub mod eval;
pub mod explain;
pub mod ingest;
pub mod model;
pub mod score;
pub mod search;
pub mod tokenize;
pub mod train;
pub mod vectorize;

pub use error::Error;
pub use vectorize::sparse::{Col, OwnedRow, SparseRow, SparseRows};
