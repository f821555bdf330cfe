use serde_json::json;

use super::shared::known_routing;
use super::{docs, Check, CheckResult, Rule, Severity};
use crate::analysis::{Analysis, Routing};
use crate::model::{Member, Subnet, VpcEndpointService};
use crate::remedy::{Action, Remedy};

pub static RULE: Rule = Rule {
    code: "VPCE009",
    name: "endpoint-service-az",
    severity: Severity::Error,
    summary: "Every endpoint service the environment needs offers the Availability Zone of each env subnet",
    source: docs::CREATE_ENDPOINTS,
    doc: include_str!("../../rules/VPCE009.md"),
    needs: &[Member::Subnets, Member::VpcEndpointServices],
    check: Check::Network(check),
};

/// The endpoint services whose interface endpoints need an ENI in each env subnet's AZ: in private routing
/// the AWS services (S3 only when reached through an interface endpoint; a gateway has no ENI), in any
/// routing the interface endpoints private DNS captures, and the environment's own CUSTOMER endpoints.
fn needed(a: &Analysis<'_>) -> Vec<String> {
    let s3_by_gateway = a.used_endpoints_for("s3").any(|u| !u.is_interface());
    let mut names: Vec<String> = Vec::new();
    if a.routing == Routing::Private {
        names.extend(a.services.iter().filter(|s| !(s.short == "s3" && s3_by_gateway)).map(|s| s.name.clone()));
    }
    names.extend(a.used_endpoints.iter().filter(|u| u.is_interface()).map(|u| u.service.name.clone()));
    names.extend(a.customer_endpoints.iter().filter_map(|c| c.service_name.clone()));
    names.sort();
    names.dedup();
    names
}

/// Whether the service offers the subnet's AZ: by AZ ID where AWS gives the IDs, else by the AZ name
/// (DescribeVpcEndpointServices answers in the caller's own names, as DescribeSubnets does).
fn offers(service: &VpcEndpointService, subnet: &Subnet) -> Option<bool> {
    match (&subnet.availability_zone_id, &subnet.availability_zone) {
        (Some(id), _) if !service.availability_zone_ids.is_empty() => Some(service.availability_zone_ids.contains(id)),
        (_, Some(name)) => Some(service.availability_zones.contains(name)),
        _ => None,
    }
}

fn check(a: &Analysis<'_>) -> CheckResult {
    known_routing(a)?;
    let captured = a.network.snapshot.vpc_endpoint_services.iter().flatten();
    let services: Vec<&VpcEndpointService> = captured.collect();
    let mut findings = Vec::new();
    for name in needed(a) {
        // A service the region does not offer at all is VPCE001's (no endpoint can be created).
        let Some(service) = services.iter().find(|s| s.service_name == name) else { continue };
        let lacking: Vec<&Subnet> = a.subnets.iter().copied().filter(|s| offers(service, s) == Some(false)).collect();
        if lacking.is_empty() {
            continue;
        }
        let zones: Vec<String> = lacking.iter().map(|s| format!("{} ({})", Analysis::zone_of(s).unwrap_or("?"), s.subnet_id)).collect();
        let offered = if service.availability_zone_ids.is_empty() { &service.availability_zones } else { &service.availability_zone_ids };
        findings.push(
            RULE.finding(Some(&name), format!("the endpoint service does not offer {}: no endpoint ENI can exist there", zones.join(", ")))
                .remediation(
                    Remedy::say(format!("Use env subnets in Availability Zones the service offers ({}); list them:", offered.join(", "))).then(
                        Action::Inspect {
                            command: format!(
                                "aws ec2 describe-vpc-endpoint-services --service-names {name} \
                                 --query 'ServiceDetails[].[AvailabilityZones,AvailabilityZoneIds]'"
                            ),
                        },
                    ),
                )
                .evidence(json!({
                    "service_name": name,
                    "offered": offered,
                    "subnets": lacking.iter().map(|s| json!({"subnet_id": s.subnet_id, "availability_zone": s.availability_zone, "availability_zone_id": s.availability_zone_id})).collect::<Vec<_>>(),
                })),
        );
    }
    Ok(findings)
}
