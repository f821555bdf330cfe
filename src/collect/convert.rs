//! SDK answers to the snapshot model: the same shapes the AWS CLI prints, so a live run and a snapshot of
//! it are read by one code path.

use aws_sdk_ec2::types as ec2;
use aws_sdk_mwaa::primitives::{DateTime, DateTimeFormat};
use aws_sdk_mwaa::types as mwaa;
use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use super::CollectError;
use crate::model::snapshot::*;

fn text(value: Option<&str>) -> Option<String> {
    value.map(str::to_string)
}

fn required(value: Option<&str>, what: &str) -> Result<String, CollectError> {
    value.map(str::to_string).ok_or_else(|| CollectError::Unparsable(format!("{what} missing in the answer")))
}

fn v4(value: &str, what: &str) -> Result<Ipv4Net, CollectError> {
    value.parse().map_err(|_| CollectError::Unparsable(format!("{what} {value:?} is not an IPv4 CIDR")))
}

fn v6(value: &str, what: &str) -> Result<Ipv6Net, CollectError> {
    value.parse().map_err(|_| CollectError::Unparsable(format!("{what} {value:?} is not an IPv6 CIDR")))
}

fn ip(value: &str, what: &str) -> Result<IpNet, CollectError> {
    value.parse().map_err(|_| CollectError::Unparsable(format!("{what} {value:?} is not a CIDR")))
}

fn ipv6_associations<'a>(blocks: impl Iterator<Item = Option<&'a str>>) -> Result<Vec<Ipv6CidrAssociation>, CollectError> {
    blocks.map(|block| Ok(Ipv6CidrAssociation { ipv6_cidr_block: block.map(|c| v6(c, "Ipv6CidrBlock")).transpose()? })).collect()
}

fn timestamp(value: Option<&DateTime>) -> Option<Timestamp> {
    value.and_then(|t| t.fmt(DateTimeFormat::DateTime).ok()).map(Timestamp::Text)
}

pub fn vpc(v: &ec2::Vpc) -> Result<Vpc, CollectError> {
    Ok(Vpc {
        vpc_id: required(v.vpc_id(), "VpcId")?,
        cidr_block: v.cidr_block().map(|c| v4(c, "VPC CidrBlock")).transpose()?,
        cidr_block_association_set: v
            .cidr_block_association_set()
            .iter()
            .filter_map(|a| a.cidr_block())
            .map(|c| v4(c, "VPC CIDR association").map(|cidr_block| CidrAssociation { cidr_block }))
            .collect::<Result<_, _>>()?,
        ipv6_cidr_block_association_set: ipv6_associations(v.ipv6_cidr_block_association_set().iter().map(|a| a.ipv6_cidr_block()))?,
        dhcp_options_id: text(v.dhcp_options_id()),
        owner_id: text(v.owner_id()),
    })
}

pub fn subnet(s: &ec2::Subnet) -> Result<Subnet, CollectError> {
    Ok(Subnet {
        subnet_id: required(s.subnet_id(), "SubnetId")?,
        vpc_id: required(s.vpc_id(), "Subnet VpcId")?,
        availability_zone: text(s.availability_zone()),
        availability_zone_id: text(s.availability_zone_id()),
        cidr_block: s.cidr_block().map(|c| v4(c, "Subnet CidrBlock")).transpose()?,
        ipv6_cidr_block_association_set: ipv6_associations(s.ipv6_cidr_block_association_set().iter().map(|a| a.ipv6_cidr_block()))?,
        ipv6_native: s.ipv6_native(),
        available_ip_address_count: s.available_ip_address_count().and_then(|n| u32::try_from(n).ok()),
        map_public_ip_on_launch: s.map_public_ip_on_launch(),
        owner_id: text(s.owner_id()),
    })
}

pub fn route_table(t: &ec2::RouteTable) -> Result<RouteTable, CollectError> {
    Ok(RouteTable {
        route_table_id: required(t.route_table_id(), "RouteTableId")?,
        vpc_id: required(t.vpc_id(), "RouteTable VpcId")?,
        associations: t
            .associations()
            .iter()
            .map(|a| RouteTableAssociation {
                main: a.main().unwrap_or(false),
                route_table_association_id: text(a.route_table_association_id()),
                subnet_id: text(a.subnet_id()),
                gateway_id: text(a.gateway_id()),
            })
            .collect(),
        routes: t.routes().iter().map(route).collect::<Result<_, _>>()?,
    })
}

