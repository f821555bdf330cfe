//! mwaa-preflight: checks that a VPC will carry an Amazon MWAA environment, and explains why one is stuck.
//!
//! Data flows one way: collect (a snapshot file, or [`collect`] from AWS) -> [`model`] -> [`analysis`] -> [`rules`] -> [`report`].

pub mod analysis;
pub mod baseline;
#[cfg(feature = "aws")]
pub mod collect;
pub mod config;
pub mod fix;
pub mod input;
pub mod model;
pub mod output_file;
pub mod remedy;
pub mod report;
pub mod rules;
pub mod target;
pub mod text;

use config::Config;
use model::Network;
pub use rules::Mode;
use target::Settings;

/// Analyses one target and runs the enabled rules on it, with the configuration's severities and ignores
/// and those the code states beside its resources.
pub fn evaluate(network: &Network, settings: &Settings, mode: Mode, config: &Config) -> report::Report {
    let analysis = analysis::Analysis::new(network, settings);
    let outcome = if settings.suppressions.is_empty() {
        rules::run(&analysis, mode, config)
    } else {
        let mut with_code = config.clone();
        with_code.ignores.extend(settings.suppressions.iter().cloned());
        rules::run(&analysis, mode, &with_code)
    };
    report::Report::new(&analysis, outcome)
}

/// Evaluates every target of an input in parallel (rayon); reports come back in input order.
pub fn evaluate_input(input: &input::Input, mode: Mode, config: &Config) -> Vec<report::Report> {
    use rayon::prelude::*;
    let targets: Vec<(&Network, &Settings)> =
        input.scopes.iter().flat_map(|scope| scope.targets.iter().map(move |settings| (&scope.network, settings))).collect();
    let mut reports: Vec<report::Report> =
        targets.par_iter().map(|(network, settings)| evaluate(network, settings, mode, config)).collect();
    let mut notes: Vec<String> = input.notes.iter().map(ToString::to_string).collect();
    // An ignore that accepted nothing in any report: the finding was fixed, or the ignore names the wrong
    // resource; either way it no longer says what it claims.
    let stated = config.ignores.iter().chain(input.scopes.iter().flat_map(|s| s.targets.iter().flat_map(|t| &t.suppressions)));
    let mut stale: Vec<String> = Vec::new();
    for ignore in stated {
        let used = reports
            .iter()
            .flat_map(|r| &r.ignored)
            .any(|i| i.code == ignore.code && i.resource.as_deref().unwrap_or_default() == ignore.resource);
        // A rule that was skipped or not run may still find it: only an evaluated rule makes an ignore stale.
        let evaluated = reports.iter().any(|r| {
            r.passed.contains(&ignore.code)
                || r.findings.iter().any(|f| f.code == ignore.code)
                || r.ignored.iter().any(|i| i.code == ignore.code)
        });
        let note = if ignore.baselined {
            format!("the baseline's {} on {} matches no finding any more: create the baseline again", ignore.code, ignore.resource)
        } else {
            format!(
                "the ignore of {} on {} accepted no finding: remove it, or name the resource the finding names",
                ignore.code, ignore.resource
            )
        };
        if evaluated && !used && !stale.contains(&note) {
            stale.push(note);
        }
    }
    notes.extend(stale);
    for report in &mut reports {
        report.notes.clone_from(&notes);
    }
    reports.extend(input.unreadable.iter().map(|u| report::Report::unreadable(&u.name, &u.region, &u.reason)));
    reports
}
