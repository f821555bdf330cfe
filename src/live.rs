//! The live paths of `check`, `diagnose` and `snapshot`: read the account through the collector, then
//! hand the same model to the same engine as a snapshot file would.

use mwaa_preflight::collect::{self, Clients, CollectError};
use mwaa_preflight::model::{Environment, Network, Snapshot};
use mwaa_preflight::target::Settings;

use crate::cli::{CheckArgs, DiagnoseArgs, NetworkArgs, SnapshotArgs};
use crate::{aws_options, usage, Failure};

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| usage(format!("cannot start the async runtime: {e}"), "this is a bug; please report it"))
}

fn validate(subnet_ids: &[String], group_ids: &[String]) -> Result<(), CollectError> {
    collect::validate_ids("subnet", "subnet", subnet_ids)?;
    collect::validate_ids("security group", "sg", group_ids)
}

/// The model built from what the collector read.
fn network(snapshot: Snapshot) -> Result<Network, Failure> {
    Network::new(snapshot).map_err(|bad| usage(format!("the policy of {} is not a valid policy: {}", bad.endpoint_id, bad.reason), "inspect it with aws ec2 describe-vpc-endpoints"))
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

type PlannedSettings = fn(&CheckArgs) -> Settings;
type EnvironmentSettings = fn(&Environment, &NetworkArgs) -> Result<Settings, Failure>;

pub fn check(args: &CheckArgs, planned: PlannedSettings, existing: EnvironmentSettings) -> Result<(Settings, Network), Failure> {
    if args.environment.is_none() && args.subnet_ids.is_empty() {
        return Err(usage(
            "no target",
            "give --subnet-ids A,B --security-group-ids SG1 (a planned environment), --environment NAME, or --snapshot FILE",
        ));
    }
    validate(&args.subnet_ids, &args.security_group_ids)?;
    let runtime = runtime()?;
    runtime.block_on(async {
        let clients = collect::connect(&aws_options(&args.aws)).await?;
        let (mut settings, environment) = match &args.environment {
            Some(name) => {
                let environment = collect::environment(&clients, name).await?;
                (existing(&environment, &args.network)?, Some(environment))
            }
            None => (planned(args), None),
        };
        let mut snapshot = collect::network(&clients, &settings.subnet_ids, &settings.security_group_ids).await?;
        snapshot.environment = environment;
        finish(&mut settings, &clients, &snapshot);
        Ok((settings, network(snapshot)?))
    })
}

pub fn diagnose(args: &DiagnoseArgs) -> Result<(Settings, Network), Failure> {
    let runtime = runtime()?;
    runtime.block_on(async {
        let clients = collect::connect(&aws_options(&args.aws)).await?;
        let environment = collect::environment(&clients, &args.name).await?;
        let mut settings = Settings::from_environment(&environment, String::new(), None);
        settings.routing = args.routing;
        let mut snapshot = collect::network(&clients, &settings.subnet_ids, &settings.security_group_ids).await?;
        snapshot.environment = Some(environment);
        finish(&mut settings, &clients, &snapshot);
        Ok((settings, network(snapshot)?))
    })
}

pub fn snapshot(args: &SnapshotArgs) -> Result<Snapshot, Failure> {
    if args.environment.is_none() && args.subnet_ids.is_empty() && args.security_group_ids.is_empty() {
        return Err(usage("no target", "give --subnet-ids A,B --security-group-ids SG1, or --environment NAME"));
    }
    validate(&args.subnet_ids, &args.security_group_ids)?;
    let runtime = runtime()?;
    runtime.block_on(async {
        let clients = collect::connect(&aws_options(&args.aws)).await?;
        let environment = match &args.environment {
            Some(name) => Some(collect::environment(&clients, name).await?),
            None => None,
        };
        let (subnets, groups) = match &environment {
            Some(e) => {
                let config = e.network_configuration.clone().unwrap_or_default();
                (config.subnet_ids, config.security_group_ids)
            }
            None => (args.subnet_ids.clone(), args.security_group_ids.clone()),
        };
        let mut snapshot = collect::network(&clients, &subnets, &groups).await?;
        if snapshot.account_id.is_none() {
            snapshot.account_id = account_of(environment.as_ref());
        }
        snapshot.environment = environment;
        Ok(snapshot)
    })
}