fn route(r: &ec2::Route) -> Result<Route, CollectError> {
    Ok(Route {
        destination_cidr_block: r.destination_cidr_block().map(|c| v4(c, "route destination")).transpose()?,
        destination_ipv6_cidr_block: r.destination_ipv6_cidr_block().map(|c| v6(c, "route destination")).transpose()?,
        destination_prefix_list_id: text(r.destination_prefix_list_id()),
        gateway_id: text(r.gateway_id()),
        nat_gateway_id: text(r.nat_gateway_id()),
        instance_id: text(r.instance_id()),
        network_interface_id: text(r.network_interface_id()),
        transit_gateway_id: text(r.transit_gateway_id()),
        vpc_peering_connection_id: text(r.vpc_peering_connection_id()),
        egress_only_internet_gateway_id: text(r.egress_only_internet_gateway_id()),
        local_gateway_id: text(r.local_gateway_id()),
        carrier_gateway_id: text(r.carrier_gateway_id()),
        core_network_arn: text(r.core_network_arn()),
        state: r.state().map(|s| s.as_str().to_string()),
    })
}

pub fn network_acl(n: &ec2::NetworkAcl) -> Result<NetworkAcl, CollectError> {
    Ok(NetworkAcl {
        network_acl_id: required(n.network_acl_id(), "NetworkAclId")?,
        vpc_id: required(n.vpc_id(), "NetworkAcl VpcId")?,
        is_default: n.is_default().unwrap_or(false),
        associations: n
            .associations()
            .iter()
            .filter_map(|a| a.subnet_id())
            .map(|s| NetworkAclAssociation { subnet_id: s.to_string() })
            .collect(),
        entries: n
            .entries()
            .iter()
            .map(|e| {
                Ok(NetworkAclEntry {
                    rule_number: e.rule_number().and_then(|n| u32::try_from(n).ok()).unwrap_or(32767),
                    protocol: e.protocol().unwrap_or("-1").to_string(),
                    // Anything but an explicit allow denies (fail closed).
                    rule_action: if e.rule_action() == Some(&ec2::RuleAction::Allow) { RuleAction::Allow } else { RuleAction::Deny },
                    egress: e.egress().unwrap_or(false),
                    cidr_block: e.cidr_block().map(|c| v4(c, "NACL entry CidrBlock")).transpose()?,
                    ipv6_cidr_block: e.ipv6_cidr_block().map(|c| v6(c, "NACL entry Ipv6CidrBlock")).transpose()?,
                    port_range: e.port_range().map(|p| PortRange { from: p.from().unwrap_or(0), to: p.to().unwrap_or(65535) }),
                })
            })
            .collect::<Result<_, CollectError>>()?,
    })
}

pub fn security_group(g: &ec2::SecurityGroup) -> Result<SecurityGroup, CollectError> {
    let permissions = |list: &[ec2::IpPermission]| -> Result<Vec<IpPermission>, CollectError> {
        list.iter()
            .map(|p| {
                Ok(IpPermission {
                    ip_protocol: p.ip_protocol().unwrap_or("-1").to_string(),
                    from_port: p.from_port(),
                    to_port: p.to_port(),
                    ip_ranges: p
                        .ip_ranges()
                        .iter()
                        .filter_map(|r| r.cidr_ip())
                        .map(|c| v4(c, "security group CidrIp").map(|cidr_ip| IpRange { cidr_ip }))
                        .collect::<Result<_, _>>()?,
                    ipv6_ranges: p
                        .ipv6_ranges()
                        .iter()
                        .filter_map(|r| r.cidr_ipv6())
                        .map(|c| v6(c, "security group CidrIpv6").map(|cidr_ipv6| Ipv6Range { cidr_ipv6 }))
                        .collect::<Result<_, _>>()?,
                    prefix_list_ids: p
                        .prefix_list_ids()
                        .iter()
                        .filter_map(|l| l.prefix_list_id())
                        .map(|id| PrefixListId { prefix_list_id: id.to_string() })
                        .collect(),
                    user_id_group_pairs: p
                        .user_id_group_pairs()
                        .iter()
                        .filter_map(|pair| Some(UserIdGroupPair { group_id: pair.group_id()?.to_string(), user_id: text(pair.user_id()) }))
                        .collect(),
                })
            })
            .collect()
    };
    Ok(SecurityGroup {
        group_id: required(g.group_id(), "GroupId")?,
        group_name: text(g.group_name()),
        vpc_id: text(g.vpc_id()),
        owner_id: text(g.owner_id()),
        ip_permissions: permissions(g.ip_permissions())?,
        ip_permissions_egress: permissions(g.ip_permissions_egress())?,
    })
}

