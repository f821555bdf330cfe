//! The source bucket (RULES.md "BKT") and requirements.txt (RULES.md "PKG"), as the snapshot members `aws s3api`
//! and `aws s3control` fill: GetBucketLocation first, then every bucket call at once in the bucket's Region,
//! then the DAG-folder files requirements.txt includes. S3's "none" answers are `{}`, which differs from "not
//! captured"; a bucket that does not exist is listed in `BucketsNotFound`.

use std::collections::BTreeMap;

use aws_sdk_s3::primitives::ByteStream;

use super::named::{not_captured, Named};
use super::{ask, joined, Answer, Clients, CollectError};
use crate::analysis::requirements::DAGS_FOLDER;
use crate::model::snapshot::{
    BucketEncryption, BucketLocation, BucketPolicy, BucketVersioning, EncryptionByDefault, EncryptionConfiguration, EncryptionRule,
    ObjectVersion, ObjectVersions, PolicyDocument, PublicAccessBlock, PublicAccessBlockConfiguration, Snapshot,
};
use crate::model::Member;

/// S3's error codes that mean "none is configured".
const NONE_CONFIGURED: [&str; 3] =
    ["NoSuchPublicAccessBlockConfiguration", "NoSuchBucketPolicy", "ServerSideEncryptionConfigurationNotFoundError"];
/// The largest object whose text is read (CLI.md: objects over 1 MiB are not captured).
const MAX_OBJECT_BYTES: i64 = 1024 * 1024;
/// The most requirement files read: requirements.txt and what it includes.
const MAX_TEXTS: usize = 10;
/// The most pages of one object's versions.
const MAX_VERSION_PAGES: usize = 100;

/// The bucket's location, or why there is none: `Err` holds the snapshot part that says so.
pub(super) type Location = Result<BucketLocation, Snapshot>;

pub(super) async fn location(clients: &Clients, bucket: &str) -> Result<Location, CollectError> {
    Ok(match ask("s3:GetBucketLocation", clients.s3(&clients.region).get_bucket_location().bucket(bucket).send()).await? {
        Answer::Got(answer) => Ok(BucketLocation { location_constraint: answer.location_constraint().map(|c| c.as_str().to_string()) }),
        Answer::Refused { code, .. } if code == "NoSuchBucket" => {
            Err(Snapshot { buckets_not_found: Some(vec![bucket.to_string()]), ..Snapshot::default() })
        }
        Answer::Refused { reason, .. } => Err(not_captured(Member::BucketLocations, reason)),
    })
}

/// An answer of a bucket call as its member's entry: the answer, `{}` for S3's "none", or why it is missing.
fn entry<T, V: Default>(answer: Answer<T>, convert: impl FnOnce(T) -> V) -> Result<V, String> {
    match answer {
        Answer::Got(value) => Ok(convert(value)),
        Answer::Refused { code, .. } if NONE_CONFIGURED.contains(&code.as_str()) => Ok(V::default()),
        Answer::Refused { reason, .. } => Err(reason),
    }
}

/// Sets `member`, keyed by bucket, or records why it is missing.
fn keyed<V>(
    part: &mut Snapshot,
    bucket: &str,
    member: Member,
    value: Result<V, String>,
    set: impl FnOnce(&mut Snapshot) -> &mut Option<BTreeMap<String, V>>,
) {
    match value {
        Ok(value) => {
            set(part).get_or_insert_with(BTreeMap::new).insert(bucket.to_string(), value);
        }
        Err(reason) => part.absorb(not_captured(member, reason)),
    }
}

