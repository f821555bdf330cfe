//! What is being checked: the environment's network settings, from flags (a planned environment) or from
//! an existing environment's GetEnvironment answer.

use serde::Serialize;

use crate::model::Environment;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum RoutingAssertion {
    Auto,
    Public,
    Private,
}

/// Where the Airflow web server is reachable: `--webserver-access`, `WebserverAccessMode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum WebserverAccess {
    /// PUBLIC_ONLY
    #[value(name = "public")]
    PublicOnly,
    /// PRIVATE_ONLY
    #[value(name = "private")]
    PrivateOnly,
    /// PUBLIC_AND_PRIVATE (Airflow 3.2 and later): a public load balancer for browsers and a private
    /// endpoint for the workers
    #[value(name = "public-and-private")]
    PublicAndPrivate,
}

impl WebserverAccess {
    /// GetEnvironment's value (PUBLIC_ONLY for anything it does not know).
    pub fn parse(value: &str) -> Self {
        match value.to_ascii_uppercase().as_str() {
            "PRIVATE_ONLY" | "PRIVATE" => WebserverAccess::PrivateOnly,
            "PUBLIC_AND_PRIVATE" => WebserverAccess::PublicAndPrivate,
            _ => WebserverAccess::PublicOnly,
        }
    }

    pub fn as_api(self) -> &'static str {
        match self {
            WebserverAccess::PublicOnly => "PUBLIC_ONLY",
            WebserverAccess::PrivateOnly => "PRIVATE_ONLY",
            WebserverAccess::PublicAndPrivate => "PUBLIC_AND_PRIVATE",
        }
    }

    /// Whether MWAA puts a web server endpoint in the env subnets (PRIVATE_ONLY, PUBLIC_AND_PRIVATE).
    pub fn has_private_endpoint(self) -> bool {
        matches!(self, WebserverAccess::PrivateOnly | WebserverAccess::PublicAndPrivate)
    }
}

/// Who creates the environment's VPC endpoints: `--endpoint-management`, `EndpointManagement`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EndpointManagement {
    Service,
    Customer,
}

impl EndpointManagement {
    pub fn parse(value: &str) -> Self {
        if value.eq_ignore_ascii_case("customer") {
            EndpointManagement::Customer
        } else {
            EndpointManagement::Service
        }
    }

    pub fn as_api(self) -> &'static str {
        match self {
            EndpointManagement::Service => "SERVICE",
            EndpointManagement::Customer => "CUSTOMER",
        }
    }
}

/// How an environment's KmsKey is written, where a template or plan knows more than a text: what `!Ref` of
/// an `AWS::KMS::Key` gives is its key ID, what `!GetAtt Key.Arn` gives its ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyGiven {
    /// The text as given (a flag, GetEnvironment, a snapshot, a literal in the code).
    Text(String),
    /// The key ID of a key resource of the code (`!Ref Key`, `aws_kms_key.x.key_id`).
    KeyIdOf(String),
    /// The ARN of a key resource of the code (`!GetAtt Key.Arn`, `aws_kms_key.x.arn`).
    ArnOf(String),
    /// The name or ARN of an alias resource of the code (`!Ref Alias`, `aws_kms_alias.x.arn`).
    AliasOf(String),
    /// Known only at deployment, with why.
    Unknown(String),
}

/// How an environment's ExecutionRoleArn is written: what `!GetAtt Role.Arn` or `aws_iam_role.x.arn` gives
/// is the role the code creates, whatever its ARN will be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleGiven {
    /// The ARN as given (a flag, GetEnvironment, a snapshot, a literal in the code).
    Text(String),
    /// The ARN of a role resource of the code, by its ID in the model.
    ArnOf(String),
    /// Known only at deployment, with why.
    Unknown(String),
}

