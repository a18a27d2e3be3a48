//! Reading rows from CSV/TSV, JSON Lines and raw article files, and writing result rows.
//!
//! Contract: reading is streaming (memory bounded by `max_field_bytes`, never by file size),
//! and nothing is dropped silently. Problems with a whole input are an [`IngestError`] from
//! [`open`]; problems with one row are a [`RowError`] in the record stream, and reading goes
//! on, so every input row becomes either a [`Record`] or a [`RowError`].

mod csv;
mod encoding;
mod error;
mod jsonl;
mod raw;
mod source;
mod write;

pub use encoding::{Encoding, UnknownEncoding};
pub use error::{IngestError, RowError, RowErrorKind};
pub use write::{AtomicFile, Cell, OutputFormat, RowWriter};

use crate::clean::UnitKind;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

/// Default cap on one field: far above any real article, low enough that a runaway quote
/// cannot take the machine's memory.
pub const DEFAULT_MAX_FIELD_BYTES: usize = 8 << 20;
/// Raw article files are segmented whole, so they are read whole; this keeps that bounded.
pub const MAX_RAW_FILE_BYTES: u64 = 64 << 20;
/// A record as a whole may hold this many times `max_field_bytes` (many mid-sized columns).
const RECORD_CAP_FACTOR: usize = 4;

/// How an input is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Csv {
        delimiter: u8,
    },
    Jsonl,
    /// A scraped article page, segmented by `clean::segment` into headline/paragraphs/comments.
    Raw,
}

impl Format {
    /// By extension only (content sniffing guesses wrong on short or odd files, and the caller
    /// can always say `format` explicitly); a `.gz` file by the extension before it.
    pub fn detect(path: &Path) -> Format {
        let ext_of = |p: &Path| {
            p.extension()
                .and_then(|e| e.to_str())
                .map(|e| e.to_ascii_lowercase())
        };
        let mut ext = ext_of(path);
        if ext.as_deref() == Some("gz") {
            ext = path.file_stem().and_then(|stem| ext_of(Path::new(stem)));
        }
        match ext.as_deref() {
            Some("csv") => Format::Csv { delimiter: b',' },
            Some("tsv") | Some("tab") => Format::Csv { delimiter: b'\t' },
            Some("jsonl") | Some("ndjson") | Some("json") => Format::Jsonl,
            _ => Format::Raw,
        }
    }
}

impl FromStr for Format {
    type Err = String;
    /// For a CLI flag: "csv", "tsv", "jsonl"/"ndjson"/"json", "raw".
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(Format::Csv { delimiter: b',' }),
            "tsv" | "tab" => Ok(Format::Csv { delimiter: b'\t' }),
            "jsonl" | "ndjson" | "json" => Ok(Format::Jsonl),
            "raw" | "txt" | "text" => Ok(Format::Raw),
            _ => Err(format!(
                "unknown input format '{s}' (expected one of: csv, tsv, jsonl, raw)"
            )),
        }
    }
}

/// Everything needed to read one input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputSpec {
    /// `-` means standard input.
    pub path: PathBuf,
    /// `None`: detect from the extension; standard input defaults to CSV.
    pub format: Option<Format>,
    pub text_col: String,
    pub id_col: Option<String>,
    pub encoding: Encoding,
    /// Replace undecodable bytes with U+FFFD (counted in [`ReadStats::replaced`]) instead of
    /// reporting the row.
    pub lossy: bool,
    pub max_field_bytes: usize,
    /// `false` treats `"` as an ordinary character (Python's `quoting=QUOTE_NONE`). Needed for
    /// tab-separated tweet corpora like SemEval-2016, whose unbalanced quotes would otherwise
    /// glue many lines into one field.
    pub quoting: bool,
}

impl InputSpec {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        InputSpec {
            path: path.into(),
            format: None,
            text_col: "text".to_string(),
            id_col: None,
            encoding: Encoding::Utf8,
            lossy: false,
            max_field_bytes: DEFAULT_MAX_FIELD_BYTES,
            quoting: true,
        }
    }

    fn is_stdin(&self) -> bool {
        self.path.as_os_str() == "-"
    }

    /// The format that will actually be used.
    pub fn resolved_format(&self) -> Format {
        match self.format {
            Some(f) => f,
            None if self.is_stdin() => Format::Csv { delimiter: b',' },
            None => Format::detect(&self.path),
        }
    }
}

