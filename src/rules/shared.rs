//! What several rules say the same way: flows blocked at a kind of hop, endpoint policies that do not
//! admit the environment's requests, and the AWS CLI commands that fix things.

use serde_json::{json, Value};

use super::{CheckResult, Finding, Outcome, Rule, Severity, Skip, TraceLine};
use crate::analysis::flows::{Flow, FlowKind, Hop, Step};
use crate::analysis::policy::{Decision, Request};
use crate::analysis::{Analysis, CustomerEndpoint, Routing};
use crate::model::{EndpointPolicy, VpcAttributes, VpcEndpoint};
use crate::remedy::{Action, Direction, EndpointKind, EndpointService, Peer, Permission, Protocol, Ref, Remedy};
use crate::target::EndpointManagement;

/// Blocked flows grouped by a key of the blocking hop (a NACL ID, an endpoint ID, ...), in flow order.
pub fn blocked_by(
    flows: &[Flow],
    hop_matches: impl Fn(&Flow, &Hop) -> bool,
    key: impl Fn(&Flow, &Hop) -> Option<String>,
) -> Vec<(String, Vec<(&Flow, &Hop)>)> {
    let mut groups: Vec<(String, Vec<(&Flow, &Hop)>)> = Vec::new();
    for flow in flows {
        for hop in flow.hops.iter().filter(|h| !h.allowed && hop_matches(flow, h)) {
            let Some(key) = key(flow, hop) else { continue };
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, items)) => items.push((flow, hop)),
                None => groups.push((key, vec![(flow, hop)])),
            }
        }
    }
    groups
}

/// A flow rule's result: its findings, or, when it found none but some required flow could not be built or
/// has a hop of `steps` the input cannot decide, skipped with why (never a pass on missing data).
pub fn judged(a: &Analysis<'_>, steps: &[Step], findings: Vec<Finding>) -> CheckResult {
    if !findings.is_empty() {
        return Ok(findings);
    }
    let mut reasons: Vec<String> = Vec::new();
    let mut count = a.unbuilt.len();
    for why in &a.unbuilt {
        push_once(&mut reasons, why);
    }
    for flow in &a.flows {
        let unknown: Vec<&String> = flow.hops.iter().filter(|h| steps.contains(&h.step)).filter_map(|h| h.unknown.as_ref()).collect();
        count += usize::from(!unknown.is_empty());
        for why in unknown {
            push_once(&mut reasons, why);
        }
    }
    if reasons.is_empty() {
        return Ok(findings);
    }
    Err(Skip(format!("{count} required flow(s) cannot be judged: {}", reasons.join("; "))))
}

fn push_once(list: &mut Vec<String>, item: &str) {
    if !list.iter().any(|i| i == item) {
        list.push(item.to_string());
    }
}

/// Evidence and trace lines for a set of blocked flows.
pub fn flow_report(items: &[(&Flow, &Hop)]) -> (Value, Vec<TraceLine>) {
    let evidence = json!({
        "flows": items.iter().map(|(flow, hop)| json!({
            "flow": flow.label(),
            "blocking_hop": hop,
            "first_blocking_hop": flow.first_block(),
            "hops": flow.hops,
        })).collect::<Vec<_>>()
    });
    let mut trace = Vec::new();
    for flow in distinct_flows(items) {
        trace.extend(flow.trace().into_iter().map(|(text, passed)| TraceLine { text, detail: passed }));
    }
    (evidence, trace)
}

fn distinct_flows<'a>(items: &[(&'a Flow, &'a Hop)]) -> Vec<&'a Flow> {
    let mut flows: Vec<&Flow> = Vec::new();
    for (flow, _) in items {
        if !flows.iter().any(|f| std::ptr::eq(*f, *flow)) {
            flows.push(flow);
        }
    }
    flows
}

