//! A template and a Terraform plan of 1,000 resources each, read and checked: the private-routing fixture
//! template, and the module-layout fixture plan (every ID unknown until apply), each with a VPC's worth of
//! other workloads beside the environment (subnets, route tables and associations, security groups and
//! rules, NACLs). Prints the median and worst wall time of read + evaluate over 30 runs, and of the release
//! binary end to end. `cargo bench --bench templates`.

use std::fmt::Write;
use std::time::{Duration, Instant};

use mwaa_preflight::input::template::Templates;
use mwaa_preflight::input::terraform::Plan;
use mwaa_preflight::input::{Request, Selection, Source};
use mwaa_preflight::target::RoutingAssertion;
use mwaa_preflight::Mode;
use serde_json::{json, Value};

/// The fixture's resources plus `extra` generated ones (in groups of ten), as one YAML template.
fn generate(extra: usize) -> (String, usize) {
    let base = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/templates/base/private.yaml")).expect("fixture");
    let mut text = base.clone();
    let mut count = base.lines().filter(|l| l.starts_with("    Type: ")).count();
    for i in 0..extra / 10 {
        // Inside the fixture VPC's 10.192.0.0/16 and clear of its subnets (EC2 refuses anything else).
        let third = 20 + 2 * i;
        let resources = [
            format!("App{i}SubnetA:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: !Ref VPC\n      AvailabilityZone: !Select [0, !GetAZs \"\"]\n      CidrBlock: !Sub \"10.192.{third}.0/24\""),
            format!("App{i}SubnetB:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: !Ref VPC\n      AvailabilityZone: !Select [1, !GetAZs \"\"]\n      CidrBlock: 10.192.{}.0/24", third + 1),
            format!("App{i}Table:\n    Type: AWS::EC2::RouteTable\n    Properties:\n      VpcId: !Ref VPC"),
            format!("App{i}AssocA:\n    Type: AWS::EC2::SubnetRouteTableAssociation\n    Properties:\n      RouteTableId: !Ref App{i}Table\n      SubnetId: !Ref App{i}SubnetA"),
            format!("App{i}AssocB:\n    Type: AWS::EC2::SubnetRouteTableAssociation\n    Properties:\n      RouteTableId: !Ref App{i}Table\n      SubnetId: !Ref App{i}SubnetB"),
            format!("App{i}Group:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: !Join [\" \", [app, \"{i}\"]]\n      VpcId: !Ref VPC\n      SecurityGroupIngress:\n        - IpProtocol: tcp\n          FromPort: 443\n          ToPort: 443\n          SourceSecurityGroupId: !Ref SecurityGroup"),
            format!("App{i}Https:\n    Type: AWS::EC2::SecurityGroupIngress\n    Properties:\n      GroupId: !GetAtt App{i}Group.GroupId\n      IpProtocol: tcp\n      FromPort: 8443\n      ToPort: 8443\n      CidrIp: !GetAtt VPC.CidrBlock"),
            format!("App{i}Egress:\n    Type: AWS::EC2::SecurityGroupEgress\n    Properties:\n      GroupId: !Ref App{i}Group\n      IpProtocol: \"-1\"\n      CidrIp: 0.0.0.0/0"),
            format!("App{i}Acl:\n    Type: AWS::EC2::NetworkAcl\n    Properties:\n      VpcId: !Ref VPC"),
            format!("App{i}AclEntry:\n    Type: AWS::EC2::NetworkAclEntry\n    Properties:\n      NetworkAclId: !Ref App{i}Acl\n      RuleNumber: 100\n      Protocol: -1\n      RuleAction: allow\n      CidrBlock: 0.0.0.0/0"),
        ];
        for resource in resources {
            let _ = writeln!(text, "  {resource}");
        }
        count += 10;
    }
    (text, count)
}

