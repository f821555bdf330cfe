//! The command line as users and CI meet it: exit codes, bad input with locations, output options.

mod support;

use std::path::{Path, PathBuf};

use serde_json::Value;

const PUBLIC: &str = "fixtures/networks/public.json";
const PLANNED: [&str; 4] = ["--subnet-ids", "subnet-a1a1a1a1,subnet-b2b2b2b2", "--security-group-ids", "sg-e1e1e1e1"];

fn run_in_root(args: &[&str]) -> std::process::Output {
    support::binary().current_dir(support::root()).args(args).output().expect("binary runs")
}

fn scratch(name: &str, text: &str) -> PathBuf {
    support::scratch_file("cli-tests", name, text)
}

/// The public reference with one text replaced (the replacement must apply), written as a scratch file.
fn public_with(name: &str, from: &str, to: &str) -> PathBuf {
    let text = std::fs::read_to_string(support::root().join(PUBLIC)).expect("fixture");
    let patched = text.replace(from, to);
    assert_ne!(text, patched, "fixture layout changed: {from:?} not found");
    scratch(name, &patched)
}

fn check_file(path: &Path, extra: &[&str]) -> std::process::Output {
    let path = path.display().to_string();
    let mut args = vec!["check", "--snapshot", path.as_str()];
    args.extend(PLANNED);
    args.extend(extra);
    run_in_root(&args)
}

#[test]
fn malformed_json_is_reported_with_its_line_and_column() {
    let path = scratch("malformed.json", "{\n  \"Subnets\": [\n    {\"SubnetId\": \"subnet-1\",}\n  ]\n}\n");
    let output = check_file(&path, &[]);
    assert_eq!(output.status.code(), Some(2));
    let err = support::stderr(&output);
    assert!(err.contains("malformed.json:3:"), "{err}");
    assert!(err.contains("trailing comma"), "{err}");
    assert!(support::stdout(&output).is_empty());
}

