//! The read-only permissions a live read needs: `iam-policy` prints exactly these, and a live test holds
//! the emulator's request log to them.

/// Every action the collector may call.
pub const IAM_ACTIONS: &[&str] = &[
    "airflow:GetEnvironment",
    "airflow:ListEnvironments",
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeInternetGateways",
    "ec2:DescribeNatGateways",
    "ec2:DescribeNetworkAcls",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribePrefixLists",
    "ec2:DescribeRouteTables",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcAttribute",
    "ec2:DescribeVpcEndpointServices",
    "ec2:DescribeVpcEndpoints",
    "ec2:DescribeVpcs",
    "ec2:GetManagedPrefixListEntries",
];

/// Actions that take a resource ARN (the Service Authorization Reference's resource types), with the
/// resource pattern: `{partition}`, `{region}` and `{account}` are filled in, `*` where not given. Every
/// other action takes only `*`.
const SCOPED: &[(&str, &str, &str)] = &[
    ("MwaaPreflightEnvironments", "airflow:GetEnvironment", "arn:{partition}:airflow:{region}:{account}:environment/*"),
    ("MwaaPreflightVpcAttributes", "ec2:DescribeVpcAttribute", "arn:{partition}:ec2:{region}:{account}:vpc/*"),
    // A security group may name AWS-managed prefix lists or lists another account shares: any owner.
    ("MwaaPreflightPrefixLists", "ec2:GetManagedPrefixListEntries", "arn:{partition}:ec2:{region}:*:prefix-list/*"),
];

/// The read-only IAM policy the tool needs: every action on `*`, or (`least_privilege`) each action that
/// takes a resource ARN scoped to that resource type, in `region` and `account` when given.
pub fn iam_policy(least_privilege: bool, region: Option<&str>, account: Option<&str>) -> serde_json::Value {
    if !least_privilege {
        return serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{"Sid": "MwaaPreflightReadOnly", "Effect": "Allow", "Action": IAM_ACTIONS, "Resource": "*"}]
        });
    }
    let unscoped: Vec<&str> = IAM_ACTIONS.iter().copied().filter(|a| !SCOPED.iter().any(|(_, s, _)| s == a)).collect();
    let mut statements = vec![serde_json::json!({"Sid": "MwaaPreflightDescribe", "Effect": "Allow", "Action": unscoped, "Resource": "*"})];
    for (sid, action, pattern) in SCOPED {
        let resource = pattern
            .replace("{partition}", region.map_or("aws", crate::model::partition))
            .replace("{region}", region.unwrap_or("*"))
            .replace("{account}", account.unwrap_or("*"));
        statements.push(serde_json::json!({"Sid": sid, "Effect": "Allow", "Action": action, "Resource": resource}));
    }
    serde_json::json!({"Version": "2012-10-17", "Statement": statements})
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Scoping moves actions between statements; it never adds or drops one.
    #[test]
    fn least_privilege_grants_exactly_the_actions() {
        let policy = iam_policy(true, Some("cn-north-1"), Some("111122223333"));
        let mut granted: Vec<String> = Vec::new();
        for statement in policy["Statement"].as_array().into_iter().flatten() {
            match &statement["Action"] {
                serde_json::Value::String(a) => granted.push(a.clone()),
                serde_json::Value::Array(all) => granted.extend(all.iter().filter_map(|a| a.as_str().map(str::to_string))),
                other => panic!("{other}"),
            }
        }
        granted.sort();
        let mut wanted: Vec<String> = IAM_ACTIONS.iter().map(|a| a.to_string()).collect();
        wanted.sort();
        assert_eq!(granted, wanted);
        assert_eq!(policy["Statement"][1]["Resource"], "arn:aws-cn:airflow:cn-north-1:111122223333:environment/*");
        assert_eq!(policy["Statement"][3]["Resource"], "arn:aws-cn:ec2:cn-north-1:*:prefix-list/*");
    }
}