/// A policy of the execution role created apart from it (RULES.md ROLE005): CreateEnvironment may run
/// before it is attached unless the environment waits for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeparatePolicy {
    /// The role's key in the model (its name, else its ID).
    pub role: String,
    pub policy: PolicyOf,
    /// The resource that creates or attaches it, by its ID in the model.
    pub resource: String,
}

/// How a role holds a policy: inline by name, attached by ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyOf {
    Inline(String),
    Attached(String),
}

/// What a template or plan orders before the environment: the policies created apart from their roles,
/// and every resource the environment waits for (its `DependsOn`/`depends_on` and references, transitively).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyOrder {
    pub separate: Vec<SeparatePolicy>,
    pub waits_for: std::collections::BTreeSet<String>,
}

/// The log types MWAA writes when the input does not say (RULES.md v3: all five).
pub const ALL_LOG_TYPES: [&str; 5] = ["DAGProcessing", "Scheduler", "Task", "WebServer", "Worker"];

/// What the environment names beyond its network (RULES.md v3 "Environment facts"): the execution role's
/// required permissions are built from them.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The environment's name, which its own, its log groups' and its queue's ARNs carry.
    pub name: Option<String>,
    pub execution_role: Option<RoleGiven>,
    pub dag_s3_path: Option<String>,
    /// The requirements, plugins and startup script objects given.
    pub objects: Vec<ObjectGiven>,
    /// The log types on; `None`: not given, all five assumed.
    pub log_types: Option<Vec<String>>,
    /// The Celery queue's ARN, once the environment exists.
    pub celery_queue: Option<String>,
    /// The source bucket, when the code creates it or a state holds it.
    pub bucket_in_code: Option<CodeBucket>,
    /// Whether the environment has tags (CreateEnvironment then tags it: DEP003).
    pub tagged: bool,
    /// The principal that will call CreateEnvironment (`--deployer-arn`), when given.
    pub deployer_arn: Option<String>,
    /// The Airflow version (`None`: MWAA's default, the latest).
    pub airflow_version: Option<String>,
    /// The requirements.txt to read instead of the S3 object (`--requirements FILE`).
    pub requirements_file: Option<LocalFile>,
    /// The files in plugins.zip (`--plugins FILE`).
    pub plugins_listing: Option<Vec<String>>,
}

/// A file the user gave, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalFile {
    pub path: String,
    pub text: String,
}

/// A bucket of a template or plan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeBucket {
    /// Its ID in the model (what findings name: its logical ID or address).
    pub id: String,
    /// Its name (`{ID.BucketName}` when the deployment generates it).
    pub name: String,
    /// Created by the deployment (not in a state yet): empty until something fills it.
    pub new: bool,
    /// New without a public access block: S3's default for new buckets, all four settings on, applies.
    pub default_block: bool,
    /// The resource that sets its public access block apart from it (`aws_s3_bucket_public_access_block`).
    pub block_resource: Option<String>,
}

impl Facts {
    pub fn of(environment: &Environment) -> Self {
        Facts {
            name: Some(environment.name.clone()).filter(|n| !n.is_empty()),
            execution_role: environment.execution_role_arn.clone().map(RoleGiven::Text),
            dag_s3_path: environment.dag_s3_path.clone(),
            objects: ObjectGiven::all([
                (&environment.requirements_s3_path, &environment.requirements_s3_object_version),
                (&environment.plugins_s3_path, &environment.plugins_s3_object_version),
                (&environment.startup_script_s3_path, &environment.startup_script_s3_object_version),
            ]),
            log_types: environment.logging_configuration.as_ref().map(|l| l.enabled().into_iter().map(str::to_string).collect()),
            celery_queue: environment.celery_executor_queue.clone(),
            bucket_in_code: None,
            tagged: environment.tags.as_ref().is_some_and(|t| !t.is_empty()),
            deployer_arn: None,
            airflow_version: environment.airflow_version.clone(),
            requirements_file: None,
            plugins_listing: None,
        }
    }
}

