//! PKG005: CodeArtifact serves package files from an S3 bucket of AWS's per Region; under private routing the
//! S3 endpoint's policy must allow `s3:GetObject` on it (the table in dependencies-private).

use serde_json::json;

use super::{docs, Check, CheckResult, Rule, Severity, Skip};
use crate::analysis::policy::{Decision, Request};
use crate::analysis::requirements::{codeartifact_region, host};
use crate::analysis::Analysis;
use crate::model::EndpointPolicy;
use crate::remedy::Remedy;

pub static RULE: Rule = Rule {
    code: "PKG005",
    name: "codeartifact-s3-assets",
    severity: Severity::Error,
    summary: "Private routing with a CodeArtifact index: the S3 endpoint policy allows CodeArtifact's assets bucket",
    source: docs::DEPENDENCIES,
    doc: include_str!("../../rules/PKG005.md"),
    needs: &[],
    check: Check::Network(check),
};

/// CodeArtifact's assets bucket per Region (dependencies-private.txt's table).
const ASSETS: [(&str, &str); 13] = [
    ("us-east-1", "assets-193858265520-us-east-1"),
    ("us-east-2", "assets-250872398865-us-east-2"),
    ("us-west-2", "assets-787052242323-us-west-2"),
    ("eu-west-1", "assets-438097961670-eu-west-1"),
    ("eu-west-2", "assets-247805302724-eu-west-2"),
    ("eu-west-3", "assets-762466490029-eu-west-3"),
    ("eu-north-1", "assets-611884512288-eu-north-1"),
    ("eu-south-1", "assets-484130244270-eu-south-1"),
    ("eu-central-1", "assets-769407342218-eu-central-1"),
    ("ap-northeast-1", "assets-660291247815-ap-northeast-1"),
    ("ap-southeast-1", "assets-421485864821-ap-southeast-1"),
    ("ap-southeast-2", "assets-860415559748-ap-southeast-2"),
    ("ap-south-1", "assets-681137435769-ap-south-1"),
];

fn check(a: &Analysis<'_>) -> CheckResult {
    let Some(requirements) = super::shared::installed_privately(a)? else { return Ok(Vec::new()) };
    let region = &a.settings.region;
    let codeartifact = requirements.urls().any(|(_, url)| host(url).is_ok_and(|h| codeartifact_region(&h).is_some()));
    if !codeartifact {
        return Ok(Vec::new());
    }
    let s3 = crate::model::aws_service_name(region, "s3");
    let mut findings = Vec::new();
    for endpoint in a.vpc_endpoints().filter(|e| e.service_name == s3) {
        let id = &endpoint.vpc_endpoint_id;
        let Some(bucket) = ASSETS.iter().find(|(r, _)| r == region).map(|(_, b)| *b) else {
            findings.push(
                RULE.finding(Some(id), format!("AWS's table names no CodeArtifact assets bucket for {region}: the S3 endpoint policy cannot be checked for it"))
                    .severity(Severity::Warning)
                    .remediation(Remedy::say("Find the domain's bucket with aws codeartifact describe-domain (s3BucketArn) and allow s3:GetObject on it in the S3 endpoint policy.")),
            );
            continue;
        };
        let resource = format!("arn:aws:s3:::{bucket}/*");
        let decision = match a.network.endpoint_policy(id) {
            Some(EndpointPolicy::Document(policy)) => policy.evaluate(Request::new("s3:GetObject", &resource)),
            Some(EndpointPolicy::FullAccess) | None => Decision::Allowed,
            Some(EndpointPolicy::Unknown(why)) => return Err(Skip(format!("the S3 endpoint policy of {id} is not known: {why}"))),
        };
        let (severity, why) = match decision {
            Decision::Allowed => continue,
            Decision::Denied { statement } => (Severity::Error, statement.unwrap_or_else(|| "no statement allows it".to_string())),
            Decision::Unprovable { reason } => (Severity::Warning, reason),
        };
        findings.push(
            RULE.finding(
                Some(id),
                format!("the S3 endpoint policy does not allow s3:GetObject on CodeArtifact's assets bucket {bucket}: {why}"),
            )
            .severity(severity)
            .remediation(Remedy::say(format!(
                "Allow s3:GetObject on {resource} in the S3 endpoint's policy (AWS's minimum bucket permissions for CodeArtifact)."
            )))
            .evidence(json!({"endpoint": id, "assets_bucket": bucket, "requirements": requirements.name})),
        );
    }
    Ok(findings)
}
