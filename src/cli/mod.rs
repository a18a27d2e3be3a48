//! The binary's command line: parse arguments, call the library, map outcomes to exit codes
//! (0 all rows fine, 1 finished but some rows were reported as errors, 2 fatal), as ripgrep does.

pub mod args;
mod compare;
mod eval;
mod explain;
mod ingest;
mod inspect;
mod score;
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

/// Shown under the flags of the commands with many of them: `--config` is read before clap
/// parses (see [`expand_config`]), so clap would not list it.
const CONFIG_HELP: &str = concat!(
    "Any of these flags can also come from --config FILE.toml, keys named as the flags ",
    "(min_df = 2, no_stem = true, label_col = [\"negotiation\", \"aid\"]); ",
    "flags on the command line override the file."
);

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Read raw article files, CSV or JSON Lines; write one row per unit (headline, paragraph,
    /// comment) or record.
    #[command(args_override_self = true)]
    Ingest(ingest::IngestArgs),
    /// Fit a vectorizer on a data file and print vocabulary size, non-zeros and top terms.
    #[command(args_override_self = true)]
    Vectorize(vectorize::VectorizeArgs),
    /// Label every row of CSV/JSON Lines files or raw articles (default: the built-in model).
    #[command(args_override_self = true, after_help = CONFIG_HELP)]
    Score(score::ScoreArgs),
    /// Train a model bundle from labeled data (one head per label column or per target).
    #[command(args_override_self = true, after_help = CONFIG_HELP)]
    Train(train::TrainArgs),
    /// Evaluate a model bundle on labeled data.
    #[command(args_override_self = true, after_help = CONFIG_HELP)]
    Eval(eval::EvalArgs),
    /// Cross-validate a training setup (the whole pipeline refit in each fold).
    #[command(args_override_self = true, after_help = CONFIG_HELP)]
    Cv(eval::CvArgs),
    /// Show a model file: version, heads, labels, features, training metadata, top features.
    #[command(args_override_self = true)]
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

/// Expands `--config FILE.toml` into command-line arguments placed before the others, so any
/// flag given on the command line overrides the file. Keys are flag names (`min_df` or
/// `min-df`); strings and numbers become `--key value`, `true` becomes `--key`, arrays repeat the
/// flag (e.g. `label_col = ["negotiation", "aid"]`).
///
/// # Errors
/// An unreadable or invalid TOML file, a key that is not one of the verb's flags, or a value
/// that is not a string, number, bool or array.
pub fn expand_config(args: Vec<std::ffi::OsString>) -> Result<Vec<std::ffi::OsString>, Error> {
    let pos = args
        .iter()
        .position(|a| a == "--config" || a.to_str().is_some_and(|s| s.starts_with("--config=")));
    let Some(pos) = pos else { return Ok(args) };
    let (path, drop) = match args[pos].to_str().and_then(|s| s.strip_prefix("--config=")) {
        Some(p) => (PathBuf::from(p), 1),
        None => match args.get(pos + 1) {
            Some(p) => (PathBuf::from(p), 2),
            None => return Err(Error::Usage("--config needs a file".into())),
        },
    };
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    let table: toml::Table = text
        .parse()
        .map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?;
    // the verb's flags, so that a misspelt key names the file rather than a flag never typed
    let verb = args.get(1).and_then(|v| v.to_str()).unwrap_or_default();
    let command = <Cli as clap::CommandFactory>::command();
    let flags: Vec<String> = command
        .find_subcommand(verb)
        .into_iter()
        .flat_map(|c| c.get_arguments())
        .flat_map(long_names)
        .map(str::to_string)
        .collect();
    let mut extra: Vec<std::ffi::OsString> = Vec::new();
    for (k, v) in &table {
        let name = k.replace('_', "-");
        if !flags.is_empty() && !flags.contains(&name) {
            return Err(Error::Usage(format!(
                "{}: {k:?} is not a setting of stance {verb} (its settings: {})",
                path.display(),
                flags
                    .iter()
                    .map(|f| f.replace('-', "_"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        let flag = format!("--{name}");
        let scalar = |v: &toml::Value| -> Result<Option<String>, Error> {
            match v {
                toml::Value::String(s) => Ok(Some(s.clone())),
                toml::Value::Integer(i) => Ok(Some(i.to_string())),
                toml::Value::Float(f) => Ok(Some(f.to_string())),
                toml::Value::Boolean(_) => Ok(None),
                other => Err(Error::Usage(format!(
                    "{}: {k}: unsupported value {other}",
                    path.display()
                ))),
            }
        };
        match v {
            toml::Value::Boolean(true) => extra.push(flag.into()),
            toml::Value::Boolean(false) => {}
            toml::Value::Array(items) => {
                for it in items {
                    if let Some(s) = scalar(it)? {
                        extra.push(flag.clone().into());
                        extra.push(s.into());
                    }
                }
            }
            other => {
                if let Some(s) = scalar(other)? {
                    extra.push(flag.into());
                    extra.push(s.into());
                }
            }
        }
    }
    let mut out: Vec<std::ffi::OsString> = args[..pos].to_vec();
    // After the program name and the verb, so the file's flags belong to the verb.
    let at = out.len().min(2);
    out.splice(at..at, extra);
    out.extend(args[pos + drop..].iter().cloned());
    Ok(out)
}

pub fn run(cli: Cli) -> Result<Outcome, Error> {
    match cli.command {
        Command::Ingest(a) => ingest::run(a),
        Command::Vectorize(a) => vectorize::run(a),
        Command::Score(a) => score::run(a),
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

/// An argument's long flag and its aliases, without the dashes.
fn long_names(a: &clap::Arg) -> impl Iterator<Item = &str> {
    let aliases = a.get_all_aliases().into_iter().flatten();
    a.get_long().into_iter().chain(aliases)
}

/// The model file given, or the default one compiled into the binary, with its format version.
pub fn model_or_default(path: Option<&Path>) -> Result<(stance::bundle::Bundle, u32), Error> {
    use stance::bundle::{Bundle, DEFAULT_MODEL};
    Ok(match path {
        Some(p) => Bundle::load_with_version(p)?,
        None => (
            Bundle::default_model()?,
            Bundle::file_version(DEFAULT_MODEL).unwrap_or_default(),
        ),
    })
}

/// Output format: explicit, else from the output file's extension, else CSV.
pub fn output_format(explicit: Option<OutputFormat>, out: Option<&PathBuf>) -> OutputFormat {
    explicit.unwrap_or_else(|| out.map_or(OutputFormat::Csv, |p| OutputFormat::from_path(p)))
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// clap checks a command line's definition only in debug builds, at parse time, and the
    /// suite runs in release: check here that no verb defines a flag twice (a flattened
    /// group's flag would shadow the verb's own, and one of them could never be set).
    #[test]
    fn no_verb_defines_a_flag_twice() {
        for verb in super::Cli::command().get_subcommands() {
            let mut seen = std::collections::BTreeSet::new();
            for a in verb.get_arguments() {
                let shorts = a.get_short().map(|c| format!("-{c}"));
                let flags = super::long_names(a).map(|l| format!("--{l}")).chain(shorts);
                for flag in flags {
                    let verb = verb.get_name();
                    assert!(
                        seen.insert(flag.clone()),
                        "stance {verb}: {flag} is defined twice"
                    );
                }
            }
        }
    }
}