/// "N required flow(s)": the headline's count; the flows themselves are the trace and the evidence.
pub fn flow_count(items: &[(&Flow, &Hop)]) -> String {
    format!("{} required flow(s)", distinct_flows(items).len())
}

/// The customer managed key the environment names, `None` for the AWS owned key, or why it cannot be judged.
pub fn customer_key<'a, 'n>(a: &'a Analysis<'n>) -> Result<Option<&'a crate::analysis::key::Key<'n>>, Skip> {
    use crate::analysis::key::Lookup;
    match a.customer_key() {
        Lookup::AwsOwned => Ok(None),
        Lookup::Unknown(why) => Err(Skip(why.clone())),
        Lookup::Found(key) => Ok(Some(key)),
    }
}

/// The source bucket for the rules that judge it, else why they are skipped (BKT001 reports a bucket ARN that
/// is malformed or names no bucket; the others say so).
pub fn source_bucket<'a, 'n>(a: &'a Analysis<'n>) -> Result<&'a crate::analysis::bucket::SourceBucket<'n>, Skip> {
    use crate::analysis::bucket::Lookup;
    match a.source_bucket() {
        Lookup::Found(bucket) => Ok(bucket),
        Lookup::NotNamed(why) => Err(Skip(why.clone())),
        Lookup::Malformed(_) | Lookup::NotFound(_) => Err(Skip("source bucket not found (BKT001)".to_string())),
    }
}

/// The bucket as remediation names it: its resource in the code, else its name.
pub fn bucket_ref(bucket: &crate::analysis::bucket::SourceBucket<'_>) -> Ref {
    Ref::id(bucket.label())
}

/// A bucket setting to change: the typed step where the input can take it (the account's bucket, or the
/// code's own), else the command to run on the existing bucket the code only names.
pub fn bucket_remedy(a: &Analysis<'_>, bucket: &crate::analysis::bucket::SourceBucket<'_>, action: Action) -> Remedy {
    if a.settings.language == crate::target::Language::AwsCli || bucket.code.is_some() {
        return Remedy::from(action);
    }
    let steps = Remedy::from(action).render(crate::target::Language::AwsCli, &Default::default(), a.settings.code_form);
    let command = crate::remedy::Rendered::join(&steps);
    Remedy::say(format!("The bucket exists outside the code; change it in the account: {command}"))
}

/// Whether the deployer rules can judge at all (a planned environment, its simulation in the input): checked
/// before any rule decides it has nothing to judge, so that an existing environment skips them all.
pub fn deployer_judged(a: &Analysis<'_>) -> Result<(), Skip> {
    a.deployer().map(|_| ()).map_err(Skip)
}

/// What the deployer's simulated permissions say of the requests `(action, resource)` CreateEnvironment needs:
/// a finding at the rule's severity when one is denied, a warning when a denial lacked context values, none
/// when all are allowed; skipped when the simulation holds no result for one of them.
pub fn deployer_finding(rule: &'static Rule, a: &Analysis<'_>, requests: &[(&str, String)], why: &str) -> CheckResult {
    use crate::analysis::deployer::Verdict;
    let deployer = a.deployer().map_err(Skip)?;
    let (mut denied, mut unproven, mut undecided) = (Vec::new(), Vec::new(), Vec::new());
    for (action, resource) in requests {
        match deployer.verdict(action, resource) {
            Ok(Verdict::Allowed) => {}
            Ok(Verdict::Denied(result)) => denied.push((*action, resource.as_str(), result)),
            Ok(Verdict::Unproven(result)) => unproven.push((*action, resource.as_str(), result)),
            Err(reason) => undecided.push(reason),
        }
    }
    let (severity, items) = match (denied.is_empty(), unproven.is_empty()) {
        (false, _) => (rule.severity, denied),
        (true, false) => (Severity::Warning, unproven),
        (true, true) if undecided.is_empty() => return Ok(Vec::new()),
        (true, true) => return Err(Skip(undecided.join("; "))),
    };
    let (action, resource, result) = items[0];
    // The resource's last part (`subnet-0a1b`, the role's name): its ARN is in the evidence.
    let resource = resource.rsplit(['/', ':']).next().unwrap_or(resource);
    let message = match severity {
        Severity::Warning if !result.missing_context_values.is_empty() => {
            format!("the simulation denies {action} on {resource} for want of {}: {why}", result.missing_context_values.join(", "))
        }
        _ => format!("the simulation gives {} for {action} on {resource}: {why}", result.eval_decision),
    };
    let evidence: Vec<Value> = items
        .iter()
        .map(|(action, resource, r)| json!({"action": action, "resource": resource, "decision": r.eval_decision, "missing_context_values": r.missing_context_values}))
        .collect();
    let actions: Vec<&str> = items.iter().map(|(action, _, _)| *action).collect();
    Ok(vec![rule
        .finding(Some(deployer.name()), message)
        .severity(severity)
        .remediation(Remedy::say(format!(
            "Grant the principal that creates the environment {} on those resources (AWS's AmazonMWAAFullApiAccess policy holds them), or create the environment as a principal that has them.",
            actions.join(", ")
        )))
        .evidence(json!({"deployer": deployer.arn, "denied": evidence}))])
}

