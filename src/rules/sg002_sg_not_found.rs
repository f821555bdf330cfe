use serde_json::json;

use super::{docs, Check, CheckResult, Rule, Severity};
use crate::analysis::Analysis;
use crate::model::Member;

pub static RULE: Rule = Rule {
    code: "SG002",
    name: "sg-not-found",
    severity: Severity::Error,
    summary: "Every security group exists and is visible to the account",
    source: docs::VPC_SECURITY,
    doc: include_str!("../../rules/SG002.md"),
    needs: &[Member::SecurityGroups],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    Ok(a.settings
        .security_group_ids
        .iter()
        .filter(|id| a.network.security_group(id).is_none())
        .map(|id| {
            RULE.finding(Some(id), format!("security group {id} does not exist in {} or is not visible to this account", a.settings.region))
                .remediation("Check the ID and region; security groups of a shared VPC must be created in (or shared with) this account.")
                .evidence(json!({"security_group_id": id}))
        })
        .collect())
}
