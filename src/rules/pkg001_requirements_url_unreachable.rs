//! PKG001: every URL requirements.txt names (constraints, indexes, find-links, direct references) is reachable
//! from the env subnets, where workers and schedulers install: "PIP will fail to install in private MWAA as it
//! won't reach public URL in constraints line" (aws/aws-mwaa-local-runner PR #348).

use serde_json::json;

use super::{docs, Check, CheckResult, Rule, Severity, Skip};
use crate::analysis::requirements::{codeartifact_region, host, reach, Reach};
use crate::analysis::{Analysis, Routing};
use crate::remedy::Remedy;

pub static RULE: Rule = Rule {
    code: "PKG001",
    name: "requirements-url-unreachable",
    severity: Severity::Error,
    summary: "Private routing: every URL requirements.txt names is reachable from the env subnets",
    source: docs::DEPENDENCIES,
    doc: include_str!("../../rules/PKG001.md"),
    needs: &[],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    if a.routing == Routing::Public {
        return Ok(Vec::new());
    }
    let Some(requirements) = a.requirements().map_err(Skip)? else { return Ok(Vec::new()) };
    let mut items = Vec::new();
    for (line, url) in requirements.urls() {
        let host = host(url);
        let verdict = match &host {
            // A CodeArtifact index is PKG004's: its endpoints, not its reachability alone.
            Ok(host) if codeartifact_region(host).is_some() => continue,
            Ok(host) => reach(a, host),
            Err(why) => Reach::Unproven(why.clone()),
        };
        let host = host.unwrap_or_else(|_| url.to_string());
        let (severity, why) = match verdict {
            Reach::Reachable => continue,
            Reach::Unreachable { why, known: true } => (Severity::Error, why),
            Reach::Unreachable { why, known: false } | Reach::Unproven(why) => (Severity::Warning, why),
        };
        items.push((severity, line, host, why));
    }
    let Some(severity) = items.iter().map(|(s, ..)| *s).min() else { return Ok(Vec::new()) };
    let Some((_, first, host, why)) = items.iter().find(|(s, ..)| *s == severity) else { return Ok(Vec::new()) };
    let lines: Vec<_> = items
        .iter()
        .map(|(s, l, host, why)| json!({"file": l.file, "line": l.number, "text": l.text, "host": host, "severity": s, "why": why}))
        .collect();
    Ok(vec![RULE
        .finding(Some(&requirements.name), format!("line {} fetches from {host}: {why}", first.number))
        .severity(severity)
        .remediation(Remedy::say(
            "Serve what the line names from where the env subnets reach it: a wheel in plugins.zip (-f /usr/local/airflow/plugins with --no-index), an object in the bucket, a CodeArtifact repository with its endpoints, or a route to the internet; for constraints, MWAA's own file applies when the line is removed.",
        ))
        .evidence(json!({"requirements": requirements.name, "lines": lines, "unread": requirements.unread}))])
}
