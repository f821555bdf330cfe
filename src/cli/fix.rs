//! `check --fix` and `--diff`: the findings' fixes made in the templates, checked before anything is
//! written. The edited texts are read and checked again in memory; a fix whose finding remains is dropped,
//! and when the edits raise a finding that was not there, none is kept. Only then are the files written
//! (each atomically, a link kept as a link), or the diff printed.

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::ExitCode;

use mwaa_preflight::config::Config;
use mwaa_preflight::fix::{self, Key, Plan};
use mwaa_preflight::input::{template, Input, Request, Source};
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

pub fn run(
    args: &CheckArgs,
    source: &Source,
    request: &Request,
    checked: (Input, Vec<Report>),
    config: &Config,
) -> Result<ExitCode, Failure> {
    let (input, reports) = checked;
    let cannot = |why: String| usage(format!("--fix cannot edit this input: {why}"), "run without --fix; each finding says what to change");
    let Source::Templates(templates) = source else { return Err(cannot("it edits CloudFormation templates (--template)".to_string())) };
    template::editable(&templates.paths).map_err(cannot)?;
    if input.scopes.iter().flat_map(|s| &s.targets).any(|t| t.language == Language::Cdk) {
        return Err(cannot(
            "these templates are a CDK app's output, which the next cdk synth writes again: change the constructs each finding names"
                .to_string(),
        ));
    }
    let allow = if args.fix.unsafe_fixes { Applicability::Unsafe } else { Applicability::Safe };
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
        eprint!("{}", summary(&plan, &dropped, &input, args.fix.diff, args.fix.unsafe_fixes));
    }
    if args.fix.diff {
        write_stdout(fix::diff(&input.files, &plan.edits).as_bytes())?;
        return Ok(exit_code(&reports, config.gate()));
    }
    for (i, text) in &plan.texts(&input.files) {
        write_file(PathBuf::from(&input.files.files[*i].path).as_path(), text)?;
    }
    match rechecked {
        // What remains after the fixes.
        Some((fixed, fixed_reports)) => output::emit(&fixed_reports, &fixed, &args.output, config.gate()),
        None => output::emit(&reports, &input, &args.output, config.gate()),
    }
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
fn summary(plan: &Plan, dropped: &[(Key, String)], input: &Input, diff: bool, unsafe_fixes: bool) -> String {
    let mut files: Vec<&str> =
        plan.fixed.iter().flat_map(|(_, edits)| edits).filter_map(|(i, _)| input.files.files.get(*i)).map(|f| f.path.as_str()).collect();
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
