use super::shared::missing_customer_endpoint;
use super::{docs, Check, CheckResult, Rule, Severity};
use crate::analysis::flows::FlowKind;
use crate::analysis::Analysis;
use crate::model::Member;

pub static RULE: Rule = Rule {
    code: "CME003",
    name: "webserver-endpoint",
    severity: Severity::Error,
    summary: "Endpoint management CUSTOMER with a private web server: an endpoint exists for the web server endpoint service",
    source: docs::ENDPOINT_MANAGEMENT,
    doc: include_str!("../../rules/CME003.md"),
    needs: &[Member::VpcEndpoints],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    missing_customer_endpoint(&RULE, a, FlowKind::Webserver)
}
