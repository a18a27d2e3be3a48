//! Writing result rows as CSV or JSON Lines, and replacing output files atomically.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Output layout, chosen from the output path's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum OutputFormat {
    #[default]
    Csv,
    Jsonl,
}

impl OutputFormat {
    /// `.jsonl`/`.ndjson`/`.json` -> JSON Lines; anything else (stdout included) -> CSV.
    pub fn from_path(path: &Path) -> OutputFormat {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .as_deref()
        {
            Some("jsonl") | Some("ndjson") | Some("json") => OutputFormat::Jsonl,
            _ => OutputFormat::Csv,
        }
    }
}

/// One output value. Numbers stay numbers in JSON Lines; `Empty` is `null` there and an empty
/// field in CSV.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    Str(&'a str),
    Num(f64),
    Int(u64),
    Empty,
}

enum Sink {
    Csv(Box<csv::Writer<Box<dyn Write + Send>>>),
    Jsonl {
        out: io::BufWriter<Box<dyn Write + Send>>,
        /// Keys pre-escaped as `"name":`.
        keys: Vec<String>,
        line: Vec<u8>,
    },
}

/// Streams rows with a fixed header. Number formatting is fixed (`decimals` places, no
/// exponent, no `-0`) so that two runs over the same input give byte-identical files.
pub struct RowWriter {
    sink: Sink,
    width: usize,
    decimals: usize,
    scratch: Vec<u8>,
}

impl RowWriter {
    /// Writes the header at once for CSV, so even an input with no rows gives a valid file.
    pub fn new<S: AsRef<str>>(
        out: Box<dyn Write + Send>,
        format: OutputFormat,
        header: &[S],
    ) -> io::Result<RowWriter> {
        let sink = match format {
            OutputFormat::Csv => {
                let mut w = csv::WriterBuilder::new().flexible(false).from_writer(out);
                w.write_record(header.iter().map(|h| h.as_ref()))
                    .map_err(csv_io)?;
                Sink::Csv(Box::new(w))
            }
            OutputFormat::Jsonl => {
                let keys = header
                    .iter()
                    .map(|h| {
                        let mut k = serde_json::to_string(h.as_ref()).unwrap_or_default();
                        k.push(':');
                        k
                    })
                    .collect();
                Sink::Jsonl {
                    out: io::BufWriter::with_capacity(64 * 1024, out),
                    keys,
                    line: Vec::new(),
                }
            }
        };
        Ok(RowWriter {
            sink,
            width: header.len(),
            decimals: 6,
            scratch: Vec::new(),
        })
    }

    /// Decimal places for `Cell::Num` (default 6).
    pub fn with_decimals(mut self, decimals: usize) -> Self {
        self.decimals = decimals.min(17);
        self
    }

    fn fmt_num(&mut self, x: f64) -> bool {
        use std::io::Write as _;
        self.scratch.clear();
        if !x.is_finite() {
            return false;
        }
        if fixed_exact(x, self.decimals, &mut self.scratch) {
            return true;
        }
        let _ = write!(self.scratch, "{:.*}", self.decimals, x);
        if self.scratch.starts_with(b"-")
            && self.scratch[1..].iter().all(|&b| b == b'0' || b == b'.')
        {
            self.scratch.remove(0);
        }
        true
    }

