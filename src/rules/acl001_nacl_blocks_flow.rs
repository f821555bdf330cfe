use super::shared::{blocked_by, flow_count, flow_report, judged};
use super::{docs, Check, CheckResult, Rule, Severity};
use ipnet::Ipv4Net;

use crate::analysis::addr::{AddrSet, Ports};
use crate::analysis::flows::{Flow, Hop, Step};
use crate::analysis::Analysis;
use crate::model::Member;
use crate::remedy::{Action, Part, Ref, Remedy};

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
    let findings = groups
        .into_iter()
        .map(|(acl, items)| {
            let (evidence, trace) = flow_report(&items);
            RULE.finding(Some(&acl), format!("the network ACL blocks {}", flow_count(&items)))
                .remediation(remediation(a, &acl, &items))
                .evidence(evidence)
                .trace(trace)
        })
        .collect();
    judged(a, &[Step::NaclEgress, Step::NaclIngress], findings)
}

/// An allow entry to add: direction, peer, TCP ports, and the deny it must come before (None: the `*`).
#[derive(Debug, Clone, Copy)]
struct Entry {
    egress: bool,
    peer: Ipv4Net,
    ports: Ports,
    before: Option<u32>,
}

/// The fewest entries that let every blocked hop of this NACL through, forward and return legs, each
/// numbered below the deny that decides it: an entry whose peer and ports cover another's takes its place.
fn needed_entries(items: &[(&Flow, &Hop)], acl: &str) -> Vec<Entry> {
    let mut hops: Vec<&Hop> = Vec::new();
    for (flow, _) in items {
        // Every blocked hop of the flow at this NACL: opening the first one alone would leave the rest.
        hops.extend(flow.hops.iter().filter(|h| h.is_nacl() && !h.allowed && h.resource == acl));
    }
    let mut entries: Vec<Entry> = hops
        .iter()
        .filter_map(|hop| {
            let opening = hop.opening.as_ref()?;
            // A peer that is no single CIDR (the internet, S3's ranges, which change) is opened as 0.0.0.0/0.
            let peer = opening.peer.addrs.as_cidr().unwrap_or_default();
            Some(Entry {
                egress: hop.step == Step::NaclEgress,
                peer,
                ports: opening.ports,
                before: hop.deciding_rule.filter(|r| *r < 32767),
            })
        })
        .collect();
    // Widest first, so that covering entries absorb the ones they cover.
    entries.sort_by_key(|e| (e.peer.prefix_len(), std::cmp::Reverse(u32::from(e.ports.to) - u32::from(e.ports.from))));
    let mut kept: Vec<Entry> = Vec::new();
    for entry in entries {
        match kept.iter_mut().find(|k| k.egress == entry.egress && k.peer.contains(&entry.peer) && k.ports.contains(entry.ports)) {
            Some(cover) => cover.before = min_rule(cover.before, entry.before),
            None => kept.push(entry),
        }
    }
    // Neighbours that together are one CIDR (two env subnets of a /23) become one entry.
    let mut merged: Vec<Entry> = Vec::new();
    for entry in kept {
        let join = |m: &Entry| {
            let union = AddrSet::from_nets([&m.peer, &entry.peer]);
            (m.egress == entry.egress && m.ports == entry.ports).then(|| union.as_cidr()).flatten()
        };
        match merged.iter_mut().find_map(|m| join(m).map(|cidr| (m, cidr))) {
            Some((m, cidr)) => {
                m.peer = cidr;
                m.before = min_rule(m.before, entry.before);
            }
            None => merged.push(entry),
        }
    }
    merged
}

fn min_rule(a: Option<u32>, b: Option<u32>) -> Option<u32> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The allow entries, with free rule numbers: the highest free number below the deciding deny, or after
/// the highest entry when only the `*` denies.
fn remediation(a: &Analysis<'_>, acl: &str, items: &[(&Flow, &Hop)]) -> Remedy {
    let entries = needed_entries(items, acl);
    let mut taken: Vec<(bool, u32)> = a
        .network
        .snapshot
        .network_acls
        .iter()
        .flatten()
        .filter(|n| n.network_acl_id == acl)
        .flat_map(|n| n.entries.iter().map(|e| (e.egress, e.rule_number)))
        .collect();
    let mut parts = Vec::new();
    for entry in &entries {
        let used: Vec<u32> = taken.iter().filter(|(egress, _)| *egress == entry.egress).map(|(_, n)| *n).collect();
        let number = match entry.before {
            Some(deny) => (1..deny).rev().find(|n| !used.contains(n)),
            None => {
                let highest = used.iter().copied().filter(|n| *n < 32767).max().unwrap_or(0);
                Some((highest / 10 + 1) * 10).filter(|n| *n < 32767)
            }
        };
        let Some(number) = number else {
            parts.push(Part::Say(format!(
                "No rule number is free below {} in the {} list: renumber the entries before it, then add an allow for TCP {} {} {}.",
                entry.before.unwrap_or_default(),
                if entry.egress { "outbound" } else { "inbound" },
                entry.ports,
                if entry.egress { "to" } else { "from" },
                entry.peer
            )));
            continue;
        };
        taken.push((entry.egress, number));
        parts.push(Part::Do(Action::AddNetworkAclEntry {
            acl: Ref::id(acl),
            egress: entry.egress,
            rule_number: number,
            cidr: entry.peer.to_string(),
            from: entry.ports.from,
            to: entry.ports.to,
        }));
    }
    let mut remedy = Remedy::say(format!(
        "Allow every blocked flow and its return traffic before the deciding rules ({} entr{}):",
        parts.len(),
        if parts.len() == 1 { "y" } else { "ies" },
    ));
    remedy.parts.extend(parts);
    remedy
}
