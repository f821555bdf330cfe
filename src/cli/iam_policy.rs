//! `iam-policy`: the read-only IAM policy a live read needs, on `*` or scoped to resource ARNs.

use std::process::ExitCode;

use super::args::IamPolicyArgs;
use super::{output, Failure};

pub fn run(args: &IamPolicyArgs) -> Result<ExitCode, Failure> {
    let policy = mwaa_preflight::input::iam_policy(args.least_privilege, args.region.as_deref(), args.account.as_deref());
    output::write_stdout(output::to_json(&policy)?.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