impl Default for InputSpec {
    fn default() -> Self {
        InputSpec::new("-")
    }
}

/// Where a record sits in a raw article.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnitInfo {
    pub kind: UnitKind,
    pub position: usize,
}

/// One row (or one article unit) ready for labeling.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub source: Arc<str>,
    /// 1-based data record number (header and blank lines excluded); raw units: position + 1.
    pub number: u64,
    /// Where the record starts in the file (0 for raw units: segmentation rewrites text).
    pub byte_offset: u64,
    /// The id column's value; the record number without one (or when it is empty); raw units:
    /// `<file stem>#<position>`.
    pub id: String,
    pub text: String,
    /// Every other column by name, in file order, id column included, so outputs can carry
    /// the input's metadata through.
    pub extra: Vec<(Arc<str>, String)>,
    pub unit: Option<UnitInfo>,
}

/// Counters for the end-of-run summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadStats {
    pub records: u64,
    pub row_errors: u64,
    /// Undecodable byte sequences replaced with U+FFFD (lossy mode only).
    pub replaced: u64,
}

/// Settings shared by the format readers.
pub(crate) struct Ctx {
    pub source: Arc<str>,
    pub path: PathBuf,
    pub encoding: Encoding,
    pub lossy: bool,
    pub field_limit: usize,
    pub replaced: u64,
}

impl Ctx {
    pub fn row_error(
        &self,
        number: u64,
        offset: u64,
        id: Option<String>,
        kind: RowErrorKind,
    ) -> RowError {
        RowError {
            source: self.source.clone(),
            number,
            byte_offset: offset,
            id,
            kind,
        }
    }
}

enum Inner {
    Csv(csv_rows::CsvRows),
    Jsonl(jsonl::JsonlRows),
    Raw(raw::RawRows),
}

/// Streams the records of one input. Yields `Err(RowError)` for a bad row and keeps going;
/// after an I/O error it yields that error once and stops.
pub struct RecordReader {
    inner: Inner,
    columns: Vec<Arc<str>>,
    total: Option<u64>,
    stats: ReadStats,
}

impl RecordReader {
    /// Input column names in file order, text column included (CSV header; keys of the first
    /// JSON object; `kind, position, text` for raw files).
    pub fn columns(&self) -> &[Arc<str>] {
        &self.columns
    }

    /// Bytes consumed so far, for a progress bar against [`total_bytes`](Self::total_bytes).
    pub fn bytes_read(&self) -> u64 {
        match &self.inner {
            Inner::Csv(r) => r.bytes_read(),
            Inner::Jsonl(r) => r.bytes_read(),
            Inner::Raw(r) => r.bytes_read(),
        }
    }

    /// File size; `None` for standard input.
    pub fn total_bytes(&self) -> Option<u64> {
        self.total
    }

    pub fn stats(&self) -> ReadStats {
        let replaced = match &self.inner {
            Inner::Csv(r) => r.ctx.replaced,
            Inner::Jsonl(r) => r.ctx.replaced,
            Inner::Raw(r) => r.ctx.replaced,
        };
        ReadStats {
            replaced,
            ..self.stats
        }
    }
}

impl Iterator for RecordReader {
    type Item = Result<Record, RowError>;
    fn next(&mut self) -> Option<Self::Item> {
        let item = match &mut self.inner {
            Inner::Csv(r) => r.next(),
            Inner::Jsonl(r) => r.next(),
            Inner::Raw(r) => r.next(),
        }?;
        match &item {
            Ok(_) => self.stats.records += 1,
            Err(_) => self.stats.row_errors += 1,
        }
        Some(item)
    }
}

