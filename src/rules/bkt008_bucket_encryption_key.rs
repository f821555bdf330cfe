//! BKT008: the source bucket's default encryption uses no customer managed key other than the environment's
//! ("The AWS KMS key you specify must also be used for encryption on your Amazon MWAA environment",
//! mwaa-s3-bucket): the execution role is granted the environment's key, not another.

use serde_json::json;

use super::{docs, Check, CheckResult, Rule, Severity, Skip};
use crate::analysis::Analysis;
use crate::remedy::Remedy;

pub static RULE: Rule = Rule {
    code: "BKT008",
    name: "bucket-encryption-key",
    severity: Severity::Warning,
    summary: "The source bucket's default SSE-KMS key, if a customer managed one, is the environment's KmsKey",
    source: docs::S3_BUCKET,
    doc: include_str!("../../rules/BKT008.md"),
    needs: &[],
    check: Check::Network(check),
};

/// The key's ID, whichever way it is written (ARN or ID); `None` for an alias (`alias/aws/s3` is S3's own).
fn key_id(text: &str) -> Option<&str> {
    (!crate::analysis::key::is_alias(text)).then(|| crate::analysis::key::key_id(text))
}

fn check(a: &Analysis<'_>) -> CheckResult {
    let bucket = super::shared::source_bucket(a)?;
    let encryption = bucket.encryption().map_err(Skip)?;
    let rules = encryption.server_side_encryption_configuration.iter().flat_map(|c| &c.rules);
    let Some(key) = rules
        .filter_map(|r| r.apply_server_side_encryption_by_default.as_ref())
        .filter(|d| d.sse_algorithm.starts_with("aws:kms"))
        .find_map(|d| d.kms_master_key_id.as_deref())
    else {
        return Ok(Vec::new());
    };
    if let Some(why) = key.strip_prefix("<unknown: ") {
        return Err(Skip(format!("the bucket's encryption key is known only at deployment: {}", why.trim_end_matches('>'))));
    }
    let Some(bucket_key) = key_id(key) else { return Ok(Vec::new()) };
    let environment_key = a.settings.kms_key.as_deref();
    if environment_key.and_then(key_id) == Some(bucket_key) {
        return Ok(Vec::new());
    }
    let message = match environment_key {
        Some(own) => format!("the bucket encrypts with key {bucket_key}, not the environment's KmsKey ({})", key_id(own).unwrap_or(own)),
        None => format!("the bucket encrypts with the customer managed key {bucket_key} and the environment uses an AWS owned key"),
    };
    Ok(vec![RULE
        .finding(Some(bucket.label()), message)
        .remediation(Remedy::say(
            "Give the environment the bucket's key as KmsKey (or the bucket the environment's key as its default encryption), and let the execution role use it (kms:Decrypt, kms:GenerateDataKey).",
        ))
        .evidence(json!({"bucket": bucket.name, "bucket_key": key, "environment_key": environment_key}))])
}
