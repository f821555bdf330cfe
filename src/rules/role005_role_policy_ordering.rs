//! ROLE005: a permission MWAA needs comes from a policy created apart from the role (`AWS::IAM::Policy`,
//! `AWS::IAM::ManagedPolicy`, `aws_iam_role_policy`, an attachment, CDK's `DefaultPolicy`) that the
//! environment neither depends on nor refers to: CloudFormation and Terraform may create both at once, and
//! CreateEnvironment then sees a role without it ("Provided role does not have sufficient permissions").

use serde_json::json;

use super::{docs, Check, CheckResult, Rule, Severity, Skip};
use crate::analysis::policy::Decision;
use crate::analysis::Analysis;
use crate::remedy::{Action, Ref, Remedy};

pub static RULE: Rule = Rule {
    code: "ROLE005",
    name: "role-policy-ordering",
    severity: Severity::Error,
    summary: "The environment waits for the policies that give its role the permissions MWAA needs",
    source: docs::TROUBLESHOOTING,
    doc: include_str!("../../rules/ROLE005.md"),
    needs: &[],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    let Some(order) = &a.settings.policy_order else {
        return Err(Skip("only a template or plan says what the environment waits for at creation".to_string()));
    };
    let judged = a.role_judged().map_err(Skip)?;
    let role = &judged.role;
    let unordered: Vec<&str> =
        role.policies.iter().filter_map(|(_, source)| source.as_deref()).filter(|source| !order.waits_for.contains(*source)).collect();
    if unordered.is_empty() {
        return Ok(Vec::new());
    }
    let ordered = |source: Option<&str>| source.is_none_or(|s| order.waits_for.contains(s));
    let late: Vec<(&str, &str, &str, &str)> = judged
        .decisions
        .iter()
        .filter(|(_, d)| *d == Decision::Allowed)
        .filter(|(r, _)| role.decide_with(r.request(role, &judged.identity.account), ordered) != Decision::Allowed)
        .map(|(r, _)| (r.id, r.action.as_str(), r.resource_shown(), "allowed only by a policy created apart"))
        .collect();
    if late.is_empty() {
        return Ok(Vec::new());
    }
    let mut actions: Vec<&str> = late.iter().map(|(_, action, _, _)| *action).collect();
    actions.sort_unstable();
    actions.dedup();
    let mut resources: Vec<&str> = unordered.clone();
    resources.sort_unstable();
    resources.dedup();
    let environment = a.settings.planned_name.clone().unwrap_or_default();
    let list = super::shared::some_of(&resources, 2);
    Ok(vec![RULE
        .finding(
            Some(&environment),
            format!(
                "the environment may be created before {list}, which give(s) its execution role {} action(s) MWAA performs",
                actions.len()
            ),
        )
        .trace(super::shared::permission_trace(&late))
        .remediation(
            Remedy::say("Make the environment wait for the policies:")
                .then(Action::AddDependsOn { resource: Ref::id(&environment), on: resources.iter().map(|r| Ref::id(*r)).collect() }),
        )
        .evidence(json!({"environment": environment, "role": role.name, "policies": resources, "actions": actions}))])
}
