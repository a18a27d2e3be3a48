//! Shared helpers for the benches: finding ../shared and building the corpus with its tool.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The shared folder (datasets, peers, corpus tool): `$STANCE_SHARED` or `../shared` beside the
/// crate. `None` (and a message) when absent, so benches skip instead of failing.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("STANCE_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    if dir.join("tools/make_corpus.py").is_file() {
        Some(dir)
    } else {
        eprintln!(
            "skipping: {} not found (set STANCE_SHARED to the shared folder)",
            dir.display()
        );
        None
    }
}

/// `target/bench-data/corpus_<rows>.csv`, made once by `make_corpus.py`.
pub fn corpus(shared: &Path, rows: usize) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    std::fs::create_dir_all(&dir).ok()?;
    let out = dir.join(format!("corpus_{rows}.csv"));
    if !out.is_file() {
        let status = Command::new("python3")
            .arg(shared.join("tools/make_corpus.py"))
            .arg(&out)
            .args(["--rows", &rows.to_string()])
            .status();
        if !matches!(status, Ok(s) if s.success()) {
            eprintln!("skipping: could not run make_corpus.py with python3");
            return None;
        }
    }
    Some(out)
}

/// The `text` column of a corpus CSV.
pub fn read_texts(path: &Path) -> Vec<String> {
    let mut r = csv::Reader::from_path(path).expect("corpus csv");
    let col = r
        .headers()
        .expect("header")
        .iter()
        .position(|h| h == "text")
        .expect("text column");
    r.records()
        .map(|rec| rec.expect("corpus row")[col].to_string())
        .collect()
}

/// Median of a few timings, in seconds.
pub fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    xs[xs.len() / 2]
}

/// Runs a Python peer script from `benches/peers/`, returning its stdout lines.
pub fn run_peer(script: &str, args: &[&str]) -> Option<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("benches/peers")
        .join(script);
    match Command::new("python3").arg(&path).args(args).output() {
        Ok(o) if o.status.success() => Some(String::from_utf8_lossy(&o.stdout).into_owned()),
        Ok(o) => {
            eprintln!(
                "peer {script} failed (is scikit-learn installed? see ../shared/peers/README.md): {}",
                String::from_utf8_lossy(&o.stderr)
            );
            None
        }
        Err(e) => {
            eprintln!("peer {script} not run: {e}");
            None
        }
    }
}

/// CPU seconds (user + system, all threads) this process has used so far, from
/// `/proc/self/stat` (Linux; `None` elsewhere). On a shared, loaded machine wall-clock
/// throughput mostly measures the other tenants; MB per CPU-second does not.
pub fn process_cpu_secs() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    // USER_HZ, the unit of these fields, is 100 on mainstream Linux
    Some(ticks as f64 / 100.0)
}
