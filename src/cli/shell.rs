//! `completions SHELL` and `man`: generated from the clap definitions themselves.

use std::process::ExitCode;

use clap::CommandFactory;

use super::args::Cli;
use super::{output, usage, Failure};

pub fn completions(shell: clap_complete::Shell) -> Result<ExitCode, Failure> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "mwaa-preflight", &mut out);
    output::write_stdout(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// The tool's page, or a command's (`mwaa-preflight-check(1)`, which the tool's page lists under SEE ALSO).
pub fn man(command: Option<&str>) -> Result<ExitCode, Failure> {
    let tool = Cli::command();
    let page = match command {
        None => clap_mangen::Man::new(tool),
        Some(name) => {
            let found = tool.get_subcommands().find(|c| c.get_name() == name).cloned().ok_or_else(|| {
                let names: Vec<&str> = tool.get_subcommands().map(clap::Command::get_name).collect();
                usage(format!("no command {name:?}"), format!("one of: {}", names.join(", ")))
            })?;
            clap_mangen::Man::new(found.bin_name(format!("mwaa-preflight {name}"))).title(format!("mwaa-preflight-{name}"))
        }
    };
    let mut out = Vec::new();
    page.render(&mut out).map_err(|source| Failure::Output { path: "standard output".to_string(), source })?;
    output::write_stdout(&out)?;
    Ok(ExitCode::SUCCESS)
}
