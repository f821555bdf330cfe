//! `iam-policy`: the read-only IAM policy a live read needs, on `*` or scoped to resource ARNs.

use std::process::ExitCode;

use mwaa_preflight::input::PolicyScope;

use super::args::IamPolicyArgs;
use super::{output, Failure};

pub fn run(args: &IamPolicyArgs) -> Result<ExitCode, Failure> {
    let scope = args.least_privilege.then(|| PolicyScope {
        region: args.region.clone(),
        account: args.account.clone(),
        execution_role_arn: args.execution_role_arn.clone(),
        kms_key_arn: args.kms_key.clone(),
        bucket: args.source_bucket_arn.as_deref().and_then(|arn| arn.rsplit_once(":::")).map(|(_, bucket)| bucket.to_string()),
        deployer_arn: args.deployer_arn.clone(),
    });
    let policy = mwaa_preflight::input::iam_policy(scope.as_ref());
    output::write_stdout(output::to_json(&policy)?.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