/// The module-layout fixture plan plus `extra` created resources (in groups of five) referring to each other.
fn generate_plan(extra: usize) -> (String, usize) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/terraform/plans/public-modules.plan.json");
    let mut plan: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json");
    let mut resources = Vec::new();
    let mut changes = Vec::new();
    let mut config = Vec::new();
    for i in 0..extra / 5 {
        // /26s inside the module VPC's 10.0.0.0/16, clear of its subnets (EC2 refuses anything else).
        let (third, fourth) = (20 + i / 4, (i % 4) * 64);
        let mut add = |kind: &str, name: String, values: Value, unknown: Value, references: Value| {
            let address = format!("{kind}.{name}");
            resources.push(json!({"address": address, "mode": "managed", "type": kind, "name": name, "values": values}));
            changes.push(json!({"address": address, "change": {"actions": ["create"], "after_unknown": unknown}}));
            config.push(json!({"address": address, "mode": "managed", "type": kind, "name": name, "expressions": references}));
        };
        let vpc = json!({"references": ["module.vpc.vpc_id", "module.vpc"]});
        add(
            "aws_subnet",
            format!("app{i}"),
            json!({"cidr_block": format!("10.0.{third}.{fourth}/26"), "availability_zone": "us-east-1a"}),
            json!({"id": true, "vpc_id": true}),
            json!({"vpc_id": vpc}),
        );
        add("aws_route_table", format!("app{i}"), json!({}), json!({"id": true, "vpc_id": true, "route": true}), json!({"vpc_id": vpc}));
        add(
            "aws_route_table_association",
            format!("app{i}"),
            json!({}),
            json!({"id": true, "subnet_id": true, "route_table_id": true}),
            json!({"subnet_id": {"references": [format!("aws_subnet.app{i}.id")]}, "route_table_id": {"references": [format!("aws_route_table.app{i}.id")]}}),
        );
        add(
            "aws_security_group",
            format!("app{i}"),
            json!({"name": format!("app{i}"), "ingress": [], "egress": []}),
            json!({"id": true, "vpc_id": true}),
            json!({"vpc_id": vpc}),
        );
        add(
            "aws_vpc_security_group_ingress_rule",
            format!("app{i}"),
            json!({"ip_protocol": "tcp", "from_port": 443, "to_port": 443}),
            json!({"id": true, "security_group_id": true, "referenced_security_group_id": true}),
            json!({"security_group_id": {"references": [format!("aws_security_group.app{i}.id")]}, "referenced_security_group_id": {"references": ["aws_security_group.mwaa.id"]}}),
        );
    }
    let count = plan["resource_changes"].as_array().map_or(0, Vec::len) + resources.len();
    if let Some(list) = plan["planned_values"]["root_module"]["resources"].as_array_mut() {
        list.extend(resources);
    }
    if let Some(list) = plan["resource_changes"].as_array_mut() {
        list.extend(changes);
    }
    if let Some(list) = plan["configuration"]["root_module"]["resources"].as_array_mut() {
        list.extend(config);
    }
    (plan.to_string(), count)
}

fn time(source: &Source, request: &Request) -> (Duration, Duration, usize) {
    let mut times = Vec::new();
    let mut findings = 0;
    for _ in 0..30 {
        let start = Instant::now();
        let input = source.read(request).expect("the input reads");
        let reports = mwaa_preflight::evaluate_input(&input, Mode::Check, &Default::default());
        times.push(start.elapsed());
        findings = reports.iter().map(|r| r.findings.len()).sum();
    }
    let (median, worst) = stats(times);
    (median, worst, findings)
}

fn stats(mut times: Vec<Duration>) -> (Duration, Duration) {
    times.sort();
    (times[times.len() / 2], times[times.len() - 1])
}

fn main() {
    let (text, resources) = generate(1_000);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-template-1000.yaml");
    std::fs::write(&path, &text).expect("write template");
    let source = Source::Templates(Templates { paths: vec![path.clone()], region: Some("us-east-1".into()), ..Templates::default() });
    let request = Request { selection: Selection::Environment(None), routing: RoutingAssertion::Auto };
    let (median, worst, findings) = time(&source, &request);
    println!(
        "template: {resources} resources, {} KB; read + check: median {median:.2?}, worst {worst:.2?} ({findings} findings)",
        text.len() / 1024
    );

    let (plan_text, plan_resources) = generate_plan(1_000);
    let plan_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-plan-1000.json");
    std::fs::write(&plan_path, &plan_text).expect("write plan");
    let plan_source = Source::TerraformPlan(Plan { path: plan_path, ..Plan::default() });
    let (median, worst, findings) = time(&plan_source, &request);
    println!(
        "plan: {plan_resources} resources, {} KB; read + check: median {median:.2?}, worst {worst:.2?} ({findings} findings)",
        plan_text.len() / 1024
    );

    let binary = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/mwaa-preflight");
    if binary.exists() {
        let mut times = Vec::new();
        for _ in 0..30 {
            let start = Instant::now();
            let output = std::process::Command::new(&binary)
                .args(["check", "--template", path.to_str().expect("utf-8"), "--region", "us-east-1", "--format", "json"])
                .output()
                .expect("binary runs");
            times.push(start.elapsed());
            assert!(output.status.code().is_some_and(|c| c <= 1), "{}", String::from_utf8_lossy(&output.stderr));
        }
        let (median, worst) = stats(times);
        println!("release binary end to end: median {median:.2?}, worst {worst:.2?}");
    } else {
        println!("(no target/release/mwaa-preflight: `cargo build --release` to time the binary end to end)");
    }
}
