//! `iam-policy`: the read-only IAM policy a live read needs.

use std::process::ExitCode;

use super::{output, Failure};

pub fn run() -> Result<ExitCode, Failure> {
    output::write_stdout(output::to_json(&mwaa_preflight::input::iam_policy())?.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
