//! `stance score` throughput (rows/s and MB/s) for 1 and 2 threads: vectorize + three heads on
//! a corpus from `../shared/tools/make_corpus.py`, with a model trained on RUW tweets (word 1-2
//! and char 2-5 features, three heads). The peers are compared by `benches/compare_peers.py`.
//! Rows: `STANCE_BENCH_ROWS` (default 20000). Skips with a message where ../shared is absent.

#[allow(dead_code)] // shared with benches/vectorize.rs
mod common;

use criterion::{Criterion, Throughput};
use stance::dataset::{HeadData, LabeledData, LoadReport};
use stance::ingest::{self, InputSpec};
use stance::score::{ScoreOptions, Scorer};
use stance::train::{self, TrainSpec};
use stance::vectorize::VectorizerConfig;

fn main() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let rows: usize = std::env::var("STANCE_BENCH_ROWS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    let Some(path) = common::corpus(&shared, rows) else {
        return;
    };
    let texts = common::read_texts(&path);
    // training data: RUW train tweets, heads Stance 1, Stance 2 and Stance 2 again
    let mut spec = InputSpec::new(shared.join("datasets/ruw/raw_train_Russia_Ukraine.csv"));
    spec.encoding = "gb18030".parse().unwrap();
    spec.text_col = "Tweet".into();
    let mut tweets = Vec::new();
    let mut y1 = Vec::new();
    let mut y2 = Vec::new();
    for r in ingest::open(&spec).expect("RUW train").flatten() {
        let get = |k: &str| {
            r.extra
                .iter()
                .find(|(n, _)| &**n == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        y1.push(get("Stance 1"));
        y2.push(get("Stance 2"));
        tweets.push(r.text);
    }
    let head = |name: &str, y: &[String]| {
        let mut labels: Vec<String> = y.to_vec();
        labels.sort();
        labels.dedup();
        HeadData {
            name: name.into(),
            y: y.iter().map(|l| labels.binary_search(l).ok()).collect(),
            labels,
        }
    };
    let data = LabeledData {
        ids: (0..tweets.len()).map(|i| i.to_string()).collect(),
        groups: (0..tweets.len()).map(|i| i.to_string()).collect(),
        heads: vec![
            head("russia", &y1),
            head("ukraine", &y2),
            head("ukraine2", &y2),
        ],
        texts: tweets,
        report: LoadReport::default(),
    };
    let spec = TrainSpec {
        features: VectorizerConfig::default(),
        clean: Default::default(),
        learner: stance::model::Learner::Logistic {
            c: 10.0,
            tol: 1e-4,
            max_iter: 1000,
        },
        class_weight: Default::default(),
        seed: 1,
    };
    let (bundle, _) = train::train(&data, &spec, vec![]).expect("train");
    let scorer = Scorer::new(&bundle, ScoreOptions::default()).unwrap();
    let batch: Vec<_> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            Ok(stance::ingest::Record {
                source: "corpus".into(),
                number: i as u64 + 1,
                byte_offset: 0,
                id: i.to_string(),
                text: t.clone(),
                extra: vec![],
                unit: None,
            })
        })
        .collect();
    let bytes: u64 = texts.iter().map(|t| t.len() as u64).sum();
    let mut c = Criterion::default().configure_from_args().sample_size(10);
    for (unit, tp) in [
        ("MB", Throughput::Bytes(bytes)),
        ("rows", Throughput::Elements(texts.len() as u64)),
    ] {
        let mut g = c.benchmark_group(format!("score_{unit}"));
        g.throughput(tp);
        for threads in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            g.bench_function(format!("threads={threads}"), |b| {
                b.iter(|| pool.install(|| scorer.score_batch(&batch)))
            });
        }
        g.finish();
    }
}
