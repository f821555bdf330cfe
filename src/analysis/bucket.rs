//! The environment's source bucket (RULES.md v3 "BKT"): which bucket SourceBucketArn names, and what S3 says
//! of it (Region, versioning, public access block, policy, default encryption, object versions), from a
//! snapshot's members or the template's or plan's bucket.

use crate::model::snapshot::{BucketEncryption, BucketPolicy, BucketVersioning, ObjectVersions, PublicAccessBlockConfiguration};
use crate::model::{Member, Network};
use crate::target::{CodeBucket, Language, Settings};

/// The bucket SourceBucketArn names, as far as the input tells.
pub enum Lookup<'n> {
    Found(SourceBucket<'n>),
    /// No SourceBucketArn given, with why it matters.
    NotNamed(String),
    /// Not `arn:PARTITION:s3:::BUCKET` (BKT001).
    Malformed(String),
    /// The ARN names no bucket (NoSuchBucket).
    NotFound(String),
}

pub struct SourceBucket<'n> {
    network: &'n Network,
    /// The bucket's name.
    pub name: String,
    /// The bucket as the code has it, when it does.
    pub code: Option<&'n CodeBucket>,
}

/// What SourceBucketArn must look like: `arn:PARTITION:s3:::BUCKET`, the bucket alone (no key, no `/`).
pub fn bucket_of(arn: &str) -> Result<&str, String> {
    if arn.starts_with("s3://") {
        return Err(format!("the source bucket ARN {arn} is an S3 URL: MWAA takes the bucket's ARN, arn:aws:s3:::BUCKET"));
    }
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let ["arn", partition, "s3", "", "", bucket] = parts.as_slice() else {
        return Err(format!("the source bucket ARN {arn} is not an S3 bucket ARN (arn:PARTITION:s3:::BUCKET)"));
    };
    if !partition.starts_with("aws") {
        return Err(format!("the source bucket ARN {arn} names no AWS partition"));
    }
    if bucket.contains('/') {
        return Err(format!("the source bucket ARN {arn} names a path, not the bucket alone: remove what follows the bucket's name"));
    }
    // A name the deployment generates is a symbol (`{Bucket.BucketName}`), valid by construction.
    let symbol = bucket.starts_with('{') && bucket.ends_with('}');
    let valid = (3..=63).contains(&bucket.len())
        && bucket.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
        && bucket.starts_with(|c: char| c.is_ascii_alphanumeric())
        && bucket.ends_with(|c: char| c.is_ascii_alphanumeric());
    if !symbol && !valid {
        return Err(format!("the source bucket ARN {arn} names no valid bucket (3-63 lower-case letters, digits, dots and hyphens)"));
    }
    Ok(bucket)
}

pub fn source_bucket<'n>(network: &'n Network, settings: &'n Settings) -> Lookup<'n> {
    let Some(arn) = settings.source_bucket_arn.as_deref() else {
        return Lookup::NotNamed(match settings.language {
            Language::AwsCli => "no source bucket is named (give --source-bucket-arn)".to_string(),
            _ => {
                "the environment's SourceBucketArn is known only at deployment (give the parameters it reads with --parameter)".to_string()
            }
        });
    };
    let name = match bucket_of(arn) {
        Ok(name) => name.to_string(),
        Err(why) => return Lookup::Malformed(why),
    };
    if network.snapshot.buckets_not_found.iter().flatten().any(|b| *b == name) {
        return Lookup::NotFound(format!("the source bucket ARN names no bucket: S3 answered NoSuchBucket for {name}"));
    }
    Lookup::Found(SourceBucket { network, name, code: settings.facts.bucket_in_code.as_ref() })
}

impl<'n> SourceBucket<'n> {
    /// What findings call it: its logical ID or address in the code, else its name.
    pub fn label(&self) -> &str {
        self.code.map_or(&self.name, |c| &c.id)
    }

    /// The bucket's entry in a member keyed by bucket name, or why the input does not hold it.
    fn entry<T>(&self, member: Member, map: &'n Option<std::collections::BTreeMap<String, T>>) -> Result<&'n T, String> {
        map.as_ref()
            .and_then(|m| m.get(&self.name))
            .ok_or_else(|| self.network.gap(member, || format!("{} does not hold the bucket {}", member.name(), self.name)))
    }

    /// The bucket's Region.
    pub fn region(&self) -> Result<&'n str, String> {
        self.entry(Member::BucketLocations, &self.network.snapshot.bucket_locations).map(|l| l.region())
    }

    pub fn versioning(&self) -> Result<&'n BucketVersioning, String> {
        self.entry(Member::BucketVersioning, &self.network.snapshot.bucket_versioning)
    }

    /// The bucket's own four settings (all off when it has no public access block).
    pub fn block(&self) -> Result<PublicAccessBlockConfiguration, String> {
        self.entry(Member::BucketPublicAccessBlock, &self.network.snapshot.bucket_public_access_block)
            .map(|b| b.public_access_block_configuration.unwrap_or_default())
    }

    /// The account's four settings (all off when it has none), or why they are not known.
    pub fn account_block(&self) -> Result<PublicAccessBlockConfiguration, String> {
        match &self.network.snapshot.account_public_access_block {
            Some(block) => Ok(block.public_access_block_configuration.unwrap_or_default()),
            None => Err(self.network.why_absent(Member::AccountPublicAccessBlock)),
        }
    }

    pub fn policy(&self) -> Result<&'n BucketPolicy, String> {
        self.entry(Member::BucketPolicies, &self.network.snapshot.bucket_policies)
    }

    pub fn encryption(&self) -> Result<&'n BucketEncryption, String> {
        self.entry(Member::BucketEncryption, &self.network.snapshot.bucket_encryption)
    }

    /// The versions listed under `prefix` (an object's key exactly, or the DAG folder with its `/`), or why
    /// they are not known: a bucket the deployment creates is empty until something fills it.
    pub fn versions(&self, prefix: &str) -> Result<&'n ObjectVersions, String> {
        let listed = self.network.snapshot.object_versions.as_ref().and_then(|m| m.get(&self.name));
        if let Some(code) = self.code.filter(|c| c.new) {
            return match listed.and_then(|p| p.get(prefix)) {
                Some(versions) => Ok(versions),
                None => Err(format!("the bucket {} is filled after deployment: the code does not put {prefix} in it", code.id)),
            };
        }
        match listed {
            Some(prefixes) => prefixes.get(prefix).ok_or_else(|| {
                format!("ObjectVersions does not list {prefix} in the bucket {} (list-object-versions --prefix {prefix})", self.name)
            }),
            None => Err(self.network.gap(Member::ObjectVersions, || format!("ObjectVersions does not hold the bucket {}", self.name))),
        }
    }
}
