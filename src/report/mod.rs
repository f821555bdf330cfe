//! Reports: the JSON document of CLI.md (schema_version 1), and the human and SARIF views of it.

pub mod diagram;
pub mod html;
pub mod human;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod svg;
pub mod topology;

use serde::Serialize;

use crate::analysis::{Analysis, Routing};
use crate::config::Gate;
use crate::input::{SnapshotFile, SourceFiles};
use crate::remedy::Rendered;
use crate::rules::{Finding, Ignored, Outcome, Severity, Skipped};
use crate::target::Language;
pub use topology::{Element, NodeKind, Topology};

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
    /// Fields whose value is the service's default, not the input's (v3).
    pub assumed: Vec<&'static str>,
    /// The language of the input's code, which the remediation is written in.
    #[serde(skip)]
    pub language: Language,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub passed: usize,
    pub skipped: usize,
}

/// What an allowed IAM verdict does not cover (CLI.md v3 `caveats`): said whenever a rule that evaluates
/// IAM, key or bucket policies ran.
#[derive(Debug, Clone, Serialize)]
pub struct Caveat {
    pub codes: Vec<&'static str>,
    pub text: &'static str,
}

/// The rules that judge policies as IAM evaluates them, which SCPs, RCPs and session policies can still deny.
const POLICY_RULES: [&str; 7] = ["ROLE002", "ROLE003", "ROLE004", "ROLE005", "ROLE006", "KMS004", "KMS005"];

impl Caveat {
    /// The caveats of the rules that ran (found or passed) and read a policy: the key rules only with a customer
    /// managed key, BKT007 only with a bucket policy, the deployer's only with its simulation.
    fn of(findings: &[Finding], passed: &[&'static str], analysis: &Analysis<'_>) -> Vec<Caveat> {
        let settings = analysis.settings;
        let keyed = settings.kms_key.is_some() || settings.kms_key_given.is_some();
        let bucket_policy = matches!(analysis.source_bucket(), crate::analysis::bucket::Lookup::Found(b)
            if b.policy().is_ok_and(|p| p.policy.is_some()));
        let mut ran: Vec<&'static str> = findings.iter().map(|f| f.code).chain(passed.iter().copied()).collect();
        ran.sort_unstable();
        ran.dedup();
        let policies: Vec<&'static str> = ran
            .iter()
            .copied()
            .filter(|c| (POLICY_RULES.contains(c) && (keyed || !c.starts_with("KMS"))) || (*c == "BKT007" && bucket_policy))
            .collect();
        let deployer: Vec<&'static str> = ran.iter().copied().filter(|c| c.starts_with("DEP")).collect();
        let mut caveats = Vec::new();
        if !policies.is_empty() {
            caveats.push(Caveat {
                codes: policies,
                text: "SCPs, RCPs, session policies and IAM eventual consistency were not evaluated: allowed means allowed by the policies read",
            });
        }
        if !deployer.is_empty() {
            caveats.push(Caveat {
                codes: deployer,
                text: "the deployer's permissions are IAM's policy simulation (identity policies and SCPs): session policies and RCPs were not evaluated",
            });
        }
        caveats
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    pub target: Target,
    pub findings: Vec<Finding>,
    pub skipped: Vec<Skipped>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub caveats: Vec<Caveat>,
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

/// A report's verdict at a glance (the HTML page's first line, the picture's title).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outlook {
    Works,
    Warns,
    Fails,
}

impl Outlook {
    /// A mark that says it without colour.
    pub fn symbol(self) -> &'static str {
        match self {
            Outlook::Works => "✔",
            Outlook::Warns => "⚠",
            Outlook::Fails => "✖",
        }
    }

    pub fn class(self) -> &'static str {
        match self {
            Outlook::Works => "works",
            Outlook::Warns => "warns",
            Outlook::Fails => "fails",
        }
    }
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
            for part in &mut f.remediation {
                *part = match part {
                    Rendered::Prose(text) => Rendered::Prose(clean(text)),
                    Rendered::Code(text) => Rendered::Code(clean(text)),
                };
            }
            for line in &mut f.trace {
                line.text = clean(&line.text);
            }
        }
        for s in &mut report.skipped {
            s.reason = clean(&s.reason);
        }
        report.notes = report.notes.iter().map(clean).collect();
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
            node.members = node.members.iter().map(id).collect();
        }
        for edge in &mut topology.edges {
            edge.from = id(&edge.from);
            edge.to = id(&edge.to);
            edge.label = clean(&edge.label);
            if let Some(block) = &mut edge.blocked {
                block.hop = clean(&block.hop);
                block.resources = block.resources.iter().map(id).collect();
            }
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
                assumed: settings.assumed(),
                language: settings.language,
            },
            caveats: Caveat::of(&outcome.findings, &outcome.passed, analysis),
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
                assumed: Vec::new(),
                language: Language::AwsCli,
            },
            findings: Vec::new(),
            skipped: Vec::new(),
            caveats: Vec::new(),
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
    /// What a person reads first: whether the environment will work, and if not why, in one sentence.
    pub fn verdict(&self) -> (Outlook, String) {
        if let Some(error) = &self.error {
            return (Outlook::Fails, format!("could not be read: {error}"));
        }
        let s = &self.summary;
        let first = |severity: Severity| self.findings.iter().find(|f| f.severity == severity);
        match (first(Severity::Error), first(Severity::Warning)) {
            (Some(error), _) => {
                let more = if s.errors > 1 { format!("; {} more error(s) below", s.errors - 1) } else { String::new() };
                (Outlook::Fails, format!("It will not work: {}: {}{more}.", error.headline(), error.message.trim_end_matches('.')))
            }
            (None, Some(warning)) => {
                (Outlook::Warns, format!("No error; {} warning(s) to read before creating it, first {}.", s.warnings, warning.headline()))
            }
            (None, None) if s.skipped > 0 => (
                Outlook::Works,
                format!("No error or warning; {} check(s) could not be decided from this input (listed below).", s.skipped),
            ),
            (None, None) => (Outlook::Works, "It works: no error or warning.".to_string()),
        }
    }

    pub fn first_problem(&self) -> Option<String> {
        if let Some(error) = &self.error {
            return Some(format!("could not be read: {error}"));
        }
        self.findings.first().map(Finding::headline)
    }

    /// The findings by family (RULES.md v3), each still by severity then code: what explains an
    /// environment's state first (diagnose), then the network, then the families v3 adds.
    pub fn by_family(&self) -> Vec<(&'static str, Vec<&Finding>)> {
        const FAMILIES: [&str; 7] = ["environment", "network", "execution-role", "kms", "bucket", "deployer", "dependencies"];
        let mut groups: Vec<(&'static str, Vec<&Finding>)> = Vec::new();
        for finding in &self.findings {
            match groups.iter_mut().find(|(family, _)| *family == finding.family) {
                Some((_, findings)) => findings.push(finding),
                None => groups.push((finding.family, vec![finding])),
            }
        }
        groups.sort_by_key(|(family, _)| FAMILIES.iter().position(|known| known == family));
        groups
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
