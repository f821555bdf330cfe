//! The rule catalog. Each rule lives in its own module with its code, name, default severity and the
//! documentation in `rules/<CODE>.md`; `registry::ALL` lists them. A rule is a pure function of the
//! analysis and returns findings with evidence, or says why it could not be evaluated.

pub mod registry;

mod acl001_nacl_blocks_flow;
mod bkt001_source_bucket;
mod bkt002_bucket_public_access_block;
mod bkt003_bucket_versioning;
mod bkt004_bucket_region;
mod bkt005_bucket_object_version;
mod bkt006_dag_folder_empty;
mod bkt007_bucket_policy;
mod bkt008_bucket_encryption_key;
mod cme001_shared_vpc_endpoint_management;
mod cme002_database_endpoint;
mod cme003_webserver_endpoint;
mod cme004_customer_endpoint_placement;
mod cme005_endpoint_permission;
mod dep001_deployer_pass_role;
mod dep002_deployer_create_environment;
mod dep003_deployer_tag_resource;
mod dep004_deployer_network_actions;
mod dep005_service_linked_role;
mod dep006_deployer_kms_key;
mod dns001_dns_support;
mod dns002_dns_hostnames;
mod dns003_custom_dns;
mod env001_pending_endpoints;
mod env002_create_failed;
mod env003_environment_unhealthy;
mod fixes;
mod kms001_kms_key_identifier;
mod kms002_kms_key_usable;
mod kms003_kms_key_location;
mod kms004_key_policy_role;
mod kms005_key_policy_logs;
mod pkg001_requirements_url_unreachable;
mod pkg002_default_index_unreachable;
mod pkg003_private_webserver_requirements;
mod pkg004_codeartifact_endpoints;
mod pkg005_codeartifact_s3_assets;
mod pkg006_local_wheels;
mod role001_execution_role_exists;
mod role002_trust_policy;
mod role003_role_permissions;
mod role004_role_permissions_unproven;
mod role005_role_policy_ordering;
mod role006_role_narrower_than_documented;
mod rt001_routing_mode;
mod rt002_nat_egress;
mod rt003_nat_per_az;
mod rt004_blackhole_route;
mod rt005_unverifiable_egress;
mod rt006_s3_gateway_route;
mod sg001_sg_count;
mod sg002_sg_not_found;
mod sg003_sg_self_reference;
mod sg004_sg_egress;
mod sg005_sg_egress_restricted;
mod sg006_sg_cidr_self_access;
mod shared;
mod sub001_subnet_count;
mod sub002_subnet_not_found;
mod sub003_same_vpc;
mod sub004_distinct_az;
mod sub005_subnet_private;
mod sub006_free_ip_capacity;
mod vpce001_endpoint_missing;
mod vpce002_endpoint_state;
mod vpce003_endpoint_private_dns;
mod vpce004_endpoint_az_coverage;
mod vpce005_endpoint_sg_ingress;
mod vpce006_endpoint_policy;
mod vpce007_s3_endpoint_policy;
mod vpce008_sqs_endpoint_policy;
mod vpce009_endpoint_service_az;

use std::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::analysis::Analysis;
use crate::model::Member;
use crate::remedy::{Remedy, Rendered};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        })
    }
}

/// AWS documentation pages the rules cite.
pub mod docs {
    pub const NETWORKING: &str = "https://docs.aws.amazon.com/mwaa/latest/userguide/networking-about.html";
    pub const VPC_SECURITY: &str = "https://docs.aws.amazon.com/mwaa/latest/userguide/vpc-security.html";
    pub const CREATE_ENDPOINTS: &str = "https://docs.aws.amazon.com/mwaa/latest/userguide/vpc-vpe-create-access.html";
    pub const ENDPOINT_MANAGEMENT: &str = "https://docs.aws.amazon.com/mwaa/latest/userguide/vpc-endpoint-management.html";
    pub const TROUBLESHOOTING: &str = "https://docs.aws.amazon.com/mwaa/latest/userguide/t-create-update-environment.html";
    pub const VPC_DNS: &str = "https://docs.aws.amazon.com/vpc/latest/userguide/vpc-dns.html";
    pub const CUSTOM_KEYS: &str = "https://docs.aws.amazon.com/mwaa/latest/userguide/custom-keys-certs.html";
    pub const EXECUTION_ROLE: &str = "https://docs.aws.amazon.com/mwaa/latest/userguide/mwaa-create-role.html";
    pub const DEPENDENCIES: &str = "https://docs.aws.amazon.com/mwaa/latest/userguide/best-practices-dependencies.html";
    pub const DEPLOYER: &str = "https://docs.aws.amazon.com/mwaa/latest/userguide/access-policies.html";
    pub const S3_BUCKET: &str = "https://docs.aws.amazon.com/mwaa/latest/userguide/mwaa-s3-bucket.html";
}

