//! `check`: preflight of a planned environment, an existing one, or all of them.

use std::process::ExitCode;

use mwaa_preflight::input::{Request, Selection};
use mwaa_preflight::target::{Facts, ObjectGiven, RoleGiven, Settings};
use mwaa_preflight::Mode;

use super::args::{CheckArgs, EnvironmentArgs, TargetArgs};
use super::{configuration, fix, output, progress, refuse_overwriting_inputs, source, usage, Failure};

pub fn run(args: &CheckArgs) -> Result<ExitCode, Failure> {
    let config = configuration(&args.output)?;
    let source = source(args.snapshot.as_deref(), &args.templates, &args.aws)?;
    refuse_overwriting_inputs(&args.output.written(), &source, Some(&config))?;
    let request = Request { selection: selection(args)?, routing: args.environment.routing };
    let mut input = progress::while_reading(&source, args.output.quiet, || source.read(&request))?;
    // The deployer and the local requirements and plugins are no facts of the environment's own: they apply
    // to whatever the input holds.
    let flags = &args.environment;
    let unreadable = |e| Failure::from(mwaa_preflight::input::InputError::File(e));
    let requirements = flags.requirements.as_deref().map(mwaa_preflight::input::requirements_file).transpose().map_err(unreadable)?;
    let plugins = flags.plugins.as_deref().map(mwaa_preflight::input::plugins_listing).transpose().map_err(unreadable)?;
    for target in input.scopes.iter_mut().flat_map(|s| &mut s.targets) {
        target.facts.deployer_arn = flags.deployer_arn.clone().or(target.facts.deployer_arn.take());
        target.facts.requirements_file = requirements.clone().or(target.facts.requirements_file.take());
        target.facts.plugins_listing = plugins.clone().or(target.facts.plugins_listing.take());
    }
    let reports = mwaa_preflight::evaluate_input(&input, Mode::Check, &config);
    if args.fix.requested() {
        return fix::run(args, &source, &request, (input, reports), &config);
    }
    output::emit(&reports, &input, &args.output, config.gate())
}

fn selection(args: &CheckArgs) -> Result<Selection, Failure> {
    let target = &args.target;
    if !target.subnet_ids.is_empty() {
        return Ok(Selection::Planned(Box::new(planned(target, &args.environment))));
    }
    refuse_planned_flags(&args.environment, target.environment.as_deref())?;
    Ok(if target.all_environments { Selection::All } else { Selection::Environment(target.environment.clone()) })
}

/// Settings of a planned environment from the flags, MWAA's defaults for the rest.
pub(super) fn planned(target: &TargetArgs, flags: &EnvironmentArgs) -> Settings {
    let mut settings = Settings::planned(target.subnet_ids.clone(), target.security_group_ids.clone(), String::new());
    if let Some(access) = flags.webserver_access {
        settings.webserver_access = access;
        settings.webserver_access_assumed = false;
    }
    settings.endpoint_management = flags.endpoint_management.unwrap_or(settings.endpoint_management);
    settings.source_bucket_arn = flags.source_bucket_arn.clone();
    settings.kms_key = flags.kms_key.clone();
    settings.environment_class = flags.environment_class.clone();
    settings.max_workers = flags.max_workers;
    settings.schedulers = flags.schedulers;
    settings.facts = Facts {
        name: flags.name.clone(),
        execution_role: flags.execution_role_arn.clone().map(RoleGiven::Text),
        dag_s3_path: flags.dag_s3_path.clone(),
        objects: ObjectGiven::all([
            (&flags.requirements_s3_path, &flags.requirements_s3_object_version),
            (&flags.plugins_s3_path, &flags.plugins_s3_object_version),
            (&flags.startup_script_s3_path, &flags.startup_script_s3_object_version),
        ]),
        log_types: (!flags.log_types.is_empty()).then(|| flags.log_types.iter().map(|t| t.group_suffix().to_string()).collect()),
        celery_queue: None,
        bucket_in_code: None,
        tagged: !flags.tags.is_empty(),
        deployer_arn: flags.deployer_arn.clone(),
        airflow_version: flags.airflow_version.clone(),
        requirements_file: None,
        plugins_listing: None,
    };
    settings
}

/// An existing environment supplies its own settings: flags that describe a planned one are refused.
pub(super) fn refuse_planned_flags(flags: &EnvironmentArgs, name: Option<&str>) -> Result<(), Failure> {
    let given = flags.planned_only_flags();
    if given.is_empty() {
        return Ok(());
    }
    Err(usage(
        format!("{} describe(s) a planned environment; {} supplies its own", given.join(", "), name.unwrap_or("an existing environment")),
        "drop the flag(s), or check a planned environment with --subnet-ids and --security-group-ids",
    ))
}
