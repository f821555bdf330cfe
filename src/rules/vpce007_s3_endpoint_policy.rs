use super::shared::{known_routing, policy_finding};
use super::{docs, Check, CheckResult, Rule, Severity};
use crate::analysis::Analysis;
use crate::model::Member;

pub static RULE: Rule = Rule {
    code: "VPCE007",
    name: "s3-endpoint-policy",
    severity: Severity::Error,
    summary: "The S3 endpoint policy allows the ECR layer bucket and the DAG bucket",
    source: docs::CREATE_ENDPOINTS,
    doc: include_str!("../../rules/VPCE007.md"),
    needs: &[Member::VpcEndpoints],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    // Which endpoints carry the environment's traffic depends on the routing mode and the route tables.
    known_routing(a)?;
    let requests = a.service_requests("s3");
    a.used_endpoints_for("s3").filter_map(|u| policy_finding(&RULE, a, u.endpoint, &requests).transpose()).collect()
}
