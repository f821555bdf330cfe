//! `mwaa-preflight.toml`: per-rule severity overrides, rules switched off, and ignores scoped to one
//! resource with a mandatory reason (shown in every report). Found in the working directory or its
//! parents, or named with `--config`; flags override it. Unknown keys are errors with their location.

use std::collections::BTreeMap;
use std::path::Path;

use miette::Diagnostic;
use serde::{Deserialize, Serialize};
use thiserror::Error;
use toml::Spanned;

use crate::input::InvalidFile;
use crate::rules::{registry, Finding, Ignored, Outcome, Severity, Triage};

pub const FILE_NAME: &str = "mwaa-preflight.toml";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleSetting {
    Error,
    Warning,
    Info,
    Off,
}

/// The severity at which a run exits 1: `--fail-on` or the configuration's `fail-on` (default error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    #[default]
    Error,
    Warning,
    Info,
    Never,
}

impl FailOn {
    /// The least severe severity that fails the run; None never fails.
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        }
    }
}

/// What makes a run exit 1: a finding at or above `fail_on`, and, with `skipped`, any check that could not
/// be evaluated (a CI gate that must not pass on partial data).
#[derive(Debug, Clone, Copy, Default)]
pub struct Gate {
    pub fail_on: FailOn,
    pub skipped: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct File {
    #[serde(default)]
    fail_on: Option<FailOn>,
    #[serde(default)]
    fail_on_skipped: Option<bool>,
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, RuleSetting>,
    #[serde(default)]
    ignore: Vec<Spanned<IgnoreEntry>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IgnoreEntry {
    rule: String,
    resource: String,
    reason: String,
}

/// One ignore: a rule's finding on one resource (`""`: a finding that names none), and why it is accepted.
#[derive(Debug, Clone, Serialize)]
pub struct Ignore {
    pub code: &'static str,
    pub resource: String,
    pub reason: String,
    /// From a baseline (`--baseline`) rather than the configuration or the code.
    #[serde(skip)]
    pub baselined: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Config {
    pub fail_on: Option<FailOn>,
    pub fail_on_skipped: Option<bool>,
    /// Rule code -> its setting.
    pub rules: BTreeMap<&'static str, RuleSetting>,
    pub ignores: Vec<Ignore>,
    /// The file it was read from, if any.
    pub path: Option<std::path::PathBuf>,
}

#[derive(Debug, Error, Diagnostic)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    #[diagnostic(code(mwaa_preflight::config_unreadable))]
    Unreadable { path: String, source: std::io::Error },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Invalid(InvalidFile),
}

impl Config {
    pub fn gate(&self) -> Gate {
        Gate { fail_on: self.fail_on.unwrap_or_default(), skipped: self.fail_on_skipped.unwrap_or(false) }
    }

    /// `--config FILE`, else the first mwaa-preflight.toml in `start` or its parents, else the defaults.
    pub fn discover(explicit: Option<&Path>, start: &Path) -> Result<Self, Box<ConfigError>> {
        let path = match explicit {
            Some(path) => Some(path.to_path_buf()),
            None => start.ancestors().map(|dir| dir.join(FILE_NAME)).find(|p| p.is_file()),
        };
        match path {
            Some(path) => Self::load(&path),
            None => Ok(Self::default()),
        }
    }

    pub fn load(path: &Path) -> Result<Self, Box<ConfigError>> {
        // A configuration is a few lines; the bound keeps `--config /dev/zero` from taking all memory.
        let text = crate::input::read_bounded(path, 1024 * 1024, None)
            .map_err(|source| Box::new(ConfigError::Unreadable { path: path.display().to_string(), source }))?;
        let mut config = Self::parse(&path.display().to_string(), &text)?;
        config.path = Some(path.to_path_buf());
        Ok(config)
    }

    pub fn parse(path: &str, text: &str) -> Result<Self, Box<ConfigError>> {
        let invalid = |message: String, span: Option<std::ops::Range<usize>>| {
            let span = span.unwrap_or(0..0);
            let help = "keys: fail-on, fail-on-skipped, [rules] CODE-or-name = \"error\"|\"warning\"|\"info\"|\"off\", [[ignore]] rule, resource, reason";
            Box::new(ConfigError::Invalid(InvalidFile::new(
                "configuration",
                path,
                text,
                message,
                span.start,
                span.end.saturating_sub(span.start),
                help,
            )))
        };
        let file: File = toml::from_str(text).map_err(|e| invalid(e.message().to_string(), e.span()))?;
        let mut rules = BTreeMap::new();
        for (key, setting) in file.rules {
            let rule = registry::find(key.get_ref()).ok_or_else(|| invalid(format!("no rule {:?}", key.get_ref()), Some(key.span())))?;
            if rules.insert(rule.code, setting).is_some() {
                // By code and by name, say: which one wins would be a guess.
                return Err(invalid(format!("{} is set twice (by code and by name)", rule.code), Some(key.span())));
            }
        }
        let mut ignores = Vec::new();
        for entry in file.ignore {
            let span = entry.span();
            let entry = entry.into_inner();
            let rule = registry::find(&entry.rule).ok_or_else(|| invalid(format!("no rule {:?}", entry.rule), Some(span.clone())))?;
            if entry.reason.trim().is_empty() {
                return Err(invalid("an ignore needs a reason".to_string(), Some(span)));
            }
            ignores.push(Ignore { code: rule.code, resource: entry.resource, reason: entry.reason, baselined: false });
        }
        Ok(Self { fail_on: file.fail_on, fail_on_skipped: file.fail_on_skipped, rules, ignores, path: None })
    }
}

impl Triage for Config {
    fn is_enabled(&self, code: &str) -> bool {
        self.rules.get(code) != Some(&RuleSetting::Off)
    }

    fn triage(&self, outcome: &mut Outcome) {
        let mut kept: Vec<Finding> = Vec::new();
        for mut finding in std::mem::take(&mut outcome.findings) {
            match self.rules.get(finding.code) {
                Some(RuleSetting::Off) => continue,
                Some(RuleSetting::Error) => finding.severity = Severity::Error,
                Some(RuleSetting::Warning) => finding.severity = Severity::Warning,
                Some(RuleSetting::Info) => finding.severity = Severity::Info,
                None => {}
            }
            let ignore =
                self.ignores.iter().find(|i| i.code == finding.code && finding.resource.as_deref().unwrap_or_default() == i.resource);
            match ignore {
                Some(i) => {
                    outcome.ignored.push(Ignored { code: finding.code, resource: finding.resource.clone(), reason: i.reason.clone() })
                }
                None => kept.push(finding),
            }
        }
        kept.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        outcome.findings = kept;
    }
}
