//! Every fixture case under fixtures/cases/<CODE>/ is its own test (`cargo test SUB004` runs SUB004's),
//! run through the real binary. The exit code and the (code, resource[, severity]) findings the case file
//! declares must match, and the whole output (messages, remediation commands, evidence, skips) must match
//! the golden file beside it, `<case>.snap` (`cargo insta review` after an intended change).
//!
//! datatest-stable makes one test per file, named by its path, so a case can be run and listed alone
//! (insta::glob! would run every case inside one test).

mod support;

use std::path::Path;

use serde_json::{json, Value};

type Key = (String, Option<String>, Option<String>);

fn declared(findings: &[Vec<Value>]) -> Vec<Key> {
    let mut keys: Vec<Key> = findings
        .iter()
        .map(|f| {
            let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
            (text(f.first()).unwrap_or_default(), text(f.get(1)), text(f.get(2)))
        })
        .collect();
    keys.sort();
    keys
}

fn reported(report: &Value, declared: &[Key]) -> Vec<Key> {
    let mut keys: Vec<Key> = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            let code = f["code"].as_str().unwrap_or_default().to_string();
            let resource = f["resource"].as_str().map(str::to_string);
            // Severity is compared where the case states it.
            let severity = declared
                .iter()
                .find(|(c, r, s)| *c == code && *r == resource && s.is_some())
                .and(f["severity"].as_str().map(str::to_string));
            (code, resource, severity)
        })
        .collect();
    keys.sort();
    keys
}

/// A case file's rule directory, its stem (without `suffix`) and its name (`CODE/stem`).
fn case_name<'p>(path: &'p Path, suffix: &str) -> datatest_stable::Result<(&'p Path, String, String)> {
    let code_dir = path.parent().ok_or("a case lives in its rule's directory")?;
    let file_name = path.file_name().ok_or("a case file has a name")?.to_string_lossy().into_owned();
    let stem = file_name.trim_end_matches(suffix).to_string();
    let name = format!("{}/{stem}", code_dir.file_name().ok_or("rule directory")?.to_string_lossy());
    Ok((code_dir, stem, name))
}

/// The binary's exit code and JSON report for `args` (`--format json` added).
fn run(name: &str, mut args: Vec<String>) -> datatest_stable::Result<(i32, Value)> {
    args.extend(["--format".to_string(), "json".to_string()]);
    let output = support::binary().args(&args).output()?;
    let report: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("{name}: no JSON report ({e}); stderr: {}", support::stderr(&output)))?;
    Ok((output.status.code().unwrap_or(-1), report))
}

fn case(path: &Path) -> datatest_stable::Result<()> {
    let (code_dir, stem, name) = case_name(path, ".json")?;
    let case = support::load_case(path);
    let snapshot = support::materialise(&case, &name);
    let mut args = case.args.clone();
    args.extend(["--snapshot".to_string(), snapshot.display().to_string()]);
    let (exit, report) = run(&name, args)?;
    judge(&name, &case.description, code_dir, &stem, &report, exit, case.exit, &case.findings, case.skipped.as_ref())
}

/// A template case (fixtures/templates/<CODE>/<case>.case.json): the template, edited as the case says,
/// checked with `--template` alone (no AWS call), judged and pinned like the snapshot cases.
fn template_case(path: &Path) -> datatest_stable::Result<()> {
    let (code_dir, stem, name) = case_name(path, ".case.json")?;
    let case = support::load_template_case(path);
    let template = support::materialise_template(&case, code_dir, &name)?;
    let mut args: Vec<String> =
        ["check", "--template", &template.display().to_string(), "--region", "us-east-1"].map(String::from).to_vec();
    args.extend(case.args.iter().map(|a| a.replace("{fixtures}", &support::root().join("fixtures").display().to_string())));
    let (exit, report) = run(&name, args.clone())?;
    judge(&name, &case.description, code_dir, &stem, &report, exit, case.exit, &case.findings, case.skipped.as_ref())?;
    fixed_case(&name, code_dir, &stem, &template, &args[3..], &report)
}

