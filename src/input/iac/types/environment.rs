//! The MWAA environment itself, and what it names beyond the network (its KMS key, its bucket).

use super::identity;
use super::Attribute::Own;
use super::{nothing, Type};
use crate::input::iac::props::{Dialect, Props};
use crate::input::iac::{key_created_at_deployment, list, Located, Model, PlannedEnvironment};
use crate::model::snapshot::*;
use crate::model::Member;
use crate::model::DEPLOYING_ACCOUNT;
use crate::target::{KeyGiven, RoleGiven};

const KEY: Type = Type::new(&["AWS::KMS::Key"], &["aws_kms_key"], key).renamed(&[
    ("is_enabled", "Enabled"),
    ("customer_master_key_spec", "KeySpec"),
    ("policy", "KeyPolicy"),
]);
const ALIAS: Type = Type::new(&["AWS::KMS::Alias"], &["aws_kms_alias"], nothing);

pub const TYPES: &[Type] = &[
    Type::new(&["AWS::MWAA::Environment"], &["aws_mwaa_environment"], environment)
        .attributes(&[("DatabaseVpcEndpointService", Own), ("WebserverVpcEndpointService", Own)]),
    KEY,
    ALIAS,
    Type::new(&[], &["aws_kms_key_policy"], key_policy),
];

/// A customer managed key the code creates, with CloudFormation's and the provider's defaults (enabled,
/// SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT, single-Region) and, without a key policy, the default one AWS KMS
/// attaches: the account's IAM policies decide.
fn key(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    let id = props.id().to_string();
    let flag = |name: &str| -> Result<Option<bool>, Located> { Ok(props.boolean(name)?.and_then(Result::ok)) };
    let enabled = flag("Enabled")?.unwrap_or(true);
    list(&mut model.snapshot.keys).push(KeyMetadata {
        key_id: id.clone(),
        arn: Some(id.clone()),
        key_state: Some(if enabled { "Enabled" } else { "Disabled" }.to_string()),
        enabled: Some(enabled),
        key_spec: Some(props.plain("KeySpec")?.unwrap_or_else(|| "SYMMETRIC_DEFAULT".into())),
        customer_master_key_spec: None,
        key_usage: Some(props.plain("KeyUsage")?.unwrap_or_else(|| "ENCRYPT_DECRYPT".into())),
        multi_region: Some(flag("MultiRegion")?.unwrap_or(false)),
        key_manager: Some("CUSTOMER".into()),
    });
    let policy = match identity::document(props, "KeyPolicy")? {
        Some(policy) => policy,
        None => {
            let root = format!("arn:{}:iam::{DEPLOYING_ACCOUNT}:root", crate::model::partition(&model.region));
            let default = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Sid": "Enable IAM User Permissions", "Effect": "Allow",
                "Principal": {"AWS": root}, "Action": "kms:*", "Resource": "*"}]});
            PolicyDocument(default.to_string())
        }
    };
    model.snapshot.key_policies.get_or_insert_with(Default::default).entry(id).or_insert(KeyPolicy { policy, policy_name: None });
    Ok(())
}

/// `aws_kms_key_policy`: a key's policy set apart from it, in place of the key's own.
fn key_policy(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    let (Some(Ok(key)), Some(policy)) = (props.text("KeyId")?, identity::document(props, "Policy")?) else { return Ok(()) };
    model.snapshot.key_policies.get_or_insert_with(Default::default).insert(key, KeyPolicy { policy, policy_name: None });
    Ok(())
}

