//! `snapshot`: captures exactly what `check` reads into a file.

use std::process::ExitCode;

use mwaa_preflight::input::{Request, Selection};
use mwaa_preflight::target::RoutingAssertion;

use super::args::SnapshotArgs;
use super::{output, progress, refuse_overwriting_inputs, source, usage, Failure};

pub fn run(args: &SnapshotArgs) -> Result<ExitCode, Failure> {
    let target = &args.target;
    if let Some(flag) = args.environment.judging_only_flags().first() {
        return Err(usage(
            format!("{flag} changes nothing a snapshot captures"),
            "give it to `check --snapshot FILE` with the same target",
        ));
    }
    if target.subnet_ids.is_empty() {
        super::check::refuse_planned_flags(&args.environment, target.environment.as_deref())?;
    }
    let selection = if target.all_environments {
        Selection::All
    } else if !target.subnet_ids.is_empty() {
        Selection::Planned(Box::new(super::check::planned(target, &args.environment)))
    } else if let Some(name) = &target.environment {
        Selection::Environment(Some(name.clone()))
    } else if !args.templates.templates.is_empty() || args.templates.terraform_plan.is_some() || !args.templates.paths.is_empty() {
        // A template's network is written whole, with whatever environments it holds.
        Selection::All
    } else {
        return Err(usage("no target", "give --subnet-ids A,B --security-group-ids SG1, --environment NAME, or --all-environments"));
    };
    let source = source(None, &args.templates, &args.aws)?;
    refuse_overwriting_inputs(&[args.output.as_path()], &source, None)?;
    let request = Request { selection, routing: RoutingAssertion::Auto };
    let input = progress::while_reading(&source, false, || source.read(&request))?;
    let unreadable = input.unreadable.clone();
    output::write_file(&args.output, &output::to_json(&input.into_snapshot()?)?)?;
    // The file holds the others (and says under not_captured which it lacks); the run still failed in part.
    for environment in &unreadable {
        eprintln!("{} could not be read: {}", environment.name, mwaa_preflight::text::printable(&environment.reason));
    }
    Ok(if unreadable.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(2) })
}
