use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme};
use thiserror::Error;

use mwaa_preflight::config::{Config, ConfigError, FailOnSetting};
use mwaa_preflight::model::source::{InputError, SnapshotSource};
use mwaa_preflight::model::{Environment, Network};
use mwaa_preflight::report::{diagram, human, junit, markdown, sarif, Audit, Report};
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
    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(Box<ConfigError>),
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

impl From<Box<ConfigError>> for Failure {
    fn from(error: Box<ConfigError>) -> Self {
        Failure::Config(error)
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
            write_stdout(out.as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain { rule } => {
            let found = registry::find(&rule)
                .ok_or_else(|| usage(format!("no rule {rule:?}"), "`mwaa-preflight rules` lists the codes and names"))?;
            write_stdout(found.doc.as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "mwaa-preflight", &mut out);
            write_stdout(&out)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => {
            let mut out = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut out)
                .map_err(|source| Failure::Output { path: "standard output".to_string(), source })?;
            write_stdout(&out)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Check(args) => check(&args),
        Command::Diagnose(args) => diagnose(&args),
        Command::Snapshot(args) => snapshot(&args),
        Command::IamPolicy => iam_policy(),
    }
}

fn write_stdout(bytes: &[u8]) -> Result<(), Failure> {
    std::io::stdout().lock().write_all(bytes).map_err(|source| Failure::Output { path: "standard output".to_string(), source })
}

/// The configuration (`--config`, else discovered from the working directory) and the effective
/// `--fail-on` (flag, else config, else error).
fn policy(output: &OutputArgs) -> Result<(Config, Option<Severity>), Failure> {
    let cwd =
        std::env::current_dir().map_err(|e| usage(format!("cannot read the working directory: {e}"), "run from an existing directory"))?;
    let config = Config::discover(output.config.as_deref(), &cwd)?;
    let fail_on = match (output.fail_on, config.fail_on) {
        (Some(FailOn::Error), _) | (None, Some(FailOnSetting::Error) | None) => Some(Severity::Error),
        (Some(FailOn::Warning), _) | (None, Some(FailOnSetting::Warning)) => Some(Severity::Warning),
        (Some(FailOn::Info), _) | (None, Some(FailOnSetting::Info)) => Some(Severity::Info),
        (Some(FailOn::Never), _) | (None, Some(FailOnSetting::Never)) => None,
    };
    Ok((config, fail_on))
}

/// Settings of a planned environment from the flags.
pub(crate) fn planned_settings(args: &CheckArgs) -> Settings {
    let n = &args.network;
    let mut settings = Settings::planned(args.target.subnet_ids.clone(), args.target.security_group_ids.clone(), String::new());
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
pub(crate) fn environment_settings(environment: &Environment, network: &NetworkArgs) -> Result<Settings, Failure> {
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

pub(crate) fn single_region(aws: &AwsArgs) -> Result<Option<&str>, Failure> {
    match aws.region.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one.as_str())),
        _ => Err(usage("several regions are for --all-environments (check) and --all (diagnose)", "pass one --region")),
    }
}

fn check(args: &CheckArgs) -> Result<ExitCode, Failure> {
    let (config, fail_on) = policy(&args.output)?;
    if args.target.all_environments {
        return match &args.snapshot {
            Some(path) => {
                let (source, network) = load(path)?;
                let reports = offline_environments(&network, &args.network, single_region(&args.aws)?, false, &config)?;
                emit(&reports, true, Some(&source), &args.output, fail_on)
            }
            None => audit_live(&args.aws, &args.network, false, &config, &args.output, fail_on),
        };
    }
    let Some(path) = args.snapshot.as_deref() else {
        return check_live(args, &config, fail_on);
    };
    let (source, network) = load(path)?;
    let snapshot = &network.snapshot;
    let mut settings = if args.target.subnet_ids.is_empty() {
        let environment = match &args.target.environment {
            Some(name) => snapshot.all_environments().into_iter().find(|e| e.name == *name).ok_or_else(|| {
                usage(format!("environment {name} is not in {}", path.display()), "snapshot the environment you mean, or drop --environment")
            })?,
            None => snapshot.environment.as_ref().ok_or_else(|| {
                usage(
                    format!("no target: {} has no Environment member", path.display()),
                    "give --subnet-ids A,B --security-group-ids SG1 for a planned environment, --environment NAME, or add the `Environment` member of `aws mwaa get-environment`",
                )
            })?,
        };
        environment_settings(environment, &args.network)?
    } else {
        planned_settings(args)
    };
    settings.account_id = snapshot.account_id.clone();
    finish_offline_settings(&mut settings, &network, single_region(&args.aws)?)?;
    let report = mwaa_preflight::evaluate(&network, &settings, false, &config);
    emit(std::slice::from_ref(&report), false, Some(&source), &args.output, fail_on)
}

fn diagnose(args: &DiagnoseArgs) -> Result<ExitCode, Failure> {
    let (config, fail_on) = policy(&args.output)?;
    let routing = NetworkArgs::asserting(args.routing);
    if args.all {
        return match &args.snapshot {
            Some(path) => {
                let (source, network) = load(path)?;
                let reports = offline_environments(&network, &routing, single_region(&args.aws)?, true, &config)?;
                emit(&reports, true, Some(&source), &args.output, fail_on)
            }
            None => audit_live(&args.aws, &routing, true, &config, &args.output, fail_on),
        };
    }
    let name = args.name.as_deref().unwrap_or_default();
    let Some(path) = args.snapshot.as_deref() else {
        return diagnose_live(args, name, &config, fail_on);
    };
    let (source, network) = load(path)?;
    let environments = network.snapshot.all_environments();
    let environment = match environments.iter().find(|e| e.name == name) {
        Some(e) => *e,
        None if environments.is_empty() => {
            return Err(usage(
                format!("{} has no Environment member, so it cannot diagnose {name}", path.display()),
                "add the `Environment` member of `aws mwaa get-environment --name NAME` to the snapshot",
            ))
        }
        None => {
            let held: Vec<&str> = environments.iter().map(|e| e.name.as_str()).collect();
            return Err(usage(
                format!("environment {name} is not in {} (it holds {})", path.display(), held.join(", ")),
                "check the name, or snapshot the environment you mean",
            ));
        }
    };
    let mut settings = environment_settings(environment, &routing)?;
    settings.account_id = network.snapshot.account_id.clone();
    finish_offline_settings(&mut settings, &network, single_region(&args.aws)?)?;
    let report = mwaa_preflight::evaluate(&network, &settings, true, &config);
    emit(std::slice::from_ref(&report), false, Some(&source), &args.output, fail_on)
}

/// Every environment a snapshot carries, evaluated in parallel.
fn offline_environments(
    network: &Network,
    flags: &NetworkArgs,
    region: Option<&str>,
    diagnose: bool,
    config: &Config,
) -> Result<Vec<Report>, Failure> {
    let environments = network.snapshot.all_environments();
    if environments.is_empty() {
        return Err(usage(
            "the snapshot holds no environment",
            "add `Environment` or `Environments` (from aws mwaa get-environment) to the snapshot",
        ));
    }
    let mut targets = Vec::new();
    for environment in environments {
        let mut settings = environment_settings(environment, flags)?;
        settings.account_id = network.snapshot.account_id.clone();
        finish_offline_settings(&mut settings, network, region)?;
        targets.push(settings);
    }
    Ok(mwaa_preflight::evaluate_all(network, &targets, diagnose, config))
}

/// Region (flag, snapshot, else the subnets' AZs) and the clock ENV001 counts from (the capture time).
fn finish_offline_settings(settings: &mut Settings, network: &Network, region_flag: Option<&str>) -> Result<(), Failure> {
    let from_zones =
        || settings.subnet_ids.iter().filter_map(|id| network.subnet(id)?.availability_zone.as_deref()).find_map(region_of_zone);
    settings.region = region_flag
        .map(str::to_string)
        .or_else(|| network.snapshot.region.clone())
        .or_else(from_zones)
        .ok_or_else(|| usage("cannot tell the region", "pass --region, or set `region` in the snapshot"))?;
    settings.observed_at =
        match network.snapshot.captured_at.as_deref() {
            Some(text) => Some(text.parse().map_err(|e| {
                usage(format!("captured_at {text:?} is not an RFC 3339 timestamp: {e}"), "write it like 2026-11-22T13:00:00Z")
            })?),
            None => Some(jiff::Timestamp::now()),
        };
    Ok(())
}

#[cfg(feature = "aws")]
fn check_live(args: &CheckArgs, config: &Config, fail_on: Option<Severity>) -> Result<ExitCode, Failure> {
    let (settings, network) = live::check(args, single_region(&args.aws)?)?;
    let report = mwaa_preflight::evaluate(&network, &settings, false, config);
    emit(std::slice::from_ref(&report), false, None, &args.output, fail_on)
}

#[cfg(feature = "aws")]
fn diagnose_live(args: &DiagnoseArgs, name: &str, config: &Config, fail_on: Option<Severity>) -> Result<ExitCode, Failure> {
    let region = single_region(&args.aws)?;
    if args.wait {
        return live::wait(args, name, region, config, |report| emit(std::slice::from_ref(report), false, None, &args.output, fail_on));
    }
    let (settings, network) = live::diagnose(args, name, region)?;
    let report = mwaa_preflight::evaluate(&network, &settings, true, config);
    emit(std::slice::from_ref(&report), false, None, &args.output, fail_on)
}

#[cfg(feature = "aws")]
fn audit_live(
    aws: &AwsArgs,
    flags: &NetworkArgs,
    diagnose: bool,
    config: &Config,
    output: &OutputArgs,
    fail_on: Option<Severity>,
) -> Result<ExitCode, Failure> {
    let collected = live::all_environments(aws, output.quiet)?;
    let mut reports = Vec::new();
    for (settings, network) in &collected {
        let mut settings = settings.clone();
        settings.routing = flags.routing;
        reports.push(mwaa_preflight::evaluate(network, &settings, diagnose, config));
    }
    emit(&reports, true, None, output, fail_on)
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
    write_stdout(to_json(&mwaa_preflight::collect::iam_policy())?.as_bytes())?;
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
fn check_live(_: &CheckArgs, _: &Config, _: Option<Severity>) -> Result<ExitCode, Failure> {
    Err(without_aws("check without --snapshot"))
}

#[cfg(not(feature = "aws"))]
fn diagnose_live(_: &DiagnoseArgs, _: &str, _: &Config, _: Option<Severity>) -> Result<ExitCode, Failure> {
    Err(without_aws("diagnose without --snapshot"))
}

#[cfg(not(feature = "aws"))]
fn audit_live(_: &AwsArgs, _: &NetworkArgs, _: bool, _: &Config, _: &OutputArgs, _: Option<Severity>) -> Result<ExitCode, Failure> {
    Err(without_aws("an audit without --snapshot"))
}

#[cfg(not(feature = "aws"))]
fn snapshot(_: &cli::SnapshotArgs) -> Result<ExitCode, Failure> {
    Err(without_aws("snapshot"))
}

#[cfg(not(feature = "aws"))]
fn iam_policy() -> Result<ExitCode, Failure> {
    Err(without_aws("iam-policy"))
}

/// Writes the report(s) in the chosen format; exit 1 when any is at or above `fail_on`.
fn emit(
    reports: &[Report],
    audit: bool,
    source: Option<&SnapshotSource>,
    output: &OutputArgs,
    fail_on: Option<Severity>,
) -> Result<ExitCode, Failure> {
    let to_terminal = output.output.is_none() && std::io::stdout().is_terminal();
    let format = output.format.unwrap_or(if to_terminal { Format::Human } else { Format::Json });
    let text = match format {
        Format::Json if audit => to_json(&Audit::new(reports.to_vec(), fail_on))?,
        Format::Json => to_json(&reports[0])?,
        Format::Sarif => to_json(&sarif::render(reports, source))?,
        Format::Markdown => markdown::markdown(reports),
        Format::Github => {
            if let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY") {
                let mut file = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&summary)
                    .map_err(|source| Failure::Output { path: summary.to_string_lossy().into_owned(), source })?;
                file.write_all(markdown::markdown(reports).as_bytes())
                    .map_err(|source| Failure::Output { path: summary.to_string_lossy().into_owned(), source })?;
            }
            markdown::annotations(reports, source)
        }
        Format::Junit => junit::junit(reports),
        Format::Mermaid => diagram::mermaid(reports),
        Format::Dot => diagram::dot(reports),
        Format::Human => {
            let color = match output.color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none(),
            };
            let style = human::Style { color, width: 100, verbose: output.verbose };
            let mut text = if audit { human::audit_table(reports) } else { String::new() };
            for report in reports {
                text.push_str(&human::render(report, source, &style, output.quiet));
            }
            text
        }
    };
    match &output.output {
        Some(path) => std::fs::write(path, text).map_err(|source| Failure::Output { path: path.display().to_string(), source })?,
        None => write_stdout(text.as_bytes())?,
    }
    Ok(if reports.iter().any(|r| r.fails(fail_on)) { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, Failure> {
    serde_json::to_string_pretty(value)
        .map(|mut s| {
            s.push('\n');
            s
        })
        .map_err(|e| usage(format!("cannot serialise the output: {e}"), "this is a bug; please report it with the snapshot"))
}

/// The AWS options as the collector takes them, for one region.
#[cfg(feature = "aws")]
fn aws_options(aws: &AwsArgs, region: Option<&str>) -> mwaa_preflight::collect::AwsOptions {
    mwaa_preflight::collect::AwsOptions {
        region: region.map(str::to_string),
        profile: aws.profile.clone(),
        endpoint_url: aws.endpoint_url.clone(),
    }
}
