//! KMS004: the key policy lets the execution role use the key through SQS and S3 (P8's requests): a
//! statement for the role, for `*` with conditions the tool can evaluate, or for the account (which enables
//! IAM policies: ROLE003 then decides), or a grant to the role. A Deny that applies, or nothing that allows,
//! is an error; a condition the tool cannot evaluate, a warning.

use serde_json::json;

use super::{docs, Check, CheckResult, Rule, Severity, Skip};
use crate::analysis::identity::{Identity, KEY_ACTIONS};
use crate::analysis::policy::{Context, Decision, Principal, Request};
use crate::analysis::Analysis;
use crate::remedy::{Action, Ref, Remedy};
use crate::target::RoleGiven;

pub static RULE: Rule = Rule {
    code: "KMS004",
    name: "key-policy-role",
    severity: Severity::Error,
    summary: "The key policy lets the execution role use the key through SQS and S3 (or leaves it to IAM policies)",
    source: docs::CUSTOM_KEYS,
    doc: include_str!("../../rules/KMS004.md"),
    needs: &[],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    // No KmsKey: the AWS owned key, which none of the key rules judge.
    let Some(key) = super::shared::customer_key(a)? else { return Ok(Vec::new()) };
    let role = match &a.settings.facts.execution_role {
        Some(RoleGiven::Text(arn) | RoleGiven::ArnOf(arn)) => arn.clone(),
        Some(RoleGiven::Unknown(why)) => return Err(Skip(format!("the execution role is known only at deployment: {why}"))),
        None => return Err(Skip("no execution role is named (give --execution-role-arn)".to_string())),
    };
    let policy = key.policy.as_ref().map_err(|why| Skip(why.clone()))?;
    let identity = Identity::of(a.settings);
    let account = identity.as_ref().map_or_else(|_| crate::model::DEPLOYING_ACCOUNT.to_string(), |i| i.account.clone());
    let region = &a.settings.region;
    let resource = key.metadata.as_ref().ok().and_then(|m| m.arn.clone()).unwrap_or_else(|| key.name.clone());
    let granted = |operation: &str| {
        key.grants.iter().any(|g| g.grantee_principal.as_deref() == Some(role.as_str()) && g.operations.iter().any(|o| o == operation))
    };
    let mut denied = Vec::new();
    let mut unprovable = Vec::new();
    for service in ["sqs", "s3"] {
        let context = Context::default()
            .with("kms:ViaService", format!("{service}.{region}.amazonaws.com"))
            .with("kms:CallerAccount", account.clone())
            .with("aws:PrincipalArn", role.clone())
            .with("aws:PrincipalAccount", account.clone());
        // A grant names the operation without the service prefix.
        for action in KEY_ACTIONS.iter().filter(|a| !granted(a.trim_start_matches("kms:"))) {
            let request = Request {
                action,
                resource: &resource,
                principal: Principal::RoleOrAccount { arn: &role, account: &account },
                context: &context,
            };
            match policy.evaluate(request) {
                Decision::Allowed => {}
                Decision::Denied { statement } => denied.push(
                    json!({"action": action, "via": service, "denied_by": statement.unwrap_or_else(|| "no statement allows it".into())}),
                ),
                Decision::Unprovable { reason } => unprovable.push(json!({"action": action, "via": service, "reason": reason})),
            }
        }
    }
    let (severity, verb, list) = match (denied.is_empty(), unprovable.is_empty()) {
        (true, true) => return Ok(Vec::new()),
        (false, _) => (Severity::Error, "does not let", &denied),
        (true, false) => (Severity::Warning, "may not let", &unprovable),
    };
    let mut actions: Vec<&str> = list.iter().filter_map(|d| d["action"].as_str()).collect();
    actions.sort_unstable();
    actions.dedup();
    let statement = json!({
        "Sid": "AllowMwaaExecutionRole", "Effect": "Allow", "Principal": {"AWS": role},
        "Action": ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey*", "kms:Encrypt"], "Resource": "*",
        "Condition": {"StringLike": {"kms:ViaService": [format!("sqs.{region}.amazonaws.com"), format!("s3.{region}.amazonaws.com")]}}
    });
    Ok(vec![RULE
        .finding(Some(&key.name), format!("the key policy {verb} the execution role use the key: {}", actions.join(", ")))
        .severity(severity)
        .remediation(
            Remedy::say("Let the execution role use the key through SQS and S3 in the key policy:")
                .then(Action::AddKeyPolicyStatement { key: Ref::id(&key.name), statement }),
        )
        .evidence(json!({"key": key.name, "role": role, "denied": denied, "unprovable": unprovable}))])
}
