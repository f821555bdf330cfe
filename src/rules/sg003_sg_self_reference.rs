use serde_json::json;

use super::shared::first_known_group;
use super::{docs, Check, CheckResult, Rule, Severity};
use crate::analysis::nacl::Direction;
use crate::analysis::sg::{self, Peer};
use crate::analysis::Analysis;
use crate::model::Member;

pub static RULE: Rule = Rule {
    code: "SG003",
    name: "sg-self-reference",
    severity: Severity::Error,
    summary: "The env security groups admit each other (self-reference) on all traffic, or TCP 443 and 5432",
    source: docs::VPC_SECURITY,
    doc: include_str!("../../rules/SG003.md"),
    needs: &[Member::SecurityGroups],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    let groups = &a.settings.security_group_ids;
    let first = first_known_group(a)?;
    // Membership only, no addresses: a CIDR rule is not a self-reference.
    let members = Peer { groups: groups.clone(), ..Peer::default() };
    let missing: Vec<u16> =
        [443, 5432].into_iter().filter(|port| !sg::evaluate(a.network, groups, Direction::Ingress, &members, *port).allowed).collect();
    if missing.is_empty() {
        return Ok(Vec::new());
    }
    let ports: Vec<String> = missing.iter().map(|p| format!("TCP {p}")).collect();
    Ok(vec![RULE
        .finding(
            Some(first),
            format!("no inbound rule of {} admits the environment's own security groups on {}", groups.join(", "), ports.join(" and ")),
        )
        .remediation(format!(
            "Add the self-referencing rule AWS documents:\naws ec2 authorize-security-group-ingress --group-id {first} \
             --ip-permissions 'IpProtocol=-1,UserIdGroupPairs=[{{GroupId={first}}}]'"
        ))
        .evidence(json!({"security_group_ids": groups, "ports_not_admitted": missing}))])
}
