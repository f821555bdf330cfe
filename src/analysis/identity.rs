//! The execution role as IAM sees it (RULES.md v3 "ROLE"): the role the environment names, its trust policy,
//! its identity policies (inline, and the default versions of attached managed ones) intersected with its
//! permissions boundary, and the requests MWAA makes with it (P1-P9), built from the environment's facts.
//! Evaluated by the one policy engine (`analysis::policy`).

use crate::analysis::policy::{evaluate_all, granted, Context, Decision, Policy, Principal, Request};
use crate::model::snapshot::{PolicyDocument, Role};
use crate::model::{partition, Member, Network, DEPLOYING_ACCOUNT};
use crate::target::{PolicyOf, PolicyOrder, RoleGiven, Settings, ALL_LOG_TYPES};

/// What MWAA does with each of its log groups, with its Celery queue and with the environment's key, as the
/// execution role (execution-role.txt's sample policy; the VPC endpoint policies must admit the same).
pub const LOG_GROUP_ACTIONS: [&str; 7] = [
    "logs:CreateLogStream",
    "logs:CreateLogGroup",
    "logs:PutLogEvents",
    "logs:GetLogEvents",
    "logs:GetLogRecord",
    "logs:GetLogGroupFields",
    "logs:GetQueryResults",
];
pub const QUEUE_ACTIONS: [&str; 6] = [
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
    "sqs:ReceiveMessage",
    "sqs:SendMessage",
];
pub const KEY_ACTIONS: [&str; 4] = ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey", "kms:Encrypt"];

/// The service principals MWAA assumes the execution role as (execution-role.txt's trust policy).
pub const SERVICE_PRINCIPALS: [&str; 2] = ["airflow.amazonaws.com", "airflow-env.amazonaws.com"];

/// The role the environment names, as far as the input tells.
pub enum Lookup<'n> {
    Found(ExecutionRole<'n>),
    /// No execution role given, with why it matters.
    NotNamed(String),
    /// Not an IAM role ARN (`arn:PARTITION:iam::ACCOUNT:role/NAME`).
    Malformed(String),
    /// The ARN names no role (NoSuchEntity, or a reference to no role of the code).
    NotFound(String),
    /// The input cannot tell, with why.
    Unknown(String),
}

pub struct ExecutionRole<'n> {
    pub role: &'n Role,
    /// What findings call it: its ARN, or its logical ID or address in the code.
    pub name: String,
    pub trust: Option<Policy>,
    /// The inline and attached policies whose documents are known, each with the resource of the code that
    /// creates it apart from the role (ROLE005), if one does.
    pub policies: Vec<(Policy, Option<String>)>,
    /// Attached policies whose document the input does not hold (an AWS managed policy the tool does not
    /// ship, a version not captured): they may allow what nothing else does.
    pub unavailable: Vec<String>,
    /// The permissions boundary: `Ok(None)` none, `Err` its document is not available.
    pub boundary: Result<Option<Policy>, String>,
}

