//! The ways out of a VPC: internet and NAT gateways, and NAT instances with their interfaces and addresses.

use super::Attribute::Id;
use super::Type;
use crate::input::iac::props::Props;
use crate::input::iac::value::Value;
use crate::input::iac::{list, primary_interface, Located, Model, PublicAddress};
use crate::model::snapshot::*;
use crate::model::Member;

pub const TYPES: &[Type] = &[
    Type::new(&["AWS::EC2::InternetGateway"], &["aws_internet_gateway"], internet_gateway).attributes(&[("InternetGatewayId", Id)]),
    Type::new(&["AWS::EC2::VPCGatewayAttachment"], &["aws_internet_gateway_attachment"], gateway_attachment),
    Type::new(&["AWS::EC2::NatGateway"], &["aws_nat_gateway"], nat_gateway).attributes(&[("NatGatewayId", Id)]),
    Type::new(&["AWS::EC2::Instance"], &["aws_instance"], instance).renamed(&[("network_interface", "NetworkInterfaces")]),
    Type::new(&["AWS::EC2::NetworkInterface"], &["aws_network_interface"], network_interface),
    Type::new(&["AWS::EC2::NetworkInterfaceAttachment"], &["aws_network_interface_attachment"], interface_attachment),
    Type::new(&["AWS::EC2::EIP"], &["aws_eip"], elastic_ip)
        .attributes(&[("AllocationId", Id)])
        .renamed(&[("instance", "InstanceId"), ("network_interface", "NetworkInterfaceId")]),
    Type::new(&["AWS::EC2::EIPAssociation"], &["aws_eip_association"], elastic_ip_association),
];

fn internet_gateway(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    let id = props.id().to_string();
    list(&mut model.snapshot.internet_gateways).push(InternetGateway { internet_gateway_id: id.clone(), attachments: Vec::new() });
    // aws_internet_gateway attaches to the VPC it names.
    if let Some(vpc) = props.text("VpcId")?.and_then(|v| model.known(Member::InternetGateways, v)) {
        model.gateway_attachments.push((id, vpc));
    }
    Ok(())
}

fn gateway_attachment(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    // Without an internet gateway it attaches a VPN gateway, no way to the internet.
    if let (Some(igw), Some(vpc)) = (props.text("InternetGatewayId")?, props.text("VpcId")?) {
        if let (Some(igw), Some(vpc)) = (model.known(Member::InternetGateways, igw), model.known(Member::InternetGateways, vpc)) {
            model.gateway_attachments.push((igw, vpc));
        }
    }
    Ok(())
}

fn nat_gateway(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    // AWS::EC2::NatGateway and aws_nat_gateway: "AvailabilityMode ... zonal | regional", zonal by default;
    // a regional gateway names its VPC, not a subnet.
    let mode = props.plain("AvailabilityMode")?;
    let regional = mode.as_deref().is_some_and(|m| m.eq_ignore_ascii_case("regional"));
    let (subnet_id, vpc_id) = if regional {
        let Some(vpc_id) = model.known(Member::NatGateways, props.required("VpcId")?) else { return Ok(()) };
        (None, Some(vpc_id))
    } else {
        let Some(subnet_id) = model.known(Member::NatGateways, props.required("SubnetId")?) else { return Ok(()) };
        (Some(subnet_id), None)
    };
    // "ConnectivityType ... Default: public".
    let connectivity = props.plain("ConnectivityType")?.unwrap_or_else(|| "public".into());
    // An address known only at deployment is still an address.
    let mut allocations: Vec<String> = props.text("AllocationId")?.map(|a| a.unwrap_or_else(|why| why)).into_iter().collect();
    // Manual mode names each AZ's addresses; without them AWS allocates them (automatic mode).
    let zone_addresses = props.value("AvailabilityZoneAddresses")?;
    for zone in zone_addresses.iter().flat_map(Value::items) {
        let ids = zone.get("AllocationIds").map(Value::items).unwrap_or_default();
        allocations.extend(ids.iter().map(|id| id.text().map_or_else(|| id.unknown().unwrap_or_default().to_string(), str::to_string)));
    }
    list(&mut model.snapshot.nat_gateways).push(NatGateway {
        nat_gateway_id: props.id().to_string(),
        vpc_id,
        subnet_id,
        // CloudFormation and Terraform complete the resource when the gateway is available.
        state: Some("available".into()),
        connectivity_type: Some(connectivity),
        availability_mode: mode,
        auto_provision_zones: (regional && zone_addresses.is_none() && allocations.is_empty()).then(|| "enabled".to_string()),
        nat_gateway_addresses: allocations.into_iter().map(|a| NatGatewayAddress { allocation_id: Some(a), public_ip: None }).collect(),
    });
    Ok(())
}

