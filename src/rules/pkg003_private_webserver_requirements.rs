//! PKG003: a private web server (Airflow 2.2.2 and later) installs requirements in the service's VPC, which
//! reaches no URL: "URLs are not accessible from private web servers installing requirements in Amazon MWAA
//! v2.2.2 and later", and "you must package all of your dependencies in a Python wheel archive".

use serde_json::json;

use super::{docs, Check, CheckResult, Rule, Severity, Skip};
use crate::analysis::requirements::host;
use crate::analysis::Analysis;
use crate::remedy::Remedy;
use crate::target::WebserverAccess;

pub static RULE: Rule = Rule {
    code: "PKG003",
    name: "private-webserver-requirements",
    severity: Severity::Error,
    summary: "A private web server (Airflow >= 2.2.2) installs requirements without any URL or index",
    source: docs::DEPENDENCIES,
    doc: include_str!("../../rules/PKG003.md"),
    needs: &[],
    check: Check::Network(check),
};

/// Whether an Airflow version is 2.2.2 or later; an unknown version is MWAA's default, the latest.
fn installs_on_webserver(version: Option<&str>) -> bool {
    let Some(version) = version else { return true };
    let parts: Vec<u32> = version.split('.').map_while(|p| p.parse().ok()).collect();
    parts.as_slice() >= [2, 2, 2].as_slice()
}

fn check(a: &Analysis<'_>) -> CheckResult {
    let access = a.settings.webserver_access;
    if access == WebserverAccess::PublicOnly {
        return Ok(Vec::new());
    }
    let version = a.settings.facts.airflow_version.clone();
    if !installs_on_webserver(version.as_deref()) {
        return Ok(Vec::new());
    }
    let Some(requirements) = a.requirements().map_err(Skip)? else { return Ok(Vec::new()) };
    let urls: Vec<_> = requirements
        .urls()
        .map(|(line, url)| json!({"file": line.file, "line": line.number, "url": url, "host": host(url).unwrap_or_else(|_| url.to_string())}))
        .collect();
    let default_index = requirements.packages().next().is_some() && !requirements.no_index();
    let private_only = access == WebserverAccess::PrivateOnly;
    let (severity, message) = match urls.first() {
        Some(first) if private_only => (
            Severity::Error,
            format!(
                "the private web server cannot fetch from {} (line {}): it reaches no URL",
                first["host"].as_str().unwrap_or_default(),
                first["line"]
            ),
        ),
        Some(_) => (
            Severity::Warning,
            "with PUBLIC_AND_PRIVATE access, how the web server installs URLs and indexes is not documented".to_string(),
        ),
        None if default_index && private_only => {
            (Severity::Warning, "the private web server installs packages from the default index, which it may not reach".to_string())
        }
        None if default_index => (
            Severity::Warning,
            "with PUBLIC_AND_PRIVATE access, how the web server installs from the default index is not documented".to_string(),
        ),
        _ => return Ok(Vec::new()),
    };
    Ok(vec![RULE
        .finding(Some(&requirements.name), message)
        .severity(severity)
        .remediation(Remedy::say(
            "Package every dependency as a wheel in plugins.zip and install with --no-index -f /usr/local/airflow/plugins (AWS's guidance for private web servers).",
        ))
        .evidence(json!({"requirements": requirements.name, "webserver_access_mode": access.as_api(), "airflow_version": version, "urls": urls, "default_index": default_index}))])
}
