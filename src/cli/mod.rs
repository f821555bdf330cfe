//! The command layer: one file per command, each written once over the input `Source`.

pub mod args;
mod check;
mod diagnose;
mod failure;
mod iam_policy;
pub mod output;
mod progress;
mod rules;
mod shell;
mod snapshot;

use std::process::ExitCode;

use mwaa_preflight::config::Config;
use mwaa_preflight::input::{AwsAccess, Source};

use args::{AwsArgs, Cli, Command, OutputArgs};
pub use failure::{usage, Failure};

pub fn run(cli: Cli) -> Result<ExitCode, Failure> {
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Diagnose(args) => diagnose::run(&args),
        Command::Snapshot(args) => snapshot::run(&args),
        Command::Rules => rules::list(),
        Command::Explain { rule } => rules::explain(&rule),
        Command::IamPolicy => iam_policy::run(),
        Command::Completions { shell } => shell::completions(shell),
        Command::Man => shell::man(),
    }
}

/// The snapshot file when one is given, else the account.
fn source(snapshot: Option<&std::path::Path>, aws: &AwsArgs) -> Result<Source, Failure> {
    Ok(match snapshot {
        Some(path) => {
            let region = match aws.region.as_slice() {
                [] => None,
                [one] => Some(one.clone()),
                _ => return Err(usage("several regions are for a live audit", "pass one --region with --snapshot")),
            };
            Source::Snapshot { path: path.to_path_buf(), region }
        }
        None => Source::Live(AwsAccess {
            regions: aws.region.clone(),
            profile: aws.profile.clone(),
            endpoint_url: aws.endpoint_url.clone(),
            concurrency: usize::from(aws.concurrency),
        }),
    })
}

/// The configuration (`--config`, else discovered from the working directory), with `--fail-on` applied.
fn configuration(output: &OutputArgs) -> Result<Config, Failure> {
    let cwd =
        std::env::current_dir().map_err(|e| usage(format!("cannot read the working directory: {e}"), "run from an existing directory"))?;
    let mut config = Config::discover(output.config.as_deref(), &cwd)?;
    config.fail_on = output.fail_on.or(config.fail_on);
    if output.fail_on_skipped {
        config.fail_on_skipped = Some(true);
    }
    Ok(config)
}
