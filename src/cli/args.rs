//! The clap definitions of every command and flag (CLI.md).

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};

use mwaa_preflight::config::FailOn;
use mwaa_preflight::target::{EndpointManagement, RoutingAssertion, WebserverAccess};

#[derive(Parser)]
#[command(
    name = "mwaa-preflight",
    version,
    about = "Will this VPC carry an Amazon MWAA environment? And if one is stuck, why?",
    after_help = EXIT_CODES
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// What `check`, `diagnose` and the hook exit with (CLI.md), shown under their help and the man page's.
macro_rules! exit_codes {
    () => {
        "Exit codes:
  0  no finding at or above --fail-on (default: error)
  1  a finding at or above --fail-on (or a skipped check, with --fail-on-skipped)
  2  the tool could not do its job: bad arguments, an unreadable or invalid input, no credentials,
     environment not found, AWS unreachable; the message says what and how to fix it"
    };
}
pub const EXIT_CODES: &str = exit_codes!();

/// `check --help`'s examples, then the exit codes.
const CHECK_AFTER_HELP: &str = concat!(
    "Examples:
  mwaa-preflight check infra/ --region us-east-1          templates and plans in a folder, offline
  mwaa-preflight check --template app.yaml --region us-east-1 --format sarif --output app.sarif
  mwaa-preflight check --terraform-plan plan.json --baseline preflight-baseline.json
  mwaa-preflight check --subnet-ids subnet-a,subnet-b --security-group-ids sg-1 --execution-role-arn ARN
                                                            a planned environment, read from the account
  mwaa-preflight check --environment my-env               an existing environment
  mwaa-preflight check --snapshot vpc.json --subnet-ids subnet-a,subnet-b --security-group-ids sg-1

",
    exit_codes!()
);