/// Opens one input. Errors here are about the whole input (missing, empty, binary, header
/// only, no such column); row problems come later from the iterator.
pub fn open(spec: &InputSpec) -> Result<RecordReader, IngestError> {
    let stdin = spec.is_stdin();
    let source: Arc<str> = if stdin {
        Arc::from("<stdin>")
    } else {
        Arc::from(spec.path.to_string_lossy().as_ref())
    };
    let (rdr, total): (Box<dyn std::io::Read + Send>, Option<u64>) = if stdin {
        (Box::new(std::io::stdin()), None)
    } else {
        let meta = std::fs::metadata(&spec.path).map_err(|e| IngestError::io(&spec.path, e))?;
        if meta.is_dir() {
            return Err(IngestError::Io {
                path: spec.path.clone(),
                source: std::io::Error::other("is a folder; expand it with expand_inputs"),
            });
        }
        use std::io::BufRead;
        let ioerr = |e| IngestError::io(&spec.path, e);
        let f = std::fs::File::open(&spec.path).map_err(ioerr)?;
        // looked at without seeking, which a pipe (`<(zcat ...)`) cannot do
        let mut f = std::io::BufReader::new(f);
        if f.fill_buf().map_err(ioerr)?.starts_with(b"\x1f\x8b") {
            // decompressed as it is read (large corpora are often kept compressed); its size
            // says nothing of the text's, so there is no total for a progress bar
            (Box::new(flate2::read::MultiGzDecoder::new(f)), None)
        } else {
            (Box::new(f), Some(meta.len()).filter(|_| meta.is_file()))
        }
    };
    let ctx = Ctx {
        source,
        path: spec.path.clone(),
        encoding: spec.encoding,
        lossy: spec.lossy,
        field_limit: spec.max_field_bytes.max(1),
        replaced: 0,
    };
    let (inner, columns) = match spec.resolved_format() {
        Format::Csv { delimiter } => {
            let r = csv_rows::CsvRows::open(ctx, rdr, spec, delimiter)?;
            let cols = r.columns();
            (Inner::Csv(r), cols)
        }
        Format::Jsonl => {
            let r = jsonl::JsonlRows::open(ctx, rdr, spec)?;
            let cols = r.columns();
            (Inner::Jsonl(r), cols)
        }
        Format::Raw => {
            if let Some(bytes) = total.filter(|&t| t > MAX_RAW_FILE_BYTES) {
                return Err(IngestError::TooLarge {
                    path: spec.path.clone(),
                    bytes,
                    limit: MAX_RAW_FILE_BYTES,
                });
            }
            let r = raw::RawRows::open(ctx, rdr)?;
            let cols = ["kind", "position", "text"].map(Arc::from).to_vec();
            (Inner::Raw(r), cols)
        }
    };
    Ok(RecordReader {
        inner,
        columns,
        total,
        stats: ReadStats::default(),
    })
}

/// Turns files and folders into a list of files: folders recursively, each folder's files
/// sorted by path, hidden entries (`.name`) skipped, so runs over a folder are reproducible.
/// Arguments keep their given order; `-` (stdin) passes through. Symlinked folders are not
/// followed (cycles); symlinked files are.
pub fn expand_inputs(paths: &[PathBuf]) -> Result<Vec<PathBuf>, IngestError> {
    let mut out = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            out.push(p.clone());
            continue;
        }
        let meta = std::fs::metadata(p).map_err(|e| IngestError::io(p, e))?;
        if meta.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found)?;
            if found.is_empty() {
                return Err(IngestError::EmptyFolder { path: p.clone() });
            }
            found.sort();
            out.extend(found);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), IngestError> {
    let entries = std::fs::read_dir(dir).map_err(|e| IngestError::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| IngestError::io(dir, e))?;
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        let ft = entry.file_type().map_err(|e| IngestError::io(&path, e))?;
        if ft.is_dir() {
            walk(&path, out)?;
        } else if ft.is_file() {
            out.push(path);
        } else if ft.is_symlink() {
            if let Ok(m) = std::fs::metadata(&path) {
                if m.is_file() {
                    out.push(path);
                }
            }
        }
    }
    Ok(())
}

mod csv_rows;