/// The requirements the workers install under private routing (what PKG002, PKG004 and PKG005 judge); `None`
/// with any other routing, or when the environment names none.
pub fn installed_privately<'a>(a: &'a Analysis<'_>) -> Result<Option<&'a crate::analysis::requirements::Requirements>, Skip> {
    if a.routing != Routing::Private {
        return Ok(None);
    }
    a.requirements().map_err(Skip)
}

/// The first `shown` items and how many more: a list that stays one short sentence.
pub fn some_of(items: &[&str], shown: usize) -> String {
    match items.len().checked_sub(shown) {
        Some(more) if more > 0 => format!("{} and {more} more", items[..shown].join(", ")),
        _ => items.join(", "),
    }
}

/// One trace line per required permission and verdict: its actions, on which resources (the first, and how
/// many more), and why. `items`: (permission, action, resource, why).
pub fn permission_trace(items: &[(&str, &str, &str, &str)]) -> Vec<TraceLine> {
    let mut groups: Vec<(&str, &str, Vec<&str>, Vec<&str>)> = Vec::new();
    for &(id, action, resource, why) in items {
        let index = match groups.iter().position(|(i, w, _, _)| *i == id && *w == why) {
            Some(index) => index,
            None => {
                groups.push((id, why, Vec::new(), Vec::new()));
                groups.len() - 1
            }
        };
        let (_, _, actions, resources) = &mut groups[index];
        if !actions.contains(&action) {
            actions.push(action);
        }
        if !resources.contains(&resource) {
            resources.push(resource);
        }
    }
    groups
        .into_iter()
        .map(|(id, why, actions, resources)| {
            let more = if resources.len() > 1 { format!(" and {} more", resources.len() - 1) } else { String::new() };
            let on = resources.first().copied().unwrap_or_default();
            TraceLine { text: format!("{id} {} on {on}{more}: {why}", actions.join(", ")), detail: false }
        })
        .collect()
}

/// The execution role as a remedy names it: by name for the AWS CLI, by its ID in the code.
pub fn role_ref(a: &Analysis<'_>, role: &crate::analysis::identity::ExecutionRole<'_>) -> Ref {
    match a.settings.language {
        crate::target::Language::AwsCli => Ref::id(&role.role.role_name),
        _ => Ref::id(&role.role.arn),
    }
}

