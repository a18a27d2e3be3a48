//! A byte source that knows its absolute offset, shared by the CSV and JSON Lines readers.
//!
//! Kept separate from `std::io::BufReader` because the readers need the file offset of every
//! byte they look at (for error messages and progress) and a peek at the first chunk (to refuse
//! binary files before parsing them).

use std::io::{self, Read};

pub(crate) const CHUNK: usize = 64 * 1024;

pub(crate) struct Source {
    rdr: Box<dyn Read + Send>,
    buf: Box<[u8]>,
    pos: usize,
    len: usize,
    eof: bool,
    /// Absolute file offset of `buf[pos]`.
    offset: u64,
}

impl Source {
    pub(crate) fn new(rdr: Box<dyn Read + Send>) -> Self {
        Source {
            rdr,
            buf: vec![0u8; CHUNK].into_boxed_slice(),
            pos: 0,
            len: 0,
            eof: false,
            offset: 0,
        }
    }

    /// Bytes consumed so far.
    pub(crate) fn offset(&self) -> u64 {
        self.offset
    }

    /// The unread buffered bytes; empty only at end of input.
    pub(crate) fn fill(&mut self) -> io::Result<&[u8]> {
        if self.pos == self.len && !self.eof {
            self.pos = 0;
            self.len = 0;
            loop {
                match self.rdr.read(&mut self.buf) {
                    Ok(0) => {
                        self.eof = true;
                        break;
                    }
                    Ok(n) => {
                        self.len = n;
                        break;
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(&self.buf[self.pos..self.len])
    }

    /// Fills the buffer up to `want` bytes (or end of input) without consuming, for sniffing.
    pub(crate) fn peek(&mut self, want: usize) -> io::Result<&[u8]> {
        let want = want.min(self.buf.len());
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.len, 0);
            self.len -= self.pos;
            self.pos = 0;
        }
        while self.len < want && !self.eof {
            match self.rdr.read(&mut self.buf[self.len..]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.len += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(&self.buf[..self.len])
    }

    pub(crate) fn consume(&mut self, n: usize) {
        debug_assert!(self.pos + n <= self.len);
        self.pos += n;
        self.offset += n as u64;
    }
}

/// Why a first chunk is not text we can read, if it is not. NUL never occurs in any of the
/// supported encodings, so it is a reliable sign of binary data (or of UTF-16).
pub(crate) fn sniff_not_text(head: &[u8]) -> Option<String> {
    const MAGIC: &[(&[u8], &str)] = &[
        (b"\x89PNG\r\n\x1a\n", "PNG image"),
        (b"\xff\xd8\xff", "JPEG image"),
        (b"GIF8", "GIF image"),
        (b"%PDF-", "PDF document"),
        (b"PK\x03\x04", "zip archive (xlsx/docx are zip files too)"),
        (
            b"\x1f\x8b",
            "gzip-compressed data (a file given by name is decompressed as it is read; pipe stdin through `gzip -dc`)",
        ),
        (b"BZh", "bzip2-compressed data; decompress it first"),
        (
            b"\x28\xb5\x2f\xfd",
            "zstd-compressed data; decompress it first",
        ),
        (
            b"\xff\xfe",
            "UTF-16 (little-endian BOM); re-encode as UTF-8",
        ),
        (b"\xfe\xff", "UTF-16 (big-endian BOM); re-encode as UTF-8"),
    ];
    for (magic, what) in MAGIC {
        if head.starts_with(magic) {
            // "BZh" and "GIF8" are plausible text openings; only trust them with binary bytes.
            if (*magic == b"BZh" || *magic == b"GIF8") && !head.contains(&0) {
                continue;
            }
            return Some(format!("looks like {what}"));
        }
    }
    head.iter()
        .position(|&b| b == 0)
        .map(|at| format!("NUL byte at byte {at} (binary data or UTF-16)"))
}
