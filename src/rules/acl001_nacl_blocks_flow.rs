use super::shared::{blocked_by, flow_count, flow_report};
use super::{docs, Check, CheckResult, Rule, Severity};
use crate::analysis::flows::{Hop, Leg, Step};
use crate::analysis::Analysis;
use crate::model::Member;

pub static RULE: Rule = Rule {
    code: "ACL001",
    name: "nacl-blocks-flow",
    severity: Severity::Error,
    summary: "No network ACL denies a required flow or its return traffic",
    source: docs::VPC_SECURITY,
    doc: include_str!("../../rules/ACL001.md"),
    needs: &[Member::Subnets, Member::NetworkAcls],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    let groups = blocked_by(&a.flows, |_, hop| hop.is_nacl(), |_, hop| Some(hop.resource.clone()));
    Ok(groups
        .into_iter()
        .map(|(acl, items)| {
            let (evidence, trace) = flow_report(&items);
            let (_, first) = items[0];
            RULE.finding(Some(&acl), format!("the network ACL blocks {}", flow_count(&items)))
                .remediation(entry_command(a, &acl, first))
                .evidence(evidence)
                .trace(trace)
        })
        .collect())
}

/// The `create-network-acl-entry` that lets the first blocked hop through, numbered before its deciding rule.
fn entry_command(a: &Analysis<'_>, acl: &str, hop: &Hop) -> String {
    let used: Vec<u32> = a
        .network
        .snapshot
        .network_acls
        .iter()
        .flatten()
        .filter(|n| n.network_acl_id == acl)
        .flat_map(|n| n.entries.iter().filter(|e| e.egress == (hop.step == Step::NaclEgress)).map(|e| e.rule_number))
        .collect();
    let number = match hop.deciding_rule.filter(|r| *r < 32767) {
        Some(deny) => (1..deny).rev().find(|n| !used.contains(n)),
        None => {
            let highest = used.iter().copied().filter(|n| *n < 32767).max().unwrap_or(0);
            Some((highest / 10 + 1) * 10).filter(|n| *n < 32767)
        }
    };
    let peer = hop.peer.as_deref().filter(|p| !p.contains(',') && !p.contains('-')).unwrap_or("0.0.0.0/0");
    let (from, to) = match hop.leg {
        Leg::Return => (1024, 65535),
        Leg::Request => {
            let port: u16 = hop.ports.as_deref().and_then(|p| p.parse().ok()).unwrap_or(443);
            (port, port)
        }
    };
    format!(
        "Allow the traffic before the deciding rule ({}):\naws ec2 create-network-acl-entry --network-acl-id {acl} {} --rule-number {} \
         --protocol tcp --port-range From={from},To={to} --cidr-block {peer} --rule-action allow",
        hop.rule,
        if hop.step == Step::NaclEgress { "--egress" } else { "--ingress" },
        number.map_or("FREE_RULE_NUMBER".to_string(), |n| n.to_string()),
    )
}