/// A finding when an endpoint's policy does not admit every request, else `None`. Error when provably
/// blocked, warning when the tool cannot prove it either way; a skip when the input cannot tell the policy.
pub fn policy_finding(
    rule: &'static Rule,
    analysis: &Analysis<'_>,
    endpoint: &VpcEndpoint,
    requests: &[(String, String)],
) -> Result<Option<Finding>, Skip> {
    let policy = match analysis.network.endpoint_policy(&endpoint.vpc_endpoint_id) {
        Some(EndpointPolicy::Document(policy)) => policy,
        Some(EndpointPolicy::Unknown(why)) => return Err(Skip(format!("the policy of {} is not known: {why}", endpoint.vpc_endpoint_id))),
        Some(EndpointPolicy::FullAccess) | None => return Ok(None),
    };
    let mut denied = Vec::new();
    let mut unprovable = Vec::new();
    for (action, resource) in requests {
        match policy.evaluate(Request::new(action, resource)) {
            Decision::Allowed => {}
            Decision::Denied { statement } => denied.push(json!({
                "action": action, "resource": resource,
                "denied_by": statement.unwrap_or_else(|| "no statement allows it".to_string()),
            })),
            Decision::Unprovable { reason } => unprovable.push(json!({"action": action, "resource": resource, "reason": reason})),
        }
    }
    if denied.is_empty() && unprovable.is_empty() {
        return Ok(None);
    }
    let (severity, verb, list) =
        if denied.is_empty() { (Severity::Warning, "may not allow", &unprovable) } else { (Severity::Error, "does not allow", &denied) };
    let what: Vec<String> = list
        .iter()
        .map(|r| format!("{} on {}", r["action"].as_str().unwrap_or_default(), r["resource"].as_str().unwrap_or_default()))
        .collect();
    let statement = json!({
        "Sid": "AllowAmazonMWAA", "Effect": "Allow", "Principal": "*",
        "Action": requests.iter().map(|(a, _)| a.clone()).collect::<std::collections::BTreeSet<_>>(),
        "Resource": requests.iter().map(|(_, r)| r.clone()).collect::<std::collections::BTreeSet<_>>(),
    });
    let typed: Vec<Request<'_>> = requests.iter().map(|(action, resource)| Request::new(action, resource)).collect();
    let (document, dropped) = merged_policy(endpoint, &policy.denials_of(&typed), statement);
    let dropped =
        if dropped.is_empty() { String::new() } else { format!(", without the Deny statement(s) that block it ({})", dropped.join(", ")) };
    Ok(Some(
        rule.finding(
            Some(&endpoint.vpc_endpoint_id),
            format!("the {} endpoint policy {verb} {} request(s) the environment makes", endpoint.service_name, what.len()),
        )
        .trace(what.iter().map(|w| TraceLine { text: w.clone(), detail: false }).collect())
        .severity(severity)
        .remediation(
            Remedy::say(format!("Apply the endpoint's policy with a statement that allows the environment's requests{dropped}:"))
                .then(Action::ReplaceEndpointPolicy { endpoint: Ref::id(&endpoint.vpc_endpoint_id), document }),
        )
        .evidence(
            json!({"endpoint": endpoint.vpc_endpoint_id, "service": endpoint.service_name, "denied": denied, "unprovable": unprovable}),
        ),
    ))
}

/// The endpoint's policy document whole, less the Deny statements at `drop`, plus `statement`; with the
/// names of the statements dropped.
fn merged_policy(endpoint: &VpcEndpoint, drop: &[usize], statement: Value) -> (Value, Vec<String>) {
    let mut document: Value =
        endpoint.policy_document.as_deref().and_then(|text| serde_json::from_str(text).ok()).unwrap_or_else(|| json!({}));
    let statements = match document.get("Statement") {
        Some(Value::Array(items)) => items.clone(),
        Some(item @ Value::Object(_)) => vec![item.clone()],
        _ => Vec::new(),
    };
    let mut dropped = Vec::new();
    let mut kept = Vec::new();
    for (i, item) in statements.into_iter().enumerate() {
        if drop.contains(&i) {
            dropped.push(item.get("Sid").and_then(Value::as_str).map_or_else(|| format!("statement {}", i + 1), |sid| format!("{sid:?}")));
        } else {
            kept.push(item);
        }
    }
    let mut statement = statement;
    let sid = statement.get("Sid").cloned();
    if kept.iter().any(|k| k.get("Sid") == sid.as_ref()) {
        // Sids are unique within a policy: a statement of that name stays, the new one goes unnamed.
        if let Some(object) = statement.as_object_mut() {
            object.remove("Sid");
        }
    }
    kept.push(statement);
    if let Some(object) = document.as_object_mut() {
        object.entry("Version").or_insert_with(|| json!("2012-10-17"));
        object.insert("Statement".to_string(), Value::Array(kept));
    }
    (document, dropped)
}

