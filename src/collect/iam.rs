//! The execution role (RULES.md "ROLE") and the deployer's simulated permissions (RULES.md "DEP"), as the
//! snapshot members `aws iam` fills: `Roles`, `RolesNotFound`, `RolePolicies`, `AttachedRolePolicies`,
//! `PolicyVersions`, `EvaluationResults`.

use std::collections::BTreeMap;

use aws_sdk_iam::types::{ContextEntry, ContextKeyTypeEnum};

use super::named::{not_captured, Caller, Deployment, Named};
use super::{ask, joined, Answer, Clients, CollectError};
use crate::model::snapshot::{
    AttachedPolicy, EvaluationResult, PermissionsBoundary, PolicyDocument, PolicyVersion, Role, RolePolicy, Snapshot,
};
use crate::model::Member;

/// MWAA's service-linked role, which CreateEnvironment creates unless it exists (DEP005).
const LINKED_ROLE: &str = "AWSServiceRoleForAmazonMWAA";

/// The role's name: the last part of its ARN's path (`role/service-role/NAME`).
fn role_name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// A role as GetRole describes it; `None` when IAM has no such role.
async fn get_role(clients: &Clients, name: &str) -> Result<Result<Option<Role>, String>, CollectError> {
    Ok(match ask("iam:GetRole", clients.iam.get_role().role_name(name).send()).await? {
        Answer::Got(answer) => match answer.role() {
            Some(role) => Ok(Some(Role {
                role_name: role.role_name().to_string(),
                arn: role.arn().to_string(),
                assume_role_policy_document: role.assume_role_policy_document().map(document).transpose()?,
                permissions_boundary: role
                    .permissions_boundary()
                    .and_then(|b| b.permissions_boundary_arn())
                    .map(|arn| PermissionsBoundary { permissions_boundary_arn: arn.to_string() }),
            })),
            None => return Err(CollectError::Unparsable("iam:GetRole answered without a role".to_string())),
        },
        Answer::Refused { code, .. } if code == "NoSuchEntity" => Ok(None),
        Answer::Refused { reason, .. } => Err(reason),
    })
}

/// An IAM policy document as the API returns it (URL-encoded JSON).
fn document(text: &str) -> Result<PolicyDocument, CollectError> {
    serde_json::from_value(serde_json::Value::String(text.to_string()))
        .map_err(|e| CollectError::Unparsable(format!("IAM returned a policy document that is not JSON: {e}")))
}

/// The role, its inline policies and its attached policies' and boundary's default versions.
pub(super) async fn role(clients: &Clients, arn: &str) -> Result<Snapshot, CollectError> {
    let name = role_name(arn);
    let iam = &clients.iam;
    let (role, inline_names, attached) = tokio::join!(
        get_role(clients, name),
        ask("iam:ListRolePolicies", paged!(iam.list_role_policies().role_name(name), policy_names, marker)),
        ask("iam:ListAttachedRolePolicies", paged!(iam.list_attached_role_policies().role_name(name), attached_policies, marker)),
    );
    let mut part = match role? {
        Ok(Some(role)) => Snapshot { roles: Some(vec![role]), ..Snapshot::default() },
        Ok(None) => return Ok(Snapshot { roles_not_found: Some(vec![name.to_string()]), ..Snapshot::default() }),
        Err(reason) => not_captured(Member::Roles, reason),
    };
    let boundary = part.roles.iter().flatten().find_map(|r| r.permissions_boundary.as_ref()).map(|b| b.permissions_boundary_arn.clone());
    let attached = match attached? {
        Answer::Got(attached) => attached
            .iter()
            .filter_map(|p| {
                Some(AttachedPolicy { policy_name: p.policy_name().map(str::to_string), policy_arn: p.policy_arn()?.to_string() })
            })
            .collect(),
        Answer::Refused { reason, .. } => {
            part.absorb(not_captured(Member::AttachedRolePolicies, reason.clone()));
            part.absorb(not_captured(Member::PolicyVersions, reason));
            Vec::new()
        }
    };
    let arns: Vec<String> = attached.iter().map(|p| p.policy_arn.clone()).chain(boundary).collect();
    if !part.not_captured.as_ref().is_some_and(|n| n.contains_key(Member::AttachedRolePolicies.name())) {
        part.attached_role_policies = Some(BTreeMap::from([(name.to_string(), attached)]));
    }
    let (inline, versions) = tokio::join!(
        async {
            match inline_names? {
                Answer::Got(names) => inline_policies(clients, name, &names).await,
                Answer::Refused { reason, .. } => Ok(not_captured(Member::RolePolicies, reason)),
            }
        },
        policy_versions(clients, &arns),
    );
    part.absorb(inline?);
    part.absorb(versions?);
    Ok(part)
}

