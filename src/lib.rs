//! mwaa-preflight: checks that a VPC will carry an Amazon MWAA environment, and explains why one is stuck.
//!
//! Data flows one way: collect (a snapshot file, or [`collect`] from AWS) -> [`model`] -> [`analysis`] -> [`rules`] -> [`report`].

pub mod analysis;
#[cfg(feature = "aws")]
pub mod collect;
pub mod config;
pub mod model;
pub mod report;
pub mod rules;
pub mod target;

use config::Config;
use model::Network;
use target::Settings;

/// Analyses one target and runs the enabled rules on it (`diagnose` adds the environment rules), then
/// applies the configuration's severities and ignores.
pub fn evaluate(network: &Network, settings: &Settings, diagnose: bool, config: &Config) -> report::Report {
    let analysis = analysis::Analysis::new(network, settings);
    let mut outcome = rules::run(&analysis, diagnose, |code| config.is_enabled(code));
    let ignored = config.apply(&mut outcome);
    report::Report::new(&analysis, outcome, ignored)
}

/// Evaluates many targets of one network in parallel (rayon); reports come back in input order.
pub fn evaluate_all(network: &Network, targets: &[Settings], diagnose: bool, config: &Config) -> Vec<report::Report> {
    use rayon::prelude::*;
    targets.par_iter().map(|settings| evaluate(network, settings, diagnose, config)).collect()
}