#[derive(Subcommand)]
pub enum Command {
    /// Preflight a planned or existing environment: its network, role, key, bucket, deployer and dependencies.
    #[command(after_help = CHECK_AFTER_HELP)]
    Check(Box<CheckArgs>),
    /// Explain an existing environment's state (PENDING, CREATE_FAILED, UNAVAILABLE) with the failing facts.
    #[command(after_help = EXIT_CODES)]
    Diagnose(Box<DiagnoseArgs>),
    /// List the rule catalog: code, name, severity, summary.
    Rules {
        /// `json`: one object per rule (code, name, severity, family, summary, docs).
        #[arg(long, value_enum, default_value = "human")]
        format: CatalogFormat,
    },
    /// Print one rule's documentation.
    Explain {
        /// A rule code (SUB004) or name (distinct-az).
        rule: String,
        /// `markdown`: the documentation as the repository keeps it (rules/CODE.md), fixture listing included.
        #[arg(long, value_enum, default_value = "text")]
        format: DocFormat,
    },
    /// Capture exactly what `check` reads into a snapshot file (for offline checks, CI and bug reports).
    Snapshot(Box<SnapshotArgs>),
    /// Print the read-only IAM policy the tool needs.
    IamPolicy(IamPolicyArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions { shell: clap_complete::Shell },
    /// Print the man page (roff): the tool's, or one command's (`man check` is mwaa-preflight-check(1)).
    Man {
        /// A command (check, diagnose, snapshot, ...).
        command: Option<String>,
    },
    /// Check the changed files a pre-commit hook is given: those that define an MWAA environment
    /// (CloudFormation templates, Terraform plan or state JSON), offline; other files are left alone.
    PreCommit(PreCommitArgs),
}

#[derive(Args)]
pub struct IamPolicyArgs {
    /// Scope the actions that take a resource ARN to it (environments, VPCs, prefix lists).
    #[arg(long)]
    pub least_privilege: bool,
    /// With --least-privilege: the region the resources are in (default: any).
    #[arg(long, value_parser = region_name, requires = "least_privilege")]
    pub region: Option<String>,
    /// With --least-privilege: the account that owns the environments and VPCs (default: any; for a
    /// shared VPC, the owner's account).
    #[arg(long, value_parser = account_id, requires = "least_privilege")]
    pub account: Option<String>,
    /// With --least-privilege: the execution role whose policies are read (default: any role of the account).
    #[arg(long, value_name = "ARN", value_parser = role_arn, requires = "least_privilege")]
    pub execution_role_arn: Option<String>,
    /// With --least-privilege: the customer managed key, by key ARN (default: any key of the account).
    #[arg(long, value_name = "ARN", value_parser = key_arn, requires = "least_privilege")]
    pub kms_key: Option<String>,
    /// With --least-privilege: the source bucket's ARN (default: any bucket).
    #[arg(long, value_name = "ARN", value_parser = bucket_arn, requires = "least_privilege")]
    pub source_bucket_arn: Option<String>,
    /// With --least-privilege: the principal whose CreateEnvironment permissions are simulated (default: any
    /// role or user of the account).
    #[arg(long, value_name = "ARN", value_parser = principal_arn, requires = "least_privilege")]
    pub deployer_arn: Option<String>,
}

/// A 12-digit AWS account ID.
fn account_id(text: &str) -> Result<String, String> {
    if text.len() == 12 && text.chars().all(|c| c.is_ascii_digit()) {
        Ok(text.to_string())
    } else {
        Err(format!("{text:?} is not an AWS account ID (12 digits)"))
    }
}

#[derive(Args)]
pub struct PreCommitArgs {
    /// The changed files (pre-commit passes them; a name may start with `-`).
    #[arg(allow_hyphen_values = true)]
    pub files: Vec<PathBuf>,
    /// The region the templates deploy to (default: AWS_REGION, AWS_DEFAULT_REGION, else us-east-1).
    #[arg(long, value_parser = region_name)]
    pub region: Option<String>,
    /// The lowest severity that fails the hook (default: the configuration's, else error).
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// A snapshot with the existing resources the templates refer to.
    #[arg(long)]
    pub snapshot: Option<PathBuf>,
    /// Make the safe fixes in the changed templates (`check --fix`); pre-commit then fails the commit
    /// because files changed, as with ruff's hook.
    #[arg(long)]
    pub fix: bool,
}

#[derive(Args)]
pub struct SnapshotArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// What a planned environment names beyond its network (role, key, bucket, objects, name for the deployer).
    #[command(flatten)]
    pub environment: EnvironmentArgs,
    #[command(flatten)]
    pub templates: TemplateArgs,
    /// Where to write the snapshot.
    #[arg(long)]
    pub output: PathBuf,
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// What to check or capture: a planned environment, an existing one, or all of them.
#[derive(Args)]
#[command(next_help_heading = "Target")]
pub struct TargetArgs {
    /// The two subnets of a planned environment.
    #[arg(long, value_delimiter = ',', requires = "security_group_ids", conflicts_with = "environment")]
    pub subnet_ids: Vec<String>,
    /// Its 1-5 security groups.
    #[arg(long, value_delimiter = ',', requires = "subnet_ids", conflicts_with = "environment")]
    pub security_group_ids: Vec<String>,
    /// An existing environment (its configuration comes from GetEnvironment, or the snapshot).
    #[arg(long, conflicts_with = "all_environments")]
    pub environment: Option<String>,
    /// Every MWAA environment of the region(s) (or of the snapshot).
    #[arg(long, conflicts_with_all = ["subnet_ids", "security_group_ids"])]
    pub all_environments: bool,
}

#[derive(Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Read the network from a snapshot file (no AWS calls); without it the tool reads the account. With
    /// --template: the existing resources the templates only refer to.
    #[arg(long, help_heading = "Target")]
    pub snapshot: Option<PathBuf>,
    #[command(flatten)]
    pub templates: TemplateArgs,
    #[command(flatten)]
    pub environment: EnvironmentArgs,
    #[command(flatten)]
    pub fix: FixArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// Repairing the templates checked, as ruff and clippy repair code.
#[derive(Args)]
#[command(next_help_heading = "Fixes")]
pub struct FixArgs {
    /// Apply the safe fixes to the CloudFormation templates given (--template), in place, or to the .tf
    /// files of the plan's configuration (--terraform-plan); what remains is reported. A template fix that
    /// does not clear its finding, or raises another, is not written.
    #[arg(long, requires = "iac")]
    pub fix: bool,
    /// With --fix or --diff: apply the unsafe fixes too (they change what you wrote: a route's target, a
    /// policy, the VPC's DHCP options).
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Print the fixes as a unified diff and write nothing (the exit code is the check's).
    #[arg(long, requires = "iac")]
    pub diff: bool,
    /// With --terraform-plan: the folder of the root module's .tf files (default: the plan's folder).
    #[arg(long, value_name = "DIR", requires = "terraform_plan")]
    pub terraform_dir: Option<PathBuf>,
}

impl FixArgs {
    pub fn requested(&self) -> bool {
        self.fix || self.diff
    }
}

#[derive(Args)]
pub struct DiagnoseArgs {
    /// The environment's name.
    #[arg(required_unless_present = "all")]
    pub name: Option<String>,
    /// Every MWAA environment of the region(s) (or of the snapshot).
    #[arg(long, conflicts_with = "name")]
    pub all: bool,
    /// Re-check until the environment leaves PENDING/CREATING/UPDATING: exit 0 when AVAILABLE, 1 when it fails.
    #[arg(long, conflicts_with_all = ["all", "snapshot"])]
    pub wait: bool,
    /// With --wait: give up after this long (like 90s, 30m, 2h).
    #[arg(long, default_value = "2h", value_parser = parse_duration, requires = "wait")]
    pub timeout: std::time::Duration,
    /// With --wait: first pause between checks (it doubles up to 5 minutes).
    #[arg(long, default_value = "30s", value_parser = parse_duration, requires = "wait")]
    pub interval: std::time::Duration,
    /// Read the environment and its network from a snapshot file instead of the account.
    #[arg(long)]
    pub snapshot: Option<PathBuf>,
    /// Assert the routing mode instead of deriving it from the route tables.
    #[arg(long, value_enum, default_value_t = RoutingAssertion::Auto)]
    pub routing: RoutingAssertion,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// CloudFormation templates or a Terraform plan as the source: nothing needs to exist, and no AWS call is made.
#[derive(Args, Default, Clone)]
#[command(group(clap::ArgGroup::new("iac").multiple(true).args(["paths", "templates", "terraform_plan"])))]
#[command(next_help_heading = "Templates and plans")]
pub struct TemplateArgs {
    /// Templates, Terraform plans or states, or folders of them (walked recursively; each file told by what it
    /// holds), quoted patterns, or `-` for a template on standard input, as linters take them. Templates that
    /// refer to each other (exports) are one stack set; independent ones are each checked on their own.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// A CloudFormation template, YAML or JSON (`-`: standard input), a quoted pattern, or a CDK cloud
    /// assembly folder (`--cdk-out cdk.out`: every stack its manifest.json lists, with construct paths);
    /// several resolve each other's Fn::ImportValue and Fn::GetStackOutput. Requires --region.
    #[arg(long = "template", visible_alias = "cdk-out", value_name = "FILE|DIR")]
    pub templates: Vec<PathBuf>,
    /// A template parameter's value (else its Default).
    #[arg(long = "parameter", value_name = "KEY=VALUE", value_parser = parameter, requires = "iac", conflicts_with = "terraform_plan")]
    pub parameters: Vec<(String, String)>,
    /// Parameter values in the form `aws cloudformation create-stack --parameters file://FILE` takes.
    #[arg(long, value_name = "FILE", requires = "iac", conflicts_with = "terraform_plan")]
    pub parameters_file: Option<PathBuf>,
    /// `terraform show -json PLANFILE`, `terraform show -json` (a state), or a terraform.tfstate (version 4).
    #[arg(long, value_name = "FILE", conflicts_with = "templates")]
    pub terraform_plan: Option<PathBuf>,
    /// Read the existing resources the templates or the plan only refer to (a VPC or subnets passed as
    /// parameters, data sources) from the account; without it (or --snapshot) they are unknown and no AWS
    /// call is made.
    #[arg(long, requires = "iac")]
    pub live: bool,
}

fn parameter(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
        _ => Err(format!("{text:?} is not KEY=VALUE")),
    }
}

/// `90s`, `30m`, `2h`, `1h30m`, or plain seconds.
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let mut total = 0u64;
    let mut number = String::new();
    for c in text.trim().chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86400,
            _ => return Err(format!("{text:?}: durations look like 90s, 30m, 2h")),
        };
        let value: u64 = number.parse().map_err(|_| format!("{text:?}: a number must come before {c:?}"))?;
        total += value * unit;
        number.clear();
    }
    if !number.is_empty() {
        total += number.parse::<u64>().map_err(|_| format!("{text:?} is not a duration"))?;
    }
    if total == 0 {
        return Err(format!("{text:?}: a duration must be positive"));
    }
    Ok(std::time::Duration::from_secs(total))
}

