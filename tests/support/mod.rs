//! Shared by the integration tests: running the real binary and materialising fixture cases.
#![allow(dead_code)] // each test binary uses part of this module

pub mod mutations;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde::Deserialize;
use serde_json::Value;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The folder `target/{group}/{name}`, emptied first.
pub fn fresh_folder(group: &str, name: &str) -> PathBuf {
    let dir = root().join("target").join(group).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Writes `text` as `name` in the scratch folder `target/{folder}`, returning its path.
pub fn scratch_file(folder: &str, name: &str, text: &str) -> PathBuf {
    let dir = root().join("target").join(folder);
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

pub fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mwaa-preflight"));
    // Reports that carry a time (the HTML page) are pinned, as reproducible builds pin theirs.
    command.env_remove("NO_COLOR").env_remove("AWS_REGION").env("SOURCE_DATE_EPOCH", "1764806400");
    command
}

pub fn run(args: &[&str]) -> Output {
    binary().args(args).output().expect("the binary runs")
}

/// Runs `command` with `input` on its standard input, capturing its output.
pub fn piped(command: &mut Command, input: &[u8]) -> Output {
    use std::io::Write as _;
    use std::process::Stdio;
    let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("the command runs");
    child.stdin.take().expect("stdin").write_all(input).expect("write its input");
    child.wait_with_output().expect("it exits")
}

/// Python that defines a PyYAML `Loader` (a subclass of `yaml.<base>`) reading CloudFormation's short forms
/// (`!Ref X`): each tagged node becomes `tagged_form(suffix, value)`, which the rest of the script defines.
pub fn pyyaml_loader(base: &str) -> String {
    format!(
        r#"
import json, sys, yaml
class Loader(yaml.{base}):
    pass
def tagged(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return tagged_form(suffix, value)
Loader.add_multi_constructor("!", tagged)
"#
    )
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// (code, resource) of a JSON report's findings, sorted ("" for a finding without a resource).
pub fn codes(report: &Value) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| (f["code"].as_str().unwrap_or_default().to_string(), f["resource"].as_str().unwrap_or_default().to_string()))
        .collect();
    found.sort();
    found
}

/// A fixture case: a reference network, a JSON patch that breaks (or keeps) it, the arguments, and the
/// exact findings expected (`[code, resource]` or `[code, resource, severity]`).
#[derive(Debug, Deserialize)]
pub struct Case {
    pub description: String,
    pub network: String,
    pub args: Vec<String>,
    pub patch: json_patch::Patch,
    pub exit: i32,
    pub findings: Vec<Vec<Value>>,
    #[serde(default)]
    pub skipped: Option<Vec<String>>,
}

/// A case file as its type (a snapshot case, a template or Terraform case).
fn load<T: serde::de::DeserializeOwned>(path: &Path) -> T {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn load_case(path: &Path) -> Case {
    load(path)
}

/// The case's snapshot: the reference network with the patch applied, written next to the other
/// materialised cases under target/.
pub fn materialise(case: &Case, name: &str) -> PathBuf {
    let base = root().join("fixtures/networks").join(format!("{}.json", case.network));
    let text = std::fs::read_to_string(&base).unwrap_or_else(|e| panic!("{}: {e}", base.display()));
    let mut doc: Value = serde_json::from_str(&text).expect("reference network is JSON");
    json_patch::patch(&mut doc, &case.patch).unwrap_or_else(|e| panic!("{name}: patch does not apply: {e}"));
    let dir = root().join("target/fixture-cases");
    std::fs::create_dir_all(&dir).expect("target dir");
    let path = dir.join(format!("{}.json", name.replace('/', "__")));
    // Tests run at once may materialise the same case: each writes its own file and renames it into place,
    // so that a reader never sees one half written.
    static WRITES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let partial = dir.join(format!("{}.{}.{n}.partial", name.replace('/', "__"), std::process::id()));
    std::fs::write(&partial, serde_json::to_string_pretty(&doc).expect("json")).expect("write case");
    std::fs::rename(&partial, &path).expect("rename case");
    path
}

pub fn case_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    let dir = root().join("fixtures/cases");
    for code in std::fs::read_dir(&dir).expect("fixtures/cases") {
        let code = code.expect("entry").path();
        for file in std::fs::read_dir(&code).expect("rule dir") {
            let file = file.expect("entry").path();
            if file.extension().is_some_and(|e| e == "json") {
                files.push(file);
            }
        }
    }
    files.sort();
    files
}

/// A template case: a base template (fixtures/templates/base/<base>.yaml) with exact text edits (each
/// `[old, new]` must match once), or a template file of its own beside the case, and what to expect.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateCase {
    pub description: String,
    #[serde(default)]
    pub base: Option<String>,
    #[serde(default)]
    pub file: Option<String>,
    /// A Terraform case: the plan or state under fixtures/terraform/plans/.
    #[serde(default)]
    pub plan: Option<String>,
    #[serde(default)]
    pub edits: Vec<(String, String)>,
    #[serde(default)]
    pub args: Vec<String>,
    pub exit: i32,
    pub findings: Vec<Vec<Value>>,
    #[serde(default)]
    pub skipped: Option<Vec<String>>,
}

pub fn load_template_case(path: &Path) -> TemplateCase {
    load(path)
}

/// The case's template, written under target/ (edits applied); `Err` names an edit that does not match once.
pub fn materialise_template(case: &TemplateCase, dir: &Path, name: &str) -> Result<PathBuf, String> {
    let source = match (&case.base, &case.file) {
        (Some(base), None) => root().join("fixtures/templates/base").join(format!("{base}.yaml")),
        (None, Some(file)) => dir.join(file),
        _ => return Err(format!("{name}: give `base` or `file`")),
    };
    let mut text = std::fs::read_to_string(&source).map_err(|e| format!("{}: {e}", source.display()))?;
    for (old, new) in &case.edits {
        if text.matches(old.as_str()).count() != 1 {
            return Err(format!("{name}: edit {old:?} does not match exactly once"));
        }
        text = text.replacen(old.as_str(), new, 1);
    }
    let out = root().join("target/template-cases");
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    let extension = source.extension().and_then(|e| e.to_str()).unwrap_or("yaml");
    let path = out.join(format!("{}.{extension}", name.replace('/', "__")));
    std::fs::write(&path, text).map_err(|e| e.to_string())?;
    Ok(path)
}

/// A fixture case run through the binary with `--format FORMAT`: its output and stdout.
pub fn case_output(case: &str, format: &str, env: &[(&str, &str)]) -> (Output, String) {
    let file = root().join("fixtures/cases").join(format!("{case}.json"));
    let loaded = load_case(&file);
    let path = materialise(&loaded, case);
    let relative = path.strip_prefix(root()).expect("under root").display().to_string();
    let output = binary()
        .current_dir(root())
        .envs(env.iter().copied())
        .args(&loaded.args)
        .args(["--snapshot", &relative, "--format", format])
        .output()
        .expect("runs");
    let text = stdout(&output);
    (output, text)
}
