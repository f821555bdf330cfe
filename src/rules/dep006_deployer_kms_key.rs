//! DEP006: with a customer managed key, the deployer may describe it and create grants on it: MWAA attaches
//! grants to the key at creation (AmazonMWAAFullApiAccess holds `kms:CreateGrant` and `kms:DescribeKey`). The
//! simulation answers for the deployer's identity policies; the key policy must admit it too (KMS004's test,
//! the deployer as principal: a statement for its account enables its IAM policies).

use serde_json::json;

use super::{docs, Check, CheckResult, Rule, Severity, Skip};
use crate::analysis::policy::{Context, Decision, Principal, Request};
use crate::analysis::Analysis;
use crate::remedy::Remedy;

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
    let requests = [("kms:CreateGrant", arn.clone()), ("kms:DescribeKey", arn.clone())];
    let simulated = super::shared::deployer_finding(&RULE, a, &requests, "MWAA attaches grants to the key at creation")?;
    if !simulated.is_empty() {
        return Ok(simulated);
    }
    let deployer = a.deployer().map_err(Skip)?;
    let (Some(principal), Ok(policy)) = (deployer.arn.as_deref(), &key.policy) else { return Ok(simulated) };
    let account = principal.split(':').nth(4).unwrap_or_default();
    let context = Context::default().with("aws:PrincipalArn", principal).with("aws:PrincipalAccount", account);
    let refused: Vec<(&str, String)> = ["kms:CreateGrant", "kms:DescribeKey"]
        .into_iter()
        .filter_map(|action| {
            let request =
                Request { action, resource: &arn, principal: Principal::RoleOrAccount { arn: principal, account }, context: &context };
            match policy.evaluate(request) {
                Decision::Allowed => None,
                Decision::Denied { statement } => {
                    Some((action, statement.unwrap_or_else(|| "no statement admits the deployer".to_string())))
                }
                Decision::Unprovable { reason } => Some((action, reason)),
            }
        })
        .collect();
    let Some((action, why)) = refused.first() else { return Ok(simulated) };
    let evidence: Vec<_> = refused.iter().map(|(action, why)| json!({"action": action, "why": why})).collect();
    Ok(vec![RULE
        .finding(Some(deployer.name()), format!("the key policy may not let the deployer {action}: {why}"))
        .remediation(Remedy::say(
            "Let the deploying principal (or its account, which enables IAM policies) use kms:CreateGrant and kms:DescribeKey in the key policy.",
        ))
        .evidence(json!({"deployer": principal, "key": arn, "key_policy": evidence}))])
}