pub fn vpc_endpoint(e: &ec2::VpcEndpoint) -> Result<VpcEndpoint, CollectError> {
    Ok(VpcEndpoint {
        vpc_endpoint_id: required(e.vpc_endpoint_id(), "VpcEndpointId")?,
        vpc_endpoint_type: e.vpc_endpoint_type().map_or("Interface", |t| t.as_str()).to_string(),
        vpc_id: required(e.vpc_id(), "VpcEndpoint VpcId")?,
        service_name: required(e.service_name(), "ServiceName")?,
        // AWS answers `available` where the SDK enum expects `Available`: keep the text as sent.
        state: e.state().map(|s| s.as_str().to_string()),
        policy_document: text(e.policy_document()),
        route_table_ids: e.route_table_ids().to_vec(),
        subnet_ids: e.subnet_ids().to_vec(),
        groups: e.groups().iter().filter_map(|g| Some(SecurityGroupIdentifier { group_id: g.group_id()?.to_string() })).collect(),
        private_dns_enabled: e.private_dns_enabled().unwrap_or(false),
        owner_id: text(e.owner_id()),
    })
}

pub fn nat_gateway(n: &ec2::NatGateway) -> Result<NatGateway, CollectError> {
    Ok(NatGateway {
        nat_gateway_id: required(n.nat_gateway_id(), "NatGatewayId")?,
        vpc_id: text(n.vpc_id()),
        subnet_id: text(n.subnet_id()),
        state: n.state().map(|s| s.as_str().to_string()),
        connectivity_type: n.connectivity_type().map(|c| c.as_str().to_string()),
        availability_mode: n.availability_mode().map(|m| m.as_str().to_string()),
        auto_provision_zones: n.auto_provision_zones().map(|z| z.as_str().to_string()),
        nat_gateway_addresses: n
            .nat_gateway_addresses()
            .iter()
            .map(|a| NatGatewayAddress { allocation_id: text(a.allocation_id()), public_ip: text(a.public_ip()) })
            .collect(),
    })
}

pub fn network_interface(i: &ec2::NetworkInterface) -> Result<NetworkInterface, CollectError> {
    Ok(NetworkInterface {
        network_interface_id: required(i.network_interface_id(), "NetworkInterfaceId")?,
        subnet_id: text(i.subnet_id()),
        vpc_id: text(i.vpc_id()),
        availability_zone: text(i.availability_zone()),
        source_dest_check: i.source_dest_check(),
        status: i.status().map(|s| s.as_str().to_string()),
        attachment: i
            .attachment()
            .map(|a| InterfaceAttachment { instance_id: text(a.instance_id()), status: a.status().map(|s| s.as_str().to_string()) }),
        association: i
            .association()
            .map(|a| InterfaceAssociation { public_ip: text(a.public_ip()), allocation_id: text(a.allocation_id()) }),
    })
}

pub fn internet_gateway(g: &ec2::InternetGateway) -> Result<InternetGateway, CollectError> {
    Ok(InternetGateway {
        internet_gateway_id: required(g.internet_gateway_id(), "InternetGatewayId")?,
        attachments: g
            .attachments()
            .iter()
            .filter_map(|a| {
                Some(InternetGatewayAttachment { vpc_id: a.vpc_id()?.to_string(), state: a.state().map(|s| s.as_str().to_string()) })
            })
            .collect(),
    })
}

pub fn prefix_list(p: &ec2::PrefixList) -> Result<PrefixList, CollectError> {
    Ok(PrefixList {
        prefix_list_id: required(p.prefix_list_id(), "PrefixListId")?,
        prefix_list_name: text(p.prefix_list_name()),
        cidrs: p.cidrs().iter().map(|c| ip(c, "prefix list CIDR")).collect::<Result<_, _>>()?,
    })
}

