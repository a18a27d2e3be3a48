//! The `stance` binary: a thin shell over the library (see `cli`).

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = match cli::expand_config(std::env::args_os().collect()) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("stance: error: {e}");
            return ExitCode::from(2);
        }
    };
    let cli = cli::Cli::parse_from(args);
    match cli::run(cli) {
        Ok(outcome) => outcome.exit_code(),
        // A closed pipe (`stance ... | head`) is the reader's choice, not a failure.
        Err(stance::Error::Io { source, .. })
            if source.kind() == std::io::ErrorKind::BrokenPipe =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("stance: error: {e}");
            ExitCode::from(2)
        }
    }
}
