//! How teams wire the tool in: configuration file, offline audits, Markdown / GitHub / JUnit / diagrams,
//! shell completions and the man page.

mod support;

use mwaa_preflight::rules::{registry, Check};

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

const PLANNED: [&str; 4] = ["--subnet-ids", "subnet-a1a1a1a1,subnet-b2b2b2b2", "--security-group-ids", "sg-e1e1e1e1"];

/// A scratch directory with a snapshot (the public reference, both subnets on one NAT gateway: one RT003
/// warning) and optionally a mwaa-preflight.toml.
fn workspace(name: &str, config: Option<&str>) -> PathBuf {
    let dir = support::root().join("target/integration-tests").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("nested")).expect("dir");
    let text = std::fs::read_to_string(support::root().join("fixtures/networks/public.json")).expect("fixture");
    let one_nat = text.replace(
        "\"NatGatewayId\": \"nat-0b2b2b2b2b2b2b2b2\",\n          \"Origin\"",
        "\"NatGatewayId\": \"nat-0a1a1a1a1a1a1a1a1\",\n          \"Origin\"",
    );
    assert_ne!(text, one_nat, "fixture layout changed");
    std::fs::write(dir.join("snapshot.json"), one_nat).expect("write");
    if let Some(config) = config {
        std::fs::write(dir.join("mwaa-preflight.toml"), config).expect("write");
    }
    dir
}

fn check_in(dir: &Path, extra: &[&str]) -> Output {
    check_from(dir, dir, extra)
}

/// The workspace's snapshot, run from `cwd` (where the configuration is discovered).
fn check_from(dir: &Path, cwd: &Path, extra: &[&str]) -> Output {
    let snapshot = dir.join("snapshot.json");
    support::binary()
        .current_dir(cwd)
        .args(["check", "--snapshot", snapshot.to_str().expect("utf-8")])
        .args(PLANNED)
        .args(extra)
        .output()
        .expect("runs")
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {}", support::stderr(output)))
}

