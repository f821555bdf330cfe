//! CloudFormation templates (YAML or JSON, `cdk synth` output included) as an input source: nothing needs
//! to exist yet. The templates are parsed with positions ([`yaml`]), their intrinsic functions evaluated
//! for the deployment given ([`eval`]), and their network resources mapped onto the snapshot model
//! ([`resources`]); the rules then run exactly as on a captured network.

mod cdk_out;
mod eval;
mod flow_indent;
mod parameter_rules;
mod resources;
pub mod yaml;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use eval::{Context, Outputs, Value};
use resources::{Resource, Stack};
use yaml::{Node, Spot};

use super::file::{read_bounded, FileError, InvalidFile, SnapshotFile};
use super::iac::{impossible_subnet, over_existing, targets, Built, Words};
use super::{target_error, AwsAccess, Input, InputError, Note, Scope, Selection, SourceFiles};
use crate::model::{Network, Snapshot};
use crate::target::Language;

/// The largest template read (CloudFormation's own limit is 1 MB from S3; `cdk synth` output is far below).
const MAX_TEMPLATE_BYTES: u64 = 64 * 1024 * 1024;

/// What `check --template` and `snapshot --template` were given.
#[derive(Debug, Clone, Default)]
pub struct Templates {
    pub paths: Vec<PathBuf>,
    /// `--parameter KEY=VALUE`, in order (a later one wins).
    pub parameters: Vec<(String, String)>,
    pub parameters_file: Option<PathBuf>,
    pub region: Option<String>,
    /// `--snapshot`: the existing resources the templates only refer to.
    pub base: Option<PathBuf>,
    /// `--live`: read them from the account instead.
    pub live: Option<AwsAccess>,
    /// Texts to read instead of the files at these paths (`check --fix` re-checks its edits before writing).
    pub edited: Vec<(PathBuf, String)>,
}

/// A template that cannot be evaluated: file, line and column (exit code 2).
fn invalid(file: &SnapshotFile, at: Spot, message: String) -> InputError {
    let help = "CloudFormation template syntax: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-anatomy.html";
    InputError::File(Box::new(FileError::Invalid(InvalidFile::new("template", &file.path, &file.text, message, at.offset, 1, help))))
}

fn invalid_at(file: &SnapshotFile, offset: usize, message: String) -> InputError {
    invalid(file, Spot { offset, line: 0, column: 0 }, message)
}

fn read_file(path: &Path, what: &'static str) -> Result<SnapshotFile, InputError> {
    let text = read_bounded(path, MAX_TEMPLATE_BYTES, None)
        .map_err(|source| InputError::File(Box::new(FileError::unreadable(what, path, source))))?;
    Ok(SnapshotFile { path: path.display().to_string(), text })
}

/// `aws cloudformation create-stack --parameters file://FILE`: `[{"ParameterKey": K, "ParameterValue": V}]`.
fn parameters_file(path: &Path) -> Result<Vec<(String, String)>, InputError> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "PascalCase", deny_unknown_fields)]
    struct Parameter {
        parameter_key: String,
        #[serde(default)]
        parameter_value: Option<String>,
        #[serde(default)]
        use_previous_value: Option<bool>,
        #[serde(default)]
        resolved_value: Option<String>,
    }
    let file = read_file(path, "parameters file")?;
    let parsed: Vec<Parameter> = serde_json::from_str(&file.text).map_err(|e| {
        let offset = file.offset_of(e.line(), e.column());
        let message = format!(
            "{} (expected [{{\"ParameterKey\": \"K\", \"ParameterValue\": \"V\"}}, ...], as create-stack --parameters file:// takes)",
            e.to_string().split(" at line ").next().unwrap_or_default()
        );
        InputError::File(Box::new(FileError::Invalid(InvalidFile::new(
            "parameters file",
            &file.path,
            &file.text,
            message,
            offset,
            1,
            "see `aws cloudformation create-stack help`, --parameters",
        ))))
    })?;
    let mut out = Vec::new();
    for p in parsed {
        match p.parameter_value {
            Some(value) => out.push((p.parameter_key, value)),
            None if p.use_previous_value == Some(true) => {
                return Err(target_error(
                    format!("parameter {} has UsePreviousValue: a new stack has no previous value", p.parameter_key),
                    "give its ParameterValue",
                ))
            }
            None => {
                let _ = p.resolved_value;
                return Err(target_error(format!("parameter {} has no ParameterValue", p.parameter_key), "give its ParameterValue"));
            }
        }
    }
    Ok(out)
}

