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

/// The read-only IAM policy the tool needs.
pub fn iam_policy() -> serde_json::Value {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Sid": "MwaaPreflightReadOnly", "Effect": "Allow", "Action": IAM_ACTIONS, "Resource": "*"}]
    })
}
