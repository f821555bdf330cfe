//! Security groups and their rules: inline, or resources of their own in each of the shapes CloudFormation
//! and the provider have.

use ipnet::Ipv4Net;

use super::Attribute::{Id, Property};
use super::Type;
use crate::input::iac::props::{Dialect, Props};
use crate::input::iac::value::Fact;
use crate::input::iac::{all_traffic, list, Located, Model};
use crate::model::snapshot::*;
use crate::model::Member;

/// The provider's rule names that are not CloudFormation's in snake case.
const RULE_NAMES: &[(&str, &str)] = &[("protocol", "IpProtocol"), ("security_group_id", "GroupId"), ("cidr_ipv4", "CidrIp")];

pub const TYPES: &[Type] = &[
    Type::new(&["AWS::EC2::SecurityGroup"], &["aws_security_group", "aws_default_security_group"], security_group)
        .attributes(&[("GroupId", Id), ("Id", Id), ("VpcId", Property("VpcId"))])
        .renamed(&[
            ("name", "GroupName"),
            ("ingress", "SecurityGroupIngress"),
            ("egress", "SecurityGroupEgress"),
            ("protocol", "IpProtocol"),
        ]),
    Type::new(&["AWS::EC2::SecurityGroupIngress"], &["aws_vpc_security_group_ingress_rule"], ingress_rule).renamed(RULE_NAMES),
    Type::new(&["AWS::EC2::SecurityGroupEgress"], &["aws_vpc_security_group_egress_rule"], egress_rule).renamed(RULE_NAMES),
    Type::new(&[], &["aws_security_group_rule"], typed_rule).renamed(RULE_NAMES),
    // The CDK's handler that revokes the default group's default rules at deployment.
    Type::new(&["Custom::VpcRestrictDefaultSG"], &[], restrict_default_group),
];

fn security_group(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    let id = props.id().to_string();
    // A group without a VPC is created in the Region's default VPC (AWS::EC2::SecurityGroup, aws_security_group).
    let vpc_id = match props.text("VpcId")? {
        Some(vpc) => model.known(Member::SecurityGroups, vpc),
        None => Some(crate::model::DEFAULT_VPC.to_string()),
    };
    let mut group = SecurityGroup {
        group_id: id.clone(),
        group_name: props.plain("GroupName")?,
        vpc_id,
        owner_id: props.plain("OwnerId")?,
        ip_permissions: Vec::new(),
        ip_permissions_egress: Vec::new(),
    };
    for (name, egress) in [("SecurityGroupIngress", false), ("SecurityGroupEgress", true)] {
        let blocks = match props.blocks(name)? {
            Ok(blocks) => blocks,
            Err(why) => {
                model.unknown(Member::SecurityGroups, why);
                Vec::new()
            }
        };
        for block in blocks {
            if let Some(permission) = permission(model, &block.props(), egress, &id)? {
                if egress {
                    group.ip_permissions_egress.push(permission);
                } else {
                    group.ip_permissions.push(permission);
                }
            }
        }
    }
    // AWS::EC2::SecurityGroup: "When you specify a VPC security group, Amazon EC2 creates a default egress
    // rule that allows egress traffic on all ports and IP protocols to any location. The default rule is
    // removed only when you specify one or more egress rules." aws_security_group: "Terraform will remove
    // this default rule, and require you specifically re-create it" (aws_default_security_group too).
    if props.dialect() == Dialect::CloudFormation && props.value("SecurityGroupEgress")?.is_none() {
        group.ip_permissions_egress.push(all_traffic(vec![IpRange { cidr_ip: Ipv4Net::default() }], Vec::new()));
    }
    let groups = list(&mut model.snapshot.security_groups);
    match groups.iter_mut().find(|g| g.group_id == id) {
        Some(existing) => *existing = SecurityGroup { vpc_id: group.vpc_id.or(existing.vpc_id.clone()), ..group },
        None => groups.push(group),
    }
    Ok(())
}

fn ingress_rule(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    add_rule(model, props, false)
}

fn egress_rule(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    add_rule(model, props, true)
}

/// aws_security_group_rule: its `type` says which way.
fn typed_rule(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    let egress = props.required("Type")?;
    match model.known(Member::SecurityGroups, egress) {
        Some(direction) => add_rule(model, props, direction == "egress"),
        None => Ok(()),
    }
}

fn add_rule(model: &mut Model, props: &Props<'_>, egress: bool) -> Result<(), Located> {
    let Some(group) = model.known(Member::SecurityGroups, props.required("GroupId")?) else { return Ok(()) };
    if let Some(permission) = permission(model, props, egress, &group)? {
        model.rules.push((group, egress, permission));
    }
    Ok(())
}

