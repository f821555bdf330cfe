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

    /// A target the tool cannot see past: transit gateway, VPN, peering, firewall, or another.
    pub fn is_middlebox(&self) -> bool {
        matches!(
            self,
            RouteTarget::TransitGateway(_)
                | RouteTarget::VirtualPrivateGateway(_)
                | RouteTarget::Peering(_)
                | RouteTarget::Firewall(_)
                | RouteTarget::Other(_)
        )
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
    /// Other routes to the same target that carry the rest of it (a default route written as
    /// `0.0.0.0/1` + `128.0.0.0/1`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub with: Vec<String>,
    /// The part of the destination asked about that this route carries, when a more specific route
    /// splits it (a blackhole for one /24 inside S3's range).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part: Option<Ipv4Net>,
    pub target: RouteTarget,
    pub blackhole: bool,
}

impl RouteMatch {
    fn new(table: &RouteTable, route: &Route, network: &Network) -> Self {
        Self {
            route_table_id: table.route_table_id.clone(),
            destination: destination_of(route),
            with: Vec::new(),
            part: None,
            target: RouteTarget::of(route, network),
            blackhole: is_blackhole(route),
        }
    }
}

impl fmt::Display for RouteMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(part) = self.part {
            write!(f, "{part} by ")?;
        }
        write!(f, "{}: {}", self.route_table_id, self.destination)?;
        for other in &self.with {
            write!(f, " + {other}")?;
        }
        write!(f, " -> {}", self.target)?;
        if self.blackhole {
            write!(f, " (blackhole)")?;
        }
        Ok(())
    }
}

/// One prefix a route matches: its CIDR, or one of its prefix list's CIDRs.
struct Candidate<'t> {
    net: Ipv4Net,
    from_prefix_list: bool,
    route: &'t Route,
}

/// The prefixes of a table's IPv4 routes (prefix lists expanded where the network knows their CIDRs).
fn candidates<'t>(network: &Network, table: &'t RouteTable, with_prefix_lists: bool) -> Vec<Candidate<'t>> {
    let mut all = Vec::new();
    for route in &table.routes {
        if let Some(net) = route.destination_cidr_block {
            all.push(Candidate { net, from_prefix_list: false, route });
        } else if let Some(list) = route.destination_prefix_list_id.as_ref().filter(|_| with_prefix_lists) {
            let cidrs = network.prefix_list_cidrs(list).unwrap_or_default();
            all.extend(cidrs.iter().map(|net| Candidate { net: *net, from_prefix_list: true, route }));
        }
    }
    all
}

/// The parts of `destination` each carried by one most specific route (None: no route matches).
pub type RoutedParts = Vec<(Ipv4Net, Option<RouteMatch>)>;

/// Longest-prefix match over a whole destination: `destination` is split wherever a more specific route
/// covers part of it, and each part takes its most specific route; at equal length a static route beats
/// a prefix-list route (the VPC User Guide's route priority). Prefix-list routes compete by the length
/// of their matching entry.
pub fn resolve(network: &Network, table: &RouteTable, destination: Ipv4Net) -> RoutedParts {
    let all = candidates(network, table, true);
    let overlapping: Vec<&Candidate<'_>> = all.iter().filter(|c| overlaps(c.net, destination)).collect();
    let mut parts = Vec::new();
    split(destination, &overlapping, &mut parts);
    parts.into_iter().map(|(part, best)| (part, best.map(|c| RouteMatch::new(table, c.route, network)))).collect()
}

fn overlaps(a: Ipv4Net, b: Ipv4Net) -> bool {
    a.contains(&b) || b.contains(&a)
}

/// Halves `part` until no candidate lies strictly inside it (at most 32 levels), then picks the best of
/// those containing it.
fn split<'c, 't>(part: Ipv4Net, candidates: &[&'c Candidate<'t>], parts: &mut Vec<(Ipv4Net, Option<&'c Candidate<'t>>)>) {
    let narrower = candidates.iter().any(|c| c.net.prefix_len() > part.prefix_len());
    if !narrower {
        let best = candidates.iter().copied().max_by_key(|c| (c.net.prefix_len(), !c.from_prefix_list));
        parts.push((part, best));
        return;
    }
    for half in part.subnets(part.prefix_len() + 1).into_iter().flatten() {
        let inside: Vec<&Candidate<'_>> = candidates.iter().copied().filter(|c| overlaps(c.net, half)).collect();
        split(half, &inside, parts);
    }
}

