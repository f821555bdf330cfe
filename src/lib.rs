//! mwaa-preflight: checks that a VPC will carry an Amazon MWAA environment, and explains why one is stuck.
//!
//! Data flows one way: collect (a snapshot file, or [`collect`] from AWS) -> [`model`] -> [`analysis`] -> [`rules`] -> [`report`].

pub mod analysis;
#[cfg(feature = "aws")]
pub mod collect;
pub mod model;
pub mod report;
pub mod rules;
pub mod target;

use model::Network;
use target::Settings;

/// Analyses one target and runs the catalog on it (`diagnose` adds the environment rules).
pub fn evaluate(network: &Network, settings: &Settings, diagnose: bool) -> report::Report {
    let analysis = analysis::Analysis::new(network, settings);
    let outcome = rules::run(&analysis, diagnose);
    report::Report::new(&analysis, outcome)
}

/// Evaluates many targets of one network in parallel (rayon); reports come back in input order.
pub fn evaluate_all(network: &Network, targets: &[Settings], diagnose: bool) -> Vec<report::Report> {
    use rayon::prelude::*;
    targets.par_iter().map(|settings| evaluate(network, settings, diagnose)).collect()
}