/// An instance, for what a route through it needs (a NAT instance): its primary interface's subnet,
/// source/destination check and public address.
fn instance(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    let id = props.id().to_string();
    let Some(check) = model.known(Member::NetworkInterfaces, props.boolean("SourceDestCheck")?.unwrap_or(Ok(true))) else { return Ok(()) };
    // The interface at device index 0, when the instance lists its interfaces.
    let primary = match props.value("NetworkInterfaces")? {
        Some(Value::Unknown(why)) => {
            model.unknown(Member::NetworkInterfaces, why);
            return Ok(());
        }
        Some(items) => items.items().iter().find(|i| i.get("DeviceIndex").and_then(Value::text).map(str::trim) == Some("0")).cloned(),
        None => None,
    };
    let text = |model: &mut Model, value: Option<&Value>| match value.map(Value::fact) {
        Some(Ok(fact)) => model.known(Member::NetworkInterfaces, fact),
        _ => None,
    };
    let (subnet, public) = match &primary {
        Some(entry) => {
            if let Some(interface) = text(model, entry.get("NetworkInterfaceId")) {
                model.interface_attachments.push((interface, id));
                return Ok(());
            }
            (text(model, entry.get("SubnetId")), launch_address(text(model, entry.get("AssociatePublicIpAddress"))))
        }
        None => {
            let subnet = props.text("SubnetId")?.and_then(|s| model.known(Member::NetworkInterfaces, s));
            // A state holds the address the instance got.
            let public = match props.plain("PublicIp")? {
                Some(_) => Some(PublicAddress::AtLaunch),
                None => launch_address(props.plain("AssociatePublicIpAddress")?),
            };
            (subnet, public)
        }
    };
    let mut interface = primary_interface(&id, subnet, check);
    if let Some(existing) = props.plain("PrimaryNetworkInterfaceId")? {
        interface.network_interface_id = existing;
    }
    list(&mut model.snapshot.network_interfaces).push(interface);
    if let Some(public) = public {
        model.public_addresses.push((id, public));
    }
    Ok(())
}

/// What AssociatePublicIpAddress says: an address at launch, none, or the subnet's default when not said.
fn launch_address(associate: Option<String>) -> Option<PublicAddress> {
    match associate.map(|p| p.eq_ignore_ascii_case("true")) {
        Some(true) => Some(PublicAddress::AtLaunch),
        Some(false) => None,
        None => Some(PublicAddress::SubnetDefault),
    }
}

fn network_interface(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    let id = props.id().to_string();
    let subnet = props.required("SubnetId")?;
    let check = props.boolean("SourceDestCheck")?.unwrap_or(Ok(true));
    let (Some(subnet), Some(check)) = (model.known(Member::NetworkInterfaces, subnet), model.known(Member::NetworkInterfaces, check))
    else {
        return Ok(());
    };
    list(&mut model.snapshot.network_interfaces).push(NetworkInterface {
        network_interface_id: id.clone(),
        subnet_id: Some(subnet),
        vpc_id: None,
        availability_zone: None,
        source_dest_check: Some(check),
        status: Some("available".into()),
        attachment: None,
        association: None,
    });
    // aws_network_interface's own `attachment` blocks.
    for attachment in props.value("Attachment")?.iter().flat_map(Value::items) {
        if let Some(Ok(fact)) = attachment.get("Instance").map(Value::fact) {
            if let Some(instance) = model.known(Member::NetworkInterfaces, fact) {
                model.interface_attachments.push((id.clone(), instance));
            }
        }
    }
    Ok(())
}

fn interface_attachment(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    let (interface, instance) = (props.required("NetworkInterfaceId")?, props.required("InstanceId")?);
    if let (Some(interface), Some(instance)) =
        (model.known(Member::NetworkInterfaces, interface), model.known(Member::NetworkInterfaces, instance))
    {
        model.interface_attachments.push((interface, instance));
    }
    Ok(())
}

/// An Elastic IP given to an instance or an interface: a NAT instance's fixed address.
fn elastic_ip(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    give_address(model, props, Ok(props.id().to_string()))
}

fn elastic_ip_association(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    let allocation = props.text("AllocationId")?.or(props.text("EIP")?).unwrap_or_else(|| Ok(props.id().to_string()));
    give_address(model, props, allocation)
}

fn give_address(model: &mut Model, props: &Props<'_>, allocation: Result<String, String>) -> Result<(), Located> {
    let target = props.text("InstanceId")?.or(props.text("NetworkInterfaceId")?);
    if let Some(target) = target.and_then(|t| model.known(Member::NetworkInterfaces, t)) {
        if let Some(allocation) = model.known(Member::NetworkInterfaces, allocation) {
            model.public_addresses.push((target, PublicAddress::Elastic(allocation)));
        }
    }
    Ok(())
}
