//! `pre-commit FILES...`: what the pre-commit hook runs on the changed files. It picks out the ones that
//! define an MWAA environment (a CloudFormation template with AWS::MWAA::Environment, a Terraform plan or
//! state JSON with aws_mwaa_environment) and runs `check` on each, offline; every other file is not ours
//! and is left alone. A template that imports values is checked together with the changed templates that
//! export some.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;

use super::args::{Cli, PreCommitArgs};
use super::{check, Failure};

/// What a changed file is to the hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A CloudFormation template defining an environment; `imports`: it uses Fn::ImportValue.
    Environment { imports: bool },
    /// A CloudFormation template without an environment that exports values.
    Exporter,
    TerraformPlan,
    /// Anything else: another template, another JSON or YAML file.
    Other,
}

fn kind(text: &str) -> Kind {
    let (environment, imports, exports) = match serde_json::from_str::<serde_json::Value>(text) {
        Ok(json) if json.get("format_version").is_some() || json.get("terraform_version").is_some() => {
            return if text.contains("\"aws_mwaa_environment\"") { Kind::TerraformPlan } else { Kind::Other };
        }
        Ok(json) => {
            let Some(resources) = json.get("Resources").and_then(serde_json::Value::as_object) else { return Kind::Other };
            let environment = resources.values().any(|r| r.get("Type").and_then(serde_json::Value::as_str) == Some("AWS::MWAA::Environment"));
            let outputs = json.get("Outputs").and_then(serde_json::Value::as_object);
            (environment, text.contains("Fn::ImportValue"), outputs.is_some_and(|o| o.values().any(|v| v.get("Export").is_some())))
        }
        // YAML: a template has `Resources:` at the top level (column 0); its resources' `Type:` lines.
        Err(_) => {
            let lines = || text.lines().map(str::trim_end);
            if !lines().any(|l| l.strip_prefix("Resources").is_some_and(|rest| rest.trim_start().starts_with(':'))) {
                return Kind::Other;
            }
            let environment =
                lines().any(|l| l.trim_start().strip_prefix("Type:").is_some_and(|t| t.trim().trim_matches(['"', '\'']) == "AWS::MWAA::Environment"));
            (environment, text.contains("ImportValue"), lines().any(|l| l.trim_start().starts_with("Export:")))
        }
    };
    match (environment, exports) {
        (true, _) => Kind::Environment { imports },
        (false, true) => Kind::Exporter,
        (false, false) => Kind::Other,
    }
}

pub fn run(args: &PreCommitArgs) -> Result<ExitCode, Failure> {
    let mut files: Vec<(&PathBuf, Kind)> = Vec::new();
    for path in &args.files {
        // A file that cannot be read as text is not a template (pre-commit passes what changed, binaries too).
        let Ok(text) = std::fs::read_to_string(path) else { continue };
        files.push((path, kind(&text)));
    }
    let exporters: Vec<&PathBuf> = files.iter().filter(|(_, k)| *k == Kind::Exporter).map(|(p, _)| *p).collect();
    let region = args.region.clone().or_else(|| std::env::var("AWS_REGION").ok()).or_else(|| std::env::var("AWS_DEFAULT_REGION").ok());
    let region = region.unwrap_or_else(|| {
        eprintln!("mwaa-preflight: no --region, AWS_REGION or AWS_DEFAULT_REGION; checking as us-east-1");
        "us-east-1".to_string()
    });
    let mut worst = 0u8;
    for (path, kind) in &files {
        let mut command: Vec<String> = vec!["mwaa-preflight".into(), "check".into(), "--region".into(), region.clone()];
        match kind {
            Kind::Environment { imports } => {
                command.extend(["--template".into(), text_of(path)]);
                if *imports {
                    for exporter in &exporters {
                        command.extend(["--template".into(), text_of(exporter)]);
                    }
                }
            }
            Kind::TerraformPlan => command.extend(["--terraform-plan".into(), text_of(path)]),
            Kind::Exporter | Kind::Other => continue,
        }
        if let Some(snapshot) = &args.snapshot {
            command.extend(["--snapshot".into(), text_of(snapshot)]);
        }
        command.extend(["--format".into(), "human".into()]);
        if let Some(name) = args.fail_on.and_then(|f| clap::ValueEnum::to_possible_value(&f)) {
            command.extend(["--fail-on".into(), name.get_name().to_string()]);
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

fn text_of(path: &Path) -> String {
    path.display().to_string()
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
    }
}
