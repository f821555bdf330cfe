use serde_json::json;

use super::shared::known_routing;
use super::{docs, Check, CheckResult, Rule, Severity};
use crate::analysis::routing::RouteTarget;
use crate::analysis::{Analysis, Routing};
use crate::model::Member;
use crate::remedy::{Action, Ref, Remedy};

pub static RULE: Rule = Rule {
    code: "RT003",
    name: "nat-per-az",
    severity: Severity::Warning,
    summary: "Public routing: the subnets egress through NAT gateways in two different AZs",
    source: docs::NETWORKING,
    doc: include_str!("../../rules/RT003.md"),
    needs: &[Member::Subnets, Member::RouteTables, Member::NatGateways],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    known_routing(a)?;
    if a.routing != Routing::Public || a.egress.len() < 2 {
        return Ok(Vec::new());
    }
    let mut nats = Vec::new();
    for egress in &a.egress {
        let (id, zone, regional): (&str, _, _) = match egress.default_route.as_ref().map(|r| &r.target) {
            Some(RouteTarget::NatGateway(id)) => {
                // A regional NAT gateway is a NAT device in every AZ of its VPC: in this subnet's own.
                let nat = a.network.nat_gateway(id);
                let regional = nat.is_some_and(|n| n.is_regional());
                let zone = match nat {
                    Some(_) if regional => a.network.subnet(&egress.subnet_id).and_then(Analysis::zone_of),
                    nat => nat.and_then(|n| a.network.nat_subnet(n)).and_then(Analysis::zone_of),
                };
                (id, zone, regional)
            }
            // A NAT instance is in its interface's subnet's AZ.
            Some(RouteTarget::NatInstance(id)) => {
                let interface = a.network.nat_interface(id);
                let subnet = interface.and_then(|i| a.network.interface_subnet(i));
                let zone = subnet.and_then(Analysis::zone_of).or(interface.and_then(|i| i.availability_zone.as_deref()));
                (a.network.nat_instance_name(id), zone, false)
            }
            _ => return Ok(Vec::new()),
        };
        nats.push((egress.subnet_id.as_str(), id, zone, regional));
    }
    let (_, first_nat, first_zone, first_regional) = nats[0];
    // One zonal gateway is in one AZ whatever the snapshot says of its subnet.
    let one_az = nats
        .iter()
        .all(|(_, id, zone, regional)| (*id == first_nat && !regional && !first_regional) || (zone.is_some() && *zone == first_zone));
    if !one_az {
        return Ok(Vec::new());
    }
    let zone = first_zone.unwrap_or("one AZ");
    Ok(vec![RULE
        .finding(Some(first_nat), format!("all env subnets egress through NAT in {zone}: an outage of that AZ cuts the environment off"))
        .remediation(
            Remedy::say("Create a NAT gateway in each AZ's public subnet and point each private subnet's route table at the NAT in its own AZ.")
                .then(Action::NatGatewayPerZone { nat: Ref::id(first_nat) }),
        )
        .evidence(json!({"nat_gateways": nats.iter().map(|(s, n, z, _)| json!({"subnet_id": s, "nat_gateway_id": n, "availability_zone_id": z})).collect::<Vec<_>>()}))])
}
