//! A baseline (`check --create-baseline FILE`, then `--baseline FILE`, as checkov's): the findings of one run
//! recorded, so that a CI gate fails only on new ones. Each entry becomes an ignore of one rule on one resource,
//! with the ignores' reporting: a baselined finding is listed as ignored, an entry that matches nothing is noted.

use serde::{Deserialize, Serialize};

use crate::config::Ignore;
use crate::report::Report;

/// The format's version, the file's first member: a newer file is refused, not misread.
const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    mwaa_preflight_baseline: u32,
    findings: Vec<Entry>,
}

#[derive(Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
struct Entry {
    code: String,
    /// The resource the finding names (`""` for one that names none).
    resource: String,
}

/// The baseline of these reports' findings, as the file's text.
pub fn of(reports: &[Report]) -> String {
    let mut findings: Vec<Entry> = reports
        .iter()
        .flat_map(|r| &r.findings)
        .map(|f| Entry { code: f.code.to_string(), resource: f.resource.clone().unwrap_or_default() })
        .collect();
    findings.sort();
    findings.dedup();
    let file = File { mwaa_preflight_baseline: VERSION, findings };
    // A baseline is data of this crate's own types: serialising it cannot fail.
    serde_json::to_string_pretty(&file).map(|text| text + "\n").unwrap_or_default()
}

/// The ignores a baseline file's text holds; `Err` says what is wrong, with the line when JSON says it.
pub fn read(text: &str, name: &str) -> Result<Vec<Ignore>, String> {
    let file: File = serde_json::from_str(text).map_err(|e| format!("{name} is not a baseline: {e}"))?;
    if file.mwaa_preflight_baseline != VERSION {
        return Err(format!("{name} is a baseline of version {}; this tool reads version {VERSION}", file.mwaa_preflight_baseline));
    }
    file.findings
        .into_iter()
        .map(|entry| {
            let rule = crate::rules::registry::find(&entry.code).ok_or_else(|| format!("{name}: no rule {:?}", entry.code))?;
            Ok(Ignore { code: rule.code, resource: entry.resource, reason: format!("in the baseline {name}"), baselined: true })
        })
        .collect()
}
