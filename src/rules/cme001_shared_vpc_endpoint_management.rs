use serde_json::json;

use super::{docs, Check, CheckResult, Rule, Severity, Skip};
use crate::analysis::Analysis;
use crate::model::Member;
use crate::target::EndpointManagement;

pub static RULE: Rule = Rule {
    code: "CME001",
    name: "shared-vpc-endpoint-management",
    severity: Severity::Error,
    summary: "Subnets shared from another account need endpoint management CUSTOMER",
    source: docs::ENDPOINT_MANAGEMENT,
    doc: include_str!("../../rules/CME001.md"),
    needs: &[Member::Subnets],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    let account = a.settings.account_id.as_deref().ok_or_else(|| Skip("the account ID is unknown (snapshot account_id)".to_string()))?;
    let shared: Vec<(&str, &str)> =
        a.subnets.iter().filter_map(|s| Some((s.subnet_id.as_str(), s.owner_id.as_deref().filter(|o| *o != account)?))).collect();
    if shared.is_empty() || a.settings.endpoint_management == EndpointManagement::Customer {
        return Ok(Vec::new());
    }
    let vpc = a.vpc_id.as_deref();
    let (subnet, owner) = shared[0];
    Ok(vec![RULE
        .finding(
            vpc,
            format!("{subnet} is owned by account {owner} (a shared VPC), but endpoint management is SERVICE: this account cannot create endpoints in it"),
        )
        .remediation(
            "Create the environment with --endpoint-management CUSTOMER, then create the database (and private web server) \
             endpoints with the service names GetEnvironment reports while the environment is PENDING.",
        )
        .evidence(json!({"account_id": account, "shared_subnets": shared.iter().map(|(s, o)| json!({"subnet_id": s, "owner_id": o})).collect::<Vec<_>>()}))])
}
