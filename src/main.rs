use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme};
use thiserror::Error;

use mwaa_preflight::model::source::{InputError, SnapshotSource};
use mwaa_preflight::model::Network;
use mwaa_preflight::report::{human, sarif, Report};
use mwaa_preflight::rules::{registry, Severity};
use mwaa_preflight::target::{region_of_zone, EndpointManagement, Settings, WebserverAccess, DEFAULT_MAX_WORKERS, DEFAULT_SCHEDULERS};

mod cli;
use cli::{Access, CheckArgs, Cli, ColorChoice, Command, DiagnoseArgs, FailOn, Format, Management, OutputArgs};

/// Why the tool could not do its job (exit code 2).
#[derive(Debug, Error, Diagnostic)]
enum Failure {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Input(Box<InputError>),
    #[error("{message}")]
    #[diagnostic(code(mwaa_preflight::usage))]
    Usage {
        message: String,
        #[help]
        help: Option<String>,
    },
    #[error("cannot write the report to {path}: {source}")]
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
        Command::Check(args) => check(args),
        Command::Diagnose(args) => diagnose(args),
    }
}

fn no_live_access(what: &str) -> Failure {
    usage(
        format!("{what} needs --snapshot FILE: this build evaluates snapshot files only"),
        "capture the state with the AWS CLI into a snapshot (see README: Snapshot file) and pass --snapshot",
    )
}

fn load(path: &Path) -> Result<(SnapshotSource, Network), Failure> {
    let source = SnapshotSource::read(path)?;
    let network = source.parse()?;
    Ok((source, network))
}

fn check(args: CheckArgs) -> Result<ExitCode, Failure> {
    let path = args.snapshot.as_deref().ok_or_else(|| no_live_access("check"))?;
    let (source, network) = load(path)?;
    let snapshot = &network.snapshot;
    let planned = !args.subnet_ids.is_empty();
    let mut settings = if planned {
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
        settings.account_id = snapshot.account_id.clone();
        settings
    } else {
        let environment = snapshot.environment.as_ref().ok_or_else(|| {
            usage(
                format!("no target: {} has no Environment member", path.display()),
                "give --subnet-ids A,B --security-group-ids SG1 for a planned environment, or add the `Environment` member of `aws mwaa get-environment`",
            )
        })?;
        if let Some(name) = &args.environment {
            if *name != environment.name {
                return Err(usage(
                    format!("environment {name} is not in {} (it holds {})", path.display(), environment.name),
                    "snapshot the environment you mean, or drop --environment",
                ));
            }
        }
        let flags = args.network.planned_only_flags();
        if !flags.is_empty() {
            return Err(usage(
                format!("{} describe(s) a planned environment; {} supplies its own", flags.join(", "), environment.name),
                "drop the flag(s), or check a planned environment with --subnet-ids and --security-group-ids",
            ));
        }
        let mut settings = Settings::from_environment(environment, String::new(), snapshot.account_id.clone());
        settings.routing = args.network.routing;
        settings
    };
    finish_settings(&mut settings, &network, args.aws.region.as_deref())?;
    let report = mwaa_preflight::evaluate(&network, &settings, false);
    emit(&report, &source, &args.output)
}

fn diagnose(args: DiagnoseArgs) -> Result<ExitCode, Failure> {
    let path = args.snapshot.as_deref().ok_or_else(|| no_live_access("diagnose"))?;
    let (source, network) = load(path)?;
    let snapshot = &network.snapshot;
    let environment = match &snapshot.environment {
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
    let mut settings = Settings::from_environment(environment, String::new(), snapshot.account_id.clone());
    settings.routing = args.routing;
    finish_settings(&mut settings, &network, args.aws.region.as_deref())?;
    let report = mwaa_preflight::evaluate(&network, &settings, true);
    emit(&report, &source, &args.output)
}

/// Region (flag, snapshot, else the subnets' AZs) and the clock ENV001 counts from.
fn finish_settings(settings: &mut Settings, network: &Network, region_flag: Option<&str>) -> Result<(), Failure> {
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

fn emit(report: &Report, source: &SnapshotSource, output: &OutputArgs) -> Result<ExitCode, Failure> {
    let to_terminal = output.output.is_none() && std::io::stdout().is_terminal();
    let format = output.format.unwrap_or(if to_terminal { Format::Human } else { Format::Json });
    let text = match format {
        Format::Json => to_json(report)?,
        Format::Sarif => to_json(&sarif::render(report, Some(source)))?,
        Format::Human => {
            let color = match output.color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none(),
            };
            human::render(report, Some(source), &human::Style { color, width: 100, verbose: output.verbose }, output.quiet)
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
        .map_err(|e| usage(format!("cannot serialise the report: {e}"), "this is a bug; please report it with the snapshot"))
}