pub fn endpoint_service(s: &ec2::ServiceDetail) -> Result<VpcEndpointService, CollectError> {
    Ok(VpcEndpointService {
        service_name: required(s.service_name(), "ServiceName")?,
        service_id: text(s.service_id()),
        availability_zones: s.availability_zones().to_vec(),
        availability_zone_ids: s.availability_zone_ids().to_vec(),
    })
}

pub fn prefix_list_entries(entries: &[ec2::PrefixListEntry]) -> Result<Vec<PrefixListEntry>, CollectError> {
    entries.iter().filter_map(|e| e.cidr()).map(|c| ip(c, "prefix list entry").map(|cidr| PrefixListEntry { cidr })).collect()
}

pub fn dhcp_options(d: &ec2::DhcpOptions) -> Result<DhcpOptions, CollectError> {
    Ok(DhcpOptions {
        dhcp_options_id: required(d.dhcp_options_id(), "DhcpOptionsId")?,
        dhcp_configurations: d
            .dhcp_configurations()
            .iter()
            .map(|c| DhcpConfiguration {
                key: c.key().unwrap_or_default().to_string(),
                values: c.values().iter().filter_map(|v| v.value()).map(|v| AttributeValue { value: v.to_string() }).collect(),
            })
            .collect(),
    })
}

pub fn environment(e: &mwaa::Environment) -> Result<Environment, CollectError> {
    Ok(Environment {
        name: required(e.name(), "Environment Name")?,
        arn: text(e.arn()),
        status: e.status().map(|s| s.as_str().to_string()),
        created_at: timestamp(e.created_at()),
        network_configuration: e
            .network_configuration()
            .map(|n| NetworkConfiguration { subnet_ids: n.subnet_ids().to_vec(), security_group_ids: n.security_group_ids().to_vec() }),
        webserver_access_mode: e.webserver_access_mode().map(|m| m.as_str().to_string()),
        endpoint_management: e.endpoint_management().map(|m| m.as_str().to_string()),
        source_bucket_arn: text(e.source_bucket_arn()),
        kms_key: text(e.kms_key()),
        environment_class: text(e.environment_class()),
        max_workers: e.max_workers().and_then(|n| u32::try_from(n).ok()),
        schedulers: e.schedulers().and_then(|n| u32::try_from(n).ok()),
        last_update: e.last_update().map(|u| LastUpdate {
            status: u.status().map(|s| s.as_str().to_string()),
            created_at: timestamp(u.created_at()),
            error: u.error().map(|err| UpdateError { error_code: text(err.error_code()), error_message: text(err.error_message()) }),
        }),
        database_vpc_endpoint_service: text(e.database_vpc_endpoint_service()),
        webserver_vpc_endpoint_service: text(e.webserver_vpc_endpoint_service()),
        celery_executor_queue: text(e.celery_executor_queue()),
        execution_role_arn: text(e.execution_role_arn()),
        dag_s3_path: text(e.dag_s3_path()),
        requirements_s3_path: text(e.requirements_s3_path()),
        plugins_s3_path: text(e.plugins_s3_path()),
        startup_script_s3_path: text(e.startup_script_s3_path()),
        requirements_s3_object_version: text(e.requirements_s3_object_version()),
        plugins_s3_object_version: text(e.plugins_s3_object_version()),
        startup_script_s3_object_version: text(e.startup_script_s3_object_version()),
        airflow_version: text(e.airflow_version()),
        logging_configuration: e.logging_configuration().map(|l| {
            let module = |m: Option<&mwaa::ModuleLoggingConfiguration>| {
                m.map(|m| LogModule { enabled: m.enabled(), log_level: m.log_level().map(|l| l.as_str().to_string()) })
            };
            LoggingConfiguration {
                dag_processing_logs: module(l.dag_processing_logs()),
                scheduler_logs: module(l.scheduler_logs()),
                task_logs: module(l.task_logs()),
                webserver_logs: module(l.webserver_logs()),
                worker_logs: module(l.worker_logs()),
            }
        }),
        tags: e.tags().map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
    })
}
