//! The flows an environment needs (RULES.md "Flows"), each followed hop by hop: source SG egress, route,
//! NACLs out and in, destination SG ingress, and the return legs through the NACLs on ephemeral ports.

use std::fmt;

use ipnet::Ipv4Net;
use serde::Serialize;

use super::addr::{AddrSet, Ports};
use super::nacl::{self, Direction, NaclVerdict, Packet};
use super::routing::{self, RouteMatch, RouteTarget};
use super::sg::{self, Peer};
use super::{Analysis, Routing};
use crate::model::{Member, Network, RouteTable, Subnet, VpcEndpoint};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum FlowKind {
    #[serde(rename = "F-SELF")]
    SelfTraffic,
    #[serde(rename = "F-INTERNET")]
    Internet,
    #[serde(rename = "F-ENDPOINT")]
    Endpoint,
    #[serde(rename = "F-S3")]
    S3,
    #[serde(rename = "F-DB")]
    Database,
    #[serde(rename = "F-WEB")]
    Webserver,
}

impl fmt::Display for FlowKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = serde_json::to_value(self).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
        f.write_str(&text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    SgEgress,
    Route,
    NaclEgress,
    NaclIngress,
    SgIngress,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Leg {
    Request,
    Return,
}

#[derive(Debug, Clone, Serialize)]
pub struct Hop {
    pub step: Step,
    pub leg: Leg,
    /// The resource deciding this hop: SG IDs, route table, NACL.
    pub resource: String,
    pub subnet: String,
    pub allowed: bool,
    /// The deciding rule or route, in words.
    pub rule: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route: Option<RouteMatch>,
    /// NACL hops: the far end and the ports judged, and the deciding entry's number (None: the `*` deny).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ports: Option<String>,
    #[serde(skip)]
    pub deciding_rule: Option<u32>,
    /// What an allow rule at this hop must admit for the traffic to pass (remediations build on it).
    #[serde(skip)]
    pub opening: Option<Opening>,
    /// The input lacks what decides this hop: neither passed nor blocked (`allowed` stays true so that no
    /// rule reports it), and the rules judging this step are skipped with the reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unknown: Option<String>,
}

/// The far end and ports a security group or NACL rule must admit to let a hop through.
#[derive(Debug, Clone)]
pub struct Opening {
    pub peer: Peer,
    pub ports: Ports,
}

impl Hop {
    fn blank(step: Step, subnet: &Subnet) -> Self {
        Hop {
            step,
            leg: Leg::Request,
            resource: String::new(),
            subnet: subnet.subnet_id.clone(),
            allowed: true,
            rule: String::new(),
            route: None,
            peer: None,
            ports: None,
            deciding_rule: None,
            opening: None,
            unknown: None,
        }
    }

    pub fn is_nacl(&self) -> bool {
        matches!(self.step, Step::NaclEgress | Step::NaclIngress)
    }
}

impl fmt::Display for Hop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mark = match (self.allowed, &self.unknown) {
            (_, Some(_)) => "?",
            (true, None) => "pass",
            (false, None) => "BLOCK",
        };
        let step = match (self.step, self.leg) {
            (Step::SgEgress, _) => "SG egress",
            (Step::Route, _) => "route",
            (Step::NaclEgress, Leg::Request) => "NACL out",
            (Step::NaclIngress, Leg::Request) => "NACL in",
            (Step::NaclEgress, Leg::Return) => "NACL out (return)",
            (Step::NaclIngress, Leg::Return) => "NACL in (return)",
            (Step::SgIngress, _) => "SG ingress",
        };
        write!(f, "{mark:5} {step:17} {} [{}]: {}", self.resource, self.subnet, self.rule)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Flow {
    pub kind: FlowKind,
    pub source_subnet: String,
    pub destination: String,
    pub port: u16,
    /// The endpoint (interface, customer database/webserver) the flow goes to, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint_id: Option<String>,
    pub hops: Vec<Hop>,
    /// Index in `hops` of the first hop that blocks.
    pub blocked_at: Option<usize>,
}

impl Flow {
    pub fn label(&self) -> String {
        format!("{} {} -> {} tcp/{}", self.kind, self.source_subnet, self.destination, self.port)
    }

    pub fn blocked(&self) -> bool {
        self.blocked_at.is_some()
    }

    pub fn first_block(&self) -> Option<&Hop> {
        self.blocked_at.and_then(|i| self.hops.get(i))
    }

    /// The hop lines with the first blocking one marked, each with whether it passed.
    pub fn trace(&self) -> Vec<(String, bool)> {
        let mut lines = vec![(self.label(), false)];
        for (i, hop) in self.hops.iter().enumerate() {
            let marker = if Some(i) == self.blocked_at { "  <- first block" } else { "" };
            lines.push((format!("  {hop}{marker}"), hop.allowed));
        }
        lines
    }
}

/// The far end of a NACL hop: its addresses and how to name them.
struct Far {
    addrs: AddrSet,
    label: String,
}

impl Far {
    fn end(end: &End<'_>) -> Self {
        Far { addrs: AddrSet::from_net(end.cidr), label: end.cidr.to_string() }
    }
}

/// One end of a flow: a set of ENIs in a subnet, with the subnet's IPv4 CIDR they take addresses from.
struct End<'a> {
    subnet: &'a Subnet,
    cidr: Ipv4Net,
    groups: Vec<String>,
}

