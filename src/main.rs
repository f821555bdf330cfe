//! mwaa-preflight: parse the command line, run the command, map failures to exit code 2.

use std::process::ExitCode;

use clap::Parser;

mod cli;

fn main() -> ExitCode {
    let args = cli::args::Cli::parse();
    match cli::run(args) {
        Ok(code) => code,
        Err(failure) => {
            cli::print_failure(&failure);
            ExitCode::from(2)
        }
    }
}
