//! ROLE004: a permission MWAA needs is allowed only by what the tool cannot prove (a condition key it has
//! no value for, a policy variable, a value known only at deployment), a Deny that may apply, or a document
//! it does not hold (an AWS managed policy it does not ship, a boundary not captured). A warning: never an
//! error, never a pass.

use serde_json::{json, Value};

use super::role003_role_permissions::key_is_alias;
use super::{docs, Check, CheckResult, Rule, Severity, Skip};
use crate::analysis::policy::Decision;
use crate::analysis::Analysis;
use crate::remedy::Remedy;

pub static RULE: Rule = Rule {
    code: "ROLE004",
    name: "role-permissions-unproven",
    severity: Severity::Warning,
    summary: "Every permission MWAA needs is provably allowed: no unknown condition, variable or unread policy decides it",
    source: docs::EXECUTION_ROLE,
    doc: include_str!("../../rules/ROLE004.md"),
    needs: &[],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    let judged = a.role_judged().map_err(Skip)?;
    let alias = key_is_alias(a.settings.kms_key.as_deref());
    let unproven: Vec<(&str, &str, &str, String)> = judged
        .decisions
        .iter()
        .filter_map(|(r, d)| match d {
            Decision::Unprovable { reason } => Some((r.id, r.action.as_str(), r.resource_shown(), reason.clone())),
            Decision::Denied { .. } if alias && r.id == "P8" => Some((
                r.id,
                r.action.as_str(),
                r.resource_shown(),
                "KmsKey is an alias, which names no key the tool can test (KMS001)".to_string(),
            )),
            _ => None,
        })
        .collect();
    if unproven.is_empty() {
        return Ok(Vec::new());
    }
    let role = &judged.role;
    let evidence: Vec<Value> = unproven
        .iter()
        .map(|(id, action, resource, reason)| json!({"permission": id, "action": action, "resource": resource, "reason": reason}))
        .collect();
    let items: Vec<(&str, &str, &str, &str)> =
        unproven.iter().map(|(id, action, resource, reason)| (*id, *action, *resource, reason.as_str())).collect();
    let trace = super::shared::permission_trace(&items);
    Ok(vec![RULE
        .finding(
            Some(&role.name),
            format!("the tool cannot prove the execution role is allowed {} request(s) MWAA makes with it (the trace says why)", unproven.len()),
        )
        .trace(trace)
        .remediation(Remedy::say(
            "Check the statements named against the environment's requests; where a condition or an unread policy decides, allow the requests without it, or give the tool the policy (a snapshot with PolicyVersions).",
        ))
        .evidence(json!({"role": role.name, "unprovable": evidence}))])
}
