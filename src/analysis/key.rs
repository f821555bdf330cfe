//! The environment's customer managed key (RULES.md v3 "KMS"): which key KmsKey names, its metadata and its
//! key policy, from a snapshot (`Keys`, `KeyPolicies`, `KeyGrants`) or the template's or plan's key.

use crate::analysis::policy::Policy;
use crate::model::snapshot::{Grant, KeyMetadata};
use crate::model::{Member, Network};
use crate::target::{KeyGiven, Settings};

/// The key KmsKey names, as far as the input tells.
pub enum Lookup<'n> {
    /// No KmsKey: the AWS owned key, which none of the key rules judge.
    AwsOwned,
    Found(Key<'n>),
    /// Why the key cannot be judged (an alias, a value known at deployment).
    Unknown(String),
}

pub struct Key<'n> {
    /// What findings call it: the ARN or ID as given, or its logical ID or address in the code.
    pub name: String,
    /// The ARN given (or the ID: a key ID names a key of the environment's Region and account).
    pub given: Option<String>,
    /// Its `describe-key` metadata, or why the input does not hold it.
    pub metadata: Result<&'n KeyMetadata, String>,
    /// Its key policy, or why it is not known.
    pub policy: Result<Policy, String>,
    pub grants: &'n [Grant],
}

/// A key's ID, whether given by ARN (`arn:...:key/ID`) or by ID.
pub fn key_id(text: &str) -> &str {
    text.rsplit_once("key/").map_or(text, |(_, id)| id)
}

/// Whether KmsKey names an alias (KMS001's finding): the key it stands for is not resolved.
pub fn is_alias(text: &str) -> bool {
    text.starts_with("alias/") || text.contains(":alias/")
}

pub fn environment_key<'n>(network: &'n Network, settings: &Settings) -> Lookup<'n> {
    let snapshot = &network.snapshot;
    let (name, code) = match (&settings.kms_key_given, &settings.kms_key) {
        (Some(KeyGiven::ArnOf(id) | KeyGiven::KeyIdOf(id)), _) => (id.clone(), true),
        (Some(KeyGiven::AliasOf(alias)), _) => {
            return Lookup::Unknown(format!("KmsKey is the alias {alias}, which names no key MWAA takes (KMS001)"))
        }
        (Some(KeyGiven::Unknown(why)), _) => {
            return Lookup::Unknown(format!("the environment's KmsKey is known only at deployment: {why}"))
        }
        (Some(KeyGiven::Text(text)), _) | (None, Some(text)) => (text.clone(), false),
        (None, None) => return Lookup::AwsOwned,
    };
    if is_alias(&name) {
        return Lookup::Unknown(format!("KmsKey is the alias {name}, which names no key MWAA takes (KMS001)"));
    }
    let id = key_id(&name);
    let metadata = snapshot
        .keys
        .iter()
        .flatten()
        .find(|k| k.arn.as_deref() == Some(name.as_str()) || k.key_id == name || k.key_id == id)
        .ok_or_else(|| network.gap(Member::Keys, || format!("Keys does not hold {name}")));
    let keys: Vec<&str> =
        [Some(name.as_str()), metadata.as_ref().ok().and_then(|m| m.arn.as_deref()), metadata.as_ref().ok().map(|m| m.key_id.as_str())]
            .into_iter()
            .flatten()
            .collect();
    let policy = match keys.iter().find_map(|k| snapshot.key_policies.as_ref()?.get(*k)) {
        Some(policy) if policy.policy.0.starts_with("<unknown: ") => Err(format!("the key policy of {name} is known only at deployment")),
        Some(policy) => {
            Policy::labelled(&policy.policy.0, "the key policy").map_err(|why| format!("the key policy of {name} is not a policy: {why}"))
        }
        None => Err(network.gap(Member::KeyPolicies, || format!("KeyPolicies does not hold {name}"))),
    };
    let grants = keys.iter().find_map(|k| snapshot.key_grants.as_ref()?.get(*k)).map_or(&[][..], Vec::as_slice);
    Lookup::Found(Key { given: (!code).then(|| name.clone()), name, metadata, policy, grants })
}

/// The Region and account of a key ARN (`arn:PARTITION:kms:REGION:ACCOUNT:key/ID`).
pub fn location(arn: &str) -> Option<(&str, &str)> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", _, "kms", region, account, _] => Some((region, account)),
        _ => None,
    }
}
