//! A streaming CSV/TSV record splitter with the same dialect as the `csv` crate's defaults.
//!
//! Why not `csv::Reader`: it grows its record buffer to hold a whole record, so one 50 MB
//! field means 50+ MB resident, and it cannot skip the rest of an oversized record. Here each
//! field keeps at most `field_limit` bytes (the rest is counted, not stored), so memory stays
//! bounded whatever the input. It also remembers where each stored byte came from in the file,
//! so an encoding error inside a quoted field with `""` escapes still gets its exact offset.
//! The dialect equals `csv::ReaderBuilder` defaults (checked by a proptest against that crate):
//! `"` quoting with `""` escapes, CR / LF / CRLF line ends, blank lines skipped.

use super::source::Source;
use std::io;

/// Cap on offset bookkeeping per record (16 bytes each). Every `""` escape starts a new run,
/// so a quote-dense 8 MB field could otherwise need tens of MB just to map offsets. Past the
/// cap, reported offsets are lower bounds (short by the unrecorded escapes).
const MAX_SEGS: usize = 1 << 16;

/// One field of a [`RawRecord`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct FieldSpan {
    pub start: usize,
    pub end: usize,
    /// Full size of the field in the file's unescaped content, including bytes not stored.
    pub total: u64,
    /// Index into `RawRecord::segs` of this field's first segment.
    seg: usize,
}

/// The bytes of one record, unescaped, plus enough bookkeeping to map them back to the file.
#[derive(Debug, Default)]
pub(crate) struct RawRecord {
    pub start: u64,
    pub data: Vec<u8>,
    pub fields: Vec<FieldSpan>,
    /// (index into `data`, file offset of that byte): starts of runs of contiguous bytes.
    segs: Vec<(usize, u64)>,
    next_off: u64,
    cur_start: usize,
    cur_total: u64,
    cur_seg: usize,
    /// Set when some bytes were not stored (a field or the record went over its cap).
    pub overflow: bool,
    pub unterminated: bool,
    /// Sum of all fields' full sizes.
    pub total: u64,
}

impl RawRecord {
    fn clear(&mut self) {
        self.data.clear();
        self.fields.clear();
        self.segs.clear();
        self.next_off = u64::MAX;
        self.cur_start = 0;
        self.cur_total = 0;
        self.cur_seg = 0;
        self.overflow = false;
        self.unterminated = false;
        self.total = 0;
    }

    pub fn len(&self) -> usize {
        self.fields.len()
    }

    pub fn field(&self, i: usize) -> &[u8] {
        let f = self.fields[i];
        &self.data[f.start..f.end]
    }

    /// File offset of byte `idx` of field `i`'s stored content.
    pub fn file_offset(&self, i: usize, idx: usize) -> u64 {
        let f = self.fields[i];
        let end = self
            .fields
            .get(i + 1)
            .map(|n| n.seg)
            .unwrap_or(self.segs.len());
        let abs = f.start + idx;
        let segs = &self.segs[f.seg..end];
        match segs.iter().rposition(|&(d, _)| d <= abs) {
            Some(k) => segs[k].1 + (abs - segs[k].0) as u64,
            None => self.start,
        }
    }

    fn append(&mut self, bytes: &[u8], off: u64, field_limit: usize, record_limit: usize) {
        self.cur_total += bytes.len() as u64;
        self.total += bytes.len() as u64;
        let field_len = self.data.len() - self.cur_start;
        let room = field_limit
            .saturating_sub(field_len)
            .min(record_limit.saturating_sub(self.data.len()));
        let keep = bytes.len().min(room);
        if keep < bytes.len() {
            self.overflow = true;
        }
        if keep == 0 {
            return;
        }
        if off != self.next_off && self.segs.len() < MAX_SEGS {
            self.segs.push((self.data.len(), off));
        }
        self.data.extend_from_slice(&bytes[..keep]);
        self.next_off = off + keep as u64;
    }

