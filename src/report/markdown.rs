//! Markdown for pull-request comments and CI job summaries, and GitHub Actions workflow annotations.

use std::fmt::Write as _;

use super::{locate, Report};
use crate::input::SourceFiles;
use crate::remedy::Rendered;
use crate::rules::Severity;
use crate::target::Language;

/// Text from the account, a template or a plan as inert Markdown: one line, HTML as entities, and the
/// characters that open emphasis, links, images, code and table cells escaped, so that a name like
/// `![x](https://...)` or `<img src=...>` shows as written and fetches nothing.
fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// A code span holding `text` as written: a fence longer than any run of backticks inside, pipes escaped
/// for tables (GitHub's table parser splits on them even in code).
fn code(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let text = text.replace(['\n', '\r'], " ").replace('|', "\\|");
    let pad = if text.starts_with('`') || text.ends_with('`') { " " } else { "" };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// A fenced code block inside a list item, its fence longer than any run of backticks in the code. Names
/// in it are as written: a fenced block renders no Markdown or HTML.
fn fenced(text: &str, language: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat((longest + 1).max(3));
    let body: String = text.lines().map(|line| format!("  {line}\n")).collect();
    format!("\n  {fence}{language}\n{body}  {fence}\n")
}

/// The info string of a remediation's code blocks.
fn fence_language(language: Language) -> &'static str {
    match language {
        Language::AwsCli => "sh",
        Language::CloudFormation => "yaml",
        Language::Terraform => "hcl",
        Language::Cdk => "ts",
    }
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
                cell(r.target.environment.as_deref().unwrap_or("-")),
                cell(r.target.status.as_deref().unwrap_or("-")),
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
            let _ = writeln!(out, "### mwaa-preflight: {} could not be read\n\n{}\n", cell(&r.title()), cell(error));
            continue;
        }
        let s = &r.summary;
        let _ = writeln!(
            out,
            "### mwaa-preflight: {} in {} ({}), {} routing\n",
            cell(&r.title()),
            cell(r.target.vpc_id.as_deref().unwrap_or("unknown VPC")),
            cell(&r.target.region),
            r.target.routing
        );
        let _ = writeln!(
            out,
            "**{} error(s), {} warning(s), {} info** · {} passed · {} skipped\n",
            s.errors, s.warnings, s.infos, s.passed, s.skipped
        );
        let families = r.by_family();
        for (family, findings) in &families {
            // One table per family when there are several (RULES.md v3).
            if families.len() > 1 {
                let _ = writeln!(out, "#### {family}\n");
            }
            let _ = writeln!(out, "| | rule | resource | finding |\n|---|---|---|---|");
            for f in findings {
                let _ = writeln!(
                    out,
                    "| {} | [{} {}]({}) | {} | {} |",
                    mark(f.severity),
                    f.code,
                    f.name,
                    f.docs,
                    code(f.resource.as_deref().unwrap_or("-")),
                    cell(&f.message)
                );
            }
            out.push('\n');
        }
        if !r.findings.is_empty() {
            let _ = writeln!(out, "<details><summary>How to fix</summary>\n");
            let language = fence_language(r.target.language);
            for f in &r.findings {
                let _ = writeln!(out, "- **{}** {}:", f.code, code(f.resource.as_deref().unwrap_or("-")));
                // Each command (or block of code) in its own fenced block, so that it pastes whole.
                for part in &f.remediation {
                    match part {
                        Rendered::Prose(text) => {
                            let _ = writeln!(out, "  {}", cell(text));
                        }
                        Rendered::Code(text) => {
                            let _ = writeln!(out, "{}", fenced(text, language));
                        }
                    }
                }
            }
            let _ = writeln!(out, "\n</details>\n");
        }
        for caveat in &r.caveats {
            let _ = writeln!(out, "- caveat ({}): {}", caveat.codes.join(", "), cell(caveat.text));
        }
        for skipped in &r.skipped {
            let _ = writeln!(out, "- skipped {}: {}", skipped.code, cell(&skipped.reason));
        }
        for ignored in &r.ignored {
            let _ = writeln!(
                out,
                "- ignored {} on {}: {}",
                ignored.code,
                code(ignored.resource.as_deref().unwrap_or("-")),
                cell(&ignored.reason)
            );
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
                escape(&format!("{} Fix: {}", f.message, f.remediation_text()), false)
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_from_the_account_stay_inert() {
        assert_eq!(cell("![x](https://a/p.png) <img src=x> *b* | c\nd"), "!\\[x\\](https://a/p.png) &lt;img src=x&gt; \\*b\\* \\| c d");
        assert_eq!(cell("[link](javascript:x) & `code`"), "\\[link\\](javascript:x) &amp; \\`code\\`");
        assert_eq!(code("sg-1"), "`sg-1`");
        assert_eq!(code("a`b|<img>"), "``a`b\\|<img>``");
        assert_eq!(code("`x"), "`` `x ``");
    }
}
