//! A template of 1,000 resources, read and checked: the private-routing fixture template with a VPC's worth
//! of other workloads beside the environment (subnets, route tables and associations, security groups and
//! rules, NAT gateways, endpoints). Prints the median and worst wall time of read + evaluate over 30 runs,
//! and of the release binary end to end. `cargo bench --bench templates`.

use std::fmt::Write;
use std::time::{Duration, Instant};

use mwaa_preflight::input::template::Templates;
use mwaa_preflight::input::{Request, Selection, Source};
use mwaa_preflight::target::RoutingAssertion;
use mwaa_preflight::Mode;

/// The fixture's resources plus `extra` generated ones (in groups of ten), as one YAML template.
fn generate(extra: usize) -> (String, usize) {
    let base = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/templates/base/private.yaml")).expect("fixture");
    let mut text = base.clone();
    let mut count = base.lines().filter(|l| l.starts_with("    Type: ")).count();
    for i in 0..extra / 10 {
        let (hi, lo) = (100 + i / 64, (i % 64) * 4);
        let resources = [
            format!("App{i}SubnetA:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: !Ref VPC\n      AvailabilityZone: !Select [0, !GetAZs \"\"]\n      CidrBlock: !Sub \"10.{hi}.{lo}.0/24\""),
            format!("App{i}SubnetB:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: !Ref VPC\n      AvailabilityZone: !Select [1, !GetAZs \"\"]\n      CidrBlock: 10.{hi}.{}.0/24", lo + 1),
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
    let mut times = Vec::new();
    let mut findings = 0;
    for _ in 0..30 {
        let start = Instant::now();
        let input = source.read(&request).expect("the template reads");
        let reports = mwaa_preflight::evaluate_input(&input, Mode::Check, &Default::default());
        times.push(start.elapsed());
        findings = reports.iter().map(|r| r.findings.len()).sum();
    }
    let (median, worst) = stats(times);
    println!(
        "template: {resources} resources, {} KB; read + check: median {median:.2?}, worst {worst:.2?} ({findings} findings)",
        text.len() / 1024
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
