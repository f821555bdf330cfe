//! Live collection through the AWS SDK: fills the same snapshot model the file reader fills, with
//! read-only calls only. The dependency chain is GetEnvironment -> the env subnets and groups -> every
//! VPC-scoped Describe call at once -> DHCP options and prefix-list entries, so a check costs four round
//! trips and about fifteen requests however large the account is; the role, key, bucket and deployer reads
//! ([`named`]) run beside the last three. Collectors never judge: a denied call leaves its member out (the
//! rules that need it are skipped with the reason), anything else aborts.

mod complete;
mod convert;
mod loopback;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_ec2::config::http::HttpResponse;
use aws_sdk_ec2::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_ec2::types::Filter;
use aws_sdk_mwaa::config::ProvideCredentials;
use miette::Diagnostic;
use thiserror::Error;

use crate::model::snapshot::{Environment, RouteTable, Snapshot, VpcAttributes};
use crate::model::{BooleanValue, Member};

#[derive(Debug, Default, Clone)]
pub struct AwsOptions {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
}

#[derive(Debug, Error, Diagnostic)]
pub enum CollectError {
    #[error("no AWS region is set")]
    #[diagnostic(code(mwaa_preflight::no_region), help("pass --region, set AWS_REGION, or set `region` in the profile (~/.aws/config)"))]
    NoRegion,
    #[error("no AWS credentials: {0}")]
    #[diagnostic(
        code(mwaa_preflight::no_credentials),
        help("set AWS_PROFILE or --profile (run `aws sso login` for SSO profiles), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
    )]
    NoCredentials(String),
    #[error("profile {profile} gives no credentials (looked in {files}): {detail}")]
    #[diagnostic(
        code(mwaa_preflight::no_profile),
        help("check the name (aws configure list-profiles); for an SSO profile run `aws sso login --profile NAME`")
    )]
    NoProfile { profile: String, files: String, detail: String },
    #[error("the AWS credentials were rejected ({code}): {message}")]
    #[diagnostic(code(mwaa_preflight::credentials_rejected), help("{hint}"))]
    CredentialsRejected { code: String, message: String, hint: &'static str },
    #[error("cannot reach AWS for {action}: {detail}")]
    #[diagnostic(code(mwaa_preflight::unreachable), help("check the network, proxy settings, --region and --endpoint-url"))]
    Unreachable { action: &'static str, detail: String },
    #[error("{action} was denied: {message}")]
    #[diagnostic(code(mwaa_preflight::access_denied), help("the tool needs the read-only actions `mwaa-preflight iam-policy` prints"))]
    Denied { action: &'static str, message: String },
    #[error("environment {name} does not exist in {region}")]
    #[diagnostic(code(mwaa_preflight::environment_not_found), help("check the name and the region (aws mwaa list-environments)"))]
    EnvironmentNotFound { name: String, region: String },
    #[error("{action} failed: {detail}")]
    #[diagnostic(code(mwaa_preflight::aws_error), help("{hint}"))]
    Api { action: &'static str, detail: String, hint: &'static str },
    #[error("unexpected AWS answer: {0}")]
    #[diagnostic(code(mwaa_preflight::unparsable))]
    Unparsable(String),
}

#[derive(Clone)]
pub struct Clients {
    ec2: aws_sdk_ec2::Client,
    mwaa: aws_sdk_mwaa::Client,
    iam: aws_sdk_iam::Client,
    kms: aws_sdk_kms::Client,
    sts: aws_sdk_sts::Client,
    s3control: aws_sdk_s3control::Client,
    /// For S3 clients in the bucket's Region.
    config: aws_config::SdkConfig,
    pub region: String,
}

impl Clients {
    /// S3 in `region` (a bucket's calls go to its own Region); path-style for an emulator on loopback, which
    /// has no `BUCKET.` host names.
    fn s3(&self, region: &str) -> aws_sdk_s3::Client {
        let endpoint = std::env::var("AWS_ENDPOINT_URL_S3").ok().or_else(|| self.config.endpoint_url().map(str::to_string));
        let builder = aws_sdk_s3::config::Builder::from(&self.config)
            .region(Region::new(region.to_string()))
            .force_path_style(endpoint.as_deref().is_some_and(loopback::is_loopback));
        aws_sdk_s3::Client::from_conf(builder.build())
    }
}

/// Standard credential and region chain (flags first), with retries for throttling and 5xx, and
/// timeouts, so an unreachable endpoint fails in seconds.
pub async fn connect(options: &AwsOptions) -> Result<Clients, CollectError> {
    let retry = RetryConfig::standard()
        .with_max_attempts(8)
        .with_initial_backoff(Duration::from_millis(200))
        // Throttled audits back off per request, up to 10 s between attempts.
        .with_max_backoff(Duration::from_secs(10));
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(3))
        .operation_attempt_timeout(Duration::from_secs(20))
        .operation_timeout(Duration::from_secs(90))
        .build();
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).retry_config(retry).timeout_config(timeouts);
    if let Some(region) = &options.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(profile) = &options.profile {
        // As in the AWS CLI, an explicit profile wins over AWS_ACCESS_KEY_ID in the environment: the default
        // chain would look at the environment's keys first and check the wrong account.
        let credentials = aws_config::profile::ProfileFileCredentialsProvider::builder().profile_name(profile).build();
        loader = loader.profile_name(profile).credentials_provider(credentials);
    }
    if let Some(url) = &options.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let config = loader.load().await;
    let region = config.region().map(ToString::to_string).ok_or(CollectError::NoRegion)?;
    let provider =
        config.credentials_provider().ok_or_else(|| CollectError::NoCredentials("no credential provider is configured".to_string()))?;
    provider.provide_credentials().await.map_err(|e| match &options.profile {
        Some(profile) => {
            CollectError::NoProfile { profile: profile.clone(), files: profile_files(), detail: DisplayErrorContext(&e).to_string() }
        }
        None => CollectError::NoCredentials(DisplayErrorContext(&e).to_string()),
    })?;
    let ec2 =
        aws_sdk_ec2::Client::from_conf(aws_sdk_ec2::config::Builder::from(&config).interceptor(complete::RejectIncompleteXml).build());
    let mwaa =
        aws_sdk_mwaa::Client::from_conf(aws_sdk_mwaa::config::Builder::from(&config).interceptor(loopback::UnprefixLoopbackHost).build());
    let s3control = aws_sdk_s3control::Client::from_conf(
        aws_sdk_s3control::config::Builder::from(&config).interceptor(loopback::UnprefixLoopbackHost).build(),
    );
    Ok(Clients {
        ec2,
        mwaa,
        iam: aws_sdk_iam::Client::new(&config),
        kms: aws_sdk_kms::Client::new(&config),
        sts: aws_sdk_sts::Client::new(&config),
        s3control,
        config,
        region,
    })
}

