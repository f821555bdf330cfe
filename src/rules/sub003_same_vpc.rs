use serde_json::json;

use super::{docs, Check, CheckResult, Rule, Severity};
use crate::analysis::Analysis;
use crate::model::Member;

pub static RULE: Rule = Rule {
    code: "SUB003",
    name: "same-vpc",
    severity: Severity::Error,
    summary: "The subnets and every security group are in one VPC",
    source: docs::NETWORKING,
    doc: include_str!("../../rules/SUB003.md"),
    needs: &[Member::Subnets, Member::SecurityGroups],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    let Some(majority) = a.vpc_id.as_deref() else { return Ok(Vec::new()) };
    let subnets = a.subnets.iter().map(|s| (s.subnet_id.as_str(), Some(s.vpc_id.as_str()), "subnet"));
    let groups = a
        .settings
        .security_group_ids
        .iter()
        .filter_map(|id| a.network.security_group(id))
        .map(|g| (g.group_id.as_str(), g.vpc_id.as_deref(), "security group"));
    Ok(subnets
        .chain(groups)
        .filter_map(|(id, vpc, kind)| {
            let vpc = vpc.filter(|v| *v != majority)?;
            Some(
                RULE.finding(Some(id), format!("{kind} {id} is in {vpc}, but the environment's other resources are in {majority}"))
                    .remediation(format!("Use a {kind} in {majority}, or move the whole environment to {vpc}."))
                    .evidence(json!({"resource": id, "vpc_id": vpc, "environment_vpc_id": majority})),
            )
        })
        .collect())
}
