//! Terraform as an input source: the JSON of a saved plan (`terraform show -json PLANFILE`), of a state
//! (`terraform show -json`), or the raw state file a backend stores (`terraform.tfstate`, version 4). The
//! AWS provider's network resources become the snapshot model ([`resources`]); values known only after
//! apply resolve through the configuration's references where they are identities (an ID is the resource's
//! address until it exists), and stay unknown where they are facts.

mod resources;

use std::collections::HashMap;
use std::path::PathBuf;

use serde_json::Value;

use super::file::{read_bounded, FileError, InvalidFile, SnapshotFile};
use super::iac::{over_existing, targets, Built, Words};
use super::{target_error, AwsAccess, Input, InputError, Note, Scope, Selection, SourceFiles};
use crate::model::{Network, Snapshot};
use crate::target::Language;

/// The largest plan read: plans of large estates are tens of MB.
const MAX_PLAN_BYTES: u64 = 512 * 1024 * 1024;

/// What `check --terraform-plan` was given.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub path: PathBuf,
    pub region: Option<String>,
    /// `--snapshot`: the existing resources the plan only refers to.
    pub base: Option<PathBuf>,
    /// `--live`: read them from the account instead.
    pub live: Option<AwsAccess>,
}

const WORDS: Words = Words {
    language: Language::Terraform,
    environment: "aws_mwaa_environment",
    source: "the plan",
    has: "has",
    holds: "it holds",
    id: "address",
    id_flag: "ADDRESS",
    no_environment_help: "name the environment's subnets and security groups: --subnet-ids subnet-0a1b2c3d,subnet-0e1f2a3b (or resource addresses) --security-group-ids sg-0a1b2c3d",
};

/// One resource instance as the plan or state has it.
pub struct Instance {
    /// `module.vpc.aws_subnet.private[0]`
    pub address: String,
    /// `module.vpc` (indices dropped: configuration is per module call), empty for the root module.
    pub module: String,
    /// `aws_subnet.private`, or `data.aws_vpc.this`.
    pub config_address: String,
    pub data: bool,
    pub kind: String,
    pub index: Option<Value>,
    pub values: Value,
    /// `after_unknown`: which attributes only apply will tell.
    pub unknown: Value,
    /// Where its address (else its ID) is written in the file: offset and length.
    pub at: (usize, usize),
}

/// The plan's instances and its configuration (for references).
pub struct Parsed {
    pub instances: Vec<Instance>,
    /// (module path, config address) -> the resource's configuration `expressions`.
    pub expressions: HashMap<(String, String), Value>,
    /// (module path, config address) -> the resource's configuration `depends_on`.
    pub depends_on: HashMap<(String, String), Vec<String>>,
    /// (module path, output name) -> the output's `expression`.
    pub outputs: HashMap<(String, String), Value>,
    /// The provider's region, when the configuration states it.
    pub region: Option<String>,
    spots: HashMap<String, (usize, usize)>,
    /// Addresses read, to take each instance once.
    seen: std::collections::HashSet<String>,
}

fn invalid(file: &SnapshotFile, offset: usize, message: String) -> InputError {
    let help = "give `terraform show -json PLANFILE`, `terraform show -json` (a state), or a terraform.tfstate (version 4)";
    InputError::File(Box::new(FileError::Invalid(InvalidFile::new("Terraform plan", &file.path, &file.text, message, offset, 1, help))))
}

/// The address of an instance: `module.a.module.b.` + `type.name` (`data.` for data sources) + `[index]`.
fn address(module: &str, config_address: &str, index: Option<&Value>) -> String {
    let prefix = if module.is_empty() { String::new() } else { format!("{module}.") };
    let index = match index {
        Some(Value::Number(n)) => format!("[{n}]"),
        Some(Value::String(key)) => format!("[{}]", Value::String(key.clone())),
        _ => String::new(),
    };
    format!("{prefix}{config_address}{index}")
}

