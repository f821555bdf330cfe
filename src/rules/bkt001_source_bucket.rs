//! BKT001: SourceBucketArn is the ARN of a bucket that exists. An `s3://` URL or a trailing `/` fails
//! CreateEnvironment ("must be passed", troubleshooting), and so does a bucket that does not exist.

use serde_json::json;

use super::{docs, Check, CheckResult, Rule, Severity, Skip};
use crate::analysis::bucket::Lookup;
use crate::analysis::Analysis;
use crate::remedy::{Action, Remedy};

pub static RULE: Rule = Rule {
    code: "BKT001",
    name: "source-bucket",
    severity: Severity::Error,
    summary: "SourceBucketArn is an S3 bucket ARN (arn:aws:s3:::BUCKET) naming a bucket that exists",
    source: docs::S3_BUCKET,
    doc: include_str!("../../rules/BKT001.md"),
    needs: &[],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    let message = match a.source_bucket() {
        Lookup::Found(_) => return Ok(Vec::new()),
        Lookup::NotNamed(why) => return Err(Skip(why.clone())),
        Lookup::Malformed(why) | Lookup::NotFound(why) => why.clone(),
    };
    let given = a.settings.source_bucket_arn.clone();
    let resource = given.clone().or_else(|| a.settings.planned_name.clone());
    let remedy = Remedy::say(
        "Give SourceBucketArn the ARN of an existing bucket in the environment's Region, versioned and with Block Public Access on (arn:aws:s3:::BUCKET, no s3:// and no trailing /); list the buckets:",
    )
    .then(Action::Inspect { command: "aws s3api list-buckets --query 'Buckets[].Name'".to_string() });
    Ok(vec![RULE.finding(resource.as_deref(), message).remediation(remedy).evidence(json!({"source_bucket_arn": given}))])
}
