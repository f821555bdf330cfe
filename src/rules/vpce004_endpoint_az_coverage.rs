use serde_json::json;

use super::shared::known_routing;
use super::{docs, Check, CheckResult, Rule, Severity};
use crate::analysis::Analysis;
use crate::model::Member;
use crate::remedy::{Action, Ref};

pub static RULE: Rule = Rule {
    code: "VPCE004",
    name: "endpoint-az-coverage",
    severity: Severity::Error,
    summary: "Every interface endpoint the environment uses has a network interface in each env subnet's AZ",
    source: docs::CREATE_ENDPOINTS,
    doc: include_str!("../../rules/VPCE004.md"),
    needs: &[Member::VpcEndpoints, Member::Subnets],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    // Which endpoints carry the environment's traffic depends on the routing mode and the route tables.
    known_routing(a)?;
    let mut findings = Vec::new();
    for used in a.used_endpoints.iter().filter(|u| u.is_interface()) {
        let e = used.endpoint;
        let zones: Vec<&str> = e.subnet_ids.iter().filter_map(|id| a.network.subnet(id)).filter_map(Analysis::zone_of).collect();
        let uncovered: Vec<_> = a.subnets.iter().filter(|s| Analysis::zone_of(s).is_some_and(|z| !zones.contains(&z))).collect();
        if uncovered.is_empty() {
            continue;
        }
        let names: Vec<String> = uncovered.iter().map(|s| format!("{} ({})", s.subnet_id, Analysis::zone_of(s).unwrap_or("?"))).collect();
        let ids: Vec<&str> = uncovered.iter().map(|s| s.subnet_id.as_str()).collect();
        findings.push(
            RULE.finding(
                Some(&e.vpc_endpoint_id),
                format!("the {} endpoint has no network interface in the AZ of {}", e.service_name, names.join(", ")),
            )
            .remediation(Action::AddEndpointSubnets { endpoint: Ref::id(&e.vpc_endpoint_id), subnets: Ref::ids(&ids) })
            .evidence(json!({"endpoint": e.vpc_endpoint_id, "endpoint_zones": zones, "uncovered_subnets": ids})),
        );
    }
    Ok(findings)
}