/// An interface endpoint in the env subnets with the env groups.
pub fn create_interface_endpoint(analysis: &Analysis<'_>, service: EndpointService, private_dns: bool) -> Action {
    Action::CreateEndpoint {
        vpc: Ref::id(analysis.vpc_id.as_deref().unwrap_or("VPC_ID")),
        service,
        kind: EndpointKind::Interface,
        subnets: Ref::ids(&analysis.settings.subnet_ids),
        security_groups: Ref::ids(&analysis.settings.security_group_ids),
        route_tables: Vec::new(),
        private_dns,
    }
}

/// What is wrong with a customer endpoint that exists: state, subnets, security groups.
pub fn placement_problems(a: &Analysis<'_>, wanted: &CustomerEndpoint<'_>, endpoint: &VpcEndpoint) -> Vec<String> {
    let mut problems = Vec::new();
    let state = endpoint.state.as_deref().unwrap_or("unknown");
    if !state.eq_ignore_ascii_case("available") {
        problems.push(format!("it is {state}, not available"));
    }
    let outside: Vec<&String> = a.settings.subnet_ids.iter().filter(|s| !endpoint.subnet_ids.contains(s)).collect();
    if !outside.is_empty() {
        problems.push(format!(
            "it is not in the environment's subnet(s) {} (its subnets: {})",
            outside.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "),
            endpoint.subnet_ids.join(", ")
        ));
    }
    let blocked = a.flows.iter().any(|f| {
        f.kind == wanted.kind
            && f.endpoint_id.as_deref() == Some(&endpoint.vpc_endpoint_id)
            && f.hops.iter().any(|h| h.step == Step::SgIngress && !h.allowed)
    });
    if blocked {
        problems.push(format!("its security groups do not admit TCP {} from the environment's security groups", wanted.port));
    }
    problems
}

/// CME002 and CME003: the customer endpoint of `kind` is missing from the env VPC.
pub fn missing_customer_endpoint(rule: &'static Rule, a: &Analysis<'_>, kind: FlowKind) -> CheckResult {
    if a.settings.endpoint_management != EndpointManagement::Customer {
        return Ok(Vec::new());
    }
    // The analysis wants the web server's endpoint only when it is reachable privately.
    let Some(wanted) = a.customer_endpoints.iter().find(|c| c.kind == kind) else { return Ok(Vec::new()) };
    if !wanted.endpoints.is_empty() {
        return Ok(Vec::new());
    }
    // A template or plan, or flags: the environment does not exist yet, nor its endpoint services.
    let before_creation = a.settings.environment.as_ref().is_none_or(|e| e.status.is_none());
    if before_creation {
        return Ok(vec![next_step_before_creation(rule, a, wanted)]);
    }
    let Some(service) = wanted.service_name.as_deref() else {
        return Err(Skip(format!("GetEnvironment reports no {} endpoint service name yet", wanted.what)));
    };
    Ok(vec![rule
        .finding(
            Some(service),
            format!("no VPC endpoint in {} for the {} endpoint service {service}", a.vpc_id.as_deref().unwrap_or("the VPC"), wanted.what),
        )
        .remediation(create_interface_endpoint(a, EndpointService::Named(service.to_string()), false))
        .evidence(json!({"service_name": service, "kind": wanted.what, "vpc_id": a.vpc_id}))])
}

