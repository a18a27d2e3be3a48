//! `stance ingest`: raw articles (or CSV/JSON Lines) to one row per unit.

use std::path::PathBuf;

use clap::Args;
use stance::ingest::{self, Cell, OutputFormat, RowWriter};
use stance::Error;

use super::args::InputArgs;
use super::{output_format, Outcome, Sink};

#[derive(Args, Debug)]
pub struct IngestArgs {
    /// Raw article files, CSV/TSV/JSON Lines files, folders of them, or `-` for stdin.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Output file (.csv or .jsonl); standard output when absent.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Output format (default: from the output's extension, else CSV); `--format` as in
    /// `stance score`.
    #[arg(long, visible_alias = "format", value_parser = parse_output_format)]
    pub output_format: Option<OutputFormat>,
    #[command(flatten)]
    pub input: InputArgs,
}

pub(crate) fn parse_output_format(s: &str) -> Result<OutputFormat, String> {
    match s.to_ascii_lowercase().as_str() {
        "csv" => Ok(OutputFormat::Csv),
        "jsonl" | "json" | "ndjson" => Ok(OutputFormat::Jsonl),
        other => Err(format!("unknown output format {other:?} (csv, jsonl)")),
    }
}

pub fn run(a: IngestArgs) -> Result<Outcome, Error> {
    let paths = ingest::expand_inputs(&a.paths)?;
    // Open every input before writing anything: a fatal problem leaves no partial output.
    let readers = paths
        .iter()
        .map(|p| ingest::open(&a.input.spec(p.clone())?).map_err(Error::from))
        .collect::<Result<Vec<_>, Error>>()?;
    let sink = Sink::open(a.output.as_deref())?;
    let format = output_format(a.output_format, a.output.as_ref());
    let out_name = a.output.clone().unwrap_or_else(|| "<stdout>".into());
    let io = |e| Error::io(&out_name, e);
    let mut w = RowWriter::new(
        sink.writer()?,
        format,
        &["id", "source", "kind", "position", "text", "error"],
    )
    .map_err(io)?;
    let (mut rows, mut errors, mut replaced) = (0u64, 0u64, 0u64);
    for mut reader in readers {
        for item in reader.by_ref() {
            rows += 1;
            match item {
                Ok(r) => {
                    let (kind, pos) = match r.unit {
                        Some(u) => (u.kind.as_str(), Cell::Int(u.position as u64)),
                        None => ("", Cell::Empty),
                    };
                    w.write_row(&[
                        Cell::Str(&r.id),
                        Cell::Str(&r.source),
                        Cell::Str(kind),
                        pos,
                        Cell::Str(&r.text),
                        Cell::Empty,
                    ])
                    .map_err(io)?;
                }
                Err(e) => {
                    errors += 1;
                    eprintln!("stance: {e}");
                    let id = e.id.clone().unwrap_or_else(|| e.number.to_string());
                    w.write_row(&[
                        Cell::Str(&id),
                        Cell::Str(&e.source),
                        Cell::Empty,
                        Cell::Empty,
                        Cell::Empty,
                        Cell::Str(&e.kind.to_string()),
                    ])
                    .map_err(io)?;
                }
            }
        }
        replaced += reader.stats().replaced;
    }
    w.finish().map_err(io)?;
    sink.commit()?;
    eprintln!(
        "stance ingest: {rows} rows from {} input(s), {errors} row error(s){}",
        paths.len(),
        if replaced > 0 {
            format!(", {replaced} undecodable byte sequence(s) replaced (--lossy)")
        } else {
            String::new()
        }
    );
    Ok(Outcome { row_errors: errors })
}
