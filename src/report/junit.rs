//! JUnit XML for CI systems that read test reports: a test suite per environment, a test case per rule
//! (failed with its findings, skipped with the reason, or passed).

use std::fmt::Write as _;

use super::Report;
use crate::rules::registry;

fn xml(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}

pub fn junit(reports: &[Report]) -> String {
    let count = |f: fn(&Report) -> usize| reports.iter().map(f).sum::<usize>();
    let tests = count(|r| r.passed.len() + r.skipped.len() + distinct_failed(r).len());
    let failures = count(|r| distinct_failed(r).len());
    let skipped = count(|r| r.skipped.len());
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(out, "<testsuites name=\"mwaa-preflight\" tests=\"{tests}\" failures=\"{failures}\" skipped=\"{skipped}\">");
    for r in reports {
        let failed = distinct_failed(r);
        let name = format!("{} in {}", r.title(), r.target.vpc_id.as_deref().unwrap_or("unknown VPC"));
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\">",
            xml(&name),
            r.passed.len() + r.skipped.len() + failed.len(),
            failed.len(),
            r.skipped.len()
        );
        for rule in registry::ALL {
            let case = format!(
                "    <testcase classname=\"mwaa-preflight.{}\" name=\"{} {}\"",
                rule.code.trim_end_matches(char::is_numeric),
                rule.code,
                rule.name
            );
            if failed.contains(&rule.code) {
                let _ = writeln!(out, "{case}>");
                for f in r.findings.iter().filter(|f| f.code == rule.code) {
                    let _ = writeln!(
                        out,
                        "      <failure type=\"{}\" message=\"{}\">{}\nFix: {}</failure>",
                        f.severity,
                        xml(&format!("{}: {}", f.resource.as_deref().unwrap_or("-"), f.message)),
                        xml(&f.message),
                        xml(&f.remediation)
                    );
                }
                let _ = writeln!(out, "    </testcase>");
            } else if let Some(s) = r.skipped.iter().find(|s| s.code == rule.code) {
                let _ = writeln!(out, "{case}>\n      <skipped message=\"{}\"/>\n    </testcase>", xml(&s.reason));
            } else if r.passed.contains(&rule.code) {
                let _ = writeln!(out, "{case}/>");
            }
        }
        let _ = writeln!(out, "  </testsuite>");
    }
    out.push_str("</testsuites>\n");
    out
}

fn distinct_failed(report: &Report) -> Vec<&'static str> {
    let mut codes: Vec<&'static str> = report.findings.iter().map(|f| f.code).collect();
    codes.sort_unstable();
    codes.dedup();
    codes
}
