//! BKT005: requirements.txt, plugins.zip and the startup script exist at the versions the environment names.
//! CreateEnvironment: "If specified, then a version is required"; an object absent at its version (no such
//! version, or a delete marker) fails creation or update.

use serde_json::json;

use super::{docs, Check, CheckResult, Finding, Rule, Severity, Skip};
use crate::analysis::bucket::SourceBucket;
use crate::analysis::Analysis;
use crate::remedy::{Action, Remedy};
use crate::target::ObjectGiven;

pub static RULE: Rule = Rule {
    code: "BKT005",
    name: "bucket-object-version",
    severity: Severity::Error,
    summary: "requirements.txt, plugins.zip and the startup script exist in the source bucket at the versions given",
    source: docs::S3_BUCKET,
    doc: include_str!("../../rules/BKT005.md"),
    needs: &[],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    let objects = &a.settings.facts.objects;
    if objects.is_empty() {
        return Ok(Vec::new());
    }
    let bucket = super::shared::source_bucket(a)?;
    let mut findings = Vec::new();
    let mut undecided = Vec::new();
    for object in objects {
        match judge(bucket, object) {
            Ok(Some(finding)) => findings.push(finding),
            Ok(None) => {}
            Err(why) => undecided.push(why),
        }
    }
    if findings.is_empty() && !undecided.is_empty() {
        return Err(Skip(undecided.join("; ")));
    }
    Ok(findings)
}

/// One object's finding, `None` when it is there at its version, or why the input cannot tell.
fn judge(bucket: &SourceBucket<'_>, object: &ObjectGiven) -> Result<Option<Finding>, String> {
    let key = match object.key_in(&bucket.name) {
        Ok(key) => key,
        Err(why) => {
            let resource = object.path.clone();
            return Ok(Some(RULE.finding(Some(&resource), why).remediation(Remedy::say(format!(
                "Give {} the object's key in the source bucket {} (MWAA reads every object from SourceBucketArn's bucket).",
                object.property, bucket.name
            )))));
        }
    };
    let url = format!("s3://{}/{key}", bucket.name);
    let Some(version) = object.version.as_deref() else {
        return Ok(Some(
            RULE.finding(
                Some(&url),
                format!("{} is given without its version ({}): CreateEnvironment requires one", object.what(), object.version_property()),
            )
            .severity(Severity::Warning)
            .remediation(Remedy::say(format!("Give {} the object's current version ID:", object.version_property())).then(
                Action::Inspect {
                    command: format!("aws s3api head-object --bucket {} --key {key} --query VersionId --output text", bucket.name),
                },
            ))
            .evidence(json!({"object": url, "version": null})),
        ));
    };
    if let Some(why) = version.strip_prefix("<unknown: ") {
        // The code uploads the object and names the version the upload makes: there once applied.
        if bucket.versions(key).is_ok_and(|v| v.versions.iter().any(|o| o.key == key)) {
            return Ok(None);
        }
        return Err(format!("{}'s version is known only at deployment: {}", object.property, why.trim_end_matches('>')));
    }
    let versions = bucket.versions(key)?;
    let same = |o: &&crate::model::snapshot::ObjectVersion| o.key == key && o.version_id.as_deref() == Some(version);
    let resource = format!("{url}?versionId={version}");
    let message = if versions.delete_markers.iter().any(|m| same(&m)) {
        format!("the version given of {key} is a delete marker, not an object: MWAA cannot read it")
    } else if versions.versions.iter().any(|v| same(&v)) {
        return Ok(None);
    } else {
        format!("{key} has no version {version} in the bucket: MWAA cannot read it")
    };
    let latest = versions.versions.iter().find(|v| v.key == key && v.is_latest == Some(true)).and_then(|v| v.version_id.clone());
    Ok(Some(
        RULE.finding(Some(&resource), message)
            .remediation(
                Remedy::say(format!("Give {} a version of {key} that exists; list them:", object.version_property()))
                    .then(Action::Inspect { command: format!("aws s3api list-object-versions --bucket {} --prefix {key}", bucket.name) }),
            )
            .evidence(json!({"object": url, "version": version, "latest_version": latest})),
    ))
}
