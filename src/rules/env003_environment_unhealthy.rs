use super::shared::environment_state_finding;
use super::{docs, Check, CheckResult, Outcome, Rule, Severity};
use crate::analysis::Analysis;

pub static RULE: Rule = Rule {
    code: "ENV003",
    name: "environment-unhealthy",
    severity: Severity::Warning,
    summary: "An UNAVAILABLE or ROLLING_BACK environment: the network findings that are likely causes",
    source: docs::TROUBLESHOOTING,
    doc: include_str!("../../rules/ENV003.md"),
    needs: &[],
    check: Check::Environment(check),
};

fn check(a: &Analysis<'_>, checked: &Outcome) -> CheckResult {
    environment_state_finding(&RULE, a, checked, &["UNAVAILABLE", "ROLLING_BACK"])
}