#[test]
fn a_wrong_value_shape_and_a_bad_cidr_are_located() {
    let path =
        scratch("bad_cidr.json", "{\"Subnets\": [\n{\"SubnetId\": \"subnet-1\", \"VpcId\": \"vpc-1\",\n \"CidrBlock\": \"10.0.0.0/33\"}]}");
    let output = check_file(&path, &[]);
    assert_eq!(output.status.code(), Some(2));
    let err = support::stderr(&output);
    assert!(err.contains("bad_cidr.json:3:") && err.contains("invalid IP"), "{err}");

    let path = scratch("bad_shape.json", "{\"Subnets\": {\"SubnetId\": \"subnet-1\"}}");
    let output = check_file(&path, &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(support::stderr(&output).contains("invalid type: map, expected a sequence"), "{}", support::stderr(&output));
}

#[test]
fn an_invalid_endpoint_policy_names_the_endpoint() {
    let path = scratch(
        "bad_policy.json",
        "{\"VpcEndpoints\": [{\"VpcEndpointId\": \"vpce-1\", \"VpcEndpointType\": \"Interface\", \"VpcId\": \"vpc-1\",\n\"ServiceName\": \"x\", \"PolicyDocument\": \"{\\\"Statement\\\": [{\\\"Effect\\\": \\\"Perhaps\\\"}]}\"}]}",
    );
    let output = check_file(&path, &[]);
    assert_eq!(output.status.code(), Some(2));
    let err = support::stderr(&output);
    assert!(err.contains("PolicyDocument of vpce-1") && err.contains("Effect must be Allow or Deny"), "{err}");
}

#[test]
fn usage_errors_exit_2_with_a_way_out() {
    let missing = run_in_root(&["check", "--snapshot", "no/such/file.json"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(support::stderr(&missing).contains("cannot read snapshot no/such/file.json"));
    // Each kind of file is named as what it was to be, and no internal error code is printed.
    let template = run_in_root(&["check", "--template", "no/such/stack.yaml", "--region", "us-east-1"]);
    assert_eq!(template.status.code(), Some(2));
    assert!(support::stderr(&template).contains("cannot read template no/such/stack.yaml"), "{}", support::stderr(&template));
    let plan = run_in_root(&["check", "--terraform-plan", "no/such/plan.json", "--region", "us-east-1"]);
    assert!(support::stderr(&plan).contains("cannot read Terraform plan no/such/plan.json"), "{}", support::stderr(&plan));
    for output in [&missing, &template, &plan] {
        assert!(!support::stderr(output).contains("mwaa_preflight::"), "{}", support::stderr(output));
    }

    let no_target = run_in_root(&["check", "--snapshot", PUBLIC]);
    assert_eq!(no_target.status.code(), Some(2));
    assert!(support::stderr(&no_target).contains("has no Environment member"));

    // Malformed IDs are bad arguments, live (refused before any call) and offline alike.
    for source in [&[][..], &["--snapshot", PUBLIC][..]] {
        let mut args = vec!["check", "--subnet-ids", "subnet-a,not-a-subnet", "--security-group-ids", "sg-e1e1e1e1"];
        args.extend(source);
        let malformed = run_in_root(&args);
        assert_eq!(malformed.status.code(), Some(2), "{source:?}");
        assert!(support::stderr(&malformed).contains("\"subnet-a\" is not a subnet ID"), "{source:?}: {}", support::stderr(&malformed));
    }

    let half_target = run_in_root(&["check", "--snapshot", PUBLIC, "--subnet-ids", "subnet-a1a1a1a1"]);
    assert_eq!(half_target.status.code(), Some(2));

    let wrong_env = run_in_root(&["diagnose", "other-env", "--snapshot", "fixtures/networks/private.json"]);
    assert_eq!(wrong_env.status.code(), Some(2));
    assert!(support::stderr(&wrong_env).contains("environment other-env is not in"));

    let planned_flag_on_env = run_in_root(&["check", "--snapshot", "fixtures/networks/private.json", "--max-workers", "5"]);
    assert_eq!(planned_flag_on_env.status.code(), Some(2));
    assert!(support::stderr(&planned_flag_on_env).contains("--max-workers describe(s) a planned environment"));
}

#[test]
fn fail_on_sets_the_threshold() {
    // One NAT gateway for both subnets: a warning only.
    let path = public_with(
        "one_nat.json",
        "\"NatGatewayId\": \"nat-0b2b2b2b2b2b2b2b2\",\n          \"Origin\"",
        "\"NatGatewayId\": \"nat-0a1a1a1a1a1a1a1a1\",\n          \"Origin\"",
    );
    assert_eq!(check_file(&path, &["--format", "json"]).status.code(), Some(0));
    assert_eq!(check_file(&path, &["--format", "json", "--fail-on", "warning"]).status.code(), Some(1));
    assert_eq!(check_file(&path, &["--format", "json", "--fail-on", "info"]).status.code(), Some(1));
    assert_eq!(check_file(&path, &["--format", "json", "--fail-on", "never"]).status.code(), Some(0));
}

#[test]
fn json_report_has_the_schema_of_the_contract() {
    let mut args = vec!["check", "--snapshot", PUBLIC, "--format", "json"];
    args.extend(PLANNED);
    let output = run_in_root(&args);
    assert_eq!(output.status.code(), Some(0));
    let report: Value = serde_json::from_slice(&output.stdout).expect("json");
    let keys = |v: &Value| -> Vec<String> { v.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default() };
    assert_eq!(keys(&report), ["findings", "ignored", "schema_version", "skipped", "summary", "target", "tool"]);
    assert_eq!(report["schema_version"], 1);
    assert_eq!(
        keys(&report["target"]),
        [
            "account_id",
            "assumed",
            "endpoint_management",
            "environment",
            "region",
            "routing",
            "security_group_ids",
            "status",
            "subnet_ids",
            "vpc_id",
            "webserver_access_mode"
        ]
    );
    assert_eq!(report["target"]["routing"], "public");
    // v3: what the input does not give is the service's default, and the report says so.
    assert_eq!(report["target"]["webserver_access_mode"], "PRIVATE_ONLY");
    assert_eq!(
        report["target"]["assumed"],
        serde_json::json!(["webserver_access_mode", "environment_class", "schedulers", "max_workers", "kms_key"])
    );
    assert_eq!(keys(&report["summary"]), ["errors", "infos", "passed", "skipped", "warnings"]);
    assert_eq!(report["skipped"][0]["code"], "CME005");
}

#[test]
fn finding_fields_follow_the_contract() {
    let path =
        public_with("no_dns.json", "\"EnableDnsSupport\": {\n        \"Value\": true", "\"EnableDnsSupport\": {\n        \"Value\": false");
    let output = check_file(&path, &["--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&output.stdout).expect("json");
    let finding = &report["findings"][0];
    let keys: Vec<&String> = finding.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["code", "docs", "evidence", "family", "fix", "message", "name", "remediation", "resource", "severity"]);
    assert_eq!(finding["code"], "DNS001");
    assert_eq!(
        finding["fix"],
        serde_json::json!({"applicability": "safe", "steps": [
            {"action": "set_vpc_attribute", "applicability": "safe", "vpc": "vpc-0e0e0e0e", "attribute": "dns_support"}]})
    );
    assert_eq!(finding["family"], "network");
    assert_eq!(finding["resource"], "vpc-0e0e0e0e");
    assert!(finding["remediation"]
        .as_str()
        .is_some_and(|r| r.contains("aws ec2 modify-vpc-attribute --vpc-id vpc-0e0e0e0e --enable-dns-support")));
}

#[test]
fn a_member_that_was_not_captured_skips_its_rules() {
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(support::root().join(PUBLIC)).expect("fixture")).expect("json");
    doc.as_object_mut().expect("object").remove("NetworkAcls");
    let path = scratch("no_nacls.json", &doc.to_string());
    // Without the execution role's rules, which are skipped for want of their own members.
    let output = check_file(&path, &["--format", "json", "--ignore", "execution-role,bucket,DEP"]);
    let report: Value = serde_json::from_slice(&output.stdout).expect("json");
    let skipped: Vec<(&str, &str)> = report["skipped"]
        .as_array()
        .expect("array")
        .iter()
        .map(|s| (s["code"].as_str().unwrap_or_default(), s["reason"].as_str().unwrap_or_default()))
        .collect();
    assert!(skipped.contains(&("ACL001", "not captured: NetworkAcls (ec2:DescribeNetworkAcls)")), "{skipped:?}");
    assert_eq!(report["summary"]["skipped"], 2);
    // Skipped checks do not fail a run, unless the gate says they must.
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        check_file(&path, &["--format", "json", "--ignore", "execution-role,bucket,DEP", "--fail-on-skipped"]).status.code(),
        Some(1)
    );
    let config = scratch("strict.toml", "fail-on-skipped = true\n");
    assert_eq!(check_file(&path, &["--format", "json", "--config", config.to_str().expect("utf-8")]).status.code(), Some(1));
}

/// The public reference with its top-level members edited.
fn public_edited(name: &str, edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> PathBuf {
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(support::root().join(PUBLIC)).expect("fixture")).expect("json");
    edit(doc.as_object_mut().expect("object"));
    scratch(name, &doc.to_string())
}

#[test]
fn a_snapshot_without_what_the_target_needs_is_no_input() {
    let bare = scratch("region_only.json", "{\"region\": \"us-east-1\"}");
    let output = check_file(&bare, &[]);
    assert_eq!(output.status.code(), Some(2), "{}", support::stdout(&output));
    assert!(
        support::stderr(&output).contains("no Subnets member to check the environment's subnets against"),
        "{}",
        support::stderr(&output)
    );

    let no_groups = public_edited("no_groups.json", |m| {
        m.remove("SecurityGroups");
    });
    let output = check_file(&no_groups, &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(support::stderr(&output).contains("no SecurityGroups member"), "{}", support::stderr(&output));

    let miscased = public_edited("miscased.json", |m| {
        let subnets = m.remove("Subnets").expect("Subnets");
        m.insert("subnets".to_string(), subnets);
    });
    let output = check_file(&miscased, &[]);
    assert_eq!(output.status.code(), Some(2));
    let err = support::stderr(&output);
    assert!(err.contains("unknown member \"subnets\": did you mean `Subnets`?") && err.contains("miscased.json:1:"), "{err}");

    let null = public_edited("null_subnets.json", |m| {
        m.insert("Subnets".to_string(), Value::Null);
    });
    let output = check_file(&null, &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(support::stderr(&output).contains("Subnets is null"), "{}", support::stderr(&output));

    // A subnet missing from a captured member is a finding, as before.
    let other = public_with("other_subnet.json", "\"subnet-b2b2b2b2\"", "\"subnet-b2b2b2b3\"");
    let output = check_file(&other, &["--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(support::stdout(&output).contains("SUB002"));
}

/// (code, reason) of a JSON report's skipped checks.
fn skipped_of(output: &std::process::Output) -> Vec<(String, String)> {
    let report: Value = serde_json::from_slice(&output.stdout).expect("json report");
    report["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .map(|s| (s["code"].as_str().unwrap_or_default().to_string(), s["reason"].as_str().unwrap_or_default().to_string()))
        .collect()
}

#[test]
fn without_route_tables_the_routing_mode_is_unknown_not_private() {
    let path = public_edited("no_route_tables.json", |m| {
        m.remove("RouteTables");
    });
    let output = check_file(&path, &["--format", "json"]);
    let report: Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(report["target"]["routing"], "unknown");
    assert!(report["findings"].as_array().expect("findings").iter().all(|f| f["code"] != "VPCE001"), "{report}");
    assert_eq!(output.status.code(), Some(0));
    let skipped = skipped_of(&output);
    for code in ["VPCE001", "VPCE003", "RT002", "SUB006", "DNS002"] {
        let (_, reason) = skipped.iter().find(|(c, _)| c == code).unwrap_or_else(|| panic!("{code} not skipped: {skipped:?}"));
        assert!(reason.contains("RouteTables") && reason.contains("ec2:DescribeRouteTables"), "{code}: {reason}");
    }
    // Asserted, the mode is known again: private routing's rules run.
    let asserted = check_file(&path, &["--format", "json", "--routing", "private"]);
    assert!(support::stdout(&asserted).contains("VPCE001"));
}

/// The private reference, its outbound NACL rule 100 narrowed to the VPC (S3 is then blocked), with
/// `edit` applied; checked as its own environment.
fn private_s3_blocked(name: &str, edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> std::process::Output {
    let text = std::fs::read_to_string(support::root().join("fixtures/networks/private.json")).expect("fixture");
    let mut doc: Value = serde_json::from_str(&text).expect("json");
    for entry in doc["NetworkAcls"][0]["Entries"].as_array_mut().expect("entries") {
        if entry["RuleNumber"] == 100 && entry["Egress"] == true {
            entry["CidrBlock"] = Value::from("10.0.0.0/16");
        }
    }
    edit(doc.as_object_mut().expect("object"));
    let path = scratch(name, &doc.to_string());
    run_in_root(&["check", "--snapshot", path.to_str().expect("utf-8"), "--format", "json"])
}

#[test]
fn a_flow_the_input_cannot_build_skips_the_rules_judging_flows() {
    let captured = private_s3_blocked("s3_blocked.json", |_| {});
    assert_eq!(captured.status.code(), Some(1));
    assert!(support::stdout(&captured).contains("\"ACL001\""), "the S3 flow is blocked with the prefix list captured");

    let uncaptured = private_s3_blocked("s3_blocked_no_lists.json", |m| {
        m.remove("PrefixLists");
    });
    let skipped = skipped_of(&uncaptured);
    for code in ["ACL001", "SG004"] {
        let (_, reason) = skipped.iter().find(|(c, _)| c == code).unwrap_or_else(|| panic!("{code} not skipped: {skipped:?}"));
        assert!(reason.contains("S3 flows") && reason.contains("ec2:DescribePrefixLists"), "{code}: {reason}");
    }
    let report: Value = serde_json::from_slice(&uncaptured.stdout).expect("json");
    assert!(report["findings"].as_array().expect("findings").iter().all(|f| f["code"] != "ACL001"), "{report}");

    // A subnet's NACL missing from a captured NetworkAcls: ACL001 cannot judge, SG004 still can.
    let no_default_acl = public_edited("no_acl.json", |m| {
        m.insert("NetworkAcls".to_string(), Value::Array(Vec::new()));
    });
    let output = check_file(&no_default_acl, &["--format", "json"]);
    let skipped = skipped_of(&output);
    assert!(skipped.iter().any(|(c, r)| c == "ACL001" && r.contains("NetworkAcls holds no ACL for subnet-a1a1a1a1")), "{skipped:?}");
    assert!(!skipped.iter().any(|(c, _)| c == "SG004"), "{skipped:?}");
}

#[test]
fn a_value_aws_never_writes_is_an_invalid_snapshot_with_its_spot() {
    let path = public_with("reject.json", "\"RuleAction\": \"allow\"", "\"RuleAction\": \"reject\"");
    let output = check_file(&path, &[]);
    assert_eq!(output.status.code(), Some(2));
    let err = support::stderr(&output);
    assert!(err.contains("unknown variant `reject`, expected `allow` or `deny`") && err.contains("reject.json:"), "{err}");
    let path = public_with("tcpp.json", "\"IpProtocol\": \"-1\"", "\"IpProtocol\": \"tcpp\"");
    let err = support::stderr(&check_file(&path, &[]));
    assert!(err.contains("protocol \"tcpp\" is not -1, a protocol number 0-255"), "{err}");
}

/// What Windows PowerShell's `>` writes (UTF-16 with a byte order mark, either order) reads as the UTF-8
/// file does; an odd byte count is a clear error.
#[test]
fn utf16_snapshots_read_as_utf8_ones() {
    let text = std::fs::read_to_string(support::root().join(PUBLIC)).expect("fixture");
    let dir = support::root().join("target/cli-tests");
    std::fs::create_dir_all(&dir).expect("dir");
    let utf8 = check_file(&support::root().join(PUBLIC), &["--format", "json"]);
    for (name, bytes) in [
        ("utf16le.json", [0xFF, 0xFE].into_iter().chain(text.encode_utf16().flat_map(u16::to_le_bytes)).collect::<Vec<u8>>()),
        ("utf16be.json", [0xFE, 0xFF].into_iter().chain(text.encode_utf16().flat_map(u16::to_be_bytes)).collect::<Vec<u8>>()),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, &bytes).expect("write");
        let output = check_file(&path, &["--format", "json"]);
        assert_eq!(output.status.code(), utf8.status.code(), "{name}: {}", support::stderr(&output));
        let findings = |o: &std::process::Output| serde_json::from_slice::<Value>(&o.stdout).expect("json")["findings"].clone();
        assert_eq!(findings(&output), findings(&utf8), "{name}");
    }
    let odd = dir.join("odd.json");
    std::fs::write(&odd, [0xFF, 0xFE, b'{', 0, b'}']).expect("write");
    assert!(support::stderr(&check_file(&odd, &[])).contains("not UTF-16: an odd number of bytes"));
}

/// Template parameters mean nothing to a Terraform plan: refused, never silently ignored.
#[test]
fn template_parameters_are_refused_with_a_plan() {
    let plan = support::root().join("fixtures/terraform/plans/private-endpoints.plan.json");
    let plan = plan.to_str().expect("utf-8");
    for extra in [["--parameter", "Stage=prod"], ["--parameters-file", "params.json"]] {
        let output = run_in_root(&[&["check", "--terraform-plan", plan][..], &extra].concat());
        assert_eq!(output.status.code(), Some(2), "{extra:?}");
        assert!(support::stderr(&output).contains("cannot be used with"), "{extra:?}: {}", support::stderr(&output));
    }
}

#[test]
fn smaller_input_errors_are_named() {
    let bom = scratch("bom.json", "\u{feff}{\"region\": \"us-east-1\"}");
    assert!(support::stderr(&check_file(&bom, &[])).contains("byte order mark"));
    let newer = public_edited("newer.json", |m| {
        m.insert("snapshot_version".to_string(), Value::from(2));
    });
    assert!(support::stderr(&check_file(&newer, &[])).contains("snapshot_version 2 is newer than this mwaa-preflight reads (1)"));
    let text = std::fs::read_to_string(support::root().join(PUBLIC)).expect("fixture");
    let twice = text.replacen("\"VpcAttributes\": {", "\"VpcAttributes\": {\"vpc-0e0e0e0e\": {}, ", 1);
    assert_ne!(text, twice, "fixture layout changed");
    let twice = scratch("twice.json", &twice);
    let output = check_file(&twice, &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(support::stderr(&output).contains("vpc-0e0e0e0e is given twice"), "{}", support::stderr(&output));
    let config = scratch("twice.toml", "[rules]\nSG003 = \"off\"\nsg-self-reference = \"warning\"\n");
    let output = check_file(&support::root().join(PUBLIC), &["--config", config.to_str().expect("utf-8")]);
    assert_eq!(output.status.code(), Some(2));
    assert!(support::stderr(&output).contains("SG003 is set twice"), "{}", support::stderr(&output));
    for bad in [["--max-workers", "4294967295"], ["--kms-key", " "], ["--source-bucket-arn", "my-dags"], ["--region", "Mars"]] {
        let output = check_file(&support::root().join(PUBLIC), &bad);
        assert_eq!(output.status.code(), Some(2), "{bad:?}");
    }
}

/// A VPC ID carrying an OSC title sequence, a BEL, a quote and markup, with DNS support off so that a
/// finding names it.
fn hostile_snapshot() -> PathBuf {
    let text = std::fs::read_to_string(support::root().join(PUBLIC)).expect("fixture");
    let evil = "vpc-0e0e0e0e\\u001b]0;pwned\\u0007\\\"[color=red] <b>|x\\nline";
    let text = text.replace("\"vpc-0e0e0e0e\"", &format!("\"{evil}\""));
    let mut doc: Value = serde_json::from_str(&text).expect("json");
    let attributes = doc["VpcAttributes"].as_object_mut().expect("attributes");
    let key = attributes.keys().next().expect("a VPC").clone();
    attributes[&key]["EnableDnsSupport"]["Value"] = Value::Bool(false);
    scratch("hostile.json", &doc.to_string())
}

#[test]
fn strings_from_the_input_cannot_drive_the_terminal_or_break_the_markup() {
    let path = hostile_snapshot();
    for format in ["human", "markdown", "github", "mermaid", "junit", "dot"] {
        let output = check_file(&path, &["--format", format, "--color", "never"]);
        assert_eq!(output.status.code(), Some(1), "{format}: {}", support::stderr(&output));
        let text = support::stdout(&output);
        assert!(text.contains("DNS001") || format == "mermaid" || format == "dot", "{format}: {text}");
        assert!(!text.chars().any(|c| c.is_control() && c != '\n' && c != '\t'), "{format} lets a control character through");
        assert!(text.contains("u{1b}]0;pwned"), "{format} shows the escape visibly");
    }
    // DOT: the quote stays inside its string; Graphviz reads the file.
    let dot = support::stdout(&check_file(&path, &["--format", "dot"]));
    for line in dot.lines() {
        let unescaped = line.replace("\\\\", "").replace("\\\"", "");
        assert_eq!(unescaped.matches('"').count() % 2, 0, "a quote escapes its string: {line}");
    }
    let mut graphviz = std::process::Command::new("dot")
        .args(["-Tsvg", "-o", "/dev/null"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("graphviz (dot) is installed: .ci/run installs it");
    std::io::Write::write_all(graphviz.stdin.as_mut().expect("stdin"), dot.as_bytes()).expect("write");
    let done = graphviz.wait_with_output().expect("dot runs");
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    // An error that quotes a value from the file escapes it too.
    let bad = scratch("hostile_error.json", "{\"Subnets\": [{\"SubnetId\": 7, \"Note\": \"\\u001b]0;x\\u0007\"}]}");
    let err = support::stderr(&check_file(&bad, &[]));
    assert!(!err.chars().any(|c| c == '\u{1b}' || c == '\u{7}'), "{err:?}");
}

#[test]
fn reading_is_bounded_and_excerpts_are_a_window() {
    let started = std::time::Instant::now();
    let zero = check_file(Path::new("/dev/zero"), &[]);
    assert_eq!(zero.status.code(), Some(2));
    assert!(support::stderr(&zero).contains("not a JSON document: it starts with byte 0x00"), "{}", support::stderr(&zero));
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "stopped at the first byte");
    // A minified snapshot of a megabyte with an error at its end: the excerpt is a window, not the line.
    let text = std::fs::read_to_string(support::root().join(PUBLIC)).expect("fixture");
    let doc: Value = serde_json::from_str(&text).expect("json");
    let padding = "x".repeat(1 << 20);
    let mut minified = serde_json::to_string(&doc).expect("json");
    minified.insert_str(1, &format!("\"Padding\": \"{padding}\", "));
    minified = minified.replacen("\"RuleAction\":\"allow\"", "\"RuleAction\":\"reject\"", 1);
    let path = scratch("minified.json", &minified);
    let err = support::stderr(&check_file(&path, &[]));
    assert!(err.contains("unknown variant `reject`") && err.contains("minified.json:1:"), "{err:.400}");
    assert!(err.len() < 4000, "the excerpt is {} bytes", err.len());
}

#[test]
fn sarif_locates_results_in_the_snapshot() {
    let path = public_with(
        "no_dns_sarif.json",
        "\"EnableDnsSupport\": {\n        \"Value\": true",
        "\"EnableDnsSupport\": {\n        \"Value\": false",
    );
    let output = check_file(&path, &["--format", "sarif"]);
    let sarif: Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["rules"].as_array().map(Vec::len), Some(mwaa_preflight::rules::registry::ALL.len()));
    let result = &run["results"][0];
    assert_eq!(result["ruleId"], "DNS001");
    assert_eq!(result["level"], "error");
    let location = &result["locations"][0]["physicalLocation"];
    assert!(location["artifactLocation"]["uri"].as_str().is_some_and(|u| u.ends_with("no_dns_sarif.json")));
    let line = location["region"]["startLine"].as_u64().expect("line");
    let text = std::fs::read_to_string(&path).expect("read");
    let defining = text.lines().nth(usize::try_from(line).expect("line") - 1).expect("line exists");
    assert!(defining.contains("\"VpcId\": \"vpc-0e0e0e0e\""), "line {line}: {defining}");
}

#[test]
fn output_file_and_colors() {
    let out = support::root().join("target/cli-tests/report.json");
    let _ = std::fs::remove_file(&out);
    let out_arg = out.display().to_string();
    let mut args = vec!["check", "--snapshot", PUBLIC, "--output", out_arg.as_str()];
    args.extend(PLANNED);
    let output = run_in_root(&args);
    assert_eq!(output.status.code(), Some(0));
    assert!(support::stdout(&output).is_empty());
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&out).expect("report written")).expect("json by default in a file");
    assert_eq!(written["schema_version"], 1);

    // The snapshot read is never overwritten by the report.
    let input = scratch("overwrite.json", &std::fs::read_to_string(support::root().join(PUBLIC)).expect("fixture"));
    let before = std::fs::read_to_string(&input).expect("snapshot");
    let input_arg = input.display().to_string();
    let mut args = vec!["check", "--snapshot", input_arg.as_str(), "--output", input_arg.as_str()];
    args.extend(PLANNED);
    let refused = run_in_root(&args);
    assert_eq!(refused.status.code(), Some(2));
    assert!(support::stderr(&refused).contains("is a file this run reads"), "{}", support::stderr(&refused));
    assert_eq!(std::fs::read_to_string(&input).expect("snapshot"), before);

    let path = public_with("colors.json", "\"AvailableIpAddressCount\": 250", "\"AvailableIpAddressCount\": 3");
    let colored = check_file(&path, &["--format", "human", "--color", "always"]);
    assert!(support::stdout(&colored).contains("\u{1b}["));
    let plain = check_file(&path, &["--format", "human", "--color", "never"]);
    assert!(!support::stdout(&plain).contains("\u{1b}["));
    assert!(support::stdout(&plain).contains("SUB006 free-ip-capacity"));
}

/// The human report as a person sees it: run on a pseudo-terminal (`script`) of `columns` columns.
fn on_terminal(columns: u16, env: &[(&str, &str)], args: &[&str]) -> String {
    let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
    let command = format!("stty cols {columns} rows 50; '{}' {}", env!("CARGO_BIN_EXE_mwaa-preflight"), quoted.join(" "));
    let mut script = std::process::Command::new("script");
    script.current_dir(support::root()).env_remove("NO_COLOR").args(["-qec", &command, "/dev/null"]);
    for (key, value) in env {
        script.env(key, value);
    }
    let output = script.output().expect("script runs");
    String::from_utf8_lossy(&output.stdout).replace('\r', "")
}

#[test]
fn on_a_terminal_colour_follows_no_color_and_lines_fit_the_width() {
    let path = public_with("terminal.json", "\"AvailableIpAddressCount\": 250", "\"AvailableIpAddressCount\": 3");
    let path = path.to_str().expect("utf-8");
    let mut args = vec!["check", "--snapshot", path];
    args.extend(PLANNED);
    let coloured = on_terminal(80, &[], &args);
    assert!(coloured.contains("SUB006"), "{coloured}");
    assert!(coloured.contains("\u{1b}["), "a terminal gets colour by default");
    let plain = on_terminal(80, &[("NO_COLOR", "1")], &args);
    assert!(plain.contains("SUB006 free-ip-capacity"), "{plain}");
    assert!(!plain.contains("\u{1b}["), "NO_COLOR turns colour off on a terminal:\n{plain}");
    for columns in [80u16, 120] {
        let text = on_terminal(columns, &[("NO_COLOR", "1")], &args);
        // A word longer than the room left (a URL, an ARN) is kept whole rather than broken.
        let holds_a_long_word = |line: &&str| {
            let indent = line.chars().take_while(|c| !c.is_alphanumeric()).count();
            line.split(' ').any(|word| indent + word.chars().count() > usize::from(columns) - 10)
        };
        let widest = text.lines().filter(|l| !holds_a_long_word(l)).map(|l| l.chars().count()).max().unwrap_or(0);
        assert!(widest <= usize::from(columns), "a line of {widest} characters on a {columns}-column terminal:\n{text}");
    }
    // Wider terminals get longer lines: the view follows the width rather than a constant.
    let wide = on_terminal(200, &[("NO_COLOR", "1")], &args);
    assert!(wide.lines().map(|l| l.chars().count()).max().unwrap_or(0) > 120, "{wide}");
}

/// A failure in a CI log or a file keeps each sentence on one line (it greps whatever the path's
/// length); on a terminal it is wrapped to the width.
#[test]
fn failures_wrap_only_on_a_terminal() {
    let long = format!("target/cli-tests/{}/missing.json", "a-rather-long-folder-name".repeat(4));
    let output = run_in_root(&["check", "--snapshot", &long]);
    assert_eq!(output.status.code(), Some(2));
    let text = support::stderr(&output);
    assert!(text.lines().any(|l| l.contains(&long) && l.contains("cannot read")), "{text}");
    let wrapped = on_terminal(60, &[("NO_COLOR", "1")], &["check", "--snapshot", &long]);
    assert!(wrapped.contains("cannot read"), "{wrapped}");
    assert!(!wrapped.lines().any(|l| l.contains(&long) && l.contains("cannot read")), "wrapped to 60 columns:\n{wrapped}");
}

/// ruff's --select and --ignore: codes, prefixes or families; an unknown one is a usage error.
#[test]
fn select_and_ignore_choose_the_rules() {
    let path = public_with("select.json", "\"AvailableIpAddressCount\": 250", "\"AvailableIpAddressCount\": 3");
    let path = path.to_str().expect("utf-8");
    let run = |extra: &[&str]| {
        let mut args = vec!["check", "--snapshot", path, "--format", "json"];
        args.extend(PLANNED);
        args.extend(extra);
        let output = run_in_root(&args);
        let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|_| panic!("{}", support::stderr(&output)));
        (support::codes(&report), report["summary"]["passed"].as_u64().unwrap_or(0))
    };
    let (all, passed_all) = run(&[]);
    assert!(all.iter().any(|(code, _)| code == "SUB006"), "{all:?}");
    let (ignored, _) = run(&["--ignore", "SUB006"]);
    assert!(!ignored.iter().any(|(code, _)| code == "SUB006"), "{ignored:?}");
    let (selected, passed) = run(&["--select", "RT,sub00"]);
    assert_eq!(selected, all, "only RT and SUB00x rules ran, and they found the same");
    assert!(passed < passed_all, "fewer rules ran");
    let (both, _) = run(&["--select", "network", "--ignore", "SUB"]);
    assert!(both.is_empty(), "{both:?}");
    let unknown = run_in_root(&["check", "--snapshot", path, "--select", "XYZ"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(support::stderr(&unknown).contains("--select XYZ: no rule has that code, prefix or family"));
}

/// The catalog for scripts, and the exit codes where users look for them.
#[test]
fn the_catalog_as_json_and_exit_codes_in_help() {
    let rules: Value = serde_json::from_slice(&run_in_root(&["rules", "--format", "json"]).stdout).expect("json");
    let rules = rules.as_array().expect("list");
    assert_eq!(rules.len(), support::run(&["rules"]).stdout.iter().filter(|b| **b == b'\n').count());
    assert!(rules.iter().any(|r| r["code"] == "RT002" && r["family"] == "network" && r["severity"] == "error"));
    for args in [&["--help"][..], &["check", "--help"][..]] {
        let help = support::stdout(&run_in_root(args));
        assert!(help.contains("Exit codes:") && help.contains("2  the tool could not do its job"), "{help}");
    }
    // `check --help` in groups, with examples.
    let help = support::stdout(&run_in_root(&["check", "--help"]));
    let headings = ["Target:", "Templates and plans:", "Planned environment:", "Fixes:", "Output:", "AWS access:", "Examples:"];
    let mut at = 0;
    for heading in headings {
        let found = help[at..].find(&format!("\n{heading}\n")).unwrap_or_else(|| panic!("{heading} missing or out of order: {help}"));
        at += found + 1;
    }
}

/// With --output, the format follows the file's extension and the verdict still shows on stderr.
#[test]
fn an_output_file_names_its_format_and_the_verdict_stays_visible() {
    let dir = support::root().join("target/cli-tests");
    std::fs::create_dir_all(&dir).expect("dir");
    for (name, starts) in
        [("report.sarif", "{"), ("report.html", "<!DOCTYPE html>"), ("report.md", "### mwaa-preflight"), ("report.txt", "mwaa-preflight ")]
    {
        let out = dir.join(name);
        let out_arg = out.display().to_string();
        let mut args = vec!["check", "--snapshot", PUBLIC, "--output", out_arg.as_str()];
        args.extend(PLANNED);
        let output = run_in_root(&args);
        assert_eq!(output.status.code(), Some(0), "{}", support::stderr(&output));
        let written = std::fs::read_to_string(&out).expect("written");
        assert!(written.starts_with(starts), "{name}: {}", &written[..written.len().min(200)]);
        let stderr = support::stderr(&output);
        assert!(stderr.contains("0 error(s), 0 warning(s)") && stderr.contains(&out_arg), "{name}: {stderr}");
    }
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("report.sarif")).expect("sarif")).expect("json");
    assert_eq!(sarif["version"], "2.1.0");
}

/// One line per finding, located in the input, for CI logs and problem matchers.
#[test]
fn concise_prints_one_located_line_per_finding() {
    let path = public_with("concise.json", "\"AvailableIpAddressCount\": 250", "\"AvailableIpAddressCount\": 3");
    let path = path.to_str().expect("utf-8");
    let mut args = vec!["check", "--snapshot", path, "--format", "concise", "--ignore", "execution-role,bucket,DEP"];
    args.extend(PLANNED);
    let output = run_in_root(&args);
    let text = support::stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with(&format!("{path}:")) && lines[0].contains(": SUB006 warning subnet-a1a1a1a1: "), "{text}");
    assert!(lines[1].contains(": SUB006 warning subnet-b2b2b2b2: "), "{text}");
    assert_eq!(lines[2], "0 error(s), 2 warning(s), 0 info, 1 check(s) skipped");
}

/// Several formats in one run, as CI wants SARIF for the code-scanning UI and JSON for a script: each file
/// holds its format, stdout the main one, stderr the verdict naming the files; a report file that is an
/// input is refused before anything is read, and a format name that is none is a usage error.
#[test]
fn several_formats_are_written_in_one_run() {
    let dir = support::root().join("target/cli-tests/several-formats");
    std::fs::create_dir_all(&dir).expect("scratch");
    let (sarif, json) = (dir.join("r.sarif"), dir.join("r.json"));
    let network = support::root().join("fixtures/networks/public.json");
    let args = [
        "check",
        "--snapshot",
        network.to_str().expect("utf-8"),
        "--subnet-ids",
        "subnet-a1a1a1a1,subnet-b2b2b2b2",
        "--security-group-ids",
        "sg-e1e1e1e1",
    ];
    let output = support::binary()
        .args(args)
        .args([
            "--format",
            "concise",
            "--output-format",
            &format!("sarif={}", sarif.display()),
            "--output-format",
            &format!("json={}", json.display()),
        ])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", support::stderr(&output));
    assert!(support::stdout(&output).contains("0 error(s)"), "the main format on stdout");
    assert!(
        support::stderr(&output).contains(&format!("(report in {}, {})", sarif.display(), json.display())),
        "{}",
        support::stderr(&output)
    );
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).expect("sarif")).expect("SARIF");
    assert_eq!(sarif["version"], "2.1.0");
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("JSON");
    assert_eq!(json["summary"]["errors"], 0);
    let refused = support::binary().args(args).args(["--output-format", &format!("json={}", network.display())]).output().expect("runs");
    assert_eq!(refused.status.code(), Some(2));
    assert!(support::stderr(&refused).contains("is a file this run reads"), "{}", support::stderr(&refused));
    let bad = support::binary().args(args).args(["--output-format", "yaml=x.yaml"]).output().expect("runs");
    assert_eq!(bad.status.code(), Some(2));
    assert!(support::stderr(&bad).contains("\"yaml\" is not a format"), "{}", support::stderr(&bad));
}

/// Graphviz lays out every fixture case's DOT with no edge label over another (failing flows between the
/// same two nodes are one edge listing them, as the picture bundles them).
#[test]
fn dot_labels_never_overlap_in_any_fixture_case() {
    let mut checked = 0;
    for path in support::case_files() {
        let case = support::load_case(&path);
        let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let snapshot = support::materialise(&case, &format!("dot__{name}"));
        let output = support::binary()
            .args(&case.args)
            .args(["--snapshot", snapshot.to_str().expect("utf-8"), "--format", "dot"])
            .output()
            .expect("runs");
        let dot = support::stdout(&output);
        if !dot.contains("BLOCKED") {
            continue;
        }
        let layout = support::piped(std::process::Command::new("dot").arg("-Tjson"), dot.as_bytes());
        assert!(layout.status.success(), "{name}: {}", support::stderr(&layout));
        let graph: Value = serde_json::from_slice(&layout.stdout).expect("Graphviz JSON");
        // Each line of each edge label as a box: its text's anchor, width and the font's height.
        let boxes: Vec<(f64, f64, f64, f64, String)> = graph["edges"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|edge| edge["_ldraw_"].as_array().cloned().unwrap_or_default())
            .filter(|op| op["op"] == "T")
            .map(|op| {
                let (x, y, width) =
                    (op["pt"][0].as_f64().unwrap_or(0.0), op["pt"][1].as_f64().unwrap_or(0.0), op["width"].as_f64().unwrap_or(0.0));
                let left = match op["align"].as_str() {
                    Some("c") => x - width / 2.0,
                    Some("r") => x - width,
                    _ => x,
                };
                (left, y - 4.0, left + width, y + 4.0, op["text"].as_str().unwrap_or_default().to_string())
            })
            .collect();
        for (i, a) in boxes.iter().enumerate() {
            for b in &boxes[i + 1..] {
                let overlap = a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3;
                assert!(!overlap, "{name}: the labels {:?} and {:?} overlap", a.4, b.4);
            }
        }
        checked += 1;
    }
    assert!(checked >= 10, "cases with failing flows drawn: {checked}");
}

/// `--requirements` and `--plugins` name local files: one that cannot be read, or a plugins.zip that is no zip
/// archive (or whose directory is cut short), is an error naming the file, exit 2, never a panic.
#[test]
fn local_requirements_and_plugins_files_that_cannot_be_read_exit_2() {
    let check = |flag: &str, path: &str| {
        let mut args = vec!["check", "--snapshot", PUBLIC, flag, path];
        args.extend(PLANNED);
        run_in_root(&args)
    };
    let missing = check("--requirements", "no-such-requirements.txt");
    assert_eq!(missing.status.code(), Some(2));
    assert!(support::stderr(&missing).contains("cannot read requirements file no-such-requirements.txt"), "{}", support::stderr(&missing));
    let not_zip = check("--plugins", "README.md");
    assert_eq!(not_zip.status.code(), Some(2));
    assert!(support::stderr(&not_zip).contains("not a zip archive"), "{}", support::stderr(&not_zip));
    // The end record of a real archive, its directory's offset pointing past the file.
    let bytes = std::fs::read(support::root().join("fixtures/plugins/plugins.zip")).expect("fixture");
    let mut cut = bytes[bytes.len() - 22..].to_vec();
    cut[16..20].copy_from_slice(&1_000_000u32.to_le_bytes());
    let path = scratch("cut.zip", "");
    std::fs::write(&path, &cut).expect("write");
    let cut_short = check("--plugins", path.to_str().expect("utf-8"));
    assert_eq!(cut_short.status.code(), Some(2));
    assert!(support::stderr(&cut_short).contains("central directory"), "{}", support::stderr(&cut_short));
}

/// The README's "Try it" command runs as printed and fails for the reason the README gives.
#[test]
fn the_readmes_first_example_runs_as_printed() {
    let readme = std::fs::read_to_string(support::root().join("README.md")).expect("README.md");
    let section = readme.split("## Try it").nth(1).expect("a Try it section");
    let block = section.split("```sh\n").nth(1).and_then(|b| b.split("```").next()).expect("its command");
    let command = block.replace("\\\n", " ");
    let args: Vec<&str> = command.split_once(" -- ").expect("cargo run ... -- ARGS").1.split_whitespace().collect();
    let output = run_in_root(&args);
    assert_eq!(output.status.code(), Some(1), "{}", support::stderr(&output));
    assert!(support::stdout(&output).contains("KMS001"), "{}", support::stdout(&output));
}

/// `--create-baseline` records today's findings; with `--baseline` they are listed as ignored and the run fails
/// only on new ones; an entry that matches nothing any more is noted; a baseline from elsewhere is refused.
#[test]
fn a_baseline_fails_the_run_only_on_new_findings() {
    let snapshot = ["--snapshot", "fixtures/networks/private.json", "--subnet-ids", "subnet-1a1a1a1a,subnet-2b2b2b2b"];
    let groups = ["--security-group-ids", "sg-1e1e1e1e"];
    let baseline = scratch("baseline.json", "");
    let baseline = baseline.to_str().expect("utf-8");
    let alias = ["--kms-key", "alias/mwaa"];
    let created = run_in_root(&[&["check"][..], &snapshot, &groups, &alias, &["--create-baseline", baseline, "-q"]].concat());
    assert_eq!(created.status.code(), Some(1), "the run itself still reports: {}", support::stderr(&created));
    let written: Value = serde_json::from_str(&std::fs::read_to_string(baseline).expect("written")).expect("JSON");
    assert_eq!(written, serde_json::json!({"mwaa_preflight_baseline": 1, "findings": [{"code": "KMS001", "resource": "alias/mwaa"}]}));

    let accepted = run_in_root(&[&["check"][..], &snapshot, &groups, &alias, &["--baseline", baseline, "--format", "json"]].concat());
    assert_eq!(accepted.status.code(), Some(0), "{}", support::stderr(&accepted));
    let report: Value = serde_json::from_slice(&accepted.stdout).expect("JSON");
    assert_eq!(report["findings"], serde_json::json!([]));
    assert_eq!(report["ignored"][0]["code"], "KMS001", "{}", report["ignored"]);

    // The same rule on another resource is a new finding: it fails the run.
    let bare_id = ["--kms-key", "1234abcd-12ab-34cd-56ef-1234567890ab"];
    let new = run_in_root(&[&["check"][..], &snapshot, &groups, &bare_id, &["--baseline", baseline, "--fail-on", "warning"]].concat());
    assert_eq!(new.status.code(), Some(1), "{}", support::stdout(&new));
    assert!(
        support::stdout(&new).contains("1234abcd-12ab-34cd-56ef-1234567890ab: the KmsKey is a bare key ID"),
        "{}",
        support::stdout(&new)
    );

    // Fixed: the entry matches nothing, and the human view says so.
    let fixed = run_in_root(&[&["check"][..], &snapshot, &groups, &["--baseline", baseline]].concat());
    assert_eq!(fixed.status.code(), Some(0));
    assert!(
        support::stdout(&fixed).contains("note: the baseline's KMS001 on alias/mwaa matches no finding any more"),
        "{}",
        support::stdout(&fixed)
    );

    for (text, says) in [
        ("{\"mwaa_preflight_baseline\": 2, \"findings\": []}", "a baseline of version 2"),
        ("{\"mwaa_preflight_baseline\": 1, \"findings\": [{\"code\": \"XYZ999\", \"resource\": \"r\"}]}", "no rule \"XYZ999\""),
        ("[1, 2", "is not a baseline"),
    ] {
        let bad = scratch("bad-baseline.json", text);
        let output = run_in_root(&[&["check"][..], &snapshot, &groups, &["--baseline", bad.to_str().expect("utf-8")]].concat());
        assert_eq!(output.status.code(), Some(2), "{text}");
        assert!(support::stderr(&output).contains(says), "{text}: {}", support::stderr(&output));
    }
}

/// `--select` and `--ignore` take rule names as well as codes, prefixes and families; `--extend-select` adds to
/// the selection and switches back on what the configuration turns off.
#[test]
fn extend_select_adds_to_the_selection_and_the_configuration() {
    let base = ["check", "--snapshot", "fixtures/networks/private.json", "--subnet-ids", "subnet-1a1a1a1a,subnet-2b2b2b2b"];
    let args = [&base[..], &["--security-group-ids", "sg-1e1e1e1e", "--kms-key", "alias/mwaa", "--format", "json"]].concat();
    let codes = |extra: &[&str]| -> Vec<String> {
        let output = run_in_root(&[&args[..], extra].concat());
        let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {}", support::stderr(&output)));
        report["findings"].as_array().expect("findings").iter().filter_map(|f| f["code"].as_str().map(str::to_string)).collect()
    };
    assert_eq!(codes(&[]), vec!["KMS001"]);
    assert_eq!(codes(&["--ignore", "kms-key-identifier"]), Vec::<String>::new());
    assert_eq!(codes(&["--select", "network"]), Vec::<String>::new());
    assert_eq!(codes(&["--select", "network", "--extend-select", "KMS001"]), vec!["KMS001"]);
    let config = scratch("kms-off.toml", "[rules]\nKMS001 = \"off\"\n");
    let config = config.to_str().expect("utf-8");
    assert_eq!(codes(&["--config", config]), Vec::<String>::new());
    assert_eq!(codes(&["--config", config, "--extend-select", "kms-key-identifier"]), vec!["KMS001"]);
    assert_eq!(codes(&["--config", config, "--extend-select", "KMS", "--ignore", "KMS001"]), Vec::<String>::new());
}

/// A Terraform team keeps its decisions in mwaa-preflight.toml by resource address: the plan's finding is
/// ignored with its reason.
#[test]
fn a_plan_finding_is_ignored_by_its_address_in_the_configuration() {
    let dir = support::fresh_folder("cli-tests", "terraform-ignore");
    std::fs::write(
        dir.join("mwaa-preflight.toml"),
        "[[ignore]]\nrule = \"BKT003\"\nresource = \"aws_s3_bucket.dags\"\nreason = \"versioned by the bucket module, reviewed 2026-12\"\n",
    )
    .expect("write the configuration");
    let plan = support::root().join("fixtures/terraform/plans/private-bucket-unversioned.plan.json");
    let run = |dir: &Path| {
        let output = support::binary()
            .current_dir(dir)
            .args(["check", "--terraform-plan", plan.to_str().expect("utf-8"), "--region", "us-east-1", "--format", "json"])
            .output()
            .expect("runs");
        serde_json::from_slice::<Value>(&output.stdout).unwrap_or_else(|e| panic!("{e}: {}", support::stderr(&output)))
    };
    let without = run(&support::fresh_folder("cli-tests", "terraform-no-config"));
    assert_eq!(support::codes(&without), vec![("BKT003".to_string(), "aws_s3_bucket.dags".to_string())]);
    let with = run(&dir);
    assert_eq!(with["findings"], serde_json::json!([]));
    assert_eq!(with["ignored"][0]["resource"], "aws_s3_bucket.dags", "{}", with["ignored"]);
}