/// An object the environment names in its bucket, at the version it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectGiven {
    /// The property that names it (`RequirementsS3Path`); its version's is the same with `ObjectVersion`.
    pub property: &'static str,
    /// The key as given: relative (`requirements.txt`) or an `s3://` URL (NOTES.md takes both).
    pub path: String,
    pub version: Option<String>,
}

impl ObjectGiven {
    /// The properties of the three objects, in CreateEnvironment's order.
    pub const PROPERTIES: [&'static str; 3] = ["RequirementsS3Path", "PluginsS3Path", "StartupScriptS3Path"];

    /// The objects given, from (path, version) in [`Self::PROPERTIES`]' order.
    pub fn all(given: [(&Option<String>, &Option<String>); 3]) -> Vec<Self> {
        Self::PROPERTIES
            .into_iter()
            .zip(given)
            .filter_map(|(property, (path, version))| Some(ObjectGiven { property, path: path.clone()?, version: version.clone() }))
            .collect()
    }

    /// Its key in `bucket`: `Err` with why when an `s3://` path names another bucket.
    pub fn key_in(&self, bucket: &str) -> Result<&str, String> {
        match self.path.strip_prefix("s3://") {
            None => Ok(self.path.trim_start_matches('/')),
            Some(rest) => match rest.split_once('/') {
                Some((named, key)) if named == bucket => Ok(key),
                _ => Err(format!("{}'s path {} names another bucket than the source bucket {bucket}", self.what(), self.path)),
            },
        }
    }

    /// `RequirementsS3ObjectVersion` for `RequirementsS3Path`.
    pub fn version_property(&self) -> String {
        self.property.replace("S3Path", "S3ObjectVersion")
    }

    /// What the object is, for messages.
    pub fn what(&self) -> &'static str {
        match self.property {
            "RequirementsS3Path" => "requirements.txt",
            "PluginsS3Path" => "plugins.zip",
            _ => "the startup script",
        }
    }
}

/// The language remediation is written in: commands for what exists, template changes for what does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Language {
    #[default]
    AwsCli,
    CloudFormation,
    /// A CDK app's synthesized templates: the change belongs in the app's constructs.
    Cdk,
    Terraform,
}

/// MWAA's defaults when neither the environment nor its class says (CreateEnvironment API reference:
/// MaxWorkers 10, Schedulers 2).
pub const DEFAULT_MAX_WORKERS: u32 = 10;
pub const DEFAULT_SCHEDULERS: u32 = 2;

/// The tasks an environment runs in its subnets, and where the figures came from (SUB006 says).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capacity {
    pub schedulers: u32,
    pub max_workers: u32,
    /// Fargate tasks with an ENI in the env subnets at most (T in RULES.md's SUB006): one on mw1.micro (a
    /// hybrid worker-and-scheduler task), else the schedulers and twice MaxWorkers, because GRACEFUL
    /// replacement keeps old workers for up to 12 hours while new ones start.
    pub tasks: u32,
    /// How `tasks` is counted, in words.
    pub tasks_from: String,
    /// Where each figure came from.
    pub basis: String,
}

