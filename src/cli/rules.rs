//! `rules` lists the catalog; `explain CODE` prints one rule's documentation.

use std::process::ExitCode;

use mwaa_preflight::rules::registry;

use super::{output, usage, Failure};

/// The catalog: a line per rule, or (`json`) one object per rule for scripts.
pub fn list(json: bool) -> Result<ExitCode, Failure> {
    let out = if json {
        let rules: Vec<serde_json::Value> = registry::ALL
            .iter()
            .map(|r| {
                serde_json::json!({"code": r.code, "name": r.name, "severity": r.severity, "family": r.family(),
                    "summary": r.summary, "docs": r.source})
            })
            .collect();
        serde_json::to_string_pretty(&rules)
            .map_err(|e| usage(format!("cannot write the catalog: {e}"), "this is a bug; please report it"))?
            + "\n"
    } else {
        registry::ALL.iter().map(|r| format!("{:<8} {:<32} {:<8} {}\n", r.code, r.name, r.severity.to_string(), r.summary)).collect()
    };
    output::write_stdout(out.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

pub fn explain(rule: &str) -> Result<ExitCode, Failure> {
    let found =
        registry::find(rule).ok_or_else(|| usage(format!("no rule {rule:?}"), "`mwaa-preflight rules` lists the codes and names"))?;
    output::write_stdout(found.doc.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
