//! JSON Lines: one object per line; the text field by name, every other field passed through.

use super::encoding::decode;
use super::source::{sniff_not_text, Source};
use super::{Ctx, IngestError, InputSpec, Record, RowError, RowErrorKind, RECORD_CAP_FACTOR};
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value;
use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::io::{self, Read};
use std::sync::Arc;

/// How many lines `open` may look at to find the first valid object (to check the columns).
const PEEK_LINES: usize = 1000;

/// A JSON object with its keys in file order (serde_json's map sorts them without the
/// `preserve_order` feature, and output columns should follow the input).
struct Ordered(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Ordered;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Ordered, A::Error> {
                let mut v = Vec::new();
                while let Some(kv) = m.next_entry::<String, Value>()? {
                    v.push(kv);
                }
                Ok(Ordered(v))
            }
        }
        d.deserialize_map(V)
    }
}

fn stringify(v: Value) -> String {
    match v {
        Value::String(s) => s,
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

struct Line {
    start: u64,
    bytes: Vec<u8>,
    total: u64,
}

pub(crate) struct JsonlRows {
    pub ctx: Ctx,
    src: Source,
    line_cap: usize,
    text_col: String,
    id_col: Option<String>,
    columns: Vec<Arc<str>>,
    /// Interned key names, so millions of records share one allocation per column.
    names: HashSet<Arc<str>>,
    number: u64,
    pending: VecDeque<Result<Record, RowError>>,
    done: bool,
}

impl JsonlRows {
    pub fn open(
        ctx: Ctx,
        rdr: Box<dyn Read + Send>,
        spec: &InputSpec,
    ) -> Result<Self, IngestError> {
        let path = ctx.path.clone();
        let mut src = Source::new(rdr);
        let head = src.peek(8192).map_err(|e| IngestError::io(&path, e))?;
        if head.is_empty() {
            return Err(IngestError::EmptyFile { path });
        }
        if let Some(reason) = sniff_not_text(head) {
            return Err(IngestError::NotText { path, reason });
        }
        if head.starts_with(b"\xef\xbb\xbf") {
            src.consume(3);
        }
        let mut rows = JsonlRows {
            line_cap: ctx.field_limit.saturating_mul(RECORD_CAP_FACTOR),
            ctx,
            src,
            text_col: spec.text_col.clone(),
            id_col: spec.id_col.clone(),
            columns: Vec::new(),
            names: HashSet::new(),
            number: 0,
            pending: VecDeque::new(),
            done: false,
        };
        // Look for the first valid object so a wrong column name fails once, up front,
        // instead of as a million identical row errors.
        for _ in 0..PEEK_LINES {
            let Some(item) = rows.read_next(true) else {
                break;
            };
            let is_ok = item.is_ok();
            let missing_col =
                matches!(&item, Err(e) if e.kind == RowErrorKind::MissingField(String::new()));
            if missing_col {
                // The first object lacks a required key: fatal, with the keys it does have.
                let column = [Some(&spec.text_col), spec.id_col.as_ref()]
                    .into_iter()
                    .flatten()
                    .find(|c| !rows.columns.iter().any(|k| &**k == c.as_str()))
                    .cloned()
                    .unwrap_or_default();
                return Err(IngestError::MissingColumn {
                    path,
                    column,
                    available: rows.columns.iter().map(|c| c.to_string()).collect(),
                });
            }
            rows.pending.push_back(item);
            if is_ok || !rows.columns.is_empty() {
                break;
            }
        }
        if rows.pending.is_empty() {
            return Err(IngestError::NoDataRows { path });
        }
        Ok(rows)
    }

    pub fn columns(&self) -> Vec<Arc<str>> {
        self.columns.clone()
    }

    pub fn bytes_read(&self) -> u64 {
        self.src.offset()
    }

    pub fn next(&mut self) -> Option<Result<Record, RowError>> {
        if let Some(p) = self.pending.pop_front() {
            return Some(p);
        }
        self.read_next(false)
    }

    /// Next non-blank line, keeping at most `line_cap` bytes of it.
    fn read_line(&mut self) -> io::Result<Option<Line>> {
        let mut line = Line {
            start: self.src.offset(),
            bytes: Vec::new(),
            total: 0,
        };
        let mut any = false;
        loop {
            let buf = self.src.fill()?;
            if buf.is_empty() {
                return Ok(any.then_some(line));
            }
            any = true;
            let (chunk, found) = match buf.iter().position(|&b| b == b'\n') {
                Some(p) => (&buf[..p], true),
                None => (buf, false),
            };
            let room = self.line_cap.saturating_sub(line.bytes.len());
            line.bytes
                .extend_from_slice(&chunk[..chunk.len().min(room)]);
            line.total += chunk.len() as u64;
            let n = chunk.len() + found as usize;
            self.src.consume(n);
            if found {
                if line.bytes.iter().all(u8::is_ascii_whitespace)
                    && line.total == line.bytes.len() as u64
                {
                    line.start = self.src.offset();
                    line.bytes.clear();
                    line.total = 0;
                    any = false;
                    continue;
                }
                return Ok(Some(line));
            }
        }
    }

    fn intern(&mut self, key: &str) -> Arc<str> {
        if let Some(n) = self.names.get(key) {
            return n.clone();
        }
        let n: Arc<str> = Arc::from(key);
        // Bounded: objects with ever-new keys (ids as keys) must not grow this forever.
        if self.names.len() < 4096 {
            self.names.insert(n.clone());
        }
        n
    }

    /// `peeking`: a record missing the text/id column is reported with an empty
    /// `MissingField` marker, which `open` turns into a fatal error.
    fn read_next(&mut self, peeking: bool) -> Option<Result<Record, RowError>> {
        if self.done {
            return None;
        }
        let line = match self.read_line() {
            Ok(Some(l)) => l,
            Ok(None) => {
                self.done = true;
                return None;
            }
            Err(e) => {
                self.done = true;
                let (n, off) = (self.number + 1, self.src.offset());
                return Some(Err(self.ctx.row_error(
                    n,
                    off,
                    None,
                    RowErrorKind::Io(e.to_string()),
                )));
            }
        };
        if line.bytes.iter().all(u8::is_ascii_whitespace) && line.total == line.bytes.len() as u64 {
            // Trailing whitespace with no newline at end of file.
            self.done = true;
            return None;
        }
        self.number += 1;
        let (number, offset) = (self.number, line.start);
        let err = |ctx: &Ctx, id: Option<String>, kind| {
            Some(Err(ctx.row_error(number, offset, id, kind)))
        };
        let num_id = Some(number.to_string());
        if line.total > line.bytes.len() as u64 {
            let kind = RowErrorKind::FieldTooLarge {
                bytes: line.total,
                limit: self.line_cap as u64,
            };
            return err(&self.ctx, num_id, kind);
        }
        let mut bytes = line.bytes;
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
        let s = match decode(
            self.ctx.encoding,
            &bytes,
            self.ctx.lossy,
            &mut self.ctx.replaced,
        ) {
            Ok(s) => s,
            Err(at) => {
                let kind = RowErrorKind::InvalidEncoding {
                    encoding: self.ctx.encoding,
                    offset: offset + at as u64,
                };
                return err(&self.ctx, num_id, kind);
            }
        };
        let obj = match serde_json::from_str::<Ordered>(&s) {
            Ok(o) => o.0,
            Err(e) => return err(&self.ctx, num_id, RowErrorKind::InvalidJson(e.to_string())),
        };
        if self.columns.is_empty() {
            self.columns = obj.iter().map(|(k, _)| Arc::from(k.as_str())).collect();
        }
        let mut text: Option<Value> = None;
        let mut id: Option<String> = None;
        let mut extra = Vec::with_capacity(obj.len());
        for (k, v) in obj {
            if text.is_none() && k == self.text_col {
                text = Some(v);
                continue;
            }
            let v = stringify(v);
            if id.is_none() && self.id_col.as_deref() == Some(k.as_str()) {
                id = Some(v.clone());
            }
            let name = self.intern(&k);
            extra.push((name, v));
        }
        if peeking && (text.is_none() || (self.id_col.is_some() && id.is_none())) {
            return err(&self.ctx, None, RowErrorKind::MissingField(String::new()));
        }
        let id = id
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| number.to_string());
        let text = match text {
            None => {
                return err(
                    &self.ctx,
                    Some(id),
                    RowErrorKind::MissingField(self.text_col.clone()),
                )
            }
            Some(v) => stringify(v),
        };
        if text.trim().is_empty() {
            return err(&self.ctx, Some(id), RowErrorKind::EmptyText);
        }
        if text.len() > self.ctx.field_limit {
            let kind = RowErrorKind::FieldTooLarge {
                bytes: text.len() as u64,
                limit: self.ctx.field_limit as u64,
            };
            return err(&self.ctx, Some(id), kind);
        }
        Some(Ok(Record {
            source: self.ctx.source.clone(),
            number,
            byte_offset: offset,
            id,
            text,
            extra,
            unit: None,
        }))
    }
}
