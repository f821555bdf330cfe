//! Network ACLs as AWS evaluates them: one direction's entries in rule-number order, first match wins,
//! then the implicit `*` deny. The traffic under test is a range (every address of a subnet, every
//! ephemeral port), and it passes only when every part of it is allowed before any part is denied.

use serde::Serialize;

use super::addr::{AddrSet, Ports};
use crate::model::snapshot::{protocol_number, RuleAction};
use crate::model::NetworkAclEntry;

pub const TCP: u8 = 6;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Ingress,
    Egress,
}

/// Traffic crossing a NACL in one direction: `peer` is the far end (destination when leaving the subnet,
/// source when entering it) and `ports` the destination ports.
#[derive(Debug, Clone)]
pub struct Packet {
    pub direction: Direction,
    pub protocol: u8,
    pub peer: AddrSet,
    pub ports: Ports,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum NaclVerdict {
    /// Fully allowed; `rule` is the entry that allowed the last part.
    Allow { rule: u32 },
    /// Some part denied by an explicit entry.
    Deny { rule: u32 },
    /// Some part reached the end of the list (AWS's `*` entry, or no entries at all).
    DenyImplicit,
}

impl NaclVerdict {
    pub fn allowed(&self) -> bool {
        matches!(self, NaclVerdict::Allow { .. })
    }

    pub fn rule_label(&self) -> String {
        match self {
            NaclVerdict::Allow { rule } => format!("rule {rule} allow"),
            NaclVerdict::Deny { rule } if *rule >= 32767 => "rule * deny".to_string(),
            NaclVerdict::Deny { rule } => format!("rule {rule} deny"),
            NaclVerdict::DenyImplicit => "rule * deny (no entry matched)".to_string(),
        }
    }
}

/// `entries` must already be in rule-number order (the model keeps them so).
pub fn evaluate(entries: &[NetworkAclEntry], packet: &Packet) -> NaclVerdict {
    let mut remaining: Vec<(AddrSet, Ports)> = vec![(packet.peer.clone(), packet.ports)];
    for entry in entries {
        if entry.egress != (packet.direction == Direction::Egress) {
            continue;
        }
        let Some(cidr) = entry.cidr_block else { continue }; // IPv6 entries never match IPv4 traffic
        let protocol = protocol_number(&entry.protocol);
        if protocol != Some(-1) && protocol != Some(i32::from(packet.protocol)) {
            continue;
        }
        let entry_ports = match (protocol, entry.port_range) {
            (Some(6 | 17), Some(range)) => Ports::from_aws(Some(range.from), Some(range.to)),
            _ => Ports::ALL,
        };
        let entry_addrs = AddrSet::from_net(cidr);
        let deny = entry.rule_action == RuleAction::Deny;
        let mut next = Vec::new();
        for (addrs, ports) in remaining {
            if !addrs.intersects(&entry_addrs) || !ports.overlaps(entry_ports) {
                next.push((addrs, ports));
                continue;
            }
            if deny {
                return NaclVerdict::Deny { rule: entry.rule_number };
            }
            // The allowed rectangle leaves at most: addresses outside the entry (all ports), and
            // addresses inside it on ports below or above the entry's range.
            let outside = addrs.subtract(&entry_addrs);
            let inside = addrs.subtract(&outside);
            if !outside.is_empty() {
                next.push((outside, ports));
            }
            if ports.from < entry_ports.from {
                next.push((inside.clone(), Ports { from: ports.from, to: entry_ports.from - 1 }));
            }
            if ports.to > entry_ports.to {
                next.push((inside, Ports { from: entry_ports.to + 1, to: ports.to }));
            }
        }
        remaining = next;
        if remaining.is_empty() {
            return NaclVerdict::Allow { rule: entry.rule_number };
        }
    }
    NaclVerdict::DenyImplicit
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Network, Snapshot};

    /// A NACL on subnet-1 with entries given in API order (`[rule, protocol, action, egress, cidr, ports]`).
    fn acl(entries: serde_json::Value) -> Network {
        let entries: Vec<serde_json::Value> = entries
            .as_array()
            .expect("array")
            .iter()
            .map(|e| {
                let mut entry = serde_json::json!({
                    "RuleNumber": e[0], "Protocol": e[1], "RuleAction": e[2], "Egress": e[3]
                });
                let cidr = e[4].as_str().expect("cidr");
                let key = if cidr.contains(':') { "Ipv6CidrBlock" } else { "CidrBlock" };
                entry[key] = serde_json::json!(cidr);
                if let Some(ports) = e.get(5) {
                    entry["PortRange"] = serde_json::json!({"From": ports[0], "To": ports[1]});
                }
                entry
            })
            .collect();
        let snapshot: Snapshot = serde_json::from_value(serde_json::json!({
            "Subnets": [{"SubnetId": "subnet-1", "VpcId": "vpc-1", "CidrBlock": "10.0.1.0/24"}],
            "NetworkAcls": [{"NetworkAclId": "acl-1", "VpcId": "vpc-1", "Associations": [{"SubnetId": "subnet-1"}], "Entries": entries}]
        }))
        .expect("snapshot");
        Network::new(snapshot).expect("model")
    }

