//! DEP006: with a customer managed key, the deployer may describe it and create grants on it: MWAA attaches
//! grants to the key at creation (AmazonMWAAFullApiAccess holds `kms:CreateGrant` and `kms:DescribeKey`).

use super::{docs, Check, CheckResult, Rule, Severity};
use crate::analysis::Analysis;

pub static RULE: Rule = Rule {
    code: "DEP006",
    name: "deployer-kms-key",
    severity: Severity::Warning,
    summary: "Before creation with a customer managed key: the deployer may describe it and create grants on it",
    source: docs::DEPLOYER,
    doc: include_str!("../../rules/DEP006.md"),
    needs: &[],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    super::shared::deployer_judged(a)?;
    let Some(key) = super::shared::customer_key(a)? else { return Ok(Vec::new()) };
    let arn = key.given.clone().unwrap_or_else(|| key.name.clone());
    let requests = [("kms:CreateGrant", arn.clone()), ("kms:DescribeKey", arn)];
    super::shared::deployer_finding(&RULE, a, &requests, "MWAA attaches grants to the key at creation")
}
