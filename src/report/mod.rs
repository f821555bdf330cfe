//! Reports: the JSON document of CLI.md (schema_version 1), and the human and SARIF views of it.

pub mod diagram;
pub mod human;
pub mod junit;
pub mod markdown;
pub mod sarif;

use serde::Serialize;

use crate::analysis::{Analysis, Routing};
use crate::config::Gate;
use crate::input::{SnapshotFile, SourceFiles};
use crate::rules::{Finding, Ignored, Outcome, Severity, Skipped};

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

pub const TOOL: Tool = Tool { name: env!("CARGO_PKG_NAME"), version: env!("CARGO_PKG_VERSION") };

#[derive(Debug, Clone, Serialize)]
pub struct Target {
    pub environment: Option<String>,
    pub status: Option<String>,
    pub region: String,
    pub account_id: Option<String>,
    pub vpc_id: Option<String>,
    pub subnet_ids: Vec<String>,
    pub security_group_ids: Vec<String>,
    pub webserver_access_mode: String,
    pub endpoint_management: &'static str,
    /// public | private | unverifiable
    pub routing: Routing,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub passed: usize,
    pub skipped: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    pub target: Target,
    pub findings: Vec<Finding>,
    pub skipped: Vec<Skipped>,
    /// Findings that the configuration's ignores accepted, with their reasons.
    pub ignored: Vec<Ignored>,
    pub summary: Summary,
    /// The rules that passed (for JUnit's test cases).
    #[serde(skip)]
    pub passed: Vec<&'static str>,
    /// What the diagrams draw.
    #[serde(skip)]
    pub topology: Topology,
    /// An audit's environment that could not be read, and why: no verdict, and the run exits 2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What the reader noticed about the input (a template's key given twice, types not modelled).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Several environments' reports under one schema version (`--all-environments`, `diagnose --all`).
#[derive(Debug, Clone, Serialize)]
pub struct Audit {
    pub schema_version: u32,
    pub tool: Tool,
    pub environments: Vec<Report>,
    pub summary: AuditSummary,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct AuditSummary {
    pub environments: usize,
    pub failing: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Audit {
    pub fn new(environments: Vec<Report>, gate: Gate) -> Self {
        let summary = AuditSummary {
            environments: environments.len(),
            failing: environments.iter().filter(|r| r.fails(gate)).count(),
            errors: environments.iter().map(|r| r.summary.errors).sum(),
            warnings: environments.iter().map(|r| r.summary.warnings).sum(),
            infos: environments.iter().map(|r| r.summary.infos).sum(),
        };
        Self { schema_version: SCHEMA_VERSION, tool: TOOL, environments, summary }
    }
}

/// The network as the diagrams draw it: subnets by AZ, gateways, endpoints, and the required flows
/// folded into one edge per (from, to) with the first blocking hop of any failing flow.
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Gateway,
    Endpoint,
    Internet,
}

#[derive(Debug, Clone)]
pub struct TopologyEdge {
    pub from: String,
    pub to: String,
    pub label: String,
    /// The first blocking hop of a failing flow along this edge.
    pub blocked: Option<String>,
}

impl Report {
    /// The report with every string from the account or the file made printable (`text::printable`), for
    /// the terminal and the markup formats; JSON and SARIF escape control characters themselves.
    pub fn printable(&self) -> Report {
        let clean = |s: &String| crate::text::printable(s).into_owned();
        let id = |s: &String| crate::text::printable_line(s).into_owned();
        let id_opt = |s: &Option<String>| s.as_ref().map(id);
        let mut report = self.clone();
        let t = &mut report.target;
        t.environment = id_opt(&t.environment);
        t.status = id_opt(&t.status);
        t.region = id(&t.region);
        t.account_id = id_opt(&t.account_id);
        t.vpc_id = id_opt(&t.vpc_id);
        t.subnet_ids = t.subnet_ids.iter().map(id).collect();
        t.security_group_ids = t.security_group_ids.iter().map(id).collect();
        t.webserver_access_mode = id(&t.webserver_access_mode);
        report.error = report.error.as_ref().map(clean);
        for f in &mut report.findings {
            f.resource = id_opt(&f.resource);
            f.message = clean(&f.message);
            f.remediation = clean(&f.remediation);
            for line in &mut f.trace {
                line.text = clean(&line.text);
            }
        }
        for s in &mut report.skipped {
            s.reason = clean(&s.reason);
        }
        for i in &mut report.ignored {
            i.resource = id_opt(&i.resource);
            i.reason = clean(&i.reason);
        }
        let topology = &mut report.topology;
        topology.vpc_id = id_opt(&topology.vpc_id);
        for subnet in &mut topology.subnets {
            subnet.id = id(&subnet.id);
            subnet.zone = id(&subnet.zone);
            subnet.cidr = id(&subnet.cidr);
            subnet.route_table = id_opt(&subnet.route_table);
        }
        for node in &mut topology.nodes {
            node.id = id(&node.id);
            node.label = clean(&node.label);
        }
        for edge in &mut topology.edges {
            edge.from = id(&edge.from);
            edge.to = id(&edge.to);
            edge.label = clean(&edge.label);
            edge.blocked = id_opt(&edge.blocked);
        }
        report
    }