impl<'a> End<'a> {
    /// None for an IPv6-only subnet: no IPv4 flow starts or ends there (SUB006 reports it).
    fn of(subnet: &'a Subnet, groups: Vec<String>) -> Option<Self> {
        Some(End { subnet, cidr: subnet.cidr_block?, groups })
    }
}

struct FlowBuilder<'a> {
    network: &'a Network,
    hops: Vec<Hop>,
}

impl<'a> FlowBuilder<'a> {
    fn new(network: &'a Network) -> Self {
        Self { network, hops: Vec::new() }
    }

    fn sg(&mut self, step: Step, groups: &[String], subnet: &Subnet, peer: &Peer, port: u16) {
        let direction = if step == Step::SgEgress { Direction::Egress } else { Direction::Ingress };
        let verdict = sg::evaluate(self.network, groups, direction, peer, port);
        self.hops.push(Hop {
            resource: groups.join(","),
            allowed: verdict.allowed || verdict.unknown.is_some(),
            rule: match &verdict.unknown {
                Some(why) => format!("unknown: {why}"),
                None => verdict.rule_label(),
            },
            unknown: verdict.unknown.clone(),
            opening: Some(Opening { peer: peer.clone(), ports: Ports::single(port) }),
            ..Hop::blank(step, subnet)
        });
    }

    /// The route from `subnet` for every address of `destination`, each part by its most specific route;
    /// the hop passes when every part takes a route of the expected kind and none is a blackhole. The
    /// first failing part is the one the hop names.
    fn route(&mut self, subnet: &Subnet, destination: &[Ipv4Net], expect: impl Fn(&RouteTarget) -> bool) {
        let Some(table) = self.route_table(subnet) else { return };
        let mut worst: Option<(bool, String, Option<RouteMatch>)> = None;
        for cidr in destination {
            for (part, found) in routing::resolve(self.network, table, *cidr) {
                let found = found.map(|m| RouteMatch { part: (part != *cidr).then_some(part), ..m });
                let (ok, rule) = match &found {
                    None if part == *cidr => (false, format!("no route for {cidr}")),
                    None => (false, format!("no route for {part} (part of {cidr})")),
                    Some(m) => (!m.blackhole && expect(&m.target), m.to_string()),
                };
                if worst.as_ref().is_none_or(|(worst_ok, _, _)| *worst_ok && !ok) {
                    worst = Some((ok, rule, found));
                }
            }
        }
        let (allowed, rule, route) = worst.unwrap_or((true, "no destination".to_string(), None));
        self.hops.push(Hop { resource: table.route_table_id.clone(), allowed, rule, route, ..Hop::blank(Step::Route, subnet) });
    }