/// A template case whose findings have fixes: `--fix --unsafe-fixes` on a copy, the result pinned beside the
/// case as `<case>.fixed.<ext>` (clippy's layout; `INSTA_UPDATE=always cargo test --test cases` writes it).
/// Every fixed finding is gone, a fix not made says why, and fixing the result again changes nothing.
fn fixed_case(name: &str, code_dir: &Path, stem: &str, template: &Path, args: &[String], report: &Value) -> datatest_stable::Result<()> {
    let key = |f: &Value| format!("{} on {}", f["code"].as_str().unwrap_or_default(), f["resource"].as_str().unwrap_or("-"));
    let fixable: Vec<String> = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| matches!(f["fix"]["applicability"].as_str(), Some("safe" | "unsafe")))
        .map(key)
        .collect();
    let extension = template.extension().and_then(|e| e.to_str()).unwrap_or("yaml");
    let golden = support::root().join(code_dir).join(format!("{stem}.fixed.{extension}"));
    if fixable.is_empty() {
        return match golden.exists() {
            true => Err(format!("{name}: {} is stale: the case has no fix any more", golden.display()).into()),
            false => Ok(()),
        };
    }
    let copy = support::root().join("target/fixed-cases").join(format!("{}.{extension}", name.replace('/', "__")));
    std::fs::create_dir_all(copy.parent().ok_or("scratch dir")?)?;
    std::fs::copy(template, &copy)?;
    let fix = || {
        support::binary()
            .args(["check", "--template", &copy.display().to_string(), "--fix", "--unsafe-fixes", "--format", "json"])
            .args(args)
            .output()
    };
    let output = fix()?;
    let said = support::stderr(&output);
    let after: Value = serde_json::from_slice(&output.stdout).map_err(|e| format!("{name}: no report after --fix ({e}): {said}"))?;
    let remaining: Vec<String> = after["findings"].as_array().into_iter().flatten().map(key).collect();
    for finding in fixable.iter().filter(|f| remaining.contains(f)) {
        if !said.contains(&format!("not fixed: {finding}: ")) {
            return Err(format!("{name}: {finding} has a fix, remains after --fix, and nothing says why: {said}").into());
        }
    }
    let fixed = std::fs::read_to_string(&copy)?;
    let update = std::env::var("INSTA_UPDATE").is_ok_and(|v| v == "always");
    if update {
        std::fs::write(&golden, &fixed)?;
    }
    let pinned = std::fs::read_to_string(&golden)
        .map_err(|e| format!("{name}: {} ({e}); write it with INSTA_UPDATE=always cargo test --test cases", golden.display()))?;
    if pinned != fixed {
        return Err(format!("{name}: --fix wrote other text than {} (INSTA_UPDATE=always accepts it)", golden.display()).into());
    }
    let again = fix()?;
    if !support::stderr(&again).contains("no fix to apply") || std::fs::read_to_string(&copy)? != fixed {
        return Err(format!("{name}: fixing the fixed template changes it again: {}", support::stderr(&again)).into());
    }
    Ok(())
}

/// A Terraform case (fixtures/terraform/<CODE>/<case>.case.json): a plan or state of fixtures/terraform/plans/
/// (written by fixtures/terraform/generate.py), checked with `--terraform-plan` alone.
fn terraform_case(path: &Path) -> datatest_stable::Result<()> {
    let (code_dir, stem, name) = case_name(path, ".case.json")?;
    let case = support::load_template_case(path);
    let plan = support::root().join("fixtures/terraform/plans").join(case.plan.as_deref().ok_or("a Terraform case names its plan")?);
    let mut args: Vec<String> = ["check", "--terraform-plan", &plan.display().to_string()].map(String::from).to_vec();
    args.extend(case.args.iter().cloned());
    let (exit, report) = run(&name, args)?;
    judge(&name, &case.description, code_dir, &stem, &report, exit, case.exit, &case.findings, case.skipped.as_ref())
}

/// The exit code and the declared findings (and skips, where stated) must match; the whole output is
/// pinned in `<case>.snap`.
#[allow(clippy::too_many_arguments)]
fn judge(
    name: &str,
    description: &str,
    code_dir: &Path,
    stem: &str,
    report: &Value,
    exit: i32,
    expected_exit: i32,
    findings: &[Vec<Value>],
    skipped: Option<&Vec<String>>,
) -> datatest_stable::Result<()> {
    let want = declared(findings);
    let got = reported(report, &want);
    if got != want || exit != expected_exit {
        return Err(
            format!("{name} ({description}):\n  exit {exit}, expected {expected_exit}\n  got      {got:?}\n  expected {want:?}").into()
        );
    }
    if let Some(skipped) = skipped {
        let mut got: Vec<String> =
            report["skipped"].as_array().into_iter().flatten().filter_map(|s| s["code"].as_str().map(str::to_string)).collect();
        got.sort();
        let mut want = skipped.clone();
        want.sort();
        if got != want {
            return Err(format!("{name}: skipped {got:?}, expected {want:?}").into());
        }
    }
    let mut golden = json!({"exit": exit, "findings": report["findings"], "skipped": report["skipped"], "ignored": report["ignored"]});
    // What the policy rules did not evaluate, where they ran.
    if let Some(caveats) = report.get("caveats") {
        golden["caveats"] = caveats.clone();
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(support::root().join(code_dir));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_description(description.to_string());
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(stem.to_string(), serde_json::to_string_pretty(&golden).unwrap_or_default()));
    Ok(())
}

datatest_stable::harness! {
    { test = case, root = "fixtures/cases", pattern = r"\.json$" },
    { test = template_case, root = "fixtures/templates", pattern = r"\.case\.json$" },
    { test = terraform_case, root = "fixtures/terraform", pattern = r"\.case\.json$" },
}
