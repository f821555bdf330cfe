//! The network as the pictures draw it (Mermaid, DOT, SVG): subnets by AZ, gateways, endpoints, and the
//! required flows. What passes is bundled so that what fails stands out: the endpoints every flow reaches
//! become one node with one edge per subnet, two subnets that reach each other one two-way edge; every
//! failing flow is its own edge, labelled with its first blocking hop.

use crate::analysis::flows::{Flow, FlowKind};
use crate::analysis::routing::{default_route, RouteTarget};
use crate::analysis::Analysis;

/// The ID of the node that stands for the endpoints every flow reaches.
pub const BUNDLE_ID: &str = "reachable-endpoints";

#[derive(Debug, Clone, Default)]
pub struct Topology {
    pub vpc_id: Option<String>,
    pub subnets: Vec<TopologySubnet>,
    pub nodes: Vec<TopologyNode>,
    pub edges: Vec<TopologyEdge>,
}

#[derive(Debug, Clone)]
pub struct TopologySubnet {
    pub id: String,
    pub zone: String,
    pub cidr: String,
    pub route_table: Option<String>,
    pub env: bool,
}

#[derive(Debug, Clone)]
pub struct TopologyNode {
    pub id: String,
    pub label: String,
    pub kind: NodeKind,
    /// The resources a bundle stands for (empty for other nodes): findings on them point at the bundle.
    pub members: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Gateway,
    Endpoint,
    /// Endpoints every required flow reaches, drawn as one.
    Bundle,
    /// Endpoints whose flows one rule of one resource blocks, drawn as one.
    BlockedBundle,
    Internet,
}

#[derive(Debug, Clone)]
pub struct TopologyEdge {
    pub from: String,
    pub to: String,
    pub label: String,
    /// A failing flow's first blocking hop; an edge carries one failing flow.
    pub blocked: Option<Block>,
    /// Passing flows both ways between two subnets, drawn as one edge.
    pub both_ways: bool,
}

#[derive(Debug, Clone)]
pub struct Block {
    /// "RESOURCE SUBNET: RULE".
    pub hop: String,
    /// The deciding resources (one, or a security group union), to link findings on them.
    pub resources: Vec<String>,
}

