//! IAM roles and the policies that give them permissions: what the execution role rules read (RULES.md v3
//! "ROLE"). A role's key in the model is its name when the code gives one, else its ID; the policies that
//! name it (by either) join it once every resource is read.

use super::Attribute::{Id, Own};
use super::Type;
use crate::input::iac::props::{Dialect, Props};
use crate::input::iac::{list, Located, Model, RoleLink, Value};
use crate::model::policy::Policy;
use crate::model::snapshot::*;

pub const ROLE: Type = Type::new(&["AWS::IAM::Role"], &["aws_iam_role"], role)
    .data(&["aws_iam_role"])
    .renamed(&[("assume_role_policy", "AssumeRolePolicyDocument")])
    .attributes(&[("Arn", Id), ("RoleId", Own)]);

pub const TYPES: &[Type] = &[
    ROLE,
    // An inline policy of its own: CloudFormation's AWS::IAM::Policy names roles, AWS::IAM::RolePolicy one.
    Type::new(&["AWS::IAM::Policy"], &[], inline_policy),
    Type::new(&["AWS::IAM::RolePolicy"], &["aws_iam_role_policy"], inline_policy).renamed(&[
        ("role", "RoleName"),
        ("name", "PolicyName"),
        ("policy", "PolicyDocument"),
    ]),
    Type::new(&["AWS::IAM::ManagedPolicy"], &["aws_iam_policy"], managed_policy)
        .renamed(&[("name", "ManagedPolicyName"), ("policy", "PolicyDocument")]),
    Type::new(&[], &["aws_iam_role_policy_attachment", "aws_iam_policy_attachment"], attachment),
];

/// A policy document as the code gives it: JSON text, or a mapping (YAML, or a plan's decoded `jsonencode`),
/// with what only the deployment knows left as `<unknown: why>` inside. A document with nothing unknown
/// that IAM would refuse is refused here, located.
pub(super) fn document(props: &Props<'_>, name: &str) -> Result<Option<PolicyDocument>, Located> {
    let text = match props.value(name)? {
        None => return Ok(None),
        Some(Value::Text(text)) => text,
        Some(Value::Unknown(why)) => return Ok(Some(PolicyDocument(format!("<unknown: {why}>")))),
        Some(value) => value.to_json().to_string(),
    };
    if !text.contains("<unknown:") {
        Policy::parse(&text).map_err(|why| props.refuse(name, format!("is not a policy IAM takes: {why}")))?;
    }
    Ok(Some(PolicyDocument(text)))
}

/// The role names or IDs a property gives (one, or a list).
fn names(props: &Props<'_>, name: &str) -> Result<Vec<Result<String, String>>, Located> {
    let Some(value) = props.value(name)? else { return Ok(Vec::new()) };
    let items = match &value {
        Value::List(items) => items.clone(),
        one => vec![one.clone()],
    };
    Ok(items.iter().map(|item| item.fact().unwrap_or_else(|_| Err(format!("{name} is not a role name")))).collect())
}

