//! Wall time of a live check against the emulator with latency injected per request (the proxy sleeps
//! before answering), and the number of requests. The collector's chain is GetEnvironment -> subnets and
//! groups -> every VPC-scoped call at once -> DHCP options and prefix-list entries: four round trips; the
//! environment's execution role and source bucket (the emulator's defaults) are read beside the last three.
//! Then audits of 10, 50 and 200 environments in two VPCs behind an EC2-like rate limit (a token bucket,
//! burst 100, 20 requests a second): requests sent, requests throttled and wall time.
//! `cargo bench --bench live`.

#[allow(dead_code)] // the live tests build CloudFormation stacks too; the bench does not
#[path = "../tests/support/emulator.rs"]
mod emulator;

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::json;

fn main() {
    let emulator = emulator::Emulator::shared();
    let network = emulator.scenario("private", json!({"dhcp": ["AmazonProvidedDNS"]}));
    emulator.environment(json!({
        "Name": "bench", "Status": "AVAILABLE", "WebserverAccessMode": "PRIVATE_ONLY",
        "NetworkConfiguration": {"SubnetIds": network["subnets"], "SecurityGroupIds": network["security_groups"]},
    }));
    let binary = Path::new(env!("CARGO_BIN_EXE_mwaa-preflight"));
    println!("{:>12} {:>10} {:>10} {:>10}", "latency ms", "requests", "median ms", "max ms");
    for latency in [0u64, 100] {
        emulator.faults(json!({"latency_ms": latency}));
        let mut samples = Vec::new();
        let mut requests = 0;
        for _ in 0..7 {
            emulator.take_log();
            let start = Instant::now();
            let output = emulator.tool(binary).args(["check", "--environment", "bench", "--format", "json"]).output().expect("runs");
            samples.push(start.elapsed());
            assert!(output.status.code() == Some(0), "{}", String::from_utf8_lossy(&output.stderr));
            requests = emulator.take_log().len();
        }
        samples.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!("{latency:>12} {requests:>10} {:>10.0} {:>10.0}", ms(samples[samples.len() / 2]), ms(samples[samples.len() - 1]));
    }
    emulator.faults(json!({}));

    println!("\n{:>12} {:>10} {:>10} {:>10} {:>6}", "environments", "requests", "throttled", "wall ms", "exit");
    for count in [10usize, 50, 200] {
        emulator.fleet(count);
        emulator.faults(json!({"bucket": {"burst": 100, "rate": 20}}));
        emulator.take_log();
        let start = Instant::now();
        let output = emulator.tool(binary).args(["check", "--all-environments", "--format", "json"]).output().expect("runs");
        let wall = start.elapsed();
        let log = emulator.take_log();
        let throttled = log.iter().filter(|e| e["throttled"] == true).count();
        let code = output.status.code().unwrap_or(-1);
        println!("{count:>12} {:>10} {throttled:>10} {:>10.0} {code:>6}", log.len(), wall.as_secs_f64() * 1000.0);
        emulator.faults(json!({}));
    }
    emulator.control("clear_environments", Some(json!({})));
}
