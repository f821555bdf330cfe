//! KMS005: with a customer managed key, MWAA's log groups are encrypted with it, so the key policy must let
//! CloudWatch Logs (`logs.{region}.amazonaws.com`) use it for each enabled log group: `kms:Encrypt`,
//! `kms:Decrypt`, `kms:GenerateDataKey` (an error when not), and `kms:ReEncrypt*`, `kms:Describe*` (a warning:
//! documented, their necessity not shown). Evaluated with the encryption context and source of each group.

use serde_json::json;

use super::{docs, Check, CheckResult, Rule, Severity, Skip};
use crate::analysis::identity::Identity;
use crate::analysis::policy::{Context, Decision, Principal, Request};
use crate::analysis::Analysis;
use crate::remedy::{Action, Ref, Remedy};
use crate::target::ALL_LOG_TYPES;

pub static RULE: Rule = Rule {
    code: "KMS005",
    name: "key-policy-logs",
    severity: Severity::Error,
    summary: "The key policy lets CloudWatch Logs encrypt the environment's enabled log groups",
    source: docs::CUSTOM_KEYS,
    doc: include_str!("../../rules/KMS005.md"),
    needs: &[],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    // No KmsKey: the AWS owned key, which none of the key rules judge.
    let Some(key) = super::shared::customer_key(a)? else { return Ok(Vec::new()) };
    let policy = key.policy.as_ref().map_err(|why| Skip(why.clone()))?;
    let identity = Identity::of(a.settings).map_err(Skip)?;
    let Identity { partition, region, account, name } = &identity;
    let logs = format!("logs.{region}.amazonaws.com");
    let log_types: Vec<String> =
        a.settings.facts.log_types.clone().unwrap_or_else(|| ALL_LOG_TYPES.iter().map(|t| t.to_string()).collect());
    let resource = key.metadata.as_ref().ok().and_then(|m| m.arn.clone()).unwrap_or_else(|| key.name.clone());
    let mut failing = Vec::new();
    let mut severity = Severity::Warning;
    for log_type in &log_types {
        let group = format!("arn:{partition}:logs:{region}:{account}:log-group:airflow-{name}-{log_type}");
        let context = Context::default()
            .with("kms:EncryptionContext:aws:logs:arn", group.clone())
            .with("aws:SourceAccount", account.clone())
            .with("aws:SourceArn", group.clone());
        let required = [
            ("kms:Encrypt", true),
            ("kms:Decrypt", true),
            ("kms:GenerateDataKey", true),
            ("kms:ReEncrypt*", false),
            ("kms:Describe*", false),
        ];
        for (action, needed) in required {
            let request = Request { action, resource: &resource, principal: Principal::Service(&logs), context: &context };
            let (verdict, why) = match policy.evaluate(request) {
                Decision::Allowed => continue,
                Decision::Denied { statement } => ("denied", statement.unwrap_or_else(|| "no statement allows it".into())),
                Decision::Unprovable { reason } => ("unprovable", reason),
            };
            if needed && verdict == "denied" {
                severity = Severity::Error;
            }
            failing.push(json!({"log_group": group, "action": action, "verdict": verdict, "why": why, "documented_only": !needed}));
        }
    }
    if failing.is_empty() {
        return Ok(Vec::new());
    }
    let mut actions: Vec<&str> = failing.iter().filter_map(|f| f["action"].as_str()).collect();
    actions.sort_unstable();
    actions.dedup();
    let groups =
        format!("arn:{partition}:logs:{region}:{account}:log-group:airflow-{name}-*").replace(crate::model::DEPLOYING_ACCOUNT, "*");
    let statement = json!({
        "Sid": "AllowCloudWatchLogs", "Effect": "Allow", "Principal": {"Service": logs},
        "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"], "Resource": "*",
        "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": groups}}
    });
    let verb = if severity == Severity::Error { "does not let" } else { "may not let" };
    Ok(vec![RULE
        .finding(
            Some(&key.name),
            format!(
                "the key policy {verb} CloudWatch Logs encrypt the environment's {} log group(s): {}",
                log_types.len(),
                actions.join(", ")
            ),
        )
        .severity(severity)
        .remediation(
            Remedy::say(
                "Let CloudWatch Logs use the key for the environment's log groups (the execution role page's key policy statement):",
            )
            .then(Action::AddKeyPolicyStatement { key: Ref::id(&key.name), statement }),
        )
        .evidence(json!({"key": key.name, "not_allowed": failing}))])
}
