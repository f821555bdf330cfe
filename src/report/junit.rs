//! JUnit XML for CI systems that read test reports: a test suite per environment, a test case per rule
//! (failed with its findings, skipped with the reason, or passed). quick-junit writes the XML: it escapes
//! what needs escaping and drops the characters XML 1.0 cannot hold (control characters from an account).

use quick_junit::{NonSuccessKind, Report as JunitReport, TestCase, TestCaseStatus, TestSuite};

use super::Report;
use crate::rules::registry;

pub fn junit(reports: &[Report]) -> Result<String, String> {
    let mut junit = JunitReport::new("mwaa-preflight");
    for r in reports {
        let mut suite = TestSuite::new(format!("{} in {}", r.title(), r.target.vpc_id.as_deref().unwrap_or("unknown VPC")));
        for rule in registry::ALL {
            let findings: Vec<_> = r.findings.iter().filter(|f| f.code == rule.code).collect();
            let status = if let Some(first) = findings.first() {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                let description: Vec<String> = findings
                    .iter()
                    .map(|f| format!("{}: {}\nFix: {}", f.resource.as_deref().unwrap_or("-"), f.message, f.remediation_text()))
                    .collect();
                status
                    .set_type(first.severity.to_string())
                    .set_message(format!("{}: {}", first.resource.as_deref().unwrap_or("-"), first.message))
                    .set_description(description.join("\n\n"));
                status
            } else if let Some(skipped) = r.skipped.iter().find(|s| s.code == rule.code) {
                let mut status = TestCaseStatus::skipped();
                status.set_message(skipped.reason.clone());
                status
            } else if r.passed.contains(&rule.code) {
                TestCaseStatus::success()
            } else {
                continue;
            };
            let mut case = TestCase::new(format!("{} {}", rule.code, rule.name), status);
            case.set_classname(format!("mwaa-preflight.{}", rule.code.trim_end_matches(char::is_numeric)));
            suite.add_test_case(case);
        }
        junit.add_test_suite(suite);
    }
    junit.to_string().map_err(|e| e.to_string())
}