const WORDS: Words = Words {
    language: Language::CloudFormation,
    environment: "AWS::MWAA::Environment",
    source: "the templates",
    has: "have",
    holds: "they hold",
    id: "logical ID",
    id_flag: "LOGICAL_ID",
    no_environment_help: "name the environment's subnets and security groups by logical ID: --subnet-ids PrivateSubnet1,PrivateSubnet2 --security-group-ids SecurityGroup",
};

/// One parsed template and where each resource is defined.
struct Parsed {
    file: SnapshotFile,
    root: Node,
    duplicates: Vec<yaml::DuplicateKey>,
    /// `AWS::StackName`, and what `Fn::GetStackOutput` names: the cloud assembly's, else the file name's
    /// first part (`cdk.out/NetworkStack.template.json` is `NetworkStack`).
    stack_name: String,
    /// A CDK app's construct path of each logical ID (its metadata file, or `aws:cdk:path`).
    construct_paths: HashMap<String, String>,
    /// A nested stack: its parent's stack name and its `AWS::CloudFormation::Stack` there.
    nested_in: Option<(String, String)>,
}

/// A path with `*` or `?` in its file name and no such file: the files of its folder that match, in order
/// (an error when none does); any other path as it is.
fn expand(path: &Path) -> Vec<Result<PathBuf, InputError>> {
    // `-`: the template piped in (`cdk synth App | mwaa-preflight check --template -`).
    if path == Path::new("-") {
        return vec![Ok(PathBuf::from("/dev/stdin"))];
    }
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    if path.exists() || !name.contains(['*', '?']) {
        return vec![Ok(path.to_path_buf())];
    }
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut matches: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_str().is_some_and(|n| wildcard(name, n)))
        .map(|e| dir.join(e.file_name()))
        .collect();
    matches.sort();
    if matches.is_empty() {
        return vec![Err(target_error(
            format!("no file matches {}", path.display()),
            "check the pattern; `*` and `?` match within one folder",
        ))];
    }
    matches.into_iter().map(Ok).collect()
}

/// Whether `name` matches `pattern`, where `*` is any run of characters and `?` any one.
fn wildcard(pattern: &str, name: &str) -> bool {
    let (pattern, name): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    // matched[j]: the pattern so far matches name[..j].
    let mut matched = vec![false; name.len() + 1];
    matched[0] = true;
    for p in &pattern {
        let mut next = vec![false; name.len() + 1];
        for j in 0..=name.len() {
            next[j] = match p {
                '*' => matched[j] || (j > 0 && next[j - 1]),
                '?' => j > 0 && matched[j - 1],
                c => j > 0 && matched[j - 1] && name[j - 1] == *c,
            };
        }
        matched = next;
    }
    matched[name.len()]
}

/// Whether `--fix` can edit these paths: template files, not a CDK cloud assembly (the next `cdk synth`
/// writes it again) nor standard input.
pub fn editable(paths: &[PathBuf]) -> Result<(), String> {
    let files = template_files(paths).map_err(|e| e.to_string())?;
    if let Some(stack) = files.iter().find(|s| !s.construct_paths.is_empty() || s.nested_in.is_some()) {
        return Err(format!("{} belongs to a CDK cloud assembly, which the next cdk synth writes again: change the app's constructs (each finding names its construct path)", stack.template.display()));
    }
    if let Some(stdin) =
        files.iter().find(|s| s.template == Path::new("-") || s.template.starts_with("/dev") || s.template.starts_with("/proc"))
    {
        return Err(format!("{} is not a file that can be edited", stdin.template.display()));
    }
    Ok(())
}

/// Every file a run reads for these template paths (each assembly's templates included), so that none
/// is ever written over.
pub fn input_files(paths: &[PathBuf]) -> Vec<PathBuf> {
    paths
        .iter()
        .flat_map(|p| {
            template_files(std::slice::from_ref(p)).map_or_else(|_| vec![p.clone()], |s| s.into_iter().map(|s| s.template).collect())
        })
        .collect()
}

