//! The live paths of `check`, `diagnose` and `snapshot`: read the account through the collector, then
//! hand the same model to the same engine as a snapshot file would.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mwaa_preflight::collect::{self, Clients, CollectError};
use mwaa_preflight::config::Config;
use mwaa_preflight::model::{Environment, Network, Snapshot};
use mwaa_preflight::report::Report;
use mwaa_preflight::target::Settings;

use crate::cli::{AwsArgs, CheckArgs, DiagnoseArgs, NetworkArgs, SnapshotArgs};
use crate::{aws_options, usage, Failure};

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| usage(format!("cannot start the async runtime: {e}"), "this is a bug; please report it"))
}

/// A spinner with the AWS requests in flight, on stderr, only when stderr is a terminal.
struct Progress {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    fn start(quiet: bool) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        if quiet || !std::io::stderr().is_terminal() {
            return Progress { stop, thread: None };
        }
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
            let mut i = 0;
            while !flag.load(Ordering::Relaxed) {
                let mut err = std::io::stderr().lock();
                let _ =
                    write!(err, "\r{} reading AWS: {} request(s) in flight   ", frames[i % frames.len()], collect::requests_in_flight());
                let _ = err.flush();
                drop(err);
                i += 1;
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = write!(std::io::stderr(), "\r{:60}\r", "");
        });
        Progress { stop, thread: Some(thread) }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn validate(subnet_ids: &[String], group_ids: &[String]) -> Result<(), CollectError> {
    collect::validate_ids("subnet", "subnet", subnet_ids)?;
    collect::validate_ids("security group", "sg", group_ids)
}

/// The model built from what the collector read.
fn network(snapshot: Snapshot) -> Result<Network, Failure> {
    Network::new(snapshot).map_err(|bad| {
        usage(
            format!("the policy of {} is not a valid policy: {}", bad.endpoint_id, bad.reason),
            "inspect it with aws ec2 describe-vpc-endpoints",
        )
    })
}

fn finish(settings: &mut Settings, clients: &Clients, snapshot: &Snapshot) {
    settings.region = clients.region.clone();
    settings.account_id = snapshot.account_id.clone().or_else(|| account_of(settings.environment.as_ref()));
    settings.observed_at = Some(jiff::Timestamp::now());
}

/// The account of an existing environment, from its ARN (`arn:aws:airflow:region:ACCOUNT:environment/x`).
fn account_of(environment: Option<&Environment>) -> Option<String> {
    let arn = environment?.arn.as_deref()?;
    arn.split(':').nth(4).filter(|a| !a.is_empty()).map(str::to_string)
}

/// An existing environment and its network.
async fn read_environment(clients: &Clients, name: &str, flags: &NetworkArgs) -> Result<(Settings, Network), Failure> {
    let environment = collect::environment(clients, name).await?;
    let mut settings = crate::environment_settings(&environment, flags)?;
    let mut snapshot = collect::network(clients, &settings.subnet_ids, &settings.security_group_ids).await?;
    snapshot.environment = Some(environment);
    finish(&mut settings, clients, &snapshot);
    Ok((settings, network(snapshot)?))
}

pub fn check(args: &CheckArgs, region: Option<&str>) -> Result<(Settings, Network), Failure> {
    if args.target.environment.is_none() && args.target.subnet_ids.is_empty() {
        return Err(usage(
            "no target",
            "give --subnet-ids A,B --security-group-ids SG1 (a planned environment), --environment NAME, --all-environments, or --snapshot FILE",
        ));
    }
    validate(&args.target.subnet_ids, &args.target.security_group_ids)?;
    let _progress = Progress::start(args.output.quiet);
    runtime()?.block_on(async {
        let clients = collect::connect(&aws_options(&args.aws, region)).await?;
        if let Some(name) = &args.target.environment {
            return read_environment(&clients, name, &args.network).await;
        }
        let mut settings = crate::planned_settings(args);
        let snapshot = collect::network(&clients, &settings.subnet_ids, &settings.security_group_ids).await?;
        finish(&mut settings, &clients, &snapshot);
        Ok((settings, network(snapshot)?))
    })
}

pub fn diagnose(args: &DiagnoseArgs, name: &str, region: Option<&str>) -> Result<(Settings, Network), Failure> {
    let _progress = Progress::start(args.output.quiet);
    runtime()?.block_on(async {
        let clients = collect::connect(&aws_options(&args.aws, region)).await?;
        read_environment(&clients, name, &NetworkArgs::asserting(args.routing)).await
    })
}

/// Every environment of every region given (ListEnvironments, then each read concurrently).
pub fn all_environments(aws: &AwsArgs, quiet: bool) -> Result<Vec<(Settings, Network)>, Failure> {
    let regions: Vec<Option<&str>> = if aws.region.is_empty() { vec![None] } else { aws.region.iter().map(|r| Some(r.as_str())).collect() };
    let _progress = Progress::start(quiet);
    let local = tokio::task::LocalSet::new();
    runtime()?.block_on(local.run_until(async {
        let mut all = Vec::new();
        for region in regions {
            let clients = collect::connect(&aws_options(aws, region)).await?;
            let names = collect::environment_names(&clients).await?;
            let mut reads = tokio::task::JoinSet::new();
            for (index, name) in names.into_iter().enumerate() {
                let clients = clients.clone();
                reads.spawn_local(async move {
                    let flags = NetworkArgs::asserting(mwaa_preflight::target::RoutingAssertion::Auto);
                    (index, read_environment(&clients, &name, &flags).await)
                });
            }
            let mut region_reports = Vec::new();
            while let Some(joined) = reads.join_next().await {
                let (index, read) =
                    joined.map_err(|e| usage(format!("an environment read failed: {e}"), "this is a bug; please report it"))?;
                region_reports.push((index, read?));
            }
            region_reports.sort_by_key(|(index, _)| *index);
            all.extend(region_reports.into_iter().map(|(_, read)| read));
        }
        Ok(all)
    }))
}

