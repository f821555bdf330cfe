//! Reading the account through the collector: the same model, handed to the same engine, as a snapshot
//! file gives.

use super::iac::{External, PlannedEnvironment};
use super::{target_error, AwsAccess, Input, InputError, Scope, Selection, Unreadable};
use crate::collect::{self, AwsOptions, Clients, CollectError};
use crate::model::{Environment, Network, Snapshot};
use crate::target::{KeyGiven, RoleGiven, Settings};

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
        let (mut scopes, mut unreadable) = (Vec::new(), Vec::new());
        for region in regions {
            let clients = collect::connect(&options(access, region)).await?;
            let (read, failed) = read_region(&clients, selection, access.concurrency.max(1)).await?;
            scopes.extend(read);
            unreadable.extend(failed);
        }
        Ok::<_, InputError>((scopes, unreadable))
    }))?;
    let (scopes, unreadable) = scopes;
    Ok(Input { scopes, files: super::SourceFiles::default(), audit: matches!(selection, Selection::All), unreadable, notes: Vec::new() })
}

/// What templates only refer to, read from the account (`check --template --live`): the network of these
/// existing subnets and groups (or of the VPC when they name none), and the existing role, key and bucket the
/// environments name by ARN. `None`: the code refers to nothing that exists.
pub fn referenced(access: &AwsAccess, external: &External, environments: &[PlannedEnvironment]) -> Result<Option<Snapshot>, InputError> {
    let named: Vec<collect::Named> = environments.iter().map(existing).filter(|n| *n != collect::Named::default()).collect();
    if external.is_empty() && named.is_empty() {
        return Ok(None);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| target_error(format!("cannot start the async runtime: {e}"), "this is a bug; please report it"))?;
    let region = access.regions.first().map(String::as_str);
    runtime.block_on(async {
        let clients = collect::connect(&options(access, region)).await?;
        let vpc = external.vpcs.first().map(String::as_str);
        let (network, beyond) = tokio::join!(
            async {
                if external.is_empty() {
                    return Ok(Snapshot::default());
                }
                collect::network(&clients, &external.subnets, &external.groups, &[], None, vpc).await
            },
            async {
                let mut snapshot = Snapshot::default();
                for named in &named {
                    snapshot.absorb(collect::named(&clients, named, None).await?);
                }
                Ok::<_, InputError>(snapshot)
            },
        );
        let mut snapshot = network?;
        snapshot.absorb(beyond?);
        Ok(Some(snapshot))
    })
}

/// What an environment of the code names that the code does not create: a role, key or bucket given by a literal
/// ARN (one built from what the deployment fills in, `{AccountId}`, exists nowhere yet).
fn existing(planned: &PlannedEnvironment) -> collect::Named {
    let environment = &planned.environment;
    let literal = |text: &Option<String>| text.clone().filter(|t| t.starts_with("arn:") && !t.contains('{') && !t.contains("<unknown"));
    let role = match &planned.execution_role_given {
        Some(RoleGiven::Text(arn)) => literal(&Some(arn.clone())),
        Some(_) => None,
        None => literal(&environment.execution_role_arn),
    };
    let key = match &planned.kms_key_given {
        Some(KeyGiven::Text(key)) => literal(&Some(key.clone())),
        Some(_) => None,
        None => literal(&environment.kms_key),
    };
    let bucket = if planned.source_bucket.is_some() { None } else { literal(&environment.source_bucket_arn) };
    let mut settings = Settings::from_environment(environment, String::new(), None);
    settings.facts.execution_role = role.map(RoleGiven::Text);
    settings.kms_key = key;
    settings.source_bucket_arn = bucket;
    settings.facts.name = None;
    let mut named = collect::Named::of(&settings);
    if named.bucket.is_none() {
        named.dag_s3_path = None;
        named.objects.clear();
    }
    named
}

fn options(access: &AwsAccess, region: Option<&str>) -> AwsOptions {
    AwsOptions { region: region.map(str::to_string), profile: access.profile.clone(), endpoint_url: access.endpoint_url.clone() }
}

