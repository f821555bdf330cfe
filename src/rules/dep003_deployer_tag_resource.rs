//! DEP003: the deployer may tag the environment when it has tags: CreateEnvironment tags it, and the Service
//! Authorization Reference lists `airflow:TagResource` for it ("not authorized to perform: airflow:TagResource").

use super::{docs, Check, CheckResult, Rule, Severity, Skip};
use crate::analysis::identity::Identity;
use crate::analysis::Analysis;

pub static RULE: Rule = Rule {
    code: "DEP003",
    name: "deployer-tag-resource",
    severity: Severity::Error,
    summary: "Before creation, an environment with tags: the deployer may tag it (airflow:TagResource)",
    source: docs::DEPLOYER,
    doc: include_str!("../../rules/DEP003.md"),
    needs: &[],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    super::shared::deployer_judged(a)?;
    if !a.settings.facts.tagged {
        return Ok(Vec::new());
    }
    let environment = Identity::of(a.settings).map_err(Skip)?.environment_arn();
    super::shared::deployer_finding(&RULE, a, &[("airflow:TagResource", environment)], "CreateEnvironment tags the environment")
}