    /// The subnet's default route (what carries 0.0.0.0/0); passes when its target is of the expected kind.
    fn default_route(&mut self, subnet: &Subnet, expect: impl Fn(&RouteTarget) -> bool) {
        let Some(table) = self.route_table(subnet) else { return };
        let (allowed, rule, route) = match routing::default_route(self.network, table) {
            None => (false, "no route for 0.0.0.0/0".to_string(), None),
            Some(m) => (!m.blackhole && expect(&m.target), m.to_string(), Some(m)),
        };
        self.hops.push(Hop { resource: table.route_table_id.clone(), allowed, rule, route, ..Hop::blank(Step::Route, subnet) });
    }

    /// The subnet's effective route table, or an unknown route hop saying why there is none.
    fn route_table(&mut self, subnet: &Subnet) -> Option<&'a RouteTable> {
        let found = self.network.effective_route_table(subnet).map(|(table, _)| table);
        if found.is_none() {
            let why = self.network.route_table_gap(subnet);
            self.unknown(Step::Route, subnet, "(no route table)", why);
        }
        found
    }

    fn nacl(&mut self, subnet: &Subnet, direction: Direction, leg: Leg, peer: &Far, ports: Ports) {
        let Far { addrs: peer, label } = peer;
        let Some((acl, entries)) = self.network.effective_nacl(subnet) else {
            let step = if direction == Direction::Egress { Step::NaclEgress } else { Step::NaclIngress };
            let why = self.network.gap(Member::NetworkAcls, || {
                format!("NetworkAcls holds no ACL for {} (its association or the VPC's default)", subnet.subnet_id)
            });
            self.unknown(step, subnet, "(no network ACL)", why);
            return;
        };
        let verdict = nacl::evaluate(entries, &Packet { direction, protocol: nacl::TCP, peer: peer.clone(), ports });
        let step = if direction == Direction::Egress { Step::NaclEgress } else { Step::NaclIngress };
        let deciding_rule = match verdict {
            NaclVerdict::Allow { rule } | NaclVerdict::Deny { rule } => Some(rule),
            NaclVerdict::DenyImplicit => None,
        };
        self.hops.push(Hop {
            leg,
            resource: acl.network_acl_id.clone(),
            allowed: verdict.allowed(),
            rule: format!("{} ({} {label} port {ports})", verdict.rule_label(), if direction == Direction::Egress { "to" } else { "from" }),
            peer: Some(peer.to_string()),
            ports: Some(ports.to_string()),
            deciding_rule,
            opening: Some(Opening { peer: Peer { addrs: peer.clone(), ..Peer::default() }, ports }),
            ..Hop::blank(step, subnet)
        });
    }

    /// A hop the input cannot decide.
    fn unknown(&mut self, step: Step, subnet: &Subnet, resource: &str, why: String) {
        self.hops.push(Hop {
            resource: resource.to_string(),
            rule: format!("unknown: {why}"),
            unknown: Some(why),
            ..Hop::blank(step, subnet)
        });
    }

    /// NACL hops for traffic between two subnets (none within one subnet).
    fn cross(&mut self, from: &Subnet, to: &Subnet, from_addrs: &Far, to_addrs: &Far, port: u16) {
        if from.subnet_id == to.subnet_id {
            return;
        }
        self.nacl(from, Direction::Egress, Leg::Request, to_addrs, Ports::single(port));
        self.nacl(to, Direction::Ingress, Leg::Request, from_addrs, Ports::single(port));
        self.nacl(to, Direction::Egress, Leg::Return, from_addrs, Ports::EPHEMERAL);
        self.nacl(from, Direction::Ingress, Leg::Return, to_addrs, Ports::EPHEMERAL);
    }

    fn finish(self, kind: FlowKind, source: &Subnet, destination: String, port: u16, endpoint_id: Option<String>) -> Flow {
        let blocked_at = self.hops.iter().position(|h| !h.allowed);
        Flow { kind, source_subnet: source.subnet_id.clone(), destination, port, endpoint_id, hops: self.hops, blocked_at }
    }
}

