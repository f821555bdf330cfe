//! What a file is, told by reading it as the real readers do: the pre-commit hook's changed files and the
//! paths `check` takes (files, folders walked recursively, `-`), each a CloudFormation template, a Terraform
//! plan or state, or not ours.

use std::io::Read;
use std::path::{Path, PathBuf};

use mwaa_preflight::input::template::yaml;
use mwaa_preflight::input::{decode_utf16, utf16_order};

use super::args::TemplateArgs;
use super::{usage, Failure};

/// The most of a file read to tell what it is (templates may be 64 MB). A larger file is told by
/// its first MB: it is checked when that names an environment, else left alone with a note.
const CLASSIFY_LIMIT: u64 = 64 * 1024 * 1024;
const PEEK: u64 = 1024 * 1024;

/// What a file is to the tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A CloudFormation template defining an environment; `imports`: it uses Fn::ImportValue.
    Environment {
        imports: bool,
    },
    /// A CloudFormation template without an environment that exports values.
    Exporter,
    TerraformPlan,
    /// Anything else: another template, another JSON or YAML file.
    Other,
}

const TEMPLATE_MARK: &str = "AWS::MWAA::Environment";
const PLAN_MARK: &str = "\"aws_mwaa_environment\"";

/// Tells a file's kind by reading it as the real readers do (JSON, else YAML as CloudFormation reads it).
/// A file that neither reads but names an environment is still ours: `check` then says what is wrong.
pub fn kind(text: &str) -> Kind {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Ok(json) = serde_json::from_str::<serde_json::Value>(text) {
        if json.get("format_version").is_some() || json.get("terraform_version").is_some() {
            return if text.contains(PLAN_MARK) { Kind::TerraformPlan } else { Kind::Other };
        }
    }
    match yaml::parse(text) {
        Ok(document) => template_kind(&document.root, text.contains("ImportValue")),
        Err(_) if text.trim_start().starts_with('{') && text.contains(PLAN_MARK) => Kind::TerraformPlan,
        Err(_) if text.contains(TEMPLATE_MARK) && has_resources_section(text) => {
            Kind::Environment { imports: text.contains("ImportValue") }
        }
        Err(_) => Kind::Other,
    }
}

/// Whether text that does not parse still has a template's shape: a top-level `Resources` key (quoted or
/// not), or a JSON object naming one. Prose that mentions the words has neither.
fn has_resources_section(text: &str) -> bool {
    let top_level = |line: &str| {
        let key = line.trim_end();
        ["Resources", "\"Resources\"", "'Resources'"]
            .iter()
            .any(|k| key.strip_prefix(k).is_some_and(|rest| rest.trim_start().starts_with(':')))
    };
    text.lines().any(top_level) || (text.trim_start().starts_with('{') && text.contains("\"Resources\""))
}

fn template_kind(root: &yaml::Node, imports: bool) -> Kind {
    let entries = |node: Option<&yaml::Node>| node.and_then(yaml::Node::entries).unwrap_or_default().to_vec();
    let environment = entries(root.get("Resources")).iter().any(|(_, r)| r.get("Type").and_then(yaml::Node::as_str) == Some(TEMPLATE_MARK));
    let exports = entries(root.get("Outputs")).iter().any(|(_, o)| o.get("Export").is_some());
    match (environment, exports) {
        (true, _) => Kind::Environment { imports },
        (false, true) => Kind::Exporter,
        (false, false) => Kind::Other,
    }
}

/// A file as the tool finds it.
pub enum Found {
    Text(String),
    /// Not read, with why (a FIFO, a device, a directory, a large data file).
    LeftAlone(String),
}

