//! Reading the account through the collector: the same model, handed to the same engine, as a snapshot
//! file gives.

use super::{target_error, AwsAccess, Input, InputError, Scope, Selection};
use crate::collect::{self, AwsOptions, Clients, CollectError};
use crate::model::{Network, Snapshot};
use crate::target::Settings;

pub use crate::collect::requests_in_flight;

pub fn read(access: &AwsAccess, selection: &Selection) -> Result<Input, InputError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| target_error(format!("cannot start the async runtime: {e}"), "this is a bug; please report it"))?;
    let regions: Vec<Option<&str>> = match (selection, access.regions.as_slice()) {
        (_, []) => vec![None],
        (Selection::All, many) => many.iter().map(|r| Some(r.as_str())).collect(),
        (_, [one]) => vec![Some(one.as_str())],
        _ => return Err(target_error("several regions are for --all-environments (check) and --all (diagnose)", "pass one --region")),
    };
    let local = tokio::task::LocalSet::new();
    let scopes = runtime.block_on(local.run_until(async {
        let mut scopes = Vec::new();
        for region in regions {
            let clients = collect::connect(&options(access, region)).await?;
            scopes.extend(read_region(&clients, selection).await?);
        }
        Ok::<_, InputError>(scopes)
    }))?;
    Ok(Input { scopes, file: None, audit: matches!(selection, Selection::All) })
}

fn options(access: &AwsAccess, region: Option<&str>) -> AwsOptions {
    AwsOptions { region: region.map(str::to_string), profile: access.profile.clone(), endpoint_url: access.endpoint_url.clone() }
}

async fn read_region(clients: &Clients, selection: &Selection) -> Result<Vec<Scope>, InputError> {
    match selection {
        Selection::Planned(settings) => {
            let mut settings = (**settings).clone();
            let snapshot = collect::network(clients, &settings.subnet_ids, &settings.security_group_ids, &[]).await?;
            finish(&mut settings, clients, &snapshot);
            Ok(vec![Scope { network: network(snapshot)?, targets: vec![settings] }])
        }
        Selection::Environment(Some(name)) => Ok(vec![read_environment(clients, name).await?]),
        Selection::Environment(None) => Err(target_error(
            "no target",
            "give --subnet-ids A,B --security-group-ids SG1 (a planned environment), --environment NAME, --all-environments, or --snapshot FILE",
        )),
        Selection::All => {
            // ListEnvironments, then every environment read concurrently; reports keep the listed order.
            let names = collect::environment_names(clients).await?;
            let mut reads = tokio::task::JoinSet::new();
            for (index, name) in names.into_iter().enumerate() {
                let clients = clients.clone();
                reads.spawn_local(async move { (index, read_environment(&clients, &name).await) });
            }
            let mut scopes = Vec::new();
            while let Some(joined) = reads.join_next().await {
                let (index, read) =
                    joined.map_err(|e| target_error(format!("an environment read failed: {e}"), "this is a bug; please report it"))?;
                scopes.push((index, read?));
            }
            scopes.sort_by_key(|(index, _)| *index);
            Ok(scopes.into_iter().map(|(_, scope)| scope).collect())
        }
    }
}

/// An existing environment (GetEnvironment) and the network of its subnets and groups.
async fn read_environment(clients: &Clients, name: &str) -> Result<Scope, InputError> {
    let environment = collect::environment(clients, name).await?;
    let mut settings = Settings::from_environment(&environment, String::new(), None);
    let own_services: Vec<String> =
        [&environment.database_vpc_endpoint_service, &environment.webserver_vpc_endpoint_service].into_iter().flatten().cloned().collect();
    let mut snapshot = collect::network(clients, &settings.subnet_ids, &settings.security_group_ids, &own_services).await?;
    if snapshot.account_id.is_none() {
        snapshot.account_id = environment.account_id();
    }
    snapshot.environment = Some(environment);
    finish(&mut settings, clients, &snapshot);
    Ok(Scope { network: network(snapshot)?, targets: vec![settings] })
}

fn finish(settings: &mut Settings, clients: &Clients, snapshot: &Snapshot) {
    settings.region = clients.region.clone();
    settings.account_id = snapshot.account_id.clone();
    settings.observed_at = Some(jiff::Timestamp::now());
}

/// The model built from what the collector read.
fn network(snapshot: Snapshot) -> Result<Network, InputError> {
    Network::new(snapshot).map_err(|bad| {
        InputError::Live(CollectError::Unparsable(format!("the policy of {} is not a valid policy: {}", bad.endpoint_id, bad.reason)))
    })
}
