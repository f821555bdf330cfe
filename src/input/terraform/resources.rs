//! Terraform's front end to the resource descriptions (`iac::types`): each instance's attributes by their
//! CloudFormation names. A resource's ID is its AWS ID once it exists, else its address; an attribute known
//! only after apply resolves through the configuration's references when it is an identity
//! (`aws_subnet.private[0].id`), is unknown when it is a fact, and is absent (AWS's default) when the
//! configuration does not set it.

use std::collections::HashMap;

use serde_json::Value;

use super::{Instance, Parsed};
use crate::input::iac::props::{self, Dialect, Props, Reference};
use crate::input::iac::types::{self, Type};
use crate::input::iac::{Built, Located, Model, Value as Property};
use crate::model::snapshot::Snapshot;

/// An instance's ID: its AWS ID once it exists, else its address (what findings name until apply).
pub fn id_of(instance: &Instance) -> String {
    instance.values.get("id").and_then(Value::as_str).filter(|id| !id.is_empty()).map_or_else(|| instance.address.clone(), str::to_string)
}

fn walk<'v>(value: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(value, |v, key| match v {
        Value::Object(map) => map.get(*key),
        Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    })
}

struct Reader<'p> {
    parsed: &'p Parsed,
    /// (module path, config address) -> the instances.
    by_config: HashMap<(String, String), Vec<&'p Instance>>,
    /// The partition of the Region the plan deploys to, for the ARNs only the apply tells.
    partition: &'static str,
}

impl<'p> Reader<'p> {
    fn new(parsed: &'p Parsed, region: &str) -> Self {
        let mut by_config: HashMap<(String, String), Vec<&Instance>> = HashMap::new();
        for instance in &parsed.instances {
            by_config.entry((instance.module.clone(), instance.config_address.clone())).or_default().push(instance);
        }
        Self { parsed, by_config, partition: crate::model::partition(region) }
    }

