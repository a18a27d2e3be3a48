//! `stance score`: label every row of large corpora, in parallel, in constant memory.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use stance::ingest::{self, Format, OutputFormat, RowWriter};
use stance::score::{ScoreOptions, Scorer};
use stance::Error;

use super::args::InputArgs;
use super::ingest::parse_output_format;
use super::{output_format, Outcome, Sink};

#[derive(Args, Debug)]
pub struct ScoreArgs {
    /// CSV/TSV/JSON Lines files, raw article files, folders of them, or `-` for stdin.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Model bundle (default: the model compiled into this binary).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Output file (.csv or .jsonl); standard output when absent.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Output format (default: from the output's extension, else CSV).
    #[arg(long, value_parser = parse_output_format)]
    pub format: Option<OutputFormat>,
    /// Input column to copy to the output (repeatable).
    #[arg(long)]
    pub keep: Vec<String>,
    /// Heads to output, comma-separated (default: all).
    #[arg(long, value_delimiter = ',')]
    pub heads: Vec<String>,
    /// Abstain (empty label, counted) where a head's top probability is below this.
    #[arg(long)]
    pub min_confidence: Option<f64>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Rows per batch (memory use is proportional to it).
    #[arg(long, default_value_t = 4096)]
    pub batch_rows: usize,
    /// Show a progress bar even when stderr is not a terminal.
    #[arg(long)]
    pub progress: bool,
    /// No progress bar and no summary.
    #[arg(long)]
    pub quiet: bool,
    /// Add one summary line per article (raw inputs): `source`.
    #[arg(long, value_parser = ["source"])]
    pub summary_by: Option<String>,
    /// Also write the per-article summary as JSON to this file.
    #[arg(long)]
    pub summary_out: Option<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
}

pub fn run(a: ScoreArgs) -> Result<Outcome, Error> {
    if let Some(n) = a.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global()
            .map_err(|e| Error::Usage(format!("--threads: {e}")))?;
    }
    let (bundle, _) = super::model_or_default(a.model.as_deref())?;
    let paths = ingest::expand_inputs(&a.inputs)?;
    let specs = paths
        .iter()
        .map(|p| a.input.spec(p.clone()))
        .collect::<Result<Vec<_>, _>>()?;
    let units = specs.iter().any(|s| s.resolved_format() == Format::Raw);
    // Open everything first: a fatal input problem leaves no partial output.
    let readers = specs
        .iter()
        .map(|s| ingest::open(s).map_err(Error::from))
        .collect::<Result<Vec<_>, _>>()?;
    for k in &a.keep {
        if k != "text"
            && !readers
                .iter()
                .any(|r| r.columns().iter().any(|c| &**c == k.as_str()))
        {
            return Err(Error::Usage(format!(
                "--keep {k:?}: no input has that column"
            )));
        }
    }
    let total: Option<u64> = readers.iter().map(|r| r.total_bytes()).sum();
    let scorer = Scorer::new(
        &bundle,
        ScoreOptions {
            heads: a.heads.clone(),
            min_confidence: a.min_confidence,
            keep: a.keep.clone(),
            units,
            batch_rows: a.batch_rows.max(1),
        },
    )?;
    let sink = Sink::open(a.output.as_deref())?;
    let out_name = a.output.clone().unwrap_or_else(|| "<stdout>".into());
    let io = |e| Error::io(&out_name, e);
    let mut w = RowWriter::new(
        sink.writer()?,
        output_format(a.format, a.output.as_ref()),
        &scorer.header(),
    )
    .map_err(io)?
    .with_decimals(4);
    let cancel = Arc::new(AtomicBool::new(false));
    {
        let c = cancel.clone();
        // Ignore a failure to install (e.g. a handler already set in this process).
        let _ = ctrlc::set_handler(move || c.store(true, Ordering::Relaxed));
    }
    let show = !a.quiet && (a.progress || std::io::stderr().is_terminal());
    let bar = if show {
        let b = match total {
            Some(t) => ProgressBar::new(t),
            None => ProgressBar::new_spinner(),
        };
        b.set_draw_target(ProgressDrawTarget::stderr());
        b.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:30} {bytes}/{total_bytes} {bytes_per_sec} ETA {eta} {msg}",
            )
            .expect("valid template"),
        );
        Some(b)
    } else {
        None
    };
    let t = Instant::now();
    let summary = scorer
        .run(readers, &mut w, &cancel, |rows, bytes| {
            if let Some(b) = &bar {
                b.set_position(bytes);
                let secs = t.elapsed().as_secs_f64().max(1e-9);
                b.set_message(format!("{rows} rows, {:.0} rows/s", rows as f64 / secs));
            }
        })
        .map_err(io)?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let seconds = t.elapsed().as_secs_f64();
    if summary.interrupted {
        drop(w);
        drop(sink); // the temp file is removed: no half file under the final name
        eprint!("stance score: {}", summary.describe(seconds));
        return Err(Error::Usage(
            "interrupted (Ctrl-C): output not written".into(),
        ));
    }
    w.finish().map_err(io)?;
    sink.commit()?;
    if !a.quiet {
        eprint!("stance score: {}", summary.describe(seconds));
    }
    if a.summary_by.is_some() || a.summary_out.is_some() {
        if a.summary_by.is_some() {
            eprint!("\nper article:\n{}", summary.article_table());
        }
        if let Some(p) = &a.summary_out {
            let s = Sink::open(Some(p))?;
            let json = serde_json::to_vec_pretty(&summary.articles)
                .map_err(|e| Error::Usage(format!("summary: {e}")))?;
            s.writer()?
                .write_all(&json)
                .map(|_| ())
                .map_err(|e| Error::io(p, e))?;
            s.commit()?;
        }
    }
    Ok(Outcome {
        row_errors: summary.errors,
    })
}
