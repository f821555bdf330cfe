//! CDK apps as today's CDK synthesizes them: the real aws-cdk-lib (pinned in fixtures/cdk/package-lock.json,
//! installed with `npm ci` under target/ on first use) runs the small apps of fixtures/cdk/apps with the
//! context of fixtures/cdk/cdk.json (weak cross-stack references, the default group restricted, as new apps
//! set them), and the tool checks the templates it wrote. The apps run under node directly, as `cdk synth`
//! runs them, so that nothing leaves the machine (the CLI's notices and telemetry would).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn run(command: &mut Command, what: &str) {
    let output = command.output().unwrap_or_else(|e| panic!("{what}: {e} (these tests need node and npm; .ci/run installs them)"));
    assert!(output.status.success(), "{what} failed:\n{}{}", support::stdout(&output), support::stderr(&output));
}

/// aws-cdk-lib and constructs, installed once per lockfile.
fn node_modules() -> PathBuf {
    let dir = support::root().join("target/cdk-node");
    let lock = std::fs::read_to_string(support::root().join("fixtures/cdk/package-lock.json")).expect("fixtures/cdk/package-lock.json");
    let stamp = dir.join("installed.lock");
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(lock.as_str()) {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("target/cdk-node");
        for file in ["package.json", "package-lock.json"] {
            std::fs::copy(support::root().join("fixtures/cdk").join(file), dir.join(file)).expect("copy the manifest");
        }
        run(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(&dir), "npm ci (fixtures/cdk)");
        std::fs::write(&stamp, &lock).expect("stamp");
    }
    dir.join("node_modules")
}

/// The templates the app writes, in its cloud assembly under target/cdk-out/APP.
fn synth(app: &str) -> Vec<PathBuf> {
    let modules = node_modules();
    let out = support::root().join("target/cdk-out").join(app);
    let _ = std::fs::remove_dir_all(&out);
    let cdk_json: Value =
        serde_json::from_str(&std::fs::read_to_string(support::root().join("fixtures/cdk/cdk.json")).expect("cdk.json")).expect("json");
    let mut context = cdk_json["context"].clone();
    // What `cdk synth` adds by default: each stack then carries CDKMetadata, and each resource its
    // construct path (`Metadata: aws:cdk:path`).
    context["aws:cdk:version-reporting"] = Value::Bool(true);
    context["aws:cdk:enable-path-metadata"] = Value::Bool(true);
    context["aws:cdk:enable-asset-metadata"] = Value::Bool(true);
    run(
        Command::new("node")
            .arg(support::root().join("fixtures/cdk/apps/stacks.js"))
            .env("APP", app)
            .env("NODE_PATH", &modules)
            .env("CDK_OUTDIR", &out)
            .env("CDK_CONTEXT_JSON", context.to_string()),
        &format!("synthesizing {app}"),
    );
    let mut templates: Vec<PathBuf> = std::fs::read_dir(&out)
        .expect("the cloud assembly")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".template.json"))
        .collect();
    templates.sort();
    templates
}

/// (code, resource) of the check of `templates`, and the exit code.
fn check(templates: &[PathBuf]) -> (i32, Vec<(String, String)>) {
    let mut command = support::binary();
    command.arg("check");
    for t in templates {
        command.arg("--template").arg(t);
    }
    let output = command.args(["--region", "us-east-1", "--format", "json"]).output().expect("binary runs");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("no report ({e}): {}", support::stderr(&output)));
    (output.status.code().unwrap_or(-1), support::codes(&report))
}

/// The JSON report of `check --cdk-out DIR`: every stack the assembly's manifest lists.
fn check_assembly(app: &str) -> Value {
    let dir = support::root().join("target/cdk-out").join(app);
    let output = support::binary()
        .arg("check")
        .arg("--cdk-out")
        .arg(&dir)
        .args(["--region", "us-east-1", "--format", "json"])
        .output()
        .expect("runs");
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("no report ({e}): {}", support::stderr(&output)))
}

fn text(path: &Path) -> String {
    std::fs::read_to_string(path).expect("template")
}

