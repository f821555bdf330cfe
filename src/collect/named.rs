//! The reads beyond the network (RULES.md v3): the execution role, the customer managed key, the source bucket
//! with its objects, and the deployer's simulated permissions, made only for what the environment or a flag
//! names (the tool never lists an account's roles, keys or buckets). They run beside the network's reads: the
//! role's chain (GetRole and the lists -> the policies -> their default versions) and the key's one round run
//! throughout; the bucket's Region and the caller come first, then the bucket's calls in that Region and the
//! simulations, then the DAG-folder files requirements.txt includes.

use std::collections::BTreeMap;

use super::{iam, kms, s3, Answer, Clients, CollectError};
use crate::model::snapshot::Snapshot;
use crate::target::{ObjectGiven, RoleGiven, Settings};

/// What an environment names beyond its network: what the reads ask for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Named {
    pub execution_role_arn: Option<String>,
    pub kms_key: Option<String>,
    /// The source bucket's name (a malformed ARN names none: BKT001 says so without a read).
    pub bucket: Option<String>,
    pub dag_s3_path: Option<String>,
    pub objects: Vec<ObjectGiven>,
    /// A planned environment's CreateEnvironment, whose permissions are simulated.
    pub deployment: Option<Deployment>,
}

/// The call a planned environment's deployer will make (RULES.md "DEP").
#[derive(Debug, Clone, PartialEq)]
pub struct Deployment {
    pub name: String,
    pub subnet_ids: Vec<String>,
    /// The principal to simulate; the caller when not given.
    pub deployer_arn: Option<String>,
}

impl Named {
    pub fn of(settings: &Settings) -> Self {
        let facts = &settings.facts;
        let deployment = match (&settings.environment, &facts.name) {
            (None, Some(name)) => {
                Some(Deployment { name: name.clone(), subnet_ids: settings.subnet_ids.clone(), deployer_arn: facts.deployer_arn.clone() })
            }
            _ => None,
        };
        Named {
            execution_role_arn: match &facts.execution_role {
                Some(RoleGiven::Text(arn)) => Some(arn.clone()),
                _ => None,
            },
            // An alias names no key MWAA takes (KMS001): the key it stands for is not read.
            kms_key: settings.kms_key.clone().filter(|key| !crate::analysis::key::is_alias(key)),
            bucket: settings.source_bucket_arn.as_deref().and_then(|arn| crate::analysis::bucket::bucket_of(arn).ok()).map(str::to_string),
            dag_s3_path: facts.dag_s3_path.clone(),
            objects: facts.objects.clone(),
            deployment,
        }
    }

    fn needs_caller(&self, account: Option<&str>) -> bool {
        (self.bucket.is_some() && account.is_none()) || self.deployment.as_ref().is_some_and(|d| d.deployer_arn.is_none())
    }
}

/// Who the credentials are (sts:GetCallerIdentity): the deployer by default, and the account whose public
/// access block applies to the bucket.
pub(super) struct Caller {
    pub arn: String,
    pub account: String,
}

/// Everything `named` names, read; `account`: the environment's account when known (its ARN).
pub async fn named(clients: &Clients, named: &Named, account: Option<&str>) -> Result<Snapshot, CollectError> {
    let (role, key, rest) = tokio::join!(
        async {
            match &named.execution_role_arn {
                Some(arn) => iam::role(clients, arn).await.map(Some),
                None => Ok(None),
            }
        },
        async {
            match &named.kms_key {
                Some(key) => kms::key(clients, key).await.map(Some),
                None => Ok(None),
            }
        },
        async {
            let (caller, location, linked) = tokio::join!(
                async {
                    if named.needs_caller(account) {
                        caller(clients).await.map(Some)
                    } else {
                        Ok(None)
                    }
                },
                async {
                    match &named.bucket {
                        Some(bucket) => s3::location(clients, bucket).await.map(Some),
                        None => Ok(None),
                    }
                },
                async {
                    match &named.deployment {
                        Some(_) => iam::linked_role(clients).await.map(Some),
                        None => Ok(None),
                    }
                },
            );
            let (caller, location, linked) = (caller?, location?, linked?);
            let account = account.map(str::to_string).or_else(|| caller.as_ref().and_then(|c| c.as_ref().ok()).map(|c| c.account.clone()));
            let (bucket, simulation) = tokio::join!(
                async {
                    match (&named.bucket, location) {
                        (Some(bucket), Some(location)) => s3::bucket(clients, named, bucket, location, account.as_deref()).await.map(Some),
                        _ => Ok(None),
                    }
                },
                async {
                    match (&named.deployment, &caller) {
                        (Some(deployment), caller) => iam::simulate(clients, named, deployment, caller.as_ref()).await.map(Some),
                        (None, _) => Ok(None),
                    }
                },
            );
            Ok::<_, CollectError>((bucket?, simulation?, linked))
        },
    );
    let (bucket, simulation, linked) = rest?;
    let mut snapshot = Snapshot::default();
    for part in [role?, key?, bucket, simulation, linked].into_iter().flatten() {
        snapshot.absorb(part);
    }
    Ok(snapshot)
}

async fn caller(clients: &Clients) -> Result<Result<Caller, String>, CollectError> {
    Ok(match super::ask("sts:GetCallerIdentity", clients.sts.get_caller_identity().send()).await? {
        Answer::Got(identity) => match (identity.arn(), identity.account()) {
            (Some(arn), Some(account)) => Ok(Caller { arn: arn.to_string(), account: account.to_string() }),
            _ => Err("sts:GetCallerIdentity answered without an ARN or account".to_string()),
        },
        Answer::Refused { reason, .. } => Err(reason),
    })
}

/// A snapshot part holding only why `member` is missing.
pub(super) fn not_captured(member: crate::model::Member, reason: String) -> Snapshot {
    Snapshot { not_captured: Some(BTreeMap::from([(member.name().to_string(), reason)])), ..Snapshot::default() }
}
