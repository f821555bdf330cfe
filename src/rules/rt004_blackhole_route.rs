use serde_json::json;

use super::shared::judged;
use super::{docs, fixes, Check, CheckResult, Rule, Severity};
use crate::analysis::flows::Step;
use crate::analysis::routing::RouteMatch;
use crate::analysis::{Analysis, Routing};
use crate::model::Member;
use crate::remedy::{Action, Ref, Remedy};
use crate::target::RoutingAssertion;

pub static RULE: Rule = Rule {
    code: "RT004",
    name: "blackhole-route",
    severity: Severity::Error,
    summary: "No route the environment's traffic takes is a blackhole",
    source: docs::NETWORKING,
    doc: include_str!("../../rules/RT004.md"),
    needs: &[Member::Subnets, Member::RouteTables],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    let mut by_table: Vec<(String, Vec<&RouteMatch>)> = Vec::new();
    let flow_routes = a.flows.iter().flat_map(|f| &f.hops).filter_map(|h| h.route.as_ref());
    // A blackholed default route is usually a deleted NAT gateway: report it unless the user says private.
    let default_routes =
        a.egress.iter().filter(|_| a.settings.routing != RoutingAssertion::Private).filter_map(|e| e.default_route.as_ref());
    for route in flow_routes.chain(default_routes).filter(|r| r.blackhole) {
        match by_table.iter_mut().find(|(t, _)| *t == route.route_table_id) {
            Some((_, routes)) if !routes.iter().any(|r| r.destination == route.destination) => routes.push(route),
            Some(_) => {}
            None => by_table.push((route.route_table_id.clone(), vec![route])),
        }
    }
    let findings = by_table
        .into_iter()
        .map(|(table, routes)| {
            let list: Vec<String> = routes.iter().map(|r| format!("{} -> {}", r.destination, r.target.id())).collect();
            let first = routes[0];
            RULE.finding(
                Some(&table),
                format!("environment traffic goes into a blackhole: {} (the target no longer exists)", list.join(", ")),
            )
            .remediation(remediation(a, &table, first))
            .evidence(json!({"route_table_id": table, "routes": routes}))
        })
        .collect();
    judged(a, &[Step::Route], findings)
}

/// A blackholed default route in public routing goes to a working NAT gateway; any other is deleted, so
/// the traffic takes the next most specific route.
fn remediation(a: &Analysis<'_>, table_id: &str, route: &RouteMatch) -> Remedy {
    let table = a.network.snapshot.route_tables.iter().flatten().find(|t| t.route_table_id == table_id);
    if let Some(table) = table.filter(|_| route.destination == "0.0.0.0/0" && a.routing != Routing::Private) {
        return fixes::default_route_to_nat(a, table);
    }
    Remedy::say("Delete the dead route:").then(Action::DeleteRoute { table: Ref::id(table_id), destination: route.destination.clone() })
}