/// The configuration files a profile is looked up in, as the SDK and the AWS CLI find them.
fn profile_files() -> String {
    let file = |variable: &str, default: &str| std::env::var(variable).unwrap_or_else(|_| format!("~/.aws/{default}"));
    format!("{} and {}", file("AWS_CONFIG_FILE", "config"), file("AWS_SHARED_CREDENTIALS_FILE", "credentials"))
}

fn api_error<E>(action: &'static str, err: SdkError<E, HttpResponse>) -> CollectError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    if matches!(err, SdkError::DispatchFailure(_) | SdkError::TimeoutError(_)) {
        return CollectError::Unreachable { action, detail: DisplayErrorContext(&err).to_string() };
    }
    let code = err.code().unwrap_or_default().to_string();
    let message = err.message().unwrap_or_default().to_string();
    match code.as_str() {
        "UnauthorizedOperation" | "AccessDenied" | "AccessDeniedException" | "UnauthorizedAccess" => {
            CollectError::Denied { action, message: format!("{code}: {message}") }
        }
        "ExpiredToken" | "ExpiredTokenException" | "RequestExpired" => CollectError::CredentialsRejected {
            code,
            message,
            hint: "the session token expired: refresh it (aws sso login, or new temporary credentials)",
        },
        "AuthFailure" | "UnrecognizedClientException" | "InvalidClientTokenId" | "SignatureDoesNotMatch" | "IncompleteSignature" => {
            CollectError::CredentialsRejected {
                code,
                message,
                hint: "check the access key, secret and clock; a key of another partition or a deleted key fails this way",
            }
        }
        _ => {
            let (detail, hint) = describe_failure(&err, &code, &message);
            CollectError::Api { action, detail, hint }
        }
    }
}

