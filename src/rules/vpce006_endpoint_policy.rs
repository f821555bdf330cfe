use super::shared::{known_routing, policy_finding};
use super::{docs, Check, CheckResult, Rule, Severity};
use crate::analysis::Analysis;
use crate::model::Member;

pub static RULE: Rule = Rule {
    code: "VPCE006",
    name: "endpoint-policy",
    severity: Severity::Error,
    summary: "Endpoint policies allow what the environment needs (S3 and SQS have their own rules)",
    source: docs::VPC_SECURITY,
    doc: include_str!("../../rules/VPCE006.md"),
    needs: &[Member::VpcEndpoints],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    // Which endpoints carry the environment's traffic depends on the routing mode and the route tables.
    known_routing(a)?;
    a.used_endpoints
        .iter()
        .filter(|u| !matches!(u.service.short, "s3" | "sqs"))
        .filter_map(|u| policy_finding(&RULE, a, u.endpoint, &a.service_requests(u.service.short)).transpose())
        .collect()
}
