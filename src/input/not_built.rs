//! The build without the `aws` feature: the one place that says live access was not built in.

use super::iac::{External, PlannedEnvironment};
use super::{AwsAccess, Input, InputError, Selection};
use crate::model::Snapshot;

pub fn read(_: &AwsAccess, selection: &Selection) -> Result<Input, InputError> {
    let what = match selection {
        Selection::All => "an audit without --snapshot",
        _ => "reading the account (no --snapshot)",
    };
    Err(InputError::LiveNotBuilt { what })
}

pub fn requests_in_flight() -> usize {
    0
}

pub fn referenced(_: &AwsAccess, _: &External, _: &[PlannedEnvironment]) -> Result<Option<Snapshot>, InputError> {
    Err(InputError::LiveNotBuilt { what: "--live (reading what a template refers to)" })
}
