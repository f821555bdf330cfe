use super::shared::{allow_blocked, blocked_by, first_known_group, flow_count, flow_report, judged};
use super::{docs, Check, CheckResult, Rule, Severity};
use crate::analysis::flows::Step;
use crate::analysis::Analysis;
use crate::model::Member;
use crate::remedy::{Direction, Remedy};

pub static RULE: Rule = Rule {
    code: "SG004",
    name: "sg-egress",
    severity: Severity::Error,
    summary: "The env security groups' outbound rules allow every required flow",
    source: docs::VPC_SECURITY,
    doc: include_str!("../../rules/SG004.md"),
    needs: &[Member::SecurityGroups],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    first_known_group(a)?;
    let Some(first) = a.settings.security_group_ids.first() else { return Ok(Vec::new()) };
    let groups = blocked_by(&a.flows, |_, hop| hop.step == Step::SgEgress, |_, _| Some(first.clone()));
    let findings = groups
        .into_iter()
        .map(|(group, items)| {
            let (evidence, trace) = flow_report(&items);
            RULE.finding(
                Some(&group),
                format!("the outbound rules of {} block {}", a.settings.security_group_ids.join(", "), flow_count(&items)),
            )
            .remediation(
                Remedy::say(format!(
                    "Allow each blocked flow out of {group} (AWS documents all outbound traffic; these rules are the least that works):"
                ))
                .then(allow_blocked(Direction::Egress, &group, &items)),
            )
            .evidence(evidence)
            .trace(trace)
        })
        .collect();
    judged(a, &[Step::SgEgress], findings)
}