/// Before creation the endpoint service does not exist (MWAA creates it when the environment enters
/// PENDING): an info naming the next step, not an error.
fn next_step_before_creation(rule: &'static Rule, a: &Analysis<'_>, wanted: &CustomerEndpoint<'_>) -> Finding {
    let what = wanted.what;
    let attribute = if wanted.kind == FlowKind::Webserver { "WebserverVpcEndpointService" } else { "DatabaseVpcEndpointService" };
    let name = a.settings.environment_name().or(a.settings.planned_name.as_deref()).unwrap_or("NAME");
    // A template or plan names the service by the environment's attribute; flags by what GetEnvironment
    // will report.
    let service = match &wanted.service_name {
        Some(reference) => EndpointService::Attribute(reference.clone()),
        None => EndpointService::OfEnvironment { environment: name.to_string(), attribute },
    };
    rule.finding(
        None,
        format!("the {what} endpoint service ({attribute}) exists once the environment is PENDING: create its endpoint within 72 hours"),
    )
    .severity(Severity::Info)
    .remediation(
        Remedy::say(format!(
            "Create the environment; once it is PENDING, create the {what} endpoint for the service name GetEnvironment reports \
             (in a template or plan, an endpoint whose service name is the environment's {attribute} attribute does the same):"
        ))
        .then(create_interface_endpoint(a, service, false)),
    )
    .evidence(json!({"kind": what, "attribute": attribute, "environment": name, "vpc_id": a.vpc_id, "window_hours": 72}))
}

/// Skips a count rule when the IDs are not known before deployment (a plan's `var.subnet_ids`): none
/// given is then not "0 given".
pub fn ids_unknown(a: &Analysis<'_>) -> Result<(), Skip> {
    match a.settings.unknown_ids.as_slice() {
        [] => Ok(()),
        reasons => Err(Skip(format!("the environment's IDs are known only after apply: {}", reasons.join("; ")))),
    }
}

