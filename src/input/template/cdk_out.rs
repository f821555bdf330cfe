//! A CDK cloud assembly (`cdk.out`) as the CDK writes it: `manifest.json` names every stack's template, its
//! deployed name and the metadata file that maps construct paths to logical IDs; stages are nested
//! assemblies in their own folders; a nested stack's template is an asset file beside its parent's.

use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};

use serde::Deserialize;

use crate::input::file::{read_bounded, FileError, InvalidFile, SnapshotFile};
use crate::input::{target_error, InputError};

/// The largest manifest or metadata file read (a large app's are a few MB).
const MAX_MANIFEST_BYTES: u64 = 64 * 1024 * 1024;
/// Stages within stages: deeper than any app, shallow enough that a looping manifest ends.
const MAX_NESTING: usize = 8;

/// A stack of the assembly: its template, the name it deploys under (what `Fn::GetStackOutput` names),
/// and the construct path of each logical ID.
#[derive(Debug, Clone)]
pub struct AssemblyStack {
    pub template: PathBuf,
    pub stack_name: String,
    pub construct_paths: HashMap<String, String>,
    /// A nested stack: its parent's stack name and the logical ID of its `AWS::CloudFormation::Stack` there.
    pub nested_in: Option<(String, String)>,
}

#[derive(Deserialize)]
struct Manifest {
    #[serde(default)]
    artifacts: BTreeMap<String, Artifact>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Artifact {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    properties: Properties,
    /// Older CDKs: construct path -> metadata entries, in the manifest itself.
    #[serde(default)]
    metadata: BTreeMap<String, Vec<MetadataEntry>>,
    additional_metadata_file: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Properties {
    template_file: Option<String>,
    stack_name: Option<String>,
    /// A nested assembly (a stage).
    directory_name: Option<String>,
}

#[derive(Deserialize)]
struct MetadataEntry {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    data: serde_json::Value,
}

/// Whether `path` is a cloud assembly (a folder with a `manifest.json`).
pub fn is_assembly(path: &Path) -> bool {
    path.is_dir()
}

/// Every stack of the assembly in `dir`, stages included.
pub fn stacks(dir: &Path) -> Result<Vec<AssemblyStack>, InputError> {
    let mut out = Vec::new();
    read_assembly(dir, 0, &mut out)?;
    if out.is_empty() {
        return Err(target_error(
            format!("{} holds no CloudFormation stack (manifest.json lists none)", dir.display()),
            "run `cdk synth` first, or pass the folder it writes (cdk.out)",
        ));
    }
    Ok(out)
}

fn read_assembly(dir: &Path, depth: usize, out: &mut Vec<AssemblyStack>) -> Result<(), InputError> {
    if depth > MAX_NESTING {
        return Err(target_error(
            format!("{}: stages nested deeper than {MAX_NESTING}", dir.display()),
            "check the assembly's manifest.json for a stage that contains itself",
        ));
    }
    let manifest_path = dir.join("manifest.json");
    if !manifest_path.is_file() {
        return Err(target_error(
            format!("{} is a folder without manifest.json, so not a CDK cloud assembly", dir.display()),
            "pass the folder `cdk synth` writes (cdk.out), or the template files themselves",
        ));
    }
    let manifest: Manifest = parse(&manifest_path, "CDK manifest")?;
    for (id, artifact) in manifest.artifacts {
        match artifact.kind.as_str() {
            "aws:cloudformation:stack" => {
                let Some(template) = &artifact.properties.template_file else { continue };
                let mut construct_paths = logical_ids(&artifact.metadata);
                if let Some(file) = &artifact.additional_metadata_file {
                    let extra: BTreeMap<String, Vec<MetadataEntry>> = parse(&inside(dir, file)?, "CDK metadata file")?;
                    construct_paths.extend(logical_ids(&extra));
                }
                let stack = AssemblyStack {
                    template: inside(dir, template)?,
                    stack_name: artifact.properties.stack_name.clone().unwrap_or(id),
                    construct_paths,
                    nested_in: None,
                };
                nested_stacks(dir, &stack, depth, out)?;
                out.push(stack);
            }
            "cdk:cloud-assembly" => {
                if let Some(nested) = &artifact.properties.directory_name {
                    read_assembly(&inside(dir, nested)?, depth + 1, out)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The nested stacks of `parent` whose templates the assembly holds (`AWS::CloudFormation::Stack` with the
/// `aws:asset:path` metadata `cdk synth` writes), and theirs in turn. Their construct paths come with the
/// parent's metadata file.
fn nested_stacks(dir: &Path, parent: &AssemblyStack, depth: usize, out: &mut Vec<AssemblyStack>) -> Result<(), InputError> {
    if depth > MAX_NESTING {
        return Err(target_error(
            format!("{}: stacks nested deeper than {MAX_NESTING}", parent.template.display()),
            "check the assembly for a nested stack that contains itself",
        ));
    }
    let template: serde_json::Value = parse(&parent.template, "CDK template")?;
    let Some(resources) = template.get("Resources").and_then(serde_json::Value::as_object) else { return Ok(()) };
    for (logical, resource) in resources.iter().filter(|(_, r)| r["Type"] == "AWS::CloudFormation::Stack") {
        let Some(file) = resource["Metadata"]["aws:asset:path"].as_str().filter(|f| f.ends_with(".json")) else { continue };
        let child = AssemblyStack {
            template: inside(dir, file)?,
            stack_name: nested_stack_name(&parent.stack_name, logical),
            construct_paths: parent.construct_paths.clone(),
            nested_in: Some((parent.stack_name.clone(), logical.clone())),
        };
        nested_stacks(dir, &child, depth + 1, out)?;
        out.push(child);
    }
    Ok(())
}

/// The name a nested stack is known by here: CloudFormation names it after its parent and its logical ID
/// (and a random suffix no template can know).
pub fn nested_stack_name(parent: &str, logical: &str) -> String {
    format!("{parent}-{logical}")
}

/// Logical ID -> construct path, from `aws:cdk:logicalId` metadata entries (the path without its
/// leading `/`, as `aws:cdk:path` writes it).
fn logical_ids(metadata: &BTreeMap<String, Vec<MetadataEntry>>) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for (path, entries) in metadata {
        for entry in entries.iter().filter(|e| e.kind == "aws:cdk:logicalId") {
            if let Some(logical) = entry.data.as_str() {
                out.insert(logical.to_string(), path.trim_start_matches('/').to_string());
            }
        }
    }
    out
}

/// A file the manifest names, which must lie inside the assembly (no absolute path, no `..`).
fn inside(dir: &Path, relative: &str) -> Result<PathBuf, InputError> {
    let path = Path::new(relative);
    if path.components().any(|c| !matches!(c, Component::Normal(_) | Component::CurDir)) {
        return Err(target_error(
            format!("{}: the manifest names {relative:?}, outside the assembly", dir.display()),
            "a cloud assembly names its files relative to its folder",
        ));
    }
    Ok(dir.join(path))
}

fn parse<T: serde::de::DeserializeOwned>(path: &Path, what: &'static str) -> Result<T, InputError> {
    let text = read_bounded(path, MAX_MANIFEST_BYTES, Some(b'{'))
        .map_err(|source| InputError::File(Box::new(FileError::unreadable(what, path, source))))?;
    let file = SnapshotFile { path: path.display().to_string(), text };
    serde_json::from_str(&file.text).map_err(|e| {
        let offset = file.offset_of(e.line(), e.column());
        let message = e.to_string().split(" at line ").next().unwrap_or_default().to_string();
        let help = "write it again with `cdk synth`";
        InputError::File(Box::new(FileError::Invalid(InvalidFile::new(what, &file.path, &file.text, message, offset, 1, help))))
    })
}