/// An element of the picture: what a finding points at, and what points back at findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Element<'t> {
    Subnet(&'t str),
    Node(&'t str),
    /// An index in `edges`.
    Edge(usize),
}

impl Topology {
    pub fn new(a: &Analysis<'_>) -> Self {
        let mut topology = Topology { vpc_id: a.vpc_id.clone(), ..Topology::default() };
        for subnet in &a.subnets {
            topology.add_subnet(a, &subnet.subnet_id, true);
        }
        topology.add_egress(a);
        for used in &a.used_endpoints {
            let e = used.endpoint;
            let label = format!("{}\n{} ({})", e.vpc_endpoint_id, used.service.short, e.vpc_endpoint_type);
            topology.add_node(&e.vpc_endpoint_id, label, NodeKind::Endpoint);
        }
        for wanted in &a.customer_endpoints {
            for endpoint in &wanted.endpoints {
                let label = format!("{}\nMWAA {}", endpoint.vpc_endpoint_id, wanted.what);
                topology.add_node(&endpoint.vpc_endpoint_id, label, NodeKind::Endpoint);
            }
        }
        topology.add_flows(a);
        topology
    }

    fn add_node(&mut self, id: &str, label: String, kind: NodeKind) {
        if !self.nodes.iter().any(|n| n.id == id) {
            self.nodes.push(TopologyNode { id: id.to_string(), label, kind, members: Vec::new() });
        }
    }

    fn add_subnet(&mut self, a: &Analysis<'_>, id: &str, env: bool) {
        if self.subnets.iter().any(|s| s.id == id) {
            return;
        }
        if let Some(subnet) = a.network.subnet(id) {
            self.subnets.push(TopologySubnet {
                id: id.to_string(),
                zone: Analysis::zone_of(subnet).unwrap_or("?").to_string(),
                cidr: subnet.cidr_label(),
                route_table: a.network.effective_route_table(subnet).map(|(t, _)| t.route_table_id.clone()),
                env,
            });
        }
    }

    fn add_passing_edge(&mut self, from: String, to: String, label: &str) {
        if !self.edges.iter().any(|e| e.from == from && e.to == to) {
            self.edges.push(TopologyEdge { from, to, label: label.to_string(), blocked: None, both_ways: false });
        }
    }

    /// Each env subnet's default route, and behind a NAT gateway the NAT's subnet and its way out.
    fn add_egress(&mut self, a: &Analysis<'_>) {
        let network = a.network;
        for egress in &a.egress {
            let Some(route) = &egress.default_route else { continue };
            let target = route.target.id().to_string();
            self.add_node(&target, format!("{target}\n{}", route.target.describe()), NodeKind::Gateway);
            let RouteTarget::NatGateway(nat) = &route.target else { continue };
            let Some(gateway) = network.nat_gateway(nat) else { continue };
            // A zonal NAT's way out is its subnet's default route; a regional one's the VPC's internet gateway.
            let upstream = if gateway.is_regional() {
                let vpc = gateway.vpc_id.as_deref().or(a.vpc_id.as_deref()).unwrap_or_default();
                network.internet_gateway_of(vpc).map(|igw| RouteTarget::InternetGateway(igw.internet_gateway_id.clone()))
            } else {
                let Some(nat_subnet) = network.nat_subnet(gateway) else { continue };
                self.add_subnet(a, &nat_subnet.subnet_id, false);
                network.effective_route_table(nat_subnet).and_then(|(t, _)| default_route(network, t)).map(|up| up.target)
            };
            if let Some(up) = upstream {
                let up_id = up.id().to_string();
                self.add_node(&up_id, format!("{up_id}\n{}", up.describe()), NodeKind::Gateway);
                self.add_node("internet", "internet".to_string(), NodeKind::Internet);
                self.add_passing_edge(nat.clone(), up_id.clone(), "0.0.0.0/0");
                self.add_passing_edge(up_id, "internet".to_string(), "");
            }
        }
    }

    fn add_flows(&mut self, a: &Analysis<'_>) {
        let s3_gateway = a.used_endpoints_for("s3").find(|u| !u.is_interface()).map(|u| u.endpoint.vpc_endpoint_id.clone());
        let destination = |flow: &Flow| match flow.kind {
            FlowKind::SelfTraffic => Some(flow.destination.clone()),
            FlowKind::Internet => a
                .egress
                .iter()
                .find(|e| e.subnet_id == flow.source_subnet)
                .and_then(|e| e.default_route.as_ref())
                .map(|r| r.target.id().to_string()),
            FlowKind::S3 => s3_gateway.clone(),
            FlowKind::Endpoint | FlowKind::Database | FlowKind::Webserver => flow.endpoint_id.clone(),
        };
        let mut passing: Vec<TopologyEdge> = Vec::new();
        let mut failing: Vec<Failing> = Vec::new();
        for flow in &a.flows {
            let Some(to) = destination(flow) else { continue };
            let port = format!("{} tcp/{}", flow.kind, flow.port);
            match flow.first_block() {
                Some(hop) => failing.push(Failing {
                    edge: TopologyEdge {
                        from: flow.source_subnet.clone(),
                        to,
                        label: port,
                        blocked: Some(Block {
                            hop: format!("{} {}: {}", hop.resource, hop.subnet, hop.rule),
                            resources: hop.resource.split(',').map(|r| r.trim().to_string()).filter(|r| !r.is_empty()).collect(),
                        }),
                        both_ways: false,
                    },
                    cause: format!("{}: {}", hop.resource, hop.rule),
                }),
                None => match passing.iter_mut().find(|e| e.from == flow.source_subnet && e.to == to) {
                    Some(edge) if edge.label.split(", ").any(|p| p == port) => {}
                    Some(edge) => edge.label = format!("{}, {port}", edge.label),
                    None => {
                        passing.push(TopologyEdge { from: flow.source_subnet.clone(), to, label: port, blocked: None, both_ways: false })
                    }
                },
            }
        }
        self.bundle_blocked_endpoints(failing);
        self.bundle_endpoints(&mut passing);
        self.join_two_way(&mut passing);
        self.edges.extend(passing);
    }

    /// Failing flows to several endpoints blocked by the same rule of the same resource (a group that admits
    /// nothing, one NACL entry) become one red edge per subnet to one node standing for those endpoints;
    /// every other failing flow keeps its own edge.
    fn bundle_blocked_endpoints(&mut self, failing: Vec<Failing>) {
        let is_endpoint = |nodes: &[TopologyNode], id: &str| nodes.iter().any(|n| n.id == id && n.kind == NodeKind::Endpoint);
        let mut groups: Vec<BlockedGroup> = Vec::new();
        for f in failing.iter().filter(|f| is_endpoint(&self.nodes, &f.edge.to)) {
            match groups.iter_mut().find(|g| g.cause == f.cause && g.label == f.edge.label) {
                Some(g) if g.members.contains(&f.edge.to) => {}
                Some(g) => g.members.push(f.edge.to.clone()),
                None => groups.push(BlockedGroup { cause: f.cause.clone(), label: f.edge.label.clone(), members: vec![f.edge.to.clone()] }),
            }
        }
        groups.retain(|g| g.members.len() >= 2);
        for (k, group) in groups.iter().enumerate() {
            let id = format!("blocked-endpoints-{}", k + 1);
            let services = self.services(&group.members);
            let node_label = format!("{} endpoints blocked\n{}", group.members.len(), wrap_list(&services, 40));
            self.nodes.push(TopologyNode {
                id: id.clone(),
                label: node_label,
                kind: NodeKind::BlockedBundle,
                members: group.members.clone(),
            });
            for f in failing.iter().filter(|f| group.holds(f)) {
                if !self.edges.iter().any(|e| e.from == f.edge.from && e.to == id) {
                    let resources = f.edge.blocked.as_ref().map(|b| b.resources.clone()).unwrap_or_default();
                    let block = Block { hop: group.cause.clone(), resources };
                    self.edges.push(TopologyEdge { to: id.clone(), blocked: Some(block), ..f.edge.clone() });
                }
            }
        }
        // One edge per (subnet, destination, flow, cause): the same block at each of an endpoint's ENIs is one.
        let mut alone: Vec<&Failing> = Vec::new();
        for f in failing.iter().filter(|f| !groups.iter().any(|g| g.holds(f))) {
            if !alone.iter().any(|k| k.same_block(f)) {
                alone.push(f);
            }
        }
        let alone: Vec<TopologyEdge> = alone
            .into_iter()
            .map(|f| {
                let at_several = failing.iter().filter(|k| k.same_block(f)).count() > 1;
                let mut edge = f.edge.clone();
                if let (true, Some(block)) = (at_several, edge.blocked.as_mut()) {
                    block.hop = f.cause.clone();
                }
                edge
            })
            .collect();
        // An endpoint drawn inside a bundle and with no failing edge of its own leaves the picture.
        self.nodes.retain(|n| !groups.iter().any(|g| g.members.contains(&n.id)) || alone.iter().any(|e| e.to == n.id));
        self.edges.extend(alone);
    }

    /// What each endpoint is, from its label's second line ("sqs (Interface)" -> "sqs", "s3 (Gateway)" ->
    /// "s3 gateway", "MWAA database").
    fn services(&self, ids: &[String]) -> Vec<String> {
        ids.iter()
            .map(|id| {
                let label = self.nodes.iter().find(|n| &n.id == id).and_then(|n| n.label.lines().nth(1)).unwrap_or(id);
                label.replace(" (Interface)", "").replace(" (Gateway)", " gateway")
            })
            .collect()
    }

    /// Endpoints that no failing flow goes to, and that every passing flow reaches, become one node.
    fn bundle_endpoints(&mut self, passing: &mut Vec<TopologyEdge>) {
        let blocked = |id: &str| {
            self.edges.iter().any(|e| e.blocked.is_some() && e.to == id)
                || self.nodes.iter().any(|n| n.kind == NodeKind::BlockedBundle && n.members.iter().any(|m| m == id))
        };
        let members: Vec<TopologyNode> = self
            .nodes
            .iter()
            .filter(|n| n.kind == NodeKind::Endpoint && !blocked(&n.id))
            .filter(|n| passing.iter().any(|e| e.to == n.id))
            .cloned()
            .collect();
        if members.len() < 2 {
            return;
        }
        let is_member = |id: &str| members.iter().any(|m| m.id == id);
        let mut bundled: Vec<TopologyEdge> = Vec::new();
        for edge in passing.iter().filter(|e| is_member(&e.to)) {
            match bundled.iter_mut().find(|b| b.from == edge.from) {
                Some(b) => {
                    for port in edge.label.split(", ") {
                        if !b.label.split(", ").any(|p| p == port) {
                            b.label = format!("{}, {port}", b.label);
                        }
                    }
                }
                None => bundled.push(TopologyEdge { to: BUNDLE_ID.to_string(), ..edge.clone() }),
            }
        }
        passing.retain(|e| !is_member(&e.to));
        passing.splice(0..0, bundled);
        let ids: Vec<String> = members.iter().map(|m| m.id.clone()).collect();
        let services = self.services(&ids);
        self.nodes.retain(|n| !is_member(&n.id));
        let label = format!("{} endpoints, all reachable\n{}", members.len(), wrap_list(&services, 40));
        let bundle =
            TopologyNode { id: BUNDLE_ID.to_string(), label, kind: NodeKind::Bundle, members: members.into_iter().map(|m| m.id).collect() };
        let at = self.nodes.iter().position(|n| n.kind != NodeKind::Bundle).unwrap_or(self.nodes.len());
        self.nodes.insert(at, bundle);
    }

    /// A passing edge whose reverse passes with the same ports becomes one two-way edge.
    fn join_two_way(&self, passing: &mut Vec<TopologyEdge>) {
        let mut i = 0;
        while i < passing.len() {
            let reverse = passing.iter().position(|r| r.from == passing[i].to && r.to == passing[i].from && r.label == passing[i].label);
            if let Some(j) = reverse.filter(|&j| j > i) {
                passing.remove(j);
                passing[i].both_ways = true;
            }
            i += 1;
        }
    }

    pub fn zones(&self) -> Vec<&str> {
        let mut zones: Vec<&str> = self.subnets.iter().map(|s| s.zone.as_str()).collect();
        zones.sort_unstable();
        zones.dedup();
        zones
    }

    /// The elements a finding on `resource` points at: the subnet or node itself, the bundle standing for
    /// it, and every failing edge it blocks.
    pub fn elements_of(&self, resource: &str) -> Vec<Element<'_>> {
        let mut elements: Vec<Element<'_>> = Vec::new();
        if let Some(s) = self.subnets.iter().find(|s| s.id == resource) {
            elements.push(Element::Subnet(&s.id));
        }
        if let Some(n) = self.nodes.iter().find(|n| n.id == resource || n.members.iter().any(|m| m == resource)) {
            elements.push(Element::Node(&n.id));
        }
        for (i, edge) in self.edges.iter().enumerate() {
            if edge.blocked.as_ref().is_some_and(|b| b.resources.iter().any(|r| r == resource)) {
                elements.push(Element::Edge(i));
            }
        }
        elements
    }
}

