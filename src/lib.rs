//! mwaa-preflight: checks that a VPC will carry an Amazon MWAA environment, and explains why one is stuck.
//!
//! Data flows one way: collect (a snapshot file, or [`collect`] from AWS) -> [`model`] -> [`analysis`] -> [`rules`] -> [`report`].

pub mod analysis;
#[cfg(feature = "aws")]
pub mod collect;
pub mod config;
pub mod input;
pub mod model;
pub mod output_file;
pub mod report;
pub mod rules;
pub mod target;
pub mod text;

use config::Config;
use model::Network;
pub use rules::Mode;
use target::Settings;

/// Analyses one target and runs the enabled rules on it, with the configuration's severities and ignores.
pub fn evaluate(network: &Network, settings: &Settings, mode: Mode, config: &Config) -> report::Report {
    let analysis = analysis::Analysis::new(network, settings);
    let outcome = rules::run(&analysis, mode, config);
    report::Report::new(&analysis, outcome)
}

/// Evaluates every target of an input in parallel (rayon); reports come back in input order.
pub fn evaluate_input(input: &input::Input, mode: Mode, config: &Config) -> Vec<report::Report> {
    use rayon::prelude::*;
    let targets: Vec<(&Network, &Settings)> =
        input.scopes.iter().flat_map(|scope| scope.targets.iter().map(move |settings| (&scope.network, settings))).collect();
    let mut reports: Vec<report::Report> =
        targets.par_iter().map(|(network, settings)| evaluate(network, settings, mode, config)).collect();
    let notes: Vec<String> = input.notes.iter().map(ToString::to_string).collect();
    for report in &mut reports {
        report.notes.clone_from(&notes);
    }
    reports.extend(input.unreadable.iter().map(|u| report::Report::unreadable(&u.name, &u.region, &u.reason)));
    reports
}
