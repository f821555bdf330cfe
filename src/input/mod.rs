//! Where the network comes from. A [`Source`] (a snapshot file or the live account; templates and plans
//! plug in here) is read for a [`Selection`] and yields an [`Input`]: the networks read, each with the
//! targets to evaluate on it. Every command is written once over it; readers never judge.

mod file;
pub use file::{plugins_listing, requirements_file};
mod iac;
#[cfg_attr(feature = "aws", path = "live.rs")]
#[cfg_attr(not(feature = "aws"), path = "not_built.rs")]
mod live;
mod permissions;
mod snapshot_file;
pub mod template;
pub mod terraform;

use std::collections::HashMap;
use std::path::PathBuf;

use miette::Diagnostic;
use thiserror::Error;

pub use file::{decode_utf16, read_bounded, utf16_order, FileError, InvalidFile, SnapshotFile};
pub use live::requests_in_flight;
pub use permissions::{iam_policy, PolicyScope};

use crate::model::{Member, Network, Snapshot};
use crate::target::{RoutingAssertion, Settings};

/// Where the network is read from.
pub enum Source {
    /// A snapshot file (no AWS calls); `region` overrides the snapshot's own.
    Snapshot { path: PathBuf, region: Option<String> },
    /// The account, through the AWS SDK.
    Live(AwsAccess),
    /// CloudFormation templates (no AWS calls), over a snapshot of what they only refer to.
    Templates(template::Templates),
    /// A Terraform plan or state (no AWS calls), likewise.
    TerraformPlan(terraform::Plan),
}

impl Source {
    /// Every file this source reads: the snapshot, templates, parameters file, plan and base snapshot.
    pub fn files(&self) -> Vec<PathBuf> {
        match self {
            Source::Snapshot { path, .. } => vec![path.clone()],
            Source::Live(_) => Vec::new(),
            Source::Templates(t) => {
                template::input_files(&t.paths).into_iter().chain(t.parameters_file.iter().chain(&t.base).cloned()).collect()
            }
            Source::TerraformPlan(p) => std::iter::once(&p.path).chain(&p.base).cloned().collect(),
        }
    }
}

/// How to reach the account: the standard chain, with these overrides.
#[derive(Debug, Clone, Default)]
pub struct AwsAccess {
    /// Several only for [`Selection::All`]; none means AWS_REGION or the profile's.
    pub regions: Vec<String>,
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
    /// Audits: how many environments (and VPCs) are read at once.
    pub concurrency: usize,
}

/// What to evaluate.
#[derive(Debug, Clone)]
pub enum Selection {
    /// A planned environment, its settings from flags.
    Planned(Box<Settings>),
    /// One existing environment; `None` is the snapshot's own `Environment` member.
    Environment(Option<String>),
    /// Every environment of the region(s), or of the snapshot.
    All,
}

/// What to read, and the routing assertion that applies to every target.
#[derive(Debug, Clone)]
pub struct Request {
    pub selection: Selection,
    pub routing: RoutingAssertion,
}

/// One network as read, with the targets evaluated on it.
pub struct Scope {
    pub network: Network,
    pub targets: Vec<Settings>,
}

/// What a source yielded.
pub struct Input {
    pub scopes: Vec<Scope>,
    /// The files read, to locate findings in them (SARIF regions, human excerpts).
    pub files: SourceFiles,
    /// Whether several environments were asked for (an audit), however many were found.
    pub audit: bool,
    /// Audited environments that could not be read: error rows, while the others are evaluated.
    pub unreadable: Vec<Unreadable>,
    /// What the reader noticed that is no finding.
    pub notes: Vec<Note>,
}

/// Something about the input itself, said beside the findings.
#[derive(Debug, Clone)]
pub enum Note {
    /// A mapping key given twice (`file:line:column: ...`): the later is used, which may not be what was meant.
    DuplicateKey(String),
    /// Resource types read but not modelled (they do not shape the network); shown with `--verbose`.
    NotModelled(Vec<String>),
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Note::DuplicateKey(text) => f.write_str(text),
            Note::NotModelled(types) => write!(f, "resource types not modelled (they do not shape the network): {}", types.join(", ")),
        }
    }
}

/// The files an input was read from, and where each resource is defined in them.
#[derive(Debug, Clone, Default)]
pub struct SourceFiles {
    pub files: Vec<SnapshotFile>,
    /// Templates and plans: a resource's file (index), and the byte offset and length of its name there.
    /// Empty for a snapshot, which is searched.
    pub definitions: HashMap<String, (usize, usize, usize)>,
}

