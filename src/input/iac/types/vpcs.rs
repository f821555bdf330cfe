//! VPCs, their CIDR blocks and DHCP options, subnets, and the data sources that name what exists.

use std::collections::BTreeMap;

use ipnet::{Ipv4Net, Ipv6Net};

use super::Attribute::{Id, Own, Property};
use super::{nothing, Type};
use crate::input::iac::props::Props;
use crate::input::iac::{list, External, Located, Model};
use crate::model::snapshot::*;
use crate::model::Member;

pub const TYPES: &[Type] = &[
    Type::new(&["AWS::EC2::VPC"], &["aws_vpc"], vpc).attributes(&[
        ("VpcId", Id),
        ("CidrBlock", Property("CidrBlock")),
        ("DefaultSecurityGroup", Own),
        ("DefaultNetworkAcl", Own),
    ]),
    Type::new(&["AWS::EC2::VPCCidrBlock"], &["aws_vpc_ipv4_cidr_block_association"], cidr_block),
    Type::new(&["AWS::EC2::Subnet"], &["aws_subnet"], subnet).data(&["aws_subnet"]).attributes(&[
        ("SubnetId", Id),
        ("AvailabilityZone", Property("AvailabilityZone")),
        ("CidrBlock", Property("CidrBlock")),
        ("VpcId", Property("VpcId")),
    ]),
    Type::new(&["AWS::EC2::DHCPOptions"], &["aws_vpc_dhcp_options"], dhcp_options),
    Type::new(&["AWS::EC2::VPCDHCPOptionsAssociation"], &["aws_vpc_dhcp_options_association"], dhcp_association),
    // An existing VPC the configuration looks up: what `--live` reads.
    Type::new(&[], &[], existing_vpc).data(&["aws_vpc"]),
    Type::new(&[], &[], zones).data(&["aws_availability_zones"]).renamed(&[("names", "ZoneNames")]),
    // IPv6 egress, which MWAA does not use.
    Type::new(&["AWS::EC2::EgressOnlyInternetGateway"], &["aws_egress_only_internet_gateway"], nothing),
];

fn vpc(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    let id = props.id().to_string();
    let cidr = match props.parsed::<Ipv4Net>("CidrBlock", "an IPv4 CIDR")? {
        Some(cidr) => model.known(Member::Vpcs, cidr),
        // IPAM pools allocate the block at deployment.
        None => {
            model.unknown(Member::Vpcs, format!("the CIDR of {id} comes from an IPAM pool at deployment"));
            None
        }
    };
    let created = !props.resource.exists();
    list(&mut model.snapshot.vpcs).push(Vpc {
        vpc_id: id.clone(),
        cidr_block: cidr,
        cidr_block_association_set: Vec::new(),
        ipv6_cidr_block_association_set: Vec::new(),
        dhcp_options_id: created.then(|| format!("{id}.DefaultDhcpOptions")),
        owner_id: props.plain("OwnerId")?,
    });
    // AWS::EC2::VPC: "EnableDnsSupport ... Default: true"; "EnableDnsHostnames ... Default: false" (true
    // only for a default VPC, which code never creates); aws_vpc says the same.
    let support = props.boolean("EnableDnsSupport")?.unwrap_or(Ok(true));
    let hostnames = props.boolean("EnableDnsHostnames")?.unwrap_or(Ok(false));
    let attributes = model.snapshot.vpc_attributes.get_or_insert_with(BTreeMap::new);
    if let (Ok(support), Ok(hostnames)) = (support, hostnames) {
        attributes.insert(
            id.clone(),
            VpcAttributes {
                enable_dns_support: Some(BooleanValue { value: support }),
                enable_dns_hostnames: Some(BooleanValue { value: hostnames }),
            },
        );
    }
    // A VPC the code creates comes with its main table, default NACL, group and DHCP options; of an
    // existing one a state holds only what aws_default_* resources adopted.
    if created {
        model.new_vpc_defaults(&id);
    }
    Ok(())
}

