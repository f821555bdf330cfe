//! Security groups: stateful and allow-only; an ENI's groups act as the union of their rules.
//! A rule's peer is a CIDR, a prefix list, or a group reference (`sg-...`, also across accounts), which
//! matches any ENI carrying that group.

use serde::Serialize;

use super::addr::{AddrSet, Ports};
use super::nacl::Direction;
use crate::model::{IpPermission, Network};

/// The far end of the traffic: the groups its ENIs carry and the addresses they may have.
#[derive(Debug, Clone, Default)]
pub struct Peer {
    pub groups: Vec<String>,
    pub addrs: AddrSet,
    pub prefix_list: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SgVerdict {
    pub allowed: bool,
    /// The rules that admit the traffic (or part of it), as `sg-1 tcp 443 from sg-2`.
    pub matched: Vec<String>,
    /// The addresses the matching CIDR and prefix-list rules admit (not group references).
    #[serde(skip)]
    pub admitted_addrs: AddrSet,
    /// Not allowed by what the input holds, but it lacks something that might allow it (a group, or the
    /// CIDRs of a prefix list a rule names): not a proven block.
    #[serde(skip)]
    pub unknown: Option<String>,
}

impl SgVerdict {
    pub fn rule_label(&self) -> String {
        if self.matched.is_empty() {
            "no rule matches".to_string()
        } else {
            self.matched.join("; ")
        }
    }
}

fn covers_tcp_port(permission: &IpPermission, port: u16) -> bool {
    match permission.ip_protocol.to_ascii_lowercase().as_str() {
        "-1" | "all" => true,
        "tcp" | "6" => Ports::from_aws(permission.from_port, permission.to_port).contains(Ports::single(port)),
        _ => false,
    }
}

/// Does the union of `groups` admit TCP `port` with `peer` in `direction` (ingress: from the peer;
/// egress: to the peer)? Groups missing from the snapshot contribute nothing.
pub fn evaluate(network: &Network, groups: &[String], direction: Direction, peer: &Peer, port: u16) -> SgVerdict {
    let mut matched = Vec::new();
    let mut covered = AddrSet::empty();
    let mut allowed = false;
    let word = if direction == Direction::Ingress { "from" } else { "to" };
    let mut unknown: Vec<String> =
        groups.iter().filter(|id| network.security_group(id).is_none()).map(|id| format!("{id} is not in SecurityGroups")).collect();
    for group in groups.iter().filter_map(|id| network.security_group(id)) {
        let permissions = match direction {
            Direction::Ingress => &group.ip_permissions,
            Direction::Egress => &group.ip_permissions_egress,
        };
        for permission in permissions.iter().filter(|p| covers_tcp_port(p, port)) {
            let label = |what: &str| format!("{} {} {} {what}", group.group_id, describe_protocol(permission), word);
            for pair in &permission.user_id_group_pairs {
                if peer.groups.iter().any(|g| g == &pair.group_id) {
                    allowed = true;
                    matched.push(label(&pair.group_id));
                }
            }
            for list in &permission.prefix_list_ids {
                if peer.prefix_list.as_deref() == Some(list.prefix_list_id.as_str()) {
                    allowed = true;
                    matched.push(label(&list.prefix_list_id));
                } else if let Some(cidrs) = network.prefix_list_cidrs(&list.prefix_list_id) {
                    let set = AddrSet::from_nets(cidrs);
                    if set.intersects(&peer.addrs) {
                        covered = covered.union(&set);
                        matched.push(label(&list.prefix_list_id));
                    }
                } else {
                    unknown.push(format!("the CIDRs of {} (in a rule of {}) are not captured", list.prefix_list_id, group.group_id));
                }
            }
            for range in &permission.ip_ranges {
                let set = AddrSet::from_net(range.cidr_ip);
                if set.intersects(&peer.addrs) {
                    covered = covered.union(&set);
                    matched.push(label(&range.cidr_ip.to_string()));
                }
            }
        }
    }
    if !peer.addrs.is_empty() && covered.covers(&peer.addrs) {
        allowed = true;
    }
    let unknown = (!allowed && !unknown.is_empty()).then(|| unknown.join("; "));
    SgVerdict { allowed, matched, admitted_addrs: covered, unknown }
}

fn describe_protocol(permission: &IpPermission) -> String {
    match permission.ip_protocol.as_str() {
        "-1" => "all traffic".to_string(),
        protocol => format!("{protocol} {}", Ports::from_aws(permission.from_port, permission.to_port)),
    }
}

/// The documented default outbound rule: all traffic to 0.0.0.0/0.
pub fn has_all_traffic_egress(network: &Network, groups: &[String]) -> bool {
    groups
        .iter()
        .filter_map(|id| network.security_group(id))
        .any(|g| g.ip_permissions_egress.iter().any(|p| p.ip_protocol == "-1" && p.ip_ranges.iter().any(|r| r.cidr_ip.prefix_len() == 0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Snapshot;

    fn network() -> Network {
        let snapshot: Snapshot = serde_json::from_value(serde_json::json!({
            "PrefixLists": [{"PrefixListId": "pl-s3", "Cidrs": ["52.216.0.0/15", "3.5.0.0/19"]}],
            "SecurityGroups": [
                {"GroupId": "sg-env", "IpPermissions": [
                    {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": "sg-env", "UserId": "111122223333"}]}
                ], "IpPermissionsEgress": [
                    {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "PrefixListIds": [{"PrefixListId": "pl-s3"}]},
                    {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "10.0.1.0/24"}]}
                ]},
                {"GroupId": "sg-extra", "IpPermissions": [], "IpPermissionsEgress": [
                    {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "10.0.2.0/24"}]}
                ]},
                {"GroupId": "sg-cidr443", "IpPermissions": [
                    {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}
                ]},
                {"GroupId": "sg-cross", "IpPermissions": [
                    {"IpProtocol": "6", "FromPort": 0, "ToPort": 65535, "UserIdGroupPairs": [{"GroupId": "sg-owner", "UserId": "444455556666"}]}
                ]}
            ]
        }))
        .expect("snapshot");
        Network::new(snapshot).expect("model")
    }

    fn peer(groups: &[&str], cidrs: &[&str]) -> Peer {
        let nets: Vec<ipnet::Ipv4Net> = cidrs.iter().map(|c| c.parse().expect("cidr")).collect();
        Peer { groups: groups.iter().map(|g| g.to_string()).collect(), addrs: AddrSet::from_nets(&nets), prefix_list: None }
    }

    #[test]
    fn self_reference_matches_by_membership_only() {
        let n = network();
        let only_groups = peer(&["sg-env"], &[]);
        assert!(evaluate(&n, &["sg-env".into()], Direction::Ingress, &only_groups, 5432).allowed);
        // 443 from a CIDR is no self-reference: with addresses unknown it cannot match.
        assert!(!evaluate(&n, &["sg-cidr443".into()], Direction::Ingress, &only_groups, 443).allowed);
        assert!(evaluate(&n, &["sg-cidr443".into()], Direction::Ingress, &peer(&[], &["10.0.1.0/24"]), 443).allowed);
        assert!(!evaluate(&n, &["sg-cidr443".into()], Direction::Ingress, &peer(&[], &["10.0.1.0/24"]), 5432).allowed);
    }

    #[test]
    fn union_of_groups_and_cidr_coverage() {
        let n = network();
        let both = peer(&[], &["10.0.1.0/24", "10.0.2.0/24"]);
        assert!(!evaluate(&n, &["sg-env".into()], Direction::Egress, &both, 5432).allowed);
        assert!(evaluate(&n, &["sg-env".into(), "sg-extra".into()], Direction::Egress, &both, 5432).allowed);
    }

    #[test]
    fn prefix_lists_by_id_or_by_cidrs() {
        let n = network();
        let s3 = Peer { prefix_list: Some("pl-s3".into()), ..peer(&[], &["52.216.0.0/15"]) };
        assert!(evaluate(&n, &["sg-env".into()], Direction::Egress, &s3, 443).allowed);
        let s3_by_address = peer(&[], &["52.216.4.0/24"]);
        assert!(evaluate(&n, &["sg-env".into()], Direction::Egress, &s3_by_address, 443).allowed);
        assert!(!evaluate(&n, &["sg-env".into()], Direction::Egress, &peer(&[], &["0.0.0.0/0"]), 443).allowed);
    }

    #[test]
    fn cross_account_references_and_missing_groups() {
        let n = network();
        assert!(evaluate(&n, &["sg-cross".into()], Direction::Ingress, &peer(&["sg-owner"], &[]), 443).allowed);
        assert!(!evaluate(&n, &["sg-missing".into()], Direction::Ingress, &peer(&["sg-owner"], &[]), 443).allowed);
        assert!(!has_all_traffic_egress(&n, &["sg-env".into()]));
    }
}
