//! The customer managed key (RULES.md "KMS"), as the snapshot members `aws kms` fills: `Keys`, `KeyPolicies`,
//! `KeyGrants`, all three asked at once (the key is named by ARN or ID, which each call takes).

use std::collections::BTreeMap;

use super::named::not_captured;
use super::{ask, Answer, Clients, CollectError};
use crate::model::snapshot::{Grant, KeyMetadata, KeyPolicy, PolicyDocument, Snapshot};
use crate::model::Member;

pub(super) async fn key(clients: &Clients, key: &str) -> Result<Snapshot, CollectError> {
    let kms = &clients.kms;
    let (described, policy, grants) = tokio::join!(
        ask("kms:DescribeKey", kms.describe_key().key_id(key).send()),
        ask("kms:GetKeyPolicy", kms.get_key_policy().key_id(key).policy_name("default").send()),
        ask("kms:ListGrants", paged!(kms.list_grants().key_id(key), grants, next_marker)),
    );
    let mut part = Snapshot::default();
    // The members are keyed by the key's ARN; before DescribeKey answers, by the name given.
    let mut arn = key.to_string();
    match described? {
        Answer::Got(answer) => {
            let metadata =
                answer.key_metadata().ok_or_else(|| CollectError::Unparsable("kms:DescribeKey answered without metadata".into()))?;
            arn = metadata.arn().unwrap_or(key).to_string();
            part.keys = Some(vec![KeyMetadata {
                key_id: metadata.key_id().to_string(),
                arn: metadata.arn().map(str::to_string),
                key_state: metadata.key_state().map(|s| s.as_str().to_string()),
                enabled: Some(metadata.enabled()),
                key_spec: metadata.key_spec().map(|s| s.as_str().to_string()),
                // The older name of KeySpec, kept as describe-key prints it.
                #[allow(deprecated)]
                customer_master_key_spec: metadata.customer_master_key_spec().map(|s| s.as_str().to_string()),
                key_usage: metadata.key_usage().map(|u| u.as_str().to_string()),
                multi_region: metadata.multi_region(),
                key_manager: metadata.key_manager().map(|m| m.as_str().to_string()),
            }]);
        }
        Answer::Refused { reason, .. } => part.absorb(not_captured(Member::Keys, reason)),
    }
    match policy? {
        Answer::Got(answer) => {
            let text = answer.policy().ok_or_else(|| CollectError::Unparsable("kms:GetKeyPolicy answered without a policy".into()))?;
            let policy = KeyPolicy { policy: PolicyDocument(text.to_string()), policy_name: answer.policy_name().map(str::to_string) };
            part.key_policies = Some(BTreeMap::from([(arn.clone(), policy)]));
        }
        Answer::Refused { reason, .. } => part.absorb(not_captured(Member::KeyPolicies, reason)),
    }
    match grants? {
        Answer::Got(grants) => {
            let grants = grants
                .iter()
                .map(|g| Grant {
                    grantee_principal: g.grantee_principal().map(str::to_string),
                    operations: g.operations().iter().map(|o| o.as_str().to_string()).collect(),
                })
                .collect();
            part.key_grants = Some(BTreeMap::from([(arn, grants)]));
        }
        Answer::Refused { reason, .. } => part.absorb(not_captured(Member::KeyGrants, reason)),
    }
    Ok(part)
}