/// GetRolePolicy for each inline policy, at once.
async fn inline_policies(clients: &Clients, role: &str, names: &[String]) -> Result<Snapshot, CollectError> {
    let mut tasks = tokio::task::JoinSet::new();
    for (index, policy) in names.iter().enumerate() {
        let (iam, role, policy) = (clients.iam.clone(), role.to_string(), policy.clone());
        tasks.spawn(
            async move { (index, ask("iam:GetRolePolicy", iam.get_role_policy().role_name(role).policy_name(policy).send()).await) },
        );
    }
    let mut read = Vec::new();
    for (index, answer) in joined(tasks, "iam:GetRolePolicy").await? {
        match answer? {
            Answer::Got(answer) => read.push((
                index,
                RolePolicy {
                    role_name: Some(answer.role_name().to_string()),
                    policy_name: answer.policy_name().to_string(),
                    policy_document: document(answer.policy_document())?,
                },
            )),
            Answer::Refused { reason, .. } => return Ok(not_captured(Member::RolePolicies, reason)),
        }
    }
    read.sort_by_key(|(index, _)| *index);
    Ok(Snapshot {
        role_policies: Some(BTreeMap::from([(role.to_string(), read.into_iter().map(|(_, p)| p).collect())])),
        ..Snapshot::default()
    })
}

/// GetPolicy, then GetPolicyVersion at its default version, for each policy at once.
async fn policy_versions(clients: &Clients, arns: &[String]) -> Result<Snapshot, CollectError> {
    let mut tasks = tokio::task::JoinSet::new();
    for arn in arns {
        let (iam, arn) = (clients.iam.clone(), arn.clone());
        tasks.spawn(async move {
            let policy = match ask("iam:GetPolicy", iam.get_policy().policy_arn(&arn).send()).await? {
                Answer::Got(answer) => answer,
                Answer::Refused { reason, .. } => return Ok((arn, Err(reason))),
            };
            let Some(version) = policy.policy().and_then(|p| p.default_version_id()) else {
                return Err(CollectError::Unparsable(format!("iam:GetPolicy answered without a default version for {arn}")));
            };
            let answer = ask("iam:GetPolicyVersion", iam.get_policy_version().policy_arn(&arn).version_id(version).send()).await?;
            Ok((arn, Ok(answer)))
        });
    }
    let mut versions = BTreeMap::new();
    for result in joined(tasks, "iam:GetPolicyVersion").await? {
        let (arn, answer) = result?;
        match answer {
            Ok(Answer::Got(answer)) => {
                let version = answer.policy_version().ok_or_else(|| CollectError::Unparsable(format!("no policy version for {arn}")))?;
                let text = version.document().ok_or_else(|| CollectError::Unparsable(format!("no document in the version of {arn}")))?;
                versions.insert(arn, PolicyVersion { document: document(text)?, version_id: version.version_id().map(str::to_string) });
            }
            Ok(Answer::Refused { reason, .. }) | Err(reason) => return Ok(not_captured(Member::PolicyVersions, reason)),
        }
    }
    Ok(Snapshot { policy_versions: Some(versions), ..Snapshot::default() })
}

/// Whether MWAA's service-linked role exists (`Roles` or `RolesNotFound`).
pub(super) async fn linked_role(clients: &Clients) -> Result<Snapshot, CollectError> {
    Ok(match get_role(clients, LINKED_ROLE).await? {
        Ok(Some(role)) => Snapshot { roles: Some(vec![role]), ..Snapshot::default() },
        Ok(None) => Snapshot { roles_not_found: Some(vec![LINKED_ROLE.to_string()]), ..Snapshot::default() },
        Err(reason) => not_captured(Member::Roles, reason),
    })
}

/// The principal a session's ARN stands for in IAM: an assumed-role session is simulated as its role.
fn principal(caller: &str) -> String {
    match caller.split_once(":assumed-role/") {
        Some((partition_account, role)) => {
            format!("{}:role/{}", partition_account.replacen(":sts:", ":iam:", 1), role.split('/').next().unwrap_or(role))
        }
        None => caller.to_string(),
    }
}

