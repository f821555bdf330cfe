//! The command layer: one file per command, each written once over the input `Source`.

pub mod args;
mod check;
mod diagnose;
mod failure;
mod files;
mod fix;
mod iam_policy;
pub mod output;
mod pre_commit;
mod progress;
mod rules;
mod shell;
mod snapshot;

use std::process::ExitCode;

use mwaa_preflight::config::Config;
use mwaa_preflight::input::template::Templates;
use mwaa_preflight::input::terraform::Plan;
use mwaa_preflight::input::{AwsAccess, Source};

use args::{AwsArgs, Cli, Command, OutputArgs, TemplateArgs};
pub use failure::{usage, Failure};

pub fn run(cli: Cli) -> Result<ExitCode, Failure> {
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Diagnose(args) => diagnose::run(&args),
        Command::Snapshot(args) => snapshot::run(&args),
        Command::Rules { format } => rules::list(format == args::CatalogFormat::Json),
        Command::Explain { rule, format } => rules::explain(&rule, format == args::DocFormat::Markdown),
        Command::IamPolicy(args) => iam_policy::run(&args),
        Command::Completions { shell } => shell::completions(shell),
        Command::Man { command } => shell::man(command.as_deref()),
        Command::PreCommit(args) => pre_commit::run(&args),
    }
}

/// A failure on stderr as miette draws it (colour on a terminal unless NO_COLOR). Wrapped to the
/// terminal only when stderr is one: in a CI log or a file each sentence stays on one line, so it greps.
pub fn print_failure(failure: &Failure) {
    use miette::{GraphicalReportHandler, GraphicalTheme};
    use std::io::IsTerminal;
    const UNWRAPPED: usize = 10_000;
    let terminal = std::io::stderr().is_terminal();
    let theme =
        if terminal && std::env::var_os("NO_COLOR").is_none() { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let mut text = String::new();
    let _ = GraphicalReportHandler::new_themed(theme)
        .with_width(if terminal { output::terminal_width() } else { UNWRAPPED })
        .render_report(&mut text, &mwaa_preflight::text::Printable::new(failure));
    eprint!("{text}");
}

/// The templates when given (over the snapshot, if one is), else the snapshot file, else the account.
fn source(snapshot: Option<&std::path::Path>, templates: &TemplateArgs, aws: &AwsArgs) -> Result<Source, Failure> {
    let templates = &files::with_paths(templates)?;
    let one_region = || match aws.region.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one.clone())),
        _ => Err(usage("several regions are for a live audit", "pass one --region with --snapshot or --template")),
    };
    if !templates.templates.is_empty() || templates.terraform_plan.is_some() {
        if templates.live && snapshot.is_some() {
            return Err(usage("--live and --snapshot both say where the existing resources come from", "pass one of them"));
        }
        let region = one_region()?;
        let live = templates.live.then(|| AwsAccess {
            regions: region.clone().into_iter().collect(),
            profile: aws.profile.clone(),
            endpoint_url: aws.endpoint_url.clone(),
            concurrency: usize::from(aws.concurrency),
        });
        if let Some(path) = &templates.terraform_plan {
            return Ok(Source::TerraformPlan(Plan { path: path.clone(), region, base: snapshot.map(std::path::Path::to_path_buf), live }));
        }
        return Ok(Source::Templates(Templates {
            paths: templates.templates.clone(),
            parameters: templates.parameters.clone(),
            parameters_file: templates.parameters_file.clone(),
            region,
            base: snapshot.map(std::path::Path::to_path_buf),
            live,
            edited: Vec::new(),
        }));
    }
    Ok(match snapshot {
        Some(path) => Source::Snapshot { path: path.to_path_buf(), region: one_region()? },
        None => Source::Live(AwsAccess {
            regions: aws.region.clone(),
            profile: aws.profile.clone(),
            endpoint_url: aws.endpoint_url.clone(),
            concurrency: usize::from(aws.concurrency),
        }),
    })
}

/// Refuses an `--output` that is any file the run reads, before anything is read or written.
fn refuse_overwriting_inputs(outputs: &[&std::path::Path], source: &Source, config: Option<&Config>) -> Result<(), Failure> {
    let reads: Vec<std::path::PathBuf> = source.files().into_iter().chain(config.and_then(|c| c.path.clone())).collect();
    outputs.iter().try_for_each(|output| output::refuse_inputs(Some(output), &reads))
}

/// The configuration (`--config`, else discovered from the working directory), with `--fail-on` applied.
/// The largest baseline read (a few thousand findings are a few hundred KB).
const BASELINE_LIMIT: u64 = 64 * 1024 * 1024;

fn configuration(output: &OutputArgs) -> Result<Config, Failure> {
    let cwd =
        std::env::current_dir().map_err(|e| usage(format!("cannot read the working directory: {e}"), "run from an existing directory"))?;
    let mut config = Config::discover(output.config.as_deref(), &cwd)?;
    config.fail_on = output.fail_on.or(config.fail_on);
    if output.fail_on_skipped {
        config.fail_on_skipped = Some(true);
    }
    let chosen = |patterns: &[String], flag: &str| -> Result<Vec<&'static str>, Failure> {
        let mut codes = Vec::new();
        for pattern in patterns.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
            let matching: Vec<&'static str> = mwaa_preflight::rules::registry::ALL
                .iter()
                .filter(|r| {
                    r.code.starts_with(&pattern.to_ascii_uppercase()) || r.family() == pattern.to_ascii_lowercase() || r.name == pattern
                })
                .map(|r| r.code)
                .collect();
            if matching.is_empty() {
                return Err(usage(format!("{flag} {pattern}: no rule has that code, prefix or family"), "see `mwaa-preflight rules`"));
            }
            codes.extend(matching);
        }
        Ok(codes)
    };
    let (selected, extended, ignored) =
        (chosen(&output.select, "--select")?, chosen(&output.extend_select, "--extend-select")?, chosen(&output.ignore, "--ignore")?);
    for rule in mwaa_preflight::rules::registry::ALL.iter() {
        let off = config.rules.get(rule.code) == Some(&mwaa_preflight::config::RuleSetting::Off);
        if extended.contains(&rule.code) && off {
            config.rules.remove(rule.code);
        }
        let unselected = !selected.is_empty() && !selected.contains(&rule.code) && !extended.contains(&rule.code);
        if unselected || ignored.contains(&rule.code) {
            config.rules.insert(rule.code, mwaa_preflight::config::RuleSetting::Off);
        }
    }
    if let Some(path) = &output.baseline {
        let text = mwaa_preflight::input::read_bounded(path, BASELINE_LIMIT, None)
            .map_err(|e| usage(format!("cannot read the baseline {}: {e}", path.display()), "create it with --create-baseline FILE"))?;
        let name = path.display().to_string();
        config
            .ignores
            .extend(mwaa_preflight::baseline::read(&text, &name).map_err(|why| usage(why, "create it again with --create-baseline FILE"))?);
    }
    Ok(config)
}