/// Whether a folder is a CDK cloud assembly (`cdk.out`, with its manifest.json).
pub fn is_cdk_assembly(path: &std::path::Path) -> bool {
    path.join("manifest.json").is_file()
}

/// The template files given: each file as it is, each CDK cloud assembly folder as its stacks, and a
/// pattern the shell did not expand (`'cdk.out/*.template.json'`, as CI files quote it) as its files.
fn template_files(paths: &[PathBuf]) -> Result<Vec<cdk_out::AssemblyStack>, InputError> {
    let mut out = Vec::new();
    for path in paths.iter().flat_map(|p| expand(p)).collect::<Result<Vec<_>, _>>()? {
        let path = &path;
        if cdk_out::is_assembly(path) {
            out.extend(cdk_out::stacks(path)?);
        } else {
            let stack_name = path.file_name().and_then(|n| n.to_str()).map_or("stack", |n| n.split('.').next().unwrap_or(n)).to_string();
            out.push(cdk_out::AssemblyStack { template: path.clone(), stack_name, construct_paths: HashMap::new(), nested_in: None });
        }
    }
    Ok(out)
}

/// Reads the templates for `selection`: one scope (all templates' resources form one network). No error
/// shows a `NoEcho` parameter's value.
pub fn read(templates: &Templates, selection: &Selection) -> Result<Input, InputError> {
    let mut secrets = Vec::new();
    read_keeping(templates, selection, &mut secrets).map_err(|e| e.redacted(&secrets))
}

