use serde_json::json;

use super::shared::known_routing;
use super::{docs, fixes, Check, CheckResult, Rule, Severity};
use crate::analysis::routing::RouteTarget;
use crate::analysis::{Analysis, Egress, Routing};
use crate::model::Member;

pub static RULE: Rule = Rule {
    code: "RT002",
    name: "nat-egress",
    severity: Severity::Error,
    summary:
        "Public routing: each subnet's NAT gateway is available, public, has an Elastic IP and a route to an attached internet gateway",
    source: docs::NETWORKING,
    doc: include_str!("../../rules/RT002.md"),
    needs: &[Member::Subnets, Member::RouteTables, Member::NatGateways, Member::InternetGateways],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    known_routing(a)?;
    if a.routing != Routing::Public {
        return Ok(Vec::new());
    }
    let mut findings = Vec::new();
    for egress in &a.egress {
        let table = egress
            .route_table_id
            .as_deref()
            .and_then(|id| a.network.snapshot.route_tables.iter().flatten().find(|t| t.route_table_id == id));
        let Some(RouteTarget::NatGateway(nat_id)) = egress.default_route.as_ref().map(|r| &r.target) else {
            if egress.egress == Egress::None {
                let table_id = egress.route_table_id.as_deref().unwrap_or("(none)");
                findings.push(
                    RULE.finding(
                        egress.route_table_id.as_deref(),
                        format!("{} (route table {table_id}) has no 0.0.0.0/0 route to a NAT device", egress.subnet_id),
                    )
                    .remediation(match table {
                        Some(table) => fixes::default_route_to_nat(a, table),
                        None => format!("{} has no route table: the VPC's main table is not in the snapshot.", egress.subnet_id),
                    })
                    .evidence(json!({"subnet": egress})),
                );
            }
            continue;
        };
        let (problems, fix) = match a.network.nat_gateway(nat_id) {
            None => (vec![format!("{nat_id} does not exist")], None),
            Some(nat) => {
                let problems = fixes::nat_problems(a, nat);
                // Only the NAT's own subnet lacks internet access: repair that route, keep the NAT.
                let route_only = problems.len() == 1 && problems[0].starts_with("its subnet");
                let fix = a.network.nat_subnet(nat).filter(|_| route_only).map(|s| fixes::route_to_internet(a, s));
                (problems, fix)
            }
        };
        if problems.is_empty() {
            continue;
        }
        let fix = fix.or_else(|| table.map(|t| fixes::default_route_to_nat(a, t))).unwrap_or_default();
        findings.push(
            RULE.finding(Some(nat_id), format!("{} egresses through {nat_id}, but {}", egress.subnet_id, problems.join("; ")))
                .remediation(fix)
                .evidence(json!({"subnet_id": egress.subnet_id, "nat_gateway_id": nat_id, "problems": problems})),
        );
    }
    Ok(findings)
}
