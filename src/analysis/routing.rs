//! Routes: effective tables (explicit association, else main), longest-prefix match across CIDR and
//! prefix-list routes, blackholes, and what kind of thing a route sends traffic to.

use std::fmt;

use ipnet::Ipv4Net;
use serde::Serialize;

use crate::model::{Network, Route, RouteTable};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum RouteTarget {
    Local,
    InternetGateway(String),
    NatGateway(String),
    /// An instance or network interface as next hop: a NAT instance (or another appliance).
    NatInstance(String),
    TransitGateway(String),
    VirtualPrivateGateway(String),
    Peering(String),
    GatewayEndpoint(String),
    /// Gateway Load Balancer endpoint (AWS Network Firewall, third-party appliances).
    Firewall(String),
    EgressOnlyInternetGateway(String),
    Other(String),
}

impl RouteTarget {
    pub fn of(route: &Route, network: &Network) -> Self {
        let id = |s: &Option<String>| s.clone().unwrap_or_default();
        if route.nat_gateway_id.is_some() {
            return RouteTarget::NatGateway(id(&route.nat_gateway_id));
        }
        if route.transit_gateway_id.is_some() {
            return RouteTarget::TransitGateway(id(&route.transit_gateway_id));
        }
        if route.vpc_peering_connection_id.is_some() {
            return RouteTarget::Peering(id(&route.vpc_peering_connection_id));
        }
        if route.egress_only_internet_gateway_id.is_some() {
            return RouteTarget::EgressOnlyInternetGateway(id(&route.egress_only_internet_gateway_id));
        }
        if let Some(other) = route.local_gateway_id.as_ref().or(route.carrier_gateway_id.as_ref()).or(route.core_network_arn.as_ref()) {
            return RouteTarget::Other(other.clone());
        }
        if let Some(gateway) = &route.gateway_id {
            return match gateway.as_str() {
                "local" => RouteTarget::Local,
                // By what the network holds first: a template's IDs are logical IDs, without AWS's prefixes.
                g if network.has_internet_gateway(g) || g.starts_with("igw-") => RouteTarget::InternetGateway(g.to_string()),
                g if g.starts_with("vgw-") => RouteTarget::VirtualPrivateGateway(g.to_string()),
                g if network.endpoint(g).is_some() || g.starts_with("vpce-") => {
                    let gateway_type = network.endpoint(g).map(|e| e.vpc_endpoint_type.as_str());
                    match (gateway_type, &route.destination_prefix_list_id) {
                        (Some(t), _) if t.eq_ignore_ascii_case("GatewayLoadBalancer") => RouteTarget::Firewall(g.to_string()),
                        (Some(t), _) if t.eq_ignore_ascii_case("Gateway") => RouteTarget::GatewayEndpoint(g.to_string()),
                        (None, Some(_)) => RouteTarget::GatewayEndpoint(g.to_string()),
                        _ => RouteTarget::Firewall(g.to_string()),
                    }
                }
                g => RouteTarget::Other(g.to_string()),
            };
        }
        if let Some(instance) = route.instance_id.as_ref().or(route.network_interface_id.as_ref()) {
            return RouteTarget::NatInstance(instance.clone());
        }
        RouteTarget::Other("unknown".to_string())
    }

    pub fn id(&self) -> &str {
        match self {
            RouteTarget::Local => "local",
            RouteTarget::InternetGateway(id)
            | RouteTarget::NatGateway(id)
            | RouteTarget::NatInstance(id)
            | RouteTarget::TransitGateway(id)
            | RouteTarget::VirtualPrivateGateway(id)
            | RouteTarget::Peering(id)
            | RouteTarget::GatewayEndpoint(id)
            | RouteTarget::Firewall(id)
            | RouteTarget::EgressOnlyInternetGateway(id)
            | RouteTarget::Other(id) => id,
        }
    }

    pub fn is_nat(&self) -> bool {
        matches!(self, RouteTarget::NatGateway(_) | RouteTarget::NatInstance(_))
    }

