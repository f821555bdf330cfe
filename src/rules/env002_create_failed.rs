use super::shared::environment_state_finding;
use super::{docs, Check, CheckResult, Outcome, Rule, Severity};
use crate::analysis::Analysis;

pub static RULE: Rule = Rule {
    code: "ENV002",
    name: "create-failed",
    severity: Severity::Error,
    summary: "A CREATE_FAILED or UPDATE_FAILED environment: AWS's error and the network findings that explain it",
    source: docs::TROUBLESHOOTING,
    doc: include_str!("../../rules/ENV002.md"),
    needs: &[],
    check: Check::Environment(check),
};

fn check(a: &Analysis<'_>, checked: &Outcome) -> CheckResult {
    environment_state_finding(&RULE, a, checked, &["CREATE_FAILED", "UPDATE_FAILED"])
}
