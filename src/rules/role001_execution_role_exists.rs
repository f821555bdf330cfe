//! ROLE001: the environment names an execution role that exists. CreateEnvironment takes only a role ARN
//! (`arn:PARTITION:iam::ACCOUNT:role/NAME`), and a role that does not exist fails creation.

use serde_json::json;

use super::{docs, Check, CheckResult, Rule, Skip};
use crate::analysis::identity::Lookup;
use crate::analysis::Analysis;
use crate::remedy::{Action, Remedy};

pub static RULE: Rule = Rule {
    code: "ROLE001",
    name: "execution-role-exists",
    severity: super::Severity::Error,
    summary: "The environment's ExecutionRoleArn is an IAM role ARN that names an existing role",
    source: docs::EXECUTION_ROLE,
    doc: include_str!("../../rules/ROLE001.md"),
    needs: &[],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    let message = match a.execution_role() {
        Lookup::Found(_) => return Ok(Vec::new()),
        Lookup::NotNamed(why) | Lookup::Unknown(why) => return Err(Skip(why.clone())),
        Lookup::Malformed(why) | Lookup::NotFound(why) => why.clone(),
    };
    let given = match &a.settings.facts.execution_role {
        Some(crate::target::RoleGiven::Text(arn)) => Some(arn.clone()),
        Some(crate::target::RoleGiven::ArnOf(id)) => Some(id.clone()),
        _ => None,
    };
    let resource = given.clone().or_else(|| a.settings.planned_name.clone());
    let remedy = Remedy::say(
        "Give ExecutionRoleArn the ARN of an existing role whose trust policy lets airflow.amazonaws.com and airflow-env.amazonaws.com assume it (the AWS guide's execution role), or create one; list the roles:",
    )
    .then(Action::Inspect { command: "aws iam list-roles --query 'Roles[].Arn'".to_string() });
    Ok(vec![RULE.finding(resource.as_deref(), message).remediation(remedy).evidence(json!({"execution_role_arn": given}))])
}