/// A region name as AWS spells them (us-east-1, ap-southeast-3, us-gov-west-1, eu-isoe-west-1).
fn region_name(text: &str) -> Result<String, String> {
    let parts: Vec<&str> = text.split('-').collect();
    let well_formed = parts.len() >= 3
        && parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
        && parts.last().is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()))
        && parts[0].chars().all(|c| c.is_ascii_lowercase());
    if well_formed {
        Ok(text.to_string())
    } else {
        Err(format!("{text:?} is not a region name (us-east-1, eu-west-2, ...)"))
    }
}

/// `arn:<partition>:s3:::<bucket>`, as CreateEnvironment's SourceBucketArn.
fn bucket_arn(text: &str) -> Result<String, String> {
    let bucket = arn_parts(text, "s3").filter(|(region, account, _)| region.is_empty() && account.is_empty()).map(|(_, _, r)| r);
    match bucket {
        Some(b) if (3..=63).contains(&b.len()) && !b.contains('/') => Ok(text.to_string()),
        _ => Err(format!("{text:?} is not an S3 bucket ARN (arn:aws:s3:::my-dags-bucket)")),
    }
}

/// `FORMAT=PATH` of `--output-format`.
fn format_and_path(text: &str) -> Result<(Format, PathBuf), String> {
    let (name, path) = text
        .split_once('=')
        .filter(|(_, p)| !p.is_empty())
        .ok_or_else(|| format!("{text:?} is not FORMAT=PATH (sarif=preflight.sarif)"))?;
    let format = <Format as ValueEnum>::from_str(name, true).map_err(|_| {
        let names: Vec<String> =
            Format::value_variants().iter().filter_map(|f| f.to_possible_value()).map(|v| v.get_name().to_string()).collect();
        format!("{name:?} is not a format ({})", names.join(", "))
    })?;
    Ok((format, PathBuf::from(path)))
}

