use serde_json::json;

use super::shared::known_routing;
use super::{docs, Check, CheckResult, Rule, Severity};
use crate::analysis::Analysis;
use crate::model::Member;
use crate::remedy::{Action, Ref, Remedy};

pub static RULE: Rule = Rule {
    code: "VPCE002",
    name: "endpoint-state",
    severity: Severity::Error,
    summary: "Every endpoint the environment uses is in state available",
    source: docs::CREATE_ENDPOINTS,
    doc: include_str!("../../rules/VPCE002.md"),
    needs: &[Member::VpcEndpoints],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    // Which endpoints carry the environment's traffic depends on the routing mode and the route tables.
    known_routing(a)?;
    Ok(a.used_endpoints
        .iter()
        .filter_map(|used| {
            let endpoint = used.endpoint;
            // AWS answers in lower case, the SDK enum in PascalCase: compare the text.
            let state = endpoint.state.as_deref().unwrap_or("unknown");
            if state.eq_ignore_ascii_case("available") {
                return None;
            }
            let fix = if state.eq_ignore_ascii_case("pendingacceptance") {
                Remedy::say("The service owner must accept it:")
                    .then(Action::AcceptEndpointConnections { endpoint: Ref::id(&endpoint.vpc_endpoint_id) })
            } else {
                Remedy::say("Wait for it to become available, or delete and recreate it; inspect it:").then(Action::Inspect {
                    command: format!("aws ec2 describe-vpc-endpoints --vpc-endpoint-ids {}", endpoint.vpc_endpoint_id),
                })
            };
            Some(
                RULE.finding(Some(&endpoint.vpc_endpoint_id), format!("the {} endpoint is {state}, not available", endpoint.service_name))
                    .remediation(fix)
                    .evidence(json!({"endpoint": endpoint.vpc_endpoint_id, "service_name": endpoint.service_name, "state": state})),
            )
        })
        .collect())
}
