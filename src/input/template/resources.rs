//! CloudFormation's front end to the resource descriptions (`iac::types`): each resource's properties,
//! evaluated, by name; what `Ref` and `GetAtt` give. A resource's ID is its logical ID. What the template
//! only refers to (an existing VPC, subnets passed as parameters) comes from the base snapshot, else its
//! member is unknown.

use std::collections::HashMap;

use super::eval::{error, Context, EvalError, Resolver, Value};
use super::yaml::{Node, Spot, Value as Yaml};
use crate::input::iac::props::{Dialect, Props, Reference};
use crate::input::iac::types::{self, Attribute};
use crate::input::iac::{props, Built, Located, Model, Scope};
use crate::model::snapshot::Snapshot;
use crate::model::Member;

/// A resource of one template.
#[derive(Clone)]
pub struct Resource<'d> {
    /// The ID in the model: the logical ID, prefixed with its stack's name (`AppStack/Sg`) when another
    /// template given has the same logical ID (each stack is its own namespace).
    pub id: String,
    /// The logical ID as the template writes it, what `Ref` and `GetAtt` name within its stack.
    pub logical: String,
    pub kind: String,
    pub node: &'d Node,
    pub at: Spot,
}

/// One template with its deployment context: evaluates properties, and answers `Ref` and `GetAtt`.
pub struct Stack<'d> {
    pub ctx: Context<'d>,
    pub resources: Vec<Resource<'d>>,
    index: HashMap<String, usize>,
}

impl<'d> Stack<'d> {
    pub fn new(ctx: Context<'d>, resources: Vec<Resource<'d>>) -> Self {
        let index = resources.iter().enumerate().map(|(i, r)| (r.logical.clone(), i)).collect();
        Self { ctx, resources, index }
    }

    pub fn resource(&self, id: &str) -> Option<&Resource<'d>> {
        self.index.get(id).and_then(|&i| self.resources.get(i))
    }

    /// A property of a resource, evaluated (`None`: absent or AWS::NoValue).
    pub fn property(&self, resource: &Resource<'_>, name: &str) -> Result<Option<Value>, EvalError> {
        match resource.node.get("Properties").and_then(|p| p.get(name)) {
            Some(node) => self.ctx.eval(node, self),
            None => Ok(None),
        }
    }

    /// Whether the resource is created: its `Condition`, if any, holds.
    pub fn created(&self, resource: &Resource<'_>) -> Result<bool, EvalError> {
        let Some(condition) = resource.node.get("Condition") else { return Ok(true) };
        let name = condition.as_str().ok_or_else(|| error(condition.at, "a resource's Condition is a condition name"))?;
        self.ctx.condition(name, condition.at, self)?.ok_or_else(|| {
            error(condition.at, format!("whether {} is created depends on condition {name}, which depends on what only the deployment knows: pass the parameters it reads with --parameter", resource.id))
        })
    }
}

impl Resolver for Stack<'_> {
    fn reference(&self, id: &str) -> Option<Value> {
        let resource = self.resource(id)?;
        Some(match resource.kind.as_str() {
            "AWS::S3::Bucket" => match self.property(resource, "BucketName") {
                Ok(Some(name)) => name,
                // The name CloudFormation generates: one symbol, the same wherever the template names it.
                _ => Value::Text(format!("{{{id}.BucketName}}")),
            },
            _ => Value::Text(resource.id.clone()),
        })
    }

    fn attribute(&self, id: &str, attribute: &str, at: Spot) -> Option<Result<Value, EvalError>> {
        let resource = self.resource(id)?;
        let property = |name: &str| -> Result<Value, EvalError> {
            self.property(resource, name)?.ok_or_else(|| error(at, format!("GetAtt {id}.{attribute}: {id} has no {name}")))
        };
        let unknown = || Ok(Value::Unknown(format!("{id}.{attribute}, known after deployment")));
        if let Some(gives) = types::cloudformation(&resource.kind).and_then(|t| t.attribute(attribute)) {
            return Some(match gives {
                Attribute::Id => Ok(Value::Text(resource.id.clone())),
                Attribute::Own => Ok(Value::Text(format!("{}.{attribute}", resource.id))),
                Attribute::Property(name) => property(name),
            });
        }
        Some(match (resource.kind.as_str(), attribute) {
            // A nested stack's output, when its template is among those read (a CDK assembly's).
            ("AWS::CloudFormation::Stack", output) if output.starts_with("Outputs.") => {
                let name = &output["Outputs.".len()..];
                let stack = super::cdk_out::nested_stack_name(&self.ctx.stack_name, id);
                Ok(self.ctx.outputs.by_stack.get(&(stack.clone(), name.to_string())).cloned().unwrap_or_else(|| {
                    Value::Unknown(format!("the output {name} of nested stack {id} (its template is not among those read)"))
                }))
            }
            ("AWS::S3::Bucket", "Arn") => match self.reference(id) {
                Some(Value::Text(name)) => Ok(Value::Text(format!("arn:{}:s3:::{name}", self.ctx.partition()))),
                _ => unknown(),
            },
            _ => unknown(),
        })
    }
}