/// `--kms-key`: any identifier; KMS001 judges its form (an alias or a bare ID is a finding, as it is in a
/// template or from GetEnvironment, not a usage error).
fn kms_key(text: &str) -> Result<String, String> {
    match text.trim() {
        "" => Err("--kms-key is empty (give the key's ARN)".to_string()),
        key => Ok(key.to_string()),
    }
}

/// An IAM ARN whose resource is one of `kinds` (`role/`, `user/`), for a policy's `Resource`.
fn iam_arn(text: &str, kinds: &[&str], example: &str) -> Result<String, String> {
    match arn_parts(text, "iam") {
        Some(("", account, resource)) if !account.is_empty() && kinds.iter().any(|k| resource.starts_with(k)) => Ok(text.to_string()),
        _ => Err(format!("{text:?} is not {example}")),
    }
}

fn role_arn(text: &str) -> Result<String, String> {
    iam_arn(text, &["role/"], "a role ARN (arn:aws:iam::111122223333:role/mwaa-execution)")
}

fn principal_arn(text: &str) -> Result<String, String> {
    iam_arn(text, &["role/", "user/"], "a role or user ARN (arn:aws:iam::111122223333:role/deployer)")
}

/// A key ARN (`arn:aws:kms:REGION:ACCOUNT:key/ID`), for a policy's `Resource`.
fn key_arn(text: &str) -> Result<String, String> {
    match arn_parts(text, "kms") {
        Some((region, account, resource)) if !region.is_empty() && !account.is_empty() && resource.starts_with("key/") => {
            Ok(text.to_string())
        }
        _ => Err(format!("{text:?} is not a key ARN (arn:aws:kms:us-east-1:111122223333:key/1234abcd-...)")),
    }
}

