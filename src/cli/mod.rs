//! The binary's command line: parse arguments, call the library, map outcomes to exit codes
//! (0 all rows fine, 1 finished but some rows were reported as errors, 2 fatal), as ripgrep does.

pub mod args;
mod compare;
mod eval;
mod explain;
mod ingest;
mod inspect;
mod train;
mod vectorize;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use stance::ingest::{AtomicFile, OutputFormat};
use stance::Error;

#[derive(Parser, Debug)]
#[command(
    name = "stance",
    version,
    about = "Stance (negotiation, military aid) and sentiment labels for news articles, reader comments and tweets"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Read raw article files, CSV or JSON Lines; write one row per unit (headline, paragraph,
    /// comment) or record.
    Ingest(ingest::IngestArgs),
    /// Fit a vectorizer on a data file and print vocabulary size, non-zeros and top terms.
    Vectorize(vectorize::VectorizeArgs),
    /// Train a model bundle from labeled data (one head per label column or per target).
    Train(train::TrainArgs),
    /// Evaluate a model bundle on labeled data.
    Eval(eval::EvalArgs),
    /// Cross-validate a training setup (the whole pipeline refit in each fold).
    Cv(eval::CvArgs),
    /// Show a model file: version, heads, labels, features, training metadata, top features.
    Inspect(inspect::InspectArgs),
    /// Explain labels: probabilities and the features that pushed each text to its label.
    Explain(explain::ExplainArgs),
    /// Compare JSON reports of `eval`/`cv` side by side, with deltas against the first.
    Compare(compare::CompareArgs),
}

/// What a verb reports back: how many rows were reported as errors.
pub struct Outcome {
    pub row_errors: u64,
}

impl Outcome {
    pub fn exit_code(&self) -> ExitCode {
        if self.row_errors > 0 {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        }
    }
}

pub fn run(cli: Cli) -> Result<Outcome, Error> {
    match cli.command {
        Command::Ingest(a) => ingest::run(a),
        Command::Vectorize(a) => vectorize::run(a),
        Command::Train(a) => train::run(a),
        Command::Eval(a) => eval::run_eval(a),
        Command::Cv(a) => eval::run_cv(a),
        Command::Inspect(a) => inspect::run(a),
        Command::Explain(a) => explain::run(a),
        Command::Compare(a) => compare::run(a),
    }
}

/// An output destination: a file written atomically (temp + rename on success) or stdout.
pub enum Sink {
    File(AtomicFile),
    Stdout,
}

impl Sink {
    pub fn open(path: Option<&Path>) -> Result<Sink, Error> {
        match path {
            Some(p) if p.as_os_str() != "-" => Ok(Sink::File(
                AtomicFile::create(p).map_err(|e| Error::io(p, e))?,
            )),
            _ => Ok(Sink::Stdout),
        }
    }

    pub fn writer(&self) -> Result<Box<dyn Write + Send>, Error> {
        match self {
            Sink::File(f) => Ok(Box::new(std::io::BufWriter::with_capacity(
                1 << 20,
                f.writer().map_err(|e| Error::io(f.path(), e))?,
            ))),
            Sink::Stdout => Ok(Box::new(std::io::BufWriter::new(std::io::stdout()))),
        }
    }

    pub fn commit(self) -> Result<(), Error> {
        match self {
            Sink::File(f) => {
                let p = f.path().to_path_buf();
                f.commit().map_err(|e| Error::io(p, e))
            }
            Sink::Stdout => Ok(()),
        }
    }
}

/// Output format: explicit, else from the output file's extension, else CSV.
pub fn output_format(explicit: Option<OutputFormat>, out: Option<&PathBuf>) -> OutputFormat {
    explicit.unwrap_or_else(|| out.map_or(OutputFormat::Csv, |p| OutputFormat::from_path(p)))
}
