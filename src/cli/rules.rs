//! `rules` lists the catalog; `explain CODE` prints one rule's documentation.

use std::process::ExitCode;

use mwaa_preflight::rules::registry;

use super::{output, usage, Failure};

/// The catalog: a line per rule, or (`json`) one object per rule for scripts.
pub fn list(json: bool) -> Result<ExitCode, Failure> {
    let out = if json {
        let rules: Vec<serde_json::Value> = registry::ALL
            .iter()
            .map(|r| {
                serde_json::json!({"code": r.code, "name": r.name, "severity": r.severity, "family": r.family(),
                    "summary": r.summary, "docs": r.source})
            })
            .collect();
        serde_json::to_string_pretty(&rules)
            .map_err(|e| usage(format!("cannot write the catalog: {e}"), "this is a bug; please report it"))?
            + "\n"
    } else {
        registry::ALL.iter().map(|r| format!("{:<8} {:<32} {:<8} {}\n", r.code, r.name, r.severity.to_string(), r.summary)).collect()
    };
    output::write_stdout(out.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// One rule's documentation: for the terminal (headings underlined, links and code spans as plain text, wrapped
/// to the width, the repository's fixture listing left out), or (`markdown`) the Markdown as the repository has it.
pub fn explain(rule: &str, markdown: bool) -> Result<ExitCode, Failure> {
    let found =
        registry::find(rule).ok_or_else(|| usage(format!("no rule {rule:?}"), "`mwaa-preflight rules` lists the codes and names"))?;
    let text = if markdown { found.doc.to_string() } else { for_terminal(found.doc, output::terminal_width().min(100)) };
    output::write_stdout(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// Markdown as plain text for a terminal.
fn for_terminal(doc: &str, width: usize) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in doc.lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            // The fixtures live in the source repository, not beside an installed binary.
            skipping = heading.trim() == "Examples";
            if !skipping {
                out.push_str(&format!("\n{heading}\n{}\n", "-".repeat(heading.chars().count())));
            }
            continue;
        }
        if skipping {
            continue;
        }
        if let Some(title) = line.strip_prefix("# ") {
            out.push_str(&format!("{title}\n{}\n", "=".repeat(title.chars().count())));
            continue;
        }
        let plain = plain_inline(line);
        let (first, rest) = match plain.strip_prefix("- ") {
            Some(item) => (format!("  - {item}"), "    "),
            None => (plain.clone(), ""),
        };
        if first.is_empty() {
            out.push('\n');
            continue;
        }
        let options = textwrap::Options::new(width).subsequent_indent(rest);
        for wrapped in textwrap::wrap(&first, options) {
            out.push_str(&wrapped);
            out.push('\n');
        }
    }
    out
}

/// `[text](url)` as `text <url>`, code spans without their backticks.
fn plain_inline(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(open) = rest.find('[') {
        let link = rest[open..].find("](").and_then(|mid| rest[open + mid..].find(')').map(|close| (mid, mid + close)));
        let Some((mid, close)) = link else { break };
        out.push_str(&rest[..open]);
        out.push_str(&format!("{} <{}>", &rest[open + 1..open + mid], &rest[open + mid + 2..open + close]));
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out.replace('`', "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_reads_as_text() {
        let doc = "# SUB004 distinct-az\n\nThe subnets differ.\n\n- Source: [About networking](https://docs.aws.amazon.com/x)\n\n## How to fix\nRun `aws ec2 describe-subnets`.\n\n## Examples\nFixtures in `fixtures/cases/SUB004/`.\n";
        let text = for_terminal(doc, 100);
        assert_eq!(
            text,
            "SUB004 distinct-az\n==================\n\nThe subnets differ.\n\n  - Source: About networking <https://docs.aws.amazon.com/x>\n\n\nHow to fix\n----------\nRun aws ec2 describe-subnets.\n\n"
        );
    }
}