/// `!GetAtt R.A` or `Fn::GetAtt: [R, A]` as (R, A).
fn get_att(node: &Node) -> Option<(String, String)> {
    let target = match (node.tag.as_deref(), node.entries()) {
        (Some("GetAtt"), _) => node,
        (None, Some([(key, value)])) if key.as_str() == Some("Fn::GetAtt") => value,
        _ => return None,
    };
    match &target.value {
        Yaml::Scalar { text } => text.split_once('.').map(|(r, a)| (r.to_string(), a.to_string())),
        Yaml::Seq(items) => match items.as_slice() {
            [resource, attribute] => Some((resource.as_str()?.to_string(), attribute.as_str()?.to_string())),
            _ => None,
        },
        Yaml::Map(_) => None,
    }
}

/// One resource of one template (the `source`-th read), as the descriptions read it.
struct Read<'s, 'd> {
    stack: &'s Stack<'d>,
    resource: &'s Resource<'d>,
    source: usize,
}

impl Read<'_, '_> {
    fn located(&self, e: EvalError) -> Located {
        Located { source: self.source, offset: e.at.offset, message: e.message }
    }

    fn node(&self, name: &str) -> Option<&Node> {
        self.resource.node.get("Properties").and_then(|p| p.get(name))
    }
}

impl props::Resource for Read<'_, '_> {
    fn id(&self) -> &str {
        &self.resource.id
    }

    fn name(&self) -> &str {
        &self.resource.id
    }

    fn kind(&self) -> &str {
        &self.resource.kind
    }

    fn value(&self, name: &str) -> Result<Option<Value>, Located> {
        self.stack.property(self.resource, name).map_err(|e| self.located(e))
    }

    fn written(&self, name: &str) -> String {
        name.to_string()
    }

    fn error(&self, name: &str, message: String) -> Located {
        let at = self.node(name).map_or(self.resource.at, |n| n.at);
        self.located(error(at, message))
    }

    /// `!GetAtt R.A`, or a value that is a resource's ID (`!Ref R`, also inside `!If`).
    fn reference(&self, name: &str) -> Option<Reference> {
        let (id, attribute) = match self.node(name).and_then(get_att) {
            Some((logical, attribute)) => (self.stack.resource(&logical)?.id.clone(), Some(attribute)),
            None => match self.value(name) {
                Ok(Some(Value::Text(id))) => (id, None),
                _ => return None,
            },
        };
        let target = self.stack.resources.iter().find(|r| r.id == id)?;
        Some(Reference { kind: target.kind.clone(), id, attribute })
    }

    fn exists(&self) -> bool {
        false
    }

    fn at(&self) -> (usize, usize) {
        (self.source, self.resource.at.offset)
    }

    fn dialect(&self) -> Dialect {
        Dialect::CloudFormation
    }
}

/// The templates' network on top of `base` (a snapshot, or nothing).
/// An error names the template (by index) it is in.
pub fn build(stacks: &[Stack<'_>], base: Option<Snapshot>, region: &str) -> Result<Built, Located> {
    let alone = base.is_none();
    let mut model = Model::new(base, "template", region);
    let mut unmodeled: Vec<String> = Vec::new();
    for (source, stack) in stacks.iter().enumerate() {
        for resource in &stack.resources {
            let read = Read { stack, resource, source };
            if !stack.created(resource).map_err(|e| read.located(e))? {
                continue;
            }
            // The order CloudFormation creates in: what the resource refers to or depends on.
            let mut names = Vec::new();
            super::dependencies(resource.node, &mut names);
            let ids = names.iter().filter_map(|n| stack.resource(n)).map(|r| r.id.clone()).collect();
            model.dependencies.insert(resource.id.clone(), ids);
            // CloudFormation evaluates every property, those the tool does not model too: a function it
            // would refuse there (a malformed Fn::If, a Ref to nothing) is refused here, located.
            if let Some(properties) = resource.node.get("Properties") {
                stack.ctx.eval(properties, stack).map_err(|e| read.located(e))?;
            }
            match types::cloudformation(&resource.kind) {
                Some(description) => (description.read)(&mut model, &Props { resource: &read })?,
                None => {
                    let kind = &resource.kind;
                    if kind.starts_with("Custom::") || kind == "AWS::CloudFormation::CustomResource" {
                        custom_resource(&mut model, stack, resource);
                    }
                    if !unmodeled.contains(kind) {
                        unmodeled.push(kind.clone());
                    }
                }
            }
        }
    }
    model.into_built(unmodeled, alone)
}

/// A custom resource runs code at deployment that the tool cannot follow: what it names among the
/// resources that shape a flow (groups, route tables, NACLs, endpoints) is unknown, with its name, so the
/// checks that depend on them are skipped, never passed. Subnets and VPCs it names (to tag or look them
/// up, commonly) keep their verdicts.
fn custom_resource(model: &mut Model, stack: &Stack<'_>, resource: &Resource<'_>) {
    let mut names = Vec::new();
    if let Some(properties) = resource.node.get("Properties") {
        super::dependencies(properties, &mut names);
    }
    for target in names.iter().filter_map(|name| stack.resource(name)) {
        let why = format!(
            "custom resource {} ({}) acts on {} at deployment, which the tool cannot follow",
            resource.id, resource.kind, target.id
        );
        match target.kind.as_str() {
            "AWS::EC2::SecurityGroup" => model.unknown(Member::SecurityGroups, why),
            "AWS::EC2::RouteTable" => model.unknown(Scope::RouteTable(&target.id), why),
            "AWS::EC2::NetworkAcl" => model.unknown(Member::NetworkAcls, why),
            "AWS::EC2::VPCEndpoint" => model.unknown(Member::VpcEndpoints, why),
            _ => {}
        }
    }
}
