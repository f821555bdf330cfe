//! DEP001: the deployer may pass the execution role to MWAA. CreateEnvironment needs `iam:PassRole` on the role
//! with `iam:PassedToService` = `airflow.amazonaws.com` (Service Authorization Reference).

use super::{docs, Check, CheckResult, Rule, Severity, Skip};
use crate::analysis::Analysis;
use crate::target::RoleGiven;

pub static RULE: Rule = Rule {
    code: "DEP001",
    name: "deployer-pass-role",
    severity: Severity::Error,
    summary: "Before creation: the deployer may pass the execution role to MWAA (iam:PassRole)",
    source: docs::DEPLOYER,
    doc: include_str!("../../rules/DEP001.md"),
    needs: &[],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    super::shared::deployer_judged(a)?;
    let role = match &a.settings.facts.execution_role {
        Some(RoleGiven::Text(arn)) => arn.clone(),
        Some(RoleGiven::ArnOf(_) | RoleGiven::Unknown(_)) => {
            return Err(Skip("the execution role's ARN is known only at deployment".to_string()))
        }
        None => return Err(Skip("no execution role is named (give --execution-role-arn)".to_string())),
    };
    super::shared::deployer_finding(&RULE, a, &[("iam:PassRole", role)], "CreateEnvironment passes the execution role to MWAA")
}