    /// Non-finite numbers are written as empty/null: they are not valid JSON and a reader
    /// would choke on them; a wrong cell count is `InvalidInput`.
    pub fn write_row(&mut self, cells: &[Cell]) -> io::Result<()> {
        if cells.len() != self.width {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("row has {} cells, header has {}", cells.len(), self.width),
            ));
        }
        match &mut self.sink {
            Sink::Csv(_) => {
                for c in cells {
                    let ok = match *c {
                        Cell::Num(x) => self.fmt_num(x),
                        _ => false,
                    };
                    let Sink::Csv(w) = &mut self.sink else {
                        unreachable!()
                    };
                    let r = match *c {
                        Cell::Str(s) => w.write_field(s),
                        Cell::Num(_) if ok => w.write_field(&self.scratch),
                        Cell::Int(n) => w.write_field(n.to_string()),
                        Cell::Num(_) | Cell::Empty => w.write_field(""),
                    };
                    r.map_err(csv_io)?;
                }
                if let Sink::Csv(w) = &mut self.sink {
                    w.write_record(None::<&[u8]>).map_err(csv_io)?;
                }
            }
            Sink::Jsonl { .. } => {
                let mut line = match &mut self.sink {
                    Sink::Jsonl { line, .. } => std::mem::take(line),
                    Sink::Csv(_) => unreachable!(),
                };
                line.clear();
                line.push(b'{');
                for (i, c) in cells.iter().enumerate() {
                    if i > 0 {
                        line.push(b',');
                    }
                    if let Sink::Jsonl { keys, .. } = &self.sink {
                        line.extend_from_slice(keys[i].as_bytes());
                    }
                    match *c {
                        Cell::Str(s) => {
                            serde_json::to_writer(&mut line, s).map_err(io::Error::other)?
                        }
                        Cell::Num(x) => {
                            if self.fmt_num(x) {
                                line.extend_from_slice(&self.scratch);
                            } else {
                                line.extend_from_slice(b"null");
                            }
                        }
                        Cell::Int(n) => line.extend_from_slice(n.to_string().as_bytes()),
                        Cell::Empty => line.extend_from_slice(b"null"),
                    }
                }
                line.extend_from_slice(b"}\n");
                if let Sink::Jsonl {
                    out, line: keep, ..
                } = &mut self.sink
                {
                    let r = out.write_all(&line);
                    *keep = line;
                    r?;
                }
            }
        }
        Ok(())
    }

    /// Flushes everything; call it (then [`AtomicFile::commit`]) before trusting the output.
    pub fn finish(self) -> io::Result<()> {
        match self.sink {
            Sink::Csv(mut w) => w.flush(),
            Sink::Jsonl { mut out, .. } => out.flush(),
        }
    }
}

/// Writes `x` with `decimals` places as `format!("{x:.decimals$}")` does (the exact binary
/// value, rounded half to even), but without a leading `-` on a zero; false (nothing written)
/// outside the range it handles: |x| >= 2^32 or more than 9 places. std's general algorithm
/// (Grisu, with a big-number fallback on hard cases) was a fifth of the writer's time in
/// `stance score`; here the value times `10^decimals` is one exact 128-bit product.
fn fixed_exact(x: f64, decimals: usize, out: &mut Vec<u8>) -> bool {
    if decimals > 9 || x.abs() >= 4_294_967_296.0 {
        return false;
    }
    let bits = x.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    let frac = bits & ((1 << 52) - 1);
    // |x| = m * 2^e exactly
    let (m, e) = if exp == 0 {
        (frac, -1074)
    } else {
        (frac | 1 << 52, exp - 1075)
    };
    const POW10: [u64; 10] = [
        1,
        10,
        100,
        1_000,
        10_000,
        100_000,
        1_000_000,
        10_000_000,
        100_000_000,
        1_000_000_000,
    ];
    let pow = u128::from(POW10[decimals]);
    let p = u128::from(m) * pow; // < 2^53 * 10^9 < 2^83
    let n = if e >= 0 {
        // |x| < 2^32, so p << e < 2^115
        p << e
    } else if e <= -128 {
        0 // p < 2^83: below half a unit
    } else {
        let shift = -e as u32;
        let (q, rem, half) = (p >> shift, p & ((1 << shift) - 1), 1u128 << (shift - 1));
        q + u128::from(rem > half || (rem == half && q & 1 == 1))
    };
    if n != 0 && x < 0.0 {
        out.push(b'-');
    }
    // |x| < 2^32, so the integer part fits 64 bits; the fraction is below 10^9. (The 128-bit
    // division and formatting were most of this function's time.)
    let (int, frac) = match u64::try_from(n) {
        // the usual widths by a constant divisor (a multiply, where `div` takes dozens of
        // cycles)
        Ok(n) if decimals == 6 => (n / 1_000_000, n % 1_000_000),
        Ok(n) if decimals == 4 => (n / 10_000, n % 10_000),
        Ok(n) => (n / pow as u64, n % pow as u64),
        Err(_) => ((n / pow) as u64, (n % pow) as u64),
    };
    // digits pushed one by one: `write!` and `from_utf8` were most of this function's time
    push_digits(out, int, 1);
    if decimals > 0 {
        out.push(b'.');
        push_digits(out, frac, decimals);
    }
    true
}

