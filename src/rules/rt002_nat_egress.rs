use serde_json::json;

use super::shared::known_routing;
use super::{docs, fixes, Check, CheckResult, Finding, Rule, Severity, Skip};
use crate::analysis::routing::RouteTarget;
use crate::analysis::{Analysis, Egress, Routing};
use crate::model::{Member, NetworkInterface};
use crate::remedy::{Action, Ref, Remedy};

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
        let nat = match egress.default_route.as_ref().map(|r| &r.target) {
            Some(RouteTarget::NatGateway(id)) => Nat::Gateway(id),
            Some(RouteTarget::NatInstance(id)) => Nat::Instance(a.network.nat_instance_name(id)),
            _ => Nat::None,
        };
        let (Nat::Gateway(nat_id) | Nat::Instance(nat_id)) = nat else {
            if egress.egress == Egress::None {
                let table_id = egress.route_table_id.as_deref().unwrap_or("(none)");
                findings.push(
                    RULE.finding(
                        egress.route_table_id.as_deref(),
                        format!("{} (route table {table_id}) has no 0.0.0.0/0 route to a NAT device", egress.subnet_id),
                    )
                    .remediation(match table {
                        Some(table) => fixes::default_route_to_nat(a, table),
                        None => {
                            Remedy::say(format!("{} has no route table: the VPC's main table is not in the snapshot.", egress.subnet_id))
                        }
                    })
                    .evidence(json!({"subnet": egress})),
                );
            }
            continue;
        };
        let (problems, nat_subnet) = match nat {
            Nat::Gateway(_) => match a.network.nat_gateway(nat_id) {
                None => (vec![format!("{nat_id} does not exist")], None),
                Some(gateway) => (fixes::nat_problems(a, gateway), a.network.nat_subnet(gateway)),
            },
            _ => match a.network.nat_interface(nat_id) {
                None if !a.network.has(Member::NetworkInterfaces) => {
                    return Err(Skip(format!(
                        "{} egresses through the instance or interface {nat_id}: {}",
                        egress.subnet_id,
                        a.network.why_absent(Member::NetworkInterfaces)
                    )))
                }
                None => (vec![format!("{nat_id} does not exist")], None),
                Some(interface) => {
                    let problems = fixes::nat_instance_problems(a, interface);
                    if problems.is_empty() {
                        findings.extend(public_address_warning(nat_id, interface));
                    }
                    (problems, a.network.interface_subnet(interface))
                }
            },
        };
        // Only the NAT's own subnet lacks internet access: repair that route, keep the NAT; only a NAT
        // instance's source/destination check is in the way: turn it off.
        let only = |start: &str| problems.len() == 1 && problems[0].starts_with(start);
        // An env subnet is never made public (SUB005): a NAT there is replaced by one that works.
        let repairable = nat_subnet.filter(|s| only("its subnet") && !a.settings.subnet_ids.contains(&s.subnet_id));
        let fix = match repairable {
            Some(subnet) => Some(fixes::route_to_internet(a, subnet)),
            None if matches!(nat, Nat::Instance(_)) && only("its source/destination check") => Some(
                Remedy::say("Turn the NAT instance's source/destination check off:")
                    .then(Action::DisableSourceDestCheck { instance: Ref::id(nat_id) }),
            ),
            None => None,
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

/// The NAT device a subnet's default route names.
enum Nat<'r> {
    Gateway(&'r str),
    /// A NAT instance, by its instance or network interface ID.
    Instance(&'r str),
    None,
}

/// A NAT instance whose public address AWS assigned at launch works, until the instance stops: the
/// address changes and anything allowing it by IP breaks.
fn public_address_warning(nat_id: &str, interface: &NetworkInterface) -> Option<Finding> {
    let association = interface.association.as_ref().filter(|a| a.allocation_id.is_none())?;
    let address = association.public_ip.as_deref().map_or_else(|| "a public address".to_string(), |ip| format!("public address {ip}"));
    Some(
        RULE.finding(
            Some(nat_id),
            format!("NAT instance {nat_id} has {address} assigned at launch, not an Elastic IP: it changes when the instance stops"),
        )
        .severity(Severity::Warning)
        .remediation(Remedy::say("Give the NAT instance an Elastic IP:").then(Action::AssociateElasticIp { instance: Ref::id(nat_id) }))
        .evidence(json!({"network_interface": interface})),
    )
}
