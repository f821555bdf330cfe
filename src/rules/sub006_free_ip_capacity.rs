use serde_json::json;

use super::shared::known_routing;
use super::{docs, Check, CheckResult, Rule, Severity, Skip, TraceLine};
use crate::analysis::{Analysis, Need, Routing};
use crate::model::Member;

pub static RULE: Rule = Rule {
    code: "SUB006",
    name: "free-ip-capacity",
    severity: Severity::Warning,
    summary: "Each subnet has free IP addresses for workers, schedulers and endpoint interfaces",
    source: docs::NETWORKING,
    doc: include_str!("../../rules/SUB006.md"),
    needs: &[Member::Subnets],
    check: Check::Network(check),
};

/// Addresses kept free beyond the estimate.
const HEADROOM: u32 = 5;

fn check(a: &Analysis<'_>) -> CheckResult {
    known_routing(a)?;
    let capacity = a.settings.capacity();
    let (schedulers, workers) = (capacity.schedulers, capacity.max_workers);
    // The tasks spread over the two subnets.
    let tasks = capacity.tasks.div_ceil(2);
    // The database endpoint always; the web server's when it is reachable privately.
    let access = a.settings.webserver_access;
    let mwaa_endpoint_enis = 1 + u32::from(access.has_private_endpoint());
    let endpoints_to_create = if a.routing == Routing::Private {
        let missing = a.missing_services();
        u32::try_from(missing.iter().filter(|s| s.short != "s3" && s.need != Need::Optional).count()).unwrap_or(u32::MAX)
    } else {
        0
    };
    let beside_tasks = mwaa_endpoint_enis + endpoints_to_create + HEADROOM;
    let needed = tasks.saturating_add(beside_tasks);
    let single_az = capacity.tasks.saturating_add(beside_tasks);
    // An IPv6-only subnet has no IPv4 address to give, whatever it reports.
    let counted: Vec<_> =
        a.subnets.iter().filter_map(|s| Some((s, if s.cidr_block.is_none() { 0 } else { s.available_ip_address_count? }))).collect();
    if counted.is_empty() {
        return Err(Skip("no env subnet has AvailableIpAddressCount in the snapshot".to_string()));
    }
    Ok(counted
        .into_iter()
        .filter(|(_, free)| *free < needed)
        .map(|(subnet, free)| {
            let arithmetic = vec![
                format!(
                    "{needed} = ceil({} tasks / 2 subnets) + {mwaa_endpoint_enis} MWAA endpoint ENIs ({}) \
                     + {endpoints_to_create} interface endpoints to create + {HEADROOM} headroom",
                    capacity.tasks,
                    access.as_api()
                ),
                format!("tasks: {} = {}; {}", capacity.tasks, capacity.tasks_from, capacity.basis),
                format!(
                    "if every task lands in this subnet's AZ: {single_az} = {} + {mwaa_endpoint_enis} + {endpoints_to_create} + {HEADROOM}",
                    capacity.tasks
                ),
            ];
            let message = if subnet.cidr_block.is_none() {
                format!("an IPv6-only subnet: no IPv4 address for the {needed} the environment may need")
            } else {
                format!("{free} free addresses, fewer than the {needed} the environment may need")
            };
            RULE.finding(Some(&subnet.subnet_id), message)
                .trace(arithmetic.into_iter().map(|text| TraceLine { text, detail: false }).collect())
                .remediation(if subnet.cidr_block.is_none() {
                    "MWAA's interfaces take IPv4 addresses: use a subnet with an IPv4 CIDR (a dual-stack subnet works)."
                } else {
                    "Use a larger subnet (a /24 leaves 251 addresses), free addresses in it, or lower MaxWorkers."
                })
                .evidence(json!({
                    "subnet_id": subnet.subnet_id, "available": free, "needed": needed, "single_az_worst_case": single_az,
                    "inputs": {"schedulers": schedulers, "max_workers": workers, "tasks": capacity.tasks,
                               "environment_class": a.settings.environment_class, "basis": capacity.basis,
                               "webserver_access_mode": access.as_api(), "mwaa_endpoint_enis": mwaa_endpoint_enis,
                               "interface_endpoints_to_create": endpoints_to_create, "headroom": HEADROOM}
                }))
        })
        .collect())
}