/// An answer that is not AWS's (an HTML page from a proxy), as its status, type and first words.
fn not_aws(raw: &HttpResponse) -> Option<String> {
    let kind = raw.headers().get("content-type").unwrap_or_default();
    let body = raw.body().bytes().map(String::from_utf8_lossy).unwrap_or_default();
    if kind.contains("xml") || kind.contains("json") && body.trim_start().starts_with('{') {
        return None;
    }
    // Tags and runs of whitespace out; the title and first words of the page stay.
    let mut text = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut summary = words.join(" ");
    if summary.chars().count() > 160 {
        summary = summary.chars().take(160).collect::<String>() + "...";
    }
    let kind = if kind.is_empty() { "no content type" } else { kind };
    Some(format!("HTTP {} ({kind}), not an AWS answer: {}", raw.status().as_u16(), crate::text::printable(&summary)))
}

/// One sentence for a failed call and what to do (the SDK's whole error context is for `-v` users of
/// the AWS CLI, not for this report).
fn describe_failure<E>(err: &SdkError<E, HttpResponse>, code: &str, message: &str) -> (String, &'static str)
where
    E: std::error::Error + 'static,
{
    // The innermost cause says what happened; the layers above it name the SDK's machinery.
    let source = || {
        let mut cause: &dyn std::error::Error = err;
        while let Some(next) = cause.source() {
            cause = next;
        }
        cause.to_string()
    };
    match err {
        SdkError::ConstructionFailure(_) => {
            let what = source();
            let mut causes = std::iter::successors(Some(err as &dyn std::error::Error), |e| e.source());
            let hint = if causes.any(|e| e.is::<PagingTooSlow>()) {
                "the pages came too slowly: check proxies and --endpoint-url, or allow more with MWAA_PREFLIGHT_PAGING_TIMEOUT=SECONDS"
            } else {
                "AWS answered in a way it never does; report it with the request IDs of `AWS_LOG=debug`"
            };
            (what, hint)
        }
        SdkError::ResponseError(_) => (
            format!("the answer could not be read ({})", source()),
            "the answer was cut short or is not AWS's (a proxy's page?): check proxies and --endpoint-url, then retry",
        ),
        _ => {
            let hint = match code {
                "RequestLimitExceeded" | "Throttling" | "ThrottlingException" => {
                    "EC2 kept throttling after the retries: run again later, or lower --concurrency in audits"
                }
                "OptInRequired" => "the region is not enabled for the account: enable it, or pass another --region",
                "Blocked" => "AWS has blocked the account: contact AWS Support",
                "UnsupportedOperation" | "InvalidAction" => "the endpoint does not offer this API: check --endpoint-url and the region",
                _ => "AWS refused the call; the message says why",
            };
            let what = match (code.is_empty(), err.raw_response().and_then(not_aws)) {
                (true, Some(answer)) => {
                    return (answer, "something between the tool and AWS answered (a proxy?): check proxies and --endpoint-url, then retry")
                }
                (true, None) => source(),
                (false, _) => format!("{code}: {message}"),
            };
            (what, hint)
        }
    }
}

/// A paged call whose pages took longer than [`paging_timeout`] in all.
#[derive(Debug, thiserror::Error)]
#[error("the answer was still paging after {seconds} s ({pages} pages)")]
struct PagingTooSlow {
    seconds: f64,
    pages: usize,
}

/// The most pages one paged call may take (EC2 pages hold up to 1,000 items).
const MAX_PAGES: usize = 1000;

/// The longest one paged call may take over all its pages, unless `MWAA_PREFLIGHT_PAGING_TIMEOUT` (seconds)
/// says otherwise: an answer that keeps paging is cut off in time even when each page is slow.
const PAGING_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

pub fn paging_timeout() -> std::time::Duration {
    static TIMEOUT: std::sync::OnceLock<std::time::Duration> = std::sync::OnceLock::new();
    *TIMEOUT.get_or_init(|| {
        std::env::var("MWAA_PREFLIGHT_PAGING_TIMEOUT")
            .ok()
            .and_then(|s| s.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s > 0.0)
            .map_or(PAGING_TIMEOUT, std::time::Duration::from_secs_f64)
    })
}

/// Every item of a paged request, followed to the end. AWS never repeats a NextToken: one seen before (an
/// endless loop, or a page read twice), more than MAX_PAGES pages, or pages that take longer than
/// [`paging_timeout`] in all fail the call, naming it, instead of looping or reading duplicated items.
macro_rules! paged {
    ($request:expr, $items:ident) => {
        paged!($request, $items, next_token)
    };
    // IAM and KMS call their token `Marker` / `NextMarker`.
    ($request:expr, $items:ident, $token:ident) => {
        async {
            let started = std::time::Instant::now();
            let timeout = $crate::collect::paging_timeout();
            let mut pages = $request.into_paginator().send();
            let mut items = Vec::new();
            let mut tokens = std::collections::HashSet::new();
            loop {
                let remaining = timeout.saturating_sub(started.elapsed());
                let next = match tokio::time::timeout(remaining, pages.next()).await {
                    Ok(next) => next,
                    Err(_) => {
                        return Err($crate::collect::SdkError::construction_failure($crate::collect::PagingTooSlow {
                            seconds: timeout.as_secs_f64(),
                            pages: tokens.len() + 1,
                        }))
                    }
                };
                let Some(page) = next else { break };
                let page = page?;
                items.extend(page.$items().iter().cloned());
                let Some(token) = page.$token().filter(|t| !t.is_empty()) else { continue };
                if !tokens.insert(token.to_string()) {
                    return Err($crate::collect::SdkError::construction_failure(format!(
                        "the page token {token:?} came twice: AWS never repeats one"
                    )));
                }
                if tokens.len() >= $crate::collect::MAX_PAGES {
                    return Err($crate::collect::SdkError::construction_failure(format!(
                        "the answer did not end after {} pages",
                        $crate::collect::MAX_PAGES
                    )));
                }
            }
            Ok(items)
        }
    };
}

// The reads beyond the network use `paged!`, so they are declared after it.
mod iam;
mod kms;
mod named;
mod s3;

pub use named::{named, Deployment, Named};

/// Requests under way, for the progress line.
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

pub fn requests_in_flight() -> usize {
    IN_FLIGHT.load(Ordering::Relaxed)
}

/// Counts a request while it is under way.
async fn counted<T>(call: impl std::future::Future<Output = T>) -> T {
    IN_FLIGHT.fetch_add(1, Ordering::Relaxed);
    let result = call.await;
    IN_FLIGHT.fetch_sub(1, Ordering::Relaxed);
    result
}

/// The names of every environment in the region (ListEnvironments, followed to the end).
pub async fn environment_names(clients: &Clients) -> Result<Vec<String>, CollectError> {
    counted(paged!(clients.mwaa.list_environments(), environments)).await.map_err(|e| api_error("airflow:ListEnvironments", e))
}

/// Reads an environment with GetEnvironment.
pub async fn environment(clients: &Clients, name: &str) -> Result<Environment, CollectError> {
    let answer = counted(clients.mwaa.get_environment().name(name).send()).await.map_err(|err| {
        if err.as_service_error().is_some_and(|e| e.is_resource_not_found_exception()) {
            return CollectError::EnvironmentNotFound { name: name.to_string(), region: clients.region.clone() };
        }
        api_error("airflow:GetEnvironment", err)
    })?;
    let environment =
        answer.environment().ok_or_else(|| CollectError::Unparsable("GetEnvironment answered without an environment".to_string()))?;
    convert::environment(environment)
}

/// A call's result: what it returned, or why it was denied.
enum Fetched<T> {
    Got(T),
    Denied(String),
}

async fn fetch<T, E>(
    action: &'static str,
    call: impl std::future::Future<Output = Result<T, SdkError<E, HttpResponse>>>,
) -> Result<Fetched<T>, CollectError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match counted(call).await.map_err(|e| api_error(action, e)) {
        Ok(value) => Ok(Fetched::Got(value)),
        Err(CollectError::Denied { action, message }) => Ok(Fetched::Denied(format!("{action} denied ({message})"))),
        Err(other) => Err(other),
    }
}

