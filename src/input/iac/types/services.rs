//! VPC endpoints (and what the provider attaches to them as resources of their own) and prefix lists.

use ipnet::IpNet;

use super::Attribute::Id;
use super::Type;
use crate::input::iac::props::Props;
use crate::input::iac::value::Value;
use crate::input::iac::{list, EndpointLink, Located, Model, Scope};
use crate::model::snapshot::*;
use crate::model::Member;

const PREFIX_LIST_NAMES: &[(&str, &str)] = &[("name", "PrefixListName"), ("entry", "Entries")];

pub const TYPES: &[Type] = &[
    Type::new(&["AWS::EC2::VPCEndpoint"], &["aws_vpc_endpoint"], endpoint)
        .attributes(&[("Id", Id)])
        .renamed(&[("policy", "PolicyDocument")]),
    Type::new(
        &[],
        &[
            "aws_vpc_endpoint_subnet_association",
            "aws_vpc_endpoint_route_table_association",
            "aws_vpc_endpoint_security_group_association",
            "aws_vpc_endpoint_policy",
        ],
        endpoint_link,
    )
    .renamed(&[("policy", "PolicyDocument")]),
    Type::new(&["AWS::EC2::PrefixList"], &["aws_ec2_managed_prefix_list"], prefix_list)
        .attributes(&[("PrefixListId", Id), ("Id", Id)])
        .data(&["aws_prefix_list", "aws_ec2_managed_prefix_list"])
        .renamed(PREFIX_LIST_NAMES),
    Type::new(&[], &["aws_ec2_managed_prefix_list_entry"], prefix_list_entry),
];

fn endpoint(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    let id = props.id().to_string();
    let (vpc, service) = (props.required("VpcId")?, props.required("ServiceName")?);
    let (Some(vpc_id), Some(service_name)) = (model.known(Member::VpcEndpoints, vpc), model.known(Member::VpcEndpoints, service)) else {
        return Ok(());
    };
    // "VpcEndpointType ... Default: Gateway"; "PrivateDnsEnabled ... Default: false" in CloudFormation and
    // the provider alike (the EC2 API defaults it to true for interface endpoints).
    let kind = props.plain("VpcEndpointType")?.unwrap_or_else(|| "Gateway".into());
    let private_dns = props.boolean("PrivateDnsEnabled")?.and_then(Result::ok).unwrap_or(false);
    let (subnet_ids, groups, tables) = (props.texts("SubnetIds")?, props.texts("SecurityGroupIds")?, props.texts("RouteTableIds")?);
    let (Some(subnet_ids), Some(groups), Some(route_table_ids)) = (
        model.known(Member::VpcEndpoints, subnet_ids),
        model.known(Member::VpcEndpoints, groups),
        model.known(Member::VpcEndpoints, tables),
    ) else {
        return Ok(());
    };
    // A template may give the policy as JSON text or as YAML. Not given, AWS attaches its default
    // full-access policy ("If this parameter is not specified, we attach a default policy that allows full
    // access", CreateVpcEndpoint).
    let policy_document = match props.value("PolicyDocument")? {
        None => None,
        Some(Value::Text(text)) => Some(text),
        Some(document) => {
            if let Some(why) = document.unknown() {
                model.unknown(Scope::EndpointPolicy(&id), why.to_string());
            }
            (!matches!(document, Value::Unknown(_))).then(|| document.to_json().to_string())
        }
    };
    let gateway = kind.eq_ignore_ascii_case("gateway");
    // Its route tables, as every front end gives them (the routes to its service's prefix list are added
    // once all tables are in).
    for table in route_table_ids {
        model.endpoint_links.push((id.clone(), EndpointLink::RouteTable(table)));
    }
    list(&mut model.snapshot.vpc_endpoints).push(VpcEndpoint {
        vpc_endpoint_id: id,
        vpc_endpoint_type: if gateway { "Gateway".into() } else { kind },
        vpc_id,
        service_name,
        state: Some("available".into()),
        policy_document,
        route_table_ids: Vec::new(),
        subnet_ids,
        groups: groups.into_iter().map(|group_id| SecurityGroupIdentifier { group_id }).collect(),
        private_dns_enabled: private_dns,
        owner_id: None,
    });
    Ok(())
}

/// What a resource of its own adds to an endpoint: a subnet, a route table, a group, or its policy.
fn endpoint_link(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    let Some(endpoint) = model.known(Member::VpcEndpoints, props.required("VpcEndpointId")?) else { return Ok(()) };
    let link = if let Some(subnet) = props.text("SubnetId")? {
        model.known(Member::VpcEndpoints, subnet).map(EndpointLink::Subnet)
    } else if let Some(table) = props.text("RouteTableId")? {
        model.known(Member::VpcEndpoints, table).map(EndpointLink::RouteTable)
    } else if let Some(group) = props.text("SecurityGroupId")? {
        model.known(Member::VpcEndpoints, group).map(EndpointLink::Group)
    } else {
        // A policy not given leaves AWS's default full-access policy.
        props.text("PolicyDocument")?.map(EndpointLink::Policy)
    };
    model.endpoint_links.extend(link.map(|l| (endpoint, l)));
    Ok(())
}

fn prefix_list(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    let mut cidrs = Vec::new();
    let parse = |cidr: &str| cidr.parse::<IpNet>().map_err(|_| props.refuse("Entries", format!("{cidr:?} is not a CIDR")));
    match props.value("Entries")? {
        Some(Value::Unknown(why)) => model.unknown(Member::PrefixLists, why),
        entries => {
            for entry in entries.iter().flat_map(Value::items) {
                match entry.get("Cidr").map(Value::fact) {
                    Some(Ok(Ok(cidr))) => cidrs.push(parse(&cidr)?),
                    _ => model.unknown(Member::PrefixLists, format!("an entry of {} is not known before deployment", props.id())),
                }
            }
        }
    }
    // A data source's CIDRs.
    if let Some(more) = model.known(Member::PrefixLists, props.texts("CidrBlocks")?) {
        for cidr in more {
            cidrs.push(parse(&cidr)?);
        }
    }
    list(&mut model.snapshot.prefix_lists).push(PrefixList {
        prefix_list_id: props.id().to_string(),
        prefix_list_name: props.plain("PrefixListName")?,
        cidrs,
    });
    Ok(())
}

fn prefix_list_entry(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    let (list_id, cidr) = (props.required("PrefixListId")?, props.parsed::<IpNet>("Cidr", "a CIDR")?);
    if let (Some(list_id), Some(Some(cidr))) =
        (model.known(Member::PrefixLists, list_id), cidr.map(|c| model.known(Member::PrefixLists, c)))
    {
        if let Some(l) = model.snapshot.prefix_lists.iter_mut().flatten().find(|l| l.prefix_list_id == list_id) {
            l.cidrs.push(cidr);
        }
    }
    Ok(())
}
