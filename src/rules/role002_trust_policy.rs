//! ROLE002: MWAA can assume the execution role. Its trust policy must let both service principals
//! (`airflow.amazonaws.com`, `airflow-env.amazonaws.com`) call `sts:AssumeRole`; CreateEnvironment refuses a
//! role it cannot assume ("Please ensure your role is assumable by 'airflow-env.amazonaws.com'"). Evaluated with
//! the confused-deputy conditions AWS recommends: `aws:SourceArn` the environment's ARN, `aws:SourceAccount`
//! its account.

use serde_json::{json, Value};

use super::{docs, Check, CheckResult, Rule, Severity, Skip};
use crate::analysis::identity::{found, Identity, SERVICE_PRINCIPALS};
use crate::analysis::policy::{Context, Decision, Principal, Request};
use crate::analysis::Analysis;
use crate::remedy::{Action, Remedy};

pub static RULE: Rule = Rule {
    code: "ROLE002",
    name: "trust-policy",
    severity: Severity::Error,
    summary: "The execution role's trust policy lets airflow.amazonaws.com and airflow-env.amazonaws.com assume it",
    source: docs::EXECUTION_ROLE,
    doc: include_str!("../../rules/ROLE002.md"),
    needs: &[],
    check: Check::Network(check),
};

/// The trust policy AWS's execution role page documents.
pub fn documented_trust() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": SERVICE_PRINCIPALS}, "Action": "sts:AssumeRole"}]
    })
}

fn check(a: &Analysis<'_>) -> CheckResult {
    let role = found(a.execution_role()).map_err(Skip)?;
    let Some(trust) = &role.trust else {
        return Err(Skip(format!("the trust policy of {} is not known", role.name)));
    };
    // The keys MWAA's requests carry, where the input tells their values; an unknown one is unprovable.
    let context = match Identity::of(a.settings) {
        Ok(identity) => {
            Context::default().with("aws:SourceArn", identity.environment_arn()).with("aws:SourceAccount", identity.account.clone())
        }
        Err(_) => Context::default(),
    };
    let mut denied = Vec::new();
    let mut unprovable = Vec::new();
    for service in SERVICE_PRINCIPALS {
        let request =
            Request { action: "sts:AssumeRole", resource: &role.role.arn, principal: Principal::Service(service), context: &context };
        match trust.evaluate(request) {
            Decision::Allowed => {}
            Decision::Denied { statement } => {
                denied.push(json!({"principal": service, "denied_by": statement.unwrap_or_else(|| "no statement allows it".into())}))
            }
            Decision::Unprovable { reason } => unprovable.push(json!({"principal": service, "reason": reason})),
        }
    }
    let (severity, list, verb) = match (denied.is_empty(), unprovable.is_empty()) {
        (true, true) => return Ok(Vec::new()),
        (false, _) => (Severity::Error, &denied, "does not let"),
        (true, false) => (Severity::Warning, &unprovable, "may not let"),
    };
    let principals: Vec<&str> = list.iter().filter_map(|d| d["principal"].as_str()).collect();
    let target = super::shared::role_ref(a, role);
    Ok(vec![RULE
        .finding(Some(&role.name), format!("the trust policy {verb} {} assume the role", principals.join(" and ")))
        .severity(severity)
        .remediation(
            Remedy::say("Let both MWAA service principals assume the role (the execution role page's trust policy):")
                .then(Action::SetTrustPolicy { role: target, document: documented_trust() }),
        )
        .evidence(json!({"role": role.name, "denied": denied, "unprovable": unprovable}))])
}
