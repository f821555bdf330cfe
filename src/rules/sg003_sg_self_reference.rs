use serde_json::json;

use super::shared::{first_known_group, self_reference};
use super::{docs, Check, CheckResult, Rule, Severity};
use crate::analysis::Analysis;
use crate::model::Member;
use crate::remedy::Remedy;

pub static RULE: Rule = Rule {
    code: "SG003",
    name: "sg-self-reference",
    severity: Severity::Error,
    summary: "The env security groups admit traffic between the env ENIs on TCP 443 and 5432 (self-reference, CIDR or prefix list)",
    source: docs::VPC_SECURITY,
    doc: include_str!("../../rules/SG003.md"),
    needs: &[Member::SecurityGroups],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    let groups = &a.settings.security_group_ids;
    let first = first_known_group(a)?;
    let access = &a.self_access;
    let missing: Vec<u16> = access.iter().filter(|s| !s.admitted()).map(|s| s.port).collect();
    if missing.is_empty() {
        return Ok(Vec::new());
    }
    let ports: Vec<String> = missing.iter().map(|p| format!("TCP {p}")).collect();
    let partial: Vec<String> = access.iter().flat_map(|s| s.by_address.matched.clone()).collect();
    Ok(vec![RULE
        .finding(Some(first), format!("no inbound rule of the env security groups admits the env ENIs on {}", ports.join(" and ")))
        .remediation(Remedy::say("Add the self-referencing rule AWS documents:").then(self_reference(first)))
        .evidence(json!({
            "security_group_ids": groups,
            "ports_not_admitted": missing,
            "env_subnet_addresses": a.env_subnet_addrs().to_string(),
            "address_rules_covering_part": partial,
        }))])
}