/// ENI to ENI inside the VPC: source SG egress, local route, NACLs, destination SG ingress.
fn eni_flow(network: &Network, kind: FlowKind, source: &End<'_>, dest: &End<'_>, port: u16, endpoint_id: Option<&str>) -> Flow {
    let (source_far, dest_far) = (Far::end(source), Far::end(dest));
    let mut b = FlowBuilder::new(network);
    let dest_peer = Peer { groups: dest.groups.clone(), addrs: dest_far.addrs.clone(), prefix_list: None };
    b.sg(Step::SgEgress, &source.groups, source.subnet, &dest_peer, port);
    b.route(source.subnet, &[dest.cidr], |t| *t == RouteTarget::Local);
    b.cross(source.subnet, dest.subnet, &source_far, &dest_far, port);
    let source_peer = Peer { groups: source.groups.clone(), addrs: source_far.addrs, prefix_list: None };
    b.sg(Step::SgIngress, &dest.groups, dest.subnet, &source_peer, port);
    let destination = match endpoint_id {
        Some(id) => format!("{id} in {}", dest.subnet.subnet_id),
        None => dest.subnet.subnet_id.clone(),
    };
    b.finish(kind, source.subnet, destination, port, endpoint_id.map(str::to_string))
}

/// The flows the environment needs, and those the input cannot build (why, for each).
pub fn required_flows(a: &Analysis<'_>) -> (Vec<Flow>, Vec<String>) {
    let network = a.network;
    let mut unbuilt = Vec::new();
    let groups = a.settings.security_group_ids.clone();
    let ends: Vec<End<'_>> = a.subnets.iter().filter_map(|s| End::of(s, groups.clone())).collect();
    let mut flows = Vec::new();

    for source in &ends {
        for dest in ends.iter().filter(|d| d.subnet.subnet_id != source.subnet.subnet_id) {
            for port in [5432, 443] {
                flows.push(eni_flow(network, FlowKind::SelfTraffic, source, dest, port, None));
            }
        }
    }

    if let Some(why) = a.unknown_routing() {
        // Which flows exist (to the internet through NAT, or to every endpoint) depends on the mode.
        unbuilt.push(format!("the flows that depend on the routing mode: {why}"));
    }
    if a.routing == Routing::Public {
        // Public address space: everything outside the VPC and RFC 1918, computed once for all subnets.
        let vpc_cidrs = a.vpc_id.as_deref().map(|v| network.vpc_cidrs(v)).unwrap_or_default();
        let internet = Far { addrs: AddrSet::internet(&vpc_cidrs), label: "the internet".to_string() };
        for (subnet, egress) in a.subnets.iter().zip(&a.egress) {
            let Some(source) = End::of(subnet, groups.clone()) else { continue };
            if let Some(route) = egress.default_route.as_ref().filter(|r| r.target.is_nat() && !r.blackhole) {
                flows.push(internet_flow(network, &source, route, &internet));
            }
        }
    }

    // Without the VPC's endpoints, the flows to them (every service, under private routing) are unknown, not none.
    if a.routing != Routing::Public && !network.has(Member::VpcEndpoints) {
        unbuilt.push(format!("the flows to the VPC endpoints: {}", network.why_absent(Member::VpcEndpoints)));
    }
    for used in a.used_endpoints.iter().filter(|u| u.is_interface()) {
        unbuilt.extend(missing_endpoint_subnets(network, used.endpoint));
        for (dest_subnet, source) in endpoint_subnets(network, used.endpoint).flat_map(|d| ends.iter().map(move |s| (d, s))) {
            let Some(dest) = End::of(dest_subnet, endpoint_groups(used.endpoint)) else { continue };
            flows.push(eni_flow(network, FlowKind::Endpoint, source, &dest, 443, Some(&used.endpoint.vpc_endpoint_id)));
        }
    }

    for used in a.used_endpoints.iter().filter(|u| !u.is_interface()) {
        // S3's address ranges come from the prefix list (DescribePrefixLists, or its entries). A template
        // knows the list only by name: the flow is then judged against all public addresses, which proves
        // it allowed where the rules admit them all, and leaves it unknown where they admit only part.
        let list = network.prefix_list_named(&used.service.name);
        match list.map(|l| (l, network.prefix_list_cidrs(&l.prefix_list_id).filter(|c| !c.is_empty()))) {
            Some((list, Some(cidrs))) => flows.extend(ends.iter().map(|source| s3_flow(network, source, &list.prefix_list_id, cidrs))),
            Some((list, None)) if list.cidrs.is_empty() && network.snapshot.managed_prefix_list_entries.is_none() => {
                let vpc_cidrs = a.vpc_id.as_deref().map(|v| network.vpc_cidrs(v)).unwrap_or_default();
                let public = AddrSet::internet(&vpc_cidrs);
                for source in &ends {
                    flows.push(s3_flow_unknown_ranges(network, source, &list.prefix_list_id, &used.endpoint.vpc_endpoint_id, &public));
                }
            }
            _ => {
                let why = if network.snapshot.prefix_lists.is_some() {
                    format!(
                        "PrefixLists holds no CIDRs for {} (ec2:DescribePrefixLists, or its entries from ec2:GetManagedPrefixListEntries)",
                        used.service.name
                    )
                } else {
                    network.why_absent(Member::PrefixLists)
                };
                unbuilt.push(format!("the S3 flows through {}: {why}", used.endpoint.vpc_endpoint_id));
            }
        }
    }

    for wanted in &a.customer_endpoints {
        for endpoint in &wanted.endpoints {
            unbuilt.extend(missing_endpoint_subnets(network, endpoint));
            for dest_subnet in endpoint_subnets(network, endpoint) {
                for source in &ends {
                    let Some(dest) = End::of(dest_subnet, endpoint_groups(endpoint)) else { continue };
                    flows.push(eni_flow(network, wanted.kind, source, &dest, wanted.port, Some(&endpoint.vpc_endpoint_id)));
                }
            }
        }
    }
    (flows, unbuilt)
}