/// The AWS managed policies whose documents the tool ships (their default versions as AWS publishes them),
/// by name: commonly attached to execution roles instead of an inline policy.
const MANAGED: [(&str, &str); 5] = [
    ("AdministratorAccess", r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#),
    (
        "AmazonS3FullAccess",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","s3-object-lambda:*"],"Resource":"*"}]}"#,
    ),
    (
        "AmazonS3ReadOnlyAccess",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*","s3:Describe*","s3-object-lambda:Get*","s3-object-lambda:List*"],"Resource":"*"}]}"#,
    ),
    ("AmazonSQSFullAccess", r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sqs:*"],"Resource":"*"}]}"#),
    (
        "CloudWatchLogsFullAccess",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:*","cloudwatch:GenerateQuery"],"Resource":"*"}]}"#,
    ),
];

/// The shipped document of an AWS managed policy (`arn:PARTITION:iam::aws:policy/NAME`).
fn managed_document(arn: &str) -> Option<&'static str> {
    let (_, rest) = arn.split_once(":iam::aws:policy/")?;
    let name = rest.rsplit('/').next()?;
    MANAGED.iter().find(|(n, _)| *n == name).map(|(_, d)| *d)
}

/// `arn:PARTITION:iam::ACCOUNT:role/PATH/NAME`; the account may be the one the code deploys to.
pub fn is_role_arn(text: &str) -> bool {
    let parts: Vec<&str> = text.splitn(6, ':').collect();
    let ["arn", partition, "iam", "", account, resource] = parts.as_slice() else { return false };
    let account_ok = *account == DEPLOYING_ACCOUNT || (account.len() == 12 && account.chars().all(|c| c.is_ascii_digit()));
    partition.starts_with("aws")
        && account_ok
        && resource.strip_prefix("role/").is_some_and(|name| !name.is_empty() && !name.ends_with('/'))
}

/// The role name of an ARN (the last part of its path).
pub fn role_name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

pub fn execution_role<'n>(network: &'n Network, settings: &Settings) -> Lookup<'n> {
    let snapshot = &network.snapshot;
    let given = match &settings.facts.execution_role {
        Some(given) => given,
        None if settings.planned_name.is_some()
            && settings.environment.is_none()
            && settings.language != crate::target::Language::AwsCli =>
        {
            return Lookup::Malformed("the environment gives no ExecutionRoleArn, which CreateEnvironment requires".to_string())
        }
        None => return Lookup::NotNamed("no execution role is named (give --execution-role-arn)".to_string()),
    };
    let found = |key: &str| snapshot.roles.iter().flatten().find(|r| r.arn == key);
    let role = match given {
        RoleGiven::Unknown(why) => return Lookup::Unknown(format!("the execution role is known only at deployment: {why}")),
        RoleGiven::ArnOf(id) => match found(id) {
            Some(role) => role,
            None => return Lookup::NotFound(format!("the execution role ARN names {id}, which is not a role of the code")),
        },
        RoleGiven::Text(arn) => match found(arn) {
            Some(role) => role,
            None if !is_role_arn(arn) => {
                return Lookup::Malformed(
                    "the execution role ARN is not an IAM role ARN (arn:PARTITION:iam::ACCOUNT:role/NAME)".to_string(),
                )
            }
            None if snapshot.roles_not_found.iter().flatten().any(|n| n == role_name(arn)) => {
                return Lookup::NotFound(format!(
                    "the execution role ARN names no role: iam:GetRole answered NoSuchEntity for {}",
                    role_name(arn)
                ))
            }
            None => {
                return Lookup::Unknown(match snapshot.roles {
                    Some(_) => format!("Roles does not hold {arn}"),
                    None => network.why_absent(Member::Roles),
                })
            }
        },
    };
    let name = match given {
        RoleGiven::ArnOf(id) => id.clone(),
        _ => role.arn.clone(),
    };
    Lookup::Found(ExecutionRole::read(network, role, name, settings.policy_order.as_ref()))
}

/// The execution role for the rules that judge it, else why they are skipped (ROLE001 reports a role that
/// is malformed or missing; the others say so).
pub fn found<'a, 'n>(lookup: &'a Lookup<'n>) -> Result<&'a ExecutionRole<'n>, String> {
    match lookup {
        Lookup::Found(role) => Ok(role),
        Lookup::NotNamed(why) | Lookup::Unknown(why) => Err(why.clone()),
        Lookup::Malformed(_) | Lookup::NotFound(_) => Err("execution role not found (ROLE001)".to_string()),
    }
}

/// Every required permission with the role's decision on it.
pub struct Judgment {
    pub identity: Identity,
    pub decisions: Vec<(Required, Decision)>,
}

/// The role with its judgment, as the rules read them.
pub struct Judged<'a, 'n> {
    pub role: &'a ExecutionRole<'n>,
    pub identity: &'a Identity,
    pub decisions: &'a [(Required, Decision)],
}

pub fn judge(network: &Network, settings: &Settings, role: &ExecutionRole<'_>) -> Result<Judgment, String> {
    let identity = Identity::of(settings)?;
    let account_block = network.snapshot.account_public_access_block.as_ref().map(|b| b.public_access_block_configuration.is_some());
    let required = required(settings, &identity, role, account_block)?;
    let decisions = required
        .into_iter()
        .map(|r| {
            let decision = role.decide(r.request(role, &identity.account));
            (r, decision)
        })
        .collect();
    Ok(Judgment { identity, decisions })
}

