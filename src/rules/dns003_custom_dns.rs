use serde_json::json;

use super::{docs, Check, CheckResult, Rule, Severity, Skip};
use crate::analysis::Analysis;
use crate::model::Member;
use crate::remedy::{Action, Ref, Remedy};

pub static RULE: Rule = Rule {
    code: "DNS003",
    name: "custom-dns",
    severity: Severity::Warning,
    summary: "The VPC's DHCP options keep AmazonProvidedDNS among the name servers",
    source: docs::VPC_DNS,
    doc: include_str!("../../rules/DNS003.md"),
    needs: &[Member::Vpcs, Member::DhcpOptions],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    let vpc_id = a.vpc_id.as_deref().ok_or_else(|| Skip("the environment's VPC is unknown".to_string()))?;
    let vpc = a.network.vpc(vpc_id).ok_or_else(|| Skip(format!("{vpc_id} is not in Vpcs")))?;
    let Some(options_id) = vpc.dhcp_options_id.as_deref().filter(|id| *id != "default") else { return Ok(Vec::new()) };
    let options = a
        .network
        .snapshot
        .dhcp_options
        .iter()
        .flatten()
        .find(|o| o.dhcp_options_id == options_id)
        .ok_or_else(|| Skip(format!("DHCP options {options_id} not captured")))?;
    let servers: Vec<&str> = options
        .dhcp_configurations
        .iter()
        .filter(|c| c.key == "domain-name-servers")
        .flat_map(|c| c.values.iter().map(|v| v.value.as_str()))
        .collect();
    if servers.is_empty() || servers.contains(&"AmazonProvidedDNS") {
        return Ok(Vec::new());
    }
    Ok(vec![RULE
        .finding(
            Some(vpc_id),
            format!("DHCP options {options_id} name servers {} without AmazonProvidedDNS: endpoint private DNS names may resolve to public addresses", servers.join(", ")),
        )
        .remediation(
            Remedy::say(
                "Make the custom resolvers forward amazonaws.com to the VPC resolver (Route 53 Resolver), or give the VPC DHCP options \
                 with AmazonProvidedDNS:",
            )
            .then(Action::UseAmazonProvidedDns { vpc: Ref::id(vpc_id) }),
        )
        .evidence(json!({"vpc_id": vpc_id, "dhcp_options_id": options_id, "domain_name_servers": servers}))])
}
