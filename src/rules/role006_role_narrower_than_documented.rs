//! ROLE006: the execution role reads the bucket (P2, P3 pass) but less broadly than AWS's sample policy
//! (`s3:GetObject*`, `s3:GetBucket*`, `s3:List*` on the bucket and its objects). MWAA's exact calls are not
//! documented, so a narrower grant can break later [INFERENCE]: an info. Each wildcard is tested whole: only
//! an Allow covering every action it stands for proves it (the sample's own Deny of `s3:ListAllMyBuckets`
//! aside).

use serde_json::json;

use super::{docs, Check, CheckResult, Rule, Severity, Skip};
use crate::analysis::policy::{Decision, Principal, Request};
use crate::analysis::Analysis;
use crate::remedy::{Action, Remedy};

pub static RULE: Rule = Rule {
    code: "ROLE006",
    name: "role-narrower-than-documented",
    severity: Severity::Info,
    summary: "The execution role reads the source bucket as broadly as AWS's sample policy",
    source: docs::EXECUTION_ROLE,
    doc: include_str!("../../rules/ROLE006.md"),
    needs: &[],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    let judged = a.role_judged().map_err(Skip)?;
    let bucket_reads = judged.decisions.iter().filter(|(r, _)| r.id == "P2" || r.id == "P3");
    if bucket_reads.clone().any(|(_, d)| *d != Decision::Allowed) {
        return Err(Skip("the role does not provably read the bucket (ROLE003, ROLE004)".to_string()));
    }
    let Some((p3, _)) = judged.decisions.iter().find(|(r, _)| r.id == "P3") else { return Ok(Vec::new()) };
    let bucket = p3.resource.clone();
    let objects = format!("{bucket}/*");
    let role = &judged.role;
    let sample = [("s3:GetObject*", &objects), ("s3:GetBucket*", &bucket), ("s3:List*", &bucket), ("s3:List*", &objects)];
    let narrower: Vec<String> = sample
        .iter()
        .filter(|(action, resource)| {
            let request = Request {
                action,
                resource,
                principal: Principal::Role { arn: &role.role.arn, account: &judged.identity.account },
                context: &p3.context,
            };
            !role.grants(request)
        })
        .map(|(action, resource)| format!("{action} on {resource}"))
        .collect();
    if narrower.is_empty() {
        return Ok(Vec::new());
    }
    let document = json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": ["s3:GetObject*", "s3:GetBucket*", "s3:List*"], "Resource": [bucket, objects]
    }]});
    Ok(vec![RULE
        .finding(
            Some(&role.name),
            format!(
                "the execution role reads the bucket more narrowly than AWS's sample policy ({} grant(s) of it missing)",
                narrower.len()
            ),
        )
        .remediation(Remedy::say("If MWAA fails to read the bucket later, grant what AWS's sample grants:").then(Action::AddRolePolicy {
            role: super::shared::role_ref(a, role),
            name: "MwaaBucketRead".to_string(),
            document,
        }))
        .evidence(json!({"role": role.name, "not_allowed": narrower}))])
}