impl<'n> ExecutionRole<'n> {
    fn read(network: &'n Network, role: &'n Role, name: String, order: Option<&PolicyOrder>) -> Self {
        let separate = |of: PolicyOf| {
            order.and_then(|o| o.separate.iter().find(|s| s.role == role.role_name && s.policy == of)).map(|s| s.resource.clone())
        };
        let snapshot = &network.snapshot;
        let parse = |document: &PolicyDocument, label: String| match document.0.strip_prefix("<unknown: ") {
            Some(why) => Err(format!("known only at deployment: {}", why.trim_end_matches('>'))),
            None => Policy::labelled(&document.0, label),
        };
        let trust = role.assume_role_policy_document.as_ref().and_then(|d| parse(d, "the trust policy".to_string()).ok());
        let mut policies = Vec::new();
        let mut unavailable = Vec::new();
        match snapshot.role_policies.as_ref().map(|m| m.get(&role.role_name)) {
            Some(Some(inline)) => {
                for policy in inline {
                    match parse(&policy.policy_document, format!("inline policy {}", policy.policy_name)) {
                        Ok(p) => policies.push((p, separate(PolicyOf::Inline(policy.policy_name.clone())))),
                        Err(why) => unavailable.push(format!("inline policy {} ({why})", policy.policy_name)),
                    }
                }
            }
            Some(None) => unavailable.push(format!("the inline policies of {} (RolePolicies does not hold the role)", role.role_name)),
            None => unavailable.push(format!("the inline policies ({})", network.why_absent(Member::RolePolicies))),
        }
        let document_of = |arn: &str| -> Result<(&str, bool), String> {
            match snapshot.policy_versions.as_ref().and_then(|v| v.get(arn)) {
                Some(version) => Ok((version.document.0.as_str(), false)),
                None => managed_document(arn).map(|d| (d, true)).ok_or_else(|| match snapshot.policy_versions {
                    Some(_) => format!("{arn} (PolicyVersions does not hold it, and it is not an AWS managed policy the tool ships)"),
                    None => format!("{arn} ({})", network.why_absent(Member::PolicyVersions)),
                }),
            }
        };
        match snapshot.attached_role_policies.as_ref().map(|m| m.get(&role.role_name)) {
            Some(Some(attached)) => {
                for policy in attached {
                    let label = policy.policy_name.clone().unwrap_or_else(|| policy.policy_arn.clone());
                    match document_of(&policy.policy_arn).and_then(|(text, _)| Policy::labelled(text, format!("policy {label}"))) {
                        Ok(p) => policies.push((p, separate(PolicyOf::Attached(policy.policy_arn.clone())))),
                        Err(why) => unavailable.push(why),
                    }
                }
            }
            Some(None) => {
                unavailable.push(format!("the attached policies of {} (AttachedRolePolicies does not hold the role)", role.role_name))
            }
            None => unavailable.push(format!("the attached policies ({})", network.why_absent(Member::AttachedRolePolicies))),
        }
        let boundary = match &role.permissions_boundary {
            None => Ok(None),
            Some(b) => document_of(&b.permissions_boundary_arn)
                .and_then(|(text, _)| Policy::labelled(text, format!("the permissions boundary {}", b.permissions_boundary_arn)))
                .map(Some),
        };
        ExecutionRole { role, name, trust, policies, unavailable, boundary }
    }

    /// The role's identity permissions for a request: its policies' union, within its boundary. A policy not
    /// available may allow what the others deny implicitly: such a denial is unprovable.
    pub fn decide(&self, request: Request<'_>) -> Decision {
        self.decide_with(request, |_| true)
    }

    /// Whether the role's policies grant the request whole (denials aside).
    pub fn grants(&self, request: Request<'_>) -> bool {
        let policies: Vec<&Policy> = self.policies.iter().map(|(p, _)| p).collect();
        granted(&policies, request)
    }