/// Everything the rules read of the bucket, in its Region; `account`: whose public access block applies.
pub(super) async fn bucket(
    clients: &Clients,
    named: &Named,
    bucket: &str,
    location: Location,
    account: Option<&str>,
) -> Result<Snapshot, CollectError> {
    let location = match location {
        Ok(location) => location,
        Err(part) => return Ok(part),
    };
    let s3 = clients.s3(location.region());
    let objects: Vec<(String, Option<String>)> =
        named.objects.iter().filter_map(|o| Some((o.key_in(bucket).ok()?.to_string(), o.version.clone()))).collect();
    let mut prefixes: Vec<String> = objects.iter().map(|(key, _)| key.clone()).collect();
    if let Some(dags) = &named.dag_s3_path {
        prefixes.push(format!("{}/", dags.trim_matches('/')));
    }
    let requirements = named
        .objects
        .iter()
        .find(|o| o.property == "RequirementsS3Path")
        .and_then(|o| Some((o.key_in(bucket).ok()?.to_string(), o.version.clone().unwrap_or_else(|| "latest".to_string()))));
    let (versioning, block, policy, encryption, account_block, versions, texts) = tokio::join!(
        ask("s3:GetBucketVersioning", s3.get_bucket_versioning().bucket(bucket).send()),
        ask("s3:GetBucketPublicAccessBlock", s3.get_public_access_block().bucket(bucket).send()),
        ask("s3:GetBucketPolicy", s3.get_bucket_policy().bucket(bucket).send()),
        ask("s3:GetEncryptionConfiguration", s3.get_bucket_encryption().bucket(bucket).send()),
        async {
            match account {
                Some(account) => {
                    ask("s3:GetAccountPublicAccessBlock", clients.s3control.get_public_access_block().account_id(account).send())
                        .await
                        .map(Some)
                }
                None => Ok(None),
            }
        },
        object_versions(&s3, bucket, &prefixes),
        async {
            match &requirements {
                Some((key, version)) => texts(&s3, bucket, named.dag_s3_path.as_deref(), key, version).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let mut part = Snapshot { bucket_locations: Some(BTreeMap::from([(bucket.to_string(), location)])), ..Snapshot::default() };
    let versioning = entry(versioning?, |v| BucketVersioning {
        status: v.status().map(|s| s.as_str().to_string()),
        mfa_delete: v.mfa_delete().map(|m| m.as_str().to_string()),
    });
    keyed(&mut part, bucket, Member::BucketVersioning, versioning, |s| &mut s.bucket_versioning);
    let block = entry(block?, |b| PublicAccessBlock {
        public_access_block_configuration: b.public_access_block_configuration().map(|c| {
            public_access_block([c.block_public_acls(), c.ignore_public_acls(), c.block_public_policy(), c.restrict_public_buckets()])
        }),
    });
    keyed(&mut part, bucket, Member::BucketPublicAccessBlock, block, |s| &mut s.bucket_public_access_block);
    let policy = entry(policy?, |p| BucketPolicy { policy: p.policy().map(|t| PolicyDocument(t.to_string())) });
    keyed(&mut part, bucket, Member::BucketPolicies, policy, |s| &mut s.bucket_policies);
    let encryption = entry(encryption?, |e| BucketEncryption {
        server_side_encryption_configuration: e.server_side_encryption_configuration().map(|c| EncryptionConfiguration {
            rules: c
                .rules()
                .iter()
                .map(|r| EncryptionRule {
                    apply_server_side_encryption_by_default: r.apply_server_side_encryption_by_default().map(|d| EncryptionByDefault {
                        sse_algorithm: d.sse_algorithm().as_str().to_string(),
                        kms_master_key_id: d.kms_master_key_id().map(str::to_string),
                    }),
                })
                .collect(),
        }),
    });
    keyed(&mut part, bucket, Member::BucketEncryption, encryption, |s| &mut s.bucket_encryption);
    if let Some(answer) = account_block? {
        let block = match answer {
            Answer::Got(b) => Ok(PublicAccessBlock {
                public_access_block_configuration: b.public_access_block_configuration().map(|c| {
                    public_access_block([
                        c.block_public_acls(),
                        c.ignore_public_acls(),
                        c.block_public_policy(),
                        c.restrict_public_buckets(),
                    ])
                }),
            }),
            Answer::Refused { code, .. } if code == "NoSuchPublicAccessBlockConfiguration" => Ok(PublicAccessBlock::default()),
            Answer::Refused { reason, .. } => Err(reason),
        };
        match block {
            Ok(block) => part.account_public_access_block = Some(block),
            Err(reason) => part.absorb(not_captured(Member::AccountPublicAccessBlock, reason)),
        }
    }
    match versions? {
        Ok(versions) if !versions.is_empty() => part.object_versions = Some(BTreeMap::from([(bucket.to_string(), versions)])),
        Ok(_) => {}
        Err(reason) => part.absorb(not_captured(Member::ObjectVersions, reason)),
    }
    if let Some(texts) = texts? {
        part.absorb(texts);
    }
    Ok(part)
}

/// The four settings in S3's order (S3 and S3 Control have a type each); one not given is off.
fn public_access_block([acls, ignore, policy, restrict]: [Option<bool>; 4]) -> PublicAccessBlockConfiguration {
    PublicAccessBlockConfiguration {
        block_public_acls: acls.unwrap_or(false),
        ignore_public_acls: ignore.unwrap_or(false),
        block_public_policy: policy.unwrap_or(false),
        restrict_public_buckets: restrict.unwrap_or(false),
    }
}

/// ListObjectVersions for each prefix at once: every version of an object key (paged to the end, bounded), the
/// first of a folder (`dags/`), which is all BKT006 asks.
async fn object_versions(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    prefixes: &[String],
) -> Result<Result<BTreeMap<String, ObjectVersions>, String>, CollectError> {
    let mut tasks = tokio::task::JoinSet::new();
    for prefix in prefixes {
        let (s3, bucket, prefix) = (s3.clone(), bucket.to_string(), prefix.clone());
        tasks.spawn(async move {
            let mut read = ObjectVersions::default();
            let mut markers: Option<(String, Option<String>)> = None;
            for _ in 0..MAX_VERSION_PAGES {
                let mut request = s3.list_object_versions().bucket(&bucket).prefix(&prefix);
                if prefix.ends_with('/') {
                    request = request.max_keys(1);
                }
                if let Some((key, version)) = &markers {
                    request = request.key_marker(key).set_version_id_marker(version.clone());
                }
                let page = match ask("s3:ListBucketVersions", request.send()).await? {
                    Answer::Got(page) => page,
                    Answer::Refused { reason, .. } => return Ok((prefix, Err(reason))),
                };
                let item = |key: Option<&str>, version: Option<&str>, latest: Option<bool>| {
                    key.map(|key| ObjectVersion { key: key.to_string(), version_id: version.map(str::to_string), is_latest: latest })
                };
                read.versions.extend(page.versions().iter().filter_map(|v| item(v.key(), v.version_id(), v.is_latest())));
                read.delete_markers.extend(page.delete_markers().iter().filter_map(|d| item(d.key(), d.version_id(), d.is_latest())));
                match (page.is_truncated(), page.next_key_marker()) {
                    (Some(true), Some(key)) if !prefix.ends_with('/') => {
                        let next = (key.to_string(), page.next_version_id_marker().map(str::to_string));
                        if markers.as_ref() == Some(&next) {
                            return Err(CollectError::Unparsable(format!("s3:ListBucketVersions repeated its marker for {prefix}")));
                        }
                        markers = Some(next);
                    }
                    _ => return Ok((prefix, Ok(read))),
                }
            }
            Err(CollectError::Unparsable(format!("the versions of {prefix} did not end after {MAX_VERSION_PAGES} pages")))
        });
    }
    let mut read = BTreeMap::new();
    for done in joined(tasks, "s3:ListBucketVersions").await? {
        let (prefix, answer) = done?;
        match answer {
            Ok(versions) => {
                read.insert(prefix, versions);
            }
            Err(reason) => return Ok(Err(reason)),
        }
    }
    Ok(Ok(read))
}

/// requirements.txt at its version and the DAG-folder files its `-r`/`-c` lines include (at their latest), one
/// level of includes per round; objects over 1 MiB are left out.
async fn texts(s3: &aws_sdk_s3::Client, bucket: &str, dags: Option<&str>, key: &str, version: &str) -> Result<Snapshot, CollectError> {
    let mut texts: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut wanted = vec![(key.to_string(), version.to_string())];
    let mut read = 0;
    while !wanted.is_empty() && read < MAX_TEXTS {
        let level: Vec<(String, String)> = wanted.drain(..wanted.len().min(MAX_TEXTS - read)).collect();
        read += level.len();
        let mut tasks = tokio::task::JoinSet::new();
        for (key, version) in level {
            let (s3, bucket) = (s3.clone(), bucket.to_string());
            tasks.spawn(async move {
                let mut request = s3.get_object().bucket(&bucket).key(&key);
                if version != "latest" {
                    request = request.version_id(&version);
                }
                let action = if version == "latest" { "s3:GetObject" } else { "s3:GetObjectVersion" };
                let text = match ask(action, request.send()).await? {
                    Answer::Got(answer) if answer.content_length().unwrap_or(0) > MAX_OBJECT_BYTES => None,
                    Answer::Got(answer) => Some(Ok(body(answer.body, action).await?)),
                    Answer::Refused { reason, .. } => Some(Err(reason)),
                };
                Ok::<_, CollectError>((key, version, text))
            });
        }
        for done in joined(tasks, "s3:GetObject").await? {
            let (key, version, text) = done?;
            let text = match text {
                Some(Ok(text)) => text,
                Some(Err(reason)) => return Ok(not_captured(Member::ObjectTexts, reason)),
                None => continue,
            };
            let folder = dags.unwrap_or("dags").trim_matches('/');
            for included in crate::analysis::requirements::included_files(&text) {
                if let Some(rest) = included.strip_prefix(DAGS_FOLDER) {
                    wanted.push((format!("{folder}/{rest}"), "latest".to_string()));
                }
            }
            texts.entry(format!("s3://{bucket}/{key}")).or_default().insert(version, text);
        }
        wanted.retain(|(key, version)| !texts.get(&format!("s3://{bucket}/{key}")).is_some_and(|v| v.contains_key(version)));
    }
    Ok(Snapshot { object_texts: Some(texts), ..Snapshot::default() })
}

/// An object's bytes as text (invalid UTF-8 replaced, as the recipe reads it).
async fn body(stream: ByteStream, action: &'static str) -> Result<String, CollectError> {
    let bytes = stream.collect().await.map_err(|e| CollectError::Unreachable { action, detail: e.to_string() })?;
    Ok(String::from_utf8_lossy(&bytes.into_bytes()).into_owned())
}
