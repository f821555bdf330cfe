use serde_json::json;

use super::shared::ids_unknown;
use super::{docs, Check, CheckResult, Rule, Severity};
use crate::analysis::Analysis;

pub static RULE: Rule = Rule {
    code: "SUB001",
    name: "subnet-count",
    severity: Severity::Error,
    summary: "Exactly two subnets are given to the environment",
    source: docs::NETWORKING,
    doc: include_str!("../../rules/SUB001.md"),
    needs: &[],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    let given = &a.settings.subnet_ids;
    if given.len() == 2 {
        return Ok(Vec::new());
    }
    if given.is_empty() {
        ids_unknown(a)?;
    }
    Ok(vec![RULE
        .finding(None, format!("{} subnets given; an environment takes exactly two private subnets in two Availability Zones", given.len()))
        .remediation("Pass exactly two private subnet IDs, one per Availability Zone (--subnet-ids subnet-a,subnet-b).")
        .evidence(json!({"subnet_ids": given}))])
}