    /// The decision with only the policies `keep` accepts (by the resource that creates them apart).
    pub fn decide_with(&self, request: Request<'_>, keep: impl Fn(Option<&str>) -> bool) -> Decision {
        let policies: Vec<&Policy> = self.policies.iter().filter(|(_, source)| keep(source.as_deref())).map(|(p, _)| p).collect();
        let identity = match evaluate_all(&policies, request) {
            Decision::Denied { statement: None } if !self.unavailable.is_empty() => {
                Decision::Unprovable { reason: format!("no policy read allows it, and {} is not available", self.unavailable.join(", ")) }
            }
            decision => decision,
        };
        let boundary = match &self.boundary {
            Ok(None) => Decision::Allowed,
            Ok(Some(boundary)) => match boundary.evaluate(request) {
                Decision::Denied { statement: None } => Decision::Denied {
                    statement: Some(format!("{} (it allows no such request)", boundary.label.as_deref().unwrap_or_default())),
                },
                decision => decision,
            },
            Err(why) => Decision::Unprovable { reason: format!("the permissions boundary's document is not available: {why}") },
        };
        match (identity, boundary) {
            (denied @ Decision::Denied { .. }, _) | (_, denied @ Decision::Denied { .. }) => denied,
            (Decision::Allowed, Decision::Allowed) => Decision::Allowed,
            (unprovable @ Decision::Unprovable { .. }, _) | (_, unprovable @ Decision::Unprovable { .. }) => unprovable,
        }
    }
}

/// The resource of an action that has none (`logs:DescribeLogGroups`, `s3:GetAccountPublicAccessBlock`): only a
/// statement whose Resource is `*` covers it, and one naming ARNs does not apply (an empty text, which `*`
/// alone matches; shown as `*`).
pub const ACCOUNT_LEVEL: &str = "";

/// One required permission of RULES.md's ROLE table, on a concrete request.
#[derive(Debug, Clone)]
pub struct Required {
    /// `P1`-`P9`.
    pub id: &'static str,
    pub action: String,
    pub resource: String,
    pub context: Context,
    /// `Some(why)`: needed only if a fact the input does not hold says so (P6 when the account's public
    /// access block is unknown): a denial is a warning.
    pub conditional: Option<String>,
}

/// The environment's ARNs and names its required permissions are built from.
pub struct Identity {
    pub region: String,
    pub partition: &'static str,
    /// The account, or [`DEPLOYING_ACCOUNT`] where the input does not tell it.
    pub account: String,
    pub name: String,
}

impl Identity {
    pub fn of(settings: &Settings) -> Result<Self, String> {
        let name = settings
            .facts
            .name
            .clone()
            .ok_or_else(|| unknown_fact(settings, "name", "--name", "the role must allow its ARN, log groups and queue"))?;
        Ok(Identity {
            partition: partition(&settings.region),
            region: settings.region.clone(),
            account: settings.account_id.clone().unwrap_or_else(|| DEPLOYING_ACCOUNT.to_string()),
            name,
        })
    }

    pub fn environment_arn(&self) -> String {
        format!("arn:{}:airflow:{}:{}:environment/{}", self.partition, self.region, self.account, self.name)
    }
}

/// Why a fact the requests are built from is missing: a flag not given, or a value the code learns only at
/// deployment (a parameter without a value, an import).
fn unknown_fact(settings: &Settings, property: &str, flag: &str, why: &str) -> String {
    match settings.language {
        crate::target::Language::AwsCli => format!("the environment's {property} is not known (give {flag}): {why}"),
        _ => format!("the environment's {property} is known only at deployment (give the parameters it reads with --parameter): {why}"),
    }
}

