use serde_json::json;

use super::shared::ids_unknown;
use super::{docs, Check, CheckResult, Rule, Severity};
use crate::analysis::Analysis;

pub static RULE: Rule = Rule {
    code: "SG001",
    name: "sg-count",
    severity: Severity::Error,
    summary: "One to five security groups are given",
    source: docs::VPC_SECURITY,
    doc: include_str!("../../rules/SG001.md"),
    needs: &[],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    let given = &a.settings.security_group_ids;
    if (1..=5).contains(&given.len()) {
        return Ok(Vec::new());
    }
    if given.is_empty() {
        ids_unknown(a)?;
    }
    Ok(vec![RULE
        .finding(None, format!("{} security groups given; an environment takes 1 to 5", given.len()))
        .remediation("Pass between one and five security group IDs (--security-group-ids sg-1[,sg-2...]).")
        .evidence(json!({"security_group_ids": given}))])
}
