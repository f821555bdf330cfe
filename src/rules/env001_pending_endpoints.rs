use serde_json::json;

use super::shared::{create_interface_endpoint, placement_problems};
use super::{docs, Check, CheckResult, Outcome, Rule, Severity, Skip, TraceLine};
use crate::analysis::Analysis;
use crate::remedy::{Action, Created, Direction, EndpointService, Part, Peer, Permission, Protocol, Ref, Remedy, Rendered};
use crate::target::Language;

pub static RULE: Rule = Rule {
    code: "ENV001",
    name: "pending-endpoints",
    severity: Severity::Error,
    summary: "A PENDING environment: which customer endpoints are missing, how to create them, and the hours left",
    source: docs::ENDPOINT_MANAGEMENT,
    doc: include_str!("../../rules/ENV001.md"),
    needs: &[],
    check: Check::Environment(check),
};

/// A CUSTOMER environment waits this long for its endpoints, then turns CREATE_FAILED.
const WINDOW_HOURS: i64 = 72;

fn check(a: &Analysis<'_>, checked: &Outcome) -> CheckResult {
    let environment = a.settings.environment.as_ref().ok_or_else(|| Skip("no environment".to_string()))?;
    if !environment.status.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("PENDING")) {
        return Ok(Vec::new());
    }
    let owner = shared_vpc_owner(a);
    let mut waiting = Vec::new();
    let mut creates = Vec::new();
    let mut ports = Vec::new();
    for wanted in &a.customer_endpoints {
        let service = wanted.service_name.clone().unwrap_or_else(|| format!("(no {} service name reported yet)", wanted.what));
        if wanted.endpoints.is_empty() {
            waiting.push(format!("{} endpoint for {service}: missing", wanted.what));
            if let Some(name) = &wanted.service_name {
                ports.push(wanted.port);
                let mut create = create_interface_endpoint(a, EndpointService::Named(name.clone()), false);
                if let (Some(_), Action::CreateEndpoint { security_groups, .. }) = (&owner, &mut create) {
                    // In a shared VPC the owner's endpoint has the owner's group (created first).
                    *security_groups = vec![Ref::New { new: Created::SecurityGroup }];
                }
                creates.push(create);
            }
        }
        for endpoint in &wanted.endpoints {
            let problems = placement_problems(a, wanted, endpoint);
            if !problems.is_empty() {
                waiting.push(format!("{} endpoint {} for {service}: {}", wanted.what, endpoint.vpc_endpoint_id, problems.join("; ")));
            }
        }
    }
    let hours_left = match (environment.created_at.as_ref().and_then(|t| t.to_jiff()), a.settings.observed_at) {
        (Some(created), Some(now)) => Some(WINDOW_HOURS - (now.as_second() - created.as_second()) / 3600),
        _ => None,
    };
    let clock = match hours_left {
        Some(h) if h > 0 => format!("{h} of the {WINDOW_HOURS} hours left before it turns CREATE_FAILED"),
        Some(_) => format!("the {WINDOW_HOURS}-hour window has passed: it will turn CREATE_FAILED; delete and recreate it"),
        None => format!("it turns CREATE_FAILED {WINDOW_HOURS} hours after creation (CreatedAt unknown)"),
    };
    if waiting.is_empty() {
        return Ok(Vec::new());
    }
    let sqs_policy = checked.findings.iter().find(|f| f.code == "VPCE008");
    let mut remedy = if hours_left.is_some_and(|h| h <= 0) {
        Remedy::say(format!(
            "Too late for endpoints: it turns CREATE_FAILED whatever is created now. Delete it, create it again, and create its \
             endpoints as soon as it is PENDING (`mwaa-preflight diagnose {name}` then gives the commands):",
            name = environment.name
        ))
        .then(Action::DeleteEnvironment { name: environment.name.clone() })
    } else if creates.is_empty() {
        Remedy::say("Fix the endpoints listed; the environment leaves PENDING once they are available.")
    } else if let Some(owner) = &owner {
        // A shared VPC: only its owner can create endpoints in it, with a security group of its own that
        // admits the participant's env group by account and ID.
        let participant = a.settings.account_id.clone().or_else(|| environment.account_id()).unwrap_or_default();
        let peers: Vec<Peer> =
            a.settings.security_group_ids.iter().map(|g| Peer::Group { group: Ref::id(g), account: Some(participant.clone()) }).collect();
        let permissions: Vec<Permission> =
            ports.iter().map(|&p| Permission { protocol: Protocol::Tcp { from: p, to: p }, peers: peers.clone() }).collect();
        let group = Ref::New { new: Created::SecurityGroup };
        let remedy = Remedy::say(format!(
            "The subnets belong to account {owner}, which owns the VPC: run these with OWNER_PROFILE set to a profile of that account."
        ))
        .then(Action::CreateSecurityGroup {
            vpc: Ref::id(a.vpc_id.as_deref().unwrap_or_default()),
            name: format!("mwaa-{}-endpoints", environment.name),
        })
        .then(Action::AllowTraffic { group, direction: Direction::Ingress, permissions })
        .in_profile("OWNER_PROFILE");
        creates.iter().cloned().fold(remedy, Remedy::then)
    } else {
        creates.iter().cloned().fold(Remedy::say("Create the endpoint(s):"), Remedy::then)
    };
    if let Some(sqs) = sqs_policy {
        remedy = remedy.then_say("Also admit the Celery queue in the SQS endpoint policy.").then_all(sqs.fix.clone());
    }
    let create_commands: Vec<String> = creates
        .into_iter()
        .map(|create| {
            Rendered::join(&Remedy { parts: vec![Part::Do(create)], profile: remedy.profile }.render(
                Language::AwsCli,
                &Default::default(),
                Default::default(),
            ))
        })
        .collect();
    let message = format!("PENDING, waiting for {} endpoint(s); {clock}", waiting.len());
    Ok(vec![RULE
        .finding(Some(&environment.name), message)
        .trace(waiting.iter().map(|w| TraceLine { text: w.clone(), detail: false }).collect())
        .remediation(remedy)
        .evidence(json!({"status": "PENDING", "waiting_for": waiting, "hours_left": hours_left, "create_commands": create_commands}))])
}

/// The account that owns the env subnets when it is not the environment's own (a shared VPC).
fn shared_vpc_owner(a: &Analysis<'_>) -> Option<String> {
    let own = a.settings.account_id.clone().or_else(|| a.settings.environment.as_ref()?.account_id())?;
    a.subnets.iter().filter_map(|s| s.owner_id.clone()).find(|owner| *owner != own)
}