/// The default route: whatever carries 0.0.0.0/0 by longest prefix among the table's CIDR routes, so that
/// routes together covering it (`0.0.0.0/1` + `128.0.0.0/1` to one NAT gateway) act as one. The target
/// carrying the most addresses wins; at a tie the worse one (no route, then a blackhole). Prefix-list
/// routes carry a service, not the internet, and are left out. None: no route carries most of it.
pub fn default_route(network: &Network, table: &RouteTable) -> Option<RouteMatch> {
    let all = candidates(network, table, false);
    let refs: Vec<&Candidate<'_>> = all.iter().collect();
    let mut parts = Vec::new();
    split(Ipv4Net::default(), &refs, &mut parts);
    // (target, blackhole) -> addresses carried and the routes carrying them, largest first.
    type Carrier<'r> = (Option<(RouteTarget, bool)>, u64, Vec<&'r Route>);
    let mut carriers: Vec<Carrier<'_>> = Vec::new();
    for (part, best) in parts {
        let key = best.map(|c| (RouteTarget::of(c.route, network), is_blackhole(c.route)));
        let size = 1u64 << (32 - u32::from(part.prefix_len()));
        let index = match carriers.iter().position(|(k, _, _)| *k == key) {
            Some(i) => i,
            None => {
                carriers.push((key, 0, Vec::new()));
                carriers.len() - 1
            }
        };
        let carrier = &mut carriers[index];
        carrier.1 += size;
        if let Some(c) = best.filter(|c| !carrier.2.iter().any(|r| std::ptr::eq(*r, c.route))) {
            carrier.2.push(c.route);
        }
    }
    let badness = |key: &Option<(RouteTarget, bool)>| match key {
        None => 2,
        Some((_, true)) => 1,
        Some(_) => 0,
    };
    let (_, _, routes) = carriers.into_iter().max_by_key(|(key, size, _)| (*size, badness(key)))?;
    let mut routes = routes.into_iter();
    let mut found = RouteMatch::new(table, routes.next()?, network);
    found.with = routes.map(destination_of).collect();
    Some(found)
}

/// A route's destination as written: a CIDR or a prefix-list ID.
fn destination_of(route: &Route) -> String {
    route
        .destination_cidr_block
        .map(|c| c.to_string())
        .or_else(|| route.destination_ipv6_cidr_block.map(|c| c.to_string()))
        .or_else(|| route.destination_prefix_list_id.clone())
        .unwrap_or_default()
}

