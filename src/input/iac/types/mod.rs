//! One description of each AWS resource type the tool reads, whatever the code's language: its names in
//! CloudFormation and in the AWS provider for Terraform, the provider's attributes whose names are not
//! CloudFormation's in snake case, and how its properties (defaults, what stays unknown) map onto the model.
//! A front end only finds the description by the type it reads and hands it the resource's properties.
//! Adding a resource type is one entry in one of these files.

use super::props::Props;
use super::{Located, Model};
use crate::model::snapshot::Snapshot;
use crate::model::Member;

mod buckets;
mod environment;
mod gateways;
mod groups;
mod identity;
mod network_acls;
mod routes;
mod services;
mod vpcs;

pub struct Type {
    /// CloudFormation's names of the type.
    pub cloudformation: &'static [&'static str],
    /// The AWS provider's resource types.
    pub terraform: &'static [&'static str],
    /// The AWS provider's data sources read as this type (what exists already).
    pub terraform_data: &'static [&'static str],
    /// Attributes (at any depth) whose CloudFormation name is not the snake case one: (provider, CloudFormation).
    pub renamed: &'static [(&'static str, &'static str)],
    /// What `GetAtt` of each of its attributes gives, by CloudFormation's name (a Terraform reference gives
    /// the ID for `.id`, else the attribute's known value).
    pub attributes: &'static [(&'static str, Attribute)],
    /// Puts the resource in the model.
    pub read: Read,
}

#[derive(Clone, Copy)]
pub enum Attribute {
    /// The resource's ID.
    Id,
    /// What the resource brings, named `{ID}.{attribute}` (a VPC's default security group).
    Own,
    /// A property's value.
    Property(&'static str),
}

impl Type {
    pub const fn new(cloudformation: &'static [&'static str], terraform: &'static [&'static str], read: Read) -> Self {
        Type { cloudformation, terraform, terraform_data: &[], renamed: &[], attributes: &[], read }
    }

    pub const fn data(self, terraform_data: &'static [&'static str]) -> Self {
        Type { terraform_data, ..self }
    }

    pub const fn renamed(self, renamed: &'static [(&'static str, &'static str)]) -> Self {
        Type { renamed, ..self }
    }

    pub const fn attributes(self, attributes: &'static [(&'static str, Attribute)]) -> Self {
        Type { attributes, ..self }
    }

    pub fn attribute(&self, name: &str) -> Option<Attribute> {
        self.attributes.iter().find(|(n, _)| *n == name).map(|(_, a)| *a)
    }
}

type Read = fn(&mut Model, &Props<'_>) -> Result<(), Located>;

/// A type read for what other resources say of it (a KMS key an environment names), nothing in the network.
pub fn nothing(_: &mut Model, _: &Props<'_>) -> Result<(), Located> {
    Ok(())
}

const FAMILIES: [&[Type]; 9] = [
    buckets::TYPES,
    vpcs::TYPES,
    gateways::TYPES,
    routes::TYPES,
    network_acls::TYPES,
    groups::TYPES,
    services::TYPES,
    environment::TYPES,
    identity::TYPES,
];

fn all() -> impl Iterator<Item = &'static Type> {
    FAMILIES.into_iter().flatten()
}

/// The description of a CloudFormation type.
pub fn cloudformation(kind: &str) -> Option<&'static Type> {
    all().find(|t| t.cloudformation.contains(&kind))
}

/// The description of a provider resource type, or of a data source (`data`).
pub fn terraform(kind: &str, data: bool) -> Option<&'static Type> {
    all().find(|t| if data { t.terraform_data.contains(&kind) } else { t.terraform.contains(&kind) })
}

/// Whether `kind` names `of` in either language.
pub fn is(kind: &str, of: &Type) -> bool {
    of.cloudformation.contains(&kind) || of.terraform.contains(&kind)
}

/// A route table or NACL, which Terraform's aws_default_* resource may adopt from its VPC (its ID then is
/// the VPC's `default_*_id`, `adopted_by`), with its VPC (an adopted one's: the VPC's that brought it):
/// (ID, VPC, adopted), or `None` when its VPC is not known (noted against `member`).
fn table_like(
    model: &mut Model,
    props: &Props<'_>,
    member: Member,
    adopted_by: &str,
    vpc_of: fn(&Snapshot, &str) -> Option<String>,
) -> Result<Option<(String, String, bool)>, Located> {
    let adopted = props.text(adopted_by)?;
    let default = adopted.is_some();
    let id = adopted.and_then(|a| model.known(member, a)).unwrap_or_else(|| props.id().to_string());
    let vpc = match props.text("VpcId")? {
        Some(vpc) => model.known(member, vpc).or_else(|| vpc_of(&model.snapshot, &id)),
        None if default => vpc_of(&model.snapshot, &id),
        None => return props.required("VpcId").map(|_| None),
    };
    match vpc {
        Some(vpc) => Ok(Some((id, vpc, default))),
        None => {
            model.unknown(member, format!("the VPC of {id} is not known"));
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_type_is_described_once() {
        let mut seen = std::collections::HashSet::new();
        for description in all() {
            let names = [
                ("cloudformation", description.cloudformation),
                ("terraform", description.terraform),
                ("data", description.terraform_data),
            ];
            assert!(names.iter().any(|(_, n)| !n.is_empty()), "a description without a type");
            for (language, kinds) in names {
                for kind in kinds {
                    assert!(seen.insert((language, *kind)), "{kind} is described twice");
                }
            }
        }
    }

    #[test]
    fn renamed_attributes_are_those_snake_case_does_not_give() {
        for description in all() {
            for (provider, cloudformation) in description.renamed {
                assert_ne!(crate::text::snake_case(cloudformation), *provider, "{provider} needs no renaming");
            }
        }
    }
}
