use serde_json::json;

use super::shared::known_routing;
use super::{docs, Check, CheckResult, Rule, Severity};
use crate::analysis::{Analysis, Routing};
use crate::model::Member;
use crate::remedy::{Action, Ref};

pub static RULE: Rule = Rule {
    code: "VPCE003",
    name: "endpoint-private-dns",
    severity: Severity::Error,
    summary: "Private routing: interface endpoints for needed services have private DNS enabled",
    source: docs::CREATE_ENDPOINTS,
    doc: include_str!("../../rules/VPCE003.md"),
    needs: &[Member::VpcEndpoints],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    known_routing(a)?;
    if a.routing != Routing::Private {
        return Ok(Vec::new());
    }
    Ok(a.used_endpoints
        .iter()
        .filter(|u| u.is_interface() && !u.endpoint.private_dns_enabled)
        .map(|u| {
            let e = u.endpoint;
            RULE.finding(
                Some(&e.vpc_endpoint_id),
                format!(
                    "the {} endpoint has private DNS disabled: the environment resolves the public name and cannot reach it",
                    e.service_name
                ),
            )
            .remediation(Action::EnableEndpointPrivateDns { endpoint: Ref::id(&e.vpc_endpoint_id) })
            .evidence(json!({"endpoint": e.vpc_endpoint_id, "service_name": e.service_name, "private_dns_enabled": false}))
        })
        .collect())
}
