//! Reading a snapshot file: the network as captured, and the environments it carries.

use std::path::Path;

use super::{target_error, Input, InputError, Scope, Selection, SnapshotFile};
use crate::model::{Environment, Network};
use crate::target::{region_of_zone, Settings};

pub fn read(path: &Path, region: Option<&str>, selection: &Selection) -> Result<Input, InputError> {
    let file = SnapshotFile::read(path)?;
    let network = file.parse()?;
    let snapshot = &network.snapshot;
    let shown = path.display();
    let (mut targets, audit) = match selection {
        Selection::Planned(settings) => (vec![(**settings).clone()], false),
        Selection::Environment(Some(name)) => {
            let environment = snapshot.environment_named(name).ok_or_else(|| match held(&network) {
                None => target_error(
                    format!("{shown} has no Environment member, so it cannot evaluate environment {name}"),
                    "add the `Environment` member of `aws mwaa get-environment --name NAME` to the snapshot",
                ),
                Some(held) => target_error(
                    format!("environment {name} is not in {shown} (it holds {held})"),
                    "check the name, or snapshot the environment you mean",
                ),
            })?;
            (vec![existing(environment)], false)
        }
        Selection::Environment(None) => {
            // The `Environment` member; else the one environment `Environments` holds (what `snapshot
            // --template` writes for a template with one).
            let all = snapshot.all_environments();
            let environment = match (&snapshot.environment, all.as_slice()) {
                (Some(environment), _) => environment,
                (None, [only]) => *only,
                (None, []) => {
                    return Err(target_error(
                        format!("no target: {shown} has no Environment member"),
                        "give --subnet-ids A,B --security-group-ids SG1 for a planned environment, --environment NAME, or add the `Environment` member of `aws mwaa get-environment`",
                    ))
                }
                (None, _) => {
                    return Err(target_error(
                        format!("no target: {shown} holds several environments ({})", held(&network).unwrap_or_default()),
                        "pick one with --environment NAME, or check them all with --all-environments",
                    ))
                }
            };
            (vec![existing(environment)], false)
        }
        Selection::All => {
            let environments = snapshot.all_environments();
            if environments.is_empty() {
                return Err(target_error(
                    format!("{shown} holds no environment"),
                    "add `Environment` or `Environments` (from aws mwaa get-environment) to the snapshot",
                ));
            }
            (environments.into_iter().map(existing).collect(), true)
        }
    };
    for settings in &mut targets {
        finish(settings, &network, region)?;
    }
    Ok(Input {
        scopes: vec![Scope { network, targets }],
        files: super::SourceFiles::one(file),
        audit,
        unreadable: Vec::new(),
        notes: Vec::new(),
    })
}

/// The names a snapshot holds, for the error that a name is not among them.
fn held(network: &Network) -> Option<String> {
    let names: Vec<&str> = network.snapshot.all_environments().iter().map(|e| e.name.as_str()).collect();
    (!names.is_empty()).then(|| names.join(", "))
}

fn existing(environment: &Environment) -> Settings {
    Settings::from_environment(environment, String::new(), None)
}

/// The account and region (flag, snapshot, else the subnets' AZs), and the clock ENV001 counts from (the
/// capture time).
fn finish(settings: &mut Settings, network: &Network, region: Option<&str>) -> Result<(), InputError> {
    let snapshot = &network.snapshot;
    settings.account_id = snapshot.account_id.clone();
    let from_zones =
        || settings.subnet_ids.iter().filter_map(|id| network.subnet(id)?.availability_zone.as_deref()).find_map(region_of_zone);
    settings.region = region
        .map(str::to_string)
        .or_else(|| snapshot.region.clone())
        .or_else(from_zones)
        .ok_or_else(|| target_error("cannot tell the region", "pass --region, or set `region` in the snapshot"))?;
    settings.observed_at = Some(match snapshot.captured_at.as_deref() {
        Some(text) => text.parse().map_err(|e| {
            target_error(format!("captured_at {text:?} is not an RFC 3339 timestamp: {e}"), "write it like 2026-11-22T13:00:00Z")
        })?,
        None => jiff::Timestamp::now(),
    });
    Ok(())
}
