//! `check --fix` and `--diff`: the findings' fixes made in the templates (or a plan's `.tf` files), checked
//! before anything is written. The edited texts are read and checked again in memory; a fix whose finding remains is dropped,
//! and when the edits raise a finding that was not there, none is kept. Only then are the files written
//! (each atomically, a link kept as a link), or the diff printed.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use mwaa_preflight::config::Config;
use mwaa_preflight::fix::{self, Key, Plan};
use mwaa_preflight::input::template::{self, Templates};
use mwaa_preflight::input::{Input, Request, Source, SourceFiles};
use mwaa_preflight::remedy::Applicability;
use mwaa_preflight::report::Report;
use mwaa_preflight::rules::Severity;
use mwaa_preflight::target::Language;
use mwaa_preflight::Mode;

use super::args::CheckArgs;
use super::output::{self, exit_code, write_file, write_stdout};
use super::{usage, Failure};

/// How many times the fixes are narrowed before giving up: each round drops at least one.
const ROUNDS: usize = 4;

fn cannot(why: String) -> Failure {
    usage(format!("--fix cannot edit this input: {why}"), "run without --fix; each finding says what to change")
}

pub fn run(
    args: &CheckArgs,
    source: &Source,
    request: &Request,
    checked: (Input, Vec<Report>),
    config: &Config,
) -> Result<ExitCode, Failure> {
    let allow = if args.fix.unsafe_fixes { Applicability::Unsafe } else { Applicability::Safe };
    match source {
        Source::Templates(templates) => fix_templates(args, templates, request, checked, config, allow),
        Source::TerraformPlan(plan) => fix_configuration(args, plan, checked, config, allow),
        Source::Snapshot { .. } | Source::Live(_) => {
            Err(cannot("it edits templates (--template) and Terraform configurations (--terraform-plan)".to_string()))
        }
    }
}

fn fix_templates(
    args: &CheckArgs,
    templates: &Templates,
    request: &Request,
    checked: (Input, Vec<Report>),
    config: &Config,
    allow: Applicability,
) -> Result<ExitCode, Failure> {
    let (input, reports) = checked;
    template::editable(&templates.paths).map_err(cannot)?;
    if input.scopes.iter().flat_map(|s| &s.targets).any(|t| t.language == Language::Cdk) {
        return Err(cannot(
            "these templates are a CDK app's output, which the next cdk synth writes again: change the constructs each finding names"
                .to_string(),
        ));
    }
    let mut excluded: HashSet<Key> = HashSet::new();
    let mut dropped: Vec<(Key, String)> = Vec::new();
    let before = keys(&reports);
    let mut outcome = None;
    for _ in 0..ROUNDS {
        let plan = fix::plan(&input.files, &reports, allow, &excluded);
        if plan.fixed.is_empty() {
            outcome = Some((plan, None));
            break;
        }
        let mut edited = templates.clone();
        edited.edited = plan.texts(&input.files).into_iter().map(|(i, text)| (PathBuf::from(&input.files.files[i].path), text)).collect();
        let fixed_keys: Vec<Key> = plan.fixed.iter().map(|(k, _)| k.clone()).collect();
        let rechecked = match Source::Templates(edited).read(request) {
            Ok(fixed) => {
                let fixed_reports = mwaa_preflight::evaluate_input(&fixed, Mode::Check, config);
                (fixed, fixed_reports)
            }
            Err(error) => {
                let why = format!("the fixed template does not read back ({error})");
                drop_all(&fixed_keys, &why, &mut excluded, &mut dropped);
                continue;
            }
        };
        let after = keys(&rechecked.1);
        // A new note (SG005 once egress is the least that works) is said, not a reason to keep the finding.
        let raised: Vec<String> = rechecked
            .1
            .iter()
            .flat_map(|r| &r.findings)
            .filter(|f| f.severity != Severity::Info && !before.contains(&(f.code, f.resource.clone())))
            .map(|f| name(&(f.code, f.resource.clone())))
            .collect();
        let remaining: Vec<&Key> = fixed_keys.iter().filter(|k| after.contains(k)).collect();
        if raised.is_empty() && remaining.is_empty() {
            outcome = Some((plan, Some(rechecked)));
            break;
        }
        if !raised.is_empty() {
            drop_all(&fixed_keys, &format!("together the fixes raise {}", raised.join(", ")), &mut excluded, &mut dropped);
        }
        for key in remaining {
            if excluded.insert(key.clone()) {
                dropped.push((key.clone(), "the fix does not clear it".to_string()));
            }
        }
    }
    let (plan, rechecked) = outcome.unwrap_or_else(|| (Plan::default(), None));
    if !args.output.quiet {
        eprint!("{}", summary(&plan, &dropped, &input.files, args.fix.diff, args.fix.unsafe_fixes));
    }
    if args.fix.diff {
        write_stdout(fix::diff(&input.files, &plan.edits).as_bytes())?;
        return Ok(exit_code(&reports, config.gate()));
    }
    write_all(&plan, &input.files)?;
    match rechecked {
        // What remains after the fixes.
        Some((fixed, fixed_reports)) => output::emit(&fixed_reports, &fixed, &args.output, config.gate()),
        None => output::emit(&reports, &input, &args.output, config.gate()),
    }
}

