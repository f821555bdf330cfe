use serde_json::json;

use super::shared::{first_known_group, self_reference};
use super::{docs, Check, CheckResult, Rule, Severity, TraceLine};
use crate::analysis::Analysis;
use crate::model::Member;
use crate::remedy::Remedy;

pub static RULE: Rule = Rule {
    code: "SG006",
    name: "sg-cidr-self-access",
    severity: Severity::Info,
    summary: "Traffic between the env ENIs is admitted by a self-reference, not only by CIDR or prefix-list rules",
    source: docs::VPC_SECURITY,
    doc: include_str!("../../rules/SG006.md"),
    needs: &[Member::SecurityGroups],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    let first = first_known_group(a)?;
    let access = &a.self_access;
    // SG003's finding when a port is not admitted at all; this rule speaks of layouts that work.
    if access.iter().any(|s| !s.admitted()) {
        return Ok(Vec::new());
    }
    let by_address_only: Vec<_> = access.iter().filter(|s| !s.by_reference).collect();
    if by_address_only.is_empty() {
        return Ok(Vec::new());
    }
    let ports: Vec<String> = by_address_only.iter().map(|s| format!("TCP {}", s.port)).collect();
    let mut rules: Vec<String> = by_address_only.iter().flat_map(|s| s.by_address.matched.clone()).collect();
    rules.dedup();
    let admitted = by_address_only.iter().fold(crate::analysis::addr::AddrSet::empty(), |all, s| all.union(&s.by_address.admitted_addrs));
    let env = a.env_subnet_addrs();
    let wider = admitted.subtract(&env);
    let trace = rules
        .iter()
        .map(|rule| TraceLine { text: format!("admitted by {rule}"), detail: false })
        .chain(std::iter::once(TraceLine {
            text: format!("they admit every ENI in {admitted}, not only the environment's (env subnets: {env})"),
            detail: false,
        }))
        .collect();
    Ok(vec![RULE
        .finding(
            Some(first),
            format!(
                "{} between the env ENIs {} admitted only by address rules, not a self-reference",
                ports.join(" and "),
                if ports.len() == 1 { "is" } else { "are" }
            ),
        )
        .trace(trace)
        .remediation(
            Remedy::say(
                "It works. To admit only the environment, add the self-referencing rule AWS documents, then remove the address rules:",
            )
            .then(self_reference(first)),
        )
        .evidence(json!({
            "ports": by_address_only.iter().map(|s| s.port).collect::<Vec<_>>(),
            "rules": rules,
            "admitted": admitted.to_string(),
            "env_subnet_addresses": env.to_string(),
            "beyond_the_environment": (!wider.is_empty()).then(|| wider.to_string()),
        }))])
}
