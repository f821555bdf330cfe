//! BKT006: the DAG folder holds something. An environment created on an empty folder runs no DAGs, and the
//! console offers only folders that exist [INFERENCE].

use serde_json::json;

use super::{docs, Check, CheckResult, Rule, Severity, Skip};
use crate::analysis::Analysis;
use crate::remedy::Remedy;

pub static RULE: Rule = Rule {
    code: "BKT006",
    name: "dag-folder-empty",
    severity: Severity::Warning,
    summary: "The DAG folder (DagS3Path) holds at least one object",
    source: docs::S3_BUCKET,
    doc: include_str!("../../rules/BKT006.md"),
    needs: &[],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    let bucket = super::shared::source_bucket(a)?;
    let Some(folder) = a.settings.facts.dag_s3_path.as_deref() else {
        return Err(Skip(match a.settings.language {
            crate::target::Language::AwsCli => "the environment's DagS3Path is not known (give --dag-s3-path)".to_string(),
            _ => "the environment's DagS3Path is not given, or known only at deployment".to_string(),
        }));
    };
    let prefix = format!("{}/", folder.trim_matches('/'));
    let listed = match bucket.versions(&prefix) {
        Ok(listed) => listed,
        // What the code uploads into the folder (Terraform's objects under it) fills it.
        Err(_) if bucket.code.is_some_and(|c| c.new) && objects_under(a, &bucket.name, &prefix) => return Ok(Vec::new()),
        Err(why) => return Err(Skip(why)),
    };
    if listed.versions.iter().any(|v| v.key.starts_with(&prefix)) {
        return Ok(Vec::new());
    }
    let url = format!("s3://{}/{prefix}", bucket.name);
    Ok(vec![RULE
        .finding(Some(&url), "no object is under the DAG folder: the environment would start with no DAGs")
        .remediation(Remedy::say(format!("Upload the DAGs before creating the environment: aws s3 cp dags/ {url} --recursive")))
        .evidence(json!({"folder": url}))])
}

/// Whether the code puts an object under `prefix` in the bucket.
fn objects_under(a: &Analysis<'_>, bucket: &str, prefix: &str) -> bool {
    let listed = a.network.snapshot.object_versions.as_ref().and_then(|m| m.get(bucket));
    listed.is_some_and(|prefixes| prefixes.keys().any(|key| key.starts_with(prefix)))
}