    pub fn describe(&self) -> &'static str {
        match self {
            RouteTarget::Local => "the VPC (local)",
            RouteTarget::InternetGateway(_) => "an internet gateway",
            RouteTarget::NatGateway(_) => "a NAT gateway",
            RouteTarget::NatInstance(_) => "a NAT instance",
            RouteTarget::TransitGateway(_) => "a transit gateway",
            RouteTarget::VirtualPrivateGateway(_) => "a virtual private gateway",
            RouteTarget::Peering(_) => "a VPC peering connection",
            RouteTarget::GatewayEndpoint(_) => "a gateway endpoint",
            RouteTarget::Firewall(_) => "a firewall endpoint",
            RouteTarget::EgressOnlyInternetGateway(_) => "an egress-only internet gateway",
            RouteTarget::Other(_) => "another target",
        }
    }
}

impl fmt::Display for RouteTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RouteTarget::Local => write!(f, "local"),
            other => write!(f, "{} {}", other.describe(), other.id()),
        }
    }
}

/// The route a destination takes in one table.
#[derive(Debug, Clone, Serialize)]
pub struct RouteMatch {
    pub route_table_id: String,
    /// The route's destination as written: a CIDR or a prefix-list ID.
    pub destination: String,
    pub target: RouteTarget,
    pub blackhole: bool,
}

impl RouteMatch {
    fn new(table: &RouteTable, route: &Route, network: &Network) -> Self {
        let destination = route
            .destination_cidr_block
            .map(|c| c.to_string())
            .or_else(|| route.destination_ipv6_cidr_block.map(|c| c.to_string()))
            .or_else(|| route.destination_prefix_list_id.clone())
            .unwrap_or_default();
        Self {
            route_table_id: table.route_table_id.clone(),
            destination,
            target: RouteTarget::of(route, network),
            blackhole: route.state.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("blackhole")),
        }
    }
}

impl fmt::Display for RouteMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} -> {}", self.route_table_id, self.destination, self.target)?;
        if self.blackhole {
            write!(f, " (blackhole)")?;
        }
        Ok(())
    }
}

/// Longest-prefix match of a whole destination CIDR: the most specific route whose destination (a CIDR,
/// or one of a prefix list's CIDRs) contains it. Prefix-list routes compete by the matching entry's length.
pub fn lookup(network: &Network, table: &RouteTable, destination: Ipv4Net) -> Option<RouteMatch> {
    let mut best: Option<(u8, &Route)> = None;
    for route in &table.routes {
        let prefix_len = if let Some(cidr) = route.destination_cidr_block {
            cidr.contains(&destination).then_some(cidr.prefix_len())
        } else if let Some(list) = &route.destination_prefix_list_id {
            network
                .prefix_list_cidrs(list)
                .and_then(|cidrs| cidrs.iter().filter(|c| c.contains(&destination)).map(|c| c.prefix_len()).max())
        } else {
            None
        };
        if let Some(len) = prefix_len {
            if best.is_none_or(|(best_len, _)| len > best_len) {
                best = Some((len, route));
            }
        }
    }
    best.map(|(_, route)| RouteMatch::new(table, route, network))
}

/// The route for 0.0.0.0/0 itself (the default route), if the table has one.
pub fn default_route(network: &Network, table: &RouteTable) -> Option<RouteMatch> {
    let any: Ipv4Net = Ipv4Net::default();
    table.routes.iter().find(|r| r.destination_cidr_block == Some(any)).map(|route| RouteMatch::new(table, route, network))
}

/// Every route of a table to an internet gateway, whatever its destination (what makes a subnet public).
pub fn internet_gateway_routes(network: &Network, table: &RouteTable) -> Vec<RouteMatch> {
    table
        .routes
        .iter()
        .map(|route| RouteMatch::new(table, route, network))
        .filter(|m| matches!(m.target, RouteTarget::InternetGateway(_)))
        .collect()
}

