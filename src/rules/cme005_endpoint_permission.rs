use serde_json::json;

use super::{docs, Check, CheckResult, Rule, Severity, Skip};
use crate::analysis::Analysis;
use crate::model::Member;
use crate::target::EndpointManagement;

pub static RULE: Rule = Rule {
    code: "CME005",
    name: "endpoint-permission",
    severity: Severity::Warning,
    summary: "Before creation with SERVICE endpoints: the caller may create VPC endpoints",
    source: docs::ENDPOINT_MANAGEMENT,
    doc: include_str!("../../rules/CME005.md"),
    needs: &[],
    check: Check::Network(check),
};

const ACTION: &str = "ec2:CreateVpcEndpoint";

fn check(a: &Analysis<'_>) -> CheckResult {
    if a.settings.environment.is_some() || a.settings.endpoint_management != EndpointManagement::Service {
        return Ok(Vec::new());
    }
    let result =
        a.network.snapshot.evaluation_results.iter().flatten().find(|r| r.eval_action_name.eq_ignore_ascii_case(ACTION)).ok_or_else(
            || match a.network.has(Member::EvaluationResults) {
                true => Skip(format!("EvaluationResults has no result for {ACTION}")),
                false => Skip(format!("not captured: EvaluationResults ({})", Member::EvaluationResults.api_action())),
            },
        )?;
    if result.eval_decision.eq_ignore_ascii_case("allowed") {
        return Ok(Vec::new());
    }
    Ok(vec![RULE
        .finding(None, format!("the caller's policy simulation gives {} for {ACTION}: CreateEnvironment fails with \"User does not have permissions to manage VPC endpoints\"", result.eval_decision))
        .remediation("Grant the creating principal ec2:CreateVpcEndpoint (and ec2:DescribeVpcEndpoints, ec2:ModifyVpcEndpoint), or use --endpoint-management CUSTOMER.")
        .evidence(json!({"action": ACTION, "decision": result.eval_decision}))])
}
