use serde_json::json;

use super::shared::known_routing;
use super::{docs, Check, CheckResult, Rule, Severity};
use crate::analysis::{Analysis, Egress, Routing};
use crate::model::Member;

pub static RULE: Rule = Rule {
    code: "RT005",
    name: "unverifiable-egress",
    severity: Severity::Warning,
    summary: "The default route leaves through a transit gateway, VPN, peering or firewall the tool cannot see past",
    source: docs::NETWORKING,
    doc: include_str!("../../rules/RT005.md"),
    needs: &[Member::Subnets, Member::RouteTables],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    known_routing(a)?;
    if a.routing == Routing::Private {
        return Ok(Vec::new());
    }
    let mut findings = Vec::new();
    for egress in a.egress.iter().filter(|e| e.egress == Egress::Unverifiable) {
        let (Some(table), Some(route)) = (&egress.route_table_id, &egress.default_route) else { continue };
        findings.push(
            RULE.finding(
                Some(table),
                format!(
                    "the route table of {} sends 0.0.0.0/0 to {}: whether it reaches the internet on TCP 443 cannot be verified from this VPC",
                    egress.subnet_id, route.target
                ),
            )
            .remediation(
                "Confirm that the path behind it allows TCP 443 to the internet (for example in the inspection VPC), or add the private-routing \
                 VPC endpoints; then state it with --routing public or --routing private.",
            )
            .evidence(json!({"subnet_id": egress.subnet_id, "route": route})),
        );
    }
    Ok(findings)
}
