//! Network ACLs, their entries (resources of their own, or a Terraform ACL's inline blocks) and which
//! subnets use them.

use ipnet::{Ipv4Net, Ipv6Net};

use super::Attribute::Id;
use super::Type;
use crate::input::iac::props::Props;
use crate::input::iac::{list, star_entries, Located, Model};
use crate::model::snapshot::*;
use crate::model::Member;

pub const TYPES: &[Type] = &[
    // An inline `ingress`/`egress` block's names are not aws_network_acl_rule's.
    Type::new(&["AWS::EC2::NetworkAcl"], &["aws_network_acl", "aws_default_network_acl"], network_acl)
        .attributes(&[("Id", Id)])
        .renamed(&[("rule_no", "RuleNumber"), ("action", "RuleAction")]),
    Type::new(&["AWS::EC2::NetworkAclEntry"], &["aws_network_acl_rule"], acl_entry),
    Type::new(&["AWS::EC2::SubnetNetworkAclAssociation"], &["aws_network_acl_association"], acl_association),
];

fn network_acl(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    let vpc_of = |s: &Snapshot, id: &str| s.network_acls.iter().flatten().find(|n| n.network_acl_id == id).map(|n| n.vpc_id.clone());
    let Some((id, vpc_id, default)) = super::table_like(model, props, Member::NetworkAcls, "DefaultNetworkAclId", vpc_of)? else {
        return Ok(());
    };
    // A new ACL has no entries but AWS's `*` denies until entries are added; Terraform's aws_network_acl
    // and aws_default_network_acl manage every entry: those given inline, then the `*` denies
    // (aws_default_network_acl: "removes all default rules ... and adds only the rules specified").
    let mut entries = Vec::new();
    for (block, egress) in [("Ingress", false), ("Egress", true)] {
        match props.blocks(block)? {
            Ok(blocks) => {
                for block in blocks {
                    entries.extend(entry(model, &block.props(), egress)?);
                }
            }
            Err(why) => model.unknown(Member::NetworkAcls, why),
        }
    }
    entries.extend(star_entries(RuleAction::Deny));
    let subnets = props.texts("SubnetIds")?;
    let acls = list(&mut model.snapshot.network_acls);
    match acls.iter_mut().find(|n| n.network_acl_id == id) {
        Some(existing) => existing.entries = entries,
        None => acls.push(NetworkAcl { network_acl_id: id.clone(), vpc_id, is_default: default, associations: Vec::new(), entries }),
    }
    for subnet in model.known(Member::NetworkAcls, subnets).unwrap_or_default() {
        model.acl_associations.push((id.clone(), subnet));
    }
    Ok(())
}

fn acl_entry(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    let Some(acl) = model.known(Member::NetworkAcls, props.required("NetworkAclId")?) else { return Ok(()) };
    // AWS::EC2::NetworkAclEntry: "Egress ... Default: false"; so aws_network_acl_rule.
    let egress = props.boolean("Egress")?.and_then(Result::ok).unwrap_or(false);
    if let Some(entry) = entry(model, props, egress)? {
        model.acl_entries.push((acl, entry));
    }
    Ok(())
}

/// A NACL entry as EC2 accepts it (`None` while a value is known only at deployment); a value EC2 would
/// refuse is an error at it.
fn entry(model: &mut Model, props: &Props<'_>, egress: bool) -> Result<Option<NetworkAclEntry>, Located> {
    let number = props
        .parsed::<u32>("RuleNumber", "a rule number")?
        .ok_or_else(|| props.resource.error("RuleNumber", format!("{} has no {}", props.id(), props.resource.written("RuleNumber"))))?;
    let (protocol, action) = (props.required("Protocol")?, props.required("RuleAction")?);
    let (Some(rule_number), Some(protocol), Some(action)) =
        (model.known(Member::NetworkAcls, number), model.known(Member::NetworkAcls, protocol), model.known(Member::NetworkAcls, action))
    else {
        return Ok(None);
    };
    if !(1..=32766).contains(&rule_number) {
        return Err(props.refuse("RuleNumber", format!("{rule_number} is outside 1-32766")));
    }
    let Some(number) = protocol_number(&protocol) else {
        return Err(props.refuse("Protocol", format!("{protocol:?} is not -1 or a protocol number")));
    };
    let rule_action = match action.to_ascii_lowercase().as_str() {
        "allow" => RuleAction::Allow,
        "deny" => RuleAction::Deny,
        _ => return Err(props.refuse("RuleAction", format!("must be allow or deny, not {action:?}"))),
    };
    let port_range = match ports(props)? {
        // All protocols: EC2 ignores ports.
        Some(_) if number == -1 => None,
        Some((from, to)) if !(0..=65535).contains(&from) || !(0..=65535).contains(&to) => {
            return Err(props.refuse("PortRange", format!("{from}-{to} is not a port range 0-65535")));
        }
        Some((from, to)) => Some(PortRange { from, to }),
        None => None,
    };
    let cidr_block = match props.parsed::<Ipv4Net>("CidrBlock", "an IPv4 CIDR")? {
        Some(cidr) => model.known(Member::NetworkAcls, cidr),
        None => None,
    };
    Ok(Some(NetworkAclEntry {
        rule_number,
        protocol,
        rule_action,
        egress,
        cidr_block,
        ipv6_cidr_block: props.parsed::<Ipv6Net>("Ipv6CidrBlock", "an IPv6 CIDR")?.and_then(Result::ok),
        port_range,
    }))
}

/// The entry's ports: CloudFormation's `PortRange` (`From`, `To`), or the provider's `from_port`/`to_port`.
fn ports(props: &Props<'_>) -> Result<Option<(i32, i32)>, Located> {
    if let Some(range) = props.value("PortRange")? {
        let port = |key: &str| -> Result<i32, Located> {
            range
                .get(key)
                .and_then(|v| v.text())
                .and_then(|t| t.trim().parse().ok())
                .ok_or_else(|| props.refuse("PortRange", format!("{key} must be a port 0-65535")))
        };
        return Ok(Some((port("From")?, port("To")?)));
    }
    Ok(match (props.parsed::<i32>("FromPort", "a port")?, props.parsed::<i32>("ToPort", "a port")?) {
        (Some(Ok(from)), Some(Ok(to))) => Some((from, to)),
        _ => None,
    })
}

fn acl_association(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    let (acl, subnet) = (props.required("NetworkAclId")?, props.required("SubnetId")?);
    if let (Some(acl), Some(subnet)) = (model.known(Member::NetworkAcls, acl), model.known(Member::NetworkAcls, subnet)) {
        model.acl_associations.push((acl, subnet));
    }
    Ok(())
}