    /// The references an attribute's expression makes, as written (`aws_kms_key.this.arn`), each only in
    /// its longest form.
    fn written_references(&self, instance: &Instance, path: &[&str]) -> Vec<String> {
        let expressions = self.parsed.expressions.get(&(instance.module.clone(), instance.config_address.clone()));
        let all: Vec<&str> = expressions
            .and_then(|e| walk(e, path))
            .and_then(|e| e.get("references"))
            .and_then(Value::as_array)
            .map(|items| items.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let prefix_of_another = |r: &str| all.iter().any(|o| o.len() > r.len() && o.starts_with(r));
        all.iter().filter(|r| !prefix_of_another(r)).map(|r| r.to_string()).collect()
    }

    /// The instances an instance refers to or depends on (`depends_on`), by ID: the order Terraform applies in.
    fn dependencies(&self, instance: &Instance) -> Vec<String> {
        let key = (instance.module.clone(), instance.config_address.clone());
        let mut written: Vec<String> = self.parsed.depends_on.get(&key).cloned().unwrap_or_default();
        fn collect(value: &Value, out: &mut Vec<String>) {
            match value {
                Value::Object(map) => {
                    for (k, v) in map {
                        match (k.as_str(), v) {
                            ("references", Value::Array(items)) => out.extend(items.iter().filter_map(Value::as_str).map(str::to_string)),
                            _ => collect(v, out),
                        }
                    }
                }
                Value::Array(items) => items.iter().for_each(|i| collect(i, out)),
                _ => {}
            }
        }
        if let Some(expressions) = self.parsed.expressions.get(&key) {
            collect(expressions, &mut written);
        }
        let mut ids = Vec::new();
        for reference in written {
            // `aws_iam_role_policy.x.id`, `data.aws_iam_role.x.arn`: the resource is the first two parts (three for data).
            let parts: Vec<&str> = reference.split('.').collect();
            let take = if parts.first() == Some(&"data") { 3 } else { 2 };
            let Some(resource) = parts.get(..take).map(|p| p.join(".")) else { continue };
            let resource = resource.split('[').next().unwrap_or(&resource).to_string();
            for target in self.by_config.get(&(instance.module.clone(), resource)).into_iter().flatten() {
                let id = id_of(target);
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
        ids
    }

    /// The identity an unknown attribute names through the configuration's references.
    fn expression(&self, instance: &Instance, path: &[&str]) -> Option<Value> {
        let expressions = self.parsed.expressions.get(&(instance.module.clone(), instance.config_address.clone()))?;
        // Blocks are lists in values and in expressions alike (network_configuration[0].subnet_ids).
        let expression = walk(expressions, path)?;
        self.references(&instance.module, instance.index.as_ref(), expression.get("references")?)
    }

    /// Every resource the references name, each once (`aws_subnet.a.id` and `aws_subnet.a` are one): a list
    /// expression `[aws_subnet.a.id, aws_subnet.b.id]` is both subnets, however the plan holds it.
    fn references(&self, module: &str, index: Option<&Value>, references: &Value) -> Option<Value> {
        let mut values: Vec<Value> = Vec::new();
        let all: Vec<&str> = references.as_array()?.iter().filter_map(Value::as_str).collect();
        // Terraform lists an expression's traversal with each of its prefixes (`aws_instance.nat[0].primary_network_interface_id`,
        // `aws_instance.nat[0]`, `aws_instance.nat`): the longest names the value.
        let prefix_of_another =
            |r: &str| all.iter().any(|o| o.len() > r.len() && o.starts_with(r) && matches!(o.as_bytes()[r.len()], b'.' | b'['));
        for reference in all.iter().copied().filter(|r| !prefix_of_another(r)) {
            let named = match self.reference(module, index, reference) {
                Some(Value::Array(items)) => items,
                Some(one) => vec![one],
                None => continue,
            };
            for value in named {
                if !values.contains(&value) {
                    values.push(value);
                }
            }
        }
        match values.len() {
            0 => None,
            1 => values.pop(),
            _ => Some(Value::Array(values)),
        }
    }

    /// One reference (`aws_vpc.this.id`, `aws_subnet.private[0].id`, `aws_subnet.private`,
    /// `module.vpc.private_subnets`, `data.aws_subnets.x.ids`) as the ID(s) it names, or a known attribute.
    fn reference(&self, module: &str, index: Option<&Value>, reference: &str) -> Option<Value> {
        if let Some(rest) = reference.strip_prefix("module.") {
            let (name, output) = rest.split_once('.')?;
            let child = if module.is_empty() { format!("module.{name}") } else { format!("{module}.module.{name}") };
            let output = output.split(['.', '[']).next()?;
            let expression = self.parsed.outputs.get(&(child.clone(), output.to_string()))?;
            return self.references(&child, None, expression.get("references")?);
        }
        let (data, rest) = match reference.strip_prefix("data.") {
            Some(rest) => (true, rest),
            None => (false, reference),
        };
        let mut parts = rest.splitn(3, '.');
        let (kind, name_and_index) = (parts.next()?, parts.next()?);
        if !kind.starts_with("aws_") {
            return None; // var., local., count., each., path.: values, not resources
        }
        let attribute = parts.next();
        let (name, explicit) = match name_and_index.split_once('[') {
            Some((name, key)) => (name, Some(key.trim_end_matches(']').trim_matches('"').to_string())),
            None => (name_and_index, None),
        };
        let config = if data { format!("data.{kind}.{name}") } else { format!("{kind}.{name}") };
        let candidates = self.by_config.get(&(module.to_string(), config))?;
        let key = |v: &Value| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let chosen: Vec<&&Instance> = match (&explicit, index) {
            (Some(k), _) => candidates.iter().filter(|c| c.index.as_ref().map(key).as_deref() == Some(k.as_str())).collect(),
            // `element(aws_subnet.private[*].id, count.index)` and the like: the instance of the same index.
            (None, Some(i)) if candidates.iter().any(|c| c.index.as_ref() == Some(i)) => {
                candidates.iter().filter(|c| c.index.as_ref() == Some(i)).collect()
            }
            (None, _) => candidates.iter().collect(),
        };
        let values: Vec<Value> = chosen.iter().filter_map(|c| attribute_value(c, attribute, self.partition)).collect();
        match values.as_slice() {
            [] => None,
            [one] => Some(one.clone()),
            _ => Some(Value::Array(values)),
        }
    }
}

/// What a reference to `attribute` of an instance gives: its ID, the ID of what its VPC brings, or a known
/// attribute.
fn attribute_value(instance: &Instance, attribute: Option<&str>, partition: &str) -> Option<Value> {
    let id = id_of(instance);
    let known = |name: &str| instance.values.get(name).and_then(Value::as_str).filter(|v| !v.is_empty());
    // A new bucket's ARN is its name's, which the configuration gives (or the apply generates: a symbol).
    if instance.kind == "aws_s3_bucket" && attribute == Some("arn") && known("arn").is_none() {
        let bucket = known("bucket").map_or_else(|| format!("{{{}.BucketName}}", instance.address), str::to_string);
        return Some(Value::String(format!("arn:{partition}:s3:::{bucket}")));
    }
    let suffix = match attribute.map(|a| a.split(['.', '[']).next().unwrap_or(a)) {
        None | Some("id") => return Some(Value::String(id)),
        Some("default_route_table_id" | "main_route_table_id") => "MainRouteTable",
        Some("default_network_acl_id") => "DefaultNetworkAcl",
        Some("default_security_group_id") => "DefaultSecurityGroup",
        Some("primary_network_interface_id") => "PrimaryNetworkInterface",
        Some(service @ ("database_vpc_endpoint_service" | "webserver_vpc_endpoint_service")) => service,
        // The version an object the plan uploads will have: one symbol wherever the plan names it.
        Some("version_id") if instance.kind == "aws_s3_object" => "version_id",
        Some(other) => return instance.values.get(other).filter(|v| !v.is_null()).cloned(),
    };
    Some(Value::String(instance.values.get(attribute?).and_then(Value::as_str).map_or_else(|| format!("{id}.{suffix}"), str::to_string)))
}

/// One instance as the descriptions read it: its attributes under CloudFormation's names, each known,
/// resolved through the references that name it, unknown, or absent.
struct Planned<'r, 'p> {
    reader: &'r Reader<'p>,
    instance: &'p Instance,
    id: String,
    description: &'static Type,
    properties: Property,
}

impl<'r, 'p> Planned<'r, 'p> {
    fn new(reader: &'r Reader<'p>, instance: &'p Instance, description: &'static Type) -> Self {
        let mut planned = Planned { reader, instance, id: id_of(instance), description, properties: Property::Map(Vec::new()) };
        planned.properties = planned.convert(&instance.values, &instance.unknown, &mut Vec::new()).unwrap_or(Property::Map(Vec::new()));
        planned
    }

    /// A value of the plan at `path` as a property (`None`: absent), `unknown` its `after_unknown` mask.
    fn convert(&self, value: &Value, unknown: &Value, path: &mut Vec<String>) -> Option<Property> {
        if unknown == &Value::Bool(true) {
            let at: Vec<&str> = path.iter().map(String::as_str).collect();
            let expressions = self.reader.parsed.expressions.get(&(self.instance.module.clone(), self.instance.config_address.clone()));
            // Not set by the configuration: the provider leaves it to AWS's default.
            if expressions.is_none_or(|e| walk(e, &at).is_none()) {
                return None;
            }
            return Some(match self.reader.expression(self.instance, &at) {
                Some(Value::Array(named)) => {
                    Property::Referenced(named.iter().filter_map(|v| self.convert(v, &Value::Null, path)).collect())
                }
                Some(one) => Property::Referenced(self.convert(&one, &Value::Null, path).into_iter().collect()),
                None => Property::Unknown(format!("{}.{} is known only after apply", self.instance.address, at.join("."))),
            });
        }
        Some(match value {
            Value::Null => return None,
            Value::String(text) if text.is_empty() => return None,
            Value::String(text) => Property::Text(text.clone()),
            Value::Number(n) => Property::Text(n.to_string()),
            Value::Bool(b) => Property::Text(b.to_string()),
            Value::Array(items) => {
                let mut out = Vec::new();
                // The mask of a list is a list, or an object by index.
                let mask = |i: usize| unknown.get(i).or_else(|| unknown.get(i.to_string())).unwrap_or(&Value::Null);
                for (i, item) in items.iter().enumerate() {
                    path.push(i.to_string());
                    out.extend(self.convert(item, mask(i), path));
                    path.pop();
                }
                Property::List(out)
            }
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.extend(unknown.as_object().into_iter().flat_map(|m| m.keys()).filter(|k| !map.contains_key(*k)));
                let mut entries = Vec::new();
                for key in keys {
                    path.push(key.clone());
                    let converted =
                        self.convert(map.get(key).unwrap_or(&Value::Null), unknown.get(key.as_str()).unwrap_or(&Value::Null), path);
                    path.pop();
                    entries.extend(converted.map(|v| (self.cloudformation_name(key), v)));
                }
                Property::Map(entries)
            }
        })
    }

    fn cloudformation_name(&self, attribute: &str) -> String {
        match self.description.renamed.iter().find(|(provider, _)| *provider == attribute) {
            Some((_, name)) => name.to_string(),
            None => crate::text::pascal_case(attribute),
        }
    }
}

impl props::Resource for Planned<'_, '_> {
    fn id(&self) -> &str {
        &self.id
    }

    fn name(&self) -> &str {
        &self.instance.address
    }

    fn kind(&self) -> &str {
        &self.instance.kind
    }

    fn value(&self, name: &str) -> Result<Option<Property>, Located> {
        Ok(self.properties.get(name).cloned())
    }

    fn written(&self, name: &str) -> String {
        match self.description.renamed.iter().find(|(_, cloudformation)| *cloudformation == name) {
            Some((provider, _)) => provider.to_string(),
            None => crate::text::snake_case(name),
        }
    }

    fn error(&self, _: &str, message: String) -> Located {
        Located { source: 0, offset: self.instance.at.0, message }
    }

    /// The one reference the attribute's expression makes (`aws_kms_key.this.arn`).
    fn reference(&self, name: &str) -> Option<Reference> {
        let references = self.reader.written_references(self.instance, &[&self.written(name)]);
        let [reference] = references.as_slice() else { return None };
        let (resource, attribute) = reference.rsplit_once('.')?;
        let kind = resource.strip_prefix("data.").unwrap_or(resource).split('.').next()?;
        Some(Reference { kind: kind.to_string(), id: resource.to_string(), attribute: Some(self.cloudformation_name(attribute)) })
    }

    fn exists(&self) -> bool {
        self.instance.values.get("id").and_then(Value::as_str).is_some_and(|id| !id.is_empty())
    }

    fn at(&self) -> (usize, usize) {
        (0, self.instance.at.0)
    }

    fn dialect(&self) -> Dialect {
        Dialect::Terraform
    }
}

/// The plan's network on top of `base` (a snapshot of what exists, or nothing).
pub fn build(parsed: &Parsed, base: Option<Snapshot>, region: &str) -> Result<Built, Located> {
    let alone = base.is_none();
    let mut model = Model::new(base, "plan", region);
    let reader = Reader::new(parsed, region);
    let mut unmodeled: Vec<String> = Vec::new();
    for instance in &parsed.instances {
        model.dependencies.insert(id_of(instance), reader.dependencies(instance));
        match types::terraform(&instance.kind, instance.data) {
            Some(description) => {
                let planned = Planned::new(&reader, instance, description);
                (description.read)(&mut model, &Props { resource: &planned })?;
            }
            None if !instance.data
                && instance.kind.starts_with("aws_")
                && !NOT_NETWORK.iter().any(|p| instance.kind.starts_with(p))
                && !unmodeled.contains(&instance.kind) =>
            {
                unmodeled.push(instance.kind.clone());
            }
            None => {}
        }
    }
    model.into_built(unmodeled, alone)
}

/// Types that are no part of a network, listed nowhere (IAM, S3, logs and the like).
const NOT_NETWORK: [&str; 8] =
    ["aws_iam_", "aws_s3_", "aws_cloudwatch_", "aws_kms_", "aws_ecr_", "aws_ecs_", "aws_secretsmanager_", "aws_ssm_"];