/// The flows to an endpoint's ENIs in subnets the input does not hold.
fn missing_endpoint_subnets(network: &Network, endpoint: &VpcEndpoint) -> Vec<String> {
    endpoint
        .subnet_ids
        .iter()
        .filter(|id| network.subnet(id).is_none())
        .map(|id| format!("the flows to {} in {id}: the subnet is not in Subnets", endpoint.vpc_endpoint_id))
        .collect()
}

fn endpoint_subnets<'n>(network: &'n Network, endpoint: &'n VpcEndpoint) -> impl Iterator<Item = &'n Subnet> + 'n {
    endpoint.subnet_ids.iter().filter_map(move |id| network.subnet(id))
}

fn endpoint_groups(endpoint: &VpcEndpoint) -> Vec<String> {
    endpoint.groups.iter().map(|g| g.group_id.clone()).collect()
}

/// The subnet a NAT device names, or why it is not known.
fn subnet_of<'n>(network: &'n Network, nat: &str, subnet: Option<&str>) -> Result<Option<&'n Subnet>, String> {
    let subnet = subnet.ok_or_else(|| format!("{nat} names no subnet"))?;
    network.subnet(subnet).map(Some).ok_or_else(|| format!("{nat}'s subnet {subnet} is not in Subnets"))
}

