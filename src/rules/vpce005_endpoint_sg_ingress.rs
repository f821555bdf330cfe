use super::shared::{allow_blocked, blocked_by, first_known_group, flow_count, flow_report, judged};
use super::{docs, Check, CheckResult, Rule, Severity};
use crate::analysis::flows::{FlowKind, Step};
use crate::analysis::Analysis;
use crate::model::Member;
use crate::remedy::Direction;

pub static RULE: Rule = Rule {
    code: "VPCE005",
    name: "endpoint-sg-ingress",
    severity: Severity::Error,
    summary: "Interface endpoints' security groups admit TCP 443 from the environment",
    source: docs::CREATE_ENDPOINTS,
    doc: include_str!("../../rules/VPCE005.md"),
    needs: &[Member::VpcEndpoints, Member::SecurityGroups],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    first_known_group(a)?;
    let groups = blocked_by(
        &a.flows,
        |flow, hop| flow.kind == FlowKind::Endpoint && hop.step == Step::SgIngress,
        |flow, _| flow.endpoint_id.clone(),
    );
    let findings = groups
        .into_iter()
        .map(|(endpoint_id, items)| {
            let (evidence, trace) = flow_report(&items);
            let endpoint_group = items[0].1.resource.split(',').next().unwrap_or_default().to_string();
            RULE.finding(
                Some(&endpoint_id),
                format!("the endpoint's security groups do not admit TCP 443 from the environment, blocking {}", flow_count(&items)),
            )
            .remediation(allow_blocked(Direction::Ingress, &endpoint_group, &items))
            .evidence(evidence)
            .trace(trace)
        })
        .collect();
    judged(a, &[Step::SgIngress], findings)
}
