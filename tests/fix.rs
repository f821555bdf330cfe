//! `check --fix` and `--diff` through the real binary, judged by real clients: cfn-lint (pinned in
//! tests/emulator/requirements.txt) on every fixed template golden, PyYAML to write a JSON template from a
//! YAML one, serde_json to read the fixed JSON back, and python-hcl2 to read a fixed Terraform configuration. The per-case `.fixed` goldens are pinned by
//! tests/cases.rs.

mod support;

// Only the test tools' Python (cfn-lint, PyYAML) is needed here, not the emulator.
#[allow(dead_code)]
#[path = "support/emulator.rs"]
mod emulator;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// A scratch copy of the base template with `edits`, as `name`.
fn template(name: &str, edits: &[(&str, &str)]) -> PathBuf {
    let mut text = std::fs::read_to_string(support::root().join("fixtures/templates/base/private.yaml")).expect("base template");
    for (old, new) in edits {
        assert_eq!(text.matches(old).count(), 1, "{old} matches once");
        text = text.replacen(old, new, 1);
    }
    let dir = support::root().join("target/fix-tests");
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write the template");
    path
}

const DNS_OFF: (&str, &str) = ("      EnableDnsSupport: true", "      EnableDnsSupport: false");

fn check(path: &Path, extra: &[&str]) -> Output {
    support::binary()
        .args(["check", "--template", &path.display().to_string(), "--region", "us-east-1"])
        .args(extra)
        .output()
        .expect("the binary runs")
}

/// cfn-lint's findings at error level for `files` (its exit code is a bit mask: 2 means an error).
fn cfn_lint_errors(files: &[PathBuf]) -> Option<String> {
    let python = emulator::python();
    let output = Command::new(&python)
        .args(["-c", "import sys; from cfnlint.runner import main; sys.exit(main())", "--format", "parseable"])
        .args(files)
        .output()
        .expect("cfn-lint runs");
    let code = output.status.code().unwrap_or(-1);
    assert!(code >= 0 && code & 1 == 0, "cfn-lint itself failed ({code}): {}", support::stderr(&output));
    (code & 2 != 0).then(|| support::stdout(&output))
}

#[test]
fn every_fixed_template_golden_passes_cfn_lint() {
    let mut fixed: Vec<PathBuf> = Vec::new();
    for dir in std::fs::read_dir(support::root().join("fixtures/templates")).expect("fixtures").flatten() {
        for file in std::fs::read_dir(dir.path()).into_iter().flatten().flatten() {
            if file.file_name().to_string_lossy().contains(".fixed.") {
                fixed.push(file.path());
            }
        }
    }
    assert!(fixed.len() >= 15, "the fixed goldens are where tests/cases.rs writes them ({} found)", fixed.len());
    if let Some(errors) = cfn_lint_errors(&fixed) {
        panic!("cfn-lint finds errors in fixed templates:\n{errors}");
    }
}