/// ENV002 and ENV003: the environment is in one of `statuses`; report AWS's last error and the network
/// findings ranked as likely causes (errors first, then warnings).
/// The families the error message names (RULES.md v3 "ENV002 ranking"), by the words AWS's messages use.
fn families_named(message: &str) -> Vec<&'static str> {
    let message = message.to_ascii_lowercase();
    let words: [(&[&str], &[&'static str]); 5] = [
        (&["role", "permission", "assum"], &["execution-role", "deployer"]),
        (&["kms", "key"], &["kms"]),
        (&["bucket", "s3"], &["bucket"]),
        (&["requirements", "pip", "plugins"], &["dependencies"]),
        (&["vpc", "subnet", "endpoint", "security group", "network"], &["network"]),
    ];
    words.iter().filter(|(keys, _)| keys.iter().any(|k| message.contains(k))).flat_map(|(_, families)| families.iter().copied()).collect()
}

/// Where a family comes in AWS's order for a failed creation (troubleshooting.txt "Create failed"); a failed
/// update looks at what changed first: dependencies and the bucket's objects.
fn family_order(family: &str, update: bool) -> usize {
    const CREATE: [&str; 7] = ["network", "deployer", "execution-role", "kms", "bucket", "dependencies", "environment"];
    const UPDATE: [&str; 7] = ["dependencies", "bucket", "network", "deployer", "execution-role", "kms", "environment"];
    let order = if update { UPDATE } else { CREATE };
    order.iter().position(|f| *f == family).unwrap_or(order.len())
}

/// ENV002/ENV003: the environment's state, AWS's error, and every finding of the run ranked as a likely cause
/// (the families the error names first, then AWS's order, then severity and code); what could not be checked
/// is said beside them.
pub fn environment_state_finding(rule: &'static Rule, a: &Analysis<'_>, checked: &Outcome, statuses: &[&str]) -> CheckResult {
    let environment = a.settings.environment.as_ref().ok_or_else(|| Skip("no environment".to_string()))?;
    let Some(status) = environment.status.as_deref().filter(|s| statuses.iter().any(|w| s.eq_ignore_ascii_case(w))) else {
        return Ok(Vec::new());
    };
    let error = environment.last_update.as_ref().and_then(|u| u.error.as_ref());
    let code = error.and_then(|e| e.error_code.as_deref()).unwrap_or("no error code");
    let text = error.and_then(|e| e.error_message.as_deref()).unwrap_or("no error message");
    let named = families_named(text);
    let update = status.eq_ignore_ascii_case("UPDATE_FAILED");
    let mut causes: Vec<&Finding> = checked.findings.iter().filter(|f| f.severity != Severity::Info).collect();
    causes.sort_by_key(|f| (!named.contains(&f.family), family_order(f.family, update), f.sort_key()));
    let ranked: Vec<String> = causes.iter().map(|f| f.headline()).collect();
    let verdict = if ranked.is_empty() {
        "no finding explains it: check what could not be checked and the environment's logs".to_string()
    } else {
        format!("likely cause: {}", ranked.first().map_or("", String::as_str))
    };
    let not_checked: Vec<Value> = checked.skipped.iter().map(|s| json!({"code": s.code, "why": s.reason})).collect();
    Ok(vec![rule
        .finding(Some(&environment.name), format!("{status} with {code}; {verdict}"))
        .trace(
            std::iter::once(format!("AWS says: {text}"))
                .chain(ranked.iter().enumerate().map(|(i, cause)| format!("likely cause {}: {cause}", i + 1)))
                .chain((!not_checked.is_empty()).then(|| format!("not checked: {} rule(s), listed under skipped", not_checked.len())))
                .map(|text| TraceLine { text, detail: false })
                .collect(),
        )
        .remediation(if ranked.is_empty() {
            Remedy::say(
                "Give the tool what it could not read (the skipped rules say what), review the environment's CloudWatch logs, then update or recreate the environment. \
                 Simulate the role's permissions with:",
            )
            .then(Action::Inspect {
                command: "aws iam simulate-principal-policy --policy-source-arn EXECUTION_ROLE_ARN --action-names sqs:SendMessage logs:PutLogEvents"
                    .to_string(),
            })
        } else {
            Remedy::say("Fix the findings listed (each has its own remediation), then update the environment, or delete and recreate it if creation failed.")
        })
        .evidence(json!({
            "status": status, "error_code": code, "error_message": text, "families_named": named,
            "likely_causes": causes.iter().map(|f| json!({"code": f.code, "family": f.family, "resource": f.resource, "severity": f.severity})).collect::<Vec<_>>(),
            "not_checked": not_checked,
        }))])
}

/// The routing mode, for the rules that depend on it; unknown (no route table known for an env subnet)
/// skips them with why.
pub fn known_routing(a: &Analysis<'_>) -> Result<Routing, Skip> {
    match a.unknown_routing() {
        Some(why) => Err(Skip(why)),
        None => Ok(a.routing),
    }
}

/// The first of the environment's security groups that exists; without any, the SG analysis has nothing to
/// evaluate (SG002 reports the missing groups) and the rules built on it are skipped.
pub fn first_known_group<'a>(a: &'a Analysis<'_>) -> Result<&'a str, Skip> {
    a.settings
        .security_group_ids
        .iter()
        .find(|g| a.network.security_group(g).is_some())
        .map(String::as_str)
        .ok_or_else(|| Skip("none of the environment's security groups is in the snapshot (see SG002)".to_string()))
}

/// The env VPC's DNS attributes (DNS001, DNS002), or why they cannot be judged.
pub fn vpc_attributes<'a>(a: &'a Analysis<'_>) -> Result<(&'a str, &'a VpcAttributes), Skip> {
    let vpc = a.vpc_id.as_deref().ok_or_else(|| Skip("the environment's VPC is unknown".to_string()))?;
    let attributes = a
        .network
        .snapshot
        .vpc_attributes
        .as_ref()
        .and_then(|m| m.get(vpc))
        .ok_or_else(|| Skip(format!("VpcAttributes has no entry for {vpc}")))?;
    Ok((vpc, attributes))
}