/// (region, account, resource) of an ARN of `service` in an AWS partition.
fn arn_parts<'a>(text: &'a str, service: &str) -> Option<(&'a str, &'a str, &'a str)> {
    let mut parts = text.splitn(6, ':');
    let (arn, partition, svc, region, account, resource) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    (arn == "arn" && partition.starts_with("aws") && svc == service).then_some((region, account, resource))
}

/// The settings of a planned environment (an existing one supplies its own), and the routing assertion.
#[derive(Args)]
#[command(next_help_heading = "Planned environment")]
pub struct EnvironmentArgs {
    /// Web server access: public (PUBLIC_ONLY), private (PRIVATE_ONLY) or public-and-private. Default:
    /// private, the service's default, reported under `target.assumed`.
    #[arg(long, value_enum)]
    pub webserver_access: Option<WebserverAccess>,
    /// Who creates the environment's VPC endpoints.
    #[arg(long, value_enum)]
    pub endpoint_management: Option<EndpointManagement>,
    /// Assert the routing mode; by default it is derived from the route tables.
    #[arg(long, value_enum, default_value_t = RoutingAssertion::Auto)]
    pub routing: RoutingAssertion,
    /// The DAG bucket, an S3 bucket ARN (checked against the S3 endpoint policy).
    #[arg(long, value_parser = bucket_arn)]
    pub source_bucket_arn: Option<String>,
    /// A customer managed KMS key, by key ARN as MWAA takes it (makes the kms endpoint required in private routing).
    #[arg(long, value_parser = kms_key)]
    pub kms_key: Option<String>,
    /// The environment class.
    #[arg(long, value_parser = ["mw1.micro", "mw1.small", "mw1.medium", "mw1.large", "mw1.xlarge", "mw1.2xlarge"])]
    pub environment_class: Option<String>,
    /// Workers at most, 1-25 as MWAA takes it (default: the class's, else 10); sizes SUB006's address count.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=25))]
    pub max_workers: Option<u32>,
    /// Schedulers, 1-5 as MWAA takes it (default: the class's, else 2).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=5))]
    pub schedulers: Option<u32>,
    /// The environment's name: its ARN, its log groups' and its queue's, which the execution role must allow.
    #[arg(long)]
    pub name: Option<String>,
    /// The execution role's ARN (the ROLE rules read its trust and permissions from a snapshot).
    #[arg(long, value_name = "ARN")]
    pub execution_role_arn: Option<String>,
    /// The DAG folder in the bucket (`dags`).
    #[arg(long, value_name = "PATH")]
    pub dag_s3_path: Option<String>,
    /// requirements.txt's key in the bucket.
    #[arg(long, value_name = "PATH")]
    pub requirements_s3_path: Option<String>,
    /// requirements.txt's version (S3 object version ID).
    #[arg(long, value_name = "VERSION", requires = "requirements_s3_path")]
    pub requirements_s3_object_version: Option<String>,
    /// plugins.zip's key in the bucket.
    #[arg(long, value_name = "PATH")]
    pub plugins_s3_path: Option<String>,
    /// plugins.zip's version (S3 object version ID).
    #[arg(long, value_name = "VERSION", requires = "plugins_s3_path")]
    pub plugins_s3_object_version: Option<String>,
    /// The startup script's key in the bucket.
    #[arg(long, value_name = "PATH")]
    pub startup_script_s3_path: Option<String>,
    /// The startup script's version (S3 object version ID).
    #[arg(long, value_name = "VERSION", requires = "startup_script_s3_path")]
    pub startup_script_s3_object_version: Option<String>,
    /// The Airflow version (default: MWAA's latest); from 2.2.2 the web server installs requirements too (PKG003).
    #[arg(long, value_name = "VERSION")]
    pub airflow_version: Option<String>,
    /// A tag of the environment, KEY=VALUE (repeatable; only whether there are tags matters: DEP003).
    #[arg(long = "tag", value_name = "KEY=VALUE", value_parser = tag)]
    pub tags: Vec<String>,
    /// The principal that will call CreateEnvironment, whose simulated permissions (EvaluationResults) the
    /// deployer rules read (default: the snapshot's deployer_arn).
    #[arg(long, value_name = "ARN")]
    pub deployer_arn: Option<String>,
    /// The requirements.txt to read instead of the S3 object (the only way a template's requirements are read
    /// offline).
    #[arg(long, value_name = "FILE")]
    pub requirements: Option<PathBuf>,
    /// A local plugins.zip, whose file list PKG006 reads.
    #[arg(long, value_name = "FILE")]
    pub plugins: Option<PathBuf>,
    /// The log types on (default: all five, assumed), comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', value_name = "TYPES")]
    pub log_types: Vec<LogType>,
}

