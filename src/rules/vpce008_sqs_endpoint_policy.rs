use super::shared::policy_finding;
use super::{docs, Check, CheckResult, Rule, Severity};
use crate::analysis::Analysis;
use crate::model::Member;

pub static RULE: Rule = Rule {
    code: "VPCE008",
    name: "sqs-endpoint-policy",
    severity: Severity::Error,
    summary: "The SQS endpoint policy allows the environment's Celery queue",
    source: docs::ENDPOINT_MANAGEMENT,
    doc: include_str!("../../rules/VPCE008.md"),
    needs: &[Member::VpcEndpoints],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    let requests = a.service_requests("sqs");
    Ok(a.used_endpoints_for("sqs").filter_map(|u| policy_finding(&RULE, a, u.endpoint, &requests)).collect())
}
