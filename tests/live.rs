//! The live path against a real AWS API emulator (moto + an MWAA emulator + a fault proxy, all on
//! 127.0.0.1): networks are built through the real EC2 API, the real binary reads them through the SDK.

mod support;

#[path = "support/emulator.rs"]
mod emulator;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Output;
use std::sync::Mutex;

use emulator::Emulator;
use serde_json::{json, Value};

/// The emulator's faults and request log are shared: the live tests take turns.
static EXCLUSIVE: Mutex<()> = Mutex::new(());

fn exclusive() -> std::sync::MutexGuard<'static, ()> {
    EXCLUSIVE.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_mwaa-preflight"))
}

fn tool(args: &[&str]) -> Output {
    Emulator::shared().tool(binary()).args(args).output().expect("binary runs")
}

fn ids(list: &Value) -> String {
    list.as_array().expect("ids").iter().filter_map(Value::as_str).collect::<Vec<_>>().join(",")
}

fn report(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("no JSON report ({e}); stderr: {}", support::stderr(output)))
}

/// (code, resource) of a report's findings, sorted.
type Found = Vec<(String, Option<String>)>;

fn findings(report: &Value) -> Found {
    let mut found: Vec<(String, Option<String>)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| (f["code"].as_str().unwrap_or_default().to_string(), f["resource"].as_str().map(str::to_string)))
        .collect();
    found.sort();
    found
}

fn check_planned(network: &Value, extra: &[&str]) -> Output {
    let (subnets, groups) = (ids(&network["subnets"]), ids(&network["security_groups"]));
    let mut args = vec!["check", "--subnet-ids", subnets.as_str(), "--security-group-ids", groups.as_str(), "--format", "json"];
    args.extend(extra);
    tool(&args)
}

/// `snapshot` of a planned environment, then `check --snapshot` on the file: the offline report.
fn offline_from_snapshot(network: &Value, name: &str) -> Value {
    let file = support::root().join(format!("target/live-{name}-snapshot.json"));
    let file = file.to_str().expect("utf-8");
    let (subnets, groups) = (ids(&network["subnets"]), ids(&network["security_groups"]));
    let written = tool(&["snapshot", "--subnet-ids", &subnets, "--security-group-ids", &groups, "--output", file]);
    assert_eq!(written.status.code(), Some(0), "{}", support::stderr(&written));
    report(&support::run(&["check", "--snapshot", file, "--subnet-ids", &subnets, "--security-group-ids", &groups, "--format", "json"]))
}

fn private_environment(name: &str, network: &Value, fields: Value) -> Value {
    let mut environment = json!({
        "Name": name,
        "NetworkConfiguration": {"SubnetIds": network["subnets"], "SecurityGroupIds": network["security_groups"]},
        "WebserverAccessMode": "PRIVATE_ONLY",
        "SourceBucketArn": "arn:aws:s3:::mwaa-live-dags",
        "Status": "AVAILABLE",
    });
    for (key, value) in fields.as_object().expect("fields") {
        environment[key] = value.clone();
    }
    Emulator::shared().environment(environment)
}

#[test]
fn public_reference_passes_live_and_from_its_own_snapshot() {
    let _turn = exclusive();
    let network = Emulator::shared().scenario("public", json!({}));
    let live = check_planned(&network, &[]);
    assert_eq!(live.status.code(), Some(0), "{}", support::stderr(&live));
    let live_report = report(&live);
    assert_eq!(findings(&live_report), vec![]);
    assert_eq!(live_report["target"]["routing"], "public");
    assert_eq!(live_report["target"]["vpc_id"], network["vpc"]);

    let offline_report = offline_from_snapshot(&network, "public");
    assert_eq!(offline_report["findings"], live_report["findings"]);
    assert_eq!(offline_report["skipped"], live_report["skipped"]);
    assert_eq!(offline_report["summary"], live_report["summary"]);
    assert_eq!(offline_report["target"], live_report["target"]);
}

/// NAT instances are read through their interfaces (DescribeNetworkInterfaces in the last round) and judged
/// like NAT gateways, live and from the snapshot alike.
#[test]
fn nat_instances_are_followed_live_and_offline_alike() {
    let _turn = exclusive();
    let network = Emulator::shared().scenario("public", json!({"nat_instances": true}));
    let live = check_planned(&network, &[]);
    let live_report = report(&live);
    assert_eq!(findings(&live_report), vec![], "{}", support::stdout(&live));
    assert_eq!(live_report["target"]["routing"], "public");
    let offline_report = offline_from_snapshot(&network, "nat-instances");
    assert_eq!(offline_report["findings"], live_report["findings"]);
    assert_eq!(offline_report["skipped"], live_report["skipped"]);

    let one = Emulator::shared().scenario("public", json!({"nat_instances": "check_on", "one_nat": true}));
    let first = one["nat_gateways"][0].as_str().expect("instance").to_string();
    let failing = report(&check_planned(&one, &[]));
    assert_eq!(findings(&failing), vec![("RT002".to_string(), Some(first.clone())), ("RT003".to_string(), Some(first))]);
}

#[test]
fn a_dual_stack_network_passes_live_and_offline_alike() {
    let _turn = exclusive();
    let network = Emulator::shared().scenario("public", json!({"dual_stack": true}));
    let live = check_planned(&network, &[]);
    assert_eq!(live.status.code(), Some(0), "{}", support::stderr(&live));
    let live_report = report(&live);
    assert_eq!(findings(&live_report), vec![]);

    let offline_report = offline_from_snapshot(&network, "dual-stack");
    assert_eq!(offline_report["findings"], live_report["findings"]);
    assert_eq!(offline_report["skipped"], live_report["skipped"]);
    assert_eq!(offline_report["target"], live_report["target"]);
    // What AWS returns for IPv6 is in the snapshot, not dropped on the way.
    let snapshot: Value =
        serde_json::from_slice(&std::fs::read(support::root().join("target/live-dual-stack-snapshot.json")).expect("snapshot written"))
            .expect("snapshot JSON");
    let subnets = snapshot["Subnets"].as_array().expect("Subnets");
    assert!(subnets.iter().any(|s| s["Ipv6Native"] == true && s.get("CidrBlock").is_none()), "the IPv6-only subnet is kept");
    let entries = snapshot["ManagedPrefixListEntries"].as_object().expect("entries");
    assert!(entries.values().flat_map(|e| e.as_array().into_iter().flatten()).any(|e| e["Cidr"].as_str().is_some_and(|c| c.contains(':'))));
    let routes = snapshot["RouteTables"].as_array().expect("tables").iter().flat_map(|t| t["Routes"].as_array().into_iter().flatten());
    assert!(routes.clone().any(|r| r["DestinationIpv6CidrBlock"] == "::/0" && r["EgressOnlyInternetGatewayId"].is_string()));
}

/// The README's recipe for users without the tool where the credentials are: contrib/aws-cli-snapshot.py
/// runs the AWS CLI; the snapshot it assembles checks as the live account does.
#[test]
fn the_aws_cli_recipe_gives_the_findings_of_the_live_run() {
    let _turn = exclusive();
    let scenarios = [
        ("public", json!({})),
        ("public-nacl", json!({"nacl_ingress_443_only": true})),
        ("private", json!({})),
        ("dual-stack", json!({"dual_stack": true})),
    ];
    for (name, params) in scenarios {
        let kind = if name == "private" { "private" } else { "public" };
        let network = Emulator::shared().scenario(kind, params);
        let live_report = report(&check_planned(&network, &[]));
        let (subnets, groups) = (ids(&network["subnets"]), ids(&network["security_groups"]));
        let mut recipe = Emulator::shared().tool(Path::new("python3"));
        recipe.arg(support::root().join("contrib/aws-cli-snapshot.py")).args(["--security-group-ids", &groups]);
        recipe.args(subnets.split(','));
        let captured = recipe.output().expect("python3 runs");
        assert_eq!(captured.status.code(), Some(0), "{name}: {}", support::stderr(&captured));
        let file = support::root().join(format!("target/aws-cli-{name}-snapshot.json"));
        std::fs::write(&file, &captured.stdout).expect("write the snapshot");
        let file = file.to_str().expect("utf-8");
        let offline =
            support::run(&["check", "--snapshot", file, "--subnet-ids", &subnets, "--security-group-ids", &groups, "--format", "json"]);
        let offline_report = report(&offline);
        assert_eq!(offline_report["findings"], live_report["findings"], "{name}");
        assert_eq!(offline_report["skipped"], live_report["skipped"], "{name}");
        assert_eq!(offline_report["target"], live_report["target"], "{name}");
        assert_eq!(offline.status.code(), Some(if name == "public-nacl" { 1 } else { 0 }), "{name}");
    }
}

