//! Two kinds of failure: a whole input that cannot be read ([`IngestError`], the caller stops
//! or skips the file) and one bad row ([`RowError`], reported in the output, reading goes on).
//! The split exists because a batch over millions of rows must never lose a row silently, but
//! must also not die on the first stray byte.

use super::encoding::Encoding;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

/// A problem that makes a whole input unusable. Every message names the file and the reason.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IngestError {
    #[error("{}: no such file or folder", path.display())]
    NotFound { path: PathBuf },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: file is empty", path.display())]
    EmptyFile { path: PathBuf },
    #[error("{}: no data rows (only a header, or only blank lines)", path.display())]
    NoDataRows { path: PathBuf },
    #[error("{}: folder contains no input files (hidden files are skipped)", path.display())]
    EmptyFolder { path: PathBuf },
    #[error("{}: no column named '{column}' (available: {})", path.display(), available.join(", "))]
    MissingColumn {
        path: PathBuf,
        column: String,
        available: Vec<String>,
    },
    #[error("{}: not a text file: {reason}", path.display())]
    NotText { path: PathBuf, reason: String },
    #[error("{}: bad header: {reason}", path.display())]
    InvalidHeader { path: PathBuf, reason: String },
    #[error("{}: unsupported settings: {reason}", path.display())]
    Unsupported { path: PathBuf, reason: String },
    #[error("{}: file is {bytes} bytes, over the {limit}-byte limit for raw article files", path.display())]
    TooLarge {
        path: PathBuf,
        bytes: u64,
        limit: u64,
    },
}

impl IngestError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        let path = path.into();
        if source.kind() == std::io::ErrorKind::NotFound {
            IngestError::NotFound { path }
        } else {
            IngestError::Io { path, source }
        }
    }

    /// The input the error is about.
    pub fn path(&self) -> &std::path::Path {
        match self {
            IngestError::NotFound { path }
            | IngestError::Io { path, .. }
            | IngestError::EmptyFile { path }
            | IngestError::NoDataRows { path }
            | IngestError::EmptyFolder { path }
            | IngestError::MissingColumn { path, .. }
            | IngestError::NotText { path, .. }
            | IngestError::InvalidHeader { path, .. }
            | IngestError::Unsupported { path, .. }
            | IngestError::TooLarge { path, .. } => path,
        }
    }
}

/// Why one row could not be turned into a record.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RowErrorKind {
    /// `offset` is absolute in the file, so the byte can be inspected with `xxd -s`.
    InvalidEncoding {
        encoding: Encoding,
        offset: u64,
    },
    EmptyText,
    Ragged {
        expected: usize,
        found: usize,
    },
    /// `bytes` is the size of the offending field (or of the whole record when the record cap,
    /// 4x the field limit, was hit); the content past the limit was never held in memory.
    FieldTooLarge {
        bytes: u64,
        limit: u64,
    },
    InvalidJson(String),
    MissingField(String),
    /// A quoted field still open at end of file: the rest of the file was swallowed into it,
    /// which nearly always means a stray quote, so the row is reported rather than trusted.
    UnterminatedQuote,
    Io(String),
}

impl fmt::Display for RowErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RowErrorKind::InvalidEncoding { encoding, offset } => {
                write!(f, "invalid {encoding} byte sequence at byte {offset}")
            }
            RowErrorKind::EmptyText => f.write_str("text is empty"),
            RowErrorKind::Ragged { expected, found } => {
                write!(f, "expected {expected} fields, found {found}")
            }
            RowErrorKind::FieldTooLarge { bytes, limit } => {
                write!(f, "field of {bytes} bytes exceeds the {limit}-byte limit")
            }
            RowErrorKind::InvalidJson(msg) => write!(f, "invalid JSON: {msg}"),
            RowErrorKind::MissingField(name) => write!(f, "no field '{name}'"),
            RowErrorKind::UnterminatedQuote => {
                f.write_str("quoted field not closed before end of file")
            }
            RowErrorKind::Io(msg) => write!(f, "read error: {msg}"),
        }
    }
}

/// One row that yields no record; carries enough to write an error row in its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub source: Arc<str>,
    pub number: u64,
    pub byte_offset: u64,
    pub id: Option<String>,
    pub kind: RowErrorKind,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: record {} (byte {}): {}",
            self.source, self.number, self.byte_offset, self.kind
        )
    }
}

impl std::error::Error for RowError {}
