//! Tokenize + stem + word 1-2 + char 2-5 TF-IDF transform throughput (MB of text per second
//! of wall clock, and per CPU-second, which other load on a shared machine does not distort),
//! on a corpus from `../shared/tools/make_corpus.py`, for 1 and 2 threads, then side by side
//! with scikit-learn's `TfidfVectorizer` on the same corpus in the same run (medians, ratio).
//! Ours is timed after two untimed calls per thread pool, which fill its threads' token caches
//! (the first call's time is printed too).
//! Rows: `STANCE_BENCH_ROWS` (default 30000). Skips with a message where ../shared is absent.

mod common;

use std::time::Instant;

use criterion::{Criterion, Throughput};
use stance::vectorize::{Vectorizer, VectorizerConfig};

fn main() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let rows: usize = std::env::var("STANCE_BENCH_ROWS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30_000);
    let Some(path) = common::corpus(&shared, rows) else {
        return;
    };
    let texts = common::read_texts(&path);
    let bytes: usize = texts.iter().map(String::len).sum();
    let mb = bytes as f64 / 1e6;
    let fit_rows = texts.len().min(20_000);
    let (vec, _) = Vectorizer::fit(VectorizerConfig::default(), &texts[..fit_rows]).expect("fit");
    eprintln!(
        "corpus: {} rows, {mb:.1} MB; vectorizer fitted on {fit_rows} rows: {} features",
        texts.len(),
        vec.n_features()
    );

    let mut c = Criterion::default().configure_from_args().sample_size(10);
    let slice = &texts[..texts.len().min(5_000)];
    let mut g = c.benchmark_group("vectorize");
    g.throughput(Throughput::Bytes(
        slice.iter().map(|t| t.len() as u64).sum(),
    ));
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        g.bench_function(format!("transform/threads={threads}"), |b| {
            b.iter(|| pool.install(|| vec.transform(slice)))
        });
    }
    g.finish();

    // Side by side on the whole corpus, medians of 5 (ours) and 3 (scikit-learn).
    let mut ours = Vec::new();
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let timed = || {
            let t = Instant::now();
            let x = pool.install(|| vec.transform(&texts));
            assert_eq!(x.nrows(), texts.len());
            t.elapsed().as_secs_f64()
        };
        // The pool's threads start with empty token caches, which each fills with the tokens
        // of the rows it happens to take: the first calls pay for tokenizing, stemming and
        // hashing every distinct token (0.46 s against 0.31 s on one thread), and on two
        // threads the next ones still fill what the other thread had seen. The steady figure
        // is the rate of rows whose tokens are all cached: a large corpus nears it once its
        // common tokens are in, though its new rare ones still miss. The first call is
        // printed beside it.
        let first = timed();
        let _ = timed();
        let cpu0 = common::process_cpu_secs();
        let secs: Vec<f64> = (0..5).map(|_| timed()).collect();
        let cpu = cpu0
            .zip(common::process_cpu_secs())
            .map(|(a, b)| (b - a) / 5.0);
        let s = common::median(secs);
        let per_cpu = cpu.map_or(String::new(), |c| {
            format!(", {:.1} MB per CPU-second (mean of 5)", mb / c)
        });
        println!(
            "stance transform threads={threads}: {s:.3} s, {:.1} MB/s{per_cpu}; first call \
             (empty token caches) {first:.3} s, {:.1} MB/s",
            mb / s,
            mb / first
        );
        ours.push(mb / s);
    }
    println!("2 threads / 1 thread: {:.2}x", ours[1] / ours[0]);
    let peer = common::run_peer(
        "sk_vectorize.py",
        &[path.to_str().unwrap(), &fit_rows.to_string(), "3"],
    );
    if let Some(line) = peer {
        let v: serde_json::Value = serde_json::from_str(line.trim()).expect("peer json");
        let sk = v["MB_per_s"].as_f64().expect("MB_per_s");
        println!(
            "scikit-learn transform: {sk:.2} MB/s ({line})",
            line = line.trim()
        );
        println!(
            "ratio stance/scikit-learn: {:.1}x (1 thread), {:.1}x (2 threads)",
            ours[0] / sk,
            ours[1] / sk
        );
    }
}
