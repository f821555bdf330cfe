//! The read-only permissions a live read needs: `iam-policy` prints exactly these, one statement per family
//! (its `Sid` says which, so an operator can drop a family: its rules are then skipped naming the action), and
//! a live test holds the emulator's request log to them.

/// The resource an action is scoped to with `--least-privilege` (the Service Authorization Reference's
/// resource types).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// The action takes no resource ARN.
    Any,
    /// `{partition}`, `{region}` and `{account}` are filled in, `*` where not given.
    Pattern(&'static str),
    /// The execution role's ARN (else any role of the account) and MWAA's service-linked role.
    Roles,
    /// The key's ARN, else any key of the account.
    Key,
    /// The bucket's ARN, else any bucket.
    Bucket,
    /// The bucket's objects, else any object.
    Objects,
    /// The deployer's ARN, else any role or user of the account.
    Deployer,
}

/// The families of reads, each an IAM statement.
const FAMILIES: &[(&str, &[(&str, Scope)])] = &[
    (
        "MwaaPreflightNetwork",
        &[
            ("airflow:GetEnvironment", Scope::Pattern("arn:{partition}:airflow:{region}:{account}:environment/*")),
            ("airflow:ListEnvironments", Scope::Any),
            ("ec2:DescribeDhcpOptions", Scope::Any),
            ("ec2:DescribeInternetGateways", Scope::Any),
            ("ec2:DescribeNatGateways", Scope::Any),
            ("ec2:DescribeNetworkAcls", Scope::Any),
            ("ec2:DescribeNetworkInterfaces", Scope::Any),
            ("ec2:DescribePrefixLists", Scope::Any),
            ("ec2:DescribeRouteTables", Scope::Any),
            ("ec2:DescribeSecurityGroups", Scope::Any),
            ("ec2:DescribeSubnets", Scope::Any),
            ("ec2:DescribeVpcAttribute", Scope::Pattern("arn:{partition}:ec2:{region}:{account}:vpc/*")),
            ("ec2:DescribeVpcEndpointServices", Scope::Any),
            ("ec2:DescribeVpcEndpoints", Scope::Any),
            ("ec2:DescribeVpcs", Scope::Any),
            // A security group may name AWS-managed prefix lists or lists another account shares: any owner.
            ("ec2:GetManagedPrefixListEntries", Scope::Pattern("arn:{partition}:ec2:{region}:*:prefix-list/*")),
        ],
    ),
    (
        "MwaaPreflightExecutionRole",
        &[
            ("iam:GetRole", Scope::Roles),
            ("iam:GetRolePolicy", Scope::Roles),
            ("iam:ListAttachedRolePolicies", Scope::Roles),
            ("iam:ListRolePolicies", Scope::Roles),
            // AWS managed policies live in account `aws`.
            ("iam:GetPolicy", Scope::Pattern("arn:{partition}:iam::*:policy/*")),
            ("iam:GetPolicyVersion", Scope::Pattern("arn:{partition}:iam::*:policy/*")),
        ],
    ),
    ("MwaaPreflightKmsKey", &[("kms:DescribeKey", Scope::Key), ("kms:GetKeyPolicy", Scope::Key), ("kms:ListGrants", Scope::Key)]),
    (
        "MwaaPreflightSourceBucket",
        &[
            ("s3:GetAccountPublicAccessBlock", Scope::Any),
            ("s3:GetBucketLocation", Scope::Bucket),
            ("s3:GetBucketPolicy", Scope::Bucket),
            ("s3:GetBucketPublicAccessBlock", Scope::Bucket),
            ("s3:GetBucketVersioning", Scope::Bucket),
            ("s3:GetEncryptionConfiguration", Scope::Bucket),
            ("s3:ListBucketVersions", Scope::Bucket),
            ("s3:GetObject", Scope::Objects),
            ("s3:GetObjectVersion", Scope::Objects),
        ],
    ),
    ("MwaaPreflightDeployer", &[("iam:SimulatePrincipalPolicy", Scope::Deployer), ("sts:GetCallerIdentity", Scope::Any)]),
];

/// What `--least-privilege` scopes the policy to; `None`: any.
#[derive(Debug, Default, Clone)]
pub struct PolicyScope {
    pub region: Option<String>,
    pub account: Option<String>,
    pub execution_role_arn: Option<String>,
    pub kms_key_arn: Option<String>,
    /// The bucket's name.
    pub bucket: Option<String>,
    pub deployer_arn: Option<String>,
}

