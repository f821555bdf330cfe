//! `rules` lists the catalog; `explain CODE` prints one rule's documentation.

use std::process::ExitCode;

use mwaa_preflight::rules::registry;

use super::{output, usage, Failure};

pub fn list() -> Result<ExitCode, Failure> {
    let mut out = String::new();
    for rule in registry::ALL {
        out.push_str(&format!("{:<8} {:<32} {:<8} {}\n", rule.code, rule.name, rule.severity.to_string(), rule.summary));
    }
    output::write_stdout(out.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

pub fn explain(rule: &str) -> Result<ExitCode, Failure> {
    let found =
        registry::find(rule).ok_or_else(|| usage(format!("no rule {rule:?}"), "`mwaa-preflight rules` lists the codes and names"))?;
    output::write_stdout(found.doc.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