    pub fn new(analysis: &Analysis<'_>, outcome: Outcome) -> Self {
        let topology = Topology::new(analysis);
        let settings = analysis.settings;
        let environment = settings.environment.as_ref();
        let count = |s: Severity| outcome.findings.iter().filter(|f| f.severity == s).count();
        let summary = Summary {
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            infos: count(Severity::Info),
            passed: outcome.passed.len(),
            skipped: outcome.skipped.len(),
        };
        Self {
            schema_version: SCHEMA_VERSION,
            tool: TOOL,
            target: Target {
                environment: environment.map(|e| e.name.clone()).or_else(|| settings.planned_name.clone()),
                status: environment.and_then(|e| e.status.clone()),
                region: settings.region.clone(),
                account_id: settings.account_id.clone(),
                vpc_id: analysis.vpc_id.clone(),
                subnet_ids: settings.subnet_ids.clone(),
                security_group_ids: settings.security_group_ids.clone(),
                webserver_access_mode: settings.webserver_access.as_api().to_string(),
                endpoint_management: settings.endpoint_management.as_api(),
                routing: analysis.routing,
            },
            findings: outcome.findings,
            skipped: outcome.skipped,
            ignored: outcome.ignored,
            summary,
            passed: outcome.passed,
            topology,
            error: None,
            notes: Vec::new(),
        }
    }

    /// The row of an audited environment that could not be read.
    pub fn unreadable(name: &str, region: &str, reason: &str) -> Self {
        Self {
            schema_version: SCHEMA_VERSION,
            tool: TOOL,
            target: Target {
                environment: Some(name.to_string()),
                status: None,
                region: region.to_string(),
                account_id: None,
                vpc_id: None,
                subnet_ids: Vec::new(),
                security_group_ids: Vec::new(),
                webserver_access_mode: String::new(),
                endpoint_management: "",
                routing: Routing::Unknown,
            },
            findings: Vec::new(),
            skipped: Vec::new(),
            ignored: Vec::new(),
            summary: Summary::default(),
            passed: Vec::new(),
            topology: Topology::default(),
            error: Some(reason.to_string()),
            notes: Vec::new(),
        }
    }

    /// "environment NAME (STATUS)" or "planned environment".
    pub fn title(&self) -> String {
        match (&self.target.environment, &self.target.status) {
            (Some(name), Some(status)) => format!("environment {name} ({status})"),
            (Some(name), None) => format!("environment {name}"),
            _ => "planned environment".to_string(),
        }
    }

    /// The most severe finding, in a line (or why the environment could not be read).
    pub fn first_problem(&self) -> Option<String> {
        if let Some(error) = &self.error {
            return Some(format!("could not be read: {error}"));
        }
        self.findings.first().map(Finding::headline)
    }

    /// Exit code 1 when any finding is at or above the gate's severity, or (`--fail-on-skipped`) any check
    /// was skipped.
    pub fn fails(&self, gate: Gate) -> bool {
        gate.fail_on.threshold().is_some_and(|threshold| self.findings.iter().any(|f| f.severity <= threshold))
            || (gate.skipped && !self.skipped.is_empty())
            || self.error.is_some()
    }
}

/// Where a finding's resource is defined in the files read.
pub struct Location<'f> {
    pub file: &'f SnapshotFile,
    /// The file's index in the input's files.
    pub index: usize,
    pub line: usize,
    pub column: usize,
    pub offset: usize,
    pub len: usize,
}

pub fn locate<'f>(files: &'f SourceFiles, finding: &Finding) -> Option<Location<'f>> {
    let (index, offset, len) = files.locate(finding.resource.as_deref()?)?;
    let file = files.files.get(index)?;
    let (line, column) = file.line_col(offset);
    Some(Location { file, index, line, column, offset, len })
}

