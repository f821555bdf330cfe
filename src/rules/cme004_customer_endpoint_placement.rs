use serde_json::json;

use super::shared::placement_problems;
use super::{docs, Check, CheckResult, Rule, Severity};
use crate::analysis::Analysis;
use crate::model::Member;
use crate::remedy::{Action, Direction, Peer, Permission, Protocol, Ref, Remedy};
use crate::target::EndpointManagement;

pub static RULE: Rule = Rule {
    code: "CME004",
    name: "customer-endpoint-placement",
    severity: Severity::Error,
    summary: "Customer database/web server endpoints are available, in the env subnets, and admit the env security groups",
    source: docs::ENDPOINT_MANAGEMENT,
    doc: include_str!("../../rules/CME004.md"),
    needs: &[Member::VpcEndpoints, Member::SecurityGroups],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    if a.settings.endpoint_management != EndpointManagement::Customer {
        return Ok(Vec::new());
    }
    let mut findings = Vec::new();
    for wanted in &a.customer_endpoints {
        for endpoint in &wanted.endpoints {
            let problems = placement_problems(a, wanted, endpoint);
            if problems.is_empty() {
                continue;
            }
            let env_group = a.settings.security_group_ids.first().map_or("ENV_SG_ID", String::as_str);
            let endpoint_group = endpoint.groups.first().map_or("ENDPOINT_SG_ID", |g| g.group_id.as_str());
            findings.push(
                RULE.finding(Some(&endpoint.vpc_endpoint_id), format!("{} endpoint {}: {}", wanted.what, endpoint.vpc_endpoint_id, problems.join("; ")))
                    .remediation(
                        Remedy::say(format!(
                            "Recreate it in exactly the environment's subnets ({}) with security groups that admit the environment on TCP {}:",
                            a.settings.subnet_ids.join(" "),
                            wanted.port,
                        ))
                        .then(Action::AllowTraffic {
                            group: Ref::id(endpoint_group),
                            direction: Direction::Ingress,
                            permissions: vec![Permission {
                                protocol: Protocol::Tcp { from: wanted.port, to: wanted.port },
                                peers: vec![Peer::Group { group: Ref::id(env_group), account: None }],
                            }],
                        }),
                    )
                    .evidence(json!({"endpoint": endpoint.vpc_endpoint_id, "service_name": endpoint.service_name, "kind": wanted.what, "problems": problems})),
            );
        }
    }
    Ok(findings)
}