/// A log type of `--log-types`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogType {
    DagProcessing,
    Scheduler,
    Task,
    Webserver,
    Worker,
}

impl LogType {
    /// The name its log group ends with (`airflow-NAME-Task`).
    pub fn group_suffix(self) -> &'static str {
        match self {
            LogType::DagProcessing => "DAGProcessing",
            LogType::Scheduler => "Scheduler",
            LogType::Task => "Task",
            LogType::Webserver => "WebServer",
            LogType::Worker => "Worker",
        }
    }
}

impl EnvironmentArgs {
    /// The flags that change nothing a snapshot captures (they are `check`'s to judge with).
    pub fn judging_only_flags(&self) -> Vec<&'static str> {
        let given = [
            (self.webserver_access.is_some(), "--webserver-access"),
            (self.endpoint_management.is_some(), "--endpoint-management"),
            (self.routing != RoutingAssertion::Auto, "--routing"),
            (self.environment_class.is_some(), "--environment-class"),
            (self.max_workers.is_some(), "--max-workers"),
            (self.schedulers.is_some(), "--schedulers"),
            (!self.log_types.is_empty(), "--log-types"),
            (!self.tags.is_empty(), "--tag"),
            (self.airflow_version.is_some(), "--airflow-version"),
            (self.requirements.is_some(), "--requirements"),
            (self.plugins.is_some(), "--plugins"),
        ];
        given.into_iter().filter(|(set, _)| *set).map(|(_, flag)| flag).collect()
    }

    /// The flags that describe a planned environment (an existing one supplies its own).
    pub fn planned_only_flags(&self) -> Vec<&'static str> {
        let given = [
            (self.webserver_access.is_some(), "--webserver-access"),
            (self.endpoint_management.is_some(), "--endpoint-management"),
            (self.source_bucket_arn.is_some(), "--source-bucket-arn"),
            (self.kms_key.is_some(), "--kms-key"),
            (self.environment_class.is_some(), "--environment-class"),
            (self.max_workers.is_some(), "--max-workers"),
            (self.schedulers.is_some(), "--schedulers"),
            (self.name.is_some(), "--name"),
            (self.execution_role_arn.is_some(), "--execution-role-arn"),
            (self.dag_s3_path.is_some(), "--dag-s3-path"),
            (self.requirements_s3_path.is_some(), "--requirements-s3-path"),
            (self.plugins_s3_path.is_some(), "--plugins-s3-path"),
            (self.startup_script_s3_path.is_some(), "--startup-script-s3-path"),
            (self.requirements_s3_object_version.is_some(), "--requirements-s3-object-version"),
            (self.plugins_s3_object_version.is_some(), "--plugins-s3-object-version"),
            (self.startup_script_s3_object_version.is_some(), "--startup-script-s3-object-version"),
            (!self.log_types.is_empty(), "--log-types"),
            (!self.tags.is_empty(), "--tag"),
            (self.airflow_version.is_some(), "--airflow-version"),
        ];
        given.into_iter().filter(|(set, _)| *set).map(|(_, flag)| flag).collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    /// One line per finding (`file:line:column: CODE severity resource: message`), then the counts.
    Concise,
    Json,
    Sarif,
    /// A compact report for pull-request comments and job summaries.
    Markdown,
    /// GitHub Actions: workflow annotations on stdout, the Markdown report appended to $GITHUB_STEP_SUMMARY.
    Github,
    Junit,
    /// The network as a Mermaid flowchart, failing flows marked.
    Mermaid,
    /// The network as a Graphviz digraph, failing flows marked.
    Dot,
    /// One self-contained page: summary, findings with remediation and traces, the network picture.
    Html,
    /// The network picture alone, laid out by the tool (no Graphviz needed).
    Svg,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DocFormat {
    Text,
    Markdown,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CatalogFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Args)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Report format (default: human, as cfn-lint, checkov, tflint and ruff print; with --output, what the
    /// file's extension names: .json, .sarif, .md, .html, .svg, .xml for JUnit, .dot, .mmd).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Write the report to FILE instead of standard output.
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Also write the report in FORMAT to PATH, in the same run (repeatable): `--output-format
    /// sarif=preflight.sarif --output-format json=preflight.json`.
    #[arg(long = "output-format", value_name = "FORMAT=PATH", value_parser = format_and_path)]
    pub output_formats: Vec<(Format, PathBuf)>,
    /// Exit 1 when a finding is at or above this severity (default: the config's, else error).
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Also exit 1 when any check was skipped (data not captured or not knowable): for CI gates that must not
    /// pass on partial data. Without it, skipped checks are listed but do not fail the run.
    #[arg(long)]
    pub fail_on_skipped: bool,
    /// Run only these rules: codes, names (`distinct-az`), code prefixes (`RT`, `VPCE00`) or families
    /// (`network`), comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Vec<String>,
    /// Run these rules too (codes, names, prefixes or families, comma-separated): added to --select, and
    /// switched back on where the configuration turns them off.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub extend_select: Vec<String>,
    /// Do not run these rules (codes, names, prefixes or families, comma-separated); wins over --select,
    /// --extend-select and the configuration.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<String>,
    /// Accept the findings recorded in this baseline (`--create-baseline`): they are listed as ignored, and the
    /// run fails only on new ones; an entry that matches no finding any more is noted.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record this run's findings as a baseline in FILE (JSON), for later runs' --baseline.
    #[arg(long, value_name = "FILE")]
    pub create_baseline: Option<PathBuf>,
    /// The configuration file (default: mwaa-preflight.toml in this directory or a parent).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Colors in the human report (NO_COLOR is honoured with auto).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Only the report: no progress, no headings (the human view keeps findings and the summary line).
    #[arg(long, short)]
    pub quiet: bool,
    /// Also print each finding's evidence (human report).
    #[arg(long, short)]
    pub verbose: bool,
}

