//! Offline evaluation at scale: one large VPC with 1, 100 and 1,000 environments (two subnets, a route
//! table, a NACL and a security group each, plus thousands of unrelated security groups), evaluated in
//! parallel. Prints parse and evaluation wall time, throughput and peak memory; then the wall time of a
//! single `check` of a reference fixture through the release binary. `cargo bench --bench scale`.

use std::time::{Duration, Instant};

use mwaa_preflight::input::{Input, Scope, SnapshotFile};
use mwaa_preflight::target::Settings;
use mwaa_preflight::Mode;
use serde_json::{json, Value};

const UNRELATED_GROUPS: usize = 3000;

fn nacl_entries(n: usize) -> Vec<Value> {
    let mut entries = Vec::new();
    for egress in [false, true] {
        // A realistic corporate NACL: some denies, port allows, ephemeral returns, then allow-all.
        for (i, (action, proto, from, to)) in [
            ("deny", "6", 22, 22),
            ("deny", "6", 3389, 3389),
            ("allow", "6", 443, 443),
            ("allow", "6", 5432, 5432),
            ("allow", "6", 1024, 65535),
        ]
        .iter()
        .enumerate()
        {
            entries.push(json!({"RuleNumber": 10 * (i + 1) + n % 5, "Protocol": proto, "RuleAction": action, "Egress": egress,
                "CidrBlock": "0.0.0.0/0", "PortRange": {"From": from, "To": to}}));
        }
        entries.push(json!({"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": egress, "CidrBlock": "0.0.0.0/0"}));
        entries.push(json!({"RuleNumber": 32767, "Protocol": "-1", "RuleAction": "deny", "Egress": egress, "CidrBlock": "0.0.0.0/0"}));
    }
    entries
}

