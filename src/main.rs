//! mwaa-preflight: parse the command line, run the command, map failures to exit code 2.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use miette::{GraphicalReportHandler, GraphicalTheme};

mod cli;

fn main() -> ExitCode {
    let args = cli::args::Cli::parse();
    match cli::run(args) {
        Ok(code) => code,
        Err(failure) => {
            let theme = if std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
                GraphicalTheme::unicode()
            } else {
                GraphicalTheme::unicode_nocolor()
            };
            let mut text = String::new();
            let width = cli::output::terminal_width();
            let _ = GraphicalReportHandler::new_themed(theme)
                .with_width(width)
                .render_report(&mut text, &mwaa_preflight::text::Printable::new(&failure));
            eprint!("{text}");
            ExitCode::from(2)
        }
    }
}
