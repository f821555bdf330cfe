use serde_json::json;

use super::shared::vpc_attributes;
use super::{docs, Check, CheckResult, Rule, Severity, Skip};
use crate::analysis::Analysis;
use crate::model::Member;
use crate::remedy::{Action, Ref, VpcAttribute};

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

fn check(a: &Analysis<'_>) -> CheckResult {
    let (vpc, attributes) = vpc_attributes(a)?;
    let Some(support) = attributes.enable_dns_support else { return Err(Skip(format!("EnableDnsSupport of {vpc} not captured"))) };
    if support.value {
        return Ok(Vec::new());
    }
    Ok(vec![RULE
        .finding(Some(vpc), "enableDnsSupport is false: nothing in the VPC can resolve AWS service names")
        .remediation(Action::SetVpcAttribute { vpc: Ref::id(vpc), attribute: VpcAttribute::DnsSupport })
        .evidence(json!({"vpc_id": vpc, "enable_dns_support": false}))])
}
