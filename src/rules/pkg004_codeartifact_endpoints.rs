//! PKG004: a CodeArtifact index under private routing needs the `codeartifact.repositories` endpoint with
//! private DNS in the env VPC (pip's requests), in the environment's Region; `codeartifact.api` serves the token
//! refresh of AWS's sample and must have private DNS off ("multiple private DNS hostnames are not currently
//! supported").

use serde_json::json;

use super::{docs, Check, CheckResult, Finding, Rule, Severity};
use crate::analysis::requirements::{codeartifact_region, host};
use crate::analysis::Analysis;
use crate::remedy::Remedy;

pub static RULE: Rule = Rule {
    code: "PKG004",
    name: "codeartifact-endpoints",
    severity: Severity::Error,
    summary:
        "Private routing with a CodeArtifact index: the codeartifact.repositories endpoint with private DNS, and codeartifact.api without",
    source: docs::DEPENDENCIES,
    doc: include_str!("../../rules/PKG004.md"),
    needs: &[],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    let Some(requirements) = super::shared::installed_privately(a)? else { return Ok(Vec::new()) };
    let region = &a.settings.region;
    let Some((line, host)) = requirements.urls().find_map(|(line, url)| {
        let host = host(url).ok()?;
        codeartifact_region(&host).is_some().then_some((line, host))
    }) else {
        return Ok(Vec::new());
    };
    let at = json!({"file": line.file, "line": line.number, "host": host});
    let service = |short: &str| format!("com.amazonaws.{region}.codeartifact.{short}");
    let remedy = |text: String| Remedy::say(text);
    let finding = |resource: &str, severity: Severity, message: String, fix: String| -> Finding {
        RULE.finding(Some(resource), message)
            .severity(severity)
            .remediation(remedy(fix))
            .evidence(json!({"index": at, "requirements": requirements.name}))
    };
    if let Some(other) = codeartifact_region(&host).filter(|r| r != region) {
        return Ok(vec![finding(
            &host,
            Severity::Error,
            format!("the CodeArtifact index is in {other}, the environment in {region}: its endpoints serve their own Region"),
            format!("Use a repository of {region}, or reach {other} through a route the env subnets have."),
        )]);
    }
    let endpoint = |short: &str| a.vpc_endpoints().find(|e| e.is_available() && e.service_name == service(short));
    let mut findings = Vec::new();
    match endpoint("repositories") {
        None => findings.push(finding(
            &service("repositories"),
            Severity::Error,
            "the env VPC has no codeartifact.repositories endpoint: pip cannot reach the CodeArtifact index".to_string(),
            format!("Create an interface endpoint for {} in the env subnets, with private DNS enabled.", service("repositories")),
        )),
        Some(e) if !e.private_dns_enabled && !host.starts_with(&format!("{}-", e.vpc_endpoint_id)) => findings.push(finding(
            &e.vpc_endpoint_id,
            Severity::Error,
            "the codeartifact.repositories endpoint has private DNS off and the index URL is not its own DNS name".to_string(),
            format!("Enable private DNS on {} (aws ec2 modify-vpc-endpoint --private-dns-enabled), or use the endpoint's own DNS name in the index URL.", e.vpc_endpoint_id),
        )),
        Some(_) => {}
    }
    match endpoint("api") {
        None => findings.push(finding(
            &service("api"),
            Severity::Warning,
            "the env VPC has no codeartifact.api endpoint: the token refresh of AWS's sample (GetAuthorizationToken) cannot run"
                .to_string(),
            format!("Create an interface endpoint for {} with --no-private-dns-enabled.", service("api")),
        )),
        Some(e) if e.private_dns_enabled => findings.push(finding(
            &e.vpc_endpoint_id,
            Severity::Warning,
            "the codeartifact.api endpoint has private DNS on: CodeArtifact supports private DNS on one of its two endpoints only"
                .to_string(),
            format!("Turn private DNS off on {} (AWS: --no-private-dns-enabled for codeartifact.api).", e.vpc_endpoint_id),
        )),
        Some(_) => {}
    }
    Ok(findings)
}
