//! `pre-commit FILES...`: what the pre-commit hook runs on the changed files. It picks out the ones that
//! define an MWAA environment (a CloudFormation template with AWS::MWAA::Environment, a Terraform plan or
//! state JSON with aws_mwaa_environment) and runs `check` on each, offline; every other file is not ours
//! and is left alone. A template that imports values is checked together with the changed templates that
//! export some.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use super::args::{Cli, PreCommitArgs};
use super::files::{kind, read, Found, Kind};
use super::{check, Failure};

pub fn run(args: &PreCommitArgs) -> Result<ExitCode, Failure> {
    let mut files: Vec<(&PathBuf, Kind)> = Vec::new();
    let mut worst = 0u8;
    for path in &args.files {
        match read(path) {
            Ok(Found::Text(text)) => files.push((path, kind(&text))),
            Ok(Found::LeftAlone(why)) => eprintln!("mwaa-preflight: {} left alone: {why}", path.display()),
            Err(error) => {
                // A changed file the hook cannot read may define an environment: never a silent pass.
                eprintln!("mwaa-preflight: cannot read {}: {error}", path.display());
                worst = 2;
            }
        }
    }
    let exporters: Vec<&PathBuf> = files.iter().filter(|(_, k)| *k == Kind::Exporter).map(|(p, _)| *p).collect();
    let region = args.region.clone().or_else(|| std::env::var("AWS_REGION").ok()).or_else(|| std::env::var("AWS_DEFAULT_REGION").ok());
    let region = region.unwrap_or_else(|| {
        eprintln!("mwaa-preflight: no --region, AWS_REGION or AWS_DEFAULT_REGION; checking as us-east-1");
        "us-east-1".to_string()
    });
    for (path, kind) in &files {
        let mut command: Vec<OsString> = ["mwaa-preflight", "check", "--region", &region].map(OsString::from).to_vec();
        match kind {
            Kind::Environment { imports } => {
                command.push(flag("--template", path));
                if args.fix {
                    command.push("--fix".into());
                }
                if *imports {
                    command.extend(exporters.iter().map(|exporter| flag("--template", exporter)));
                }
            }
            Kind::TerraformPlan => command.push(flag("--terraform-plan", path)),
            Kind::Exporter | Kind::Other => continue,
        }
        if let Some(snapshot) = &args.snapshot {
            command.push(flag("--snapshot", snapshot));
        }
        command.extend(["--format".into(), "human".into()]);
        if let Some(name) = args.fail_on.and_then(|f| clap::ValueEnum::to_possible_value(&f)) {
            command.extend(["--fail-on".into(), name.get_name().into()]);
        }
        let code = match Cli::try_parse_from(&command) {
            Ok(Cli { command: super::args::Command::Check(check_args), .. }) => match check::run(&check_args) {
                Ok(code) if code == ExitCode::SUCCESS => 0,
                Ok(code) if code == ExitCode::from(1) => 1,
                Ok(_) => 2,
                Err(failure) => {
                    super::print_failure(&failure);
                    2
                }
            },
            Ok(_) => 2,
            Err(error) => {
                eprintln!("{error}");
                2
            }
        };
        worst = worst.max(code);
    }
    Ok(ExitCode::from(worst))
}

/// `--name=PATH` as one argument: a path starting with `-` stays a path, and a name that is not UTF-8 is
/// passed as it is.
fn flag(name: &str, path: &std::path::Path) -> OsString {
    let mut argument = OsString::from(format!("{name}="));
    argument.push(path.as_os_str());
    argument
}
