//! Every fixture case under fixtures/cases/<CODE>/ runs through the real binary; the exit code and the
//! exact set of (code, resource[, severity]) findings must match the case file.

mod support;

use serde_json::Value;

type Key = (String, Option<String>, Option<String>);

fn expected(case: &support::Case) -> Vec<Key> {
    let mut keys: Vec<Key> = case
        .findings
        .iter()
        .map(|f| {
            let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
            (text(f.first()).unwrap_or_default(), text(f.get(1)), text(f.get(2)))
        })
        .collect();
    keys.sort();
    keys
}

fn actual(report: &Value, with_severity: &[Key]) -> Vec<Key> {
    let mut keys: Vec<Key> = report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            let code = f["code"].as_str().unwrap_or_default().to_string();
            let resource = f["resource"].as_str().map(str::to_string);
            // Severity is compared where the case states it.
            let severity = with_severity
                .iter()
                .find(|(c, r, s)| *c == code && *r == resource && s.is_some())
                .and(f["severity"].as_str().map(str::to_string));
            (code, resource, severity)
        })
        .collect();
    keys.sort();
    keys
}

#[test]
fn every_case_reports_exactly_what_it_expects() {
    let mut failures = Vec::new();
    let files = support::case_files();
    assert!(files.len() > 70, "fixture cases missing: found {}", files.len());
    for file in &files {
        let name = format!(
            "{}/{}",
            file.parent().and_then(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            file.file_stem().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
        );
        let case = support::load_case(file);
        let snapshot = support::materialise(&case, &name);
        let mut args: Vec<String> = case.args.clone();
        args.extend(["--snapshot".to_string(), snapshot.display().to_string(), "--format".to_string(), "json".to_string()]);
        let output = support::binary().args(&args).output().expect("binary runs");
        let code = output.status.code().unwrap_or(-1);
        let report: Value = match serde_json::from_slice(&output.stdout) {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!("{name}: no JSON report ({e}); stderr: {}", support::stderr(&output)));
                continue;
            }
        };
        let want = expected(&case);
        let got = actual(&report, &want);
        if got != want || code != case.exit {
            failures.push(format!(
                "{name} ({}):\n  exit {code}, expected {}\n  got      {got:?}\n  expected {want:?}",
                case.description, case.exit
            ));
        }
        if let Some(skipped) = &case.skipped {
            let mut got: Vec<String> =
                report["skipped"].as_array().into_iter().flatten().filter_map(|s| s["code"].as_str().map(str::to_string)).collect();
            got.sort();
            let mut want = skipped.clone();
            want.sort();
            if got != want {
                failures.push(format!("{name}: skipped {got:?}, expected {want:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), files.len(), failures.join("\n"));
}