/// The scopes of one region, and (audits) the environments that could not be read.
async fn read_region(clients: &Clients, selection: &Selection, concurrency: usize) -> Result<(Vec<Scope>, Vec<Unreadable>), InputError> {
    let one = |scope: Scope| (vec![scope], Vec::new());
    match selection {
        Selection::Planned(settings) => {
            let mut settings = (**settings).clone();
            let (snapshot, beyond) = tokio::join!(
                collect::network(clients, &settings.subnet_ids, &settings.security_group_ids, &[], None, None),
                named(clients, std::slice::from_ref(&settings)),
            );
            let mut snapshot = snapshot?;
            snapshot.absorb(beyond?);
            finish(&mut settings, clients, &snapshot);
            Ok(one(Scope { network: network(snapshot)?, targets: vec![settings] }))
        }
        Selection::Environment(Some(name)) => Ok(one(read_environment(clients, name).await?)),
        Selection::Environment(None) => Err(target_error(
            "no target",
            "give --subnet-ids A,B --security-group-ids SG1 (a planned environment), --environment NAME, --all-environments, or --snapshot FILE",
        )),
        Selection::All => read_all(clients, concurrency).await,
    }
}

/// An audit of a region: ListEnvironments, GetEnvironment for each, their subnets' VPCs in one request, and
/// then each VPC read once for all of its environments; `concurrency` reads at a time. An environment that
/// cannot be read is an error row; the others are still evaluated.
async fn read_all(clients: &Clients, concurrency: usize) -> Result<(Vec<Scope>, Vec<Unreadable>), InputError> {
    let names = collect::environment_names(clients).await?;
    let mut unreadable = Vec::new();
    let mut failed = |name: &str, error: &dyn std::fmt::Display| {
        unreadable.push(Unreadable { name: name.to_string(), region: clients.region.clone(), reason: error.to_string() });
    };
    let read = in_turn(names, concurrency, |name| {
        let clients = clients.clone();
        async move {
            let environment = collect::environment(&clients, &name).await;
            (name, environment)
        }
    })
    .await?;
    let mut environments = Vec::new();
    for (name, environment) in read {
        match environment {
            Ok(environment) => environments.push(environment),
            Err(error) => failed(&name, &error),
        }
    }
    let subnets: Vec<String> =
        environments.iter().flat_map(|e| e.network_configuration.iter().flat_map(|n| n.subnet_ids.clone())).collect();
    let known = collect::subnets(clients, &subnets).await?;
    // Environments by VPC (the majority of their subnets'); those whose subnets are gone are read alone.
    let mut groups: Vec<(Option<String>, Vec<Environment>)> = Vec::new();
    for environment in environments {
        let ids = environment.network_configuration.as_ref().map(|n| n.subnet_ids.clone()).unwrap_or_default();
        let vpc = crate::model::majority(ids.iter().filter_map(|id| known.vpc_of(id))).map(str::to_string);
        match groups.iter_mut().find(|(v, _)| vpc.is_some() && *v == vpc) {
            Some((_, members)) => members.push(environment),
            None => groups.push((vpc, vec![environment])),
        }
    }
    let scopes = in_turn(groups, concurrency, |(_, members)| {
        let clients = clients.clone();
        let known = known.clone();
        async move {
            let read = read_shared(&clients, &members, &known).await;
            (members, read)
        }
    })
    .await?;
    let mut read = Vec::new();
    for (members, scope) in scopes {
        match scope {
            Ok(scope) => read.push(scope),
            Err(error) => members.iter().for_each(|e| failed(&e.name, &error)),
        }
    }
    Ok((read, unreadable))
}

