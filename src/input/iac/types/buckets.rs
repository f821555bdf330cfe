//! The source bucket and what S3 applies to it (RULES.md v3 "BKT"): versioning, public access block, policy,
//! default encryption, the account's public access block, and the objects a plan puts in it. A bucket's key
//! in the model is its name (what `Ref` and the environment's SourceBucketArn give: `{ID.BucketName}` when
//! CloudFormation generates it); what configures it apart names it by name or ID, and joins it once every
//! bucket is in ([`crate::input::iac::Model::link_buckets`]).

use super::{identity, Type};
use crate::input::iac::props::{Dialect, Props};
use crate::input::iac::{BucketLink, CodeBucket, Located, Model, Value};
use crate::model::snapshot::*;

pub const TYPES: &[Type] = &[
    Type::new(&["AWS::S3::Bucket"], &["aws_s3_bucket"], bucket).data(&["aws_s3_bucket"]).renamed(&[("bucket", "BucketName")]),
    Type::new(&["AWS::S3::BucketPolicy"], &["aws_s3_bucket_policy"], policy),
    Type::new(&[], &["aws_s3_bucket_versioning"], versioning),
    Type::new(&[], &["aws_s3_bucket_public_access_block"], public_access_block),
    Type::new(&[], &["aws_s3_bucket_server_side_encryption_configuration"], encryption).renamed(&[
        ("rule", "ServerSideEncryptionConfiguration"),
        ("apply_server_side_encryption_by_default", "ServerSideEncryptionByDefault"),
        ("sse_algorithm", "SSEAlgorithm"),
        ("kms_master_key_id", "KMSMasterKeyID"),
    ]),
    Type::new(&[], &["aws_s3_account_public_access_block"], account_public_access_block),
    Type::new(&[], &["aws_s3_object"], object),
];

/// A bucket of the code: its name (generated ones are a symbol), its Region, and what it says of itself
/// (CloudFormation's `VersioningConfiguration`, `PublicAccessBlockConfiguration`, `BucketEncryption`; a
/// state's or an older provider's `versioning`).
fn bucket(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    let id = props.id().to_string();
    let name = match props.text("BucketName")? {
        Some(Ok(name)) => name,
        Some(Err(_)) | None => format!("{{{}.BucketName}}", props.resource.name()),
    };
    let existing = props.resource.exists();
    let region = props.plain("Region")?.unwrap_or_else(|| model.region.clone());
    model
        .snapshot
        .bucket_locations
        .get_or_insert_with(Default::default)
        .insert(name.clone(), BucketLocation { location_constraint: Some(region) });
    model.buckets.push(CodeBucket { id, name: name.clone(), new: !existing, default_block: false, block_resource: None });
    let link = |model: &mut Model, link: BucketLink| model.bucket_links.push((name.clone(), link));
    match props.dialect() {
        Dialect::CloudFormation => {
            let versioning = props.value("VersioningConfiguration")?;
            let status = versioning.as_ref().and_then(|v| v.get("Status")).and_then(Value::text).map(str::to_string);
            link(model, BucketLink::Versioning(BucketVersioning { status, mfa_delete: None }));
            if let Some(block) = props.value("PublicAccessBlockConfiguration")? {
                link(model, BucketLink::Block(PublicAccessBlock { public_access_block_configuration: Some(block_settings(&block)) }, None));
            }
            if let Some(encryption) = props.value("BucketEncryption")? {
                let rules = encryption.get("ServerSideEncryptionConfiguration").map_or(&[][..], Value::items);
                link(model, BucketLink::Encryption(encryption_of(rules)));
            }
        }
        // The provider's bucket tells its versioning only once it exists (or when an older provider's
        // configuration sets it); aws_s3_bucket_versioning says the rest.
        Dialect::Terraform => {
            let versioning = props.value("Versioning")?;
            let enabled = versioning.as_ref().and_then(|v| v.get("Enabled")).and_then(Value::text).map(|e| e.eq_ignore_ascii_case("true"));
            if enabled.is_some() || !existing {
                let status = enabled.filter(|e| *e).map(|_| "Enabled".to_string());
                link(model, BucketLink::Versioning(BucketVersioning { status, mfa_delete: None }));
            }
        }
    }
    Ok(())
}