/// The route sending a prefix list to a given gateway endpoint, if the table has it.
pub fn prefix_list_route_to(network: &Network, table: &RouteTable, endpoint_id: &str) -> Option<RouteMatch> {
    table
        .routes
        .iter()
        .filter(|r| r.destination_prefix_list_id.is_some() && r.gateway_id.as_deref() == Some(endpoint_id))
        .map(|route| RouteMatch::new(table, route, network))
        .next()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Snapshot;

    fn network(json: serde_json::Value) -> Network {
        let snapshot: Snapshot = serde_json::from_value(json).expect("test snapshot");
        Network::new(snapshot).expect("model")
    }

    fn net(cidr: &str) -> Ipv4Net {
        cidr.parse().expect("test CIDR")
    }

    #[test]
    fn main_table_applies_without_explicit_association() {
        let n = network(serde_json::json!({
            "Subnets": [
                {"SubnetId": "subnet-1", "VpcId": "vpc-1", "CidrBlock": "10.0.1.0/24"},
                {"SubnetId": "subnet-2", "VpcId": "vpc-1", "CidrBlock": "10.0.2.0/24"}
            ],
            "RouteTables": [
                {"RouteTableId": "rtb-main", "VpcId": "vpc-1", "Associations": [{"Main": true}], "Routes": []},
                {"RouteTableId": "rtb-2", "VpcId": "vpc-1", "Associations": [{"Main": false, "SubnetId": "subnet-2"}], "Routes": []}
            ]
        }));
        let s1 = n.subnet("subnet-1").expect("subnet");
        let s2 = n.subnet("subnet-2").expect("subnet");
        let (t1, a1) = n.effective_route_table(s1).expect("main");
        assert_eq!((t1.route_table_id.as_str(), a1), ("rtb-main", crate::model::Association::Main));
        let (t2, a2) = n.effective_route_table(s2).expect("explicit");
        assert_eq!((t2.route_table_id.as_str(), a2), ("rtb-2", crate::model::Association::Explicit));
    }

    #[test]
    fn longest_prefix_wins_across_prefix_lists_and_blackholes_show() {
        let n = network(serde_json::json!({
            "PrefixLists": [{"PrefixListId": "pl-s3", "PrefixListName": "com.amazonaws.us-east-1.s3", "Cidrs": ["52.216.0.0/15"]}],
            "VpcEndpoints": [{"VpcEndpointId": "vpce-s3", "VpcEndpointType": "Gateway", "VpcId": "vpc-1", "ServiceName": "com.amazonaws.us-east-1.s3"}],
            "RouteTables": [{"RouteTableId": "rtb-1", "VpcId": "vpc-1", "Routes": [
                {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "State": "active"},
                {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-1", "State": "blackhole"},
                {"DestinationCidrBlock": "52.0.0.0/8", "TransitGatewayId": "tgw-1", "State": "active"},
                {"DestinationPrefixListId": "pl-s3", "GatewayId": "vpce-s3", "State": "active"}
            ]}]
        }));
        let table = &n.snapshot.route_tables.as_ref().expect("tables")[0];
        let s3 = lookup(&n, table, net("52.216.10.0/24")).expect("route");
        assert_eq!(s3.target, RouteTarget::GatewayEndpoint("vpce-s3".into()));
        let other = lookup(&n, table, net("52.1.0.0/16")).expect("route");
        assert_eq!(other.target, RouteTarget::TransitGateway("tgw-1".into()));
        let local = lookup(&n, table, net("10.0.5.0/24")).expect("route");
        assert_eq!(local.target, RouteTarget::Local);
        let default = default_route(&n, table).expect("default");
        assert!(default.blackhole);
        assert_eq!(default.target, RouteTarget::NatGateway("nat-1".into()));
        assert!(lookup(&n, table, net("8.8.8.0/24")).is_some_and(|m| m.blackhole));
    }

    #[test]
    fn targets_are_classified() {
        let n = network(serde_json::json!({}));
        let route = |json: serde_json::Value| -> Route { serde_json::from_value(json).expect("route") };
        assert_eq!(RouteTarget::of(&route(serde_json::json!({"GatewayId": "igw-1"})), &n), RouteTarget::InternetGateway("igw-1".into()));
        assert_eq!(
            RouteTarget::of(&route(serde_json::json!({"GatewayId": "vgw-1"})), &n),
            RouteTarget::VirtualPrivateGateway("vgw-1".into())
        );
        assert_eq!(
            RouteTarget::of(&route(serde_json::json!({"InstanceId": "i-1", "NetworkInterfaceId": "eni-1"})), &n),
            RouteTarget::NatInstance("i-1".into())
        );
        assert_eq!(
            RouteTarget::of(&route(serde_json::json!({"VpcPeeringConnectionId": "pcx-1"})), &n),
            RouteTarget::Peering("pcx-1".into())
        );
        assert_eq!(RouteTarget::of(&route(serde_json::json!({"GatewayId": "vpce-fw"})), &n), RouteTarget::Firewall("vpce-fw".into()));
        assert_eq!(
            RouteTarget::of(&route(serde_json::json!({"GatewayId": "vpce-s3", "DestinationPrefixListId": "pl-1"})), &n),
            RouteTarget::GatewayEndpoint("vpce-s3".into())
        );
    }
}