/// [`read`], noting the values of `NoEcho` parameters in `secrets` as it meets them.
fn read_keeping(templates: &Templates, selection: &Selection, secrets: &mut Vec<String>) -> Result<Input, InputError> {
    let region = templates.region.clone().ok_or_else(|| {
        target_error(
            "a template is evaluated for a region (AWS::Region, service names): none was given",
            "pass --region, for example --region us-east-1",
        )
    })?;
    let base = match &templates.base {
        Some(path) => {
            let file = SnapshotFile::read(path)?;
            Some(file.parse()?.snapshot)
        }
        None => None,
    };
    let mut given: Vec<(String, String)> = match &templates.parameters_file {
        Some(path) => parameters_file(path)?,
        None => Vec::new(),
    };
    given.extend(templates.parameters.iter().cloned());

    let mut parsed = Vec::new();
    for source in template_files(&templates.paths)? {
        let file = match templates.edited.iter().find(|(path, _)| *path == source.template) {
            Some((path, text)) => SnapshotFile { path: path.display().to_string(), text: text.clone() },
            None => read_file(&source.template, "template")?,
        };
        let document = yaml::parse(&file.text).map_err(|e| invalid(&file, e.at, e.message))?;
        let mut construct_paths = source.construct_paths;
        construct_paths.extend(path_metadata(&document.root));
        parsed.push(Parsed {
            file,
            root: document.root,
            duplicates: document.duplicates,
            stack_name: source.stack_name,
            construct_paths,
            nested_in: source.nested_in,
        });
    }
    for (key, _) in &given {
        if !parsed.iter().any(|p| p.root.get("Parameters").and_then(|ps| ps.get(key)).is_some()) {
            return Err(target_error(
                format!("--parameter {key}: no template given has a parameter {key}"),
                "check the name (parameters are case-sensitive)",
            ));
        }
    }
    let mut stacks_input = Vec::new();
    for p in &parsed {
        let resources = resources_of(p)?;
        check_cycles(p, &resources)?;
        // A nested stack's parameters are what its parent passes, not the command line's.
        let parameters = parameters(p, if p.nested_in.is_some() { &[] } else { &given }, secrets)?;
        stacks_input.push((resources, parameters));
    }
    // (parent, child, the child's logical ID in the parent) for each nested stack read.
    let nesting: Vec<(usize, usize, &str)> = parsed
        .iter()
        .enumerate()
        .filter_map(|(child, p)| {
            let (parent, logical) = p.nested_in.as_ref()?;
            Some((parsed.iter().position(|q| &q.stack_name == parent)?, child, logical.as_str()))
        })
        .collect();
    // Each stack is its own namespace: a logical ID that several templates use (the CDK's CDKMetadata,
    // the same construct in two stacks) is named with its stack in the model.
    let mut uses: HashMap<String, usize> = HashMap::new();
    for (resources, _) in &stacks_input {
        for r in resources {
            *uses.entry(r.logical.clone()).or_default() += 1;
        }
    }
    for (p, (resources, _)) in parsed.iter().zip(&mut stacks_input) {
        for r in resources.iter_mut().filter(|r| uses.get(&r.logical).is_some_and(|n| *n > 1)) {
            r.id = format!("{}/{}", p.stack_name, r.logical);
        }
    }
    let evaluate = |base: Option<Snapshot>| -> Result<Built, InputError> {
        let account_id = base.as_ref().and_then(|b| b.account_id.clone());
        // Outputs and what parents pass to nested stacks first (several passes: a template may export what
        // it imports from another, a nested stack output what its parent passed it).
        let mut outputs = Outputs::default();
        let mut parameters: Vec<HashMap<String, Value>> = stacks_input.iter().map(|(_, values)| values.clone()).collect();
        for _ in 0..=parsed.len() {
            let mut next = Outputs::default();
            let mut next_parameters = parameters.clone();
            for (i, (p, (resources, _))) in parsed.iter().zip(&stacks_input).enumerate() {
                let stack = stack(p, resources, &parameters[i], &region, &account_id, &outputs);
                outputs_of(p, &stack, &mut next)?;
                for &(_, child, logical) in nesting.iter().filter(|(parent, _, _)| *parent == i) {
                    next_parameters[child].extend(passed_parameters(p, &stack, logical, &parsed[child])?);
                }
            }
            if next == outputs && next_parameters == parameters {
                break;
            }
            (outputs, parameters) = (next, next_parameters);
        }
        let stacks: Vec<Stack<'_>> = parsed
            .iter()
            .zip(&stacks_input)
            .zip(&parameters)
            .map(|((p, (resources, _)), values)| stack(p, resources, values, &region, &account_id, &outputs))
            .collect();
        let mut built = resources::build(&stacks, base, &region).map_err(|e| invalid_at(&parsed[e.source].file, e.offset, e.message))?;
        if let Selection::Planned(settings) = selection {
            built.note_external(&settings.subnet_ids, &settings.security_group_ids);
        }
        Ok(built)
    };
    let built = over_existing(base, templates.live.as_ref(), evaluate)?;
    let account_id = built.snapshot.account_id.clone();

    let mut definitions = HashMap::new();
    for (i, (p, (resources, _))) in parsed.iter().zip(&stacks_input).enumerate() {
        for r in resources {
            if let Some((other, _, _)) = definitions.insert(r.id.clone(), (i, r.at.offset, r.id.len())) {
                if other != i {
                    return Err(invalid(
                        &p.file,
                        r.at,
                        format!(
                            "{} is also a logical ID in {}, whose stack has the same name: give each stack its own file name",
                            r.logical, parsed[other].file.path
                        ),
                    ));
                }
            }
        }
    }

    let mut snapshot = built.snapshot;
    snapshot.region = Some(region.clone());
    snapshot.snapshot_version = Some(crate::model::SNAPSHOT_VERSION);
    snapshot.environments = (!built.environments.is_empty()).then(|| built.environments.iter().map(|e| e.environment.clone()).collect());

    let notes = notes(&parsed, &built.unmodeled);
    // What EC2 would refuse at deployment is refused here, at the subnet.
    if let Some((subnet, message)) = impossible_subnet(&snapshot, |id| definitions.contains_key(id)) {
        let (i, offset, _) = definitions.get(&subnet).copied().unwrap_or((0, 0, 0));
        return Err(invalid_at(&parsed[i].file, offset, message));
    }
    let network = Network::new(snapshot).map_err(|bad| {
        let (i, offset, _) = definitions.get(&bad.endpoint_id).copied().unwrap_or((0, 0, 0));
        let file = &parsed[i].file;
        invalid(
            file,
            Spot { offset, line: 0, column: 0 },
            format!("PolicyDocument of {} is not a valid policy: {}", bad.endpoint_id, bad.reason),
        )
    })?;
    let mut targets = targets(&built.environments, selection, &region, account_id.as_deref(), &WORDS)?;
    let construct_paths: std::collections::BTreeMap<String, String> = parsed
        .iter()
        .zip(&stacks_input)
        .flat_map(|(p, (resources, _))| resources.iter().filter_map(|r| Some((r.id.clone(), p.construct_paths.get(&r.logical)?.clone()))))
        .collect();
    let mut suppressions = Vec::new();
    for (p, (resources, _)) in parsed.iter().zip(&stacks_input) {
        suppressions.extend(suppressions_of(p, resources)?);
    }
    let form = parsed.first().map(|p| crate::remedy::Form::of(&p.file.text)).unwrap_or_default();
    for target in &mut targets {
        if !construct_paths.is_empty() {
            target.language = Language::Cdk;
        }
        target.code_form = form;
        target.construct_paths.clone_from(&construct_paths);
        target.suppressions.clone_from(&suppressions);
    }
    // Several independent stacks' environments are reported as an audit's, one report each.
    let audit = matches!(selection, Selection::All) || targets.len() > 1;
    let files = SourceFiles { files: parsed.into_iter().map(|p| p.file).collect(), definitions };
    Ok(Input { scopes: vec![Scope { network, targets }], files, audit, unreadable: Vec::new(), notes })
}

