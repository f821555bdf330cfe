use serde_json::json;

use super::{docs, Check, CheckResult, Rule, Severity, Skip};
use crate::analysis::Analysis;
use crate::model::{Member, VpcAttributes};

pub static RULE: Rule = Rule {
    code: "DNS001",
    name: "dns-support",
    severity: Severity::Error,
    summary: "The VPC resolves DNS (enableDnsSupport)",
    source: docs::NETWORKING,
    doc: include_str!("../../rules/DNS001.md"),
    needs: &[Member::VpcAttributes],
    check: Check::Network(check),
};

/// The env VPC's DNS attributes, or why they cannot be judged (shared with DNS002).
pub fn vpc_attributes<'a>(a: &'a Analysis<'_>) -> Result<(&'a str, &'a VpcAttributes), Skip> {
    let vpc = a.vpc_id.as_deref().ok_or_else(|| Skip("the environment's VPC is unknown".to_string()))?;
    let attributes = a
        .network
        .snapshot
        .vpc_attributes
        .as_ref()
        .and_then(|m| m.get(vpc))
        .ok_or_else(|| Skip(format!("VpcAttributes has no entry for {vpc}")))?;
    Ok((vpc, attributes))
}

fn check(a: &Analysis<'_>) -> CheckResult {
    let (vpc, attributes) = vpc_attributes(a)?;
    let Some(support) = attributes.enable_dns_support else { return Err(Skip(format!("EnableDnsSupport of {vpc} not captured"))) };
    if support.value {
        return Ok(Vec::new());
    }
    Ok(vec![RULE
        .finding(Some(vpc), format!("{vpc} has enableDnsSupport false: nothing in it can resolve AWS service names"))
        .remediation(format!("aws ec2 modify-vpc-attribute --vpc-id {vpc} --enable-dns-support '{{\"Value\":true}}'"))
        .evidence(json!({"vpc_id": vpc, "enable_dns_support": false}))])
}