/// The requests P1-P9 for this environment, or why they cannot be built. `account_block`: whether the account
/// has an account-level public access block (P6 is then required), `None` when the input does not show it.
pub fn required(
    settings: &Settings,
    identity: &Identity,
    role: &ExecutionRole<'_>,
    account_block: Option<bool>,
) -> Result<Vec<Required>, String> {
    let Identity { partition: p, region, account, name } = identity;
    let bucket = settings
        .source_bucket_arn
        .as_deref()
        .and_then(|arn| arn.strip_prefix(&format!("arn:{p}:s3:::")))
        .filter(|b| !b.is_empty() && !b.contains('/'))
        .ok_or_else(|| unknown_fact(settings, "SourceBucketArn", "--source-bucket-arn", "the role must read it"))?;
    let base = || {
        Context::default()
            .with("aws:PrincipalArn", role.role.arn.clone())
            .with("aws:PrincipalAccount", account.clone())
            .with("aws:PrincipalType", "AssumedRole")
            .with("aws:SecureTransport", "true")
    };
    let mut out = Vec::new();
    let mut push = |id, action: &str, resource: String, context: Context, conditional: Option<String>| {
        out.push(Required { id, action: action.to_string(), resource, context, conditional });
    };
    push("P1", "airflow:PublishMetrics", identity.environment_arn(), base(), None);
    let dag_file = settings.facts.dag_s3_path.as_deref().map(|d| format!("{}/dag.py", d.trim_end_matches('/')));
    // An object named in another bucket is BKT005's finding; the role is asked for the others.
    let keys: Vec<&str> = settings.facts.objects.iter().filter_map(|o| o.key_in(bucket).ok()).chain(dag_file.as_deref()).collect();
    for key in keys {
        for action in ["s3:GetObject", "s3:GetObjectVersion"] {
            push("P2", action, format!("arn:{p}:s3:::{bucket}/{}", key.trim_start_matches('/')), base(), None);
        }
    }
    for action in ["s3:ListBucket", "s3:GetBucketPublicAccessBlock"] {
        push("P3", action, format!("arn:{p}:s3:::{bucket}"), base(), None);
    }
    let log_types: Vec<String> = settings.facts.log_types.clone().unwrap_or_else(|| ALL_LOG_TYPES.iter().map(|t| t.to_string()).collect());
    for log_type in &log_types {
        let group = format!("arn:{p}:logs:{region}:{account}:log-group:airflow-{name}-{log_type}");
        for action in LOG_GROUP_ACTIONS {
            push("P4", action, group.clone(), base(), None);
            push("P4", action, format!("{group}:log-stream:*"), base(), None);
        }
    }
    for action in ["logs:DescribeLogGroups", "cloudwatch:PutMetricData"] {
        push("P5", action, ACCOUNT_LEVEL.to_string(), base(), None);
    }
    let unknown_block = "needed when the account has an account-level public access block, which the input does not show";
    match account_block {
        Some(false) => {}
        Some(true) => push("P6", "s3:GetAccountPublicAccessBlock", ACCOUNT_LEVEL.to_string(), base(), None),
        None => push("P6", "s3:GetAccountPublicAccessBlock", ACCOUNT_LEVEL.to_string(), base(), Some(unknown_block.to_string())),
    }
    // The Celery queue is MWAA's, in an account of MWAA's: before creation, one outside the environment's.
    let queue =
        settings.facts.celery_queue.clone().unwrap_or_else(|| format!("arn:{p}:sqs:{region}:000000000000:airflow-celery-preflight"));
    for action in QUEUE_ACTIONS {
        push("P7", action, queue.clone(), base(), None);
    }
    let via = |service: &str| {
        base().with("kms:ViaService", format!("{service}.{region}.amazonaws.com")).with("kms:CallerAccount", account.clone())
    };
    match &settings.kms_key {
        Some(key) => {
            for service in ["sqs", "s3"] {
                for action in KEY_ACTIONS {
                    push("P8", action, key.clone(), via(service), None);
                }
            }
        }
        None => {
            for action in KEY_ACTIONS {
                push("P9", action, format!("arn:{p}:kms:{region}:000000000000:key/preflight"), via("sqs"), None);
            }
        }
    }
    Ok(out)
}

impl Required {
    /// The resource as IAM writes it.
    pub fn resource_shown(&self) -> &str {
        if self.resource == ACCOUNT_LEVEL {
            "*"
        } else {
            &self.resource
        }
    }

    pub fn request<'a>(&'a self, role: &'a ExecutionRole<'_>, account: &'a str) -> Request<'a> {
        Request {
            action: &self.action,
            resource: &self.resource,
            principal: Principal::Role { arn: &role.role.arn, account },
            context: &self.context,
        }
    }
}
