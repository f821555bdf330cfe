//! DEP004: with SERVICE endpoint management, the deployer may create network interfaces in the env subnets:
//! AmazonMWAAFullApiAccess grants `ec2:CreateNetworkInterface` beside `ec2:CreateVpcEndpoint` (CME005's), and MWAA
//! "performs a dry run against a user's credentials" [INFERENCE: that the dry run checks it].

use super::{docs, Check, CheckResult, Rule, Severity, Skip};
use crate::analysis::identity::Identity;
use crate::analysis::Analysis;
use crate::target::EndpointManagement;

pub static RULE: Rule = Rule {
    code: "DEP004",
    name: "deployer-network-actions",
    severity: Severity::Warning,
    summary: "Before creation with SERVICE endpoints: the deployer may create network interfaces in the env subnets",
    source: docs::DEPLOYER,
    doc: include_str!("../../rules/DEP004.md"),
    needs: &[],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    super::shared::deployer_judged(a)?;
    if a.settings.endpoint_management != EndpointManagement::Service {
        return Ok(Vec::new());
    }
    let Identity { partition, region, account, .. } = Identity::of(a.settings).map_err(Skip)?;
    let requests: Vec<(&str, String)> = a
        .settings
        .subnet_ids
        .iter()
        .map(|id| ("ec2:CreateNetworkInterface", format!("arn:{partition}:ec2:{region}:{account}:subnet/{id}")))
        .collect();
    super::shared::deployer_finding(&RULE, a, &requests, "MWAA's dry run of the deployer's network permissions may fail")
}
