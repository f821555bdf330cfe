//! BKT003: the source bucket is versioned. MWAA reads requirements.txt, plugins.zip and the startup script
//! by object version, and refuses a bucket whose versioning is not enabled (s3-bucket).

use serde_json::json;

use super::{docs, Check, CheckResult, Rule, Severity, Skip};
use crate::analysis::Analysis;
use crate::remedy::Action;

pub static RULE: Rule = Rule {
    code: "BKT003",
    name: "bucket-versioning",
    severity: Severity::Error,
    summary: "The source bucket's versioning is Enabled",
    source: docs::S3_BUCKET,
    doc: include_str!("../../rules/BKT003.md"),
    needs: &[],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    let bucket = super::shared::source_bucket(a)?;
    let versioning = bucket.versioning().map_err(Skip)?;
    let message = match versioning.status.as_deref() {
        Some("Enabled") => return Ok(Vec::new()),
        Some(status) => format!("the bucket's versioning is {status}: MWAA requires a versioned bucket"),
        None => "the bucket was never versioned: MWAA requires a versioned bucket".to_string(),
    };
    let remedy = super::shared::bucket_remedy(a, bucket, Action::EnableBucketVersioning { bucket: super::shared::bucket_ref(bucket) });
    Ok(vec![RULE
        .finding(Some(bucket.label()), message)
        .remediation(remedy)
        .evidence(json!({"bucket": bucket.name, "status": versioning.status}))])
}