/// Env subnet -> NAT -> internet, TCP 443; the NAT's own subnet NACL in both directions and the return legs.
fn internet_flow(network: &Network, source: &End<'_>, route: &RouteMatch, internet: &Far) -> Flow {
    let source_far = Far::end(source);
    let mut b = FlowBuilder::new(network);
    let peer = Peer { groups: Vec::new(), addrs: internet.addrs.clone(), prefix_list: None };
    b.sg(Step::SgEgress, &source.groups, source.subnet, &peer, 443);
    b.default_route(source.subnet, RouteTarget::is_nat);
    b.nacl(source.subnet, Direction::Egress, Leg::Request, internet, Ports::single(443));
    // A regional NAT gateway sits in no subnet: nothing lies between it and the VPC's internet gateway.
    let nat_subnet = match &route.target {
        RouteTarget::NatGateway(id) => match network.nat_gateway(id) {
            None if network.has(Member::NatGateways) => Err(format!("{id} is not in NatGateways")),
            None => Err(network.why_absent(Member::NatGateways)),
            Some(nat) if nat.is_regional() => Ok(None),
            Some(nat) => subnet_of(network, id, nat.subnet_id.as_deref()),
        },
        RouteTarget::NatInstance(id) => match network.nat_interface(id) {
            None if network.has(Member::NetworkInterfaces) => Err(format!("{id} is not in NetworkInterfaces")),
            None => Err(network.why_absent(Member::NetworkInterfaces)),
            Some(interface) => subnet_of(network, id, interface.subnet_id.as_deref()),
        },
        _ => Err("the NAT device is no NAT gateway the tool can follow".to_string()),
    };
    if let Err(why) = &nat_subnet {
        // Its subnet's route and NACLs decide the flow too.
        b.unknown(Step::Route, source.subnet, route.target.id(), why.clone());
        b.unknown(Step::NaclIngress, source.subnet, route.target.id(), why.clone());
    }
    if let Some(nat_subnet) = nat_subnet.ok().flatten().filter(|n| n.subnet_id != source.subnet.subnet_id) {
        b.nacl(nat_subnet, Direction::Ingress, Leg::Request, &source_far, Ports::single(443));
        b.default_route(nat_subnet, |t| matches!(t, RouteTarget::InternetGateway(_)));
        b.nacl(nat_subnet, Direction::Egress, Leg::Request, internet, Ports::single(443));
        b.nacl(nat_subnet, Direction::Ingress, Leg::Return, internet, Ports::EPHEMERAL);
        b.nacl(nat_subnet, Direction::Egress, Leg::Return, &source_far, Ports::EPHEMERAL);
    }
    b.nacl(source.subnet, Direction::Ingress, Leg::Return, internet, Ports::EPHEMERAL);
    b.finish(FlowKind::Internet, source.subnet, format!("internet via {}", route.target.id()), 443, None)
}

/// The S3 flow when the prefix list's CIDRs are unknown (AWS's, not in the input): security groups and
/// NACLs are judged for every public address, the route by the table's route to the list. A hop that does
/// not admit them all is unknown, never blocked: S3's ranges may lie in the part it admits.
fn s3_flow_unknown_ranges(network: &Network, source: &End<'_>, prefix_list: &str, endpoint: &str, public: &AddrSet) -> Flow {
    let s3 = Far { addrs: public.clone(), label: format!("S3 ({prefix_list}, any public address)") };
    let mut b = FlowBuilder::new(network);
    let peer = Peer { groups: Vec::new(), addrs: public.clone(), prefix_list: Some(prefix_list.to_string()) };
    b.sg(Step::SgEgress, &source.groups, source.subnet, &peer, 443);
    match network.effective_route_table(source.subnet) {
        Some((table, _)) => match routing::prefix_list_route_to(network, table, endpoint) {
            Some(m) if !m.blackhole => {
                let rule = m.to_string();
                b.hops.push(Hop { resource: table.route_table_id.clone(), rule, route: Some(m), ..Hop::blank(Step::Route, source.subnet) });
            }
            _ => b.unknown(
                Step::Route,
                source.subnet,
                &table.route_table_id,
                format!("{} has no route to {prefix_list} through {endpoint}, and S3's ranges are not in the input", table.route_table_id),
            ),
        },
        None => b.unknown(Step::Route, source.subnet, "(no route table)", network.route_table_gap(source.subnet)),
    }
    b.nacl(source.subnet, Direction::Egress, Leg::Request, &s3, Ports::single(443));
    b.nacl(source.subnet, Direction::Ingress, Leg::Return, &s3, Ports::EPHEMERAL);
    let why = format!("S3's address ranges (the AWS-managed list {prefix_list}) are not in the input, and this rule admits only part of the public addresses; pass --snapshot with PrefixLists to judge it");
    for hop in b.hops.iter_mut().filter(|h| !h.allowed && h.unknown.is_none()) {
        hop.allowed = true;
        hop.rule = format!("unknown: {why}");
        hop.unknown = Some(why.clone());
    }
    b.finish(FlowKind::S3, source.subnet, format!("S3 ({prefix_list})"), 443, None)
}