/// A snapshot with `envs` environments in vpc-big (10.0.0.0/8), public routing through two NAT gateways.
fn generate(envs: usize) -> (String, Vec<Settings>) {
    let mut subnets = vec![
        json!({"SubnetId": "subnet-pub1", "VpcId": "vpc-big", "CidrBlock": "10.255.0.0/24", "AvailabilityZone": "us-east-1a", "AvailabilityZoneId": "use1-az1"}),
        json!({"SubnetId": "subnet-pub2", "VpcId": "vpc-big", "CidrBlock": "10.255.1.0/24", "AvailabilityZone": "us-east-1b", "AvailabilityZoneId": "use1-az2"}),
    ];
    let mut tables = vec![json!({"RouteTableId": "rtb-pub", "VpcId": "vpc-big",
        "Associations": [{"SubnetId": "subnet-pub1"}, {"SubnetId": "subnet-pub2"}, {"Main": true}],
        "Routes": [{"DestinationCidrBlock": "10.0.0.0/8", "GatewayId": "local", "State": "active"},
                   {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-big", "State": "active"}]})];
    let mut acls = vec![json!({"NetworkAclId": "acl-default", "VpcId": "vpc-big", "IsDefault": true,
        "Associations": [{"SubnetId": "subnet-pub1"}, {"SubnetId": "subnet-pub2"}], "Entries": nacl_entries(0)})];
    let mut groups = Vec::new();
    let mut targets = Vec::new();
    for e in 0..envs {
        let (hi, lo) = (e / 128, (e % 128) * 2);
        let (a, b) = (format!("subnet-{e:05}a"), format!("subnet-{e:05}b"));
        subnets.push(json!({"SubnetId": a, "VpcId": "vpc-big", "CidrBlock": format!("10.{hi}.{lo}.0/24"), "AvailabilityZone": "us-east-1a", "AvailabilityZoneId": "use1-az1", "AvailableIpAddressCount": 200}));
        subnets.push(json!({"SubnetId": b, "VpcId": "vpc-big", "CidrBlock": format!("10.{hi}.{}.0/24", lo + 1), "AvailabilityZone": "us-east-1b", "AvailabilityZoneId": "use1-az2", "AvailableIpAddressCount": 200}));
        for (subnet, nat) in [(&a, "nat-1"), (&b, "nat-2")] {
            tables.push(
                json!({"RouteTableId": format!("rtb-{}", &subnet[7..]), "VpcId": "vpc-big", "Associations": [{"SubnetId": subnet}],
                "Routes": [{"DestinationCidrBlock": "10.0.0.0/8", "GatewayId": "local", "State": "active"},
                           {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": nat, "State": "active"}]}),
            );
        }
        acls.push(json!({"NetworkAclId": format!("acl-{e:05}"), "VpcId": "vpc-big", "Associations": [{"SubnetId": a}, {"SubnetId": b}], "Entries": nacl_entries(e)}));
        let sg = format!("sg-{e:05}");
        groups.push(
            json!({"GroupId": sg, "VpcId": "vpc-big", "IpPermissions": [{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": sg}]}],
            "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}),
        );
        targets.push(Settings { account_id: Some("111122223333".into()), ..Settings::planned(vec![a, b], vec![sg], "us-east-1".into()) });
    }
    for g in 0..UNRELATED_GROUPS {
        groups.push(json!({"GroupId": format!("sg-other{g:05}"), "VpcId": "vpc-big",
            "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "IpRanges": [{"CidrIp": "10.1.0.0/16"}]}],
            "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}));
    }
    let snapshot = json!({
        "region": "us-east-1", "account_id": "111122223333",
        "Vpcs": [{"VpcId": "vpc-big", "CidrBlock": "10.0.0.0/8"}],
        "Subnets": subnets, "RouteTables": tables, "NetworkAcls": acls, "SecurityGroups": groups,
        "VpcEndpoints": [], "NatGateways": [
            {"NatGatewayId": "nat-1", "SubnetId": "subnet-pub1", "State": "available", "ConnectivityType": "public", "NatGatewayAddresses": [{"AllocationId": "eipalloc-1"}]},
            {"NatGatewayId": "nat-2", "SubnetId": "subnet-pub2", "State": "available", "ConnectivityType": "public", "NatGatewayAddresses": [{"AllocationId": "eipalloc-2"}]}],
        "InternetGateways": [{"InternetGatewayId": "igw-big", "Attachments": [{"VpcId": "vpc-big", "State": "available"}]}],
        "PrefixLists": [], "DhcpOptions": [], "VpcAttributes": {"vpc-big": {"EnableDnsSupport": {"Value": true}, "EnableDnsHostnames": {"Value": true}}}
    });
    (snapshot.to_string(), targets)
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    println!("threads: {}", rayon::current_num_threads());
    println!("{:>6} {:>9} {:>10} {:>10} {:>12} {:>10} {:>9}", "envs", "MiB json", "parse ms", "eval ms", "envs/s", "findings", "peak MiB");
    for envs in [1usize, 100, 1000] {
        let (text, targets) = generate(envs);
        let source = SnapshotFile { path: "generated.json".into(), text };
        let start = Instant::now();
        let network = source.parse().expect("generated snapshot parses");
        let parse = start.elapsed();
        let input = Input {
            scopes: vec![Scope { network, targets }],
            files: Default::default(),
            audit: true,
            unreadable: Vec::new(),
            notes: Vec::new(),
        };
        let runs: Vec<(Duration, usize)> = (0..3)
            .map(|_| {
                let start = Instant::now();
                let reports = mwaa_preflight::evaluate_input(&input, Mode::Check, &Default::default());
                let findings: usize = reports.iter().map(|r| r.findings.len()).sum();
                if envs == 1 {
                    let codes: Vec<String> = reports[0].findings.iter().map(|f| format!("{} {:?}", f.code, f.resource)).collect();
                    eprintln!("findings of one environment: {codes:?}");
                }
                (start.elapsed(), findings)
            })
            .collect();
        let eval = median(runs.iter().map(|(d, _)| *d).collect());
        println!(
            "{envs:>6} {:>9.1} {:>10.1} {:>10.1} {:>12.0} {:>10} {:>9.0}",
            source.text.len() as f64 / 1_048_576.0,
            parse.as_secs_f64() * 1000.0,
            eval.as_secs_f64() * 1000.0,
            envs as f64 / eval.as_secs_f64(),
            runs[0].1,
            peak_rss_mib()
        );
    }

    let binary = env!("CARGO_BIN_EXE_mwaa-preflight");
    let root = env!("CARGO_MANIFEST_DIR");
    let samples: Vec<Duration> = (0..20)
        .map(|_| {
            let start = Instant::now();
            let status = std::process::Command::new(binary)
                .current_dir(root)
                .args(["check", "--snapshot", "fixtures/networks/private.json", "--format", "json", "--output", "/dev/null"])
                .status()
                .expect("binary runs");
            assert!(status.success());
            start.elapsed()
        })
        .collect();
    println!(
        "single check of fixtures/networks/private.json (process start to exit, median of 20): {:.1} ms",
        median(samples).as_secs_f64() * 1000.0
    );
}