fn environment(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    let id = props.id();
    let network = props.value("NetworkConfiguration")?;
    // IDs known only at deployment that no reference names (`var.subnet_ids`) are unknown, not none.
    let mut unknown_ids = Vec::new();
    let mut ids = |model: &mut Model, member: Member, key: &str| -> Result<Vec<String>, Located> {
        let Some(value) = network.as_ref().and_then(|n| n.get(key)) else { return Ok(Vec::new()) };
        match value.facts() {
            Ok(Ok(ids)) => Ok(ids),
            Ok(Err(why)) => {
                unknown_ids.push(why.clone());
                model.unknown(member, why);
                Ok(Vec::new())
            }
            Err(_) => Err(props.refuse("NetworkConfiguration", format!("{key} must be a list of IDs"))),
        }
    };
    let network_configuration = NetworkConfiguration {
        subnet_ids: ids(model, Member::Subnets, "SubnetIds")?,
        security_group_ids: ids(model, Member::SecurityGroups, "SecurityGroupIds")?,
    };
    let number = |name: &str| -> Result<Option<u32>, Located> { Ok(props.parsed::<u32>(name, "a number")?.and_then(Result::ok)) };
    // A key the code creates has no ARN yet: any key of the account, for the requests the policies must allow.
    let version = |name: &str| -> Result<Option<String>, Located> {
        Ok(props.text(name)?.map(|v| v.unwrap_or_else(|why| format!("<unknown: {why}>"))))
    };
    let kms_key = props.text("KmsKey")?.map(|k| k.unwrap_or_else(|_| key_created_at_deployment(&model.region)));
    let environment = Environment {
        name: props.plain("Name")?.unwrap_or_else(|| props.resource.name().to_string()),
        arn: None,
        status: None,
        created_at: None,
        network_configuration: network.is_some().then_some(network_configuration),
        // AWS::MWAA::Environment leaves WebserverAccessMode to the service, whose default is PRIVATE_ONLY
        // (aws_mwaa_environment: "PRIVATE_ONLY (default)").
        webserver_access_mode: Some(props.plain("WebserverAccessMode")?.unwrap_or_else(|| "PRIVATE_ONLY".into())),
        endpoint_management: Some(props.plain("EndpointManagement")?.unwrap_or_else(|| "SERVICE".into())),
        source_bucket_arn: props.plain("SourceBucketArn")?,
        kms_key,
        environment_class: props.plain("EnvironmentClass")?,
        max_workers: number("MaxWorkers")?,
        schedulers: number("Schedulers")?,
        last_update: None,
        // MWAA creates these services when the environment enters PENDING; an endpoint in the code that
        // names them through the environment's attribute carries the same text.
        database_vpc_endpoint_service: Some(format!("{id}.{}", props.resource.written("DatabaseVpcEndpointService"))),
        webserver_vpc_endpoint_service: Some(format!("{id}.{}", props.resource.written("WebserverVpcEndpointService"))),
        celery_executor_queue: None,
        execution_role_arn: props.plain("ExecutionRoleArn")?,
        dag_s3_path: props.plain("DagS3Path")?,
        requirements_s3_path: props.plain("RequirementsS3Path")?,
        plugins_s3_path: props.plain("PluginsS3Path")?,
        startup_script_s3_path: props.plain("StartupScriptS3Path")?,
        requirements_s3_object_version: version("RequirementsS3ObjectVersion")?,
        plugins_s3_object_version: version("PluginsS3ObjectVersion")?,
        startup_script_s3_object_version: version("StartupScriptS3ObjectVersion")?,
        airflow_version: props.plain("AirflowVersion")?,
        logging_configuration: logging(props)?,
        tags: tags(props)?,
    };
    let planned = PlannedEnvironment {
        logical_id: props.resource.name().to_string(),
        environment,
        unknown_ids,
        kms_key_given: key_given(props)?,
        execution_role_given: role_given(props)?,
        id: id.to_string(),
        policy_order: Default::default(),
        source_bucket: None,
    };
    model.environments.push(planned);
    Ok(())
}