/// Appends `n` in decimal, zero-padded to at least `width` digits (at most 20): two digits at
/// a time from a table, into a buffer of zeros, then copied at once. (A digit at a time into a
/// `String`, formatting a scored row's nine numbers took some 2,080 instructions; 1,700 so.)
fn push_digits(out: &mut Vec<u8>, mut n: u64, width: usize) {
    const PAIRS: &[u8; 200] = b"\
        0001020304050607080910111213141516171819\
        2021222324252627282930313233343536373839\
        4041424344454647484950515253545556575859\
        6061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899";
    let mut buf = [b'0'; 20];
    let mut i = buf.len();
    while n >= 10 {
        let pair = (n % 100) as usize * 2;
        n /= 100;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    }
    if n > 0 {
        i -= 1;
        buf[i] = b'0' + n as u8;
    }
    let start = i.min(buf.len() - width.clamp(1, buf.len()));
    out.extend_from_slice(&buf[start..]);
}

fn csv_io(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// An output file that appears under its final name only when complete: it is written to a
/// hidden temp file in the same folder (so the rename stays on one filesystem and is atomic)
/// and renamed on [`commit`](Self::commit). Dropping it uncommitted (error, panic, Ctrl-C
/// unwinding) deletes the temp file, so a crash never leaves a half-written result that looks
/// finished.
pub struct AtomicFile {
    file: Option<File>,
    temp: PathBuf,
    target: PathBuf,
}

impl AtomicFile {
    pub fn create(path: impl AsRef<Path>) -> io::Result<AtomicFile> {
        let target = path.as_ref().to_path_buf();
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = target
            .file_name()
            .ok_or_else(|| {
                io::Error::new(io::ErrorKind::InvalidInput, "output path has no file name")
            })?
            .to_string_lossy()
            .into_owned();
        loop {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let temp = dir.join(format!(".{name}.{}-{n}.tmp", std::process::id()));
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&temp)
            {
                Ok(file) => {
                    return Ok(AtomicFile {
                        file: Some(file),
                        temp,
                        target,
                    })
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// A second handle on the temp file, to give a [`RowWriter`] (which owns its writer)
    /// while this keeps the right to commit.
    pub fn writer(&self) -> io::Result<File> {
        self.file()?.try_clone()
    }

    fn file(&self) -> io::Result<&File> {
        self.file
            .as_ref()
            .ok_or_else(|| io::Error::other("atomic file already committed"))
    }

    pub fn path(&self) -> &Path {
        &self.target
    }

    pub fn temp_path(&self) -> &Path {
        &self.temp
    }

    /// Syncs the data, renames over the final path, then syncs the folder so the rename
    /// itself survives a power cut.
    pub fn commit(mut self) -> io::Result<()> {
        let file = self
            .file
            .take()
            .ok_or_else(|| io::Error::other("already committed"))?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&self.temp, &self.target)?;
        #[cfg(unix)]
        if let Some(dir) = self.target.parent() {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut f = self.file()?;
        f.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);
    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn render(format: OutputFormat, decimals: usize) -> String {
        let buf = Shared::default();
        let mut w = RowWriter::new(Box::new(buf.clone()), format, &["id", "p", "n", "note"])
            .unwrap()
            .with_decimals(decimals);
        w.write_row(&[
            Cell::Str("a,\"b\""),
            Cell::Num(0.5),
            Cell::Int(3),
            Cell::Empty,
        ])
        .unwrap();
        w.write_row(&[
            Cell::Str("é\n"),
            Cell::Num(-1e-9),
            Cell::Int(0),
            Cell::Num(f64::NAN),
        ])
        .unwrap();
        assert!(w.write_row(&[Cell::Empty]).is_err());
        w.finish().unwrap();
        let v = buf.0.lock().unwrap().clone();
        String::from_utf8(v).unwrap()
    }

    /// What `fmt_num` wrote before the exact fast path: std's formatting, minus a `-` on zero.
    fn std_fixed(x: f64, decimals: usize) -> String {
        let s = format!("{x:.decimals$}");
        match s.strip_prefix('-') {
            Some(rest) if rest.bytes().all(|b| b == b'0' || b == b'.') => rest.to_string(),
            _ => s,
        }
    }

    #[test]
    fn exact_fixed_formatting_equals_std() {
        let mut xs = vec![
            0.0,
            -0.0,
            0.5,
            1.5,
            2.5,
            0.03125,
            0.09375,
            -0.03125,
            0.125,
            0.375,
            0.00005,
            1e-300,
            5e-324,
            0.99995,
            0.999_949_999_999_999_9,
            4_294_967_295.5,
            123.456_789_012_345,
        ];
        // pseudo-random bit patterns of all magnitudes, and random probabilities
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            xs.push(f64::from_bits(state));
            xs.push((state >> 11) as f64 / (1u64 << 53) as f64);
        }
        // exact ties at 1..=9 places: odd multiples of 2^-k
        for k in 1..=40 {
            for j in [1u64, 3, 5, 7, 9, 11, 13, 15, 1023] {
                xs.push(j as f64 / (1u64 << k) as f64);
            }
        }
        let mut s = Vec::new();
        for &x in xs.iter().filter(|x| x.is_finite()) {
            for d in 0..=12 {
                s.clear();
                if fixed_exact(x, d, &mut s) {
                    assert_eq!(s, std_fixed(x, d).as_bytes(), "{x:e} at {d} places");
                }
            }
        }
    }

    #[test]
    fn csv_output() {
        assert_eq!(
            render(OutputFormat::Csv, 6),
            "id,p,n,note\n\"a,\"\"b\"\"\",0.500000,3,\n\"é\n\",0.000000,0,\n"
        );
    }

    #[test]
    fn jsonl_output() {
        let s = render(OutputFormat::Jsonl, 3);
        assert_eq!(
            s,
            "{\"id\":\"a,\\\"b\\\"\",\"p\":0.500,\"n\":3,\"note\":null}\n{\"id\":\"é\\n\",\"p\":0.000,\"n\":0,\"note\":null}\n"
        );
        for line in s.lines() {
            serde_json::from_str::<serde_json::Value>(line).unwrap();
        }
    }

    #[test]
    fn single_empty_cell_row_is_not_a_blank_line() {
        let buf = Shared::default();
        let mut w = RowWriter::new(Box::new(buf.clone()), OutputFormat::Csv, &["a"]).unwrap();
        w.write_row(&[Cell::Empty]).unwrap();
        w.write_row(&[Cell::Num(f64::INFINITY)]).unwrap();
        w.finish().unwrap();
        let v = buf.0.lock().unwrap().clone();
        assert_eq!(String::from_utf8(v).unwrap(), "a\n\"\"\n\"\"\n");
    }

    #[test]
    fn output_format_from_extension() {
        assert_eq!(
            OutputFormat::from_path(Path::new("x/out.JSONL")),
            OutputFormat::Jsonl
        );
        assert_eq!(
            OutputFormat::from_path(Path::new("out.tsv")),
            OutputFormat::Csv
        );
        assert_eq!(OutputFormat::from_path(Path::new("-")), OutputFormat::Csv);
    }

    #[test]
    fn atomic_file_appears_only_on_commit() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        std::fs::write(&target, "old").unwrap();
        let f = AtomicFile::create(&target).unwrap();
        let mut w = RowWriter::new(
            Box::new(io::BufWriter::new(f.writer().unwrap())),
            OutputFormat::Csv,
            &["a"],
        )
        .unwrap();
        w.write_row(&[Cell::Int(1)]).unwrap();
        w.finish().unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old");
        assert!(f.temp_path().exists());
        f.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "a\n1\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

        let mut g = AtomicFile::create(&target).unwrap();
        g.write_all(b"half").unwrap();
        let temp = g.temp_path().to_path_buf();
        drop(g);
        assert!(!temp.exists());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "a\n1\n");
    }
}
