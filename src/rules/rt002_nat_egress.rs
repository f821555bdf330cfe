use serde_json::json;

use super::{docs, Check, CheckResult, Rule, Severity};
use crate::analysis::routing::{self, RouteTarget};
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
    if a.routing != Routing::Public {
        return Ok(Vec::new());
    }
    let mut findings = Vec::new();
    for egress in &a.egress {
        let Some(RouteTarget::NatGateway(nat_id)) = egress.default_route.as_ref().map(|r| &r.target) else {
            if egress.egress == Egress::None {
                let table = egress.route_table_id.as_deref().unwrap_or("(none)");
                findings.push(
                    RULE.finding(
                        egress.route_table_id.as_deref(),
                        format!("{} (route table {table}) has no 0.0.0.0/0 route to a NAT device", egress.subnet_id),
                    )
                    .remediation(format!(
                        "aws ec2 create-route --route-table-id {table} --destination-cidr-block 0.0.0.0/0 --nat-gateway-id NAT_GATEWAY_ID"
                    ))
                    .evidence(json!({"subnet": egress})),
                );
            }
            continue;
        };
        let mut problems = Vec::new();
        match a.network.nat_gateway(nat_id) {
            None => problems.push(format!("{nat_id} does not exist")),
            Some(nat) => {
                let state = nat.state.as_deref().unwrap_or("unknown");
                if !state.eq_ignore_ascii_case("available") {
                    problems.push(format!("its state is {state}"));
                }
                if nat.connectivity_type.as_deref().is_some_and(|c| c.eq_ignore_ascii_case("private")) {
                    problems.push("it is a private NAT gateway (no internet access)".to_string());
                }
                if !nat.nat_gateway_addresses.iter().any(|addr| addr.allocation_id.is_some() || addr.public_ip.is_some()) {
                    problems.push("it has no Elastic IP".to_string());
                }
                match a.network.subnet(&nat.subnet_id) {
                    None => problems.push(format!("its subnet {} is not in the snapshot", nat.subnet_id)),
                    Some(nat_subnet) => {
                        let default = a.network.effective_route_table(nat_subnet).and_then(|(t, _)| routing::default_route(a.network, t));
                        let igw_ok = match default.as_ref().map(|r| (&r.target, r.blackhole)) {
                            Some((RouteTarget::InternetGateway(igw), false)) => {
                                a.network.internet_gateway_attached(igw, &nat_subnet.vpc_id).unwrap_or(false)
                            }
                            _ => false,
                        };
                        if !igw_ok {
                            let route = default.map_or("no 0.0.0.0/0 route".to_string(), |r| r.to_string());
                            problems.push(format!(
                                "its subnet {} has no 0.0.0.0/0 route to an internet gateway attached to the VPC ({route})",
                                nat.subnet_id
                            ));
                        }
                    }
                }
            }
        }
        if !problems.is_empty() {
            findings.push(
                RULE.finding(Some(nat_id), format!("{} egresses through {nat_id}, but {}", egress.subnet_id, problems.join("; ")))
                    .remediation(
                        "Use a public NAT gateway in state available with an Elastic IP, placed in a public subnet whose route table \
                         sends 0.0.0.0/0 to the VPC's internet gateway:\naws ec2 create-nat-gateway --subnet-id PUBLIC_SUBNET_ID --allocation-id EIP_ALLOCATION_ID",
                    )
                    .evidence(json!({"subnet_id": egress.subnet_id, "nat_gateway_id": nat_id, "problems": problems})),
            );
        }
    }
    Ok(findings)
}
