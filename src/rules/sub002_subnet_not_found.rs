use serde_json::json;

use super::{docs, Check, CheckResult, Rule, Severity};
use crate::analysis::Analysis;
use crate::model::Member;

pub static RULE: Rule = Rule {
    code: "SUB002",
    name: "subnet-not-found",
    severity: Severity::Error,
    summary: "Every subnet exists and is visible to the account",
    source: docs::NETWORKING,
    doc: include_str!("../../rules/SUB002.md"),
    needs: &[Member::Subnets],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    Ok(a.settings
        .subnet_ids
        .iter()
        .filter(|id| a.network.subnet(id).is_none())
        .map(|id| {
            RULE.finding(Some(id), format!("the subnet does not exist in {} or is not visible to this account", a.settings.region))
                .remediation(format!(
                    "Check the ID and the region. In a shared VPC the owner account must share {id} with this account \
                     through AWS RAM; list what is shared with you:\naws ram get-resource-shares --resource-owner OTHER-ACCOUNTS"
                ))
                .evidence(json!({"subnet_id": id, "region": a.settings.region}))
        })
        .collect())
}
