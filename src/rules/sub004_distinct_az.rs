use serde_json::json;

use super::{docs, Check, CheckResult, Rule, Severity};
use crate::analysis::Analysis;
use crate::model::Member;
use crate::remedy::{Action, Remedy};

pub static RULE: Rule = Rule {
    code: "SUB004",
    name: "distinct-az",
    severity: Severity::Error,
    summary: "The two subnets are in different Availability Zones (by AZ ID)",
    source: docs::NETWORKING,
    doc: include_str!("../../rules/SUB004.md"),
    needs: &[Member::Subnets],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    let mut findings = Vec::new();
    for (i, later) in a.subnets.iter().enumerate() {
        let Some(zone) = Analysis::zone_of(later) else { continue };
        let Some(earlier) = a.subnets[..i].iter().find(|s| Analysis::zone_of(s) == Some(zone)) else { continue };
        let name = later.availability_zone.as_deref().unwrap_or(zone);
        findings.push(
            RULE.finding(Some(&later.subnet_id), format!("{} and {} are both in {zone} ({name})", earlier.subnet_id, later.subnet_id))
                .remediation(
                    Remedy::say(format!(
                        "Replace {} with a private subnet in another Availability Zone of the same VPC; list them:",
                        later.subnet_id
                    ))
                    .then(Action::Inspect {
                        command: format!(
                            "aws ec2 describe-subnets --filters Name=vpc-id,Values={} --query 'Subnets[].[SubnetId,AvailabilityZoneId]'",
                            later.vpc_id
                        ),
                    }),
                )
                .evidence(
                    json!({"subnets": [earlier.subnet_id, later.subnet_id], "availability_zone_id": zone, "availability_zone": name}),
                ),
        );
    }
    Ok(findings)
}