impl PolicyScope {
    fn partition(&self) -> &'static str {
        self.region.as_deref().map_or("aws", crate::model::partition)
    }

    fn fill(&self, pattern: &str) -> String {
        pattern
            .replace("{partition}", self.partition())
            .replace("{region}", self.region.as_deref().unwrap_or("*"))
            .replace("{account}", self.account.as_deref().unwrap_or("*"))
    }

    fn resources(&self, scope: Scope) -> Vec<String> {
        let given = |arn: &Option<String>, otherwise: &str| arn.clone().unwrap_or_else(|| self.fill(otherwise));
        match scope {
            Scope::Any => vec!["*".to_string()],
            Scope::Pattern(pattern) => vec![self.fill(pattern)],
            Scope::Roles => vec![
                given(&self.execution_role_arn, "arn:{partition}:iam::{account}:role/*"),
                self.fill("arn:{partition}:iam::{account}:role/aws-service-role/airflow.amazonaws.com/AWSServiceRoleForAmazonMWAA"),
            ],
            Scope::Key => vec![given(&self.kms_key_arn, "arn:{partition}:kms:{region}:{account}:key/*")],
            Scope::Bucket => vec![format!("arn:{}:s3:::{}", self.partition(), self.bucket.as_deref().unwrap_or("*"))],
            Scope::Objects => vec![format!("arn:{}:s3:::{}/*", self.partition(), self.bucket.as_deref().unwrap_or("*"))],
            Scope::Deployer => match &self.deployer_arn {
                Some(arn) => vec![arn.clone()],
                None => vec![self.fill("arn:{partition}:iam::{account}:role/*"), self.fill("arn:{partition}:iam::{account}:user/*")],
            },
        }
    }
}

/// The read-only IAM policy the tool needs, one statement per family: every action on `*`, or
/// (`scope` given: `--least-privilege`) each action that takes a resource ARN scoped to it.
pub fn iam_policy(scope: Option<&PolicyScope>) -> serde_json::Value {
    let mut statements = Vec::new();
    for (sid, actions) in FAMILIES {
        let Some(scope) = scope else {
            let all: Vec<&str> = actions.iter().map(|(action, _)| *action).collect();
            statements.push(serde_json::json!({"Sid": sid, "Effect": "Allow", "Action": all, "Resource": "*"}));
            continue;
        };
        // Actions with the same resources share a statement, in the family's order.
        let mut grouped: Vec<(Vec<String>, Vec<&str>)> = Vec::new();
        for (action, kind) in *actions {
            let resources = scope.resources(*kind);
            match grouped.iter_mut().find(|(r, _)| *r == resources) {
                Some((_, actions)) => actions.push(action),
                None => grouped.push((resources, vec![action])),
            }
        }
        let many = grouped.len() > 1;
        for (index, (resources, actions)) in grouped.into_iter().enumerate() {
            let sid = if many { format!("{sid}{}", index + 1) } else { sid.to_string() };
            let resource = match resources.as_slice() {
                [one] => serde_json::json!(one),
                _ => serde_json::json!(resources),
            };
            statements.push(serde_json::json!({"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resource}));
        }
    }
    serde_json::json!({"Version": "2012-10-17", "Statement": statements})
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every action the collector may call.
    fn iam_actions() -> impl Iterator<Item = &'static str> {
        FAMILIES.iter().flat_map(|(_, actions)| actions.iter().map(|(action, _)| *action))
    }

    fn granted(policy: &serde_json::Value) -> Vec<String> {
        let mut granted: Vec<String> = Vec::new();
        for statement in policy["Statement"].as_array().into_iter().flatten() {
            match &statement["Action"] {
                serde_json::Value::Array(all) => granted.extend(all.iter().filter_map(|a| a.as_str().map(str::to_string))),
                other => panic!("{other}"),
            }
        }
        granted.sort();
        granted
    }

    /// Scoping moves actions between statements; it never adds or drops one.
    #[test]
    fn least_privilege_grants_exactly_the_actions() {
        let mut wanted: Vec<String> = iam_actions().map(str::to_string).collect();
        wanted.sort();
        assert_eq!(granted(&iam_policy(None)), wanted);
        let scope = PolicyScope {
            region: Some("cn-north-1".into()),
            account: Some("111122223333".into()),
            bucket: Some("dags".into()),
            ..PolicyScope::default()
        };
        let policy = iam_policy(Some(&scope));
        assert_eq!(granted(&policy), wanted);
        let resource = |sid: &str| {
            let statements = policy["Statement"].as_array().expect("statements");
            statements.iter().find(|s| s["Sid"] == sid).map(|s| s["Resource"].clone()).unwrap_or_else(|| panic!("{sid}: {policy}"))
        };
        assert_eq!(resource("MwaaPreflightNetwork1"), "arn:aws-cn:airflow:cn-north-1:111122223333:environment/*");
        assert_eq!(resource("MwaaPreflightNetwork4"), "arn:aws-cn:ec2:cn-north-1:*:prefix-list/*");
        assert_eq!(resource("MwaaPreflightSourceBucket3"), "arn:aws-cn:s3:::dags/*");
        assert_eq!(resource("MwaaPreflightKmsKey"), "arn:aws-cn:kms:cn-north-1:111122223333:key/*");
    }
}
