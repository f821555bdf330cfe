//! DEP005: MWAA's service-linked role exists, or the deployer may create it. MWAA creates
//! `AWSServiceRoleForAmazonMWAA` at CreateEnvironment, which needs `iam:CreateServiceLinkedRole` (mwaa-slr).

use super::{docs, Check, CheckResult, Rule, Severity, Skip};
use crate::analysis::identity::Identity;
use crate::analysis::Analysis;

pub static RULE: Rule = Rule {
    code: "DEP005",
    name: "service-linked-role",
    severity: Severity::Warning,
    summary: "Before creation: AWSServiceRoleForAmazonMWAA exists, or the deployer may create it",
    source: docs::DEPLOYER,
    doc: include_str!("../../rules/DEP005.md"),
    needs: &[],
    check: Check::Network(check),
};

const ROLE: &str = "AWSServiceRoleForAmazonMWAA";

fn check(a: &Analysis<'_>) -> CheckResult {
    super::shared::deployer_judged(a)?;
    let snapshot = &a.network.snapshot;
    if snapshot.roles.iter().flatten().any(|r| r.role_name == ROLE) {
        return Ok(Vec::new());
    }
    if !snapshot.roles_not_found.iter().flatten().any(|name| name == ROLE) {
        return Err(Skip(format!("the input does not say whether {ROLE} exists (Roles or RolesNotFound)")));
    }
    let Identity { partition, account, .. } = Identity::of(a.settings).map_err(Skip)?;
    let arn = format!("arn:{partition}:iam::{account}:role/aws-service-role/airflow.amazonaws.com/{ROLE}");
    super::shared::deployer_finding(&RULE, a, &[("iam:CreateServiceLinkedRole", arn)], "MWAA creates its service-linked role at creation")
}