impl SourceFiles {
    pub fn one(file: SnapshotFile) -> Self {
        Self { files: vec![file], definitions: HashMap::new() }
    }

    /// The file defining a resource, and the byte offset and length of its ID there. Implicit resources of
    /// a template (`VPC.DefaultSecurityGroup`) are located at the resource that brings them.
    pub fn locate(&self, id: &str) -> Option<(usize, usize, usize)> {
        if self.definitions.is_empty() {
            let (offset, len) = self.files.first()?.locate(id)?;
            return Some((0, offset, len));
        }
        // Implicit resources (`VPC.DefaultSecurityGroup`) are located at the resource that brings them.
        let owner =
            [Some(id), id.rsplit_once('.').map(|(owner, _)| owner)].into_iter().flatten().find(|o| self.definitions.contains_key(*o))?;
        self.definitions.get(owner).copied()
    }
}

/// An environment an audit lists but could not read, and why.
#[derive(Debug, Clone)]
pub struct Unreadable {
    pub name: String,
    pub region: String,
    pub reason: String,
}

/// Why a source could not be read (exit code 2).
#[derive(Debug, Error, Diagnostic)]
pub enum InputError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    File(Box<FileError>),
    #[cfg(feature = "aws")]
    #[error(transparent)]
    #[diagnostic(transparent)]
    Live(#[from] crate::collect::CollectError),
    #[error("{what} reads AWS, and this build has no AWS support (built without the `aws` feature)")]
    #[diagnostic(code(mwaa_preflight::no_aws), help("use --snapshot FILE, or build with the default features"))]
    LiveNotBuilt { what: &'static str },
    #[error("{0}")]
    #[diagnostic(code(mwaa_preflight::malformed_id), help("IDs look like subnet-0123abcd, sg-0123abcd (8 or 17 hexadecimal digits)"))]
    MalformedId(String),
    #[error("{message}")]
    #[diagnostic(code(mwaa_preflight::target))]
    Target {
        message: String,
        #[help]
        help: String,
    },
}

impl From<Box<FileError>> for InputError {
    fn from(error: Box<FileError>) -> Self {
        InputError::File(error)
    }
}

impl InputError {
    /// The error with each secret (a `NoEcho` parameter's value) replaced by asterisks.
    pub fn redacted(self, secrets: &[String]) -> Self {
        let hide = |text: &mut String| {
            for secret in secrets.iter().filter(|s| !s.is_empty()) {
                *text = text.replace(secret.as_str(), "****");
            }
        };
        match self {
            InputError::File(mut error) => {
                if let FileError::Invalid(invalid) = error.as_mut() {
                    hide(&mut invalid.message);
                }
                InputError::File(error)
            }
            InputError::Target { mut message, mut help } => {
                hide(&mut message);
                hide(&mut help);
                InputError::Target { message, help }
            }
            InputError::MalformedId(mut message) => {
                hide(&mut message);
                InputError::MalformedId(message)
            }
            other => other,
        }
    }
}

pub(crate) fn target_error(message: impl Into<String>, help: impl Into<String>) -> InputError {
    InputError::Target { message: message.into(), help: help.into() }
}

impl Source {
    pub fn is_live(&self) -> bool {
        matches!(self, Source::Live(_))
    }

    pub fn read(&self, request: &Request) -> Result<Input, InputError> {
        // What AWS would reject is a bad argument, before any call and offline alike.
        if let (Selection::Planned(settings), false) = (&request.selection, matches!(self, Source::Templates(_) | Source::TerraformPlan(_)))
        {
            validate_ids("subnet", "subnet", &settings.subnet_ids)?;
            validate_ids("security group", "sg", &settings.security_group_ids)?;
        }
        let mut input = match self {
            Source::Snapshot { path, region } => snapshot_file::read(path, region.as_deref(), &request.selection)?,
            Source::Live(access) => live::read(access, &request.selection)?,
            Source::Templates(templates) => template::read(templates, &request.selection)?,
            Source::TerraformPlan(plan) => terraform::read(plan, &request.selection)?,
        };
        for target in input.scopes.iter_mut().flat_map(|s| s.targets.iter_mut()) {
            target.routing = request.routing;
        }
        // What code cannot tell is unknown, with why, and its checks are skipped; a snapshot or an account
        // without the members is no input at all.
        let code = matches!(self, Source::Templates(_) | Source::TerraformPlan(_));
        for scope in input.scopes.iter().filter(|_| !code) {
            require_target_members(scope)?;
        }
        Ok(input)
    }
}

/// The members without which nothing about a target can be checked: a run on them would be all skips.
/// A subnet absent from a captured `Subnets` is SUB002's finding; an absent `Subnets` is no input at all.
fn require_target_members(scope: &Scope) -> Result<(), InputError> {
    // An existing environment always has its subnets and groups; without them there is nothing to check.
    if let Some(name) =
        scope.targets.iter().find(|t| t.subnet_ids.is_empty() || t.security_group_ids.is_empty()).and_then(|t| t.environment_name())
    {
        return Err(target_error(
            format!("environment {name} has no subnets or no security groups in its NetworkConfiguration"),
            "use the `Environment` member exactly as `aws mwaa get-environment` prints it",
        ));
    }
    for (member, what, wanted) in [
        (Member::Subnets, "subnets", scope.targets.iter().any(|t| !t.subnet_ids.is_empty())),
        (Member::SecurityGroups, "security groups", scope.targets.iter().any(|t| !t.security_group_ids.is_empty())),
    ] {
        if wanted && !scope.network.has(member) {
            return Err(target_error(
                format!("no {} member to check the environment's {what} against: {}", member.name(), scope.network.why_absent(member)),
                format!("capture it with {} (`mwaa-preflight snapshot` does); see `Snapshot file` in the README", member.api_action()),
            ));
        }
    }
    Ok(())
}

/// `prefix-` and 8 or 17 lowercase hexadecimal digits, as AWS writes IDs.
fn validate_ids(kind: &str, prefix: &str, ids: &[String]) -> Result<(), InputError> {
    for id in ids {
        let hex = id.strip_prefix(prefix).and_then(|rest| rest.strip_prefix('-'));
        let ok = hex.is_some_and(|h| (h.len() == 8 || h.len() == 17) && h.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)));
        if !ok {
            return Err(InputError::MalformedId(format!("{id:?} is not a {kind} ID")));
        }
    }
    Ok(())
}