#[test]
fn configuration_sets_severity_switches_rules_off_and_ignores_with_a_reason() {
    let plain = json(&check_in(&workspace("plain", None), &["--format", "json"]));
    assert_eq!(plain["findings"][0]["code"], "RT003");
    assert_eq!(plain["findings"][0]["severity"], "warning");

    let raised = workspace("raised", Some("[rules]\nnat-per-az = \"error\"\n"));
    let output = check_from(&raised, &raised.join("nested"), &["--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "config found in a parent directory raises RT003 to an error");
    assert_eq!(json(&output)["findings"][0]["severity"], "error");

    let off = workspace("off", Some("[rules]\nRT003 = \"off\"\nCME005 = \"off\"\n"));
    let report = json(&check_in(&off, &["--format", "json"]));
    assert_eq!(report["findings"], Value::Array(vec![]));
    // What is skipped is the execution role's, the bucket's and the deployer's rules alone: the snapshot names
    // no role, no bucket and no deployer.
    let skipped = report["skipped"].as_array().expect("skipped");
    let beyond_the_network = |c: &str| ["ROLE", "BKT", "DEP"].iter().any(|family| c.starts_with(family));
    assert!(skipped.iter().all(|s| s["code"].as_str().is_some_and(beyond_the_network)), "{skipped:?}");
    // Every other rule but the two switched off passed.
    let network_rules = registry::ALL.iter().filter(|r| matches!(r.check, Check::Network(_))).count();
    assert_eq!(report["summary"]["passed"], network_rules - 2 - skipped.len());

    let ignored = workspace(
        "ignored",
        Some("fail-on = \"warning\"\n\n[[ignore]]\nrule = \"RT003\"\nresource = \"nat-0a1a1a1a1a1a1a1a1\"\nreason = \"dev account: one NAT gateway by design\"\n"),
    );
    let output = check_in(&ignored, &["--format", "json"]);
    assert_eq!(output.status.code(), Some(0));
    let report = json(&output);
    assert_eq!(report["findings"], Value::Array(vec![]));
    assert_eq!(report["ignored"][0]["code"], "RT003");
    assert_eq!(report["ignored"][0]["reason"], "dev account: one NAT gateway by design");
    let human = support::stdout(&check_in(&ignored, &["--format", "human", "--color", "never"]));
    assert!(human.contains("ignored RT003 on nat-0a1a1a1a1a1a1a1a1: dev account: one NAT gateway by design"), "{human}");
    assert!(report.get("notes").is_none(), "an ignore that accepts a finding is not stale: {report}");

    // An ignore that accepts nothing any more (the resource was renamed, the finding fixed) is said so.
    let stale = workspace(
        "stale",
        Some("[[ignore]]\nrule = \"RT003\"\nresource = \"nat-gone\"\nreason = \"was one NAT gateway\"\n[[ignore]]\nrule = \"SUB006\"\nresource = \"subnet-a1a1a1a1\"\nreason = \"small subnets\"\n"),
    );
    let report = json(&check_in(&stale, &["--format", "json"]));
    let notes: Vec<&str> = report["notes"].as_array().expect("notes").iter().filter_map(Value::as_str).collect();
    assert_eq!(
        notes,
        [
            "the ignore of RT003 on nat-gone accepted no finding: remove it, or name the resource the finding names",
            "the ignore of SUB006 on subnet-a1a1a1a1 accepted no finding: remove it, or name the resource the finding names"
        ]
    );

    // fail-on from the file, overridden by the flag.
    let strict = workspace("strict", Some("fail-on = \"warning\"\n"));
    assert_eq!(check_in(&strict, &["--format", "json"]).status.code(), Some(1));
    assert_eq!(check_in(&strict, &["--format", "json", "--fail-on", "error"]).status.code(), Some(0));
    // --config names another file.
    let elsewhere = workspace("elsewhere", None);
    std::fs::write(elsewhere.join("other.toml"), "[rules]\nRT003 = \"off\"\n").expect("write");
    let report = json(&check_in(&elsewhere, &["--format", "json", "--config", "other.toml"]));
    assert_eq!(report["findings"], Value::Array(vec![]));
}

#[test]
fn configuration_errors_point_at_the_line() {
    for (name, text, expected) in [
        ("unknown_key", "fail-on = \"error\"\nfail_onn = \"x\"\n", "unknown field `fail_onn`"),
        ("unknown_rule", "[rules]\nXYZ123 = \"off\"\n", "no rule \"XYZ123\""),
        ("no_reason", "[[ignore]]\nrule = \"RT003\"\nresource = \"nat-1\"\n", "missing field `reason`"),
        ("empty_reason", "[[ignore]]\nrule = \"RT003\"\nresource = \"nat-1\"\nreason = \" \"\n", "an ignore needs a reason"),
        ("bad_severity", "[rules]\nRT003 = \"loud\"\n", "unknown variant `loud`"),
    ] {
        let dir = workspace(name, Some(text));
        let output = check_in(&dir, &["--format", "json"]);
        assert_eq!(output.status.code(), Some(2), "{name}");
        let err = support::stderr(&output);
        assert!(err.contains(expected), "{name}: {err}");
        assert!(err.contains("mwaa-preflight.toml:"), "{name} has no location: {err}");
    }
}

/// The private reference and a second environment whose security group is gone, in one snapshot.
/// `name`: the second environment's name (default "second-env").
fn two_environments(name: Option<&str>) -> PathBuf {
    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string(support::root().join("fixtures/networks/private.json")).expect("fixture"))
            .expect("json");
    let mut second = doc["Environment"].clone();
    second["Name"] = name.unwrap_or("second-env").into();
    second["Status"] = "CREATE_FAILED".into();
    second["NetworkConfiguration"]["SecurityGroupIds"] = serde_json::json!(["sg-0dead000"]);
    doc["Environments"] = serde_json::json!([second]);
    let dir = support::root().join("target/integration-tests");
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join(format!("two-environments-{}.json", name.map_or(0, str::len)));
    std::fs::write(&path, doc.to_string()).expect("write");
    path
}

/// A name longer than any format width (65,535) is cut in the audit table, never a panic; every text
/// format renders it.
#[test]
fn an_enormous_environment_name_is_cut_in_the_table() {
    let name = "n".repeat(70_000);
    let path = two_environments(Some(&name));
    for format in ["human", "markdown", "html", "svg", "junit", "dot", "mermaid"] {
        let output = support::run(&["diagnose", "--all", "--snapshot", path.to_str().expect("utf-8"), "--format", format]);
        assert_eq!(output.status.code(), Some(1), "{format}: {}", support::stderr(&output));
        if format == "human" {
            let table_line = support::stdout(&output).lines().find(|l| l.starts_with("nnnn")).map(str::to_string).unwrap_or_default();
            assert!(table_line.chars().count() < 400 && table_line.contains("nnn…"), "{table_line:.200}");
        }
    }
}

/// Bidirectional and C1 control characters from an account (a right-to-left override reverses the text
/// after it) never reach a page or a Markdown summary raw; nor does a Markdown image or raw HTML.
#[test]
fn controls_images_and_html_from_the_account_are_made_inert() {
    let path = two_environments(Some("evil\u{202e}gpj.exe\u{85}![x](http://127.0.0.1/p.png)<img src=x>"));
    for format in ["html", "markdown", "svg"] {
        let output = support::run(&["diagnose", "--all", "--snapshot", path.to_str().expect("utf-8"), "--format", format]);
        let text = support::stdout(&output);
        assert!(!text.contains('\u{202e}') && !text.contains('\u{85}'), "{format}: a raw control character");
        assert!(text.contains("\\u{202e}"), "{format}: the override is shown as \\u{{202e}}");
        if format == "markdown" {
            // Outside code spans (where CommonMark shows HTML and images as text) everything is escaped.
            let outside_code: Vec<&str> = text.split('`').step_by(2).collect();
            assert!(outside_code.iter().all(|t| !t.contains("<img") && !t.contains("![x](")), "markdown: raw HTML or an image");
            assert!(text.contains("!\\[x\\]("), "markdown: the image is escaped");
        } else {
            assert!(!text.contains("<img src=x>"), "{format}: raw HTML from the account");
        }
    }
}

#[test]
fn offline_audit_of_a_snapshot_with_several_environments() {
    let path = two_environments(None);
    let output = support::run(&["diagnose", "--all", "--snapshot", path.to_str().expect("utf-8"), "--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let audit = json(&output);
    let names: Vec<&str> =
        audit["environments"].as_array().expect("list").iter().filter_map(|r| r["target"]["environment"].as_str()).collect();
    assert_eq!(names, ["private-reference", "second-env"]);
    assert_eq!(audit["environments"][0]["findings"], Value::Array(vec![]));
    let codes: Vec<&str> =
        audit["environments"][1]["findings"].as_array().expect("list").iter().filter_map(|f| f["code"].as_str()).collect();
    assert_eq!(codes, ["ENV002", "SG002"]);
    assert_eq!(audit["summary"]["environments"], 2);
    assert_eq!(audit["summary"]["failing"], 1);
}

#[test]
fn markdown_junit_and_diagrams_match_their_golden_files() {
    insta::assert_snapshot!("markdown_vpce005", support::case_output("VPCE005/fail_endpoint_sg_without_ingress", "markdown", &[]).1);
    insta::assert_snapshot!("junit_acl001", support::case_output("ACL001/fail_deny_all_first", "junit", &[]).1);
    insta::assert_snapshot!("mermaid_rt003", support::case_output("RT003/fail_one_nat_for_both", "mermaid", &[]).1);
    insta::assert_snapshot!("dot_vpce005", support::case_output("VPCE005/fail_endpoint_sg_without_ingress", "dot", &[]).1);
    insta::assert_snapshot!("markdown_public_clean", support::case_output("RT003/pass_nat_per_az", "markdown", &[]).1);
    insta::assert_snapshot!("junit_private_clean", support::case_output("VPCE004/pass_both_azs", "junit", &[]).1);
    insta::assert_snapshot!("mermaid_private_clean", support::case_output("VPCE004/pass_both_azs", "mermaid", &[]).1);
    insta::assert_snapshot!("mermaid_acl001", support::case_output("ACL001/fail_ingress_443_only", "mermaid", &[]).1);
    insta::assert_snapshot!("dot_public_clean", support::case_output("RT003/pass_nat_per_az", "dot", &[]).1);
}

/// Control characters from an account (an environment's name here) never make the JUnit report invalid XML.
#[test]
fn junit_stays_valid_xml_with_control_characters_in_names() {
    let snapshot = two_environments(Some("second\u{7}env\u{1b}[31m"));
    let junit =
        support::stdout(&support::run(&["diagnose", "--all", "--snapshot", snapshot.to_str().expect("utf-8"), "--format", "junit"]));
    let mut python = std::process::Command::new("python3")
        .args(["-c", "import sys, xml.dom.minidom as m; d = m.parseString(sys.stdin.buffer.read()); print(d.getElementsByTagName('testsuite')[1].getAttribute('name'))"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    std::io::Write::write_all(&mut python.stdin.take().expect("stdin"), junit.as_bytes()).expect("write");
    let parsed = python.wait_with_output().expect("python3 finishes");
    assert!(parsed.status.success(), "not XML: {}\n{junit}", String::from_utf8_lossy(&parsed.stderr));
    assert!(String::from_utf8_lossy(&parsed.stdout).contains("second"), "{}", String::from_utf8_lossy(&parsed.stdout));
}

#[test]
fn html_and_svg_match_their_golden_files() {
    // The version and where the checkout is are the volatile parts of the page (the time is pinned).
    let root = support::root().display().to_string();
    let stable =
        |html: String| html.replace(concat!("version ", env!("CARGO_PKG_VERSION")), "version [version]").replace(&root, "[checkout]");
    insta::assert_snapshot!("html_vpce005", stable(support::case_output("VPCE005/fail_endpoint_sg_without_ingress", "html", &[]).1));
    let audit = two_environments(None);
    let html = support::run(&["diagnose", "--all", "--snapshot", audit.to_str().expect("utf-8"), "--format", "html"]);
    insta::assert_snapshot!("html_audit", stable(support::stdout(&html)));
    insta::assert_snapshot!("svg_acl001", support::case_output("ACL001/fail_ingress_443_only", "svg", &[]).1);
    insta::assert_snapshot!("svg_public_clean", support::case_output("RT003/pass_nat_per_az", "svg", &[]).1);
}

/// The rectangles of one class in the tool's SVG (`class="box"`, `class="label-box"`).
fn rects(svg: &str, class: &str) -> Vec<[f64; 4]> {
    let attr = |tag: &str, name: &str| -> f64 {
        let start = tag.find(&format!(" {name}=\"")).map(|i| i + name.len() + 3).expect("attribute");
        tag[start..].split('"').next().and_then(|v| v.parse().ok()).expect("a number")
    };
    svg.split("<rect ")
        .filter(|tag| tag.starts_with(&format!("class=\"{class}\"")))
        .map(|tag| [attr(tag, "x"), attr(tag, "y"), attr(tag, "width"), attr(tag, "height")])
        .collect()
}

fn overlap(a: &[f64; 4], b: &[f64; 4]) -> bool {
    a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3] && b[1] < a[1] + a[3]
}

/// In every fixture's picture no two labels overlap and no label covers a box.
#[test]
fn svg_labels_never_overlap_in_any_fixture() {
    let mut pictures = 0;
    for file in support::case_files() {
        let case = file.strip_prefix(support::root().join("fixtures/cases")).expect("under fixtures").with_extension("");
        let (output, svg) = support::case_output(&case.display().to_string(), "svg", &[]);
        if !svg.starts_with("<svg") {
            assert_eq!(output.status.code(), Some(2), "{}: {}", case.display(), support::stderr(&output));
            continue;
        }
        pictures += 1;
        let (labels, boxes) = (rects(&svg, "label-box"), rects(&svg, "box"));
        for (i, a) in labels.iter().enumerate() {
            for b in &labels[i + 1..] {
                assert!(!overlap(a, b), "{}: labels {a:?} and {b:?} overlap", case.display());
            }
            for b in &boxes {
                assert!(!overlap(a, b), "{}: label {a:?} covers box {b:?}", case.display());
            }
        }
    }
    assert!(pictures > 90, "only {pictures} fixtures drew a picture");
}

#[test]
fn dot_renders_with_graphviz_and_shows_the_failing_edge() {
    let (_, dot) = support::case_output("VPCE005/fail_endpoint_sg_without_ingress", "dot", &[]);
    assert!(
        std::process::Command::new("dot").arg("-V").output().is_ok(),
        "Graphviz `dot` is needed for this test: apt-get install graphviz (.ci/run installs it)"
    );
    let svg = support::piped(std::process::Command::new("dot").arg("-Tsvg"), dot.as_bytes());
    assert!(svg.status.success(), "dot rejected the graph:\n{dot}");
    let svg = String::from_utf8_lossy(&svg.stdout);
    assert!(svg.contains("<svg"), "not an SVG");
    // The failing edge: env subnet -> the KMS endpoint, red, labelled with the blocking hop.
    let edge = svg
        .split("</g>")
        .find(|e| e.contains("<title>subnet&#45;1a1a1a1a&#45;&gt;vpce&#45;0a0a0004</title>"))
        .expect("edge to the KMS endpoint");
    assert!(
        edge.contains("BLOCKED 1 flow(s)")
            && edge.contains("F&#45;ENDPOINT tcp/443")
            && edge.contains("stroke=\"#d55e00\"")
            && edge.contains("sg&#45;3e3e3e3e"),
        "{edge}"
    );
}

#[test]
fn github_format_annotates_and_writes_the_job_summary() {
    let summary = support::root().join("target/integration-tests/step-summary.md");
    let _ = std::fs::create_dir_all(summary.parent().expect("parent"));
    std::fs::write(&summary, "earlier step\n").expect("write");
    let (output, annotations) =
        support::case_output("SUB004/fail_same_az_id", "github", &[("GITHUB_STEP_SUMMARY", summary.to_str().expect("utf-8"))]);
    assert_eq!(output.status.code(), Some(1));
    let line = annotations.lines().next().expect("an annotation");
    assert!(line.starts_with("::error file=target/fixture-cases/SUB004__fail_same_az_id.json,line="), "{line}");
    assert!(
        line.contains("title=SUB004 distinct-az (subnet-b2b2b2b2)::subnet-a1a1a1a1 and subnet-b2b2b2b2 are both in use1-az1"),
        "{line}"
    );
    let written = std::fs::read_to_string(&summary).expect("summary");
    assert!(written.starts_with("earlier step\n") && written.contains("| ❌ error | [SUB004 distinct-az]"), "{written}");
}

#[test]
fn completions_and_man_page_come_from_the_same_definitions() {
    for shell in ["bash", "zsh", "fish"] {
        let output = support::run(&["completions", shell]);
        assert!(output.status.success(), "{shell}");
        let script = support::stdout(&output);
        assert!(script.contains("mwaa-preflight") && script.contains("all-environments"), "{shell} completion lacks the flags");
    }
    let man = support::run(&["man"]);
    let page = support::stdout(&man);
    assert!(page.starts_with(".ie") || page.contains(".TH mwaa-preflight"), "{}", &page[..page.len().min(200)]);
    assert!(page.contains("diagnose"));
    // Each command's page, which the tool's page names under SUBCOMMANDS, exists.
    for command in ["check", "diagnose", "snapshot", "iam-policy"] {
        assert!(page.contains(&format!("mwaa\\-preflight\\-{}", command.replace('-', "\\-"))), "{command} not under SUBCOMMANDS");
        let sub = support::run(&["man", command]);
        assert!(sub.status.success(), "{}", support::stderr(&sub));
        assert!(support::stdout(&sub).contains(&format!(".TH mwaa-preflight-{command}")), "{}", support::stdout(&sub));
    }
    let check = support::stdout(&support::run(&["man", "check"]));
    assert!(check.contains("Exit codes") && check.contains("\\-\\-baseline"), "the check page has the flags and exit codes");
    let unknown = support::run(&["man", "chek"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(support::stderr(&unknown).contains("no command \"chek\""), "{}", support::stderr(&unknown));
}

#[test]
fn an_ignored_finding_is_never_named_as_the_cause_of_a_failed_environment() {
    let case = "ENV002/fail_create_failed_missing_sqs";
    let loaded = support::load_case(&support::root().join("fixtures/cases").join(format!("{case}.json")));
    let snapshot = support::materialise(&loaded, case);
    let dir = support::root().join("target/integration-tests/ignored-cause");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let diagnose = |config: Option<&str>| {
        if let Some(config) = config {
            std::fs::write(dir.join("mwaa-preflight.toml"), config).expect("write");
        }
        let output = support::binary()
            .current_dir(&dir)
            .args(&loaded.args)
            .args(["--snapshot", snapshot.to_str().expect("utf-8"), "--format", "json"])
            .output()
            .expect("runs");
        json(&output)
    };
    let env002 = |report: &Value| report["findings"].as_array().into_iter().flatten().find(|f| f["code"] == "ENV002").cloned();
    let plain = env002(&diagnose(None)).expect("ENV002 fires");
    assert_eq!(plain["evidence"]["likely_causes"][0]["code"], "VPCE001");
    let ignoring =
        "[[ignore]]\nrule = \"VPCE001\"\nresource = \"com.amazonaws.us-east-1.sqs\"\nreason = \"queue reached through a proxy\"\n";
    let report = diagnose(Some(ignoring));
    let accepted = env002(&report).expect("ENV002 still fires");
    assert_eq!(accepted["evidence"]["likely_causes"], Value::Array(vec![]), "{accepted}");
    assert!(accepted["message"].as_str().unwrap_or_default().contains("no finding explains it"), "{accepted}");
    assert_eq!(report["ignored"][0]["code"], "VPCE001");
}

/// Commands paste whole: Markdown fences each block of commands, the HTML page copies a block's code and
/// never the prose around it; the page opens with its verdict, green first when the network is clean.
#[test]
fn markdown_fences_commands_and_html_copies_code_alone_under_a_verdict() {
    let case = "VPCE005/fail_endpoint_sg_without_ingress";
    let commands = commands_of(case);
    assert!(!commands.is_empty());
    let (_, markdown) = support::case_output(case, "markdown", &[]);
    for command in &commands {
        assert!(markdown.contains(&format!("  ```sh\n  {command}\n")), "{command} is not in a fenced block:\n{markdown}");
    }
    let (_, html) = support::case_output(case, "html", &[]);
    let blocks: Vec<&str> = html
        .split("<button class=\"copy\" type=\"button\">copy</button><pre>")
        .skip(1)
        .map(|b| b.split("</pre>").next().unwrap_or_default())
        .collect();
    assert!(!blocks.is_empty() && blocks.iter().all(|b| b.starts_with("aws ")), "a copy button copies prose: {blocks:?}");
    assert!(html.contains("<p class=\"verdict fails\">✖ It will not work: VPCE005"), "{html:.2000}");
    assert!(html.contains("· checked 2025-12-04 00:00 UTC</p>"), "the time, pinned by SOURCE_DATE_EPOCH");

    let (_, clean) = support::case_output("RT003/pass_nat_per_az", "html", &[]);
    // Its undecidable checks (CME005 and the deployer's six without EvaluationResults, the execution role's six
    // without a role, the bucket's seven without a bucket) are said, not hidden.
    assert!(clean.contains("<p class=\"verdict works\">✔ No error or warning; 20 check(s) could not be decided"), "{clean:.2000}");
    assert!(clean.contains("<p class=\"summary\"><span class=\"passed\">"), "a clean network shows what passed first");
}

/// Every remediation command of the human view, at 80, 100 and 120 columns, re-joined as a shell joins ` \`
/// continuations, is the command the JSON report holds: a paste never loses a flag.
#[test]
fn wrapped_commands_paste_whole_at_any_width() {
    let mut checked = 0;
    for case in ["VPCE005/fail_endpoint_sg_without_ingress", "VPCE007/fail_dag_bucket_only", "SG003/fail_cidr_443_only"] {
        let commands = commands_of(case);
        for columns in ["80", "100", "120"] {
            let (_, human) = support::case_output(case, "human", &[("COLUMNS", columns)]);
            let width: usize = columns.parse().expect("number");
            // The help text: what follows `help:` or the continuation indent, as a terminal shows it.
            let lines: Vec<&str> = human.lines().map(|l| l.trim_start().trim_start_matches("help:").trim_start()).collect();
            // Command lines fit the width (a URL or a path elsewhere may not: they are never broken).
            let wide = human.lines().find(|l| l.chars().count() > width && (l.contains("aws ") || l.ends_with(" \\")));
            assert!(wide.is_none(), "a command line wider than {width}: {wide:?}");
            let mut pasted: Vec<String> = Vec::new();
            let mut index = 0;
            while index < lines.len() {
                if lines[index].starts_with("aws ") {
                    let mut command = lines[index].to_string();
                    while let Some(head) = command.strip_suffix(" \\") {
                        index += 1;
                        command = format!("{head} {}", lines.get(index).copied().unwrap_or_default());
                    }
                    assert!(!command.trim_end().ends_with('\\'), "a continuation alone: {command}");
                    pasted.push(command);
                }
                index += 1;
            }
            for command in &commands {
                assert!(pasted.contains(command), "{case} at {columns} columns: {command}\nnot among\n{pasted:#?}");
                checked += 1;
            }
        }
    }
    assert!(checked >= 9, "{checked} commands checked");
}

/// The AWS CLI commands of a case's findings, as the JSON report holds them.
fn commands_of(case: &str) -> Vec<String> {
    let (_, json) = support::case_output(case, "json", &[]);
    let report: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .flat_map(|f| {
            f["remediation"].as_str().unwrap_or_default().lines().filter(|l| l.starts_with("aws ")).map(str::to_string).collect::<Vec<_>>()
        })
        .collect()
}

/// Graphviz lays out the DOT report without stacking edge labels: each label line's box (its text at its
/// font size, centred on its anchor) overlaps no line of another edge's label, in fixtures with parallel
/// failing edges.
#[test]
fn dot_labels_never_overlap_when_graphviz_lays_them_out() {
    for case in ["ACL001/fail_ingress_443_only", "VPCE005/fail_endpoint_sg_without_ingress", "RT002/fail_nat_instance_source_dest_check_on"]
    {
        let (_, dot) = support::case_output(case, "dot", &[]);
        let rendered = support::piped(std::process::Command::new("dot").arg("-Tsvg"), dot.as_bytes());
        assert!(rendered.status.success(), "dot rejected {case}");
        let svg = String::from_utf8_lossy(&rendered.stdout).into_owned();
        // (edge, x0, x1, y0, y1) of every label line; Helvetica's average width is about 0.55 em.
        let mut boxes: Vec<(usize, f64, f64, f64, f64)> = Vec::new();
        for (edge, group) in svg.split("<g id=\"edge").skip(1).enumerate() {
            let group = group.split("</g>").next().unwrap_or_default();
            for text in group.split("<text ").skip(1) {
                let attribute = |name: &str| -> f64 {
                    text.split(&format!("{name}=\"")).nth(1).and_then(|v| v.split('"').next()).and_then(|v| v.parse().ok()).unwrap_or(0.0)
                };
                let content = text.split('>').nth(1).and_then(|c| c.split('<').next()).unwrap_or_default().replace("&#45;", "-");
                let (x, y, size) = (attribute("x"), attribute("y"), attribute("font-size"));
                let half = content.chars().count() as f64 * size * 0.55 / 2.0;
                boxes.push((edge, x - half, x + half, y - size, y));
            }
        }
        assert!(boxes.iter().map(|b| b.0).collect::<std::collections::BTreeSet<_>>().len() >= 2, "{case}: labelled edges: {boxes:?}");
        for (i, a) in boxes.iter().enumerate() {
            for b in &boxes[i + 1..] {
                let overlap = a.0 != b.0 && a.1 < b.2 && b.1 < a.2 && a.3 < b.4 && b.3 < a.4;
                assert!(!overlap, "{case}: labels of edges {} and {} overlap: {a:?} {b:?}", a.0, b.0);
            }
        }
    }
}
