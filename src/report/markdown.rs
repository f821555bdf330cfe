//! Markdown for pull-request comments and CI job summaries, and GitHub Actions workflow annotations.

use std::fmt::Write as _;

use super::{locate, Report};
use crate::input::SourceFiles;
use crate::rules::Severity;

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn mark(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "❌ error",
        Severity::Warning => "⚠️ warning",
        Severity::Info => "ℹ️ info",
    }
}

pub fn markdown(reports: &[Report]) -> String {
    let mut out = String::new();
    if reports.len() > 1 {
        let _ = writeln!(out, "## mwaa-preflight: {} environments\n", reports.len());
        let _ = writeln!(out, "| environment | status | routing | errors | warnings | first problem |\n|---|---|---|---|---|---|");
        for r in reports {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                r.target.environment.as_deref().unwrap_or("-"),
                r.target.status.as_deref().unwrap_or("-"),
                r.target.routing,
                r.summary.errors,
                r.summary.warnings,
                cell(&r.first_problem().unwrap_or_else(|| "none".to_string()))
            );
        }
        out.push('\n');
    }
    for r in reports {
        if let Some(error) = &r.error {
            let _ = writeln!(out, "### mwaa-preflight: {} could not be read\n\n{}\n", r.title(), cell(error));
            continue;
        }
        let s = &r.summary;
        let _ = writeln!(
            out,
            "### mwaa-preflight: {} in {} ({}), {} routing\n",
            r.title(),
            r.target.vpc_id.as_deref().unwrap_or("unknown VPC"),
            r.target.region,
            r.target.routing
        );
        let _ = writeln!(
            out,
            "**{} error(s), {} warning(s), {} info** · {} passed · {} skipped\n",
            s.errors, s.warnings, s.infos, s.passed, s.skipped
        );
        if !r.findings.is_empty() {
            let _ = writeln!(out, "| | rule | resource | finding |\n|---|---|---|---|");
            for f in &r.findings {
                let _ = writeln!(
                    out,
                    "| {} | [{} {}]({}) | `{}` | {} |",
                    mark(f.severity),
                    f.code,
                    f.name,
                    f.docs,
                    f.resource.as_deref().unwrap_or("-"),
                    cell(&f.message)
                );
            }
            let _ = writeln!(out, "\n<details><summary>How to fix</summary>\n");
            for f in &r.findings {
                let _ = writeln!(out, "- **{}** `{}`: {}", f.code, f.resource.as_deref().unwrap_or("-"), cell(&f.remediation));
            }
            let _ = writeln!(out, "\n</details>\n");
        }
        for skipped in &r.skipped {
            let _ = writeln!(out, "- skipped {}: {}", skipped.code, cell(&skipped.reason));
        }
        for ignored in &r.ignored {
            let _ =
                writeln!(out, "- ignored {} on `{}`: {}", ignored.code, ignored.resource.as_deref().unwrap_or("-"), cell(&ignored.reason));
        }
        out.push('\n');
    }
    out
}

/// Workflow-command escaping: `%`, CR and LF in data; also `:` and `,` in properties.
fn escape(text: &str, property: bool) -> String {
    let text = text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A");
    if property {
        text.replace(':', "%3A").replace(',', "%2C")
    } else {
        text
    }
}

/// One `::error` / `::warning` / `::notice` line per finding, located in the file read when there is one.
pub fn annotations(reports: &[Report], files: &SourceFiles) -> String {
    let mut out = String::new();
    for r in reports {
        for f in &r.findings {
            let level = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "notice",
            };
            let location = match locate(files, f) {
                Some(l) => format!("file={},line={},col={},", escape(&l.file.path, true), l.line, l.column),
                None => String::new(),
            };
            let title = format!("{} {} ({})", f.code, f.name, f.resource.as_deref().unwrap_or("-"));
            let _ = writeln!(
                out,
                "::{level} {location}title={}::{}",
                escape(&title, true),
                escape(&format!("{} Fix: {}", f.message, f.remediation), false)
            );
        }
    }
    out
}