impl Topology {
    fn new(a: &Analysis<'_>) -> Self {
        use crate::analysis::flows::FlowKind;
        let network = a.network;
        let mut topology = Topology { vpc_id: a.vpc_id.clone(), ..Topology::default() };
        let add_node = |nodes: &mut Vec<TopologyNode>, id: &str, label: String, kind: NodeKind| {
            if !nodes.iter().any(|n| n.id == id) {
                nodes.push(TopologyNode { id: id.to_string(), label, kind });
            }
        };
        let add_subnet = |subnets: &mut Vec<TopologySubnet>, id: &str, env: bool| {
            if subnets.iter().any(|s| s.id == id) {
                return;
            }
            if let Some(subnet) = network.subnet(id) {
                subnets.push(TopologySubnet {
                    id: id.to_string(),
                    zone: Analysis::zone_of(subnet).unwrap_or("?").to_string(),
                    cidr: subnet.cidr_label(),
                    route_table: network.effective_route_table(subnet).map(|(t, _)| t.route_table_id.clone()),
                    env,
                });
            }
        };
        for subnet in &a.subnets {
            add_subnet(&mut topology.subnets, &subnet.subnet_id, true);
        }
        for egress in &a.egress {
            let Some(route) = &egress.default_route else { continue };
            let target = route.target.id().to_string();
            add_node(&mut topology.nodes, &target, format!("{target}\n{}", route.target.describe()), NodeKind::Gateway);
            if let crate::analysis::routing::RouteTarget::NatGateway(nat) = &route.target {
                if let Some(nat_subnet) = network.nat_gateway(nat).and_then(|n| network.subnet(&n.subnet_id)) {
                    add_subnet(&mut topology.subnets, &nat_subnet.subnet_id, false);
                    let upstream =
                        network.effective_route_table(nat_subnet).and_then(|(t, _)| crate::analysis::routing::default_route(network, t));
                    if let Some(up) = upstream {
                        let up_id = up.target.id().to_string();
                        add_node(&mut topology.nodes, &up_id, format!("{up_id}\n{}", up.target.describe()), NodeKind::Gateway);
                        add_node(&mut topology.nodes, "internet", "internet".to_string(), NodeKind::Internet);
                        for (from, to, label) in [(nat.clone(), up_id.clone(), "0.0.0.0/0"), (up_id, "internet".to_string(), "")] {
                            if !topology.edges.iter().any(|e| e.from == from && e.to == to) {
                                topology.edges.push(TopologyEdge { from, to, label: label.to_string(), blocked: None });
                            }
                        }
                    }
                }
            }
        }
        for used in &a.used_endpoints {
            let e = used.endpoint;
            add_node(
                &mut topology.nodes,
                &e.vpc_endpoint_id,
                format!("{}\n{} ({})", e.vpc_endpoint_id, used.service.short, e.vpc_endpoint_type),
                NodeKind::Endpoint,
            );
        }
        for wanted in &a.customer_endpoints {
            for endpoint in &wanted.endpoints {
                add_node(
                    &mut topology.nodes,
                    &endpoint.vpc_endpoint_id,
                    format!("{}\nMWAA {}", endpoint.vpc_endpoint_id, wanted.what),
                    NodeKind::Endpoint,
                );
            }
        }
        let s3_gateway = a.used_endpoints_for("s3").find(|u| !u.is_interface()).map(|u| u.endpoint.vpc_endpoint_id.clone());
        for flow in &a.flows {
            let to = match flow.kind {
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
            let Some(to) = to else { continue };
            let blocked = flow.first_block().map(|hop| format!("{} {}: {}", hop.resource, hop.subnet, hop.rule));
            let port = format!("{} tcp/{}", flow.kind, flow.port);
            match topology.edges.iter_mut().find(|e| e.from == flow.source_subnet && e.to == to) {
                Some(edge) => {
                    if !edge.label.split(", ").any(|p| p == port) {
                        edge.label = format!("{}, {port}", edge.label);
                    }
                    if edge.blocked.is_none() {
                        edge.blocked = blocked;
                    }
                }
                None => topology.edges.push(TopologyEdge { from: flow.source_subnet.clone(), to, label: port, blocked }),
            }
        }
        topology
    }
}
