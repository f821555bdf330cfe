//! `completions SHELL` and `man`: generated from the clap definitions themselves.

use std::process::ExitCode;

use clap::CommandFactory;

use super::args::Cli;
use super::{output, Failure};

pub fn completions(shell: clap_complete::Shell) -> Result<ExitCode, Failure> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "mwaa-preflight", &mut out);
    output::write_stdout(&out)?;
    Ok(ExitCode::SUCCESS)
}

pub fn man() -> Result<ExitCode, Failure> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .map_err(|source| Failure::Output { path: "standard output".to_string(), source })?;
    output::write_stdout(&out)?;
    Ok(ExitCode::SUCCESS)
}
