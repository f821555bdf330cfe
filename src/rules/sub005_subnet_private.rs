use serde_json::json;

use super::{docs, Check, CheckResult, Rule, Severity};
use crate::analysis::{routing, Analysis};
use crate::model::{Association, Member};

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
            .remediation(format!(
                "Give {} a route table whose 0.0.0.0/0 goes to a NAT gateway (public routing) or none (private routing):\n\
                 aws ec2 {} --subnet-id {} --route-table-id PRIVATE_ROUTE_TABLE_ID",
                subnet.subnet_id,
                if association == Association::Main { "associate-route-table" } else { "replace-route-table-association --association-id ASSOCIATION_ID" },
                subnet.subnet_id
            ))
            .evidence(json!({"subnet_id": subnet.subnet_id, "route_table_id": table.route_table_id, "association": association, "internet_gateway_routes": routes})),
        );
    }
    Ok(findings)
}