/// Reads a changed file within bounds: only regular files (a FIFO would hang, a link to /dev/zero never
/// end), at most CLASSIFY_LIMIT bytes, UTF-16 with a byte order mark decoded, other bytes read leniently
/// (the real reader names a bad byte when the file is checked).
pub fn read(path: &std::path::Path) -> std::io::Result<Found> {
    let metadata = std::fs::metadata(path)?;
    if !metadata.is_file() {
        return Ok(Found::LeftAlone("not a regular file".to_string()));
    }
    let file = std::fs::File::open(path)?;
    let large = metadata.len() > CLASSIFY_LIMIT;
    let mut bytes = Vec::new();
    file.take(if large { PEEK } else { CLASSIFY_LIMIT }).read_to_end(&mut bytes)?;
    let text = match utf16_order(&bytes) {
        Some(big_endian) => {
            let even = bytes.len() & !1;
            decode_utf16(&bytes[2..even], big_endian).unwrap_or_else(|_| String::from_utf8_lossy(&bytes).into_owned())
        }
        None => String::from_utf8_lossy(&bytes).into_owned(),
    };
    if large && !text.contains(TEMPLATE_MARK) && !text.contains(PLAN_MARK) {
        return Ok(Found::LeftAlone(format!("larger than {} MB and names no environment in its first MB", CLASSIFY_LIMIT >> 20)));
    }
    Ok(Found::Text(text))
}

/// The inputs `check PATH...` names, by kind.
#[derive(Debug, Default)]
pub struct Resolved {
    pub templates: Vec<PathBuf>,
    pub plans: Vec<PathBuf>,
}

/// The deepest a folder is walked, and the most files it may hold: a path to `/` stops in time.
const MAX_DEPTH: usize = 32;
const MAX_FILES: usize = 20_000;

/// What the paths name, as linters take paths: `-` (a template on standard input), a pattern the shell did not
/// expand and a CDK cloud assembly folder (the template reader's own), a file (told by what it holds), and any
/// other folder walked recursively for the templates and plans in it (hidden folders and `node_modules` left
/// out, links not followed). A file named explicitly that is neither is an error; in a folder it is left alone.
pub fn resolve(paths: &[PathBuf]) -> Result<Resolved, Failure> {
    let mut resolved = Resolved::default();
    for path in paths {
        let text = path.to_string_lossy();
        let pattern = text.contains(['*', '?', '[']) && !path.exists();
        if text == "-" || pattern || mwaa_preflight::input::template::is_cdk_assembly(path) {
            resolved.templates.push(path.clone());
        } else if std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) {
            let mut seen = 0;
            walk(path, 0, &mut seen, &mut resolved)?;
        } else {
            match classify(path)? {
                Some(Kind::TerraformPlan) => resolved.plans.push(path.clone()),
                Some(_) => resolved.templates.push(path.clone()),
                None => {
                    return Err(usage(
                        format!("{} is neither a CloudFormation template nor a Terraform plan or state", path.display()),
                        "give a template (YAML or JSON with Resources), `terraform show -json` output, or a snapshot with --snapshot",
                    ))
                }
            }
        }
    }
    Ok(resolved)
}

/// A named file's kind; `None` when it is no input of ours. A template without an environment (subnets a
/// planned check names by logical ID) is still a template.
fn classify(path: &Path) -> Result<Option<Kind>, Failure> {
    let cannot = |why: String| usage(format!("cannot read {}: {why}", path.display()), "check the path");
    let text = match read(path).map_err(|e| cannot(e.to_string()))? {
        Found::Text(text) => text,
        Found::LeftAlone(why) => return Err(cannot(why)),
    };
    Ok(match kind(&text) {
        Kind::Other if has_resources_section(&text) => Some(Kind::Exporter),
        Kind::Other => None,
        known => Some(known),
    })
}