    fn verdict(network: &Network, direction: Direction, peer: &str, ports: Ports) -> NaclVerdict {
        let subnet = network.subnet("subnet-1").expect("subnet");
        let (_, entries) = network.effective_nacl(subnet).expect("nacl");
        let peer = AddrSet::from_net(peer.parse().expect("cidr"));
        evaluate(entries, &Packet { direction, protocol: TCP, peer, ports })
    }

    const IN: Direction = Direction::Ingress;
    const OUT: Direction = Direction::Egress;

    #[test]
    fn rule_order_not_api_order() {
        // Rule 50 denies SSH only: 443 still passes by rule 100.
        let n = acl(serde_json::json!([[100, "-1", "allow", false, "0.0.0.0/0"], [50, "6", "deny", false, "0.0.0.0/0", [22, 22]]]));
        assert_eq!(verdict(&n, IN, "10.0.2.0/24", Ports::single(443)), NaclVerdict::Allow { rule: 100 });
        assert_eq!(verdict(&n, IN, "10.0.2.0/24", Ports::single(22)), NaclVerdict::Deny { rule: 50 });
        // Listed after the allow in the API answer, rule 10 still comes first.
        let n = acl(serde_json::json!([[100, "-1", "allow", false, "0.0.0.0/0"], [10, "-1", "deny", false, "0.0.0.0/0"]]));
        assert_eq!(verdict(&n, IN, "10.0.2.0/24", Ports::single(443)), NaclVerdict::Deny { rule: 10 });
    }

    #[test]
    fn ingress_443_only_blocks_5432() {
        let n = acl(serde_json::json!([[100, "6", "allow", false, "10.0.0.0/16", [443, 443]], [32767, "-1", "deny", false, "0.0.0.0/0"]]));
        assert!(verdict(&n, IN, "10.0.2.0/24", Ports::single(443)).allowed());
        assert_eq!(verdict(&n, IN, "10.0.2.0/24", Ports::single(5432)), NaclVerdict::Deny { rule: 32767 });
        assert_eq!(verdict(&n, IN, "10.0.2.0/24", Ports::single(5432)).rule_label(), "rule * deny");
    }

    #[test]
    fn return_traffic_needs_every_ephemeral_port() {
        let n = acl(serde_json::json!([
            [100, "6", "allow", true, "0.0.0.0/0", [443, 443]],
            [110, "6", "allow", true, "0.0.0.0/0", [1024, 32767]]
        ]));
        assert_eq!(verdict(&n, OUT, "10.0.2.0/24", Ports::EPHEMERAL), NaclVerdict::DenyImplicit);
        let n = acl(serde_json::json!([
            [100, "6", "allow", true, "0.0.0.0/0", [1024, 32767]],
            [110, "6", "allow", true, "0.0.0.0/0", [32768, 65535]]
        ]));
        assert_eq!(verdict(&n, OUT, "10.0.2.0/24", Ports::EPHEMERAL), NaclVerdict::Allow { rule: 110 });
    }

    #[test]
    fn address_ranges_combine_and_partial_denies_block() {
        let n = acl(serde_json::json!([[100, "-1", "allow", true, "10.0.0.0/17"], [110, "-1", "allow", true, "10.0.128.0/17"]]));
        assert_eq!(verdict(&n, OUT, "10.0.0.0/16", Ports::single(443)), NaclVerdict::Allow { rule: 110 });
        let n = acl(serde_json::json!([[90, "6", "deny", true, "10.0.2.128/25", [443, 443]], [100, "-1", "allow", true, "0.0.0.0/0"]]));
        assert_eq!(verdict(&n, OUT, "10.0.2.0/24", Ports::single(443)), NaclVerdict::Deny { rule: 90 });
        assert!(verdict(&n, OUT, "10.0.3.0/24", Ports::single(443)).allowed());
    }

    #[test]
    fn ipv6_icmp_udp_and_directions_do_not_match_ipv4_tcp() {
        let n = acl(serde_json::json!([
            [100, "-1", "allow", false, "::/0"],
            [110, "1", "allow", false, "0.0.0.0/0"],
            [120, "17", "allow", false, "0.0.0.0/0", [0, 65535]],
            [130, "-1", "allow", true, "0.0.0.0/0"]
        ]));
        assert_eq!(verdict(&n, IN, "10.0.2.0/24", Ports::single(443)), NaclVerdict::DenyImplicit);
        assert!(verdict(&n, OUT, "10.0.2.0/24", Ports::single(443)).allowed());
        let empty = acl(serde_json::json!([]));
        assert_eq!(verdict(&empty, OUT, "10.0.2.0/24", Ports::single(443)), NaclVerdict::DenyImplicit);
    }
}