fn is_blackhole(route: &Route) -> bool {
    route.state.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("blackhole"))
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

    /// The route of a destination no route splits.
    fn lookup(n: &Network, table: &RouteTable, destination: Ipv4Net) -> Option<RouteMatch> {
        let parts = resolve(n, table, destination);
        assert_eq!(parts.len(), 1, "{destination} is split: {parts:?}");
        parts.into_iter().next().and_then(|(_, m)| m)
    }

    fn table(routes: serde_json::Value) -> Network {
        network(serde_json::json!({
            "PrefixLists": [{"PrefixListId": "pl-s3", "PrefixListName": "com.amazonaws.us-east-1.s3", "Cidrs": ["52.216.0.0/15", "3.5.0.0/19"]}],
            "VpcEndpoints": [{"VpcEndpointId": "vpce-s3", "VpcEndpointType": "Gateway", "VpcId": "vpc-1", "ServiceName": "com.amazonaws.us-east-1.s3"}],
            "RouteTables": [{"RouteTableId": "rtb-1", "VpcId": "vpc-1", "Routes": routes}]
        }))
    }

    fn only_table(n: &Network) -> &RouteTable {
        &n.snapshot.route_tables.as_ref().expect("tables")[0]
    }

    /// (part, target id, blackhole) of each part of a destination.
    fn parts(n: &Network, destination: &str) -> Vec<(String, String, bool)> {
        resolve(n, only_table(n), net(destination))
            .into_iter()
            .map(|(part, m)| {
                (part.to_string(), m.as_ref().map_or("none".to_string(), |m| m.target.id().to_string()), m.is_some_and(|m| m.blackhole))
            })
            .collect()
    }

    #[test]
    fn a_blackhole_inside_the_s3_range_is_its_own_part() {
        let n = table(serde_json::json!([
            {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "State": "active"},
            {"DestinationPrefixListId": "pl-s3", "GatewayId": "vpce-s3", "State": "active"},
            {"DestinationCidrBlock": "52.217.8.0/24", "NatGatewayId": "nat-gone", "State": "blackhole"}
        ]));
        let found = parts(&n, "52.216.0.0/15");
        assert!(found.contains(&("52.217.8.0/24".to_string(), "nat-gone".to_string(), true)), "{found:?}");
        let rest: Vec<_> = found.iter().filter(|(p, _, _)| p != "52.217.8.0/24").collect();
        assert!(rest.iter().all(|(_, target, blackhole)| target == "vpce-s3" && !blackhole), "{rest:?}");
        // Every address of the range is in exactly one part.
        let total: u64 = found.iter().map(|(p, _, _)| 1u64 << (32 - u32::from(net(p).prefix_len()))).sum();
        assert_eq!(total, 1 << 17);
        assert_eq!(parts(&n, "3.5.0.0/19"), [("3.5.0.0/19".to_string(), "vpce-s3".to_string(), false)]);
    }

    #[test]
    fn a_static_route_beats_a_prefix_list_route_of_the_same_length() {
        let n = table(serde_json::json!([
            {"DestinationPrefixListId": "pl-s3", "GatewayId": "vpce-s3", "State": "active"},
            {"DestinationCidrBlock": "52.216.0.0/15", "VpcPeeringConnectionId": "pcx-1", "State": "active"}
        ]));
        assert_eq!(parts(&n, "52.216.0.0/15"), [("52.216.0.0/15".to_string(), "pcx-1".to_string(), false)]);
        assert_eq!(parts(&n, "3.5.0.0/19"), [("3.5.0.0/19".to_string(), "vpce-s3".to_string(), false)]);
    }

    #[test]
    fn routes_that_together_cover_the_internet_are_the_default_route() {
        let n = table(serde_json::json!([
            {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "State": "active"},
            {"DestinationCidrBlock": "0.0.0.0/1", "NatGatewayId": "nat-1", "State": "active"},
            {"DestinationCidrBlock": "128.0.0.0/1", "NatGatewayId": "nat-1", "State": "active"},
            {"DestinationPrefixListId": "pl-s3", "GatewayId": "vpce-s3", "State": "active"}
        ]));
        let default = default_route(&n, only_table(&n)).expect("default route");
        assert_eq!(default.target, RouteTarget::NatGateway("nat-1".into()));
        assert_eq!((default.destination.as_str(), default.with.as_slice()), ("0.0.0.0/1", ["128.0.0.0/1".to_string()].as_slice()));
        assert_eq!(default.to_string(), "rtb-1: 0.0.0.0/1 + 128.0.0.0/1 -> a NAT gateway nat-1");
    }

    #[test]
    fn half_a_default_route_is_none_and_a_split_blackhole_wins_a_tie() {
        let half = table(serde_json::json!([{"DestinationCidrBlock": "0.0.0.0/1", "NatGatewayId": "nat-1", "State": "active"}]));
        assert!(default_route(&half, only_table(&half)).is_none());
        let split = table(serde_json::json!([
            {"DestinationCidrBlock": "0.0.0.0/1", "NatGatewayId": "nat-1", "State": "active"},
            {"DestinationCidrBlock": "128.0.0.0/1", "NatGatewayId": "nat-2", "State": "blackhole"}
        ]));
        assert!(default_route(&split, only_table(&split)).is_some_and(|r| r.blackhole));
        // A more specific route elsewhere does not change what carries the internet.
        let specific = table(serde_json::json!([
            {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-1", "State": "active"},
            {"DestinationCidrBlock": "52.0.0.0/8", "TransitGatewayId": "tgw-1", "State": "active"}
        ]));
        assert_eq!(default_route(&specific, only_table(&specific)).map(|r| r.target), Some(RouteTarget::NatGateway("nat-1".into())));
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