    fn end_field(&mut self) {
        self.fields.push(FieldSpan {
            start: self.cur_start,
            end: self.data.len(),
            total: self.cur_total,
            seg: self.cur_seg,
        });
        self.cur_start = self.data.len();
        self.cur_total = 0;
        self.cur_seg = self.segs.len();
        self.next_off = u64::MAX;
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum St {
    StartRecord,
    StartField,
    InField,
    InQuoted,
    QuoteInQuoted,
}

pub(crate) struct CsvParser {
    pub src: Source,
    pub delimiter: u8,
    pub quoting: bool,
    pub field_limit: usize,
    pub record_limit: usize,
}

impl CsvParser {
    /// Reads the next record into `rec`; `false` at end of input.
    pub fn read_record(&mut self, rec: &mut RawRecord) -> io::Result<bool> {
        rec.clear();
        let (delim, quoting, fl, rl) = (
            self.delimiter,
            self.quoting,
            self.field_limit,
            self.record_limit,
        );
        let mut st = St::StartRecord;
        loop {
            let base = self.src.offset();
            let buf = self.src.fill()?;
            if buf.is_empty() {
                match st {
                    St::StartRecord => return Ok(false),
                    St::InQuoted => {
                        rec.unterminated = true;
                        rec.end_field();
                    }
                    _ => rec.end_field(),
                }
                return Ok(true);
            }
            let mut i = 0;
            let mut done = false;
            while i < buf.len() {
                let b = buf[i];
                match st {
                    St::StartRecord => {
                        if b == b'\r' || b == b'\n' {
                            i += 1;
                            continue;
                        }
                        rec.start = base + i as u64;
                        st = St::StartField;
                    }
                    St::StartField => {
                        if quoting && b == b'"' {
                            st = St::InQuoted;
                            i += 1;
                        } else if b == delim {
                            rec.end_field();
                            i += 1;
                        } else if b == b'\r' || b == b'\n' {
                            rec.end_field();
                            i += 1;
                            done = true;
                            break;
                        } else {
                            st = St::InField;
                        }
                    }
                    St::InField => {
                        // (memchr: SIMD, where a byte loop was a few instructions a byte)
                        let j = memchr::memchr3(delim, b'\r', b'\n', &buf[i..])
                            .map_or(buf.len(), |p| i + p);
                        rec.append(&buf[i..j], base + i as u64, fl, rl);
                        i = j;
                        if j < buf.len() {
                            i += 1;
                            rec.end_field();
                            if buf[j] == delim {
                                st = St::StartField;
                            } else {
                                done = true;
                                break;
                            }
                        }
                        continue;
                    }
                    St::InQuoted => {
                        let j = memchr::memchr(b'"', &buf[i..]).map_or(buf.len(), |p| i + p);
                        rec.append(&buf[i..j], base + i as u64, fl, rl);
                        i = j;
                        if j < buf.len() {
                            i += 1;
                            st = St::QuoteInQuoted;
                        }
                        continue;
                    }
                    St::QuoteInQuoted => {
                        if b == b'"' {
                            rec.append(b"\"", base + i as u64, fl, rl);
                            st = St::InQuoted;
                            i += 1;
                        } else if b == delim {
                            rec.end_field();
                            st = St::StartField;
                            i += 1;
                        } else if b == b'\r' || b == b'\n' {
                            rec.end_field();
                            i += 1;
                            done = true;
                            break;
                        } else {
                            st = St::InField;
                        }
                    }
                }
            }
            self.src.consume(i);
            if done {
                return Ok(true);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(input: &[u8], delim: u8, quoting: bool, limit: usize) -> Vec<(Vec<Vec<u8>>, bool)> {
        let mut p = CsvParser {
            src: Source::new(Box::new(io::Cursor::new(input.to_vec()))),
            delimiter: delim,
            quoting,
            field_limit: limit,
            record_limit: limit * 4,
        };
        let mut rec = RawRecord::default();
        let mut out = vec![];
        while p.read_record(&mut rec).unwrap() {
            let fields = (0..rec.len()).map(|i| rec.field(i).to_vec()).collect();
            out.push((fields, rec.overflow));
        }
        out
    }

    fn reference(input: &[u8], delim: u8, quoting: bool) -> Vec<Vec<Vec<u8>>> {
        let mut r = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delim)
            .quoting(quoting)
            .from_reader(input);
        r.byte_records()
            .map(|rec| rec.unwrap().iter().map(|f| f.to_vec()).collect())
            .collect()
    }

    #[test]
    fn basics() {
        let got = parse(b"a,b\r\n\"x,\ny\",\"q\"\"q\"\n\n,\n", b',', true, 100);
        let fields: Vec<_> = got.into_iter().map(|r| r.0).collect();
        assert_eq!(
            fields,
            vec![
                vec![b"a".to_vec(), b"b".to_vec()],
                vec![b"x,\ny".to_vec(), b"q\"q".to_vec()],
                vec![b"".to_vec(), b"".to_vec()],
            ]
        );
    }

    #[test]
    fn offsets_map_through_escapes() {
        let input = b"h\n\"a\"\"b\xff\"\n";
        let mut p = CsvParser {
            src: Source::new(Box::new(io::Cursor::new(input.to_vec()))),
            delimiter: b',',
            quoting: true,
            field_limit: 100,
            record_limit: 400,
        };
        let mut rec = RawRecord::default();
        assert!(p.read_record(&mut rec).unwrap());
        assert!(p.read_record(&mut rec).unwrap());
        assert_eq!(rec.start, 2);
        assert_eq!(rec.field(0), b"a\"b\xff");
        assert_eq!(input[rec.file_offset(0, 3) as usize], 0xff);
        assert_eq!(rec.file_offset(0, 3), 7);
    }

    #[test]
    fn oversized_field_is_cut_and_flagged() {
        let mut input = b"a,".to_vec();
        input.extend(std::iter::repeat_n(b'x', 1000));
        input.extend_from_slice(b"\nb,c\n");
        let got = parse(&input, b',', true, 10);
        assert_eq!(got.len(), 2);
        assert!(got[0].1);
        assert_eq!(got[0].0[1].len(), 10);
        assert_eq!(got[1], (vec![b"b".to_vec(), b"c".to_vec()], false));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn same_records_as_the_csv_crate(
            bytes in proptest::collection::vec(
                prop_oneof![Just(b'a'), Just(b'"'), Just(b','), Just(b'\t'), Just(b'\n'),
                            Just(b'\r'), Just(b' '), Just(0xffu8), Just(b'b')], 0..40),
            tab in any::<bool>(), quoting in any::<bool>())
        {
            let delim = if tab { b'\t' } else { b',' };
            let got: Vec<_> = parse(&bytes, delim, quoting, 1 << 20).into_iter().map(|r| r.0).collect();
            prop_assert_eq!(got, reference(&bytes, delim, quoting));
        }

        /// Every stored byte maps back to an identical byte in the file.
        #[test]
        fn offsets_point_at_the_same_byte(
            bytes in proptest::collection::vec(
                prop_oneof![Just(b'a'), Just(b'"'), Just(b','), Just(b'\n'), Just(b'\r'),
                            Just(0xffu8), Just(0xc3u8)], 0..60),
            quoting in any::<bool>())
        {
            let mut p = CsvParser {
                src: Source::new(Box::new(io::Cursor::new(bytes.clone()))),
                delimiter: b',',
                quoting,
                field_limit: 1 << 20,
                record_limit: 1 << 22,
            };
            let mut rec = RawRecord::default();
            while p.read_record(&mut rec).unwrap() {
                prop_assert!(bytes[rec.start as usize] != b'\n' && bytes[rec.start as usize] != b'\r');
                for f in 0..rec.len() {
                    for (k, &b) in rec.field(f).iter().enumerate() {
                        prop_assert_eq!(bytes[rec.file_offset(f, k) as usize], b);
                    }
                }
            }
        }
    }
}
