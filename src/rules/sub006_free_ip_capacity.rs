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

/// MWAA endpoint ENIs per subnet (database, web server) and headroom for rolling replacements.
const MWAA_ENDPOINT_ENIS: u32 = 2;
const HEADROOM: u32 = 5;

fn check(a: &Analysis<'_>) -> CheckResult {
    known_routing(a)?;
    let capacity = a.settings.capacity();
    let (schedulers, workers) = (capacity.schedulers, capacity.max_workers);
    // The containers spread over the two subnets.
    let containers = capacity.containers.div_ceil(2);
    let endpoints_to_create = if a.routing == Routing::Private {
        let missing = a.missing_services();
        u32::try_from(missing.iter().filter(|s| s.short != "s3" && s.need != Need::Optional).count()).unwrap_or(u32::MAX)
    } else {
        0
    };
    let needed = containers.saturating_add(MWAA_ENDPOINT_ENIS + endpoints_to_create + HEADROOM);
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
            let arithmetic = format!(
                "{needed} = ceil({} scheduler and worker containers / 2 subnets) + {MWAA_ENDPOINT_ENIS} MWAA endpoint ENIs \
                 + {endpoints_to_create} interface endpoints to create + {HEADROOM} headroom ({})",
                capacity.containers, capacity.basis
            );
            let message = if subnet.cidr_block.is_none() {
                format!("an IPv6-only subnet: no IPv4 address for the {needed} the environment may need")
            } else {
                format!("{free} free addresses, fewer than the {needed} the environment may need")
            };
            RULE.finding(Some(&subnet.subnet_id), message)
                .trace(vec![TraceLine { text: arithmetic, detail: false }])
                .remediation(if subnet.cidr_block.is_none() {
                    "MWAA's interfaces take IPv4 addresses: use a subnet with an IPv4 CIDR (a dual-stack subnet works)."
                } else {
                    "Use a larger subnet (a /24 leaves 251 addresses), free addresses in it, or lower MaxWorkers."
                })
                .evidence(json!({
                    "subnet_id": subnet.subnet_id, "available": free, "needed": needed,
                    "inputs": {"schedulers": schedulers, "max_workers": workers, "containers": capacity.containers,
                               "environment_class": a.settings.environment_class, "basis": capacity.basis,
                               "mwaa_endpoint_enis": MWAA_ENDPOINT_ENIS,
                               "interface_endpoints_to_create": endpoints_to_create, "headroom": HEADROOM}
                }))
        })
        .collect())
}
