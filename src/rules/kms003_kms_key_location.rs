//! KMS003: the key is in the environment's Region ("must be created in the same Region") and, as the
//! encryption-at-rest page says, its account (custom-keys-certs allows another account's key by ARN; NOTES.md):
//! another Region is an error, another account a warning. Decided from the key's ARN alone; a key ID or a
//! key of the code is the environment's Region and account.

use serde_json::json;

use super::{docs, Check, CheckResult, Rule, Severity, Skip};
use crate::analysis::key::location;
use crate::analysis::Analysis;
use crate::remedy::Remedy;

pub static RULE: Rule = Rule {
    code: "KMS003",
    name: "kms-key-location",
    severity: Severity::Error,
    summary: "The customer managed key is in the environment's Region (and, best, its account)",
    source: docs::CUSTOM_KEYS,
    doc: include_str!("../../rules/KMS003.md"),
    needs: &[],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    // No KmsKey: the AWS owned key, which none of the key rules judge.
    let Some(key) = super::shared::customer_key(a)? else { return Ok(Vec::new()) };
    let Some((region, account)) = key.given.as_deref().and_then(location) else {
        // A key ID names a key of the environment's Region and account; so does a key the code creates.
        return Ok(Vec::new());
    };
    let settings = a.settings;
    let (severity, message) = if region != settings.region {
        (Severity::Error, format!("the key is in {region} and the environment in {}: MWAA takes a key of its own Region", settings.region))
    } else {
        match settings.account_id.as_deref() {
            None => return Err(Skip(format!("the environment's account is not known, to compare with the key's ({account})"))),
            Some(own) if own != account => (
                Severity::Warning,
                format!("the key is in account {account} and the environment in {own}: AWS's pages disagree on another account's key"),
            ),
            Some(_) => return Ok(Vec::new()),
        }
    };
    Ok(vec![RULE
        .finding(Some(&key.name), message)
        .severity(severity)
        .remediation(Remedy::say(format!(
            "Use a key created in {} (and, best, in the environment's account), given by its ARN. KmsKey cannot change after creation.",
            settings.region
        )))
        .evidence(json!({"key": key.name, "key_region": region, "key_account": account, "region": settings.region, "account": settings.account_id}))])
}