/// A failing flow's edge, and what blocks it whatever the subnet: "RESOURCE: RULE".
struct Failing {
    edge: TopologyEdge,
    cause: String,
}

/// Failing flows of one kind to several endpoints, all blocked by one rule of one resource.
struct BlockedGroup {
    cause: String,
    label: String,
    members: Vec<String>,
}

impl BlockedGroup {
    fn holds(&self, f: &Failing) -> bool {
        f.cause == self.cause && f.edge.label == self.label && self.members.contains(&f.edge.to)
    }
}

impl Failing {
    /// The same flow between the same ends, blocked by the same rule (at another of the endpoint's ENIs).
    fn same_block(&self, other: &Failing) -> bool {
        self.edge.from == other.edge.from
            && self.edge.to == other.edge.to
            && self.edge.label == other.edge.label
            && self.cause == other.cause
    }
}

/// Items joined by ", " in lines of at most `width` characters.
fn wrap_list(items: &[String], width: usize) -> String {
    let mut lines: Vec<String> = Vec::new();
    for item in items {
        match lines.last_mut() {
            Some(line) if line.len() + 2 + item.len() <= width => {
                line.push_str(", ");
                line.push_str(item);
            }
            _ => {
                if let Some(line) = lines.last_mut() {
                    line.push(',');
                }
                lines.push(item.clone());
            }
        }
    }
    lines.join("\n")
}
