//! `stance vectorize`: fit features on a data file and show what they look like.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use stance::ingest::{self, Cell, OutputFormat, RowWriter};
use stance::vectorize::Vectorizer;
use stance::Error;

use super::args::{FeatureArgs, InputArgs};
use super::{Outcome, Sink};

#[derive(Args, Debug)]
pub struct VectorizeArgs {
    /// Data file(s) to fit on (CSV/TSV/JSON Lines or raw articles).
    #[arg(long = "data", required = true)]
    pub data: Vec<PathBuf>,
    /// How many top terms by document frequency to print.
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// Write the whole vocabulary (column, name, df, idf) to this CSV file.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub features: FeatureArgs,
}

pub fn run(a: VectorizeArgs) -> Result<Outcome, Error> {
    let mut texts = Vec::new();
    let mut errors = 0u64;
    for p in ingest::expand_inputs(&a.data)? {
        for item in ingest::open(&a.input.spec(p)?)? {
            match item {
                Ok(r) => texts.push(r.text),
                Err(e) => {
                    errors += 1;
                    eprintln!("stance: skipped: {e}");
                }
            }
        }
    }
    let t = Instant::now();
    let (v, stats) = Vectorizer::fit(a.features.config(), &texts)?;
    let fit_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let x = v.transform(&texts);
    let transform_s = t.elapsed().as_secs_f64();
    let mb = texts.iter().map(String::len).sum::<usize>() as f64 / 1e6;
    println!(
        "documents      {} ({mb:.2} MB), {errors} row error(s) skipped",
        texts.len()
    );
    for b in v.blocks() {
        let seen = stats
            .seen
            .iter()
            .find(|s| s.0 == b.block)
            .map_or(0, |s| s.1);
        println!(
            "{:<14} {} features ({} distinct n-grams seen)",
            format!("{:?} block", b.block).to_lowercase(),
            b.len,
            seen
        );
    }
    println!("features       {}", v.n_features());
    println!(
        "nnz            {} ({:.1} per document)",
        x.nnz(),
        x.nnz() as f64 / texts.len().max(1) as f64
    );
    println!(
        "fit            {fit_s:.2} s; transform {transform_s:.2} s ({:.1} MB/s)",
        mb / transform_s.max(1e-9)
    );
    if stats.hash_collisions > 0 {
        println!(
            "hash collisions {} (the smaller term kept)",
            stats.hash_collisions
        );
    }
    println!("\ntop {} terms by document frequency:", a.top);
    println!("{:>8}  {:>8}  {:>7}  term", "column", "df", "idf");
    for t in v.top_by_df(a.top) {
        println!("{:>8}  {:>8}  {:>7.3}  {}", t.column, t.df, t.idf, t.name);
    }
    if let Some(out) = &a.output {
        let sink = Sink::open(Some(out))?;
        let io = |e| Error::io(out, e);
        let mut w = RowWriter::new(
            sink.writer()?,
            OutputFormat::Csv,
            &["column", "name", "df", "idf"],
        )
        .map_err(io)?;
        for t in v.terms() {
            w.write_row(&[
                Cell::Int(t.column as u64),
                Cell::Str(&t.name),
                Cell::Int(u64::from(t.df)),
                Cell::Num(t.idf),
            ])
            .map_err(io)?;
        }
        w.finish().map_err(io)?;
        sink.commit()?;
    }
    Ok(Outcome { row_errors: errors })
}