/// The self-referencing inbound rule AWS documents for the env security group (SG003, SG006).
pub fn self_reference(group: &str) -> Action {
    let group = Ref::id(group);
    Action::AllowTraffic {
        group: group.clone(),
        direction: Direction::Ingress,
        permissions: vec![Permission { protocol: Protocol::All, peers: vec![Peer::Group { group, account: None }] }],
    }
}

/// Allows in (`Ingress`) or out of (`Egress`) `group` one TCP rule per distinct opening of the blocked
/// hops: to (from) the peer's first group, else its prefix list, else its CIDR (0.0.0.0/0 for address
/// ranges that are no single CIDR, such as the internet).
pub fn allow_blocked(direction: Direction, group: &str, blocked: &[(&Flow, &Hop)]) -> Action {
    let mut permissions: Vec<Permission> = Vec::new();
    for opening in blocked.iter().filter_map(|(_, hop)| hop.opening.as_ref()) {
        let peer = &opening.peer;
        let peer = if let Some(other) = peer.groups.first() {
            Peer::Group { group: Ref::id(other), account: None }
        } else if let Some(list) = &peer.prefix_list {
            Peer::PrefixList(list.clone())
        } else {
            Peer::Cidr(peer.addrs.as_cidr().unwrap_or_default().to_string())
        };
        let permission = Permission { protocol: Protocol::Tcp { from: opening.ports.from, to: opening.ports.to }, peers: vec![peer] };
        if !permissions.contains(&permission) {
            permissions.push(permission);
        }
    }
    Action::AllowTraffic { group: Ref::id(group), direction, permissions }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::policy::Decision;
    use crate::model::policy::Policy;

    #[test]
    fn the_merged_policy_admits_the_requests_and_keeps_the_other_statements() {
        let original = json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "NoWrites", "Effect": "Deny", "Principal": "*", "Action": "logs:Put*", "Resource": "*"},
            {"Sid": "NoDeletes", "Effect": "Deny", "Principal": "*", "Action": "logs:Delete*", "Resource": "*"},
            {"Sid": "Reads", "Effect": "Allow", "Principal": "*", "Action": "logs:Get*", "Resource": "*"}]});
        let endpoint: VpcEndpoint = serde_json::from_value(json!({
            "VpcEndpointId": "vpce-1", "VpcEndpointType": "Interface", "VpcId": "vpc-1",
            "ServiceName": "com.amazonaws.us-east-1.logs", "PolicyDocument": original.to_string()}))
        .expect("endpoint");
        let requests = [Request::new("logs:PutLogEvents", "arn:aws:logs:us-east-1:1:log-group:airflow-x")];
        let policy = Policy::parse(&original.to_string()).expect("policy");
        let statement =
            json!({"Sid": "AllowAmazonMWAA", "Effect": "Allow", "Principal": "*", "Action": ["logs:PutLogEvents"], "Resource": ["*"]});
        let (merged, dropped) = merged_policy(&endpoint, &policy.denials_of(&requests), statement);
        assert_eq!(dropped, vec!["\"NoWrites\"".to_string()]);
        let sids: Vec<&str> = merged["Statement"].as_array().expect("statements").iter().filter_map(|s| s["Sid"].as_str()).collect();
        assert_eq!(sids, ["NoDeletes", "Reads", "AllowAmazonMWAA"]);
        let merged = Policy::parse(&merged.to_string()).expect("merged policy parses");
        assert_eq!(merged.evaluate(requests[0]), Decision::Allowed);
    }
}