impl OutputArgs {
    /// Every file the run writes its report to.
    pub fn written(&self) -> Vec<&Path> {
        self.output.iter().chain(self.output_formats.iter().map(|(_, p)| p)).chain(&self.create_baseline).map(PathBuf::as_path).collect()
    }
}

#[derive(Args)]
#[command(next_help_heading = "AWS access")]
pub struct AwsArgs {
    /// The AWS region (live: else AWS_REGION or the profile's; offline: else the snapshot's, else the
    /// subnets' Availability Zones). Several, comma-separated, with --all-environments / --all.
    #[arg(long, value_delimiter = ',', value_parser = region_name)]
    pub region: Vec<String>,
    /// A named profile of ~/.aws/config (else AWS_PROFILE, else the default chain).
    #[arg(long)]
    pub profile: Option<String>,
    /// Send AWS requests to this URL (an emulator, a VPC endpoint); AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_EC2
    /// and AWS_ENDPOINT_URL_MWAA work as in every AWS SDK.
    #[arg(long)]
    pub endpoint_url: Option<String>,
    /// Audits: how many environments (and VPCs) are read at once; EC2 throttles accounts that ask too much at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
}

/// `KEY=VALUE` of `--tag`.
fn tag(text: &str) -> Result<String, String> {
    match text.split_once('=') {
        Some((key, _)) if !key.is_empty() => Ok(text.to_string()),
        _ => Err(format!("{text:?} is not KEY=VALUE")),
    }
}