impl Input {
    /// The snapshot of what was read (`snapshot` writes it): one network as it is, several merged into
    /// one, with their environments under `Environments` when an audit was asked for.
    pub fn into_snapshot(self) -> Result<Snapshot, InputError> {
        let audit = self.audit;
        let unreadable = self.unreadable;
        let mut snapshots: Vec<Snapshot> = self.scopes.into_iter().map(|s| s.network.snapshot).collect();
        if !audit && snapshots.len() == 1 {
            return snapshots.pop().ok_or_else(|| target_error("nothing was read", "this is a bug; please report it"));
        }
        let bug = |e: serde_json::Error| {
            target_error(format!("cannot merge the environments' snapshots: {e}"), "this is a bug; please report it")
        };
        let mut merged = serde_json::Map::new();
        let mut environments = Vec::new();
        for mut snapshot in snapshots {
            environments.extend(snapshot.environment.take());
            environments.extend(snapshot.environments.take().into_iter().flatten());
            merge(&mut merged, serde_json::to_value(&snapshot).map_err(bug)?);
        }
        let mut snapshot: Snapshot = serde_json::from_value(serde_json::Value::Object(merged)).map_err(bug)?;
        snapshot.account_id = snapshot.account_id.or_else(|| environments.first().and_then(|e| e.account_id()));
        snapshot.environments = Some(environments);
        for environment in unreadable {
            snapshot
                .not_captured
                .get_or_insert_with(Default::default)
                .insert(format!("Environment/{}", environment.name), environment.reason);
        }
        Ok(snapshot)
    }
}

/// Adds one snapshot's members to a merged one: lists are unioned (an item read twice is kept once),
/// maps are joined, scalars kept from the first.
pub(crate) fn merge(merged: &mut serde_json::Map<String, serde_json::Value>, snapshot: serde_json::Value) {
    use serde_json::Value;
    let Value::Object(members) = snapshot else { return };
    for (key, value) in members {
        match (merged.get_mut(&key), value) {
            (Some(Value::Array(into)), Value::Array(items)) => {
                for item in items {
                    if !into.contains(&item) {
                        into.push(item);
                    }
                }
            }
            (Some(Value::Object(into)), Value::Object(entries)) => into.extend(entries),
            (Some(_), _) => {}
            (None, value) => {
                merged.insert(key, value);
            }
        }
    }
}