fn stack<'d>(
    p: &'d Parsed,
    resources: &[Resource<'d>],
    parameters: &HashMap<String, Value>,
    region: &str,
    account_id: &Option<String>,
    outputs: &'d Outputs,
) -> Stack<'d> {
    let ctx = Context::new(region.to_string(), account_id.clone(), p.stack_name.clone(), parameters.clone(), &p.root, outputs);
    Stack::new(ctx, resources.to_vec())
}

/// What a parent passes its nested stack `logical` (its `Parameters` property, evaluated in the parent), as the
/// child's parameter values: a list parameter receives its comma-separated text as a list.
fn passed_parameters(parent: &Parsed, stack: &Stack<'_>, logical: &str, child: &Parsed) -> Result<Vec<(String, Value)>, InputError> {
    let Some(resource) = stack.resource(logical) else { return Ok(Vec::new()) };
    let passed = stack.property(resource, "Parameters").map_err(|e| invalid(&parent.file, e.at, e.message))?;
    let Some(Value::Map(entries)) = passed else { return Ok(Vec::new()) };
    let declared = child.root.get("Parameters");
    Ok(entries
        .into_iter()
        .map(|(name, value)| {
            let kind = declared.and_then(|d| d.get(&name)).and_then(|d| d.get("Type")).and_then(Node::as_str).unwrap_or("String");
            let list = kind.starts_with("List<") || kind == "CommaDelimitedList";
            let value = match value {
                Value::Text(text) if list => Value::List(text.split(',').map(|v| Value::Text(v.trim().to_string())).collect()),
                other => other,
            };
            (name, value)
        })
        .collect())
}

