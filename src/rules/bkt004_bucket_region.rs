//! BKT004: the source bucket is in the environment's Region ("must be located in the same AWS Region").

use serde_json::json;

use super::{docs, Check, CheckResult, Rule, Severity, Skip};
use crate::analysis::Analysis;
use crate::remedy::Remedy;

pub static RULE: Rule = Rule {
    code: "BKT004",
    name: "bucket-region",
    severity: Severity::Error,
    summary: "The source bucket is in the environment's Region",
    source: docs::S3_BUCKET,
    doc: include_str!("../../rules/BKT004.md"),
    needs: &[],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    let bucket = super::shared::source_bucket(a)?;
    let region = bucket.region().map_err(Skip)?;
    let own = &a.settings.region;
    if region == own {
        return Ok(Vec::new());
    }
    Ok(vec![RULE
        .finding(
            Some(bucket.label()),
            format!("the bucket is in {region} and the environment in {own}: MWAA takes a bucket of its own Region"),
        )
        .remediation(Remedy::say(format!(
            "Use a bucket in {own} (buckets do not move: create one there and copy the DAGs, requirements and plugins)."
        )))
        .evidence(json!({"bucket": bucket.name, "bucket_region": region, "region": own}))])
}
