use serde_json::json;

use super::{docs, fixes, Check, CheckResult, Rule, Severity};
use crate::analysis::{routing, Analysis, Routing};
use crate::model::{Association, Member};
use crate::remedy::Remedy;

pub static RULE: Rule = Rule {
    code: "SUB005",
    name: "subnet-private",
    severity: Severity::Error,
    summary: "Each subnet is private: its effective route table has no route to an internet gateway",
    source: docs::NETWORKING,
    doc: include_str!("../../rules/SUB005.md"),
    needs: &[Member::Subnets, Member::RouteTables],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    let mut findings = Vec::new();
    for subnet in &a.subnets {
        let Some((table, association)) = a.network.effective_route_table(subnet) else { continue };
        let routes = routing::internet_gateway_routes(a.network, table);
        let Some(first) = routes.first() else { continue };
        let how = match association {
            Association::Explicit => "its route table",
            Association::Main => "the VPC's main route table (it has no explicit association)",
        };
        findings.push(
            RULE.finding(
                Some(&subnet.subnet_id),
                format!("a public subnet: {how} {} routes {} to {}", table.route_table_id, first.destination, first.target.id()),
            )
            .remediation(
                Remedy::say(format!("Give {} a route table without an internet gateway route:", subnet.subnet_id))
                    .then_all(fixes::make_private(a, subnet, a.routing == Routing::Public)),
            )
            .evidence(json!({"subnet_id": subnet.subnet_id, "route_table_id": table.route_table_id, "association": association, "internet_gateway_routes": routes})),
        );
    }
    Ok(findings)
}