pub type CheckResult = Result<Vec<Finding>, Skip>;

/// Why a rule could not be evaluated; never reported as passed.
#[derive(Debug, Clone)]
pub struct Skip(pub String);

#[derive(Clone, Copy)]
pub enum Check {
    /// Evaluates the network.
    Network(fn(&Analysis<'_>) -> CheckResult),
    /// Explains an existing environment's state with what the other rules found and could not decide
    /// (`diagnose` only).
    Environment(fn(&Analysis<'_>, &Outcome) -> CheckResult),
}

pub struct Rule {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    /// The AWS page the requirement comes from.
    pub source: &'static str,
    /// `rules/<CODE>.md`, printed by `explain`.
    pub doc: &'static str,
    /// Snapshot members without which the rule is skipped.
    pub needs: &'static [Member],
    pub check: Check,
}

impl Rule {
    /// What part of an environment the rule is about (RULES.md v3): `network`, `environment`,
    /// `execution-role`, `kms`, `bucket`, `deployer` or `dependencies`.
    pub fn family(&self) -> &'static str {
        let prefix = self.code.trim_end_matches(|c: char| c.is_ascii_digit());
        match (prefix, self.code) {
            (_, "CME005") | ("DEP", _) => "deployer",
            ("ENV", _) => "environment",
            ("ROLE", _) => "execution-role",
            ("KMS", _) => "kms",
            ("BKT", _) => "bucket",
            ("PKG", _) => "dependencies",
            _ => "network",
        }
    }

    pub fn finding(&'static self, resource: Option<&str>, message: impl Into<String>) -> Finding {
        Finding {
            code: self.code,
            name: self.name,
            family: self.family(),
            severity: self.severity,
            resource: resource.map(str::to_string),
            message: message.into(),
            remediation: Vec::new(),
            fix: Remedy::default(),
            evidence: Value::Object(Default::default()),
            docs: self.source,
            construct_path: None,
            trace: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    /// What part of the environment the finding is about (RULES.md v3).
    pub family: &'static str,
    pub resource: Option<String>,
    pub message: String,
    /// `fix` in the input's language (AWS CLI commands, or the change to the code), prose and code apart:
    /// Markdown fences the code, the HTML page copies it alone; JSON has it as one text, a line apart.
    #[serde(serialize_with = "joined")]
    pub remediation: Vec<Rendered>,
    /// The remedy as data: its applicability and typed steps.
    pub fix: Remedy,
    pub evidence: Value,
    pub docs: &'static str,
    /// The CDK construct path of `resource`, for a CDK app's templates: the line of the app to change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub construct_path: Option<String>,
    /// Extra lines for the human report (flow hops); the same facts are in `evidence`.
    #[serde(skip)]
    pub trace: Vec<TraceLine>,
}

impl Finding {
    pub fn remediation(mut self, remedy: impl Into<Remedy>) -> Self {
        self.fix = remedy.into();
        self
    }

    pub fn evidence(mut self, evidence: Value) -> Self {
        self.evidence = evidence;
        self
    }

    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    pub fn trace(mut self, lines: Vec<TraceLine>) -> Self {
        self.trace = lines;
        self
    }

    /// The remediation as one text, a line apart (JSON's `remediation`, the one-line formats' "Fix:").
    pub fn remediation_text(&self) -> String {
        Rendered::join(&self.remediation)
    }

    /// "`CODE name on resource`": how a finding is named in one line (audit tables, causes, `--wait`).
    pub fn headline(&self) -> String {
        format!("{} {} on {}", self.code, self.name, self.resource.as_deref().unwrap_or("-"))
    }

    /// Report order: severity, then code, then resource.
    pub fn sort_key(&self) -> (Severity, &'static str, String) {
        (self.severity, self.code, self.resource.clone().unwrap_or_default())
    }
}

fn joined<S: serde::Serializer>(parts: &[Rendered], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&Rendered::join(parts))
}

/// A line of a finding's human trace; `detail` lines (hops that pass) show only with `--verbose`.
#[derive(Debug, Clone)]
pub struct TraceLine {
    pub text: String,
    pub detail: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    pub code: &'static str,
    pub reason: String,
}

/// A finding that the configuration accepted, with the reason; listed in every report, never counted.
#[derive(Debug, Clone, Serialize)]
pub struct Ignored {
    pub code: &'static str,
    pub resource: Option<String>,
    pub reason: String,
}

#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub skipped: Vec<Skipped>,
    pub ignored: Vec<Ignored>,
    /// Codes of the rules that were evaluated and found nothing.
    pub passed: Vec<&'static str>,
}

/// Which rules run: `Check` evaluates the network; `Diagnose` adds the environment rules, which explain
/// an existing environment's state with the network findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Check,
    Diagnose,
}

/// What the user's configuration does to a run: rules switched off, severities changed, findings accepted.
pub trait Triage {
    fn is_enabled(&self, code: &str) -> bool;
    /// Applies severities and ignores to the findings, moving the accepted ones to `outcome.ignored`.
    fn triage(&self, outcome: &mut Outcome);
}

/// Runs the enabled rules on one target. The configuration is applied to the network findings before
/// the environment rules rank them as causes, so an accepted finding is never named as one.
pub fn run(analysis: &Analysis<'_>, mode: Mode, triage: &dyn Triage) -> Outcome {
    let mut outcome = Outcome::default();
    let apply = |rule: &'static Rule, result: CheckResult, outcome: &mut Outcome| match result {
        Ok(findings) if findings.is_empty() => outcome.passed.push(rule.code),
        Ok(findings) => outcome.findings.extend(findings),
        Err(Skip(reason)) => outcome.skipped.push(Skipped { code: rule.code, reason }),
    };
    let enabled = || registry::ALL.iter().filter(|r| triage.is_enabled(r.code));
    for rule in enabled() {
        if let Check::Network(check) = rule.check {
            let result = missing(analysis, rule).map_or_else(|| check(analysis), Err);
            apply(rule, result, &mut outcome);
        }
    }
    dedupe(&mut outcome.findings);
    let paths = &analysis.settings.construct_paths;
    for finding in outcome.findings.iter_mut().filter(|_| !paths.is_empty()) {
        // What a resource brings (`Vpc.DefaultSecurityGroup`) is changed through the construct that brings it.
        let resource = finding.resource.as_deref().unwrap_or_default();
        let owner = [Some(resource), resource.rsplit_once('.').map(|(owner, _)| owner)].into_iter().flatten().find_map(|r| paths.get(r));
        finding.construct_path = owner.cloned();
    }
    render_remediation(analysis, &mut outcome.findings);
    triage.triage(&mut outcome);
    if mode == Mode::Diagnose {
        let checked = outcome.clone();
        let mut environment = Outcome::default();
        for rule in enabled() {
            if let Check::Environment(check) = rule.check {
                let result = missing(analysis, rule).map_or_else(|| check(analysis, &checked), Err);
                apply(rule, result, &mut environment);
            }
        }
        dedupe(&mut environment.findings);
        render_remediation(analysis, &mut environment.findings);
        triage.triage(&mut environment);
        outcome.findings.extend(environment.findings);
        outcome.skipped.extend(environment.skipped);
        outcome.ignored.extend(environment.ignored);
        outcome.passed.extend(environment.passed);
        outcome.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    }
    outcome
}

/// Each finding's remedy as text in the input's language.
fn render_remediation(analysis: &Analysis<'_>, findings: &mut [Finding]) {
    for finding in findings {
        let settings = &analysis.settings;
        let names = match settings.language {
            crate::target::Language::Cdk => &settings.construct_paths,
            _ => &settings.resource_names,
        };
        finding.remediation = finding.fix.render(settings.language, names, settings.code_form);
    }
}

fn missing(analysis: &Analysis<'_>, rule: &Rule) -> Option<Skip> {
    let reasons: Vec<String> = rule.needs.iter().filter(|m| !analysis.network.has(**m)).map(|m| analysis.network.why_absent(*m)).collect();
    (!reasons.is_empty()).then(|| Skip(reasons.join("; ")))
}

/// One finding per (code, resource): keep the most severe, sorted for the report.
fn dedupe(findings: &mut Vec<Finding>) {
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let mut seen = std::collections::HashSet::new();
    findings.retain(|f| seen.insert((f.code, f.resource.clone())));
}