/// The endpoint services of MWAA's database and web server, when known: GetEnvironment's once MWAA has made
/// them; a template's or plan's reference to the planned environment's attribute before.
#[derive(Debug, Clone, Default)]
pub struct EndpointServices {
    pub database: Option<String>,
    pub webserver: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub subnet_ids: Vec<String>,
    pub security_group_ids: Vec<String>,
    pub webserver_access: WebserverAccess,
    /// The input did not say: `webserver_access` is the service's default, PRIVATE_ONLY.
    pub webserver_access_assumed: bool,
    pub endpoint_management: EndpointManagement,
    pub routing: RoutingAssertion,
    pub source_bucket_arn: Option<String>,
    pub kms_key: Option<String>,
    /// How KmsKey is written, where the code says more than its text (KMS001); `None`: as `kms_key` reads.
    pub kms_key_given: Option<KeyGiven>,
    /// The role, objects, logs and name the environment names (the v3 families).
    pub facts: Facts,
    /// A template's or plan's order of creation around the environment (ROLE005); `None` for what exists.
    pub policy_order: Option<PolicyOrder>,
    /// How the template is written (YAML short or long forms, JSON): the remediation is written alike.
    pub code_form: crate::remedy::Form,
    pub environment_class: Option<String>,
    /// Set by `--max-workers` or the environment; else the class's figure applies.
    pub max_workers: Option<u32>,
    pub schedulers: Option<u32>,
    /// The existing environment, when the target is one (`--environment`, `diagnose`).
    pub environment: Option<Environment>,
    pub endpoint_services: EndpointServices,
    /// Why the subnet or security group IDs are not known (a plan's `var.subnet_ids`): SUB001 and SG001 are
    /// then skipped, not failed for "0 given".
    pub unknown_ids: Vec<String>,
    /// A planned environment's name in its source (a template's logical ID), for the report.
    pub planned_name: Option<String>,
    pub language: Language,
    /// The code's name (a Terraform resource address) of each existing resource's AWS ID, for remediation.
    pub resource_names: std::collections::BTreeMap<String, String>,
    /// Findings the code accepts beside the resource (a template's `Metadata: mwaa-preflight: ignore`),
    /// applied like the configuration's `[[ignore]]`.
    pub suppressions: Vec<crate::config::Ignore>,
    /// A CDK app's construct path of each resource (by its ID in the model), shown beside findings.
    pub construct_paths: std::collections::BTreeMap<String, String>,
    pub region: String,
    pub account_id: Option<String>,
    /// The moment the state was read (the snapshot's `captured_at`, or now): ENV001's clock.
    pub observed_at: Option<jiff::Timestamp>,
}

impl Settings {
    /// A planned environment with MWAA's defaults (private web server, SERVICE endpoints, routing derived).
    pub fn planned(subnet_ids: Vec<String>, security_group_ids: Vec<String>, region: String) -> Self {
        Self {
            subnet_ids,
            security_group_ids,
            webserver_access: WebserverAccess::PrivateOnly,
            webserver_access_assumed: true,
            endpoint_management: EndpointManagement::Service,
            routing: RoutingAssertion::Auto,
            source_bucket_arn: None,
            kms_key: None,
            kms_key_given: None,
            facts: Facts::default(),
            policy_order: None,
            code_form: crate::remedy::Form::YamlShort,
            environment_class: None,
            max_workers: None,
            schedulers: None,
            environment: None,
            endpoint_services: EndpointServices::default(),
            unknown_ids: Vec::new(),
            planned_name: None,
            language: Language::AwsCli,
            resource_names: std::collections::BTreeMap::new(),
            construct_paths: std::collections::BTreeMap::new(),
            suppressions: Vec::new(),
            region,
            account_id: None,
            observed_at: None,
        }
    }

    /// Settings of an existing environment, as GetEnvironment describes it.
    pub fn from_environment(environment: &Environment, region: String, account_id: Option<String>) -> Self {
        let network = environment.network_configuration.clone().unwrap_or_default();
        Self {
            subnet_ids: network.subnet_ids,
            security_group_ids: network.security_group_ids,
            webserver_access: environment.webserver_access_mode.as_deref().map_or(WebserverAccess::PrivateOnly, WebserverAccess::parse),
            webserver_access_assumed: environment.webserver_access_mode.is_none(),
            endpoint_management: environment.endpoint_management.as_deref().map_or(EndpointManagement::Service, EndpointManagement::parse),
            routing: RoutingAssertion::Auto,
            source_bucket_arn: environment.source_bucket_arn.clone(),
            kms_key: environment.kms_key.clone(),
            kms_key_given: None,
            facts: Facts::of(environment),
            policy_order: None,
            code_form: crate::remedy::Form::YamlShort,
            environment_class: environment.environment_class.clone(),
            max_workers: environment.max_workers,
            schedulers: environment.schedulers,
            environment: Some(environment.clone()),
            endpoint_services: EndpointServices {
                database: environment.database_vpc_endpoint_service.clone(),
                webserver: environment.webserver_vpc_endpoint_service.clone(),
            },
            planned_name: None,
            unknown_ids: Vec::new(),
            language: Language::AwsCli,
            resource_names: std::collections::BTreeMap::new(),
            construct_paths: std::collections::BTreeMap::new(),
            suppressions: Vec::new(),
            region,
            account_id,
            observed_at: None,
        }
    }