/// `module.vpc["x"].module.y[0]` -> `module.vpc.module.y`: configuration is keyed without instance keys.
fn module_path(address: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in address.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

impl Parsed {
    fn read(file: &SnapshotFile) -> Result<Self, InputError> {
        let root: Value = serde_json::from_str(&file.text).map_err(|e| {
            let offset = file.offset_of(e.line(), e.column());
            let message = e.to_string();
            invalid(file, offset, format!("not JSON: {}", message.split(" at line ").next().unwrap_or(&message)))
        })?;
        let Value::Object(top) = &root else { return Err(invalid(file, 0, "a plan or state is a JSON object".into())) };
        let mut parsed = Parsed {
            instances: Vec::new(),
            expressions: HashMap::new(),
            depends_on: HashMap::new(),
            outputs: HashMap::new(),
            region: None,
            spots: spots(&file.text),
            seen: std::collections::HashSet::new(),
        };
        if let Some(version) = top.get("format_version") {
            let major = version.as_str().and_then(|v| v.split('.').next()).and_then(|m| m.parse::<u32>().ok());
            if major != Some(1) {
                let at = file.text.find("\"format_version\"").unwrap_or(0);
                return Err(invalid(file, at, format!("format_version {version} is not 1.x, the JSON output format this tool reads")));
            }
            if top.contains_key("planned_values") || top.contains_key("resource_changes") {
                parsed.plan(&root);
            } else if let Some(values) = top.get("values") {
                parsed.module(values.get("root_module").unwrap_or(&Value::Null), &HashMap::new(), false);
            } else if !top.contains_key("terraform_version") {
                return Err(invalid(file, 0, "a format_version but neither planned_values nor values: not a plan or a state".into()));
            }
            if let Some(configuration) = top.get("configuration") {
                parsed.configuration("", configuration.get("root_module").unwrap_or(&Value::Null));
                parsed.region = provider_region(configuration);
            }
        } else if let Some(version) = top.get("version") {
            if version.as_u64() != Some(4) || !top.contains_key("resources") {
                let at = file.text.find("\"version\"").unwrap_or(0);
                return Err(invalid(file, at, format!("state version {version}: this tool reads version 4 (Terraform 0.12 and later)")));
            }
            parsed.raw_state(&root);
        } else {
            return Err(invalid(file, 0, "neither format_version (terraform show -json) nor version (terraform.tfstate)".into()));
        }
        let aws = parsed.instances.iter().filter(|i| i.kind.starts_with("aws_")).count();
        if aws == 0 && !parsed.instances.is_empty() {
            return Err(invalid(file, 0, "no resource of the AWS provider (aws_*): nothing here shapes an AWS network".into()));
        }
        Ok(parsed)
    }

    /// Where an instance is written: its `"address"`, else its `"id"` (from [`spots`], made once).
    fn spot(spots: &HashMap<String, (usize, usize)>, address: &str, id: Option<&str>) -> (usize, usize) {
        spots.get(address).or_else(|| id.and_then(|id| spots.get(id))).copied().unwrap_or((0, 1))
    }

    /// A plan: planned values (what exists after apply), with which attributes are unknown; data sources
    /// from the prior state where the planned values lack them.
    fn plan(&mut self, root: &Value) {
        let mut unknown: HashMap<String, Value> = HashMap::new();
        for change in root.get("resource_changes").and_then(Value::as_array).into_iter().flatten() {
            if let (Some(address), Some(after_unknown)) = (change["address"].as_str(), change["change"].get("after_unknown")) {
                unknown.insert(address.to_string(), after_unknown.clone());
            }
        }
        self.module(root["planned_values"].get("root_module").unwrap_or(&Value::Null), &unknown, false);
        let prior = root.get("prior_state").and_then(|p| p["values"].get("root_module")).cloned().unwrap_or(Value::Null);
        self.module(&prior, &HashMap::new(), true);
    }

    /// A module of planned or state values, and its child modules. `data_only`: take only data sources not
    /// already read (the prior state of a plan).
    fn module(&mut self, module: &Value, unknown: &HashMap<String, Value>, data_only: bool) {
        for resource in module.get("resources").and_then(Value::as_array).into_iter().flatten() {
            let (Some(address), Some(kind)) = (resource["address"].as_str(), resource["type"].as_str()) else { continue };
            let data = resource["mode"].as_str() == Some("data");
            if (data_only && !data) || !self.seen.insert(address.to_string()) {
                continue;
            }
            let name = resource["name"].as_str().unwrap_or_default();
            let config_address = if data { format!("data.{kind}.{name}") } else { format!("{kind}.{name}") };
            let module = resource_module(address, &config_address);
            let values = resource.get("values").cloned().unwrap_or(Value::Null);
            let at = Self::spot(&self.spots, address, values["id"].as_str());
            self.instances.push(Instance {
                address: address.to_string(),
                module,
                config_address,
                data,
                kind: kind.to_string(),
                index: resource.get("index").cloned(),
                values,
                unknown: unknown.get(address).cloned().unwrap_or(Value::Null),
                at,
            });
        }
        for child in module.get("child_modules").and_then(Value::as_array).into_iter().flatten() {
            self.module(child, unknown, data_only);
        }
    }

    /// `terraform.tfstate`: resources with their instances' attributes.
    fn raw_state(&mut self, root: &Value) {
        for resource in root["resources"].as_array().into_iter().flatten() {
            let (Some(kind), Some(name)) = (resource["type"].as_str(), resource["name"].as_str()) else { continue };
            let data = resource["mode"].as_str() == Some("data");
            let module = resource["module"].as_str().map(module_path).unwrap_or_default();
            let written_module = resource["module"].as_str().unwrap_or_default();
            let config_address = if data { format!("data.{kind}.{name}") } else { format!("{kind}.{name}") };
            for instance in resource["instances"].as_array().into_iter().flatten() {
                let index = instance.get("index_key").cloned().filter(|v| !v.is_null());
                let address = address(written_module, &config_address, index.as_ref());
                let values = instance.get("attributes").cloned().unwrap_or(Value::Null);
                let at = Self::spot(&self.spots, &address, values["id"].as_str());
                self.instances.push(Instance {
                    address,
                    module: module.clone(),
                    config_address: config_address.clone(),
                    data,
                    kind: kind.to_string(),
                    index,
                    values,
                    unknown: Value::Null,
                    at,
                });
            }
        }
    }

    /// The configuration's resources (their expressions) and outputs, per module path.
    fn configuration(&mut self, path: &str, module: &Value) {
        for resource in module.get("resources").and_then(Value::as_array).into_iter().flatten() {
            if let (Some(address), Some(expressions)) = (resource["address"].as_str(), resource.get("expressions")) {
                self.expressions.insert((path.to_string(), address.to_string()), expressions.clone());
            }
            if let (Some(address), Some(Value::Array(names))) = (resource["address"].as_str(), resource.get("depends_on")) {
                let names = names.iter().filter_map(Value::as_str).map(str::to_string).collect();
                self.depends_on.insert((path.to_string(), address.to_string()), names);
            }
        }
        for (name, output) in module.get("outputs").and_then(Value::as_object).into_iter().flatten() {
            if let Some(expression) = output.get("expression") {
                self.outputs.insert((path.to_string(), name.clone()), expression.clone());
            }
        }
        for (name, call) in module.get("module_calls").and_then(Value::as_object).into_iter().flatten() {
            let child = if path.is_empty() { format!("module.{name}") } else { format!("{path}.module.{name}") };
            if let Some(inner) = call.get("module") {
                self.configuration(&child, inner);
            }
        }
    }
}

/// Where every `"address": "X"` and `"id": "X"` first writes X (offset and length, quoted): one pass, not a search per
/// instance (a plan of a thousand resources is half a megabyte).
fn spots(text: &str) -> HashMap<String, (usize, usize)> {
    let mut spots = HashMap::new();
    for key in ["\"address\"", "\"id\""] {
        for (at, _) in text.match_indices(key) {
            let rest = text[at + key.len()..].trim_start();
            let Some(value) = rest.strip_prefix(':').map(str::trim_start).and_then(|r| r.strip_prefix('"')) else { continue };
            if let Some(end) = value.find('"') {
                // The quoted value: its opening quote (a suffix of the text) and length with both quotes.
                spots.entry(value[..end].to_string()).or_insert((text.len() - value.len() - 1, end + 2));
            }
        }
    }
    spots
}

/// The module part of an instance address: what precedes `type.name`, instance keys dropped.
fn resource_module(address: &str, config_address: &str) -> String {
    match address.find(&format!(".{config_address}")) {
        Some(end) if address.starts_with("module.") => module_path(&address[..end]),
        _ => String::new(),
    }
}

/// `provider "aws" { region = "..." }` of the root module, when a constant.
fn provider_region(configuration: &Value) -> Option<String> {
    let providers = configuration.get("provider_config")?.as_object()?;
    providers
        .values()
        .filter(|p| p["name"].as_str() == Some("aws"))
        .find_map(|p| p["expressions"]["region"]["constant_value"].as_str().map(str::to_string))
}

pub fn read(plan: &Plan, selection: &Selection) -> Result<Input, InputError> {
    let text = read_bounded(&plan.path, MAX_PLAN_BYTES, Some(b'{'))
        .map_err(|source| InputError::File(Box::new(FileError::unreadable("Terraform plan", &plan.path, source))))?;
    let file = SnapshotFile { path: plan.path.display().to_string(), text };
    let parsed = Parsed::read(&file)?;
    let base = match &plan.base {
        Some(path) => Some(SnapshotFile::read(path)?.parse()?.snapshot),
        None => None,
    };
    let region = plan
        .region
        .clone()
        .or_else(|| parsed.region.clone())
        .or_else(|| base.as_ref().and_then(|b| b.region.clone()))
        .ok_or_else(|| {
            target_error("the plan's region is not stated (no constant provider region)", "pass --region, for example --region us-east-1")
        })?;
    let evaluate = |base: Option<Snapshot>| -> Result<Built, InputError> {
        let mut built = resources::build(&parsed, base, &region).map_err(|e| invalid(&file, e.offset, e.message))?;
        if let Selection::Planned(settings) = selection {
            built.note_external(&settings.subnet_ids, &settings.security_group_ids);
        }
        Ok(built)
    };
    let built = over_existing(base, plan.live.as_ref(), evaluate)?;
    let mut snapshot = built.snapshot;
    snapshot.region = Some(region.clone());
    // The account the plan deploys to, where it reads it (`data "aws_caller_identity"`).
    let caller = parsed.instances.iter().filter(|i| i.data && i.kind == "aws_caller_identity");
    let planned_account = caller.filter_map(|i| i.values.get("account_id")?.as_str()).find(|a| !a.is_empty()).map(str::to_string);
    let account_id = snapshot.account_id.clone().or(planned_account);
    snapshot.environments = (!built.environments.is_empty()).then(|| built.environments.iter().map(|e| e.environment.clone()).collect());
    let mut definitions = HashMap::new();
    for instance in &parsed.instances {
        definitions.insert(resources::id_of(instance), (0, instance.at.0, instance.at.1));
    }
    // What EC2 would refuse at apply is refused here, at the subnet.
    if let Some((subnet, message)) = super::iac::impossible_subnet(&snapshot, |id| definitions.contains_key(id)) {
        let offset = definitions.get(&subnet).map_or(0, |&(_, offset, _)| offset);
        return Err(invalid(&file, offset, message));
    }
    let network = Network::new(snapshot).map_err(|bad| {
        let offset = definitions.get(&bad.endpoint_id).map_or(0, |&(_, offset, _)| offset);
        invalid(&file, offset, format!("the policy of {} is not a valid policy: {}", bad.endpoint_id, bad.reason))
    })?;
    let mut targets = targets(&built.environments, selection, &region, account_id.as_deref(), &WORDS)?;
    let names: std::collections::BTreeMap<String, String> = parsed
        .instances
        .iter()
        .filter(|i| !i.data)
        .filter_map(|i| Some((i.values.get("id")?.as_str().filter(|id| !id.is_empty())?.to_string(), i.address.clone())))
        .collect();
    for target in &mut targets {
        target.resource_names.clone_from(&names);
        // `subnet_ids` is a set: no order to keep, so findings name the same subnet whatever order the plan lists.
        target.subnet_ids.sort();
    }
    let notes = if built.unmodeled.is_empty() { Vec::new() } else { vec![Note::NotModelled(built.unmodeled.clone())] };
    let audit = matches!(selection, Selection::All);
    Ok(Input {
        scopes: vec![Scope { network, targets }],
        files: SourceFiles { files: vec![file], definitions },
        audit,
        unreadable: Vec::new(),
        notes,
    })
}
