//! Arbitrary input never panics: the snapshot loader, the policy parser and the whole evaluation either
//! answer or return an error.

use mwaa_preflight::analysis::policy::{Context, Policy, Principal, Request};
use mwaa_preflight::input::SnapshotFile;
use mwaa_preflight::rules::registry;
use mwaa_preflight::target::{EndpointManagement, Settings, WebserverAccess};
use mwaa_preflight::Mode;
use proptest::prelude::*;

fn settings(subnets: Vec<String>, groups: Vec<String>) -> Settings {
    Settings {
        webserver_access: WebserverAccess::PrivateOnly,
        endpoint_management: EndpointManagement::Customer,
        source_bucket_arn: Some("arn:aws:s3:::bucket".into()),
        account_id: Some("111122223333".into()),
        ..Settings::planned(subnets, groups, "us-east-1".into())
    }
}

/// JSON-ish text built from snapshot vocabulary, so the generator reaches past the first syntax error.
fn snapshot_text() -> impl Strategy<Value = String> {
    let token = prop::sample::select(vec![
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "\"Subnets\"",
        "\"SubnetId\"",
        "\"subnet-1\"",
        "\"VpcId\"",
        "\"vpc-1\"",
        "\"CidrBlock\"",
        "\"10.0.0.0/24\"",
        "\"0.0.0.0/0\"",
        "\"RouteTables\"",
        "\"Routes\"",
        "\"NetworkAcls\"",
        "\"Entries\"",
        "\"RuleNumber\"",
        "7",
        "-1",
        "\"Protocol\"",
        "\"6\"",
        "\"PolicyDocument\"",
        "\"{}\"",
        "\"VpcEndpoints\"",
        "null",
        "true",
        "1e400",
        "\"\\u0000\"",
    ]);
    prop::collection::vec(token, 0..60).prop_map(|tokens| tokens.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn snapshot_loading_and_evaluation_never_panic(text in snapshot_text()) {
        let source = SnapshotFile { path: "fuzz.json".into(), text };
        if let Ok(network) = source.parse() {
            let settings = settings(vec!["subnet-1".into(), "subnet-2".into()], vec!["sg-1".into()]);
            let _ = mwaa_preflight::evaluate(&network, &settings, Mode::Diagnose, &Default::default());
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(text in ".{0,300}") {
        let source = SnapshotFile { path: "fuzz.json".into(), text };
        let _ = source.parse();
    }

    #[test]
    fn policy_parsing_and_evaluation_never_panic(
        text in prop::sample::select(vec![
            r#"{"Statement": {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}}"#,
            r#"{"Statement": [{"Effect": "Deny", "NotPrincipal": {"AWS": "x"}, "NotAction": ["s3:*"], "NotResource": "arn:*"}]}"#,
            r#"{"Statement": [{"Effect": "Allow", "Action": [], "Resource": [], "Condition": {}}]}"#,
            r#"{"Statement": "nope"}"#, "[]", "", "{\"Statement\": [null]}",
            r#"{"Statement": [{"Effect": "Allow", "Principal": {"Service": ["airflow.amazonaws.com"]}, "Action": "sts:AssumeRole",
                "Condition": {"ForAllValues:StringLikeIfExists": {"aws:SourceArn": ["arn:*", true, 5]}, "Null": {"x": "true"}, "Bool": {"y": false}}}]}"#,
            r#"{"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "${aws:username}<unknown: x",
                "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}, "StringNotEquals": {"aws:SourceAccount": "${x"}}}]}"#,
        ]),
        action in "[a-z0-9:*?]{0,20}",
        resource in "[a-z0-9:/*?${}<>-]{0,40}",
        key in prop::sample::select(vec!["aws:SourceArn", "x", "y", "aws:SourceAccount"]),
        value in "[a-z0-9:*${}]{0,12}",
    ) {
        if let Ok(policy) = Policy::parse(text) {
            let _ = policy.evaluate(Request::new(&action, &resource));
            let context = Context::default().with(key, value.clone()).without("y");
            for principal in [Principal::Service(&value), Principal::Role { arn: &resource, account: &value }] {
                let _ = policy.evaluate(Request { action: &action, resource: &resource, principal, context: &context });
            }
        }
    }
}

proptest! {
    /// Values AWS never writes are invalid snapshots (exit 2 with the spot), never read as allow or dropped.
    #[test]
    fn values_aws_never_writes_are_rejected(
        (key, value) in prop::sample::select(vec![
            ("RuleAction", serde_json::json!("deny ")), ("RuleAction", serde_json::json!("reject")), ("RuleAction", serde_json::json!("Allow")),
            ("Protocol", serde_json::json!("tcpp")), ("Protocol", serde_json::json!("999")), ("Protocol", serde_json::json!("")),
            ("RuleNumber", serde_json::json!(0)), ("RuleNumber", serde_json::json!(40000)),
        ]),
    ) {
        let mut entry = serde_json::json!({"RuleNumber": 100, "Protocol": "6", "RuleAction": "allow", "Egress": false, "CidrBlock": "0.0.0.0/0"});
        entry[key] = value;
        let text = serde_json::json!({"NetworkAcls": [{"NetworkAclId": "acl-1", "VpcId": "vpc-1", "Entries": [entry]}]}).to_string();
        let parsed = SnapshotFile { path: "bad.json".into(), text }.parse();
        prop_assert!(parsed.is_err(), "{key} accepted");
    }

    #[test]
    fn security_group_values_aws_never_writes_are_rejected(
        (key, value) in prop::sample::select(vec![
            ("IpProtocol", serde_json::json!("tcpp")), ("IpProtocol", serde_json::json!("300")),
            ("FromPort", serde_json::json!(70000)), ("ToPort", serde_json::json!(-2)),
        ]),
    ) {
        let mut permission = serde_json::json!({"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443});
        permission[key] = value;
        let text = serde_json::json!({"SecurityGroups": [{"GroupId": "sg-1", "IpPermissions": [permission]}]}).to_string();
        prop_assert!(SnapshotFile { path: "bad.json".into(), text }.parse().is_err(), "{key} accepted");
    }
}

fn cidr() -> impl Strategy<Value = String> {
    (any::<[u8; 4]>(), 0u8..=32).prop_map(|(a, len)| format!("{}.{}.{}.{}/{len}", a[0], a[1], a[2], a[3]))
}

fn protocol() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["-1", "6", "17", "1", "58", "tcp", "all", "255", "icmpv6", "0"]).prop_map(str::to_string)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    /// Well-formed snapshots with random rules, routes and ports: evaluation always completes.
    #[test]
    fn random_networks_evaluate(
        nacl in prop::collection::vec((1u32..=32767, protocol(), any::<bool>(), any::<bool>(), cidr(), 0i32..=65535, 0i32..=65535), 0..12),
        perms in prop::collection::vec((protocol(), -1i32..=65535, -1i32..=65535, cidr(), any::<bool>()), 0..8),
        routes in prop::collection::vec((cidr(), prop::sample::select(vec!["GatewayId", "NatGatewayId", "TransitGatewayId", "InstanceId", "VpcPeeringConnectionId"]),
            prop::sample::select(vec!["local", "igw-1", "nat-1", "vpce-1", "vgw-1", "tgw-1"]), any::<bool>()), 0..6),
        cidr_a in cidr(),
        cidr_b in cidr(),
    ) {
        let entries: Vec<serde_json::Value> = nacl.iter().map(|(n, p, allow, egress, c, from, to)| serde_json::json!({
            "RuleNumber": n, "Protocol": p, "RuleAction": if *allow { "allow" } else { "deny" }, "Egress": egress,
            "CidrBlock": c, "PortRange": {"From": from, "To": to}
        })).collect();
        let permissions: Vec<serde_json::Value> = perms.iter().map(|(p, from, to, c, self_ref)| {
            let mut perm = serde_json::json!({"IpProtocol": p, "FromPort": from, "ToPort": to, "IpRanges": [{"CidrIp": c}]});
            if *self_ref { perm["UserIdGroupPairs"] = serde_json::json!([{"GroupId": "sg-1"}]); }
            perm
        }).collect();
        let routes: Vec<serde_json::Value> = routes.iter().map(|(c, key, target, blackhole)| serde_json::json!({
            "DestinationCidrBlock": c, *key: target, "State": if *blackhole { "blackhole" } else { "active" }
        })).collect();
        let snapshot = serde_json::json!({
            "Vpcs": [{"VpcId": "vpc-1", "CidrBlock": cidr_a}],
            "Subnets": [
                {"SubnetId": "subnet-1", "VpcId": "vpc-1", "CidrBlock": cidr_a, "AvailabilityZoneId": "use1-az1", "AvailableIpAddressCount": 3},
                {"SubnetId": "subnet-2", "VpcId": "vpc-1", "CidrBlock": cidr_b, "AvailabilityZoneId": "use1-az2"}
            ],
            "RouteTables": [{"RouteTableId": "rtb-1", "VpcId": "vpc-1", "Associations": [{"Main": true}], "Routes": routes}],
            "NetworkAcls": [{"NetworkAclId": "acl-1", "VpcId": "vpc-1", "IsDefault": true, "Entries": entries}],
            "SecurityGroups": [{"GroupId": "sg-1", "VpcId": "vpc-1", "IpPermissions": permissions.clone(), "IpPermissionsEgress": permissions}],
            "NatGateways": [{"NatGatewayId": "nat-1", "SubnetId": "subnet-1"}],
            "VpcEndpoints": [{"VpcEndpointId": "vpce-1", "VpcEndpointType": "Interface", "VpcId": "vpc-1",
                "ServiceName": "com.amazonaws.us-east-1.sqs", "SubnetIds": ["subnet-2"], "Groups": [{"GroupId": "sg-1"}]}],
            "PrefixLists": [{"PrefixListId": "pl-1", "PrefixListName": "com.amazonaws.us-east-1.s3", "Cidrs": [cidr_b]}]
        });
        let source = SnapshotFile { path: "random.json".into(), text: snapshot.to_string() };
        let network = source.parse().expect("well-formed snapshot");
        let settings = settings(vec!["subnet-1".into(), "subnet-2".into()], vec!["sg-1".into()]);
        let report = mwaa_preflight::evaluate(&network, &settings, Mode::Diagnose, &Default::default());
        // Every rule ends in exactly one place: passed, skipped, or with findings; the summary counts them.
        let mut placed: Vec<&str> = report.passed.clone();
        placed.extend(report.skipped.iter().map(|s| s.code));
        let mut with_findings: Vec<&str> = report.findings.iter().map(|f| f.code).collect();
        with_findings.sort_unstable();
        with_findings.dedup();
        placed.extend(with_findings);
        placed.sort_unstable();
        let mut catalog: Vec<&str> = registry::ALL.iter().map(|r| r.code).collect();
        catalog.sort_unstable();
        prop_assert_eq!(placed, catalog);
        let s = &report.summary;
        prop_assert_eq!(s.errors + s.warnings + s.infos, report.findings.len());
        prop_assert_eq!((s.passed, s.skipped), (report.passed.len(), report.skipped.len()));
    }
}

/// A base template with random edits: lines dropped, doubled or dedented, and words swapped for others of
/// a template's vocabulary (functions, logical IDs, values of the wrong kind).
fn mutated_template() -> impl Strategy<Value = String> {
    let base = prop::sample::select(vec!["public", "private"]);
    let edit = (
        0usize..400,
        0u8..4,
        prop::sample::select(vec![
            "!Ref",
            "!GetAtt",
            "!Sub",
            "!Select",
            "!If",
            "!Cidr",
            "!GetAZs",
            "!Join",
            "!Split",
            "!FindInMap",
            "!ImportValue",
            "Nowhere",
            "VPC",
            "PrivateSubnet1",
            "VPC.DefaultSecurityGroup",
            "maybe",
            "-1",
            "99999",
            "[]",
            "{}",
            "''",
            "[0, 1, 2]",
            "${AWS::NoValue}",
            "10.0.0.0/33",
            "Condition",
            "Fn::If",
        ]),
    );
    (base, prop::collection::vec(edit, 1..6)).prop_map(|(base, edits)| {
        let path = format!("{}/fixtures/templates/base/{base}.yaml", env!("CARGO_MANIFEST_DIR"));
        let mut lines: Vec<String> = std::fs::read_to_string(path).expect("base template").lines().map(str::to_string).collect();
        for (at, kind, word) in edits {
            let i = at % lines.len().max(1);
            match kind {
                0 => {
                    lines.remove(i);
                }
                1 => lines.insert(i, lines[i].clone()),
                2 => lines[i] = lines[i].trim_start().to_string(),
                _ => {
                    let line = lines[i].clone();
                    let words: Vec<&str> = line.split(' ').collect();
                    let w = at % words.len().max(1);
                    lines[i] = words.iter().enumerate().map(|(j, x)| if j == w { word } else { x }).collect::<Vec<_>>().join(" ");
                }
            }
        }
        lines.join("\n")
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// A broken template is an error with its spot or a report; never a panic.
    #[test]
    fn mutated_templates_never_panic(text in mutated_template()) {
        use mwaa_preflight::input::{template::Templates, Request, Selection, Source};
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/no-panic-templates");
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join(format!("t{}.yaml", std::process::id()));
        std::fs::write(&path, &text).expect("write");
        let source = Source::Templates(Templates { paths: vec![path], region: Some("us-east-1".into()), ..Templates::default() });
        let request = Request { selection: Selection::All, routing: mwaa_preflight::target::RoutingAssertion::Auto };
        if let Ok(input) = source.read(&request) {
            let _ = mwaa_preflight::evaluate_input(&input, Mode::Check, &Default::default());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// A fixture plan with values swapped for others of the wrong kind: an error with its spot, or a report.
    #[test]
    fn mutated_plans_never_panic(
        plan in prop::sample::select(vec!["public-modules.plan.json", "private-no-egress.plan.json", "state.json", "terraform.tfstate"]),
        edits in prop::collection::vec((0usize..5000, prop::sample::select(vec!["null", "[]", "{}", "true", "\"\"", "-1", "\"x\"", "[{}]", "{\"references\": [\"aws_vpc.this[7].id\"]}"])), 1..6),
    ) {
        use mwaa_preflight::input::{terraform::Plan, Request, Selection, Source};
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/terraform/plans").join(plan);
        let mut document: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).expect("plan")).expect("json");
        for (at, value) in edits {
            let value: serde_json::Value = serde_json::from_str(value).expect("json");
            mutate(&mut document, at, value);
        }
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/no-panic-plans");
        std::fs::create_dir_all(&dir).expect("dir");
        let file = dir.join(format!("p{}.json", std::process::id()));
        std::fs::write(&file, document.to_string()).expect("write");
        let source = Source::TerraformPlan(Plan { path: file, region: Some("us-east-1".into()), ..Plan::default() });
        let request = Request { selection: Selection::All, routing: mwaa_preflight::target::RoutingAssertion::Auto };
        if let Ok(input) = source.read(&request) {
            let _ = mwaa_preflight::evaluate_input(&input, Mode::Check, &Default::default());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// A CDK cloud assembly whose manifest, metadata file or (nested) templates hold values of the wrong kind:
    /// an error with its spot, or a report; never a panic, never a file outside the assembly read.
    #[test]
    fn mutated_cloud_assemblies_never_panic(
        file in 0usize..4,
        edits in prop::collection::vec((0usize..200, prop::sample::select(vec!["null", "[]", "{}", "true", "\"\"", "-1", "\"../../etc/passwd\"", "\"/abs.json\"", "[{}]"])), 1..4),
    ) {
        use mwaa_preflight::input::{template::Templates, Request, Selection, Source};
        let mut documents: Vec<(&str, serde_json::Value)> = vec![
            ("manifest.json", serde_json::json!({"version": "48.0.0", "artifacts": {
                "App": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "App.template.json", "stackName": "app"},
                        "additionalMetadataFile": "App.metadata.json"},
                "Stage": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "assembly-Stage"}}}})),
            ("App.metadata.json", serde_json::json!({"/App/Vpc/Resource": [{"type": "aws:cdk:logicalId", "data": "Vpc"}]})),
            ("App.template.json", serde_json::json!({"Resources": {
                "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
                "Net": {"Type": "AWS::CloudFormation::Stack", "Metadata": {"aws:asset:path": "Net.nested.template.json"},
                        "Properties": {"Parameters": {"VpcId": {"Ref": "Vpc"}}}}}})),
            ("Net.nested.template.json", serde_json::json!({"Parameters": {"VpcId": {"Type": "String"}},
                "Resources": {"Subnet": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "VpcId"}, "CidrBlock": "10.0.1.0/24"}}},
                "Outputs": {"SubnetId": {"Value": {"Ref": "Subnet"}}}})),
        ];
        for (at, value) in edits {
            mutate(&mut documents[file].1, at, serde_json::from_str(value).expect("json"));
        }
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("target/no-panic-assembly/a{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        for (name, document) in &documents {
            std::fs::write(dir.join(name), document.to_string()).expect("write");
        }
        let source = Source::Templates(Templates { paths: vec![dir], region: Some("us-east-1".into()), ..Templates::default() });
        let request = Request { selection: Selection::All, routing: mwaa_preflight::target::RoutingAssertion::Auto };
        if let Ok(input) = source.read(&request) {
            let _ = mwaa_preflight::evaluate_input(&input, Mode::Check, &Default::default());
        }
    }
}

/// Replaces the `at`-th value (depth-first, modulo their number) of a JSON document.
fn mutate(document: &mut serde_json::Value, at: usize, value: serde_json::Value) {
    fn count(v: &serde_json::Value) -> usize {
        1 + match v {
            serde_json::Value::Array(items) => items.iter().map(count).sum(),
            serde_json::Value::Object(map) => map.values().map(count).sum(),
            _ => 0,
        }
    }
    fn visit(v: &mut serde_json::Value, target: &mut usize, value: &serde_json::Value) -> bool {
        if *target == 0 {
            *v = value.clone();
            return true;
        }
        *target -= 1;
        match v {
            serde_json::Value::Array(items) => items.iter_mut().any(|i| visit(i, target, value)),
            serde_json::Value::Object(map) => map.values_mut().any(|i| visit(i, target, value)),
            _ => false,
        }
    }
    let mut target = at % count(document);
    visit(document, &mut target, &value);
}
