//! Reports: the JSON document of CLI.md (schema_version 1), and the human and SARIF views of it.

pub mod human;
pub mod sarif;

use serde::Serialize;

use crate::analysis::{Analysis, Routing};
use crate::model::source::SnapshotSource;
use crate::rules::{Finding, Outcome, Severity, Skipped};

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
    pub summary: Summary,
}

impl Report {
    pub fn new(analysis: &Analysis<'_>, outcome: Outcome) -> Self {
        let settings = analysis.settings;
        let environment = settings.environment.as_ref();
        let count = |s: Severity| outcome.findings.iter().filter(|f| f.severity == s).count();
        let summary = Summary {
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            infos: count(Severity::Info),
            passed: outcome.passed,
            skipped: outcome.skipped.len(),
        };
        Self {
            schema_version: SCHEMA_VERSION,
            tool: TOOL,
            target: Target {
                environment: environment.map(|e| e.name.clone()),
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
            summary,
        }
    }

    /// Exit code 1 when any finding is at or above `fail_on` (None: never fail).
    pub fn fails(&self, fail_on: Option<Severity>) -> bool {
        fail_on.is_some_and(|threshold| self.findings.iter().any(|f| f.severity <= threshold))
    }
}

/// Where a finding's resource is defined in the snapshot: (line, column, byte offset, length).
pub fn locate(source: Option<&SnapshotSource>, finding: &Finding) -> Option<(usize, usize, usize, usize)> {
    let source = source?;
    let (offset, len) = source.locate(finding.resource.as_deref()?)?;
    let (line, column) = source.line_col(offset);
    Some((line, column, offset, len))
}
