use super::shared::{blocked_by, first_known_group, flow_count, flow_report};
use super::{docs, Check, CheckResult, Rule, Severity};
use crate::analysis::flows::{FlowKind, Step};
use crate::analysis::Analysis;
use crate::model::Member;

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
    let env_group = a.settings.security_group_ids.first().map_or("ENV_SG_ID", String::as_str);
    Ok(groups
        .into_iter()
        .map(|(endpoint_id, items)| {
            let (evidence, trace) = flow_report(&items);
            let endpoint_groups = items[0].1.resource.split(',').next().unwrap_or("ENDPOINT_SG_ID").to_string();
            RULE.finding(Some(&endpoint_id), format!("the endpoint's security groups do not admit TCP 443 from the environment, blocking {}", flow_count(&items)))
                .remediation(format!(
                    "aws ec2 authorize-security-group-ingress --group-id {endpoint_groups} --protocol tcp --port 443 --source-group {env_group}"
                ))
                .evidence(evidence)
                .trace(trace)
        })
        .collect())
}