#[test]
fn cdk_apps_check_as_their_networks_say() {
    // Two stacks: weak references (Fn::GetStackOutput, no export) and CDKMetadata in both.
    let two = synth("two-stacks");
    assert_eq!(two.len(), 2);
    assert!(two.iter().any(|t| text(t).contains("Fn::GetStackOutput")), "today's CDK writes weak references");
    assert!(two.iter().all(|t| text(t).contains("\"CDKMetadata\"")), "each stack has its CDKMetadata");
    assert_eq!(check(&two), (0, vec![]));
    // The assembly folder reads the same stacks from its manifest.
    // A pattern the shell did not expand (quoted, as CI files write it) is expanded by the tool.
    let pattern = support::root().join("target/cdk-out/two-stacks/*.template.json");
    let quoted =
        support::binary().args(["check", "--region", "us-east-1", "--format", "json", "--template"]).arg(&pattern).output().expect("runs");
    assert_eq!(quoted.status.code(), Some(0), "{}", support::stderr(&quoted));
    let assembly = check_assembly("two-stacks");
    assert_eq!(support::codes(&assembly), vec![]);
    assert_eq!(assembly["target"]["environment"], "Environment", "the environment of AppStack, read through the manifest");

    // The VPC's default group, restricted at deployment: no self-reference and no egress, never a pass.
    let restricted = synth("default-group");
    assert!(text(&restricted[0]).contains("Custom::VpcRestrictDefaultSG"));
    let group = "Vpc8378EB38.DefaultSecurityGroup".to_string();
    assert_eq!(check(&restricted), (1, vec![("SG003".to_string(), group.clone()), ("SG004".to_string(), group)]));
    // Each finding names the construct to change in the app: the default group comes with the VPC.
    let report = check_assembly("default-group");
    let paths: Vec<&str> = report["findings"].as_array().expect("findings").iter().filter_map(|f| f["construct_path"].as_str()).collect();
    assert_eq!(paths, ["DefaultGroupStack/Vpc/Resource", "DefaultGroupStack/Vpc/Resource"], "{report}");
    // The remedy is the app's TypeScript (the L2 call), not YAML to paste into cdk.out; --fix refuses the
    // assembly, which the next synth writes again.
    assert!(
        report["findings"][0]["remediation"]
            .as_str()
            .is_some_and(|r| r.contains("defaultGroup.connections.allowInternally(ec2.Port.allTraffic());")),
        "{report}"
    );
    let refused = support::binary()
        .args(["check", "--region", "us-east-1", "--fix", "--cdk-out"])
        .arg(support::root().join("target/cdk-out/default-group"))
        .output()
        .expect("runs");
    assert_eq!(refused.status.code(), Some(2), "{}", support::stderr(&refused));
    assert!(support::stderr(&refused).contains("cdk synth"), "{}", support::stderr(&refused));

    // A regional NAT gateway serves both AZs; one zonal NAT gateway for both is RT003.
    let regional = synth("regional-nat");
    assert!(text(&regional[0]).contains("\"AvailabilityMode\": \"regional\""));
    assert_eq!(check(&regional), (0, vec![]));
    let single = synth("single-nat");
    assert_eq!(check(&single), (0, vec![("RT003".to_string(), "VpcPublicSubnet1NATGateway4D7517AA".to_string())]));
    let single_report = check_assembly("single-nat");
    assert!(
        single_report["findings"][0]["remediation"]
            .as_str()
            .is_some_and(|r| r.contains("In the ec2.Vpc at SingleNatStack/Vpc, set the prop natGateways")),
        "{single_report}"
    );

    // Private routing as the CDK builds it: isolated subnets, a gateway endpoint and interface endpoints.
    let _ = synth("isolated-endpoints");
    let isolated = check_assembly("isolated-endpoints");
    assert_eq!((isolated["target"]["routing"].as_str(), support::codes(&isolated)), (Some("private"), vec![]), "{isolated}");

    // A nested stack's template is read with its parent's: the environment's subnets are its outputs.
    let _ = synth("nested-stack");
    let nested = check_assembly("nested-stack");
    assert_eq!(support::codes(&nested), vec![("RT003".to_string(), "VpcPublicSubnet1NATGateway4D7517AA".to_string())], "{nested}");
    assert_eq!(nested["findings"][0]["construct_path"], "ParentStack/Network/Vpc/PublicSubnet1/NATGateway");

    // NAT instances (NatProvider.instanceV2): source/destination check off, public addresses assigned at
    // launch by the public subnets (no Elastic IP: RT002's warning); one for both AZs is RT003 too.
    let instances = synth("nat-instance");
    assert!(text(&instances[0]).contains("\"SourceDestCheck\": false"));
    let (first, second) = ("VpcPublicSubnet1NatInstance57B636B8".to_string(), "VpcPublicSubnet2NatInstance746890A7".to_string());
    assert_eq!(check(&instances), (0, vec![("RT002".to_string(), first.clone()), ("RT002".to_string(), second)]));
    let single_instance = synth("nat-instance-single");
    assert_eq!(check(&single_instance), (0, vec![("RT002".to_string(), first.clone()), ("RT003".to_string(), first)]));
}