/// A plan's findings fixed in the root module's `.tf` files. The plan itself cannot be made again here
/// (that is `terraform plan`), so the report is the plan's, and stderr says to plan and check again.
fn fix_configuration(
    args: &CheckArgs,
    plan_input: &mwaa_preflight::input::terraform::Plan,
    checked: (Input, Vec<Report>),
    config: &Config,
    allow: Applicability,
) -> Result<ExitCode, Failure> {
    let (input, reports) = checked;
    let dir = match &args.fix.terraform_dir {
        Some(dir) => dir.clone(),
        None => plan_input.path.parent().filter(|p| !p.as_os_str().is_empty()).map_or_else(|| PathBuf::from("."), Path::to_path_buf),
    };
    let files = fix::terraform::read_dir(&dir).map_err(cannot)?;
    let names = input.scopes.iter().flat_map(|s| &s.targets).map(|t| t.resource_names.clone()).next().unwrap_or_default();
    let configuration = fix::terraform::Configuration::new(&files, &names);
    if let Some(bad) = configuration.unparsed().first() {
        return Err(cannot(format!("{bad} is not HCL the tool can read")));
    }
    let plan = fix::plan_in(&configuration, &reports, allow, &HashSet::new());
    if !args.output.quiet {
        eprint!("{}", summary(&plan, &[], &files, args.fix.diff, args.fix.unsafe_fixes));
        if !plan.fixed.is_empty() && !args.fix.diff {
            eprintln!("  the plan is the one given: run terraform plan again and check the new one");
        }
    }
    if args.fix.diff {
        write_stdout(fix::diff(&files, &plan.edits).as_bytes())?;
        return Ok(exit_code(&reports, config.gate()));
    }
    write_all(&plan, &files)?;
    output::emit(&reports, &input, &args.output, config.gate())
}

/// Writes each edited file as `--output` is written.
fn write_all(plan: &Plan, files: &SourceFiles) -> Result<(), Failure> {
    for (i, text) in &plan.texts(files) {
        write_file(Path::new(&files.files[*i].path), text)?;
    }
    Ok(())
}

fn keys(reports: &[Report]) -> HashSet<Key> {
    reports.iter().flat_map(|r| &r.findings).map(|f| (f.code, f.resource.clone())).collect()
}

fn name(key: &Key) -> String {
    format!("{} on {}", key.0, key.1.as_deref().unwrap_or("-"))
}

fn drop_all(keys: &[Key], why: &str, excluded: &mut HashSet<Key>, dropped: &mut Vec<(Key, String)>) {
    for key in keys {
        if excluded.insert(key.clone()) {
            dropped.push((key.clone(), why.to_string()));
        }
    }
}

/// What was fixed (or would be, with `--diff`), what was not and why, and what `--unsafe-fixes` would add.
fn summary(plan: &Plan, dropped: &[(Key, String)], files: &SourceFiles, diff: bool, unsafe_fixes: bool) -> String {
    let mut files: Vec<&str> =
        plan.fixed.iter().flat_map(|(_, edits)| edits).filter_map(|(i, _)| files.files.get(*i)).map(|f| f.path.as_str()).collect();
    files.sort_unstable();
    files.dedup();
    let count = plan.fixed.len();
    let mut text = match (count, diff) {
        (0, _) => "mwaa-preflight: no fix to apply".to_string(),
        (n, true) => format!("mwaa-preflight: would fix {n} finding(s) in {}", files.join(", ")),
        (n, false) => format!("mwaa-preflight: fixed {n} finding(s) in {}", files.join(", ")),
    };
    text.push('\n');
    for (key, why) in plan.not_fixed.iter().chain(dropped) {
        text.push_str(&format!("  not fixed: {}: {why}\n", name(key)));
    }
    if plan.unsafe_available > 0 && !unsafe_fixes {
        text.push_str(&format!("  {} more with --unsafe-fixes (they change what the template says)\n", plan.unsafe_available));
    }
    text
}
