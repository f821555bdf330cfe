use super::shared::{known_routing, policy_finding};
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
    // Which endpoints carry the environment's traffic depends on the routing mode and the route tables.
    known_routing(a)?;
    let requests = a.service_requests("sqs");
    a.used_endpoints_for("sqs").filter_map(|u| policy_finding(&RULE, a, u.endpoint, &requests).transpose()).collect()
}
