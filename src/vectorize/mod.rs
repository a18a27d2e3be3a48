//! Vocabulary, TF-IDF, sparse rows.

pub mod sparse;