/// The findings a template accepts beside a resource, as teams keep cfn-lint's and checkov's:
/// `Metadata: {mwaa-preflight: {ignore: [{rule: RT003, reason: "..."}]}}`. A rule that does not exist or an
/// ignore without a reason is refused, located.
fn suppressions_of(p: &Parsed, resources: &[Resource<'_>]) -> Result<Vec<crate::config::Ignore>, InputError> {
    let mut out = Vec::new();
    for r in resources {
        let Some(list) = r.node.get("Metadata").and_then(|m| m.get("mwaa-preflight")).and_then(|m| m.get("ignore")) else { continue };
        let yaml::Value::Seq(items) = &list.value else {
            return Err(invalid(&p.file, list.at, "Metadata.mwaa-preflight.ignore is a list of {rule: CODE, reason: TEXT}".into()));
        };
        for item in items {
            let rule = item.get("rule").and_then(Node::as_str).unwrap_or_default();
            let code = crate::rules::registry::find(rule)
                .ok_or_else(|| invalid(&p.file, item.at, format!("{}: no rule {rule:?} to ignore", r.logical)))?
                .code;
            let reason = item.get("reason").and_then(Node::as_str).map(str::trim).unwrap_or_default();
            if reason.is_empty() {
                return Err(invalid(&p.file, item.at, format!("{}: the ignore of {code} needs a reason", r.logical)));
            }
            out.push(crate::config::Ignore { code, resource: r.id.clone(), reason: reason.to_string(), baselined: false });
        }
    }
    Ok(out)
}

/// The construct path `cdk synth` writes on each resource (`Metadata: aws:cdk:path`), by logical ID.
fn path_metadata(root: &Node) -> HashMap<String, String> {
    let entries = root.get("Resources").and_then(Node::entries).unwrap_or_default();
    entries
        .iter()
        .filter_map(|(key, node)| {
            let path = node.get("Metadata")?.get("aws:cdk:path")?.as_str()?;
            Some((key.as_str()?.to_string(), path.to_string()))
        })
        .collect()
}

/// The `Resources` section: each a mapping with a `Type`.
fn resources_of(p: &Parsed) -> Result<Vec<Resource<'_>>, InputError> {
    if p.root.entries().is_none() {
        return Err(invalid(&p.file, p.root.at, "a template is a mapping with a Resources section".into()));
    }
    let section = p.root.get("Resources").ok_or_else(|| invalid(&p.file, p.root.at, "the template has no Resources section".into()))?;
    let entries =
        section.entries().ok_or_else(|| invalid(&p.file, section.at, "Resources must be a mapping of logical IDs to resources".into()))?;
    let mut out = Vec::new();
    for (key, node) in entries {
        let id = key.as_str().ok_or_else(|| invalid(&p.file, key.at, "a logical ID must be text".into()))?;
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(invalid(&p.file, key.at, format!("logical ID {id:?} must be alphanumeric (A-Za-z0-9)")));
        }
        let kind =
            node.get("Type").and_then(Node::as_str).ok_or_else(|| invalid(&p.file, node.at, format!("resource {id} has no Type")))?;
        out.push(Resource { id: id.to_string(), logical: id.to_string(), kind: kind.to_string(), node, at: key.at });
    }
    Ok(out)
}

/// Parameter values: given, else the Default, else unknown.
fn parameters(p: &Parsed, given: &[(String, String)], secrets: &mut Vec<String>) -> Result<HashMap<String, Value>, InputError> {
    let mut out = HashMap::new();
    let Some(section) = p.root.get("Parameters") else { return Ok(out) };
    let entries = section.entries().ok_or_else(|| invalid(&p.file, section.at, "Parameters must be a mapping".into()))?;
    for (key, node) in entries {
        let Some(name) = key.as_str() else { return Err(invalid(&p.file, key.at, "a parameter name must be text".into())) };
        let kind =
            node.get("Type").and_then(Node::as_str).ok_or_else(|| invalid(&p.file, node.at, format!("parameter {name} has no Type")))?;
        if !parameter_rules::known_type(kind) {
            return Err(invalid(&p.file, key.at, format!("parameter {name} has type {kind:?}, which CloudFormation does not know")));
        }
        let value = given.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone()).or_else(|| {
            let default = node.get("Default")?;
            match &default.value {
                yaml::Value::Scalar { text, .. } => Some(text.clone()),
                yaml::Value::Seq(items) => Some(items.iter().filter_map(Node::as_str).collect::<Vec<_>>().join(",")),
                yaml::Value::Map(_) => None,
            }
        });
        // Only what the network needs must be known: a bastion's key pair name may stay unset.
        let Some(value) = value else {
            out.insert(
                name.to_string(),
                Value::Unknown(format!("parameter {name} has no Default and no value: pass --parameter {name}=VALUE")),
            );
            continue;
        };
        if node.get("NoEcho").and_then(Node::as_str).is_some_and(|v| v.eq_ignore_ascii_case("true")) && !value.is_empty() {
            secrets.push(value.clone());
        }
        if let Some(allowed) =
            node.get("AllowedValues").and_then(|a| if let yaml::Value::Seq(items) = &a.value { Some(items) } else { None })
        {
            if !allowed.iter().any(|a| a.as_str() == Some(value.as_str())) {
                return Err(invalid(&p.file, key.at, format!("parameter {name}: {value:?} is not one of its AllowedValues")));
            }
        }
        if let Some(why) = parameter_rules::refusal(name, kind, node, &value) {
            return Err(invalid(&p.file, key.at, why));
        }
        let value = if kind.starts_with("AWS::SSM::Parameter::Value<") {
            Value::Unknown(format!("the value of SSM parameter {value} (parameter {name}), read at deployment"))
        } else if kind.starts_with("List<") || kind == "CommaDelimitedList" {
            Value::List(value.split(',').map(|v| Value::Text(v.trim().to_string())).filter(|v| v.text() != Some("")).collect())
        } else {
            Value::Text(value)
        };
        out.insert(name.to_string(), value);
    }
    Ok(out)
}