/// Which log types are on: a module whose `Enabled` only the deployment knows counts as on (its log group
/// is then the role's to write); `None` when the code gives no logging configuration.
fn logging(props: &Props<'_>) -> Result<Option<LoggingConfiguration>, Located> {
    let Some(value) = props.value("LoggingConfiguration")? else { return Ok(None) };
    let module = |name: &str| {
        value.get(name).map(|m| LogModule {
            enabled: Some(m.get("Enabled").and_then(|e| e.text()).is_none_or(|e| e.eq_ignore_ascii_case("true"))),
            log_level: m.get("LogLevel").and_then(|l| l.text()).map(str::to_string),
        })
    };
    Ok(Some(LoggingConfiguration {
        dag_processing_logs: module("DagProcessingLogs"),
        scheduler_logs: module("SchedulerLogs"),
        task_logs: module("TaskLogs"),
        webserver_logs: module("WebserverLogs"),
        worker_logs: module("WorkerLogs"),
    }))
}

/// The environment's tags (CloudFormation's `Tags` map, the provider's `tags_all`, which holds the
/// provider's default tags too); only whether there are any matters (DEP003). A value known at deployment
/// still makes a tag.
fn tags(props: &Props<'_>) -> Result<Option<std::collections::BTreeMap<String, String>>, Located> {
    let name = match props.dialect() {
        Dialect::CloudFormation => "Tags",
        Dialect::Terraform => "TagsAll",
    };
    Ok(props.value(name)?.map(|value| match value {
        crate::input::iac::Value::Map(entries) => {
            entries.into_iter().map(|(k, v)| (k, v.text().map_or_else(|| "(known at deployment)".to_string(), str::to_string))).collect()
        }
        _ => std::collections::BTreeMap::from([("(tags)".to_string(), "(known at deployment)".to_string())]),
    }))
}

/// How the environment's ExecutionRoleArn is written: a role of the code (`!GetAtt Role.Arn`,
/// `aws_iam_role.x.arn`), a text, or unknown.
fn role_given(props: &Props<'_>) -> Result<Option<RoleGiven>, Located> {
    let Some(value) = props.value("ExecutionRoleArn")? else {
        // The provider requires execution_role_arn: not in the plan, it is known only after apply.
        return Ok((props.dialect() == Dialect::Terraform)
            .then(|| RoleGiven::Unknown(format!("{} is known only after apply", props.resource.written("ExecutionRoleArn")))));
    };
    if let Some(reference) = props.resource.reference("ExecutionRoleArn") {
        if super::is(&reference.kind, &identity::ROLE) && matches!(reference.attribute.as_deref(), Some("Arn")) {
            return Ok(Some(RoleGiven::ArnOf(reference.id)));
        }
    }
    Ok(Some(match value.fact() {
        Ok(Ok(text)) => RoleGiven::Text(text),
        Ok(Err(why)) => RoleGiven::Unknown(why),
        Err(_) => return Err(props.refuse("ExecutionRoleArn", "ExecutionRoleArn must be a role's ARN")),
    }))
}

/// How the environment's KmsKey is written: a reference to a key (its ID, or its ARN) or to an alias, by
/// what it names; a text as it is.
fn key_given(props: &Props<'_>) -> Result<Option<KeyGiven>, Located> {
    let Some(value) = props.value("KmsKey")? else { return Ok(None) };
    if let Some(reference) = props.resource.reference("KmsKey") {
        let of = |of: &Type| super::is(&reference.kind, of);
        match reference.attribute.as_deref() {
            _ if of(&ALIAS) => return Ok(Some(KeyGiven::AliasOf(reference.id))),
            None | Some("KeyId" | "Id") if of(&KEY) => return Ok(Some(KeyGiven::KeyIdOf(reference.id))),
            Some("Arn") if of(&KEY) => return Ok(Some(KeyGiven::ArnOf(reference.id))),
            _ => {}
        }
    }
    Ok(Some(match value.fact() {
        Ok(Ok(text)) => KeyGiven::Text(text),
        Ok(Err(why)) => KeyGiven::Unknown(why),
        Err(_) => KeyGiven::Unknown("KmsKey is not a text".to_string()),
    }))
}
