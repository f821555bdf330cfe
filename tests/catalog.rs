//! The catalog stays in one-to-one step: the registry, rules/<CODE>.md, the README and the fixture cases
//! (a failing and a passing one per rule). The contract's RULES.md is compared in CI (.ci/spec-catalog.py).

mod support;

use std::collections::BTreeSet;

use mwaa_preflight::rules::registry;
use serde_json::Value;

fn registry_codes() -> BTreeSet<String> {
    registry::ALL.iter().map(|r| r.code.to_string()).collect()
}

#[test]
fn every_rule_has_its_document_and_no_document_is_orphaned() {
    let mut docs = BTreeSet::new();
    for entry in std::fs::read_dir(support::root().join("rules")).expect("rules/") {
        let path = entry.expect("entry").path();
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        docs.insert(stem);
    }
    assert_eq!(docs, registry_codes(), "rules/*.md vs registry");
    for rule in registry::ALL {
        let heading = format!("# {} {}\n", rule.code, rule.name);
        assert!(rule.doc.starts_with(&heading), "{} doc must start with {heading:?}", rule.code);
        for section in ["## What it checks", "## Why it matters", "## How to fix", "## Examples"] {
            assert!(rule.doc.contains(section), "{} doc lacks {section}", rule.code);
        }
        assert!(rule.source.starts_with("https://docs.aws.amazon.com/"), "{} source link", rule.code);
    }
}

/// Which a case is by its name: snapshot cases `fail_`, `pass_`, `skip_`; template and plan cases may also
/// fail as `warn_` or `info_`.
#[derive(PartialEq)]
enum Verdict {
    Fires,
    Passes,
    Skipped,
}

fn verdict(stem: &str, snapshot: bool) -> Option<Verdict> {
    let prefix = stem.split('_').next().unwrap_or_default();
    match prefix {
        "fail" => Some(Verdict::Fires),
        "warn" | "info" if !snapshot => Some(Verdict::Fires),
        "pass" => Some(Verdict::Passes),
        "skip" => Some(Verdict::Skipped),
        _ => None,
    }
}

/// Every rule fires and passes in some fixture: a snapshot case, or a template or plan case for what only
/// code can decide (ROLE005's order of creation).
#[test]
fn every_rule_has_a_failing_and_a_passing_fixture() {
    #[derive(serde::Deserialize)]
    struct Judged {
        findings: Vec<Vec<Value>>,
        #[serde(default)]
        skipped: Option<Vec<String>>,
    }
    let mut fails = BTreeSet::new();
    let mut passes = BTreeSet::new();
    let code_cases = ["fixtures/templates", "fixtures/terraform"].into_iter().flat_map(|kind| {
        let dir = support::root().join(kind);
        std::fs::read_dir(&dir)
            .expect("fixtures")
            .filter_map(Result::ok)
            // A rule's cases are in its code's folder (others hold shared inputs, or cases of several rules).
            .filter(|code| registry_codes().contains(&code.file_name().to_string_lossy().into_owned()))
            .filter_map(|code| std::fs::read_dir(code.path()).ok())
            .flatten()
            .filter_map(Result::ok)
            .map(|f| f.path())
            .filter(|f| f.to_string_lossy().ends_with(".case.json"))
            .collect::<Vec<_>>()
    });
    let files: Vec<(std::path::PathBuf, bool)> =
        support::case_files().into_iter().map(|f| (f, true)).chain(code_cases.map(|f| (f, false))).collect();
    for (file, snapshot) in files {
        let dir = file.parent().and_then(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let stem = name.trim_end_matches(".json").trim_end_matches(".case").to_string();
        let text = std::fs::read_to_string(&file).expect("case file");
        let case: Judged = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let fires = case.findings.iter().any(|f| f.first().and_then(Value::as_str) == Some(dir.as_str()));
        match verdict(&stem, snapshot) {
            Some(Verdict::Fires) => {
                assert!(fires, "{dir}/{stem} is a failing case but does not expect {dir}");
                fails.insert(dir);
            }
            Some(Verdict::Passes) => {
                assert!(!fires, "{dir}/{stem} is a passing case but expects {dir}");
                passes.insert(dir);
            }
            Some(Verdict::Skipped) => {
                let skipped = case.skipped.as_ref().is_some_and(|codes| codes.contains(&dir));
                assert!(!fires && skipped, "{dir}/{stem} is a skipping case but does not expect {dir} skipped");
            }
            None if snapshot => panic!("{dir}/{stem}: snapshot case names start with fail_, pass_ or skip_"),
            None => panic!("{dir}/{stem}: case names start with fail_, warn_, info_, pass_ or skip_"),
        }
    }
    assert_eq!(fails, registry_codes(), "rules without a failing fixture");
    assert_eq!(passes, registry_codes(), "rules without a passing fixture");
}

#[test]
fn every_fixture_is_listed_in_its_rule_document() {
    for file in support::case_files() {
        let code = file.parent().and_then(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let doc = registry::ALL.iter().find(|r| r.code == code).map(|r| r.doc).unwrap_or_default();
        assert!(doc.contains(&format!("`{name}`")), "rules/{code}.md does not list {name} under Examples");
    }
    // Template and Terraform cases under a rule's code are listed in its document too.
    let code_dirs = ["fixtures/templates", "fixtures/terraform"].map(|d| std::fs::read_dir(support::root().join(d)).expect(d));
    for entry in code_dirs.into_iter().flatten() {
        let dir = entry.expect("entry").path();
        let code = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let Some(rule) = registry::ALL.iter().find(|r| r.code == code) else { continue };
        for file in std::fs::read_dir(&dir).expect("rule dir") {
            let name = file.expect("entry").file_name().to_string_lossy().into_owned();
            if name.ends_with(".case.json") {
                assert!(rule.doc.contains(&format!("`{name}`")), "rules/{code}.md does not list the template case {name}");
            }
        }
    }
}

#[test]
fn explain_prints_the_document_by_code_or_name() {
    let by_code = support::run(&["explain", "sub004"]);
    assert!(by_code.status.success());
    // For the terminal: a title, headings underlined, no Markdown marks, no repository paths.
    let text = support::stdout(&by_code);
    assert!(text.starts_with("SUB004 distinct-az\n==================\n"), "{text}");
    assert!(text.contains("\nHow to fix\n----------\n") && !text.contains("## ") && !text.contains("](http"), "{text}");
    assert!(!text.contains("fixtures/"), "{text}");
    // As the repository keeps it.
    let markdown = support::run(&["explain", "sub004", "--format", "markdown"]);
    assert!(
        support::stdout(&markdown).starts_with("# SUB004 distinct-az\n") && support::stdout(&markdown).contains("fixtures/cases/SUB004")
    );
    let by_name = support::run(&["explain", "nacl-blocks-flow"]);
    assert!(support::stdout(&by_name).starts_with("ACL001 nacl-blocks-flow\n"));
    let unknown = support::run(&["explain", "XYZ999"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(support::stderr(&unknown).contains("no rule \"XYZ999\""));
}

#[test]
fn rules_lists_the_whole_catalog() {
    let output = support::run(&["rules"]);
    let text = support::stdout(&output);
    assert_eq!(text.lines().count(), registry::ALL.len());
    assert!(text.lines().any(|l| l.starts_with("VPCE007  s3-endpoint-policy")));
}

#[test]
fn readme_lists_every_rule() {
    let readme = std::fs::read_to_string(support::root().join("README.md")).expect("README.md");
    for rule in registry::ALL {
        assert!(readme.contains(&format!("| {} | {} |", rule.code, rule.name)), "README lacks {}", rule.code);
    }
}
