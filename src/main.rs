use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme};
use thiserror::Error;

use mwaa_preflight::model::source::{InputError, SnapshotSource};
use mwaa_preflight::model::{Environment, Network};
use mwaa_preflight::report::{human, sarif, Report};
use mwaa_preflight::rules::{registry, Severity};
use mwaa_preflight::target::{region_of_zone, EndpointManagement, Settings, WebserverAccess, DEFAULT_MAX_WORKERS, DEFAULT_SCHEDULERS};

mod cli;
#[cfg(feature = "aws")]
mod live;

use cli::{Access, AwsArgs, CheckArgs, Cli, ColorChoice, Command, DiagnoseArgs, FailOn, Format, Management, NetworkArgs, OutputArgs};

/// Why the tool could not do its job (exit code 2).
#[derive(Debug, Error, Diagnostic)]
enum Failure {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Input(Box<InputError>),
    #[cfg(feature = "aws")]
    #[error(transparent)]
    #[diagnostic(transparent)]
    Aws(#[from] mwaa_preflight::collect::CollectError),
    #[error("{message}")]
    #[diagnostic(code(mwaa_preflight::usage))]
    Usage {
        message: String,
        #[help]
        help: Option<String>,
    },
    #[error("cannot write {path}: {source}")]
    #[diagnostic(code(mwaa_preflight::output))]
    Output { path: String, source: std::io::Error },
}

impl From<Box<InputError>> for Failure {
    fn from(error: Box<InputError>) -> Self {
        Failure::Input(error)
    }
}

fn usage(message: impl Into<String>, help: impl Into<String>) -> Failure {
    Failure::Usage { message: message.into(), help: Some(help.into()) }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(failure) => {
            let theme = if std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
                GraphicalTheme::unicode()
            } else {
                GraphicalTheme::unicode_nocolor()
            };
            let mut text = String::new();
            let _ = GraphicalReportHandler::new_themed(theme).with_width(100).render_report(&mut text, &failure);
            eprint!("{text}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, Failure> {
    match cli.command {
        Command::Rules => {
            let mut out = String::new();
            for rule in registry::ALL {
                out.push_str(&format!("{:<8} {:<32} {:<8} {}\n", rule.code, rule.name, rule.severity.to_string(), rule.summary));
            }
            print!("{out}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain { rule } => {
            let found = registry::find(&rule).ok_or_else(|| usage(format!("no rule {rule:?}"), "`mwaa-preflight rules` lists the codes and names"))?;
            print!("{}", found.doc);
            Ok(ExitCode::SUCCESS)
        }
        Command::Check(args) => match args.snapshot.clone() {
            Some(path) => check_snapshot(&args, &path),
            None => check_live(&args),
        },
        Command::Diagnose(args) => match args.snapshot.clone() {
            Some(path) => diagnose_snapshot(&args, &path),
            None => diagnose_live(&args),
        },
        Command::Snapshot(args) => snapshot(&args),
        Command::IamPolicy => iam_policy(),
    }
}

/// Settings of a planned environment from the flags.
fn planned_settings(args: &CheckArgs) -> Settings {
    let n = &args.network;
    let mut settings = Settings::planned(args.subnet_ids.clone(), args.security_group_ids.clone(), String::new());
    if let Some(Access::Private) = n.webserver_access {
        settings.webserver_access = WebserverAccess::PrivateOnly;
    }
    if let Some(Management::Customer) = n.endpoint_management {
        settings.endpoint_management = EndpointManagement::Customer;
    }
    settings.routing = n.routing;
    settings.source_bucket_arn = n.source_bucket_arn.clone();
    settings.kms_key = n.kms_key.clone();
    settings.environment_class = n.environment_class.clone();
    settings.max_workers = n.max_workers.unwrap_or(DEFAULT_MAX_WORKERS);
    settings.schedulers = n.schedulers.unwrap_or(DEFAULT_SCHEDULERS);
    settings
}

/// Settings of an existing environment; flags that describe a planned one are refused.
fn environment_settings(environment: &Environment, network: &NetworkArgs) -> Result<Settings, Failure> {
    let flags = network.planned_only_flags();
    if !flags.is_empty() {
        return Err(usage(
            format!("{} describe(s) a planned environment; {} supplies its own", flags.join(", "), environment.name),
            "drop the flag(s), or check a planned environment with --subnet-ids and --security-group-ids",
        ));
    }
    let mut settings = Settings::from_environment(environment, String::new(), None);
    settings.routing = network.routing;
    Ok(settings)
}

fn load(path: &Path) -> Result<(SnapshotSource, Network), Failure> {
    let source = SnapshotSource::read(path)?;
    let network = source.parse()?;
    Ok((source, network))
}

fn check_snapshot(args: &CheckArgs, path: &Path) -> Result<ExitCode, Failure> {
    let (source, network) = load(path)?;
    let snapshot = &network.snapshot;
    let mut settings = if args.subnet_ids.is_empty() {
        let environment = snapshot.environment.as_ref().ok_or_else(|| {
            usage(
                format!("no target: {} has no Environment member", path.display()),
                "give --subnet-ids A,B --security-group-ids SG1 for a planned environment, or add the `Environment` member of `aws mwaa get-environment`",
            )
        })?;
        if let Some(name) = args.environment.as_ref().filter(|n| **n != environment.name) {
            return Err(usage(
                format!("environment {name} is not in {} (it holds {})", path.display(), environment.name),
                "snapshot the environment you mean, or drop --environment",
            ));
        }
        environment_settings(environment, &args.network)?
    } else {
        planned_settings(args)
    };
    settings.account_id = snapshot.account_id.clone();
    finish_offline_settings(&mut settings, &network, args.aws.region.as_deref())?;
    let report = mwaa_preflight::evaluate(&network, &settings, false);
    emit(&report, Some(&source), &args.output)
}

fn diagnose_snapshot(args: &DiagnoseArgs, path: &Path) -> Result<ExitCode, Failure> {
    let (source, network) = load(path)?;
    let environment = match &network.snapshot.environment {
        Some(e) if e.name == args.name => e,
        Some(e) => {
            return Err(usage(
                format!("environment {} is not in {} (it holds {})", args.name, path.display(), e.name),
                "check the name, or snapshot the environment you mean",
            ))
        }
        None => {
            return Err(usage(
                format!("{} has no Environment member, so it cannot diagnose {}", path.display(), args.name),
                "add the `Environment` member of `aws mwaa get-environment --name NAME` to the snapshot",
            ))
        }
    };
    let mut settings = Settings::from_environment(environment, String::new(), network.snapshot.account_id.clone());
    settings.routing = args.routing;
    finish_offline_settings(&mut settings, &network, args.aws.region.as_deref())?;
    let report = mwaa_preflight::evaluate(&network, &settings, true);
    emit(&report, Some(&source), &args.output)
}

/// Region (flag, snapshot, else the subnets' AZs) and the clock ENV001 counts from (the capture time).
fn finish_offline_settings(settings: &mut Settings, network: &Network, region_flag: Option<&str>) -> Result<(), Failure> {
    let from_zones = || {
        settings
            .subnet_ids
            .iter()
            .filter_map(|id| network.subnet(id)?.availability_zone.as_deref())
            .find_map(region_of_zone)
    };
    settings.region = region_flag
        .map(str::to_string)
        .or_else(|| network.snapshot.region.clone())
        .or_else(from_zones)
        .ok_or_else(|| usage("cannot tell the region", "pass --region, or set `region` in the snapshot"))?;
    settings.observed_at = match network.snapshot.captured_at.as_deref() {
        Some(text) => Some(text.parse().map_err(|e| usage(format!("captured_at {text:?} is not an RFC 3339 timestamp: {e}"), "write it like 2026-11-22T13:00:00Z"))?),
        None => Some(jiff::Timestamp::now()),
    };
    Ok(())
}

#[cfg(feature = "aws")]
fn check_live(args: &CheckArgs) -> Result<ExitCode, Failure> {
    let (settings, network) = live::check(args, planned_settings, environment_settings)?;
    let report = mwaa_preflight::evaluate(&network, &settings, false);
    emit(&report, None, &args.output)
}

#[cfg(feature = "aws")]
fn diagnose_live(args: &DiagnoseArgs) -> Result<ExitCode, Failure> {
    let (settings, network) = live::diagnose(args)?;
    let report = mwaa_preflight::evaluate(&network, &settings, true);
    emit(&report, None, &args.output)
}

#[cfg(feature = "aws")]
fn snapshot(args: &cli::SnapshotArgs) -> Result<ExitCode, Failure> {
    let snapshot = live::snapshot(args)?;
    let text = to_json(&snapshot)?;
    std::fs::write(&args.output, text).map_err(|source| Failure::Output { path: args.output.display().to_string(), source })?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(feature = "aws")]
fn iam_policy() -> Result<ExitCode, Failure> {
    print!("{}", to_json(&mwaa_preflight::collect::iam_policy())?);
    Ok(ExitCode::SUCCESS)
}

#[cfg(not(feature = "aws"))]
fn without_aws(what: &str) -> Failure {
    usage(
        format!("{what} reads AWS, and this build has no AWS support (built without the `aws` feature)"),
        "use --snapshot FILE, or build with the default features",
    )
}

#[cfg(not(feature = "aws"))]
fn check_live(_: &CheckArgs) -> Result<ExitCode, Failure> {
    Err(without_aws("check without --snapshot"))
}

#[cfg(not(feature = "aws"))]
fn diagnose_live(_: &DiagnoseArgs) -> Result<ExitCode, Failure> {
    Err(without_aws("diagnose without --snapshot"))
}

#[cfg(not(feature = "aws"))]
fn snapshot(_: &cli::SnapshotArgs) -> Result<ExitCode, Failure> {
    Err(without_aws("snapshot"))
}

#[cfg(not(feature = "aws"))]
fn iam_policy() -> Result<ExitCode, Failure> {
    Err(without_aws("iam-policy"))
}

fn emit(report: &Report, source: Option<&SnapshotSource>, output: &OutputArgs) -> Result<ExitCode, Failure> {
    let to_terminal = output.output.is_none() && std::io::stdout().is_terminal();
    let format = output.format.unwrap_or(if to_terminal { Format::Human } else { Format::Json });
    let text = match format {
        Format::Json => to_json(report)?,
        Format::Sarif => to_json(&sarif::render(report, source))?,
        Format::Human => {
            let color = match output.color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none(),
            };
            human::render(report, source, &human::Style { color, width: 100, verbose: output.verbose }, output.quiet)
        }
    };
    match &output.output {
        Some(path) => std::fs::write(path, text).map_err(|source| Failure::Output { path: path.display().to_string(), source })?,
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(text.as_bytes())
                .map_err(|source| Failure::Output { path: "standard output".to_string(), source })?;
        }
    }
    let fail_on = match output.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    Ok(if report.fails(fail_on) { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, Failure> {
    serde_json::to_string_pretty(value)
        .map(|mut s| {
            s.push('\n');
            s
        })
        .map_err(|e| usage(format!("cannot serialise the output: {e}"), "this is a bug; please report it with the snapshot"))
}

/// The AWS options as the collector takes them.
#[cfg(feature = "aws")]
fn aws_options(aws: &AwsArgs) -> mwaa_preflight::collect::AwsOptions {
    mwaa_preflight::collect::AwsOptions { region: aws.region.clone(), profile: aws.profile.clone(), endpoint_url: aws.endpoint_url.clone() }
}
