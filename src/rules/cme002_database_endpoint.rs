use super::shared::missing_customer_endpoint;
use super::{docs, Check, CheckResult, Rule, Severity};
use crate::analysis::flows::FlowKind;
use crate::analysis::Analysis;
use crate::model::Member;

pub static RULE: Rule = Rule {
    code: "CME002",
    name: "database-endpoint",
    severity: Severity::Error,
    summary: "Endpoint management CUSTOMER: an endpoint exists for the environment's database endpoint service",
    source: docs::ENDPOINT_MANAGEMENT,
    doc: include_str!("../../rules/CME002.md"),
    needs: &[Member::VpcEndpoints],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    missing_customer_endpoint(&RULE, a, FlowKind::Database)
}