/// A read beyond the network: what it returned, or the service's refusal with its error code (a role or
/// bucket that does not exist, a denied action, S3's "none" answers), which the caller records.
enum Answer<T> {
    Got(T),
    Refused { code: String, reason: String },
}

/// A call of [`named`]'s reads: transport and credential failures abort as for the network; a refusal is the
/// caller's to record.
async fn ask<T, E>(
    action: &'static str,
    call: impl std::future::Future<Output = Result<T, SdkError<E, HttpResponse>>>,
) -> Result<Answer<T>, CollectError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let error = match counted(call).await {
        Ok(value) => return Ok(Answer::Got(value)),
        Err(error) => error,
    };
    let code = error.code().unwrap_or_default().to_string();
    match api_error(action, error) {
        CollectError::Denied { action, message } => Ok(Answer::Refused { code, reason: format!("{action} denied ({message})") }),
        CollectError::Api { action, detail, .. } if !code.is_empty() => {
            Ok(Answer::Refused { code, reason: format!("{action} failed ({detail})") })
        }
        other => Err(other),
    }
}

/// Every result of `tasks` (concurrent requests of `action`), in no particular order.
async fn joined<T: 'static>(mut tasks: tokio::task::JoinSet<T>, action: &'static str) -> Result<Vec<T>, CollectError> {
    let mut results = Vec::new();
    while let Some(done) = tasks.join_next().await {
        results.push(done.map_err(|e| CollectError::Api {
            action,
            detail: e.to_string(),
            hint: "the request task ended abnormally; this is a bug, please report it",
        })?);
    }
    Ok(results)
}