/// The four settings as written; one not written is off (S3's `PutPublicAccessBlock` default).
fn block_settings(value: &Value) -> PublicAccessBlockConfiguration {
    let on = |name: &str| value.get(name).and_then(Value::text).is_some_and(|t| t.eq_ignore_ascii_case("true"));
    PublicAccessBlockConfiguration {
        block_public_acls: on("BlockPublicAcls"),
        ignore_public_acls: on("IgnorePublicAcls"),
        block_public_policy: on("BlockPublicPolicy"),
        restrict_public_buckets: on("RestrictPublicBuckets"),
    }
}

fn encryption_of(rules: &[Value]) -> BucketEncryption {
    let rules = rules
        .iter()
        .map(|rule| EncryptionRule {
            apply_server_side_encryption_by_default: rule.get("ServerSideEncryptionByDefault").map(|by_default| {
                let text = |name: &str| by_default.get(name).and_then(Value::text).map(str::to_string);
                EncryptionByDefault {
                    sse_algorithm: text("SSEAlgorithm").unwrap_or_default(),
                    kms_master_key_id: text("KMSMasterKeyID")
                        .or_else(|| by_default.get("KMSMasterKeyID").and_then(Value::unknown).map(|why| format!("<unknown: {why}>"))),
                }
            }),
        })
        .collect();
    BucketEncryption { server_side_encryption_configuration: Some(EncryptionConfiguration { rules }) }
}

/// The bucket a configuring resource names (`Bucket`), as written: a name, or a resource's ID.
fn named_bucket(props: &Props<'_>) -> Result<Option<String>, Located> {
    Ok(match props.text("Bucket")? {
        Some(Ok(bucket)) => Some(bucket),
        Some(Err(_)) | None => None,
    })
}

fn policy(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    let (Some(bucket), Some(document)) =
        (named_bucket(props)?, identity::document(props, "PolicyDocument")?.or(identity::document(props, "Policy")?))
    else {
        return Ok(());
    };
    model.bucket_links.push((bucket, BucketLink::Policy(BucketPolicy { policy: Some(document) })));
    Ok(())
}

fn versioning(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    let Some(bucket) = named_bucket(props)? else { return Ok(()) };
    let status = props.value("VersioningConfiguration")?.and_then(|v| v.get("Status").and_then(Value::text).map(str::to_string));
    model.bucket_links.push((bucket, BucketLink::Versioning(BucketVersioning { status, mfa_delete: None })));
    Ok(())
}

/// `aws_s3_bucket_public_access_block`: the four settings at the resource's top level.
fn public_access_block(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    let Some(bucket) = named_bucket(props)? else { return Ok(()) };
    let settings = settings_of(props)?;
    let block = PublicAccessBlock { public_access_block_configuration: Some(settings) };
    model.bucket_links.push((bucket, BucketLink::Block(block, Some(props.id().to_string()))));
    Ok(())
}

fn settings_of(props: &Props<'_>) -> Result<PublicAccessBlockConfiguration, Located> {
    let on = |name: &str| -> Result<bool, Located> { Ok(props.boolean(name)?.and_then(Result::ok).unwrap_or(false)) };
    Ok(PublicAccessBlockConfiguration {
        block_public_acls: on("BlockPublicAcls")?,
        ignore_public_acls: on("IgnorePublicAcls")?,
        block_public_policy: on("BlockPublicPolicy")?,
        restrict_public_buckets: on("RestrictPublicBuckets")?,
    })
}

fn encryption(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    let Some(bucket) = named_bucket(props)? else { return Ok(()) };
    let rules = props.value("ServerSideEncryptionConfiguration")?;
    let encryption = encryption_of(rules.as_ref().map_or(&[][..], Value::items));
    model.bucket_links.push((bucket, BucketLink::Encryption(encryption)));
    Ok(())
}

fn account_public_access_block(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    model.snapshot.account_public_access_block = Some(PublicAccessBlock { public_access_block_configuration: Some(settings_of(props)?) });
    Ok(())
}

/// An object the plan puts in a bucket: it exists once applied, at the version the apply makes.
fn object(model: &mut Model, props: &Props<'_>) -> Result<(), Located> {
    let (Some(bucket), Some(Ok(key))) = (named_bucket(props)?, props.text("Key")?) else { return Ok(()) };
    let version_id = props.plain("VersionId")?.or_else(|| Some(format!("{}.version_id", props.resource.name())));
    model.bucket_links.push((bucket, BucketLink::Object(ObjectVersion { key, version_id, is_latest: Some(true) })));
    Ok(())
}