/// Env subnet -> S3's public ranges through the gateway endpoint's prefix-list route, TCP 443.
fn s3_flow(network: &Network, source: &End<'_>, prefix_list: &str, cidrs: &[Ipv4Net]) -> Flow {
    let s3 = Far { addrs: AddrSet::from_nets(cidrs), label: format!("S3 ({prefix_list})") };
    let mut b = FlowBuilder::new(network);
    let peer = Peer { groups: Vec::new(), addrs: s3.addrs.clone(), prefix_list: Some(prefix_list.to_string()) };
    b.sg(Step::SgEgress, &source.groups, source.subnet, &peer, 443);
    b.route(source.subnet, cidrs, |t| matches!(t, RouteTarget::GatewayEndpoint(_)) || t.is_nat());
    b.nacl(source.subnet, Direction::Egress, Leg::Request, &s3, Ports::single(443));
    b.nacl(source.subnet, Direction::Ingress, Leg::Return, &s3, Ports::EPHEMERAL);
    b.finish(FlowKind::S3, source.subnet, format!("S3 ({prefix_list})"), 443, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Snapshot;
    use crate::target::Settings;

    fn public_network(patch: impl FnOnce(&mut serde_json::Value)) -> Network {
        let mut doc: serde_json::Value = serde_json::from_str(include_str!("../../fixtures/networks/public.json")).expect("fixture");
        patch(&mut doc);
        let snapshot: Snapshot = serde_json::from_value(doc).expect("snapshot");
        Network::new(snapshot).expect("model")
    }

    fn settings() -> Settings {
        Settings::planned(vec!["subnet-a1a1a1a1".into(), "subnet-b2b2b2b2".into()], vec!["sg-e1e1e1e1".into()], "us-east-1".into())
    }

    #[test]
    fn self_flows_go_hop_by_hop_and_internet_flows_cross_the_nat_subnet() {
        let network = public_network(|_| {});
        let settings = settings();
        let analysis = Analysis::new(&network, &settings);
        let kinds: Vec<(FlowKind, u16)> = analysis.flows.iter().map(|f| (f.kind, f.port)).collect();
        assert_eq!(
            kinds,
            [
                (FlowKind::SelfTraffic, 5432),
                (FlowKind::SelfTraffic, 443),
                (FlowKind::SelfTraffic, 5432),
                (FlowKind::SelfTraffic, 443),
                (FlowKind::Internet, 443),
                (FlowKind::Internet, 443)
            ]
        );
        let steps: Vec<(Step, Leg)> = analysis.flows[0].hops.iter().map(|h| (h.step, h.leg)).collect();
        assert_eq!(
            steps,
            [
                (Step::SgEgress, Leg::Request),
                (Step::Route, Leg::Request),
                (Step::NaclEgress, Leg::Request),
                (Step::NaclIngress, Leg::Request),
                (Step::NaclEgress, Leg::Return),
                (Step::NaclIngress, Leg::Return),
                (Step::SgIngress, Leg::Request),
            ]
        );
        let internet = &analysis.flows[4];
        let nat_hops: Vec<&str> = internet.hops.iter().map(|h| h.subnet.as_str()).collect();
        assert_eq!(nat_hops.iter().filter(|s| **s == "subnet-c3c3c3c3").count(), 5, "the NAT subnet's NACL both ways and its route");
        assert!(analysis.flows.iter().all(|f| !f.blocked()));
    }

    #[test]
    fn the_first_blocking_hop_is_recorded_and_later_hops_still_evaluated() {
        // Inbound 443 only: 5432 is refused entering subnet-b, and every reply is refused too.
        let network = public_network(|doc| {
            let entries = &mut doc["NetworkAcls"][0]["Entries"];
            *entries = serde_json::json!([
                {"RuleNumber": 100, "Protocol": "6", "RuleAction": "allow", "Egress": false, "CidrBlock": "0.0.0.0/0", "PortRange": {"From": 443, "To": 443}},
                {"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": true, "CidrBlock": "0.0.0.0/0"}
            ]);
        });
        let settings = settings();
        let analysis = Analysis::new(&network, &settings);
        let flow = &analysis.flows[0];
        assert_eq!(
            flow.first_block().map(|h| (h.step, h.leg, h.subnet.as_str())),
            Some((Step::NaclIngress, Leg::Request, "subnet-b2b2b2b2"))
        );
        assert!(flow.hops.iter().any(|h| h.step == Step::NaclIngress && h.leg == Leg::Return && !h.allowed));
        assert!(flow.hops.last().is_some_and(|h| h.step == Step::SgIngress && h.allowed));
    }
}
