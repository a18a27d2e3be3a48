//! CSV/TSV records: header handling, per-field decoding and row-level checks.

use super::csv::{CsvParser, RawRecord};
use super::encoding::decode;
use super::source::{sniff_not_text, Source};
use super::{
    Ctx, Encoding, IngestError, InputSpec, Record, RowError, RowErrorKind, RECORD_CAP_FACTOR,
};
use std::io::Read;
use std::sync::Arc;

/// Why `delimiter` cannot split this encoding safely, if it cannot: the splitter works on raw
/// bytes, so the delimiter must never occur inside a multi-byte character.
fn bad_delimiter(delimiter: u8, quoting: bool, encoding: Encoding) -> Option<String> {
    let shown = (delimiter as char).escape_default();
    if delimiter >= 0x80 {
        return Some(format!("delimiter byte 0x{delimiter:02x} is not ASCII"));
    }
    if delimiter == b'\r' || delimiter == b'\n' || (quoting && delimiter == b'"') {
        return Some(format!("'{shown}' cannot be the delimiter"));
    }
    let gb_trail = (0x30..=0x39).contains(&delimiter) || (0x40..=0x7e).contains(&delimiter);
    if encoding == Encoding::Gb18030 && gb_trail {
        return Some(format!(
            "'{shown}' can be the second byte of a GB18030 character; use ',', tab or ';'"
        ));
    }
    None
}

pub(crate) struct CsvRows {
    pub ctx: Ctx,
    parser: CsvParser,
    rec: RawRecord,
    header: Vec<Arc<str>>,
    text_idx: usize,
    id_idx: Option<usize>,
    number: u64,
    /// The first data record, read at open time to tell "header only" from "has data".
    pending: Option<Result<Record, RowError>>,
    done: bool,
}

impl CsvRows {
    pub fn open(
        ctx: Ctx,
        rdr: Box<dyn Read + Send>,
        spec: &InputSpec,
        delimiter: u8,
    ) -> Result<Self, IngestError> {
        let path = ctx.path.clone();
        if let Some(reason) = bad_delimiter(delimiter, spec.quoting, ctx.encoding) {
            return Err(IngestError::Unsupported { path, reason });
        }
        let ioerr = |e| IngestError::io(&path, e);
        let mut src = Source::new(rdr);
        let head = src.peek(8192).map_err(ioerr)?;
        if head.is_empty() {
            return Err(IngestError::EmptyFile { path });
        }
        if let Some(reason) = sniff_not_text(head) {
            return Err(IngestError::NotText { path, reason });
        }
        if ctx.encoding == Encoding::Utf8 && head.starts_with(b"\xef\xbb\xbf") {
            src.consume(3);
        }
        let mut parser = CsvParser {
            src,
            delimiter,
            quoting: spec.quoting,
            field_limit: ctx.field_limit,
            record_limit: ctx.field_limit.saturating_mul(RECORD_CAP_FACTOR),
        };
        let mut rec = RawRecord::default();
        if !parser.read_record(&mut rec).map_err(ioerr)? {
            return Err(IngestError::EmptyFile { path });
        }
        if rec.overflow || rec.unterminated {
            return Err(IngestError::InvalidHeader {
                path,
                reason: "header line is unterminated or over the field size limit".into(),
            });
        }
        let mut header = Vec::with_capacity(rec.len());
        let mut scratch = 0;
        for i in 0..rec.len() {
            let name =
                decode(ctx.encoding, rec.field(i), spec.lossy, &mut scratch).map_err(|at| {
                    IngestError::InvalidHeader {
                        path: path.clone(),
                        reason: format!(
                            "invalid {} byte sequence at byte {}",
                            ctx.encoding,
                            rec.file_offset(i, at)
                        ),
                    }
                })?;
            header.push(Arc::<str>::from(name));
        }
        let find = |col: &str| header.iter().position(|h| &**h == col);
        let missing = |column: &str| IngestError::MissingColumn {
            path: path.clone(),
            column: column.to_string(),
            available: header.iter().map(|h| h.to_string()).collect(),
        };
        let text_idx = find(&spec.text_col).ok_or_else(|| missing(&spec.text_col))?;
        let id_idx = match &spec.id_col {
            Some(c) => Some(find(c).ok_or_else(|| missing(c))?),
            None => None,
        };
        let mut rows = CsvRows {
            ctx,
            parser,
            rec,
            header,
            text_idx,
            id_idx,
            number: 0,
            pending: None,
            done: false,
        };
        match rows.read_next() {
            None => Err(IngestError::NoDataRows { path }),
            Some(first) => {
                rows.pending = Some(first);
                Ok(rows)
            }
        }
    }

