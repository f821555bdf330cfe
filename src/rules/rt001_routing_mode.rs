use serde_json::json;

use super::shared::known_routing;
use super::{docs, Check, CheckResult, Rule, Severity};
use crate::analysis::{Analysis, Egress, Routing};
use crate::model::Member;
use crate::remedy::{Action, Remedy};
use crate::target::RoutingAssertion;

pub static RULE: Rule = Rule {
    code: "RT001",
    name: "routing-mode",
    severity: Severity::Error,
    summary: "Both subnets route the same way, and as --routing asserts",
    source: docs::NETWORKING,
    doc: include_str!("../../rules/RT001.md"),
    needs: &[Member::Subnets, Member::RouteTables],
    check: Check::Network(check),
};

fn describe(egress: Egress) -> &'static str {
    match egress {
        Egress::Nat => "routes 0.0.0.0/0 to a NAT device (public routing)",
        Egress::InternetGateway => "routes 0.0.0.0/0 to an internet gateway (public intent)",
        Egress::None => "has no working 0.0.0.0/0 route to a NAT device (private routing)",
        Egress::Unverifiable => "routes 0.0.0.0/0 to a target the tool cannot see past",
        Egress::Unknown => "has no route table the input holds",
    }
}

fn check(a: &Analysis<'_>) -> CheckResult {
    known_routing(a)?;
    let mut findings = Vec::new();
    let Some(first) = a.egress.first() else { return Ok(findings) };
    for other in a.egress.iter().skip(1).filter(|e| e.egress.intent() != first.egress.intent()) {
        findings.push(
            RULE.finding(
                Some(&other.subnet_id),
                format!(
                    "the subnets disagree: {} {}, but {} {}",
                    first.subnet_id,
                    describe(first.egress),
                    other.subnet_id,
                    describe(other.egress)
                ),
            )
            .remediation(
                Remedy::say(
                    "Give both subnets the same kind of default route: a NAT gateway in each subnet's AZ (public routing), \
                     or none plus the VPC endpoints (private routing). Inspect:",
                )
                .then(Action::Inspect {
                    command: format!("aws ec2 describe-route-tables --filters Name=association.subnet-id,Values={}", other.subnet_id),
                }),
            )
            .evidence(json!({"subnets": [first, other]})),
        );
    }
    let (asserted, contradiction) = match a.settings.routing {
        RoutingAssertion::Public => ("public", Routing::Private),
        RoutingAssertion::Private => ("private", Routing::Public),
        RoutingAssertion::Auto => return Ok(findings),
    };
    for egress in a.egress.iter().filter(|e| e.egress.intent() == Some(contradiction)) {
        findings.push(
            RULE.finding(
                Some(&egress.subnet_id),
                format!("--routing {asserted} is asserted, but {} {}", egress.subnet_id, describe(egress.egress)),
            )
            .remediation(format!(
                "Either fix the route table of {} ({}) or drop the assertion and let the tool derive the mode from the routes.",
                egress.subnet_id,
                egress.route_table_id.as_deref().unwrap_or("none")
            ))
            .evidence(json!({"asserted": asserted, "subnet": egress})),
        );
    }
    Ok(findings)
}
