//! `pre-commit FILES...`: what the pre-commit hook runs on the changed files. It picks out the ones that
//! define an MWAA environment (a CloudFormation template with AWS::MWAA::Environment, a Terraform plan or
//! state JSON with aws_mwaa_environment) and runs `check` on each, offline; every other file is not ours
//! and is left alone. A template that imports values is checked together with the changed templates that
//! export some.

use std::ffi::OsString;
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use mwaa_preflight::input::template::yaml;
use mwaa_preflight::input::{decode_utf16, utf16_order};

use super::args::{Cli, PreCommitArgs};
use super::{check, Failure};

/// The most of a file the hook reads to tell what it is (templates may be 64 MB). A larger file is told by
/// its first MB: it is checked when that names an environment, else left alone with a note.
const CLASSIFY_LIMIT: u64 = 64 * 1024 * 1024;
const PEEK: u64 = 1024 * 1024;

/// What a changed file is to the hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
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
fn kind(text: &str) -> Kind {
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

/// A changed file as the hook finds it.
enum Found {
    Text(String),
    /// Not read, with why (a FIFO, a device, a directory, a large data file).
    LeftAlone(String),
}

/// Reads a changed file within bounds: only regular files (a FIFO would hang, a link to /dev/zero never
/// end), at most CLASSIFY_LIMIT bytes, UTF-16 with a byte order mark decoded, other bytes read leniently
/// (the real reader names a bad byte when the file is checked).
fn read(path: &std::path::Path) -> std::io::Result<Found> {
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

pub fn run(args: &PreCommitArgs) -> Result<ExitCode, Failure> {
    let mut files: Vec<(&PathBuf, Kind)> = Vec::new();
    let mut worst = 0u8;
    for path in &args.files {
        match read(path) {
            Ok(Found::Text(text)) => files.push((path, kind(&text))),
            Ok(Found::LeftAlone(why)) => eprintln!("mwaa-preflight: {} left alone: {why}", path.display()),
            Err(error) => {
                // A changed file the hook cannot read may define an environment: never a silent pass.
                eprintln!("mwaa-preflight: cannot read {}: {error}", path.display());
                worst = 2;
            }
        }
    }
    let exporters: Vec<&PathBuf> = files.iter().filter(|(_, k)| *k == Kind::Exporter).map(|(p, _)| *p).collect();
    let region = args.region.clone().or_else(|| std::env::var("AWS_REGION").ok()).or_else(|| std::env::var("AWS_DEFAULT_REGION").ok());
    let region = region.unwrap_or_else(|| {
        eprintln!("mwaa-preflight: no --region, AWS_REGION or AWS_DEFAULT_REGION; checking as us-east-1");
        "us-east-1".to_string()
    });
    for (path, kind) in &files {
        let mut command: Vec<OsString> = ["mwaa-preflight", "check", "--region", &region].map(OsString::from).to_vec();
        match kind {
            Kind::Environment { imports } => {
                command.push(flag("--template", path));
                if args.fix {
                    command.push("--fix".into());
                }
                if *imports {
                    command.extend(exporters.iter().map(|exporter| flag("--template", exporter)));
                }
            }
            Kind::TerraformPlan => command.push(flag("--terraform-plan", path)),
            Kind::Exporter | Kind::Other => continue,
        }
        if let Some(snapshot) = &args.snapshot {
            command.push(flag("--snapshot", snapshot));
        }
        command.extend(["--format".into(), "human".into()]);
        if let Some(name) = args.fail_on.and_then(|f| clap::ValueEnum::to_possible_value(&f)) {
            command.extend(["--fail-on".into(), name.get_name().into()]);
        }
        let code = match Cli::try_parse_from(&command) {
            Ok(Cli { command: super::args::Command::Check(check_args), .. }) => match check::run(&check_args) {
                Ok(code) if code == ExitCode::SUCCESS => 0,
                Ok(code) if code == ExitCode::from(1) => 1,
                Ok(_) => 2,
                Err(failure) => {
                    super::print_failure(&failure);
                    2
                }
            },
            Ok(_) => 2,
            Err(error) => {
                eprintln!("{error}");
                2
            }
        };
        worst = worst.max(code);
    }
    Ok(ExitCode::from(worst))
}

/// `--name=PATH` as one argument: a path starting with `-` stays a path, and a name that is not UTF-8 is
/// passed as it is.
fn flag(name: &str, path: &std::path::Path) -> OsString {
    let mut argument = OsString::from(format!("{name}="));
    argument.push(path.as_os_str());
    argument
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