fn filter(name: &str, values: &[String]) -> Filter {
    Filter::builder().name(name).set_values(Some(values.to_vec())).build()
}

/// Converts what a call returned into its snapshot member, or records why it is missing.
fn member<I, T>(
    fetched: Fetched<Vec<I>>,
    member: Member,
    not_captured: &mut BTreeMap<String, String>,
    convert: impl Fn(&I) -> Result<T, CollectError>,
) -> Result<Option<Vec<T>>, CollectError> {
    match fetched {
        Fetched::Got(items) => Ok(Some(items.iter().map(convert).collect::<Result<_, _>>()?)),
        Fetched::Denied(reason) => {
            not_captured.insert(member.name().to_string(), reason);
            Ok(None)
        }
    }
}

/// Subnets already described: an audit reads all its environments' subnets at once, groups the
/// environments by VPC with them, and hands each VPC's read its share instead of asking again.
#[derive(Debug, Clone, Default)]
pub struct KnownSubnets(Vec<aws_sdk_ec2::types::Subnet>);

impl KnownSubnets {
    pub fn vpc_of(&self, subnet_id: &str) -> Option<&str> {
        self.0.iter().find(|s| s.subnet_id() == Some(subnet_id)).and_then(|s| s.vpc_id())
    }

    /// The subnets among `ids`.
    pub fn only(&self, ids: &[String]) -> KnownSubnets {
        KnownSubnets(self.0.iter().filter(|s| s.subnet_id().is_some_and(|id| ids.iter().any(|i| i == id))).cloned().collect())
    }
}

/// The subnets that exist among `subnet_ids`, in one paged DescribeSubnets per 200 IDs (EC2's filter limit).
pub async fn subnets(clients: &Clients, subnet_ids: &[String]) -> Result<KnownSubnets, CollectError> {
    let mut known = Vec::new();
    for chunk in subnet_ids.chunks(200) {
        let subnets = counted(paged!(clients.ec2.describe_subnets().filters(filter("subnet-id", chunk)), subnets))
            .await
            .map_err(|e| api_error("ec2:DescribeSubnets", e))?;
        known.extend(subnets);
    }
    Ok(KnownSubnets(known))
}