/// The recipe also captures the execution role and the key the environment names, through the real AWS CLI
/// against the emulator's IAM and KMS: the snapshot holds them in the shapes the contract names, and the
/// role and key rules judge them (a policy without the log statement, a key policy without CloudWatch Logs),
/// then a role that does not exist.
#[test]
fn the_aws_cli_recipe_captures_the_execution_role_and_the_key() {
    let _turn = exclusive();
    let network = Emulator::shared().scenario("public", json!({}));
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": ["airflow.amazonaws.com", "airflow-env.amazonaws.com"]}, "Action": "sts:AssumeRole"}]});
    let role = Emulator::shared().call(
        "iam",
        "create_role",
        json!({"RoleName": "recipe-execution", "AssumeRolePolicyDocument": trust.to_string()}),
    );
    let role_arn = role["Role"]["Arn"].as_str().expect("role ARN").to_string();
    // Everything but the log groups.
    let policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": ["airflow:PublishMetrics", "s3:*", "sqs:*", "kms:*", "cloudwatch:PutMetricData", "logs:DescribeLogGroups"], "Resource": "*"}]});
    Emulator::shared().call(
        "iam",
        "put_role_policy",
        json!({"RoleName": "recipe-execution", "PolicyName": "mwaa", "PolicyDocument": policy.to_string()}),
    );
    // A customer managed policy attached: its default version is captured too.
    let queue = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]});
    let managed =
        Emulator::shared().call("iam", "create_policy", json!({"PolicyName": "recipe-queue", "PolicyDocument": queue.to_string()}));
    let managed_arn = managed["Policy"]["Arn"].as_str().expect("policy ARN").to_string();
    Emulator::shared().call("iam", "attach_role_policy", json!({"RoleName": "recipe-execution", "PolicyArn": managed_arn}));
    let key = Emulator::shared().call("kms", "create_key", json!({"Description": "mwaa"}));
    let key_arn = key["KeyMetadata"]["Arn"].as_str().expect("key ARN").to_string();

    let (subnets, groups) = (ids(&network["subnets"]), ids(&network["security_groups"]));
    let capture = |role: &str, name: &str| {
        let mut recipe = Emulator::shared().tool(Path::new("python3"));
        recipe.arg(support::root().join("contrib/aws-cli-snapshot.py")).args(["--security-group-ids", &groups]);
        recipe.args(["--execution-role-arn", role, "--kms-key", &key_arn]).args(subnets.split(','));
        let captured = recipe.output().expect("python3 runs");
        assert_eq!(captured.status.code(), Some(0), "{}", support::stderr(&captured));
        let file = support::root().join(format!("target/aws-cli-{name}-snapshot.json"));
        std::fs::write(&file, &captured.stdout).expect("write the snapshot");
        let snapshot: Value = serde_json::from_slice(&captured.stdout).expect("json");
        (file, snapshot)
    };
    let (file, snapshot) = capture(&role_arn, "role");
    for member in ["Roles", "RolePolicies", "AttachedRolePolicies", "PolicyVersions", "Keys", "KeyPolicies", "KeyGrants"] {
        assert!(snapshot.get(member).is_some(), "{member} not captured: {}", snapshot["not_captured"]);
    }
    let check = |file: &Path, role: &str| {
        let file = file.to_str().expect("utf-8");
        let args = [
            "check",
            "--snapshot",
            file,
            "--subnet-ids",
            &subnets,
            "--security-group-ids",
            &groups,
            "--name",
            "recipe",
            "--source-bucket-arn",
            "arn:aws:s3:::recipe-dags",
            "--execution-role-arn",
            role,
            "--kms-key",
            &key_arn,
            "--format",
            "json",
        ];
        report(&support::run(&args))
    };
    let judged = check(&file, &role_arn);
    let found: Vec<(String, String)> = judged["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["family"] != "network")
        .map(|f| (f["code"].as_str().unwrap_or_default().to_string(), f["severity"].as_str().unwrap_or_default().to_string()))
        .collect();
    assert!(found.contains(&("ROLE003".to_string(), "error".to_string())), "no log permissions: {found:?}");
    assert!(found.contains(&("KMS005".to_string(), "error".to_string())), "the default key policy: {found:?}");
    assert!(!found.iter().any(|(code, _)| code == "ROLE001" || code == "ROLE002" || code == "KMS002"), "{found:?}");

    let missing = role_arn.replace("recipe-execution", "recipe-missing");
    let (file, snapshot) = capture(&missing, "missing-role");
    assert_eq!(snapshot["RolesNotFound"], json!(["recipe-missing"]), "{snapshot}");
    let judged = check(&file, &missing);
    assert!(judged["findings"].as_array().expect("findings").iter().any(|f| f["code"] == "ROLE001"), "{}", judged["findings"]);
}

/// The AWS CLI recipe captures the source bucket (S3's answers, `{}` for its "none" errors), the versions of the
/// objects the environment names and requirements.txt's text at its version, from a bucket built through the
/// real S3 API; the check judges them as from any snapshot: the bucket blocks no public access (BKT002) and the
/// constraint on raw.githubusercontent.com is out of private routing's reach (PKG001).
#[test]
fn the_aws_cli_recipe_captures_the_bucket_and_requirements() {
    let _turn = exclusive();
    let network = Emulator::shared().scenario("private", json!({}));
    let bucket = "recipe-live-dags";
    let s3 = |operation: &str, arguments: Value| Emulator::shared().call("s3", operation, arguments);
    s3("create_bucket", json!({"Bucket": bucket}));
    s3("put_bucket_versioning", json!({"Bucket": bucket, "VersioningConfiguration": {"Status": "Enabled"}}));
    s3("put_object", json!({"Bucket": bucket, "Key": "dags/example_dag.py", "Body": "from airflow import DAG\n"}));
    let text = "--constraint https://raw.githubusercontent.com/apache/airflow/constraints-2.10.3/constraints-3.11.txt\napache-airflow-providers-snowflake\n";
    let put = s3("put_object", json!({"Bucket": bucket, "Key": "requirements.txt", "Body": text}));
    let version = put["VersionId"].as_str().expect("version ID").to_string();

    let (subnets, groups) = (ids(&network["subnets"]), ids(&network["security_groups"]));
    let bucket_arn = format!("arn:aws:s3:::{bucket}");
    let objects = ["--dag-s3-path", "dags", "--requirements-s3-path", "requirements.txt", "--requirements-s3-object-version", &version];
    let mut recipe = Emulator::shared().tool(Path::new("python3"));
    recipe.arg(support::root().join("contrib/aws-cli-snapshot.py")).args([
        "--security-group-ids",
        &groups,
        "--source-bucket-arn",
        &bucket_arn,
    ]);
    // A planned environment with a name: the deployer's part runs too.
    let captured = recipe.args(objects).args(["--name", "recipe"]).args(subnets.split(',')).output().expect("python3 runs");
    assert_eq!(captured.status.code(), Some(0), "{}", support::stderr(&captured));
    let snapshot: Value = serde_json::from_slice(&captured.stdout).expect("json");
    // moto has no IAM policy simulator: the AWS CLI took the recipe's arguments (context entries included) and
    // the emulator refused the call, which is recorded, not fatal; MWAA's service-linked role does not exist.
    let simulation = snapshot["not_captured"]["EvaluationResults"].as_str().unwrap_or_default();
    assert!(!simulation.is_empty() && !simulation.contains("usage:") && !simulation.contains("alidation"), "{simulation}");
    assert!(simulation.contains("iam:CreateServiceLinkedRole: "), "every simulation was tried: {simulation}");
    assert_eq!(snapshot["RolesNotFound"], json!(["AWSServiceRoleForAmazonMWAA"]), "{}", snapshot["not_captured"]);
    for member in [
        "BucketLocations",
        "BucketVersioning",
        "BucketPublicAccessBlock",
        "BucketPolicies",
        "BucketEncryption",
        "ObjectVersions",
        "ObjectTexts",
    ] {
        assert!(snapshot.get(member).is_some(), "{member} not captured: {}", snapshot["not_captured"]);
    }
    assert_eq!(snapshot["ObjectTexts"][format!("s3://{bucket}/requirements.txt")][&version], text);
    let file = support::root().join("target/aws-cli-bucket-snapshot.json");
    std::fs::write(&file, &captured.stdout).expect("write the snapshot");

    let file = file.to_str().expect("utf-8");
    let mut args = vec!["check", "--snapshot", file, "--subnet-ids", &subnets, "--security-group-ids", &groups, "--name", "recipe"];
    args.extend(["--source-bucket-arn", &bucket_arn, "--format", "json"]);
    args.extend(objects);
    let judged = report(&support::run(&args));
    let codes: Vec<&str> = judged["findings"].as_array().expect("findings").iter().filter_map(|f| f["code"].as_str()).collect();
    assert!(codes.contains(&"BKT002") && codes.contains(&"PKG001"), "{}", judged["findings"]);
    for passed in ["BKT001", "BKT003", "BKT004", "BKT005", "BKT006"] {
        assert!(!codes.contains(&passed), "{passed}: {}", judged["findings"]);
    }
}