/// One rule of `group`, in any of its shapes: CloudFormation's (one CIDR or peer), an inline block or
/// aws_security_group_rule (lists, and `self`), aws_vpc_security_group_*_rule (one of each). `None`
/// while a value is known only at deployment (the groups are then unknown).
fn permission(model: &mut Model, props: &Props<'_>, egress: bool, group: &str) -> Result<Option<IpPermission>, Located> {
    let Some(protocol) = model.known(Member::SecurityGroups, props.required("IpProtocol")?) else { return Ok(None) };
    let Some(number) = protocol_number(&protocol) else {
        return Err(props.refuse("IpProtocol", format!("{protocol:?} is not -1, tcp, udp, icmp or a protocol number")));
    };
    let one = |name: &str| -> Result<Fact<Vec<String>>, Located> {
        Ok(props.text(name)?.map_or(Ok(Vec::new()), |fact| fact.map(|text| vec![text])))
    };
    let (peer_group, peer_list) =
        if egress { ("DestinationSecurityGroupId", "DestinationPrefixListId") } else { ("SourceSecurityGroupId", "SourcePrefixListId") };
    let read = [
        one("FromPort")?,
        one("ToPort")?,
        one("CidrIp")?,
        props.texts("CidrBlocks")?,
        one("CidrIpv6")?,
        props.texts("Ipv6CidrBlocks")?,
        one(peer_list)?,
        props.texts("PrefixListIds")?,
        one("PrefixListId")?,
        one(peer_group)?,
        // aws_security_group_rule names its peer so in both directions.
        if egress { one("SourceSecurityGroupId")? } else { Ok(Vec::new()) },
        props.texts("SecurityGroups")?,
        one("ReferencedSecurityGroupId")?,
        one("SourceSecurityGroupOwnerId")?,
    ];
    let Some([from, to, cidr, cidrs, cidr6, cidrs6, list, lists, vpc_list, peer, source, peers, referenced, owner]) = model
        .known(Member::SecurityGroups, read.into_iter().collect::<Fact<Vec<Vec<String>>>>())
        .and_then(|r| <[Vec<String>; 14]>::try_from(r).ok())
    else {
        return Ok(None);
    };
    let port = |name: &str, text: &[String]| -> Result<Option<i32>, Located> {
        text.first()
            .map(|t| {
                t.trim()
                    .parse::<i32>()
                    .ok()
                    .filter(|p| (-1..=65535).contains(p))
                    .ok_or_else(|| props.refuse(name, format!("{t:?} is not a port -1-65535")))
            })
            .transpose()
    };
    // All protocols: every port, whatever the code says of them.
    let (from_port, to_port) = if number == -1 { (None, None) } else { (port("FromPort", &from)?, port("ToPort", &to)?) };
    let ip_ranges =
        parsed(props, "CidrIp", [cidr, cidrs].concat(), "an IPv4 CIDR")?.into_iter().map(|cidr_ip| IpRange { cidr_ip }).collect();
    let ipv6_ranges =
        parsed(props, "CidrIpv6", [cidr6, cidrs6].concat(), "an IPv6 CIDR")?.into_iter().map(|cidr_ipv6| Ipv6Range { cidr_ipv6 }).collect();
    let mut peers = [peer, source, peers, referenced].concat();
    if props.boolean("Self")?.and_then(Result::ok) == Some(true) {
        peers.push(group.to_string());
    }
    let owner = owner.into_iter().next();
    Ok(Some(IpPermission {
        ip_protocol: protocol,
        from_port,
        to_port,
        ip_ranges,
        ipv6_ranges,
        prefix_list_ids: [list, lists, vpc_list].concat().into_iter().map(|prefix_list_id| PrefixListId { prefix_list_id }).collect(),
        user_id_group_pairs: peers.into_iter().map(|group_id| UserIdGroupPair { group_id, user_id: owner.clone() }).collect(),
    }))
}

/// Each text parsed as `what`, or an error at `name`.
fn parsed<T: std::str::FromStr>(props: &Props<'_>, name: &str, texts: Vec<String>, what: &str) -> Result<Vec<T>, Located> {
    texts.iter().map(|t| t.trim().parse().map_err(|_| props.refuse(name, format!("{t:?} is not {what}")))).collect()
}

fn restrict_default_group(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    if let Some(group) = props.text("DefaultSecurityGroupId")?.and_then(|g| model.known(Member::SecurityGroups, g)) {
        model.restricted_default_groups.push(group);
    }
    Ok(())
}
