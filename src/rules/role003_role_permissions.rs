//! ROLE003: the execution role's identity policies allow every request MWAA makes with it (RULES.md P1-P9,
//! from the execution role page's sample policies): an explicit Deny, or no Allow, is a finding listing
//! every missing (action, resource) and what decided it.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::{docs, Check, CheckResult, Rule, Severity, Skip};
use crate::analysis::identity::{Identity, Required};
use crate::analysis::policy::Decision;
use crate::analysis::Analysis;
use crate::model::DEPLOYING_ACCOUNT;
use crate::remedy::{Action, Remedy};
use crate::target::{Language, Settings};

pub static RULE: Rule = Rule {
    code: "ROLE003",
    name: "role-permissions",
    severity: Severity::Error,
    summary: "The execution role allows every action MWAA performs with it (metrics, bucket, logs, queue, key)",
    source: docs::EXECUTION_ROLE,
    doc: include_str!("../../rules/ROLE003.md"),
    needs: &[],
    check: Check::Network(check),
};

/// Whether KmsKey is an alias: the key is not resolved, so a missing key permission is unprovable
/// (ROLE004), not an error (KMS001 reports the alias).
pub fn key_is_alias(key: Option<&str>) -> bool {
    key.is_some_and(crate::analysis::key::is_alias)
}

fn check(a: &Analysis<'_>) -> CheckResult {
    let judged = a.role_judged().map_err(Skip)?;
    let alias = key_is_alias(a.settings.kms_key.as_deref());
    let missing: Vec<(&Required, Option<&String>)> = judged
        .decisions
        .iter()
        .filter_map(|(r, d)| match d {
            Decision::Denied { statement } if !(alias && r.id == "P8") => Some((r, statement.as_ref())),
            _ => None,
        })
        .collect();
    if missing.is_empty() {
        return Ok(Vec::new());
    }
    let severity = if missing.iter().all(|(r, _)| r.conditional.is_some()) { Severity::Warning } else { Severity::Error };
    let denied: Vec<Value> = missing
        .iter()
        .map(|(r, by)| {
            json!({"permission": r.id, "action": r.action, "resource": r.resource_shown(),
                   "denied_by": by.map_or("no statement allows it", |s| s.as_str()), "needed_when": r.conditional})
        })
        .collect();
    let items: Vec<(&str, &str, &str, &str)> = missing
        .iter()
        .map(|(r, by)| (r.id, r.action.as_str(), r.resource_shown(), by.map_or("no statement allows it", |s| s.as_str())))
        .collect();
    let trace = super::shared::permission_trace(&items);
    let mut actions: Vec<&str> = Vec::new();
    for (r, _) in &missing {
        if !actions.contains(&r.action.as_str()) {
            actions.push(&r.action);
        }
    }
    let explicit: Vec<&str> = missing.iter().filter_map(|(_, by)| by.map(String::as_str)).collect();
    let mut prose = "Add the permissions MWAA needs to the execution role".to_string();
    if let Some(first) = explicit.first() {
        prose.push_str(&format!(", and remove or narrow {first}, an explicit Deny no Allow overrides"));
    }
    prose.push(':');
    let document = grant(judged.identity, a.settings, &missing);
    let role = &judged.role;
    Ok(vec![RULE
        .finding(
            Some(&role.name),
            format!(
                "the execution role is not allowed {} action(s) MWAA performs with it: {}",
                actions.len(),
                super::shared::some_of(&actions, 3)
            ),
        )
        .severity(severity)
        .trace(trace)
        .remediation(Remedy::say(prose).then(Action::AddRolePolicy {
            role: super::shared::role_ref(a, role),
            name: "MwaaExecution".to_string(),
            document,
        }))
        .evidence(json!({"role": role.name, "denied": denied}))])
}

/// A policy that allows the missing permissions, one statement per permission, on the resources the
/// execution role page's sample names (which cover every concrete request tested).
fn grant(identity: &Identity, settings: &Settings, missing: &[(&Required, Option<&String>)]) -> Value {
    let (bucket_arn, key) = (settings.source_bucket_arn.as_deref(), settings.kms_key.as_deref());
    let Identity { partition: p, region, account, name } = identity;
    let mut by_permission: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (r, _) in missing {
        let actions = by_permission.entry(r.id).or_default();
        if !actions.contains(&r.action.as_str()) {
            actions.push(&r.action);
        }
    }
    let bucket = bucket_arn.unwrap_or_default();
    let statements: Vec<Value> = by_permission
        .into_iter()
        .map(|(id, actions)| {
            let (resources, condition): (Vec<String>, Option<Value>) = match id {
                "P1" => (vec![identity.environment_arn()], None),
                "P2" => (vec![format!("{bucket}/*")], None),
                "P3" => (vec![bucket.to_string()], None),
                "P4" => {
                    let group = format!("arn:{p}:logs:{region}:{account}:log-group:airflow-{name}-*");
                    (vec![group.clone(), format!("{group}:log-stream:*")], None)
                }
                "P7" => (vec![format!("arn:{p}:sqs:{region}:*:airflow-celery-*")], None),
                "P8" => (
                    vec![key.unwrap_or("*").to_string()],
                    Some(json!({"StringLike": {"kms:ViaService": [format!("sqs.{region}.amazonaws.com"), format!("s3.{region}.amazonaws.com")]}})),
                ),
                // The AWS owned key lives in an account of AWS's: any key, used through SQS.
                "P9" => (vec!["*".to_string()], Some(json!({"StringLike": {"kms:ViaService": [format!("sqs.{region}.amazonaws.com")]}}))),
                _ => (vec!["*".to_string()], None),
            };
            let resources: Vec<Value> = resources.iter().map(|r| deployed(r, settings.language)).collect();
            let mut statement = json!({"Sid": format!("Mwaa{id}"), "Effect": "Allow", "Action": actions, "Resource": resources});
            if let (Some(condition), Value::Object(map)) = (condition, &mut statement) {
                map.insert("Condition".to_string(), condition);
            }
            statement
        })
        .collect();
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// An ARN as the code writes it where it holds what only the deployment knows: in a template, `Fn::Sub` of the
/// account and of a generated bucket name (`{Bucket.BucketName}` -> `${Bucket}`); elsewhere any account.
fn deployed(arn: &str, language: Language) -> Value {
    let template = matches!(language, Language::CloudFormation | Language::Cdk);
    match (arn.contains('{'), template) {
        (false, _) => json!(arn),
        (true, true) => {
            // `{Bucket.BucketName}` is what `!Ref Bucket` gives.
            let named = arn.replace(".BucketName}", "}").replace('{', "${");
            json!({"Fn::Sub": named.replace("${AccountId}", "${AWS::AccountId}")})
        }
        (true, false) => json!(arn.replace(DEPLOYING_ACCOUNT, "*")),
    }
}