/// Everything `check` reads about the network of these subnets and groups; `endpoint_services` are the
/// environment's own (database, web server) endpoint services, asked about with the AWS ones. `known`:
/// the env subnets when they were described already (an audit), else they are asked for. `vpc_hint`: the
/// VPC to read when the subnets and groups name none (a template's new subnets in an existing VPC).
pub async fn network(
    clients: &Clients,
    subnet_ids: &[String],
    group_ids: &[String],
    endpoint_services: &[String],
    known: Option<&KnownSubnets>,
    vpc_hint: Option<&str>,
) -> Result<Snapshot, CollectError> {
    let ec2 = &clients.ec2;
    let mut not_captured = BTreeMap::new();

    // 1. The env subnets and groups (filters, so unknown IDs are simply absent), to find the VPC.
    let (env_subnets, env_groups) = tokio::join!(
        fetch("ec2:DescribeSubnets", async {
            if let Some(known) = known {
                return Ok(known.0.clone());
            }
            if subnet_ids.is_empty() {
                return Ok(Vec::new());
            }
            paged!(ec2.describe_subnets().filters(filter("subnet-id", subnet_ids)), subnets).await
        }),
        fetch("ec2:DescribeSecurityGroups", async {
            if group_ids.is_empty() {
                return Ok(Vec::new());
            }
            paged!(ec2.describe_security_groups().filters(filter("group-id", group_ids)), security_groups).await
        }),
    );
    let env_subnets = match env_subnets? {
        Fetched::Got(items) => items,
        Fetched::Denied(reason) => {
            return Err(CollectError::Denied { action: "ec2:DescribeSubnets", message: format!("{reason}; it is needed to find the VPC") })
        }
    };
    let env_groups = env_groups?;
    let group_vpcs: Vec<&str> = match &env_groups {
        Fetched::Got(groups) => groups.iter().filter_map(|g| g.vpc_id()).collect(),
        Fetched::Denied(_) => Vec::new(),
    };
    let vpc = crate::model::majority(env_subnets.iter().filter_map(|s| s.vpc_id()).chain(group_vpcs)).or(vpc_hint).map(str::to_string);
    let Some(vpc) = vpc else {
        // Nothing found: the rules report the IDs as missing.
        return Ok(Snapshot {
            subnets: Some(Vec::new()),
            security_groups: member(env_groups, Member::SecurityGroups, &mut not_captured, convert::security_group)?,
            not_captured: (!not_captured.is_empty()).then_some(not_captured),
            ..header(clients, None)
        });
    };
    let in_vpc = [vpc.clone()];
    let needed_services: Vec<String> = crate::model::MWAA_AWS_SERVICES
        .iter()
        .map(|short| crate::model::aws_service_name(&clients.region, short))
        .chain(endpoint_services.iter().cloned())
        .collect();

    // 2. Everything VPC-scoped, at once.
    let (vpcs, subnets, tables, acls, groups, endpoints, nats, igws, prefix_lists, dns_support, dns_hostnames, services) = tokio::join!(
        fetch("ec2:DescribeVpcs", paged!(ec2.describe_vpcs().vpc_ids(&vpc), vpcs)),
        fetch("ec2:DescribeSubnets", paged!(ec2.describe_subnets().filters(filter("vpc-id", &in_vpc)), subnets)),
        fetch("ec2:DescribeRouteTables", paged!(ec2.describe_route_tables().filters(filter("vpc-id", &in_vpc)), route_tables)),
        fetch("ec2:DescribeNetworkAcls", paged!(ec2.describe_network_acls().filters(filter("vpc-id", &in_vpc)), network_acls)),
        fetch("ec2:DescribeSecurityGroups", paged!(ec2.describe_security_groups().filters(filter("vpc-id", &in_vpc)), security_groups)),
        fetch("ec2:DescribeVpcEndpoints", paged!(ec2.describe_vpc_endpoints().filters(filter("vpc-id", &in_vpc)), vpc_endpoints)),
        fetch("ec2:DescribeNatGateways", paged!(ec2.describe_nat_gateways().filter(filter("vpc-id", &in_vpc)), nat_gateways)),
        fetch(
            "ec2:DescribeInternetGateways",
            paged!(ec2.describe_internet_gateways().filters(filter("attachment.vpc-id", &in_vpc)), internet_gateways)
        ),
        fetch("ec2:DescribePrefixLists", paged!(ec2.describe_prefix_lists(), prefix_lists)),
        fetch(
            "ec2:DescribeVpcAttribute",
            ec2.describe_vpc_attribute().vpc_id(&vpc).attribute(aws_sdk_ec2::types::VpcAttributeName::EnableDnsSupport).send()
        ),
        fetch(
            "ec2:DescribeVpcAttribute",
            ec2.describe_vpc_attribute().vpc_id(&vpc).attribute(aws_sdk_ec2::types::VpcAttributeName::EnableDnsHostnames).send()
        ),
        // Every service in one page (a region offers a few hundred; the API pages at 1,000), kept below to
        // the needed ones: ServiceNames would fail the whole call on a name the region does not offer.
        fetch("ec2:DescribeVpcEndpointServices", ec2.describe_vpc_endpoint_services().max_results(1000).send()),
    );
    let vpcs = member(vpcs?, Member::Vpcs, &mut not_captured, convert::vpc)?;
    // Env resources outside the VPC stay in the snapshot: SUB003 reports them.
    let subnets =
        merge(member(subnets?, Member::Subnets, &mut not_captured, convert::subnet)?, env_subnets.iter().map(convert::subnet), |s| {
            s.subnet_id.clone()
        })?;
    let env_groups: Vec<_> = match env_groups {
        Fetched::Got(groups) => groups,
        Fetched::Denied(_) => Vec::new(),
    };
    let security_groups = merge(
        member(groups?, Member::SecurityGroups, &mut not_captured, convert::security_group)?,
        env_groups.iter().map(convert::security_group),
        |g| g.group_id.clone(),
    )?;
    let route_tables = member(tables?, Member::RouteTables, &mut not_captured, convert::route_table)?;
    let network_acls = member(acls?, Member::NetworkAcls, &mut not_captured, convert::network_acl)?;
    let vpc_endpoints = member(endpoints?, Member::VpcEndpoints, &mut not_captured, convert::vpc_endpoint)?;
    let nat_gateways = member(nats?, Member::NatGateways, &mut not_captured, convert::nat_gateway)?;
    let internet_gateways = member(igws?, Member::InternetGateways, &mut not_captured, convert::internet_gateway)?;
    let prefix_lists = member(prefix_lists?, Member::PrefixLists, &mut not_captured, convert::prefix_list)?;
    let vpc_endpoint_services = match services? {
        Fetched::Got(answer) => Some(
            answer
                .service_details()
                .iter()
                .filter(|d| d.service_name().is_some_and(|name| needed_services.iter().any(|s| s == name)))
                .map(convert::endpoint_service)
                .collect::<Result<_, _>>()?,
        ),
        Fetched::Denied(reason) => {
            not_captured.insert(Member::VpcEndpointServices.name().to_string(), reason);
            None
        }
    };
    let vpc_attributes = match (dns_support?, dns_hostnames?) {
        (Fetched::Got(support), Fetched::Got(hostnames)) => {
            let value =
                |v: Option<&aws_sdk_ec2::types::AttributeBooleanValue>| v.and_then(|b| b.value()).map(|value| BooleanValue { value });
            let attributes = VpcAttributes {
                enable_dns_support: value(support.enable_dns_support()),
                enable_dns_hostnames: value(hostnames.enable_dns_hostnames()),
            };
            Some(BTreeMap::from([(vpc.clone(), attributes)]))
        }
        (Fetched::Denied(reason), _) | (_, Fetched::Denied(reason)) => {
            not_captured.insert(Member::VpcAttributes.name().to_string(), reason);
            None
        }
    };

    // 3. What the VPC-scoped answers point at: its DHCP options, the entries of prefix lists that routes
    //    and rules use and DescribePrefixLists gave no CIDRs for, and the interfaces of the instances and
    //    interfaces routes send traffic to (NAT instances).
    let dhcp_id = vpcs.iter().flatten().find_map(|v| v.dhcp_options_id.clone()).filter(|id| id != "default");
    let mut referenced: Vec<String> = route_tables
        .iter()
        .flatten()
        .flat_map(|t| t.routes.iter().filter_map(|r| r.destination_prefix_list_id.clone()))
        .chain(security_groups.iter().flatten().flat_map(|g| {
            g.ip_permissions.iter().chain(&g.ip_permissions_egress).flat_map(|p| p.prefix_list_ids.iter().map(|l| l.prefix_list_id.clone()))
        }))
        .filter(|id| !prefix_lists.iter().flatten().any(|p| &p.prefix_list_id == id && !p.cidrs.is_empty()))
        .collect();
    referenced.sort();
    referenced.dedup();
    let dhcp = async {
        match &dhcp_id {
            Some(id) => {
                Some(fetch("ec2:DescribeDhcpOptions", paged!(ec2.describe_dhcp_options().dhcp_options_ids(id), dhcp_options)).await)
            }
            None => None,
        }
    };
    let entries = async {
        let mut tasks = tokio::task::JoinSet::new();
        for id in referenced {
            let ec2 = ec2.clone();
            tasks.spawn(async move {
                let answer =
                    fetch("ec2:GetManagedPrefixListEntries", paged!(ec2.get_managed_prefix_list_entries().prefix_list_id(&id), entries))
                        .await;
                (id, answer)
            });
        }
        joined(tasks, "ec2:GetManagedPrefixListEntries").await
    };
    let (instance_targets, interface_targets) = route_targets(route_tables.as_deref().unwrap_or_default());
    let interfaces = async {
        let ask = |name: &'static str, ids: Vec<String>| {
            let ec2 = ec2.clone();
            async move {
                if ids.is_empty() {
                    return Ok(Fetched::Got(Vec::new()));
                }
                fetch(
                    "ec2:DescribeNetworkInterfaces",
                    paged!(ec2.describe_network_interfaces().filters(filter(name, &ids)), network_interfaces),
                )
                .await
            }
        };
        let (by_instance, by_id) =
            tokio::join!(ask("attachment.instance-id", instance_targets), ask("network-interface-id", interface_targets));
        Ok::<_, CollectError>(match (by_instance?, by_id?) {
            (Fetched::Got(mut found), Fetched::Got(more)) => {
                for interface in more {
                    if !found.iter().any(|f| f.network_interface_id() == interface.network_interface_id()) {
                        found.push(interface);
                    }
                }
                Fetched::Got(found)
            }
            (Fetched::Denied(reason), _) | (_, Fetched::Denied(reason)) => Fetched::Denied(reason),
        })
    };
    let (dhcp, entries, interfaces) = tokio::join!(dhcp, entries, interfaces);
    let network_interfaces = member(interfaces?, Member::NetworkInterfaces, &mut not_captured, convert::network_interface)?;
    let dhcp_options = match dhcp.transpose()? {
        Some(fetched) => member(fetched, Member::DhcpOptions, &mut not_captured, convert::dhcp_options)?,
        None => Some(Vec::new()),
    };
    let mut managed_prefix_list_entries = BTreeMap::new();
    for (id, fetched) in entries? {
        match fetched? {
            Fetched::Got(items) => {
                managed_prefix_list_entries.insert(id, convert::prefix_list_entries(&items)?);
            }
            Fetched::Denied(reason) => {
                not_captured.insert(format!("ManagedPrefixListEntries/{id}"), reason);
            }
        }
    }

    Ok(Snapshot {
        vpcs,
        subnets,
        route_tables,
        network_acls,
        security_groups,
        vpc_endpoints,
        nat_gateways,
        network_interfaces,
        internet_gateways,
        prefix_lists,
        managed_prefix_list_entries: Some(managed_prefix_list_entries),
        dhcp_options,
        vpc_attributes,
        vpc_endpoint_services,
        not_captured: (!not_captured.is_empty()).then_some(not_captured),
        ..header(clients, Some(&env_groups))
    })
}