#[test]
fn a_json_template_is_fixed_in_its_own_layout() {
    // PyYAML writes the JSON template CloudFormation would read from the YAML one (short forms as long ones).
    let yaml = template("json-source.yaml", &[DNS_OFF]);
    let convert = r#"
def tagged_form(suffix, value):
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {"Ref" if suffix == "Ref" else "Fn::" + suffix: value}
print(json.dumps(yaml.load(open(sys.argv[1]), Loader=Loader), indent=4))
"#;
    let script = support::pyyaml_loader("SafeLoader") + convert;
    let output = Command::new(emulator::python()).arg("-c").arg(&script).arg(&yaml).output().expect("PyYAML runs");
    assert!(output.status.success(), "{}", support::stderr(&output));
    let json_path = yaml.with_file_name("dns-off.json");
    std::fs::write(&json_path, &output.stdout).expect("write the JSON template");
    let before = std::fs::read_to_string(&json_path).expect("read");
    // The remediation is written as the file is: JSON.
    let report: Value = serde_json::from_slice(&check(&json_path, &["--format", "json"]).stdout).expect("report");
    assert_eq!(report["findings"][0]["remediation"], "In VPC (AWS::EC2::VPC), set \"EnableDnsSupport\": true");

    let output = check(&json_path, &["--fix", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", support::stderr(&output));
    assert!(support::stderr(&output).contains("fixed 1 finding(s)"), "{}", support::stderr(&output));
    let after = std::fs::read_to_string(&json_path).expect("read");
    let changed: Vec<(&str, &str)> = before.lines().zip(after.lines()).filter(|(a, b)| a != b).collect();
    // One value changed in place; every other byte (indentation, key order) as it was.
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert!(changed[0].0.trim() == "\"EnableDnsSupport\": false," && changed[0].1 == changed[0].0.replace("false", "true"), "{changed:?}");
    assert_eq!(before.lines().count(), after.lines().count());
    serde_json::from_str::<Value>(&after).expect("the fixed template is JSON");
    assert_eq!(cfn_lint_errors(&[json_path]), None);
}

#[test]
fn diff_shows_the_edits_and_writes_nothing() {
    let path = template("diff.yaml", &[DNS_OFF]);
    let before = std::fs::read_to_string(&path).expect("read");
    let output = check(&path, &["--diff"]);
    // The check's own exit code: the finding is still there.
    assert_eq!(output.status.code(), Some(1));
    let diff = support::stdout(&output);
    assert!(diff.contains("-      EnableDnsSupport: false\n+      EnableDnsSupport: true\n"), "{diff}");
    assert!(support::stderr(&output).contains("would fix 1 finding(s)"), "{}", support::stderr(&output));
    assert_eq!(std::fs::read_to_string(&path).expect("read"), before);
}

#[test]
fn fixing_keeps_a_linked_template_a_link_and_a_second_run_changes_nothing() {
    let target = template("linked-target.yaml", &[DNS_OFF]);
    let link = target.with_file_name("linked.yaml");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(&target, &link).expect("symlink");
    let output = check(&link, &["--fix"]);
    assert_eq!(output.status.code(), Some(0), "{}", support::stderr(&output));
    assert!(std::fs::symlink_metadata(&link).expect("link").file_type().is_symlink());
    let fixed = std::fs::read_to_string(&target).expect("read");
    assert!(fixed.contains("      EnableDnsSupport: true\n"));
    let again = check(&link, &["--fix"]);
    assert!(support::stderr(&again).contains("no fix to apply"), "{}", support::stderr(&again));
    assert_eq!(std::fs::read_to_string(&target).expect("read"), fixed);
}

#[test]
fn what_fix_cannot_edit_is_refused_before_anything_is_read() {
    let plan = support::root().join("fixtures/terraform/plans");
    let some_plan = std::fs::read_dir(&plan).expect("plans").flatten().next().expect("a plan").path();
    // A plan whose folder holds no configuration.
    let output = support::run(&["check", "--terraform-plan", &some_plan.display().to_string(), "--fix"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(support::stderr(&output).contains("holds no .tf file"), "{}", support::stderr(&output));
    let path = template("stdin.yaml", &[DNS_OFF]);
    let text = std::fs::read(&path).expect("read");
    let output = support::piped(support::binary().args(["check", "--template", "-", "--region", "us-east-1", "--fix"]), &text);
    assert_eq!(output.status.code(), Some(2));
    assert!(support::stderr(&output).contains("--fix cannot edit this input"), "{}", support::stderr(&output));
}

#[test]
fn the_human_view_marks_what_fix_repairs_and_sarif_and_html_carry_the_edit() {
    let path = template("marks.yaml", &[DNS_OFF]);
    let human = support::stdout(&check(&path, &["--format", "human"]));
    assert!(human.contains("[*] VPC: "), "{human}");
    assert!(human.contains("[*] 1 fixable with `check --fix`"), "{human}");
    let sarif: Value = serde_json::from_slice(&check(&path, &["--format", "sarif"]).stdout).expect("SARIF");
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "DNS001");
    let replacement = &result["fixes"][0]["artifactChanges"][0]["replacements"][0];
    assert_eq!(replacement["insertedContent"]["text"], "true");
    let text = std::fs::read_to_string(&path).expect("read");
    let at = replacement["deletedRegion"]["byteOffset"].as_u64().expect("offset") as usize;
    let length = replacement["deletedRegion"]["byteLength"].as_u64().expect("length") as usize;
    assert_eq!(&text[at..at + length], "false");
    let html = support::stdout(&check(&path, &["--format", "html"]));
    assert!(html.contains("The edit <code>check --fix</code> makes"), "{html}");
    assert!(html.contains("-      EnableDnsSupport: false\n+      EnableDnsSupport: true"), "{html}");
}

/// A scratch copy of the private configuration (fixtures/terraform/config/private) beside its plan, both
/// edited alike: `tf_edits` on main.tf, `plan_edit` on the plan's JSON.
fn configuration(name: &str, tf_edits: &[(&str, &str)], plan_edit: &dyn Fn(&mut Value)) -> PathBuf {
    let dir = support::root().join("target/fix-tests").join(name);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let mut tf = std::fs::read_to_string(support::root().join("fixtures/terraform/config/private/main.tf")).expect("main.tf");
    for (old, new) in tf_edits {
        assert_eq!(tf.matches(old).count(), 1, "{old} matches once");
        tf = tf.replacen(old, new, 1);
    }
    std::fs::write(dir.join("main.tf"), tf).expect("write main.tf");
    let plan = std::fs::read_to_string(support::root().join("fixtures/terraform/plans/private-no-sqs.plan.json")).expect("plan");
    let mut plan: Value = serde_json::from_str(&plan).expect("plan JSON");
    plan_edit(&mut plan);
    std::fs::write(dir.join("plan.json"), serde_json::to_string_pretty(&plan).expect("JSON")).expect("write the plan");
    dir
}

fn check_plan(dir: &Path, extra: &[&str]) -> Output {
    support::binary().args(["check", "--terraform-plan", &dir.join("plan.json").display().to_string()]).args(extra).output().expect("runs")
}

#[test]
fn a_plan_finding_is_fixed_in_its_configuration_and_python_hcl2_reads_the_result() {
    let dir = configuration("tf-sqs", &[], &|_| {});
    let before = std::fs::read_to_string(dir.join("main.tf")).expect("read");
    let output = check_plan(&dir, &["--fix"]);
    // The report is the plan's: it is not made again here.
    assert_eq!(output.status.code(), Some(1), "{}", support::stderr(&output));
    let said = support::stderr(&output);
    assert!(said.contains("fixed 1 finding(s)") && said.contains("run terraform plan again"), "{said}");
    let after = std::fs::read_to_string(dir.join("main.tf")).expect("read");
    assert!(after.starts_with(&before), "everything that was there stays byte for byte");
    let read = r#"
import hcl2, json, sys
blocks = hcl2.load(open(sys.argv[1]))["resource"]
endpoint = [b['"aws_vpc_endpoint"']['"sqs_vpc_endpoint"'] for b in blocks if '"aws_vpc_endpoint"' in b and '"sqs_vpc_endpoint"' in b['"aws_vpc_endpoint"']]
print(json.dumps(endpoint))
"#;
    let parsed = Command::new(emulator::python()).arg("-c").arg(read).arg(dir.join("main.tf")).output().expect("python-hcl2 runs");
    assert!(parsed.status.success(), "python-hcl2 cannot read the fixed configuration: {}", support::stderr(&parsed));
    let endpoint: Value = serde_json::from_slice(&parsed.stdout).expect("JSON");
    assert_eq!(endpoint[0]["service_name"], "\"com.amazonaws.us-east-1.sqs\"", "{endpoint}");
    assert_eq!(endpoint[0]["private_dns_enabled"], true);
    assert_eq!(endpoint[0]["vpc_id"], "${aws_vpc.main.id}");

    // The plan still lacks it: a second --fix does not add the block twice, and says why.
    let again = check_plan(&dir, &["--fix"]);
    assert!(
        support::stderr(&again).contains("it adds aws_vpc_endpoint.sqs_vpc_endpoint, and the code has a resource of that name already"),
        "{}",
        support::stderr(&again)
    );
    assert_eq!(std::fs::read_to_string(dir.join("main.tf")).expect("read"), after);
}

#[test]
fn a_plan_argument_is_set_in_place_and_diff_shows_it_first() {
    let off = ("enable_dns_support   = true # the endpoints", "enable_dns_support   = false # the endpoints");
    let dir = configuration("tf-dns", &[off], &|plan| {
        plan["planned_values"]["root_module"]["resources"][0]["values"]["enable_dns_support"] = Value::Bool(false);
    });
    let before = std::fs::read_to_string(dir.join("main.tf")).expect("read");
    let diff = check_plan(&dir, &["--diff"]);
    assert_eq!(diff.status.code(), Some(1));
    let text = support::stdout(&diff);
    assert!(text.contains(&format!("-  {}", off.1)) && text.contains(&format!("+  {}", off.0)), "{text}");
    assert_eq!(std::fs::read_to_string(dir.join("main.tf")).expect("read"), before, "--diff writes nothing");
    let fixed = check_plan(&dir, &["--fix", "--terraform-dir", &dir.display().to_string()]);
    assert!(support::stderr(&fixed).contains("fixed 2 finding(s)"), "DNS001 and VPCE001: {}", support::stderr(&fixed));
    let after = std::fs::read_to_string(dir.join("main.tf")).expect("read");
    assert!(after.contains(off.0) && !after.contains(off.1));
}

/// The edits of the template cases on the private base template whose findings have a fix: the pieces the
/// property test combines.
fn fixable_edits() -> Vec<Vec<(String, String)>> {
    let mut edits = Vec::new();
    for dir in std::fs::read_dir(support::root().join("fixtures/templates")).expect("fixtures").flatten() {
        for file in std::fs::read_dir(dir.path()).into_iter().flatten().flatten() {
            let path = file.path();
            let fixed = path.with_extension("").with_extension("fixed.yaml");
            if !path.to_string_lossy().ends_with(".case.json") || !fixed.exists() {
                continue;
            }
            let case: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("case")).expect("case JSON");
            if case["base"] == "private" && case["args"].as_array().is_some_and(Vec::is_empty) {
                let pairs = case["edits"].as_array().into_iter().flatten();
                edits.push(
                    pairs.map(|p| (p[0].as_str().unwrap_or_default().to_string(), p[1].as_str().unwrap_or_default().to_string())).collect(),
                );
            }
        }
    }
    edits.sort();
    edits
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 24, ..proptest::prelude::ProptestConfig::default() })]

    /// Several broken things at once, drawn from the fixable cases: `--fix --unsafe-fixes` leaves no
    /// finding it has a fix for unless it says why, and fixing the result again changes nothing.
    #[test]
    fn random_fixable_templates_fix_to_what_remains_and_fixing_twice_changes_nothing(mask in 1u32..(1 << 12)) {
        let pieces = fixable_edits();
        proptest::prop_assert!(pieces.len() >= 8, "the fixable cases on the private base: {}", pieces.len());
        let mut text = std::fs::read_to_string(support::root().join("fixtures/templates/base/private.yaml")).expect("base");
        let chosen = pieces.iter().enumerate().filter(|(i, _)| mask & (1 << (i % 12)) != 0).map(|(_, piece)| piece);
        for piece in chosen {
            // A piece that touches text an earlier one changed is left out.
            if piece.iter().all(|(old, _)| text.matches(old.as_str()).count() == 1) {
                for (old, new) in piece {
                    text = text.replacen(old.as_str(), new, 1);
                }
            }
        }
        let path = support::root().join("target/fix-tests").join(format!("random-{mask}.yaml"));
        std::fs::create_dir_all(path.parent().expect("dir")).expect("scratch");
        std::fs::write(&path, &text).expect("write");
        let before: Value = serde_json::from_slice(&check(&path, &["--format", "json"]).stdout).expect("report");
        let fixable: Vec<String> = before["findings"].as_array().into_iter().flatten()
            .filter(|f| matches!(f["fix"]["applicability"].as_str(), Some("safe" | "unsafe")))
            .map(|f| format!("{} on {}", f["code"].as_str().unwrap_or_default(), f["resource"].as_str().unwrap_or("-")))
            .collect();
        let output = check(&path, &["--fix", "--unsafe-fixes", "--format", "json"]);
        let said = support::stderr(&output);
        let after: Value = serde_json::from_slice(&output.stdout).expect("report after --fix");
        for finding in after["findings"].as_array().into_iter().flatten() {
            let key = format!("{} on {}", finding["code"].as_str().unwrap_or_default(), finding["resource"].as_str().unwrap_or("-"));
            proptest::prop_assert!(!fixable.contains(&key) || said.contains(&format!("not fixed: {key}: ")), "{key} remains and nothing says why: {said}");
        }
        let fixed = std::fs::read_to_string(&path).expect("read");
        let again = check(&path, &["--fix", "--unsafe-fixes"]);
        proptest::prop_assert_eq!(std::fs::read_to_string(&path).expect("read"), fixed, "{}", support::stderr(&again));
    }
}
