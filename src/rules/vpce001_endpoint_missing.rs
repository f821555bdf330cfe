use serde_json::json;

use super::shared::{create_interface_endpoint, known_routing};
use super::{docs, Check, CheckResult, Rule, Severity};
use crate::analysis::{Analysis, Need, Routing};
use crate::model::Member;
use crate::remedy::{Action, EndpointKind, EndpointService, Ref};

pub static RULE: Rule = Rule {
    code: "VPCE001",
    name: "endpoint-missing",
    severity: Severity::Error,
    summary: "Private routing: every needed AWS service has a VPC endpoint (error, warning or info by service)",
    source: docs::CREATE_ENDPOINTS,
    doc: include_str!("../../rules/VPCE001.md"),
    needs: &[Member::VpcEndpoints],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    known_routing(a)?;
    if a.routing != Routing::Private {
        return Ok(Vec::new());
    }
    Ok(a.missing_services()
        .into_iter()
        .map(|service| {
            let severity = match service.need {
                Need::Required => Severity::Error,
                Need::Recommended => Severity::Warning,
                Need::Optional => Severity::Info,
            };
            let create = if service.short == "s3" {
                Action::CreateEndpoint {
                    vpc: Ref::id(a.vpc_id.as_deref().unwrap_or("VPC_ID")),
                    service: EndpointService::Named(service.name.clone()),
                    kind: EndpointKind::Gateway,
                    subnets: Vec::new(),
                    security_groups: Vec::new(),
                    route_tables: a.env_route_tables().iter().map(|t| Ref::id(&t.route_table_id)).collect(),
                    private_dns: false,
                }
            } else {
                create_interface_endpoint(a, EndpointService::Named(service.name.clone()), true)
            };
            let consequence = match service.need {
                Need::Required => "with private routing the environment cannot reach the service",
                Need::Recommended => "with private routing, image pulls, the CLI or metrics cannot reach the service",
                Need::Optional => "AWS lists it as optional for private routing",
            };
            RULE.finding(Some(&service.name), format!("no VPC endpoint in {}: {consequence}", a.vpc_id.as_deref().unwrap_or("the VPC")))
                .severity(severity)
                .remediation(create)
                .evidence(json!({"service_name": service.name, "need": service.need, "vpc_id": a.vpc_id}))
        })
        .collect())
}