/// `diagnose --wait`: re-reads the environment (read-only) until it is AVAILABLE (exit 0) or failed
/// (exit 1, with the diagnosis), printing each change of status and of what it waits for.
pub fn wait(
    args: &DiagnoseArgs,
    name: &str,
    region: Option<&str>,
    config: &Config,
    emit: impl Fn(&Report) -> Result<ExitCode, Failure>,
) -> Result<ExitCode, Failure> {
    let runtime = runtime()?;
    let started = Instant::now();
    let mut interval = args.interval;
    let mut last: Option<(String, Vec<String>)> = None;
    let flags = NetworkArgs::asserting(args.routing);
    let clients = runtime.block_on(collect::connect(&aws_options(&args.aws, region)))?;
    loop {
        let (settings, network) = runtime.block_on(read_environment(&clients, name, &flags))?;
        let report = mwaa_preflight::evaluate(&network, &settings, true, config);
        let status = report.target.status.clone().unwrap_or_else(|| "UNKNOWN".to_string());
        let problems: Vec<String> =
            report.findings.iter().map(|f| format!("{} {} on {}", f.code, f.name, f.resource.as_deref().unwrap_or("-"))).collect();
        let now = jiff::Timestamp::now().strftime("%H:%M:%S");
        match &last {
            None => eprintln!("{now} {name} is {status}"),
            Some((previous, _)) if *previous != status => eprintln!("{now} {name}: {previous} -> {status}"),
            _ => {}
        }
        if let Some((_, before)) = &last {
            for gone in before.iter().filter(|p| !problems.contains(p)) {
                eprintln!("{now}   resolved: {gone}");
            }
            for new in problems.iter().filter(|p| !before.contains(p)) {
                eprintln!("{now}   new: {new}");
            }
        }
        match status.as_str() {
            "AVAILABLE" => {
                emit(&report)?;
                return Ok(ExitCode::SUCCESS);
            }
            "CREATE_FAILED" | "UPDATE_FAILED" | "UNAVAILABLE" | "DELETED" | "DELETING" | "ROLLING_BACK" => {
                emit(&report)?;
                return Ok(ExitCode::from(1));
            }
            _ => {}
        }
        if started.elapsed() + interval > args.timeout {
            eprintln!("{now} gave up after {}s: {name} is still {status}", started.elapsed().as_secs());
            emit(&report)?;
            return Ok(ExitCode::from(1));
        }
        last = Some((status, problems));
        std::thread::sleep(interval);
        interval = (interval * 2).min(Duration::from_secs(300));
    }
}

pub fn snapshot(args: &SnapshotArgs) -> Result<Snapshot, Failure> {
    let target = &args.target;
    if target.environment.is_none() && !target.all_environments && target.subnet_ids.is_empty() {
        return Err(usage("no target", "give --subnet-ids A,B --security-group-ids SG1, --environment NAME, or --all-environments"));
    }
    validate(&target.subnet_ids, &target.security_group_ids)?;
    let region = crate::single_region(&args.aws)?;
    if target.all_environments {
        // The audit's reads, each environment's network merged into one snapshot.
        let mut merged = serde_json::Map::new();
        let mut environments = Vec::new();
        for (_, network) in all_environments(&args.aws, false)? {
            let mut snapshot = network.snapshot;
            environments.extend(snapshot.environment.take());
            merge(&mut merged, &snapshot)?;
        }
        let mut snapshot: Snapshot = serde_json::from_value(serde_json::Value::Object(merged))
            .map_err(|e| usage(format!("cannot merge the environments' snapshots: {e}"), "this is a bug; please report it"))?;
        snapshot.account_id = snapshot.account_id.or_else(|| account_of(environments.first()));
        snapshot.environments = Some(environments);
        return Ok(snapshot);
    }
    let _progress = Progress::start(false);
    runtime()?.block_on(async {
        let clients = collect::connect(&aws_options(&args.aws, region)).await?;
        let environment = match &target.environment {
            Some(name) => Some(collect::environment(&clients, name).await?),
            None => None,
        };
        let (subnets, groups) = match &environment {
            Some(e) => {
                let config = e.network_configuration.clone().unwrap_or_default();
                (config.subnet_ids, config.security_group_ids)
            }
            None => (target.subnet_ids.clone(), target.security_group_ids.clone()),
        };
        let mut snapshot = collect::network(&clients, &subnets, &groups).await?;
        if snapshot.account_id.is_none() {
            snapshot.account_id = account_of(environment.as_ref());
        }
        snapshot.environment = environment;
        Ok(snapshot)
    })
}

/// Adds one environment's snapshot to a merged one: lists are unioned (an item read twice is kept once),
/// maps are joined, scalars kept from the first.
fn merge(merged: &mut serde_json::Map<String, serde_json::Value>, snapshot: &Snapshot) -> Result<(), Failure> {
    use serde_json::Value;
    let value = serde_json::to_value(snapshot)
        .map_err(|e| usage(format!("cannot serialise a snapshot: {e}"), "this is a bug; please report it"))?;
    let Value::Object(members) = value else { return Ok(()) };
    for (key, value) in members {
        match (merged.get_mut(&key), value) {
            (Some(Value::Array(into)), Value::Array(items)) => {
                for item in items {
                    if !into.contains(&item) {
                        into.push(item);
                    }
                }
            }
            (Some(Value::Object(into)), Value::Object(entries)) => into.extend(entries),
            (Some(_), _) => {}
            (None, value) => {
                merged.insert(key, value);
            }
        }
    }
    Ok(())
}