    pub fn columns(&self) -> Vec<Arc<str>> {
        self.header.clone()
    }

    pub fn bytes_read(&self) -> u64 {
        self.parser.src.offset()
    }

    pub fn next(&mut self) -> Option<Result<Record, RowError>> {
        if let Some(p) = self.pending.take() {
            return Some(p);
        }
        self.read_next()
    }

    fn read_next(&mut self) -> Option<Result<Record, RowError>> {
        if self.done {
            return None;
        }
        match self.parser.read_record(&mut self.rec) {
            Ok(true) => {
                self.number += 1;
                Some(self.build())
            }
            Ok(false) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                let (n, off) = (self.number + 1, self.parser.src.offset());
                Some(Err(self.ctx.row_error(
                    n,
                    off,
                    None,
                    RowErrorKind::Io(e.to_string()),
                )))
            }
        }
    }

    /// The id for error rows: best effort, never fails.
    fn error_id(&self) -> Option<String> {
        match self.id_idx {
            None => Some(self.number.to_string()),
            Some(i) if i < self.rec.len() => {
                let mut scratch = 0;
                decode(self.ctx.encoding, self.rec.field(i), false, &mut scratch)
                    .ok()
                    .filter(|s| !s.is_empty() && s.len() < 1024)
            }
            Some(_) => None,
        }
    }

    fn build(&mut self) -> Result<Record, RowError> {
        let rec = &self.rec;
        let (number, offset) = (self.number, rec.start);
        let fail =
            |this: &Self, kind| Err(this.ctx.row_error(number, offset, this.error_id(), kind));
        if rec.unterminated {
            return fail(self, RowErrorKind::UnterminatedQuote);
        }
        if rec.overflow {
            let limit = self.ctx.field_limit as u64;
            let biggest = rec.fields.iter().map(|f| f.total).max().unwrap_or(0);
            let bytes = if biggest > limit { biggest } else { rec.total };
            return fail(self, RowErrorKind::FieldTooLarge { bytes, limit });
        }
        if rec.len() != self.header.len() {
            let kind = RowErrorKind::Ragged {
                expected: self.header.len(),
                found: rec.len(),
            };
            return fail(self, kind);
        }
        let mut text = String::new();
        let mut id = None;
        let mut extra = Vec::with_capacity(self.header.len().saturating_sub(1));
        for i in 0..rec.len() {
            let value = match decode(
                self.ctx.encoding,
                rec.field(i),
                self.ctx.lossy,
                &mut self.ctx.replaced,
            ) {
                Ok(v) => v,
                Err(at) => {
                    let kind = RowErrorKind::InvalidEncoding {
                        encoding: self.ctx.encoding,
                        offset: rec.file_offset(i, at),
                    };
                    return fail(self, kind);
                }
            };
            if Some(i) == self.id_idx {
                id = Some(value.clone());
            }
            if i == self.text_idx {
                text = value;
            } else {
                extra.push((self.header[i].clone(), value));
            }
        }
        let id = id
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| number.to_string());
        if text.trim().is_empty() {
            return Err(self
                .ctx
                .row_error(number, offset, Some(id), RowErrorKind::EmptyText));
        }
        Ok(Record {
            source: self.ctx.source.clone(),
            number,
            byte_offset: offset,
            id,
            text,
            extra,
            unit: None,
        })
    }
}