/// One simulation: the actions, their resource and the context entries (name, value).
type Simulation = (Vec<&'static str>, Vec<String>, Option<(&'static str, &'static str)>);

/// The deployer's CreateEnvironment permissions, one simulation per resource (CLI.md `EvaluationResults`);
/// part of a simulation is none, so any failure leaves the member out with every reason.
pub(super) async fn simulate(
    clients: &Clients,
    named: &Named,
    deployment: &Deployment,
    caller: Option<&Result<Caller, String>>,
) -> Result<Snapshot, CollectError> {
    let deployer = match (&deployment.deployer_arn, caller) {
        (Some(arn), _) => arn.clone(),
        (None, Some(Ok(caller))) => principal(&caller.arn),
        (None, Some(Err(reason))) => return Ok(not_captured(Member::EvaluationResults, reason.clone())),
        (None, None) => return Ok(not_captured(Member::EvaluationResults, "the deployer is not known".to_string())),
    };
    let parts: Vec<&str> = deployer.split(':').collect();
    let (partition, account) = match parts.as_slice() {
        ["arn", partition, _, _, account, ..] => (partition.to_string(), account.to_string()),
        _ => return Ok(not_captured(Member::EvaluationResults, format!("the deployer {deployer} is not an ARN"))),
    };
    let region = &clients.region;
    let mut simulations: Vec<Simulation> = vec![
        (
            vec!["airflow:CreateEnvironment", "airflow:TagResource"],
            vec![format!("arn:{partition}:airflow:{region}:{account}:environment/{}", deployment.name)],
            None,
        ),
        (vec!["ec2:CreateVpcEndpoint"], vec!["*".to_string()], None),
        (
            vec!["ec2:CreateNetworkInterface"],
            deployment.subnet_ids.iter().map(|s| format!("arn:{partition}:ec2:{region}:{account}:subnet/{s}")).collect(),
            None,
        ),
        (
            vec!["iam:CreateServiceLinkedRole"],
            vec![format!("arn:{partition}:iam::{account}:role/aws-service-role/airflow.amazonaws.com/{LINKED_ROLE}")],
            Some(("iam:AWSServiceName", "airflow.amazonaws.com")),
        ),
    ];
    if let Some(role) = &named.execution_role_arn {
        simulations.push((vec!["iam:PassRole"], vec![role.clone()], Some(("iam:PassedToService", "airflow.amazonaws.com"))));
    }
    if let Some(key) = &named.kms_key {
        // A bare key ID (KMS001's finding) stands for the key of that ID in the deployer's account and Region.
        let arn = if key.starts_with("arn:") { key.clone() } else { format!("arn:{partition}:kms:{region}:{account}:key/{key}") };
        simulations.push((vec!["kms:CreateGrant", "kms:DescribeKey"], vec![arn], None));
    }
    let mut tasks = tokio::task::JoinSet::new();
    for (index, (actions, resources, context)) in simulations.into_iter().enumerate() {
        let mut request = clients.iam.simulate_principal_policy().policy_source_arn(&deployer);
        for action in &actions {
            request = request.action_names(*action);
        }
        for resource in resources {
            request = request.resource_arns(resource);
        }
        if let Some((key, value)) = context {
            let entry = ContextEntry::builder()
                .context_key_name(key)
                .context_key_values(value)
                .context_key_type(ContextKeyTypeEnum::String)
                .build();
            request = request.context_entries(entry);
        }
        tasks.spawn(async move {
            (index, actions.join(" "), ask("iam:SimulatePrincipalPolicy", paged!(request, evaluation_results, marker)).await)
        });
    }
    let mut done = joined(tasks, "iam:SimulatePrincipalPolicy").await?;
    done.sort_by_key(|(index, ..)| *index);
    let (mut results, mut failures): (Vec<EvaluationResult>, Vec<(String, String)>) = (Vec::new(), Vec::new());
    let count = done.len();
    for (_, actions, answer) in done {
        match answer? {
            Answer::Got(evaluations) => results.extend(evaluations.iter().map(|e| EvaluationResult {
                eval_action_name: e.eval_action_name().to_string(),
                eval_decision: e.eval_decision().as_str().to_string(),
                eval_resource_name: e.eval_resource_name().map(str::to_string),
                missing_context_values: e.missing_context_values().to_vec(),
            })),
            Answer::Refused { reason, .. } => failures.push((actions, reason)),
        }
    }
    if let Some((_, first)) = failures.first() {
        let reason = if failures.len() == count && failures.iter().all(|(_, r)| r == first) {
            format!("{first}, for each of the {count} simulations")
        } else {
            failures.iter().map(|(actions, reason)| format!("{actions}: {reason}")).collect::<Vec<_>>().join("; ")
        };
        return Ok(not_captured(Member::EvaluationResults, reason));
    }
    Ok(Snapshot { evaluation_results: Some(results), deployer_arn: Some(deployer), ..Snapshot::default() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_principals() {
        assert_eq!(role_name("arn:aws:iam::111122223333:role/service-role/mwaa"), "mwaa");
        assert_eq!(principal("arn:aws:sts::111122223333:assumed-role/deployer/session"), "arn:aws:iam::111122223333:role/deployer");
        assert_eq!(principal("arn:aws:iam::111122223333:user/ci"), "arn:aws:iam::111122223333:user/ci");
    }
}
