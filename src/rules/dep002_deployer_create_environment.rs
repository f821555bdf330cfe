//! DEP002: the deployer may call CreateEnvironment on the environment's ARN.

use super::{docs, Check, CheckResult, Rule, Severity, Skip};
use crate::analysis::identity::Identity;
use crate::analysis::Analysis;

pub static RULE: Rule = Rule {
    code: "DEP002",
    name: "deployer-create-environment",
    severity: Severity::Error,
    summary: "Before creation: the deployer may create the environment (airflow:CreateEnvironment)",
    source: docs::DEPLOYER,
    doc: include_str!("../../rules/DEP002.md"),
    needs: &[],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    super::shared::deployer_judged(a)?;
    let environment = Identity::of(a.settings).map_err(Skip)?.environment_arn();
    super::shared::deployer_finding(&RULE, a, &[("airflow:CreateEnvironment", environment)], "the environment cannot be created")
}
