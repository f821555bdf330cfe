//! BKT007: the source bucket's policy denies the execution role none of what MWAA reads (P2, P3). A Deny
//! pinned to a VPC endpoint, a VPC or addresses may apply: MWAA's web server and its creation-time checks do
//! not run in the environment's VPC [INFERENCE], and such policies "can block all connections to the bucket".

use serde_json::json;

use super::{docs, Check, CheckResult, Rule, Severity, Skip};
use crate::analysis::policy::{Decision, Policy};
use crate::analysis::Analysis;
use crate::remedy::Remedy;

pub static RULE: Rule = Rule {
    code: "BKT007",
    name: "bucket-policy",
    severity: Severity::Error,
    summary: "The source bucket's policy denies the execution role nothing MWAA reads from the bucket",
    source: docs::S3_BUCKET,
    doc: include_str!("../../rules/BKT007.md"),
    needs: &[],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    let bucket = super::shared::source_bucket(a)?;
    let Some(document) = bucket.policy().map_err(Skip)?.policy.as_ref() else { return Ok(Vec::new()) };
    if let Some(why) = document.0.strip_prefix("<unknown: ") {
        return Err(Skip(format!("the bucket policy is known only at deployment: {}", why.trim_end_matches('>'))));
    }
    let policy =
        Policy::labelled(&document.0, "the bucket policy").map_err(|why| Skip(format!("the bucket policy is not a policy: {why}")))?;
    let judged = a.role_judged().map_err(Skip)?;
    let mut denied = Vec::new();
    let mut doubtful = Vec::new();
    for (required, _) in judged.decisions.iter().filter(|(r, _)| matches!(r.id, "P2" | "P3")) {
        match policy.denies(required.request(judged.role, &judged.identity.account)) {
            Decision::Allowed => {}
            Decision::Denied { statement } => denied.push((required, statement.unwrap_or_default())),
            Decision::Unprovable { reason } => doubtful.push((required, reason)),
        }
    }
    let (severity, items) = match (denied.is_empty(), doubtful.is_empty()) {
        (true, true) => return Ok(Vec::new()),
        (false, _) => (Severity::Error, denied),
        (true, false) => (Severity::Warning, doubtful),
    };
    let (first, why) = &items[0];
    let message = match severity {
        Severity::Error => {
            format!("{why} denies the execution role {} on {}: MWAA cannot read the bucket", first.action, first.resource_shown())
        }
        _ => format!("a Deny of the bucket policy may apply to the execution role's {}: {why}", first.action),
    };
    // Whether the Deny names the S3 endpoint the environment's VPC has, for a policy pinned to one.
    let endpoints: Vec<String> = a.vpc_endpoints().filter(|e| e.service_name.ends_with(".s3")).map(|e| e.vpc_endpoint_id.clone()).collect();
    let named: Vec<&String> = endpoints.iter().filter(|id| document.0.contains(id.as_str())).collect();
    let requests: Vec<_> = items.iter().map(|(r, why)| json!({"action": r.action, "resource": r.resource_shown(), "why": why})).collect();
    Ok(vec![RULE
        .finding(Some(bucket.label()), message)
        .severity(severity)
        .remediation(Remedy::say(
            "Exempt the execution role from the bucket policy's Deny (a condition on aws:PrincipalArn), or drop the Deny: MWAA reads the bucket from outside the environment's VPC as well as through its S3 endpoint.",
        ))
        .evidence(json!({"bucket": bucket.name, "requests": requests, "env_vpc_s3_endpoints": endpoints, "endpoints_the_policy_names": named}))])
}