fn walk(folder: &Path, depth: usize, seen: &mut usize, resolved: &mut Resolved) -> Result<(), Failure> {
    if depth > MAX_DEPTH {
        return Err(usage(format!("{} is nested more than {MAX_DEPTH} folders deep", folder.display()), "give a folder nearer the files"));
    }
    let cannot = |error: std::io::Error| usage(format!("cannot read the folder {}: {error}", folder.display()), "check the path");
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(folder).map_err(cannot)?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>().map_err(cannot)?;
    entries.sort();
    for entry in entries {
        *seen += 1;
        if *seen > MAX_FILES {
            return Err(usage(
                format!("{} holds more than {MAX_FILES} files", folder.display()),
                "give the folder that holds the templates",
            ));
        }
        let name = entry.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let Ok(metadata) = std::fs::symlink_metadata(&entry) else { continue };
        if metadata.is_dir() {
            if name.starts_with('.') || name == "node_modules" {
                continue;
            }
            if mwaa_preflight::input::template::is_cdk_assembly(&entry) {
                resolved.templates.push(entry);
            } else {
                walk(&entry, depth + 1, seen, resolved)?;
            }
            continue;
        }
        let readable = [".yaml", ".yml", ".json", ".template"].iter().any(|extension| name.ends_with(extension));
        if !metadata.is_file() || !readable {
            continue;
        }
        if let Ok(Found::Text(text)) = read(&entry) {
            match kind(&text) {
                Kind::TerraformPlan => resolved.plans.push(entry),
                Kind::Environment { .. } | Kind::Exporter => resolved.templates.push(entry),
                Kind::Other => {}
            }
        }
    }
    Ok(())
}
/// The given template flags with what the positional paths name added, as if given with --template and
/// --terraform-plan.
pub fn with_paths(given: &TemplateArgs) -> Result<TemplateArgs, Failure> {
    let mut templates = given.clone();
    let paths = std::mem::take(&mut templates.paths);
    if paths.is_empty() {
        return Ok(templates);
    }
    let resolved = resolve(&paths)?;
    if resolved.templates.is_empty() && resolved.plans.is_empty() {
        let named: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        return Err(usage(
            format!("no CloudFormation template or Terraform plan in {}", named.join(", ")),
            "give the templates' or plans' files or folders",
        ));
    }
    templates.templates.extend(resolved.templates);
    let mut plans: Vec<PathBuf> = templates.terraform_plan.take().into_iter().chain(resolved.plans).collect();
    if plans.len() > 1 || (!plans.is_empty() && !templates.templates.is_empty()) {
        return Err(usage(
            "templates and a Terraform plan, or several plans, are not one input",
            "run the tool once per plan, and once for the templates",
        ));
    }
    templates.terraform_plan = plans.pop();
    Ok(templates)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_told_apart_by_what_they_hold() {
        let environment = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Env:\n    Type: AWS::MWAA::Environment\n";
        assert_eq!(kind(environment), Kind::Environment { imports: false });
        assert_eq!(kind(&format!("{environment}      SubnetIds: [!ImportValue net-a]\n")), Kind::Environment { imports: true });
        assert_eq!(kind("Resources:\n  V:\n    Type: AWS::EC2::VPC\nOutputs:\n  V:\n    Export: {Name: v}\n"), Kind::Exporter);
        assert_eq!(kind("Resources:\n  B:\n    Type: AWS::S3::Bucket\n"), Kind::Other);
        assert_eq!(kind("{\"format_version\": \"1.2\", \"planned_values\": {\"aws_mwaa_environment\": 1}}"), Kind::TerraformPlan);
        assert_eq!(kind("{\"format_version\": \"1.2\", \"planned_values\": {}}"), Kind::Other);
        assert_eq!(kind("name: ci\non: push\n"), Kind::Other);
        // Prose that names the words is not a template.
        assert_eq!(kind("# Notes\nResources and AWS::MWAA::Environment, Export: ...\n"), Kind::Other);
        assert_eq!(kind("Intro: `AWS::MWAA::Environment`: why, and: what\n"), Kind::Other);
        // What the readers accept, however it is written.
        assert_eq!(kind("\"Resources\":\n  E: {Type: AWS::MWAA::Environment}  # the environment\n"), Kind::Environment { imports: false });
        assert_eq!(kind("\u{feff}{Resources: {E: {Type: 'AWS::MWAA::Environment'}}}"), Kind::Environment { imports: false });
        // A template that does not parse is still checked (and check says why).
        assert_eq!(kind("Resources:\n  E:\n    Type: AWS::MWAA::Environment\n   bad: [\n"), Kind::Environment { imports: false });
    }
}
