use serde_json::json;

use super::shared::{first_known_group, judged};
use super::{docs, Check, CheckResult, Rule, Severity};
use crate::analysis::flows::Step;
use crate::analysis::{sg, Analysis};
use crate::model::Member;

pub static RULE: Rule = Rule {
    code: "SG005",
    name: "sg-egress-restricted",
    severity: Severity::Info,
    summary: "Outbound rules differ from the documented all-traffic 0.0.0.0/0 but still allow every required flow",
    source: docs::VPC_SECURITY,
    doc: include_str!("../../rules/SG005.md"),
    needs: &[Member::SecurityGroups],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    let groups = &a.settings.security_group_ids;
    let first = first_known_group(a)?;
    let egress_blocked = a.flows.iter().flat_map(|f| &f.hops).any(|h| h.step == Step::SgEgress && !h.allowed);
    if sg::has_all_traffic_egress(a.network, groups) || egress_blocked {
        return Ok(Vec::new());
    }
    // "Every required flow still passes" needs every flow judged.
    judged(a, &[Step::SgEgress], Vec::new())?;
    let checked = a.flows.iter().filter(|f| f.hops.iter().any(|h| h.step == Step::SgEgress)).count();
    Ok(vec![RULE
        .finding(
            Some(first),
            format!(
                "outbound rules of {} are narrower than the documented all-traffic 0.0.0.0/0; all {checked} required flows still pass",
                groups.join(", ")
            ),
        )
        .remediation("Nothing to change today; re-run this check when you add endpoints, a NAT path or DAGs that call other services.")
        .evidence(json!({"security_group_ids": groups, "flows_checked": checked}))])
}
