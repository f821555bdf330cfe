//! Route tables, their routes (resources of their own, or a Terraform table's inline blocks) and which
//! subnets use them.

use ipnet::{Ipv4Net, Ipv6Net};

use super::Attribute::Id;
use super::Type;
use crate::input::iac::props::Props;
use crate::input::iac::{list, middlebox_known_at_deployment, Located, Model, Scope};
use crate::model::snapshot::*;
use crate::model::Member;

/// The provider's route names that are not CloudFormation's in snake case.
const ROUTE_NAMES: &[(&str, &str)] = &[
    ("egress_only_gateway_id", "EgressOnlyInternetGatewayId"),
    // An inline `route` block's destinations.
    ("cidr_block", "DestinationCidrBlock"),
    ("ipv6_cidr_block", "DestinationIpv6CidrBlock"),
    ("route", "Routes"),
];

pub const TYPES: &[Type] = &[
    Type::new(&["AWS::EC2::RouteTable"], &["aws_route_table", "aws_default_route_table"], route_table)
        .attributes(&[("RouteTableId", Id)])
        .renamed(ROUTE_NAMES),
    Type::new(&["AWS::EC2::Route"], &["aws_route"], route).renamed(&[("egress_only_gateway_id", "EgressOnlyInternetGatewayId")]),
    Type::new(&["AWS::EC2::SubnetRouteTableAssociation"], &["aws_route_table_association"], table_association),
    Type::new(&[], &["aws_main_route_table_association"], main_table),
];

/// Route targets whose kind alone decides the verdicts: egress the tool cannot see past (RT005).
const MIDDLEBOX_TARGETS: &[&str] =
    &["VpcEndpointId", "TransitGatewayId", "VpcPeeringConnectionId", "LocalGatewayId", "CarrierGatewayId", "CoreNetworkArn"];

fn route_table(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    let vpc_of = |s: &Snapshot, id: &str| s.route_tables.iter().flatten().find(|t| t.route_table_id == id).map(|t| t.vpc_id.clone());
    let Some((id, vpc_id, default)) = super::table_like(model, props, Member::RouteTables, "DefaultRouteTableId", vpc_of)? else {
        return Ok(());
    };
    let mut routes = Vec::new();
    // Inline routes known only after apply: only separate route resources add any.
    if let Ok(blocks) = props.blocks("Routes")? {
        for block in blocks {
            routes.push(route_of(model, &block.props(), &id)?);
        }
    }
    let tables = list(&mut model.snapshot.route_tables);
    match tables.iter_mut().find(|t| t.route_table_id == id) {
        // The main table of a VPC the plan creates: the provider replaces its routes with the given ones.
        Some(t) => t.routes = routes,
        None => tables.push(RouteTable {
            route_table_id: id,
            vpc_id,
            associations: if default {
                vec![RouteTableAssociation { main: true, route_table_association_id: None, subnet_id: None, gateway_id: None }]
            } else {
                Vec::new()
            },
            routes,
        }),
    }
    Ok(())
}

fn route(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    let Some(table) = model.known(Member::RouteTables, props.required("RouteTableId")?) else { return Ok(()) };
    let route = route_of(model, props, &table)?;
    let (source, offset) = props.resource.at();
    model.routes.push((table, route, source, offset));
    Ok(())
}

/// A route of `table`. A value known only at deployment makes this table's routes unknown, not every
/// table's.
fn route_of(model: &mut Model, props: &Props<'_>, table: &str) -> Result<Route, Located> {
    let scope = Scope::RouteTable(table);
    let mut route = Route { state: Some("active".into()), ..Route::default() };
    route.destination_cidr_block = match props.parsed::<Ipv4Net>("DestinationCidrBlock", "an IPv4 CIDR")? {
        Some(cidr) => model.known(scope, cidr),
        None => None,
    };
    route.destination_ipv6_cidr_block = props.parsed::<Ipv6Net>("DestinationIpv6CidrBlock", "an IPv6 CIDR")?.and_then(Result::ok);
    route.destination_prefix_list_id = props.text("DestinationPrefixListId")?.and_then(|v| model.known(scope, v));
    let mut target = |name: &str| -> Result<Option<String>, Located> {
        Ok(match props.text(name)? {
            Some(Err(_)) if MIDDLEBOX_TARGETS.contains(&name) => {
                // Named as the code writes it, without an inline block's path.
                let written = props.resource.written(name);
                Some(middlebox_known_at_deployment(written.rsplit('.').next().unwrap_or(&written)))
            }
            value => value.and_then(|v| model.known(scope, v)),
        })
    };
    route.gateway_id = target("GatewayId")?.or(target("VpcEndpointId")?);
    route.nat_gateway_id = target("NatGatewayId")?;
    route.instance_id = target("InstanceId")?;
    route.network_interface_id = target("NetworkInterfaceId")?;
    route.transit_gateway_id = target("TransitGatewayId")?;
    route.vpc_peering_connection_id = target("VpcPeeringConnectionId")?;
    route.egress_only_internet_gateway_id = target("EgressOnlyInternetGatewayId")?;
    route.local_gateway_id = target("LocalGatewayId")?;
    route.carrier_gateway_id = target("CarrierGatewayId")?;
    route.core_network_arn = target("CoreNetworkArn")?;
    Ok(route)
}

fn table_association(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    let table = props.required("RouteTableId")?;
    // aws_route_table_association may associate a gateway instead (an edge association): no subnet's.
    let Some(subnet) = props.text("SubnetId")? else { return Ok(()) };
    if let (Some(table), Some(subnet)) = (model.known(Member::RouteTables, table), model.known(Member::RouteTables, subnet)) {
        model.table_associations.push((table, subnet));
    }
    Ok(())
}

fn main_table(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    let (vpc, table) = (props.required("VpcId")?, props.required("RouteTableId")?);
    if let (Some(vpc), Some(table)) = (model.known(Member::RouteTables, vpc), model.known(Member::RouteTables, table)) {
        model.main_tables.push((vpc, table));
    }
    Ok(())
}