/// The instances and the network interfaces that routes send traffic to, each once: what the NAT
/// instance checks read.
fn route_targets(tables: &[RouteTable]) -> (Vec<String>, Vec<String>) {
    let (mut instances, mut interfaces) = (Vec::new(), Vec::new());
    for route in tables.iter().flat_map(|t| &t.routes) {
        for (id, list) in [(&route.instance_id, &mut instances), (&route.network_interface_id, &mut interfaces)] {
            if let Some(id) = id.as_ref().filter(|id| !list.contains(*id)) {
                list.push(id.clone());
            }
        }
    }
    (instances, interfaces)
}

/// The VPC-scoped list plus env resources found outside it, each once.
fn merge<T>(
    scoped: Option<Vec<T>>,
    extra: impl Iterator<Item = Result<T, CollectError>>,
    id: impl Fn(&T) -> String,
) -> Result<Option<Vec<T>>, CollectError> {
    let Some(mut items) = scoped else { return Ok(None) };
    for item in extra {
        let item = item?;
        if !items.iter().any(|i| id(i) == id(&item)) {
            items.push(item);
        }
    }
    Ok(Some(items))
}

/// Region, time, and the account: the env security groups' owner (they are always the caller's own,
/// even in a shared VPC, whose subnets belong to the owner account).
fn header(clients: &Clients, env_groups: Option<&Vec<aws_sdk_ec2::types::SecurityGroup>>) -> Snapshot {
    Snapshot {
        snapshot_version: Some(crate::model::snapshot::SNAPSHOT_VERSION),
        region: Some(clients.region.clone()),
        account_id: env_groups.and_then(|g| g.iter().find_map(|g| g.owner_id().map(str::to_string))),
        captured_at: Some(jiff::Timestamp::now().to_string()),
        ..Snapshot::default()
    }
}