    /// Schedulers and workers: the values given win; else the environment class's documented figures
    /// (mw1.micro: one task that is both scheduler and worker, no autoscaling; every other class
    /// defaults to 2 schedulers and 10 workers), else MWAA's defaults.
    pub fn capacity(&self) -> Capacity {
        let micro = self.environment_class.as_deref() == Some("mw1.micro");
        let class_figures = if micro { (1, 1) } else { (DEFAULT_SCHEDULERS, DEFAULT_MAX_WORKERS) };
        let schedulers = self.schedulers.unwrap_or(class_figures.0);
        let max_workers = self.max_workers.unwrap_or(class_figures.1);
        let (tasks, tasks_from) = if micro {
            (1, "1 hybrid worker-and-scheduler task".to_string())
        } else {
            (
                schedulers.saturating_add(max_workers.saturating_mul(2)),
                format!("{schedulers} schedulers + 2 x {max_workers} max workers (GRACEFUL replacement overlaps old and new workers)"),
            )
        };
        let class = match &self.environment_class {
            Some(class) => format!("environment class {class}"),
            None => "MWAA's default".to_string(),
        };
        let from = |given: bool| if given { "as given".to_string() } else { class.clone() };
        let basis = format!("schedulers: {}; max workers: {}", from(self.schedulers.is_some()), from(self.max_workers.is_some()));
        Capacity { schedulers, max_workers, tasks, tasks_from, basis }
    }

    /// The target fields whose value is the service's default because the input does not give it
    /// (`target.assumed`). An existing environment's GetEnvironment states its own.
    pub fn assumed(&self) -> Vec<&'static str> {
        if self.environment.is_some() {
            return Vec::new();
        }
        [
            ("webserver_access_mode", self.webserver_access_assumed),
            ("environment_class", self.environment_class.is_none()),
            ("schedulers", self.schedulers.is_none()),
            ("max_workers", self.max_workers.is_none()),
            ("kms_key", self.kms_key.is_none()),
        ]
        .into_iter()
        .filter_map(|(field, assumed)| assumed.then_some(field))
        .collect()
    }

    pub fn environment_name(&self) -> Option<&str> {
        self.environment.as_ref().map(|e| e.name.as_str())
    }
}

/// The region an AZ name belongs to (`us-east-1a` -> `us-east-1`, `us-west-2-lax-1a` -> `us-west-2`).
pub fn region_of_zone(zone: &str) -> Option<String> {
    let parts: Vec<&str> = zone.split('-').collect();
    if parts.len() < 3 {
        return None;
    }
    let number: String = parts[2].chars().take_while(char::is_ascii_digit).collect();
    (!number.is_empty()).then(|| format!("{}-{}-{number}", parts[0], parts[1]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_from_zones() {
        assert_eq!(region_of_zone("us-east-1a").as_deref(), Some("us-east-1"));
        assert_eq!(region_of_zone("ap-southeast-2c").as_deref(), Some("ap-southeast-2"));
        assert_eq!(region_of_zone("us-west-2-lax-1a").as_deref(), Some("us-west-2"));
        assert_eq!(region_of_zone("nowhere"), None);
    }
}