/// The names a node depends on: `Ref`s, `GetAtt` resources, `${...}` in `Sub`, `DependsOn`.
pub(super) fn dependencies(node: &Node, out: &mut Vec<String>) {
    let tag_or_key = node.tag.as_deref();
    let mut note = |name: &str| {
        let name = name.split('.').next().unwrap_or(name).to_string();
        if !name.starts_with("AWS::") {
            out.push(name);
        }
    };
    if let (Some("Ref" | "GetAtt"), Some(text)) = (
        tag_or_key,
        node.as_str().or(match &node.value {
            yaml::Value::Scalar { text, .. } => Some(text.as_str()),
            _ => None,
        }),
    ) {
        note(text);
    }
    if tag_or_key == Some("Sub") {
        sub_names(node, &mut note);
    }
    match &node.value {
        yaml::Value::Scalar { .. } => {}
        yaml::Value::Seq(items) => {
            if tag_or_key == Some("GetAtt") {
                if let Some(first) = items.first().and_then(Node::as_str) {
                    note(first);
                }
            }
            for item in items {
                dependencies(item, out);
            }
        }
        yaml::Value::Map(entries) => {
            for (key, value) in entries {
                match key.as_str() {
                    Some("Ref") | Some("DependsOn") => {
                        if let Some(name) = value.as_str() {
                            out.push(name.to_string());
                        } else if let yaml::Value::Seq(items) = &value.value {
                            out.extend(items.iter().filter_map(Node::as_str).map(str::to_string));
                        }
                    }
                    Some("Fn::GetAtt") => match &value.value {
                        yaml::Value::Seq(items) => out.extend(items.first().and_then(Node::as_str).map(str::to_string)),
                        yaml::Value::Scalar { text, .. } => out.push(text.split('.').next().unwrap_or(text).to_string()),
                        yaml::Value::Map(_) => {}
                    },
                    Some("Fn::Sub") => sub_names(value, &mut |n| out.push(n.split('.').next().unwrap_or(n).to_string())),
                    _ => {}
                }
                dependencies(value, out);
            }
        }
    }
}

fn sub_names(node: &Node, note: &mut dyn FnMut(&str)) {
    let text = match &node.value {
        yaml::Value::Scalar { text, .. } => text.as_str(),
        yaml::Value::Seq(items) => match items.first().map(|i| &i.value) {
            Some(yaml::Value::Scalar { text, .. }) => text.as_str(),
            _ => return,
        },
        yaml::Value::Map(_) => return,
    };
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { return };
        let name = after[..end].trim();
        if !name.starts_with('!') {
            note(name);
        }
        rest = &after[end + 1..];
    }
}

