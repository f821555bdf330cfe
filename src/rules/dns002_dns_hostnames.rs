use serde_json::json;

use super::shared::{known_routing, vpc_attributes};
use super::{docs, Check, CheckResult, Rule, Severity, Skip};
use crate::analysis::{Analysis, Routing};
use crate::model::Member;
use crate::remedy::{Action, Ref, VpcAttribute};

pub static RULE: Rule = Rule {
    code: "DNS002",
    name: "dns-hostnames",
    severity: Severity::Error,
    summary: "enableDnsHostnames is on whenever an endpoint the environment needs relies on private DNS",
    source: docs::VPC_DNS,
    doc: include_str!("../../rules/DNS002.md"),
    needs: &[Member::VpcAttributes, Member::VpcEndpoints],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    known_routing(a)?;
    let (vpc, attributes) = vpc_attributes(a)?;
    let Some(hostnames) = attributes.enable_dns_hostnames else { return Err(Skip(format!("EnableDnsHostnames of {vpc} not captured"))) };
    let private_dns: Vec<&str> = a
        .used_endpoints
        .iter()
        .filter(|u| u.is_interface() && u.endpoint.private_dns_enabled)
        .map(|u| u.endpoint.vpc_endpoint_id.as_str())
        .collect();
    if hostnames.value || (a.routing != Routing::Private && private_dns.is_empty()) {
        return Ok(Vec::new());
    }
    let why = if private_dns.is_empty() {
        "private routing relies on endpoint private DNS".to_string()
    } else {
        format!("the private DNS names of {} endpoint(s) do not resolve without it", private_dns.len())
    };
    Ok(vec![RULE
        .finding(Some(vpc), format!("enableDnsHostnames is false, and {why}"))
        .remediation(Action::SetVpcAttribute { vpc: Ref::id(vpc), attribute: VpcAttribute::DnsHostnames })
        .evidence(json!({"vpc_id": vpc, "enable_dns_hostnames": false, "private_dns_endpoints": private_dns, "routing": a.routing}))])
}
