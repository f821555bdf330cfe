//! `check PATH...` as linters take paths: files told by what they hold, folders walked, `-` for standard input,
//! and independent templates checked each on its own (those that export and import are one stack set).

mod support;

use std::path::PathBuf;

use serde_json::Value;

fn folder(name: &str) -> PathBuf {
    support::fresh_folder("paths-tests", name)
}

fn base(name: &str) -> String {
    std::fs::read_to_string(support::root().join("fixtures/templates/base").join(name)).expect("fixture")
}

/// The public base as another team's stack: its own environment and bucket names.
fn other_stack() -> String {
    let text = base("public.yaml");
    let renamed = text.replace("    Default: preflight\n", "    Default: other-team\n");
    assert_ne!(text, renamed, "the base template changed");
    renamed
}

/// The public base with its bucket unversioned (BKT003 on `Bucket`).
fn unversioned() -> String {
    let text = base("public.yaml");
    let edited = text.replace("      VersioningConfiguration:\n        Status: Enabled\n", "");
    assert_ne!(text, edited, "the base template changed");
    edited
}

fn run(args: &[&str]) -> std::process::Output {
    support::binary().current_dir(support::root()).args(args).output().expect("binary runs")
}

fn report(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("no JSON report ({e}); stderr: {}", support::stderr(output)))
}

/// (environment, codes) of an audit's reports.
fn per_environment(report: &Value) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = report["environments"]
        .as_array()
        .unwrap_or_else(|| panic!("an audit: {report}"))
        .iter()
        .map(|e| {
            let codes = e["findings"].as_array().expect("findings").iter().filter_map(|f| f["code"].as_str().map(str::to_string)).collect();
            (e["target"]["environment"].as_str().unwrap_or_default().to_string(), codes)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn independent_templates_are_each_checked_and_a_folder_is_walked() {
    let dir = folder("independent");
    std::fs::create_dir_all(dir.join("stacks/nested")).expect("dir");
    std::fs::write(dir.join("stacks/good.yaml"), other_stack()).expect("write");
    std::fs::write(dir.join("stacks/nested/bad.yaml"), unversioned()).expect("write");
    // Not ours: left alone in a folder.
    std::fs::write(dir.join("stacks/ci.yml"), "name: ci\non: push\n").expect("write");
    std::fs::write(dir.join("stacks/notes.md"), "AWS::MWAA::Environment\n").expect("write");
    std::fs::create_dir_all(dir.join("stacks/node_modules")).expect("dir");
    std::fs::write(dir.join("stacks/node_modules/bad.yaml"), unversioned()).expect("write");

    let stacks = dir.join("stacks");
    let output = run(&["check", stacks.to_str().expect("utf-8"), "--region", "us-east-1", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "{}", support::stderr(&output));
    let found = per_environment(&report(&output));
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found.iter().any(|(env, codes)| env.starts_with("bad/") && codes.contains(&"BKT003".to_string())), "{found:?}");
    assert!(found.iter().any(|(env, codes)| env.starts_with("good/") && codes.is_empty()), "{found:?}");

    // The same two files named one by one: the same reports.
    let (good, bad) = (dir.join("stacks/good.yaml"), dir.join("stacks/nested/bad.yaml"));
    let named = run(&["check", good.to_str().expect("utf-8"), bad.to_str().expect("utf-8"), "--region", "us-east-1", "--format", "json"]);
    assert_eq!(per_environment(&report(&named)), found);
}

#[test]
fn a_template_on_standard_input_and_a_plan_are_told_apart() {
    let mut command = support::binary();
    command.current_dir(support::root()).args(["check", "-", "--region", "us-east-1", "--format", "json"]);
    let piped = support::piped(&mut command, unversioned().as_bytes());
    assert_eq!(piped.status.code(), Some(1), "{}", support::stderr(&piped));
    assert!(support::codes(&report(&piped)).iter().any(|(code, _)| code == "BKT003"), "{}", support::stdout(&piped));

    // A plan JSON, found by what it holds whatever its name.
    let plan = std::fs::read_dir(support::root().join("fixtures/terraform/plans"))
        .expect("plans")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            p.extension().is_some_and(|x| x == "json") && std::fs::read_to_string(p).is_ok_and(|t| t.contains("aws_mwaa_environment"))
        })
        .expect("a plan fixture");
    let copy = folder("plan").join("whatever.data");
    std::fs::copy(&plan, &copy).expect("copy");
    let by_path = run(&["check", copy.to_str().expect("utf-8"), "--region", "us-east-1", "--format", "json"]);
    let by_flag = run(&["check", "--terraform-plan", plan.to_str().expect("utf-8"), "--region", "us-east-1", "--format", "json"]);
    assert_eq!(by_path.status.code(), by_flag.status.code(), "{}", support::stderr(&by_path));
    assert_eq!(report(&by_path)["findings"], report(&by_flag)["findings"]);
}

#[test]
fn what_is_not_an_input_is_a_clear_error() {
    let dir = folder("errors");
    let notes = dir.join("notes.yaml");
    std::fs::write(&notes, "name: ci\non: push\n").expect("write");
    let output = run(&["check", notes.to_str().expect("utf-8"), "--region", "us-east-1"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(support::stderr(&output).contains("is neither a CloudFormation template nor a Terraform plan"), "{}", support::stderr(&output));

    let empty = folder("errors-empty");
    let output = run(&["check", empty.to_str().expect("utf-8"), "--region", "us-east-1"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(support::stderr(&output).contains("no CloudFormation template or Terraform plan in"), "{}", support::stderr(&output));

    let missing = dir.join("missing.yaml");
    let output = run(&["check", missing.to_str().expect("utf-8"), "--region", "us-east-1"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(support::stderr(&output).contains("cannot read"), "{}", support::stderr(&output));
}