fn role(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    let id = props.id().to_string();
    let name = match props.dialect() {
        Dialect::CloudFormation => props.plain("RoleName")?,
        Dialect::Terraform => props.plain("Name")?,
    };
    let key = name.unwrap_or_else(|| id.clone());
    let existing = props.resource.exists();
    let arn = match existing {
        // What exists already (a state's role, a data source) has its ARN; a new one is named by its ID.
        true => props.plain("Arn")?.unwrap_or_else(|| id.clone()),
        false => id.clone(),
    };
    let boundary = props.plain("PermissionsBoundary")?.map(|arn| PermissionsBoundary { permissions_boundary_arn: arn });
    list(&mut model.snapshot.roles).push(Role {
        role_name: key.clone(),
        arn,
        assume_role_policy_document: document(props, "AssumeRolePolicyDocument")?,
        permissions_boundary: boundary,
    });
    model.role_ids.push((id.clone(), key.clone()));
    // What the role itself holds is ordered with it: CloudFormation's Policies and ManagedPolicyArns, the
    // provider's inline_policy blocks and managed_policy_arns.
    let inline = match props.dialect() {
        Dialect::CloudFormation => ("Policies", "PolicyName", "PolicyDocument"),
        Dialect::Terraform => ("InlinePolicy", "Name", "Policy"),
    };
    let mut inline_policies = Vec::new();
    if !existing {
        match props.blocks(inline.0)? {
            Ok(blocks) => {
                for block in blocks {
                    let block = block.props();
                    let Some(policy_name) = block.plain(inline.1)? else { continue };
                    let Some(policy_document) = document(&block, inline.2)? else { continue };
                    inline_policies.push(RolePolicy { role_name: Some(key.clone()), policy_name, policy_document });
                }
            }
            Err(why) => inline_policies.push(RolePolicy {
                role_name: Some(key.clone()),
                policy_name: props.resource.written(inline.0),
                policy_document: PolicyDocument(format!("<unknown: {why}>")),
            }),
        }
        model.snapshot.role_policies.get_or_insert_with(Default::default).entry(key.clone()).or_default().extend(inline_policies);
        let attached = model.snapshot.attached_role_policies.get_or_insert_with(Default::default).entry(key.clone()).or_default();
        for arn in names(props, "ManagedPolicyArns")? {
            let policy_arn = arn.unwrap_or_else(|why| format!("<unknown: {why}>"));
            attached.push(AttachedPolicy { policy_name: None, policy_arn });
        }
    }
    Ok(())
}

/// `AWS::IAM::Policy` (`Roles`), `AWS::IAM::RolePolicy` and `aws_iam_role_policy` (`RoleName`): an inline
/// policy created apart from its role.
fn inline_policy(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    let Some(policy_document) = document(props, "PolicyDocument")? else { return Ok(()) };
    let policy_name = props.plain("PolicyName")?.unwrap_or_else(|| props.id().to_string());
    let mut roles = names(props, "Roles")?;
    roles.extend(names(props, "RoleName")?);
    for role in roles.into_iter().flatten() {
        let policy = RolePolicy { role_name: None, policy_name: policy_name.clone(), policy_document: policy_document.clone() };
        model.role_links.push((role, RoleLink::Inline { policy, source: props.id().to_string() }));
    }
    Ok(())
}

/// `AWS::IAM::ManagedPolicy` (attached through its `Roles`) and `aws_iam_policy` (attached by
/// attachments): its document, by its ID, which is what `!Ref` and a plan's reference to its ARN give.
fn managed_policy(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    let id = props.id().to_string();
    if let Some(document) = document(props, "PolicyDocument")? {
        model
            .snapshot
            .policy_versions
            .get_or_insert_with(Default::default)
            .insert(id.clone(), PolicyVersion { document, version_id: None });
    }
    let name = props.plain("ManagedPolicyName")?.unwrap_or_else(|| props.resource.name().to_string());
    for role in names(props, "Roles")?.into_iter().flatten() {
        let policy = AttachedPolicy { policy_name: Some(name.clone()), policy_arn: id.clone() };
        model.role_links.push((role, RoleLink::Attached { policy, source: id.clone() }));
    }
    Ok(())
}

/// The provider's attachments of a managed policy (its ARN, or the ID of an `aws_iam_policy`) to roles.
fn attachment(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    let policy_arn = match props.text("PolicyArn")? {
        Some(Ok(arn)) => arn,
        Some(Err(why)) => format!("<unknown: {why}>"),
        None => return Ok(()),
    };
    let mut roles = names(props, "Role")?;
    roles.extend(names(props, "Roles")?);
    for role in roles.into_iter().flatten() {
        let policy = AttachedPolicy { policy_name: None, policy_arn: policy_arn.clone() };
        model.role_links.push((role, RoleLink::Attached { policy, source: props.id().to_string() }));
    }
    Ok(())
}
