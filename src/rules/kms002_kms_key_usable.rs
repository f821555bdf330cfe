//! KMS002: the customer managed key is one MWAA can use: enabled, symmetric, for encryption, and not
//! multi-Region ("An AWS KMS multi-region key: No", custom-keys-certs). From `describe-key`, or the
//! template's or plan's key with CloudFormation's and the provider's defaults.

use serde_json::json;

use super::{docs, Check, CheckResult, Rule, Severity, Skip};
use crate::analysis::Analysis;
use crate::remedy::Remedy;

pub static RULE: Rule = Rule {
    code: "KMS002",
    name: "kms-key-usable",
    severity: Severity::Error,
    summary: "The customer managed key is enabled, symmetric, for encryption and decryption, and not multi-Region",
    source: docs::CUSTOM_KEYS,
    doc: include_str!("../../rules/KMS002.md"),
    needs: &[],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    // No KmsKey: the AWS owned key, which none of the key rules judge.
    let Some(key) = super::shared::customer_key(a)? else { return Ok(Vec::new()) };
    let metadata = *key.metadata.as_ref().map_err(|why| Skip(why.clone()))?;
    let spec = metadata.key_spec.as_deref().or(metadata.customer_master_key_spec.as_deref());
    let mut problems = Vec::new();
    match metadata.key_state.as_deref() {
        Some("Enabled") | None => {}
        Some(state) => problems.push(format!("its state is {state}")),
    }
    if metadata.enabled == Some(false) && metadata.key_state.as_deref() != Some("Disabled") {
        problems.push("it is disabled".to_string());
    }
    if let Some(spec) = spec.filter(|s| *s != "SYMMETRIC_DEFAULT") {
        problems.push(format!("its key spec is {spec}, not SYMMETRIC_DEFAULT"));
    }
    if let Some(usage) = metadata.key_usage.as_deref().filter(|u| *u != "ENCRYPT_DECRYPT") {
        problems.push(format!("its key usage is {usage}, not ENCRYPT_DECRYPT"));
    }
    if metadata.multi_region == Some(true) || metadata.key_id.starts_with("mrk-") {
        problems.push("it is a multi-Region key".to_string());
    }
    if problems.is_empty() {
        return Ok(Vec::new());
    }
    let cannot_change = "KmsKey cannot change after creation: an existing environment is created again with the new key.";
    Ok(vec![RULE
        .finding(Some(&key.name), format!("MWAA cannot use this key: {}", problems.join(", ")))
        .remediation(Remedy::say(format!(
            "Use a single-Region symmetric encryption key (KeySpec SYMMETRIC_DEFAULT, KeyUsage ENCRYPT_DECRYPT), enabled; a disabled key can be enabled with aws kms enable-key. {cannot_change}"
        )))
        .evidence(json!({"key": key.name, "problems": problems, "key_state": metadata.key_state, "key_spec": spec,
                         "key_usage": metadata.key_usage, "multi_region": metadata.multi_region}))])
}
