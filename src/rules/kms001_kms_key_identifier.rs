//! KMS001: the environment's KmsKey is given in a form MWAA takes. The guide (custom-keys-certs): "An AWS KMS
//! key ID or ARN: Yes. An AWS KMS key alias: No"; a key in another account must be given by ARN, and the
//! pages disagree on bare IDs (NOTES.md), so a key ARN passes, a key ID warns and an alias fails.

use serde_json::json;

use super::{docs, Check, CheckResult, Rule, Severity, Skip};
use crate::analysis::Analysis;
use crate::target::KeyGiven;

pub static RULE: Rule = Rule {
    code: "KMS001",
    name: "kms-key-identifier",
    severity: Severity::Error,
    summary: "The environment's KmsKey is a key ARN, not an alias, and not a bare key ID",
    source: docs::CUSTOM_KEYS,
    doc: include_str!("../../rules/KMS001.md"),
    needs: &[],
    check: Check::Network(check),
};

/// The forms of the API's KmsKey pattern, and what matches none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    KeyArn,
    KeyId,
    Alias,
    AliasArn,
    Malformed,
}

fn is_key_id(id: &str) -> bool {
    // A multi-Region key (`mrk-` and 32 hex digits) is a key ID too; KMS002 decides whether MWAA takes it.
    let hex = |s: &str, n: usize| s.len() == n && s.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase());
    let uuid: Vec<&str> = id.split('-').collect();
    matches!(uuid.as_slice(), [a, b, c, d, e] if hex(a, 8) && hex(b, 4) && hex(c, 4) && hex(d, 4) && hex(e, 12))
        || id.strip_prefix("mrk-").is_some_and(|rest| hex(rest, 32))
}

fn form(text: &str) -> Form {
    if let Some(rest) = text.strip_prefix("arn:") {
        // arn:PARTITION:kms:REGION:ACCOUNT:RESOURCE
        let parts: Vec<&str> = rest.splitn(5, ':').collect();
        let [partition, "kms", region, account, resource] = parts.as_slice() else { return Form::Malformed };
        let well_formed =
            partition.starts_with("aws") && !region.is_empty() && !account.is_empty() && account.chars().all(|c| c.is_ascii_digit());
        return match (well_formed, resource.split_once('/')) {
            (true, Some(("key", id))) if is_key_id(id) => Form::KeyArn,
            (true, Some(("alias", name))) if !name.is_empty() => Form::AliasArn,
            _ => Form::Malformed,
        };
    }
    match text.split_once('/') {
        Some(("alias", name)) if !name.is_empty() => Form::Alias,
        Some(("key", id)) if is_key_id(id) => Form::KeyId,
        None if is_key_id(text) => Form::KeyId,
        _ => Form::Malformed,
    }
}

fn check(a: &Analysis<'_>) -> CheckResult {
    let settings = &a.settings;
    let given = match (&settings.kms_key_given, &settings.kms_key) {
        (Some(given), _) => given.clone(),
        (None, Some(text)) => KeyGiven::Text(text.clone()),
        // No KmsKey: the AWS owned key, nothing to judge.
        (None, None) => return Ok(Vec::new()),
    };
    let (resource, form) = match &given {
        KeyGiven::Text(text) => (text.clone(), form(text)),
        KeyGiven::KeyIdOf(key) => (key.clone(), Form::KeyId),
        KeyGiven::ArnOf(_) => return Ok(Vec::new()),
        KeyGiven::AliasOf(alias) => (alias.clone(), Form::Alias),
        KeyGiven::Unknown(why) => return Err(Skip(format!("the environment's KmsKey is known only at deployment: {why}"))),
    };
    let referred = !matches!(given, KeyGiven::Text(_));
    let (severity, message, fix) = match form {
        Form::KeyArn => return Ok(Vec::new()),
        Form::KeyId if referred => (
            Severity::Warning,
            format!(
                "the KmsKey is the key ID of {resource}: MWAA's pages disagree on bare IDs, and a key in another account needs its ARN"
            ),
            format!("Give KmsKey the key's ARN (!GetAtt {resource}.Arn, or {resource}.arn in Terraform)."),
        ),
        Form::KeyId => (
            Severity::Warning,
            "the KmsKey is a bare key ID: MWAA's pages disagree on bare IDs, and a key in another account needs its ARN".to_string(),
            "Give KmsKey as the key's ARN (arn:PARTITION:kms:REGION:ACCOUNT:key/ID).".to_string(),
        ),
        Form::Alias | Form::AliasArn => (
            Severity::Error,
            "the KmsKey is a key alias, which MWAA does not take: creation fails after the environment starts".to_string(),
            "Give KmsKey as the ARN of the key the alias names (aws kms describe-key --key-id ALIAS --query KeyMetadata.Arn).".to_string(),
        ),
        Form::Malformed => (
            Severity::Error,
            "the KmsKey is neither a key ARN, a key ID nor an alias: CreateEnvironment refuses it".to_string(),
            "Give KmsKey as the key's ARN (arn:PARTITION:kms:REGION:ACCOUNT:key/ID).".to_string(),
        ),
    };
    let note = " KmsKey cannot change after creation: an existing environment is created again with it.";
    Ok(vec![RULE
        .finding(Some(&resource), message)
        .severity(severity)
        .remediation(format!("{fix}{note}"))
        .evidence(json!({"kms_key": resource, "form": format!("{form:?}"), "referred_to": referred}))])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_follow_the_api_pattern() {
        let id = "1234abcd-12ab-34cd-56ef-1234567890ab";
        assert_eq!(form(&format!("arn:aws:kms:us-east-1:111122223333:key/{id}")), Form::KeyArn);
        assert_eq!(form(&format!("arn:aws-cn:kms:cn-north-1:111122223333:key/{id}")), Form::KeyArn);
        assert_eq!(form(id), Form::KeyId);
        assert_eq!(form(&format!("key/{id}")), Form::KeyId);
        assert_eq!(form("alias/mwaa"), Form::Alias);
        assert_eq!(form("arn:aws:kms:us-east-1:111122223333:alias/mwaa"), Form::AliasArn);
        assert_eq!(form("arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab"), Form::KeyArn);
        for bad in ["mwaa", "arn:aws:kms:us-east-1:*:key/*", "arn:aws:s3:::bucket", "key/", "alias/", &id.to_uppercase()] {
            assert_eq!(form(bad), Form::Malformed, "{bad}");
        }
    }
}