/// CloudFormation refuses a template whose resources depend on each other in a circle.
fn check_cycles(p: &Parsed, resources: &[Resource<'_>]) -> Result<(), InputError> {
    let index: HashMap<&str, usize> = resources.iter().enumerate().map(|(i, r)| (r.logical.as_str(), i)).collect();
    // CloudFormation refuses a DependsOn on a resource the template does not have.
    for r in resources {
        let Some(depends_on) = r.node.get("DependsOn") else { continue };
        let names: Vec<&Node> = match &depends_on.value {
            yaml::Value::Seq(items) => items.iter().collect(),
            _ => vec![depends_on],
        };
        for name in names {
            match name.as_str() {
                Some(n) if index.contains_key(n) => {}
                Some(n) => return Err(invalid(&p.file, name.at, format!("{} DependsOn {n}, which is not in Resources", r.logical))),
                None => return Err(invalid(&p.file, name.at, format!("{}'s DependsOn is a logical ID or a list of them", r.logical))),
            }
        }
    }
    let edges: Vec<Vec<usize>> = resources
        .iter()
        .map(|r| {
            let mut names = Vec::new();
            dependencies(r.node, &mut names);
            let mut deps: Vec<usize> = names.iter().filter_map(|n| index.get(n.as_str()).copied()).collect();
            deps.sort_unstable();
            deps.dedup();
            deps
        })
        .collect();
    // 0 unvisited, 1 on the path, 2 done.
    let mut state = vec![0u8; resources.len()];
    for start in 0..resources.len() {
        if state[start] != 0 {
            continue;
        }
        let mut path = vec![(start, 0usize)];
        state[start] = 1;
        while let Some(&mut (node, ref mut next)) = path.last_mut() {
            if let Some(&dep) = edges[node].get(*next) {
                *next += 1;
                match state[dep] {
                    0 => {
                        state[dep] = 1;
                        path.push((dep, 0));
                    }
                    1 => {
                        let from = path.iter().position(|(n, _)| *n == dep).unwrap_or(0);
                        let circle: Vec<&str> =
                            path[from..].iter().map(|(n, _)| resources[*n].id.as_str()).chain([resources[dep].id.as_str()]).collect();
                        return Err(invalid(
                            &p.file,
                            resources[dep].at,
                            format!("circular dependency between resources: {}", circle.join(" -> ")),
                        ));
                    }
                    _ => {}
                }
            } else {
                state[node] = 2;
                path.pop();
            }
        }
    }
    Ok(())
}

/// A template's outputs: each by its stack and name, and the exported ones by export name.
fn outputs_of(p: &Parsed, stack: &Stack<'_>, out: &mut Outputs) -> Result<(), InputError> {
    let Some(outputs) = p.root.get("Outputs").and_then(Node::entries) else { return Ok(()) };
    let evaluate = |node: &Node| stack.ctx.eval(node, stack).map_err(|e| invalid(&p.file, e.at, e.message));
    let name_of_stack = &p.stack_name;
    for (key, output) in outputs {
        let (Some(name), Some(value)) = (key.as_str(), output.get("Value")) else { continue };
        let export = output.get("Export").and_then(|e| e.get("Name"));
        // An export is checked as CloudFormation checks it; an output no other stack imports by name only
        // has to be readable by Fn::GetStackOutput, so one the tool cannot evaluate is unknown.
        let value = match (evaluate(value), export) {
            (Ok(Some(value)), _) => value,
            (Ok(None), _) => continue,
            (Err(e), Some(_)) => return Err(e),
            (Err(_), None) => Value::Unknown(format!("the output {name} of stack {name_of_stack}")),
        };
        if let Some(Some(Value::Text(export))) = export.map(evaluate).transpose()? {
            out.exports.insert(export, value.clone());
        }
        out.by_stack.insert((name_of_stack.clone(), name.to_string()), value);
    }
    Ok(())
}

/// What the report says beside the findings: keys given twice, types not modelled.
fn notes(parsed: &[Parsed], unmodeled: &[String]) -> Vec<Note> {
    let mut notes = Vec::new();
    for p in parsed {
        for d in &p.duplicates {
            notes.push(Note::DuplicateKey(format!(
                "{}:{}:{}: {} is given twice (first at line {}); the later one is used",
                p.file.path, d.again.line, d.again.column, d.key, d.first.line
            )));
        }
    }
    if !unmodeled.is_empty() {
        notes.push(Note::NotModelled(unmodeled.to_vec()));
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::wildcard;

    #[test]
    fn wildcards_match_as_a_shell_does_within_one_folder() {
        assert!(wildcard("*.template.json", "AppStack.template.json"));
        assert!(!wildcard("*.template.json", "AppStack.assets.json"));
        assert!(wildcard("Stack?.yaml", "Stack1.yaml") && !wildcard("Stack?.yaml", "Stack12.yaml"));
        assert!(wildcard("*", "") && wildcard("a*b*c", "aXbYc") && !wildcard("a*b*c", "aXbY"));
    }
}