fn cidr_block(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    let vpc = props.required("VpcId")?;
    let cidr = props.parsed::<Ipv4Net>("CidrBlock", "an IPv4 CIDR")?;
    if let (Some(vpc), Some(Some(cidr))) = (model.known(Member::Vpcs, vpc), cidr.map(|c| model.known(Member::Vpcs, c))) {
        model.vpc_cidrs.push((vpc, cidr));
    }
    Ok(())
}

fn subnet(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    let id = props.id().to_string();
    let vpc = props.required("VpcId")?;
    let Some(vpc_id) = model.known(Member::Subnets, vpc) else { return Ok(()) };
    let cidr = match props.parsed::<Ipv4Net>("CidrBlock", "an IPv4 CIDR")? {
        Some(cidr) => model.known(Member::Subnets, cidr),
        None => None,
    };
    let ipv6_native = props.boolean("Ipv6Native")?.and_then(Result::ok);
    if cidr.is_none() && ipv6_native != Some(true) {
        model.unknown(Member::Subnets, format!("the IPv4 CIDR of {id} is allocated at deployment (an IPAM pool)"));
    }
    // A zone known only at deployment is told apart by what decides it (`!Select [0, !GetAZs]`).
    let zone = props.text("AvailabilityZone")?.map(|z| z.unwrap_or_else(|why| why));
    // A new subnet has its block's addresses but the five AWS reserves (VPC user guide, "Subnet CIDR
    // blocks"); an existing one's count is the account's fact (a data source reads it; a state does not).
    let free = match props.parsed::<u32>("AvailableIpAddressCount", "a number")? {
        Some(count) => count.ok(),
        None if props.resource.exists() => None,
        None => cidr.map(|c| (1u32 << (32 - u32::from(c.prefix_len()))).saturating_sub(5)),
    };
    let ipv6 = props.parsed::<Ipv6Net>("Ipv6CidrBlock", "an IPv6 CIDR")?.and_then(Result::ok);
    list(&mut model.snapshot.subnets).push(Subnet {
        subnet_id: id,
        vpc_id,
        availability_zone: zone,
        availability_zone_id: props.plain("AvailabilityZoneId")?,
        cidr_block: cidr,
        ipv6_cidr_block_association_set: ipv6.into_iter().map(|c| Ipv6CidrAssociation { ipv6_cidr_block: Some(c) }).collect(),
        ipv6_native,
        available_ip_address_count: free,
        map_public_ip_on_launch: props.boolean("MapPublicIpOnLaunch")?.and_then(Result::ok),
        owner_id: props.plain("OwnerId")?,
    });
    Ok(())
}

fn dhcp_options(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    let mut configurations = Vec::new();
    let servers = props.texts("DomainNameServers")?;
    let domain = props.text("DomainName")?.map(|v| v.map(|t| vec![t]));
    for (key, values) in [("domain-name-servers", Some(servers)), ("domain-name", domain)] {
        if let Some(values) = values.and_then(|v| model.known(Member::DhcpOptions, v)) {
            if !values.is_empty() {
                configurations.push(DhcpConfiguration {
                    key: key.into(),
                    values: values.into_iter().map(|value| AttributeValue { value }).collect(),
                });
            }
        }
    }
    list(&mut model.snapshot.dhcp_options)
        .push(DhcpOptions { dhcp_options_id: props.id().to_string(), dhcp_configurations: configurations });
    Ok(())
}

fn dhcp_association(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    let (options, vpc) = (props.required("DhcpOptionsId")?, props.required("VpcId")?);
    if let (Some(options), Some(vpc)) = (model.known(Member::DhcpOptions, options), model.known(Member::DhcpOptions, vpc)) {
        model.dhcp_associations.push((vpc, options));
    }
    Ok(())
}

fn existing_vpc(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    if let Some(vpc) = props.text("Id")?.and_then(|v| model.known(Member::Vpcs, v)) {
        External::note(&mut model.external.vpcs, &vpc);
    }
    Ok(())
}

/// The region's AZ names with their IDs: a subnet that names its AZ gets the AZ's ID.
fn zones(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    let names = props.texts("ZoneNames")?;
    let ids = props.texts("ZoneIds")?;
    if let (Some(names), Some(ids)) = (model.known(Member::Subnets, names), model.known(Member::Subnets, ids)) {
        model.zone_ids.extend(names.into_iter().zip(ids));
    }
    Ok(())
}
