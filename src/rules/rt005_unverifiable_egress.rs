use serde_json::json;

use super::shared::known_routing;
use super::{docs, Check, CheckResult, Finding, Rule, Severity};
use crate::analysis::flows::{Flow, Step};
use crate::analysis::routing::RouteMatch;
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
    let mut findings = Vec::new();
    for egress in a.egress.iter().filter(|e| e.egress == Egress::Unverifiable && a.routing != Routing::Private) {
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
    findings.extend(diverted_destinations(a, &findings));
    Ok(findings)
}

/// Required destinations (or a part of one: a peering route inside S3's range, toward the other env
/// subnet) that a more specific route sends to a middlebox instead of where the flow must go: one finding
/// per route table without a default-route finding.
fn diverted_destinations(a: &Analysis<'_>, reported: &[Finding]) -> Vec<Finding> {
    let mut by_table: Vec<(&str, Vec<(&Flow, &RouteMatch)>)> = Vec::new();
    for flow in &a.flows {
        let diverted = flow.hops.iter().filter(|h| h.step == Step::Route && !h.allowed && h.unknown.is_none());
        for route in diverted.filter_map(|h| h.route.as_ref()).filter(|r| !r.blackhole && r.target.is_middlebox()) {
            match by_table.iter_mut().find(|(t, _)| *t == route.route_table_id) {
                Some((_, routes)) => routes.push((flow, route)),
                None => by_table.push((&route.route_table_id, vec![(flow, route)])),
            }
        }
    }
    by_table
        .into_iter()
        .filter(|(table, _)| !reported.iter().any(|f| f.resource.as_deref() == Some(*table)))
        .map(|(table, routes)| {
            let mut described: Vec<String> = Vec::new();
            for (flow, route) in &routes {
                let what = format!(
                    "{} -> {} ({})",
                    route.part.map_or(route.destination.clone(), |p| p.to_string()),
                    route.target,
                    flow.destination
                );
                if !described.contains(&what) {
                    described.push(what);
                }
            }
            RULE.finding(
                Some(table),
                format!(
                    "a more specific route sends addresses the environment needs to a target the tool cannot see past: {}",
                    described.join(", ")
                ),
            )
            .remediation(
                "Confirm that the path behind the target reaches these addresses on the flow's port, or remove the more specific \
                 route so that they take the route the environment needs.",
            )
            .evidence(json!({
                "route_table_id": table,
                "flows": routes.iter().map(|(flow, route)| json!({"flow": flow.label(), "route": route})).collect::<Vec<_>>(),
            }))
        })
        .collect()
}
