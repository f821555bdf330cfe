//! BKT002: Block Public Access is on for the source bucket, all four settings, each the bucket's or the
//! account's (S3 applies the most restrictive combination; s3-bucket). MWAA refuses a bucket that may be
//! public.

use serde_json::json;

use super::{docs, Check, CheckResult, Rule, Severity, Skip};
use crate::analysis::Analysis;
use crate::remedy::Action;

pub static RULE: Rule = Rule {
    code: "BKT002",
    name: "bucket-public-access-block",
    severity: Severity::Error,
    summary: "The source bucket blocks all public access: the four Block Public Access settings, the bucket's or the account's",
    source: docs::S3_BUCKET,
    doc: include_str!("../../rules/BKT002.md"),
    needs: &[],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    let bucket = super::shared::source_bucket(a)?;
    let own = bucket.block().map_err(Skip)?;
    let off_here: Vec<&str> = own.settings().into_iter().filter(|(_, on)| !on).map(|(name, _)| name).collect();
    if off_here.is_empty() {
        return Ok(Vec::new());
    }
    let (severity, off, account) = match bucket.account_block() {
        Ok(account) => {
            let off: Vec<&str> =
                off_here.iter().copied().filter(|name| account.settings().iter().any(|(n, on)| n == name && !on)).collect();
            (Severity::Error, off, json!(account))
        }
        // The account's block may supply what the bucket's lacks: cannot prove.
        Err(why) => (Severity::Warning, off_here.clone(), json!({"unknown": why})),
    };
    if off.is_empty() {
        return Ok(Vec::new());
    }
    let message = match severity {
        Severity::Error => {
            format!("the bucket and the account leave {} off: MWAA requires all four Block Public Access settings on", off.join(", "))
        }
        _ => format!(
            "the bucket leaves {} off and the account's public access block is not known: MWAA requires all four on",
            off.join(", ")
        ),
    };
    let block = bucket.code.and_then(|c| c.block_resource.clone()).map(crate::remedy::Ref::id);
    let remedy =
        super::shared::bucket_remedy(a, bucket, Action::BlockBucketPublicAccess { bucket: super::shared::bucket_ref(bucket), block });
    Ok(vec![RULE
        .finding(Some(bucket.label()), message)
        .severity(severity)
        .remediation(remedy)
        .evidence(json!({"bucket": bucket.name, "off": off, "bucket_settings": own, "account_settings": account}))])
}