/// Runs each distinct `aws ...` line of the findings of `code` with the real AWS CLI against the emulator
/// (endpoints sharing one security group each give the same command).
fn apply_remediation(report: &Value, code: &str) -> usize {
    let mut commands: Vec<&str> = Vec::new();
    for finding in report["findings"].as_array().expect("findings").iter().filter(|f| f["code"] == code) {
        for command in finding["remediation"].as_str().expect("remediation").lines().filter(|l| l.starts_with("aws ")) {
            if !commands.contains(&command) {
                commands.push(command);
            }
        }
    }
    for command in &commands {
        let done = Emulator::shared().tool(Path::new("sh")).args(["-c", command]).output().expect("sh runs");
        assert_eq!(done.status.code(), Some(0), "{command}: {}{}", support::stdout(&done), support::stderr(&done));
    }
    commands.len()
}

/// ACL001, SG004 and VPCE005 give the commands that fix the whole finding: applied with the AWS CLI, the
/// next check has no finding left.
#[test]
fn applying_the_remediation_commands_clears_the_finding() {
    let _turn = exclusive();
    let emulator = Emulator::shared();
    let ec2 = |operation: &str, arguments: Value| emulator.control("ec2", Some(json!({"operation": operation, "arguments": arguments})));
    let nacl = emulator.scenario("public", json!({"nacl_ingress_443_only": true}));

    let restricted = emulator.scenario("public", json!({}));
    let group = restricted["security_groups"][0].as_str().expect("group").to_string();
    ec2(
        "revoke_security_group_egress",
        json!({"GroupId": group, "IpPermissions": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}),
    );
    ec2(
        "authorize_security_group_egress",
        json!({"GroupId": group, "IpPermissions": [
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": group}]}]}),
    );

    let private = emulator.scenario("private", json!({}));
    let (endpoint_group, env_group) = (private["endpoint_security_group"].clone(), private["security_groups"][0].clone());
    ec2(
        "revoke_security_group_ingress",
        json!({"GroupId": endpoint_group, "IpPermissions": [
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": env_group}]}]}),
    );

    for (network, code) in [(&nacl, "ACL001"), (&restricted, "SG004"), (&private, "VPCE005")] {
        let before = report(&check_planned(network, &[]));
        assert!(findings(&before).iter().any(|(c, _)| c == code), "{code} fires first: {:?}", findings(&before));
        assert!(apply_remediation(&before, code) > 0, "{code} gives commands");
        let after = check_planned(network, &[]);
        let left = findings(&report(&after));
        // SG004's least rules leave the group restricted: SG005's warning says so, rightly.
        let expected: Found = if code == "SG004" { vec![("SG005".to_string(), Some(group.clone()))] } else { vec![] };
        assert_eq!(left, expected, "{code}: after its commands");
        assert_eq!(after.status.code(), Some(0));
    }
}

#[test]
fn a_nacl_admitting_443_only_is_found_live_and_offline_alike() {
    let _turn = exclusive();
    let network = Emulator::shared().scenario("public", json!({"nacl_ingress_443_only": true}));
    let live = check_planned(&network, &[]);
    assert_eq!(live.status.code(), Some(1));
    let live_report = report(&live);
    let acl = network["nacl"].as_str().expect("nacl").to_string();
    assert_eq!(findings(&live_report), vec![("ACL001".to_string(), Some(acl))]);

    assert_eq!(offline_from_snapshot(&network, "nacl")["findings"], live_report["findings"]);
}

#[test]
fn diagnose_pending_names_the_endpoints_to_create_and_the_hours_left() {
    let _turn = exclusive();
    let network = Emulator::shared().scenario("private", json!({}));
    let created = jiff::Timestamp::now().as_second() - 24 * 3600 - 60;
    let environment =
        private_environment("live-pending", &network, json!({"Status": "PENDING", "EndpointManagement": "CUSTOMER", "CreatedAt": created}));
    let output = tool(&["diagnose", "live-pending", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "{}", support::stderr(&output));
    let report = report(&output);
    let database = environment["DatabaseVpcEndpointService"].as_str().expect("db service").to_string();
    let webserver = environment["WebserverVpcEndpointService"].as_str().expect("web service").to_string();
    assert_eq!(
        findings(&report),
        vec![
            ("CME002".to_string(), Some(database.clone())),
            ("CME003".to_string(), Some(webserver.clone())),
            ("ENV001".to_string(), Some("live-pending".to_string())),
        ]
    );
    let pending = report["findings"].as_array().expect("findings").iter().find(|f| f["code"] == "ENV001").expect("ENV001");
    assert_eq!(pending["evidence"]["hours_left"], 48);
    let remediation = pending["remediation"].as_str().expect("remediation");
    let subnets = network["subnets"].as_array().expect("subnets").iter().filter_map(Value::as_str).collect::<Vec<_>>().join(" ");
    for service in [&database, &webserver] {
        assert!(remediation.contains(&format!("--service-name {service} --subnet-ids {subnets} --security-group-ids")), "{remediation}");
    }
    assert_eq!(report["target"]["status"], "PENDING");
}

#[test]
fn diagnose_create_failed_ranks_the_network_causes() {
    let _turn = exclusive();
    let network = Emulator::shared().scenario("private", json!({"skip_services": ["sqs"]}));
    private_environment(
        "live-failed",
        &network,
        json!({"Status": "CREATE_FAILED", "LastUpdate": {"Status": "FAILED", "Error": {"ErrorCode": "INCORRECT_CONFIGURATION", "ErrorMessage": "You may need to check the execution role permissions policy for your environment, and that each of the VPC networking components required by the environment are configured to allow traffic."}}}),
    );
    let output = tool(&["diagnose", "live-failed", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let report = report(&output);
    assert_eq!(
        findings(&report),
        vec![
            ("ENV002".to_string(), Some("live-failed".to_string())),
            ("VPCE001".to_string(), Some("com.amazonaws.us-east-1.sqs".to_string()))
        ]
    );
    let failed = report["findings"].as_array().expect("findings").iter().find(|f| f["code"] == "ENV002").expect("ENV002");
    assert_eq!(failed["evidence"]["error_code"], "INCORRECT_CONFIGURATION");
    assert_eq!(failed["evidence"]["likely_causes"][0]["code"], "VPCE001");
}

#[test]
fn a_missing_or_forbidden_environment_exits_2_and_says_which() {
    let _turn = exclusive();
    let missing = tool(&["diagnose", "no-such-environment"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        support::stderr(&missing).contains("environment no-such-environment does not exist in us-east-1"),
        "{}",
        support::stderr(&missing)
    );

    Emulator::shared().faults(json!({"deny": ["GetEnvironment"]}));
    let denied = tool(&["diagnose", "anything"]);
    Emulator::shared().faults(json!({}));
    assert_eq!(denied.status.code(), Some(2));
    assert!(support::stderr(&denied).contains("airflow:GetEnvironment was denied"), "{}", support::stderr(&denied));
}

#[test]
fn throttling_retries_give_the_identical_report() {
    let _turn = exclusive();
    let network = Emulator::shared().scenario("private", json!({}));
    private_environment("live-throttled", &network, json!({}));
    let calm = report(&tool(&["check", "--environment", "live-throttled", "--format", "json"]));
    Emulator::shared().take_log();
    Emulator::shared().faults(json!({"throttle_rate": 0.3, "seed": 7}));
    let throttled = tool(&["check", "--environment", "live-throttled", "--format", "json"]);
    Emulator::shared().faults(json!({}));
    let log = Emulator::shared().take_log();
    assert!(log.iter().filter(|e| e["throttled"] == true).count() >= 3, "the proxy throttled too little to test anything: {log:?}");
    assert_eq!(throttled.status.code(), Some(0), "{}", support::stderr(&throttled));
    let throttled = report(&throttled);
    assert_eq!(throttled["findings"], calm["findings"]);
    assert_eq!(throttled["summary"], calm["summary"]);
}

#[test]
fn a_denied_describe_call_skips_its_checks_instead_of_passing_them() {
    let _turn = exclusive();
    let network = Emulator::shared().scenario("public", json!({}));
    Emulator::shared().faults(json!({"deny": ["DescribeNetworkAcls"]}));
    // Without the execution role's, the bucket's and the deployer's rules, which nothing is named for.
    let output = check_planned(&network, &["--ignore", "execution-role,bucket,DEP"]);
    Emulator::shared().faults(json!({}));
    assert_eq!(output.status.code(), Some(0), "{}", support::stderr(&output));
    let report = report(&output);
    let skipped: Vec<(&str, &str)> = report["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .map(|s| (s["code"].as_str().unwrap_or_default(), s["reason"].as_str().unwrap_or_default()))
        .collect();
    let acl = skipped.iter().find(|(code, _)| *code == "ACL001").expect("ACL001 skipped");
    assert!(acl.1.contains("ec2:DescribeNetworkAcls denied (UnauthorizedOperation"), "{acl:?}");
    assert_eq!(report["summary"]["skipped"], 2);
}

/// Issue 9's reproductions, live: a denied DescribePrefixLists leaves the S3 flows unjudged, a denied
/// DescribeRouteTables leaves the routing mode unknown; neither is a pass nor a finding.
#[test]
fn denied_prefix_lists_or_route_tables_are_never_a_verdict() {
    let _turn = exclusive();
    let network = Emulator::shared().scenario("private", json!({}));
    let skipped_reason = |output: &Output, code: &str| -> String {
        let report = report(output);
        let skipped = report["skipped"].as_array().expect("skipped").iter().find(|s| s["code"] == code).cloned();
        skipped.unwrap_or_else(|| panic!("{code} not skipped: {report}"))["reason"].as_str().unwrap_or_default().to_string()
    };
    Emulator::shared().faults(json!({"deny": ["DescribePrefixLists"]}));
    let output = check_planned(&network, &[]);
    Emulator::shared().faults(json!({}));
    assert_eq!(output.status.code(), Some(0), "{}", support::stderr(&output));
    let reason = skipped_reason(&output, "ACL001");
    assert!(reason.contains("S3 flows") && reason.contains("ec2:DescribePrefixLists denied"), "{reason}");

    let public = Emulator::shared().scenario("public", json!({}));
    Emulator::shared().faults(json!({"deny": ["DescribeRouteTables"]}));
    let output = check_planned(&public, &[]);
    Emulator::shared().faults(json!({}));
    assert_eq!(findings(&report(&output)), vec![], "no VPCE001 on a public VPC whose tables were not read");
    assert_eq!(report(&output)["target"]["routing"], "unknown");
    assert!(skipped_reason(&output, "VPCE001").contains("ec2:DescribeRouteTables denied"));
}

/// As in the AWS CLI, `--profile` wins over the environment's keys; an unknown profile is exit 2 naming it.
#[test]
fn an_explicit_profile_wins_over_the_environments_keys() {
    let _turn = exclusive();
    let network = Emulator::shared().scenario("public", json!({}));
    let credentials = support::root().join("target/live-credentials");
    std::fs::write(&credentials, "[real]\naws_access_key_id = AKIAPROFILEKEY000001\naws_secret_access_key = profile-secret\n")
        .expect("write");
    let (subnets, groups) = (ids(&network["subnets"]), ids(&network["security_groups"]));
    let run = |profile: &str| {
        Emulator::shared()
            .tool(binary())
            .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
            .args(["check", "--subnet-ids", &subnets, "--security-group-ids", &groups, "--format", "json", "--profile", profile])
            .output()
            .expect("runs")
    };
    Emulator::shared().take_log();
    let output = run("real");
    assert_eq!(output.status.code(), Some(0), "{}", support::stderr(&output));
    let keys: BTreeSet<String> = Emulator::shared().take_log().iter().filter_map(|e| e["key"].as_str().map(str::to_string)).collect();
    assert_eq!(keys, BTreeSet::from(["AKIAPROFILEKEY000001".to_string()]), "signed with the profile's key, not AWS_ACCESS_KEY_ID");

    let unknown = run("does-not-exist");
    assert_eq!(unknown.status.code(), Some(2));
    let err = support::stderr(&unknown);
    assert!(err.contains("profile does-not-exist gives no credentials") && err.contains("live-credentials"), "{err}");
    assert!(Emulator::shared().take_log().is_empty(), "no request without the profile's credentials");
}

#[test]
fn only_read_only_calls_and_exactly_the_iam_policy() {
    let _turn = exclusive();
    let network = Emulator::shared().scenario("private", json!({"dhcp": ["AmazonProvidedDNS"]}));
    private_environment("live-readonly", &network, json!({}));
    Emulator::shared().take_log();
    let output = tool(&["diagnose", "live-readonly", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", support::stderr(&output));
    // A network whose routes name instances: every action the policy lists is used.
    let instances = Emulator::shared().scenario("public", json!({"nat_instances": true}));
    assert_eq!(check_planned(&instances, &[]).status.code(), Some(0));
    let audit = tool(&["check", "--all-environments", "--format", "json"]);
    assert!(matches!(audit.status.code(), Some(0 | 1)), "{}", support::stderr(&audit));
    // A planned environment naming everything beyond its network: every read of the v3 families is made.
    let named = NamedResources::build("readonly");
    let output = check_planned(&network, &named.flags());
    assert!(matches!(output.status.code(), Some(0 | 1)), "{}", support::stderr(&output));
    let log = Emulator::shared().take_log();
    let used: BTreeSet<String> =
        log.iter().map(|e| format!("{}:{}", e["service"].as_str().unwrap_or_default(), e["action"].as_str().unwrap_or_default())).collect();
    for action in &used {
        let verb = action.split(':').nth(1).unwrap_or_default();
        // The IAM policy simulator evaluates policies and changes nothing (CLI.md).
        let read_only = ["Describe", "Get", "List"].iter().any(|v| verb.starts_with(v)) || action == "iam:SimulatePrincipalPolicy";
        assert!(read_only, "not read-only: {action}");
    }
    let policy: Value = serde_json::from_slice(&tool(&["iam-policy"]).stdout).expect("policy JSON");
    let allowed: BTreeSet<String> = policy["Statement"]
        .as_array()
        .expect("statements")
        .iter()
        .flat_map(|s| s["Action"].as_array().expect("actions").iter().filter_map(|a| a.as_str().map(str::to_string)))
        .collect();
    assert_eq!(used, allowed, "the IAM policy and the calls made differ");
    // MWAA's `api.` host prefix was removed for the loopback emulator.
    assert!(
        log.iter().filter(|e| e["service"] == "airflow").all(|e| e["host"].as_str().is_some_and(|h| h.starts_with("127.0.0.1:"))),
        "{log:?}"
    );
}

/// An execution role (an inline and an attached customer managed policy), a customer managed key and a versioned
/// source bucket whose requirements.txt includes a file of the DAG folder, built through the real APIs: what a
/// planned environment names beyond its network.
struct NamedResources {
    role_arn: String,
    key_arn: String,
    bucket_arn: String,
    requirements_version: String,
}

impl NamedResources {
    fn build(name: &str) -> Self {
        let call = |service: &str, operation: &str, arguments: Value| Emulator::shared().call(service, operation, arguments);
        let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Service": ["airflow.amazonaws.com", "airflow-env.amazonaws.com"]}, "Action": "sts:AssumeRole"}]});
        let role =
            call("iam", "create_role", json!({"RoleName": format!("{name}-execution"), "AssumeRolePolicyDocument": trust.to_string()}));
        let inline = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:*", "sqs:*"], "Resource": "*"}]});
        let role_name = format!("{name}-execution");
        call("iam", "put_role_policy", json!({"RoleName": role_name, "PolicyName": "bucket", "PolicyDocument": inline.to_string()}));
        let logs = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": ["logs:*", "cloudwatch:PutMetricData", "airflow:PublishMetrics", "kms:*"], "Resource": "*"}]});
        let managed = call("iam", "create_policy", json!({"PolicyName": format!("{name}-logs"), "PolicyDocument": logs.to_string()}));
        call("iam", "attach_role_policy", json!({"RoleName": role_name, "PolicyArn": managed["Policy"]["Arn"]}));
        let key = call("kms", "create_key", json!({"Description": name}));
        let bucket = format!("{name}-dags");
        call("s3", "create_bucket", json!({"Bucket": bucket}));
        call("s3", "put_bucket_versioning", json!({"Bucket": bucket, "VersioningConfiguration": {"Status": "Enabled"}}));
        call("s3", "put_object", json!({"Bucket": bucket, "Key": "dags/constraints.txt", "Body": "boto3<2\n"}));
        let text = "-c /usr/local/airflow/dags/constraints.txt\nboto3\n";
        let put = call("s3", "put_object", json!({"Bucket": bucket, "Key": "requirements.txt", "Body": text}));
        NamedResources {
            role_arn: role["Role"]["Arn"].as_str().expect("role ARN").to_string(),
            key_arn: key["KeyMetadata"]["Arn"].as_str().expect("key ARN").to_string(),
            bucket_arn: format!("arn:aws:s3:::{bucket}"),
            requirements_version: put["VersionId"].as_str().expect("version ID").to_string(),
        }
    }

    /// The flags of a planned environment named `live` that names them.
    fn flags(&self) -> Vec<&str> {
        vec![
            "--name",
            "live",
            "--execution-role-arn",
            &self.role_arn,
            "--kms-key",
            &self.key_arn,
            "--source-bucket-arn",
            &self.bucket_arn,
            "--dag-s3-path",
            "dags",
            "--requirements-s3-path",
            "requirements.txt",
            "--requirements-s3-object-version",
            &self.requirements_version,
        ]
    }
}

/// A planned environment's role, key, bucket, requirements and deployer are read live, beside the network and
/// with no round trip of their own, and `snapshot` writes them: the check of the file gives the live findings.
#[test]
fn the_role_key_bucket_and_deployer_are_read_live_and_offline_alike() {
    let _turn = exclusive();
    let network = Emulator::shared().scenario("private", json!({}));
    let named = NamedResources::build("native");
    // The emulator's simulator denies the deployer iam:PassRole (moto has none of its own).
    Emulator::shared().faults(json!({"simulation": {"deny": ["iam:PassRole"]}}));
    let live = report(&check_planned(&network, &named.flags()));
    let codes: Vec<&str> = live["findings"].as_array().expect("findings").iter().filter_map(|f| f["code"].as_str()).collect();
    // The bucket blocks no public access; the key policy is KMS's default; the deployer may not pass the role.
    for code in ["BKT002", "KMS005", "DEP001"] {
        assert!(codes.contains(&code), "{code}: {}", live["findings"]);
    }
    // The role, the object versions and the requirements (with the DAG-folder constraints) were read: nothing
    // of them is missing or skipped for want of a member.
    for code in ["ROLE001", "ROLE002", "ROLE003", "BKT001", "BKT003", "BKT005", "PKG001"] {
        assert!(!codes.contains(&code), "{code}: {}", live["findings"]);
    }
    let skipped = live["skipped"].to_string();
    assert!(!skipped.contains("not captured") && !skipped.contains("does not hold"), "{skipped}");

    let file = support::root().join("target/live-named-snapshot.json");
    let file = file.to_str().expect("utf-8");
    let (subnets, groups) = (ids(&network["subnets"]), ids(&network["security_groups"]));
    let mut args = vec!["snapshot", "--subnet-ids", &subnets, "--security-group-ids", &groups, "--output", file];
    args.extend(named.flags());
    let written = tool(&args);
    assert_eq!(written.status.code(), Some(0), "{}", support::stderr(&written));
    // The AWS CLI recipe, given the same names, captures the same.
    let mut recipe = Emulator::shared().tool(Path::new("python3"));
    recipe.arg(support::root().join("contrib/aws-cli-snapshot.py")).args(["--security-group-ids", &groups]).args(named.flags());
    let captured = recipe.args(subnets.split(',')).output().expect("python3 runs");
    assert_eq!(captured.status.code(), Some(0), "{}", support::stderr(&captured));
    let recipe_file = support::root().join("target/aws-cli-named-snapshot.json");
    std::fs::write(&recipe_file, &captured.stdout).expect("write the snapshot");
    Emulator::shared().faults(json!({}));
    let offline = |snapshot: &str| {
        let mut args = vec!["check", "--snapshot", snapshot, "--subnet-ids", &subnets, "--security-group-ids", &groups, "--format", "json"];
        args.extend(named.flags());
        report(&support::run(&args))
    };
    let own = offline(file);
    assert_eq!(own["findings"], live["findings"]);
    assert_eq!(own["skipped"], live["skipped"]);
    // The AWS CLI prefixes S3 Control's host with the account ID even for a loopback endpoint, so the recipe
    // cannot read the account's public access block here (the tool drops the prefix): the same findings, BKT002
    // a warning ("the account's block is not known") instead of an error.
    let recipe: Value = serde_json::from_slice(&captured.stdout).expect("json");
    let missing: Vec<&String> = recipe["not_captured"].as_object().map(|m| m.keys().collect()).unwrap_or_default();
    assert_eq!(missing, vec!["AccountPublicAccessBlock"], "{}", recipe["not_captured"]);
    assert_eq!(findings(&offline(recipe_file.to_str().expect("utf-8"))), findings(&live));

    // A flag that changes nothing captured is refused, not ignored.
    let refused = tool(&["snapshot", "--subnet-ids", &subnets, "--security-group-ids", &groups, "--output", file, "--max-workers", "5"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(support::stderr(&refused).contains("--max-workers changes nothing a snapshot captures"), "{}", support::stderr(&refused));
}

/// Denied reads beyond the network skip their rules naming the action; they never pass them or abort the run.
#[test]
fn a_denied_role_key_or_bucket_read_skips_its_rules() {
    let _turn = exclusive();
    let network = Emulator::shared().scenario("private", json!({}));
    let named = NamedResources::build("denied");
    Emulator::shared().faults(json!({"deny": ["iam:GetRole", "kms:GetKeyPolicy", "s3:GetBucketVersioning"]}));
    let output = check_planned(&network, &named.flags());
    Emulator::shared().faults(json!({}));
    let judged = report(&output);
    let skipped: Vec<(String, String)> = judged["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .map(|s| (s["code"].as_str().unwrap_or_default().to_string(), s["reason"].as_str().unwrap_or_default().to_string()))
        .collect();
    for (code, action) in [("ROLE002", "iam:GetRole"), ("KMS005", "kms:GetKeyPolicy"), ("BKT003", "s3:GetBucketVersioning")] {
        assert!(skipped.iter().any(|(c, reason)| c == code && reason.contains(action) && reason.contains("denied")), "{code}: {skipped:?}");
    }
}

/// parliament (PyPI), an IAM policy linter with AWS's action and resource tables, run on a policy.
fn parliament(policy: &[u8]) -> String {
    let python = emulator::python();
    let mut child = std::process::Command::new(&python)
        .args(["-c", "import sys; from parliament.cli import cli; sys.argv[0] = 'parliament'; sys.exit(cli())"])
        .args(["--json", "--include-community-auditors"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("parliament runs (tests/emulator/requirements.txt)");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), policy).expect("write the policy");
    let done = child.wait_with_output().expect("parliament finishes");
    String::from_utf8_lossy(&done.stdout).into_owned()
}

#[test]
fn least_privilege_policy_passes_an_iam_linter() {
    for args in [&["--least-privilege"][..], &["--least-privilege", "--region", "eu-west-1", "--account", "111122223333"]] {
        let output = support::run(&[&["iam-policy"][..], args].concat());
        assert_eq!(output.status.code(), Some(0), "{}", support::stderr(&output));
        assert_eq!(parliament(&output.stdout), "", "iam-policy {args:?}");
    }
    // The linter sees what --least-privilege fixes: the plain policy grants the three scoped actions on `*`.
    let plain = parliament(&support::run(&["iam-policy"]).stdout);
    assert!(plain.contains("RESOURCE_STAR"), "{plain}");
    for action in ["airflow:GetEnvironment", "ec2:DescribeVpcAttribute", "ec2:GetManagedPrefixListEntries"] {
        assert!(plain.contains(action), "{action}: {plain}");
    }
    let region: Value =
        serde_json::from_slice(&support::run(&["iam-policy", "--least-privilege", "--region", "eu-west-1"]).stdout).expect("JSON");
    assert_eq!(region["Statement"][0]["Sid"], "MwaaPreflightNetwork1");
    assert_eq!(region["Statement"][0]["Resource"], "arn:aws:airflow:eu-west-1:*:environment/*");
    // Scoped to what is named: the role (and MWAA's service-linked role), the key, the bucket and its objects.
    let named: Value = serde_json::from_slice(
        &support::run(&[
            "iam-policy",
            "--least-privilege",
            "--account",
            "111122223333",
            "--execution-role-arn",
            "arn:aws:iam::111122223333:role/mwaa",
            "--source-bucket-arn",
            "arn:aws:s3:::my-dags",
        ])
        .stdout,
    )
    .expect("JSON");
    let resources = named["Statement"].to_string();
    for resource in ["arn:aws:iam::111122223333:role/mwaa", "AWSServiceRoleForAmazonMWAA", "arn:aws:s3:::my-dags/*", "key/*"] {
        assert!(resources.contains(resource), "{resource}: {resources}");
    }
    assert_eq!(parliament(&serde_json::to_vec(&named).expect("JSON")), "");
    let bad = support::run(&["iam-policy", "--least-privilege", "--execution-role-arn", "arn:aws:iam::111122223333:user/ci"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(support::stderr(&bad).contains("is not a role ARN"), "{}", support::stderr(&bad));
    let bad = support::run(&["iam-policy", "--least-privilege", "--account", "1234"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(support::stderr(&bad).contains("not an AWS account ID"), "{}", support::stderr(&bad));
}

#[test]
fn request_count_does_not_grow_with_unrelated_resources() {
    let _turn = exclusive();
    let count = |unrelated: usize| {
        let network = Emulator::shared().scenario("public", json!({"unrelated": unrelated}));
        Emulator::shared().take_log();
        let output = check_planned(&network, &[]);
        assert_eq!(output.status.code(), Some(0), "{}", support::stderr(&output));
        Emulator::shared().take_log().len()
    };
    let few = count(10);
    let many = count(2000);
    assert_eq!(few, many, "requests with 10 vs 2,000 unrelated security groups and subnets");
    assert!(few <= 16, "{few} requests for one check");
}

#[test]
fn paging_is_followed_to_the_end() {
    let _turn = exclusive();
    let network = Emulator::shared().scenario("private", json!({}));
    private_environment("live-paged", &network, json!({}));
    Emulator::shared().take_log();
    let whole = report(&tool(&["check", "--environment", "live-paged", "--format", "json"]));
    let unpaged_requests = Emulator::shared().take_log().len();
    Emulator::shared().faults(json!({"page_size": 2}));
    let paged = tool(&["check", "--environment", "live-paged", "--format", "json"]);
    Emulator::shared().faults(json!({}));
    let paged_requests = Emulator::shared().take_log().len();
    assert!(paged_requests >= unpaged_requests + 4, "{paged_requests} paged vs {unpaged_requests} requests: paging did not happen");
    let paged = report(&paged);
    assert_eq!(paged["findings"], whole["findings"]);
    assert_eq!(paged["summary"], whole["summary"]);
}

/// A planned check whose paged calls may take `seconds` in all (MWAA_PREFLIGHT_PAGING_TIMEOUT).
fn check_paging_within(network: &Value, seconds: &str) -> Output {
    let (subnets, groups) = (ids(&network["subnets"]), ids(&network["security_groups"]));
    Emulator::shared()
        .tool(binary())
        .env("MWAA_PREFLIGHT_PAGING_TIMEOUT", seconds)
        .args(["check", "--subnet-ids", &subnets, "--security-group-ids", &groups, "--format", "json"])
        .output()
        .expect("binary runs")
}

/// A NextToken that changes on every page, or one that repeats, is exit 2 naming the API: never an endless
/// loop, never a page read twice.
#[test]
fn pagination_is_bounded() {
    let _turn = exclusive();
    let network = Emulator::shared().scenario("public", json!({}));
    for tokens in ["repeat", "endless"] {
        Emulator::shared().take_log();
        Emulator::shared().faults(json!({"page_size": 2, "tokens": tokens}));
        let started = std::time::Instant::now();
        // The page bound is what is tested here: the time bound (its own test) must not come first on a
        // loaded machine.
        let output = check_paging_within(&network, "600");
        Emulator::shared().faults(json!({}));
        let requests = Emulator::shared().take_log().len();
        assert_eq!(output.status.code(), Some(2), "{tokens}: {}", support::stdout(&output));
        let err = support::stderr(&output);
        let expected = if tokens == "repeat" { "came twice" } else { "did not end after 1000 pages" };
        assert!(err.contains("ec2:Describe") && err.contains(expected), "{tokens}: {err}");
        assert!(requests <= 16 * 1000 + 16, "{tokens}: {requests} requests");
        assert!(started.elapsed() < std::time::Duration::from_secs(300), "{tokens}: took {:?}", started.elapsed());
    }
}

/// An answer that keeps paging slowly is cut off by time (MWAA_PREFLIGHT_PAGING_TIMEOUT, 60 s by default)
/// long before the page count would stop it: exit 2 naming the API.
#[test]
fn slow_endless_paging_stops_within_the_time_bound() {
    let _turn = exclusive();
    let network = Emulator::shared().scenario("public", json!({}));
    Emulator::shared().faults(json!({"page_size": 2, "tokens": "endless", "latency_ms": 20}));
    let started = std::time::Instant::now();
    let output = check_paging_within(&network, "2");
    let took = started.elapsed();
    Emulator::shared().faults(json!({}));
    Emulator::shared().take_log();
    assert_eq!(output.status.code(), Some(2), "{}", support::stdout(&output));
    let err = support::stderr(&output);
    assert!(err.contains("ec2:Describe") && err.contains("still paging after 2 s"), "{err}");
    assert!(err.contains("MWAA_PREFLIGHT_PAGING_TIMEOUT"), "{err}");
    // 1,000 pages at 20 ms each would take 20 s: the bound stopped it, not the count.
    assert!(took < std::time::Duration::from_secs(10), "took {took:?}");
}

/// A proxy's HTML page instead of AWS's answer is named as such (status, type, its words), never "Error".
#[test]
fn a_proxy_page_is_named_for_what_it_is() {
    let _turn = exclusive();
    let network = Emulator::shared().scenario("public", json!({}));
    Emulator::shared().faults(json!({"html": [503, "Service Unavailable"]}));
    let output = check_planned(&network, &[]);
    Emulator::shared().faults(json!({}));
    Emulator::shared().take_log();
    assert_eq!(output.status.code(), Some(2), "{}", support::stdout(&output));
    let err = support::stderr(&output);
    assert!(err.contains("HTTP 503 (text/html), not an AWS answer: Service Unavailable"), "{err}");
    assert!(err.contains("proxies"), "{err}");
}

/// A body cut in half (its Content-Length matching) is an error, never fewer rules and a wrong finding; an
/// error says what to do in one sentence, not the SDK's whole context.
#[test]
fn a_truncated_answer_is_rejected_in_one_sentence() {
    let _turn = exclusive();
    let network = Emulator::shared().scenario("public", json!({}));
    Emulator::shared().faults(json!({"truncate": ["DescribeSecurityGroups"]}));
    let output = check_planned(&network, &[]);
    Emulator::shared().faults(json!({}));
    assert_eq!(output.status.code(), Some(2), "{}", support::stdout(&output));
    let err = support::stderr(&output);
    assert!(err.contains("ec2:DescribeSecurityGroups failed: the answer could not be read") && err.contains("ends before its"), "{err}");
    assert!(err.len() < 600, "{} bytes: {err}", err.len());
    assert!(!err.contains("ResponseError") && !err.contains("DispatchFailure"), "{err}");
}

#[test]
fn bad_ids_credentials_regions_and_endpoints_exit_2_with_a_clear_message() {
    let _turn = exclusive();
    Emulator::shared().take_log();
    let malformed = tool(&["check", "--subnet-ids", "subnet-12,subnet-0a1b2c3d", "--security-group-ids", "sg-0a1b2c3d"]);
    assert_eq!(malformed.status.code(), Some(2));
    assert!(support::stderr(&malformed).contains("\"subnet-12\" is not a subnet ID"), "{}", support::stderr(&malformed));
    assert!(Emulator::shared().take_log().is_empty(), "malformed IDs must be rejected before any call");

    let no_credentials = Emulator::shared()
        .tool(binary())
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .args(["diagnose", "x"])
        .output()
        .expect("runs");
    assert_eq!(no_credentials.status.code(), Some(2));
    assert!(support::stderr(&no_credentials).contains("no AWS credentials"), "{}", support::stderr(&no_credentials));

    let no_region = Emulator::shared()
        .tool(binary())
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .args(["diagnose", "x"])
        .output()
        .expect("runs");
    assert_eq!(no_region.status.code(), Some(2));
    assert!(support::stderr(&no_region).contains("no AWS region is set"), "{}", support::stderr(&no_region));

    let started = std::time::Instant::now();
    let unreachable = tool(&["diagnose", "x", "--endpoint-url", "http://127.0.0.1:9"]);
    assert_eq!(unreachable.status.code(), Some(2));
    assert!(support::stderr(&unreachable).contains("cannot reach AWS for airflow:GetEnvironment"), "{}", support::stderr(&unreachable));
    assert!(started.elapsed().as_secs() < 30, "giving up took {:?}", started.elapsed());

    let network = Emulator::shared().scenario("public", json!({}));
    Emulator::shared().faults(json!({"error": ["RequestExpired", 400]}));
    let expired = check_planned(&network, &[]);
    Emulator::shared().faults(json!({}));
    assert_eq!(expired.status.code(), Some(2));
    assert!(support::stderr(&expired).contains("credentials were rejected (RequestExpired)"), "{}", support::stderr(&expired));
}

#[test]
fn an_account_audit_lists_every_environment_with_its_first_problem() {
    let _turn = exclusive();
    let clean = Emulator::shared().scenario("private", json!({}));
    private_environment("audit-clean", &clean, json!({}));
    let broken = Emulator::shared().scenario("private", json!({"skip_services": ["logs"]}));
    private_environment("audit-broken", &broken, json!({"Status": "CREATE_FAILED"}));
    let output = tool(&["check", "--all-environments", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "{}", support::stderr(&output));
    let audit = report(&output);
    assert_eq!(audit["schema_version"], 1);
    let by_name = |name: &str| {
        audit["environments"].as_array().expect("list").iter().find(|r| r["target"]["environment"] == name).cloned().expect(name)
    };
    assert_eq!(findings(&by_name("audit-clean")), vec![]);
    assert_eq!(findings(&by_name("audit-broken")), vec![("VPCE001".to_string(), Some("com.amazonaws.us-east-1.logs".to_string()))]);
    assert!(audit["summary"]["failing"].as_u64().is_some_and(|n| n >= 1));

    // The whole account in one snapshot gives the same audit offline.
    let file = support::root().join("target/live-account-snapshot.json");
    let written = tool(&["snapshot", "--all-environments", "--output", file.to_str().expect("utf-8")]);
    assert_eq!(written.status.code(), Some(0), "{}", support::stderr(&written));
    let offline = report(&support::run(&["check", "--all-environments", "--snapshot", file.to_str().expect("utf-8"), "--format", "json"]));
    let per_environment = |audit: &Value| -> Vec<(String, Found)> {
        let mut all: Vec<_> = audit["environments"]
            .as_array()
            .expect("list")
            .iter()
            .map(|r| (r["target"]["environment"].as_str().unwrap_or_default().to_string(), findings(r)))
            .collect();
        all.sort();
        all
    };
    assert_eq!(per_environment(&offline), per_environment(&audit));

    let table = tool(&["diagnose", "--all", "--format", "human", "--color", "never"]);
    let text = support::stdout(&table);
    let row = text.lines().find(|l| l.starts_with("audit-broken")).unwrap_or_else(|| panic!("no row for audit-broken:\n{text}"));
    assert!(row.contains("CREATE_FAILED") && row.contains("private") && row.contains("ENV002 create-failed on audit-broken"), "{row}");
    assert!(support::stderr(&table).is_empty(), "no progress on a non-terminal stderr: {}", support::stderr(&table));
}

/// `diagnose NAME --wait` while the environment turns `status` after a second and a half.
fn wait_while_status_changes(name: &str, status: &str) -> Output {
    let child = Emulator::shared()
        .tool(binary())
        .args(["diagnose", name, "--wait", "--interval", "1s", "--timeout", "60s", "--format", "json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    std::thread::sleep(std::time::Duration::from_millis(1500));
    Emulator::shared().environment(json!({"Name": name, "Status": status}));
    child.wait_with_output().expect("wait")
}

#[test]
fn wait_reads_until_the_timeout_not_an_interval_before() {
    let _turn = exclusive();
    let network = Emulator::shared().scenario("private", json!({}));
    private_environment("wait-timeout", &network, json!({"Status": "PENDING"}));
    let started = std::time::Instant::now();
    let output = tool(&["diagnose", "wait-timeout", "--wait", "--timeout", "4s", "--interval", "1s", "--format", "json"]);
    let took = started.elapsed();
    assert_eq!(output.status.code(), Some(1), "{}", support::stderr(&output));
    assert!(support::stderr(&output).contains("gave up after 4s"), "{}", support::stderr(&output));
    assert!(took >= std::time::Duration::from_secs(4) && took < std::time::Duration::from_secs(8), "took {took:?}");
}

#[test]
fn wait_follows_a_pending_environment_until_it_is_available() {
    let _turn = exclusive();
    let network = Emulator::shared().scenario("private", json!({}));
    private_environment("live-waiting", &network, json!({"Status": "PENDING", "EndpointManagement": "SERVICE"}));
    let output = wait_while_status_changes("live-waiting", "AVAILABLE");
    assert_eq!(output.status.code(), Some(0), "{}", support::stderr(&output));
    let log = support::stderr(&output);
    assert!(log.contains("live-waiting is PENDING") && log.contains("live-waiting: PENDING -> AVAILABLE"), "{log}");
    assert_eq!(report(&output)["target"]["status"], "AVAILABLE");

    private_environment("live-doomed", &network, json!({"Status": "CREATING"}));
    let output = wait_while_status_changes("live-doomed", "CREATE_FAILED");
    assert_eq!(output.status.code(), Some(1), "{}", support::stderr(&output));
    assert!(support::stderr(&output).contains("CREATING -> CREATE_FAILED"));
}

/// An audit of 50 environments in two VPCs behind EC2's rate limit (a token bucket of 100, 20 a second):
/// each VPC is read once, the audit completes, and an environment that cannot be read is an error row.
#[test]
fn an_audit_survives_the_rate_limit_and_reports_what_it_could_not_read() {
    let _turn = exclusive();
    Emulator::shared().fleet(50);
    Emulator::shared().take_log();
    Emulator::shared().faults(json!({"bucket": {"burst": 100, "rate": 20}, "deny_environments": ["fleet-007"]}));
    let output = tool(&["check", "--all-environments", "--format", "json"]);
    Emulator::shared().faults(json!({}));
    let log = Emulator::shared().take_log();
    Emulator::shared().control("clear_environments", Some(json!({})));
    assert_eq!(output.status.code(), Some(2), "an unreadable environment: {}", support::stderr(&output));
    let audit = report(&output);
    let environments = audit["environments"].as_array().expect("environments");
    assert_eq!(environments.len(), 50);
    let errors: Vec<&Value> = environments.iter().filter(|e| e.get("error").is_some()).collect();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["target"]["environment"], "fleet-007");
    assert!(errors[0]["error"].as_str().is_some_and(|e| e.contains("airflow:GetEnvironment was denied")), "{}", errors[0]);
    assert!(environments.iter().filter(|e| e.get("error").is_none()).all(|e| findings(e).is_empty()), "the others are evaluated");
    let sent = |action: &str| log.iter().filter(|e| e["action"] == action && e["throttled"] != true).count();
    assert_eq!(sent("GetEnvironment"), 50);
    assert_eq!(sent("DescribeRouteTables"), 2, "each VPC read once");
    assert!(log.len() < 200, "{} requests", log.len());
}

#[test]
fn an_audit_covers_every_region_given() {
    let _turn = exclusive();
    let west = Emulator::shared().scenario("public", json!({"region": "us-west-2"}));
    Emulator::shared().environment(json!({
        "Name": "west-env", "Region": "us-west-2", "Status": "AVAILABLE", "WebserverAccessMode": "PUBLIC_ONLY",
        "NetworkConfiguration": {"SubnetIds": west["subnets"], "SecurityGroupIds": west["security_groups"]},
    }));
    let east = Emulator::shared().scenario("private", json!({}));
    private_environment("east-env", &east, json!({}));
    let output = tool(&["check", "--all-environments", "--region", "us-east-1,us-west-2", "--format", "json"]);
    assert!(matches!(output.status.code(), Some(0 | 1)), "{}", support::stderr(&output));
    let audit = report(&output);
    let regions_of = |name: &str| -> Vec<String> {
        audit["environments"]
            .as_array()
            .expect("list")
            .iter()
            .filter(|r| r["target"]["environment"] == name)
            .filter_map(|r| r["target"]["region"].as_str().map(str::to_string))
            .collect()
    };
    assert_eq!(regions_of("west-env"), ["us-west-2"]);
    assert_eq!(regions_of("east-env"), ["us-east-1"]);
    let west_report =
        audit["environments"].as_array().expect("list").iter().find(|r| r["target"]["environment"] == "west-env").expect("west");
    assert_eq!(west_report["target"]["vpc_id"], west["vpc"]);
    assert_eq!(findings(west_report), vec![]);
}

#[test]
fn progress_shows_on_a_terminal_only() {
    let _turn = exclusive();
    let network = Emulator::shared().scenario("public", json!({}));
    let (subnets, groups) = (ids(&network["subnets"]), ids(&network["security_groups"]));
    let command =
        format!("{} check --subnet-ids {subnets} --security-group-ids {groups} --format json --output /dev/null", binary().display());
    // `script` runs the tool on a pseudo-terminal, so stderr is a terminal there.
    let on_terminal = Emulator::shared().tool(Path::new("script")).args(["-qec", &command, "/dev/null"]).output().expect("script runs");
    assert_eq!(on_terminal.status.code(), Some(0), "{}", support::stderr(&on_terminal));
    assert!(support::stdout(&on_terminal).contains("reading AWS:"), "{}", support::stdout(&on_terminal));
    let quiet =
        Emulator::shared().tool(Path::new("script")).args(["-qec", &format!("{command} -q"), "/dev/null"]).output().expect("script runs");
    assert!(!support::stdout(&quiet).contains("reading AWS:"), "{}", support::stdout(&quiet));
}

/// A fixture template as moto's CloudFormation can build it: without the MWAA environment (moto has no
/// AWS::MWAA::Environment) and with literal CIDRs (it has no Fn::Cidr), with `edits` applied.
fn buildable_template(base: &str, edits: &[(&str, &str)]) -> String {
    let mut text = std::fs::read_to_string(support::root().join(format!("fixtures/templates/base/{base}.yaml"))).expect("base template");
    let end = text.find("  Bucket:").or_else(|| text.find("  Environment:")).expect("environment resource");
    text.truncate(end);
    for i in 0..4 {
        text = text.replace(&format!("!Select [{i}, !Cidr [!GetAtt VPC.CidrBlock, 4, 8]]"), &format!("10.192.{i}.0/24"));
    }
    for (old, new) in edits {
        assert_eq!(text.matches(old).count(), 1, "edit {old:?}");
        text = text.replacen(old, new, 1);
    }
    text
}

#[test]
fn a_template_gives_the_findings_of_the_network_it_builds() {
    let _turn = exclusive();
    type Edits = &'static [(&'static str, &'static str)];
    let variants: [(&str, &str, Edits); 4] = [
        ("public-ok", "public", &[]),
        ("public-egress", "public", &[(
            "      GroupDescription: MWAA environment\n      VpcId: !Ref VPC",
            "      GroupDescription: MWAA environment\n      VpcId: !Ref VPC\n      SecurityGroupEgress:\n        - IpProtocol: \"-1\"\n          CidrIp: 10.192.0.0/16",
        )]),
        ("public-one-nat", "public", &[("      NatGatewayId: !Ref NatGateway2", "      NatGatewayId: !Ref NatGateway1")]),
        ("private-no-hostnames", "private", &[("      EnableDnsHostnames: true\n", "")]),
    ];
    for (name, base, edits) in variants {
        let template = buildable_template(base, edits);
        let stack = Emulator::shared().stack(&format!("preflight-{name}"), &template);
        assert_eq!(stack["status"], "CREATE_COMPLETE", "{name}: {stack}");
        let physical = |logical: &str| stack["resources"][logical].as_str().unwrap_or_else(|| panic!("{name}: no {logical}")).to_string();
        let path = support::root().join(format!("target/live-template-{name}.yaml"));
        std::fs::write(&path, &template).expect("write template");

        let groups = "SecurityGroup";
        let from_template = report(&support::run(&[
            "check",
            "--template",
            path.to_str().expect("utf-8"),
            "--region",
            "us-east-1",
            "--subnet-ids",
            "PrivateSubnet1,PrivateSubnet2",
            "--security-group-ids",
            groups,
            "--format",
            "json",
        ]));
        let (subnets, group) = (format!("{},{}", physical("PrivateSubnet1"), physical("PrivateSubnet2")), physical(groups));
        let live = report(&tool(&["check", "--subnet-ids", &subnets, "--security-group-ids", &group, "--format", "json"]));

        // The same findings by rule, on the same resources (logical ID <-> AWS ID).
        let by_physical: std::collections::HashMap<String, String> = stack["resources"]
            .as_object()
            .expect("resources")
            .iter()
            .filter_map(|(logical, id)| Some((id.as_str()?.to_string(), logical.clone())))
            .collect();
        let live_found: Found = findings(&live)
            .into_iter()
            .map(|(code, resource)| (code, resource.map(|r| by_physical.get(&r).cloned().unwrap_or(r))))
            .collect();
        assert_eq!(findings(&from_template), live_found, "{name}: template vs live");
        assert!(live["summary"]["passed"].as_u64().unwrap_or(0) > 20, "{name}: too little was judged: {}", live["summary"]);
    }
}

/// A template that puts a new group and the environment into an existing VPC: `--live` reads the VPC
/// the parameters name; without it the subnets are unknown, and the run says how to read them.
#[test]
fn a_template_over_an_existing_vpc_reads_it_with_live() {
    let _turn = exclusive();
    let network = Emulator::shared().scenario("public", json!({}));
    let template = format!(
        "Parameters:\n  VpcId:\n    Type: AWS::EC2::VPC::Id\n    Default: {vpc}\n  SubnetIds:\n    Type: List<AWS::EC2::Subnet::Id>\n    Default: {subnets}\nResources:\n  EnvGroup:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: MWAA\n      VpcId: !Ref VpcId\n  Environment:\n    Type: AWS::MWAA::Environment\n    Properties:\n      Name: existing-vpc\n      ExecutionRoleArn: arn:aws:iam::123456789012:role/mwaa\n      WebserverAccessMode: PUBLIC_ONLY\n      NetworkConfiguration:\n        SubnetIds: !Ref SubnetIds\n        SecurityGroupIds: [!Ref EnvGroup]\n",
        vpc = network["vpc"].as_str().expect("vpc"),
        subnets = ids(&network["subnets"]),
    );
    let path = support::root().join("target/live-template-existing-vpc.yaml");
    std::fs::write(&path, template).expect("write template");
    let path = path.to_str().expect("utf-8");

    let live = tool(&["check", "--template", path, "--region", "us-east-1", "--live", "--format", "json"]);
    let live = report(&live);
    // The group has no self-reference; everything else is the reference network's, read from the account.
    assert_eq!(findings(&live), vec![("SG003".to_string(), Some("EnvGroup".to_string()))], "{}", live["skipped"]);
    let skipped: Vec<&str> = live["skipped"].as_array().expect("skipped").iter().filter_map(|s| s["code"].as_str()).collect();
    assert!(!skipped.iter().any(|c| ["RT002", "DNS001", "ACL001", "SUB004"].contains(c)), "{skipped:?}");

    let alone = tool(&["check", "--template", path, "--region", "us-east-1", "--format", "json"]);
    assert_eq!(alone.status.code(), Some(2), "{}", support::stderr(&alone));
    assert!(support::stderr(&alone).contains("--live"), "{}", support::stderr(&alone));

    // A role another stack was to create, imported by ARN: `--live` reads it, and it does not exist.
    let template = std::fs::read_to_string(path).expect("read template").replace("role/mwaa\n", "role/other-stack-execution\n");
    std::fs::write(path, template).expect("write template");
    let live = report(&tool(&["check", "--template", path, "--region", "us-east-1", "--live", "--format", "json"]));
    let found = findings(&live);
    let role = "arn:aws:iam::123456789012:role/other-stack-execution".to_string();
    assert_eq!(found, vec![("ROLE001".to_string(), Some(role)), ("SG003".to_string(), Some("EnvGroup".to_string()))]);
}

/// A plan that puts a group and the environment into an existing network: `--live` reads it.
#[test]
fn a_terraform_plan_over_existing_subnets_reads_them_with_live() {
    let _turn = exclusive();
    let network = Emulator::shared().scenario("public", json!({}));
    let plan = json!({
        "format_version": "1.2",
        "planned_values": {"root_module": {"resources": [
            {"address": "aws_security_group.mwaa", "mode": "managed", "type": "aws_security_group", "name": "mwaa",
             "values": {"vpc_id": network["vpc"], "ingress": [], "egress": [{"protocol": "-1", "from_port": 0, "to_port": 0, "self": false, "cidr_blocks": ["0.0.0.0/0"]}]}},
            {"address": "aws_mwaa_environment.this", "mode": "managed", "type": "aws_mwaa_environment", "name": "this",
             "values": {"name": "existing", "webserver_access_mode": "PUBLIC_ONLY", "network_configuration": [{"subnet_ids": network["subnets"]}]}}
        ]}},
        "resource_changes": [
            {"address": "aws_security_group.mwaa", "change": {"actions": ["create"], "after_unknown": {"id": true}}},
            {"address": "aws_mwaa_environment.this", "change": {"actions": ["create"], "after_unknown": {"id": true, "network_configuration": [{"security_group_ids": true}]}}}
        ],
        "configuration": {"root_module": {"resources": [{"address": "aws_mwaa_environment.this",
            "expressions": {"network_configuration": [{"security_group_ids": {"references": ["aws_security_group.mwaa.id", "aws_security_group.mwaa"]}}]}}]}}
    });
    let path = support::root().join("target/live-plan-existing-subnets.json");
    std::fs::write(&path, plan.to_string()).expect("write plan");
    let path = path.to_str().expect("utf-8");
    let live = report(&tool(&["check", "--terraform-plan", path, "--region", "us-east-1", "--live", "--format", "json"]));
    // The new group admits nothing inbound: no self-reference; the rest is the reference network's, read live.
    assert_eq!(findings(&live), vec![("SG003".to_string(), Some("aws_security_group.mwaa".to_string()))], "{}", live["skipped"]);
    let alone = tool(&["check", "--terraform-plan", path, "--region", "us-east-1", "--format", "json"]);
    assert_eq!(alone.status.code(), Some(2), "{}", support::stderr(&alone));
}
