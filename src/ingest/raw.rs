//! Raw scraped article files: read whole (segmentation needs the whole page), decoded, then
//! split by `clean::segment` into one record per headline / paragraph / comment.

use super::encoding::decode;
use super::source::sniff_not_text;
use super::{Ctx, IngestError, Record, RowError, RowErrorKind, UnitInfo, MAX_RAW_FILE_BYTES};
use crate::clean::{segment, Unit};
use std::collections::VecDeque;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

pub(crate) struct RawRows {
    pub ctx: Ctx,
    units: VecDeque<Unit>,
    /// A decoding failure of the whole file, reported as one row error.
    failed: Option<RowError>,
    stem: String,
    read: u64,
    kind_col: Arc<str>,
    pos_col: Arc<str>,
}

impl RawRows {
    pub fn open(ctx: Ctx, rdr: Box<dyn Read + Send>) -> Result<Self, IngestError> {
        Self::open_with_limit(ctx, rdr, MAX_RAW_FILE_BYTES)
    }

    pub(crate) fn open_with_limit(
        ctx: Ctx,
        rdr: Box<dyn Read + Send>,
        limit: u64,
    ) -> Result<Self, IngestError> {
        let path = ctx.path.clone();
        let mut bytes = Vec::new();
        rdr.take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| IngestError::io(&path, e))?;
        if bytes.len() as u64 > limit {
            let size = std::fs::metadata(&path)
                .map(|m| m.len())
                .unwrap_or(limit + 1);
            return Err(IngestError::TooLarge {
                path,
                bytes: size,
                limit,
            });
        }
        if bytes.is_empty() {
            return Err(IngestError::EmptyFile { path });
        }
        if let Some(reason) = sniff_not_text(&bytes) {
            return Err(IngestError::NotText { path, reason });
        }
        let read = bytes.len() as u64;
        let skip = if ctx.encoding == super::Encoding::Utf8 && bytes.starts_with(b"\xef\xbb\xbf") {
            3
        } else {
            0
        };
        let stem = Path::new(&*ctx.source)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| ctx.source.to_string());
        let mut rows = RawRows {
            ctx,
            units: VecDeque::new(),
            failed: None,
            stem,
            read,
            kind_col: Arc::from("kind"),
            pos_col: Arc::from("position"),
        };
        let mut replaced = 0;
        match decode(
            rows.ctx.encoding,
            &bytes[skip..],
            rows.ctx.lossy,
            &mut replaced,
        ) {
            Ok(text) => {
                rows.ctx.replaced += replaced;
                rows.units = segment(&text).into();
                if rows.units.is_empty() {
                    return Err(IngestError::NoDataRows { path });
                }
            }
            Err(at) => {
                let kind = RowErrorKind::InvalidEncoding {
                    encoding: rows.ctx.encoding,
                    offset: (skip + at) as u64,
                };
                let id = Some(format!("{}#0", rows.stem));
                rows.failed = Some(rows.ctx.row_error(1, 0, id, kind));
            }
        }
        Ok(rows)
    }

    pub fn bytes_read(&self) -> u64 {
        self.read
    }

    pub fn next(&mut self) -> Option<Result<Record, RowError>> {
        if let Some(e) = self.failed.take() {
            return Some(Err(e));
        }
        let unit = self.units.pop_front()?;
        let number = unit.position as u64 + 1;
        let id = format!("{}#{}", self.stem, unit.position);
        if unit.text.trim().is_empty() {
            return Some(Err(self.ctx.row_error(
                number,
                0,
                Some(id),
                RowErrorKind::EmptyText,
            )));
        }
        Some(Ok(Record {
            source: self.ctx.source.clone(),
            number,
            byte_offset: 0,
            id,
            extra: vec![
                (self.kind_col.clone(), unit.kind.as_str().to_string()),
                (self.pos_col.clone(), unit.position.to_string()),
            ],
            unit: Some(UnitInfo {
                kind: unit.kind,
                position: unit.position,
            }),
            text: unit.text,
        }))
    }
}
