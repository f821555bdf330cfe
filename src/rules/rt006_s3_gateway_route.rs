use serde_json::json;

use super::shared::known_routing;
use super::{docs, Check, CheckResult, Rule, Severity};
use crate::analysis::{routing, Analysis, Routing};
use crate::model::Member;
use crate::remedy::{Action, Ref};

pub static RULE: Rule = Rule {
    code: "RT006",
    name: "s3-gateway-route",
    severity: Severity::Error,
    summary: "Private routing: every env route table has the S3 gateway endpoint's prefix-list route",
    source: docs::CREATE_ENDPOINTS,
    doc: include_str!("../../rules/RT006.md"),
    needs: &[Member::Subnets, Member::RouteTables, Member::VpcEndpoints],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    known_routing(a)?;
    if a.routing != Routing::Private {
        return Ok(Vec::new());
    }
    let s3 = format!("com.amazonaws.{}.s3", a.settings.region);
    let endpoints: Vec<_> = a.vpc_endpoints().filter(|e| e.service_name == s3).collect();
    let gateways: Vec<_> = endpoints.iter().filter(|e| e.vpc_endpoint_type.eq_ignore_ascii_case("Gateway")).collect();
    // No S3 endpoint at all is VPCE001's finding; an interface endpoint serves S3 without routes.
    if gateways.is_empty() || endpoints.iter().any(|e| e.vpc_endpoint_type.eq_ignore_ascii_case("Interface")) {
        return Ok(Vec::new());
    }
    let gateway = gateways[0];
    Ok(a.env_route_tables()
        .into_iter()
        .filter(|table| !gateways.iter().any(|g| routing::prefix_list_route_to(a.network, table, &g.vpc_endpoint_id).is_some()))
        .map(|table| {
            let users: Vec<&str> = a
                .egress
                .iter()
                .filter(|e| e.route_table_id.as_deref() == Some(&table.route_table_id))
                .map(|e| e.subnet_id.as_str())
                .collect();
            RULE.finding(
                Some(&table.route_table_id),
                format!(
                    "no route to the S3 gateway endpoint {}: S3 is unreachable from {}",
                    gateway.vpc_endpoint_id,
                    users.join(", ")
                ),
            )
            .remediation(Action::AddEndpointRouteTables {
                endpoint: Ref::id(&gateway.vpc_endpoint_id),
                route_tables: vec![Ref::id(&table.route_table_id)],
            })
            .evidence(json!({"route_table_id": table.route_table_id, "subnets": users, "gateway_endpoint_ids": gateways.iter().map(|g| &g.vpc_endpoint_id).collect::<Vec<_>>()}))
        })
        .collect())
}