/// One VPC's network, read once for every environment in it (their subnets are `known` already).
async fn read_shared(clients: &Clients, members: &[Environment], known: &collect::KnownSubnets) -> Result<Scope, InputError> {
    let mut subnets: Vec<String> = Vec::new();
    let mut groups: Vec<String> = Vec::new();
    let mut services: Vec<String> = Vec::new();
    for environment in members {
        if let Some(network) = &environment.network_configuration {
            subnets.extend(network.subnet_ids.iter().filter(|s| !subnets.contains(s)).cloned().collect::<Vec<_>>());
            groups.extend(network.security_group_ids.iter().filter(|g| !groups.contains(g)).cloned().collect::<Vec<_>>());
        }
        services.extend(
            [&environment.database_vpc_endpoint_service, &environment.webserver_vpc_endpoint_service].into_iter().flatten().cloned(),
        );
    }
    let mut targets: Vec<Settings> =
        members.iter().map(|environment| Settings::from_environment(environment, String::new(), None)).collect();
    let known = known.only(&subnets);
    let (snapshot, beyond) =
        tokio::join!(collect::network(clients, &subnets, &groups, &services, Some(&known), None), named(clients, &targets),);
    let mut snapshot = snapshot?;
    snapshot.absorb(beyond?);
    if snapshot.account_id.is_none() {
        snapshot.account_id = members.iter().find_map(Environment::account_id);
    }
    snapshot.environments = Some(members.to_vec());
    for settings in &mut targets {
        finish(settings, clients, &snapshot);
    }
    Ok(Scope { network: network(snapshot)?, targets })
}

/// `work` on every item, at most `concurrency` at once; the results in the items' order.
async fn in_turn<I, T, F, Fut>(items: Vec<I>, concurrency: usize, work: F) -> Result<Vec<T>, InputError>
where
    F: Fn(I) -> Fut,
    Fut: std::future::Future<Output = T> + 'static,
    T: 'static,
{
    let mut running = tokio::task::JoinSet::new();
    let mut pending = items.into_iter().enumerate();
    let mut done = Vec::new();
    loop {
        while running.len() < concurrency {
            let Some((index, item)) = pending.next() else { break };
            let future = work(item);
            running.spawn_local(async move { (index, future.await) });
        }
        let Some(joined) = running.join_next().await else { break };
        done.push(joined.map_err(|e| target_error(format!("a read failed: {e}"), "this is a bug; please report it"))?);
    }
    done.sort_by_key(|(index, _)| *index);
    Ok(done.into_iter().map(|(_, result)| result).collect())
}

/// An existing environment (GetEnvironment) and the network of its subnets and groups.
async fn read_environment(clients: &Clients, name: &str) -> Result<Scope, InputError> {
    let environment = collect::environment(clients, name).await?;
    let mut settings = Settings::from_environment(&environment, String::new(), None);
    let own_services: Vec<String> =
        [&environment.database_vpc_endpoint_service, &environment.webserver_vpc_endpoint_service].into_iter().flatten().cloned().collect();
    let (snapshot, beyond) = tokio::join!(
        collect::network(clients, &settings.subnet_ids, &settings.security_group_ids, &own_services, None, None),
        named(clients, std::slice::from_ref(&settings)),
    );
    let mut snapshot = snapshot?;
    snapshot.absorb(beyond?);
    if snapshot.account_id.is_none() {
        snapshot.account_id = environment.account_id();
    }
    snapshot.environment = Some(environment);
    finish(&mut settings, clients, &snapshot);
    Ok(Scope { network: network(snapshot)?, targets: vec![settings] })
}

/// What the targets name beyond their network (role, key, bucket, deployer), each target's reads at once; targets
/// that name the same (an audit's environments sharing a role and bucket) are read once.
async fn named(clients: &Clients, targets: &[Settings]) -> Result<Snapshot, InputError> {
    let mut distinct: Vec<(collect::Named, Option<String>)> = Vec::new();
    for settings in targets {
        let named = collect::Named::of(settings);
        if !distinct.iter().any(|(read, _)| *read == named) {
            distinct.push((named, settings.environment.as_ref().and_then(Environment::account_id)));
        }
    }
    // A VPC of many environments with roles of their own would otherwise send them all at once.
    let read = in_turn(distinct, NAMED_AT_ONCE, |(named, account)| {
        let clients = clients.clone();
        async move { collect::named(&clients, &named, account.as_deref()).await }
    })
    .await?;
    let mut snapshot = Snapshot::default();
    for part in read {
        snapshot.absorb(part?);
    }
    Ok(snapshot)
}

/// How many environments' role, key and bucket reads run at once (each a few concurrent requests).
const NAMED_AT_ONCE: usize = 8;

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
