//! The human view: one miette diagnostic per finding (code, severity, the snapshot excerpt that defines
//! the resource, the flow hops, the fix and the doc link), grouped by severity, then the summary.

use std::fmt::{self, Write as _};

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode};

use crate::text::Excerpt;

use super::{locate, Report};
use crate::fix::Plan;
use crate::input::{Note, SourceFiles};
use crate::rules::{Finding, Severity};

struct FindingDiagnostic<'a> {
    finding: &'a Finding,
    text: String,
    source: Option<Excerpt>,
    label: Option<LabeledSpan>,
    width: usize,
}

impl fmt::Debug for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Display for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::error::Error for FindingDiagnostic<'_> {}

impl Diagnostic for FindingDiagnostic<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(format!("{} {}", self.finding.code, self.finding.name)))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        let mut help = shell_wrapped(&self.finding.remediation_text(), self.width.saturating_sub(HELP_INDENT));
        let _ = write!(help, "\ndocs: {}", self.finding.docs);
        Some(Box::new(help))
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.label.clone().map(|l| Box::new(std::iter::once(l)) as Box<dyn Iterator<Item = LabeledSpan>>)
    }
}

pub struct Style {
    pub color: bool,
    pub width: usize,
    /// Also show each finding's evidence.
    pub verbose: bool,
}

/// What the reader noticed beside the findings: keys given twice always, the rest with `--verbose`.
pub fn notes(notes: &[Note], verbose: bool) -> String {
    let mut out = String::new();
    for note in notes.iter().filter(|n| verbose || !matches!(n, Note::NotModelled(_))) {
        let _ = writeln!(out, "note: {}", crate::text::printable(&note.to_string()));
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

/// One line per finding, as compilers and ruff's `concise` print them (`file:line:column: CODE severity
/// resource: message`, the resource's line when the input locates it), then one line of counts: for CI logs
/// and editors' problem matchers.
pub fn concise(reports: &[Report], files: &SourceFiles) -> String {
    let mut out = String::new();
    for report in reports {
        for finding in &report.findings {
            let resource = finding.resource.as_deref().unwrap_or("-");
            let place = match locate(files, finding) {
                Some(l) => format!("{}:{}:{}: ", l.file.path, l.line, l.column),
                None => String::new(),
            };
            let _ = writeln!(out, "{place}{} {} {resource}: {}", finding.code, finding.severity, finding.message);
        }
        if let Some(error) = &report.error {
            let _ = writeln!(out, "{}: could not be read: {error}", report.title());
        }
    }
    let _ = writeln!(out, "{}", counts(reports));
    out
}

/// The counts of all reports in one line: findings by severity, and the checks skipped.
pub fn counts(reports: &[Report]) -> String {
    let sum = |count: fn(&Report) -> usize| reports.iter().map(count).sum::<usize>();
    format!(
        "{} error(s), {} warning(s), {} info, {} check(s) skipped",
        sum(|r| r.summary.errors),
        sum(|r| r.summary.warnings),
        sum(|r| r.summary.infos),
        sum(|r| r.summary.skipped)
    )
}

/// `excerpts` are the files' texts as shown (`Excerpt::new(&file.path, &file.text)`, one per file), made
/// once for all reports.
/// `fixable`: what `check --fix` would fix ([`crate::fix::fixable`]), planned once for all reports.
pub fn render(report: &Report, files: &SourceFiles, excerpts: &[Excerpt], fixable: &Plan, style: &Style, quiet: bool) -> String {
    if let Some(error) = &report.error {
        return format!("{}\n\n", wrap(&format!("{} could not be read: {error}", report.title()), style.width, "    "));
    }
    let theme = if style.color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_links(false)
        .with_break_words(false)
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation)
        // Break only at spaces: a URL, an ARN or an ID stays whole and copyable.
        .with_word_separator(textwrap::WordSeparator::AsciiSpace);
    let mut out = String::new();
    if !quiet {
        let t = &report.target;
        let what = report.title();
        let header = format!(
            "mwaa-preflight {}: {what} in {} ({}), subnets {}, security groups {}, {} routing, web server {}{}",
            report.tool.version,
            t.vpc_id.as_deref().unwrap_or("unknown VPC"),
            t.region,
            t.subnet_ids.join(", "),
            t.security_group_ids.join(", "),
            t.routing,
            t.webserver_access_mode,
            if t.assumed.contains(&"webserver_access_mode") { " (not given: the service's default)" } else { "" },
        );
        let _ = writeln!(out, "{}\n", wrap(&header, style.width, "    "));
    }
    // Grouped by family (RULES.md v3), each by severity; a report of one family needs no family heading.
    let families = report.by_family();
    let mut group = None;
    for finding in families.iter().flat_map(|(_, findings)| findings.iter().copied()) {
        if group != Some((finding.family, finding.severity)) {
            group = Some((finding.family, finding.severity));
            let count = report.findings.iter().filter(|f| f.severity == finding.severity && f.family == finding.family).count();
            let heading = match finding.severity {
                Severity::Error => "errors",
                Severity::Warning => "warnings",
                Severity::Info => "notes",
            };
            let family = if families.len() > 1 { format!("{} ", finding.family) } else { String::new() };
            let _ = writeln!(out, "── {family}{heading} ({count}) ──\n");
        }
        let mut text = match (&finding.resource, &finding.construct_path) {
            (Some(resource), Some(path)) => format!("{resource} ({path}): {}", finding.message),
            (Some(resource), None) => format!("{resource}: {}", finding.message),
            (None, _) => finding.message.clone(),
        };
        if fixable.edits_of(finding).is_some() {
            // As ruff marks what `--fix` repairs.
            text.insert_str(0, "[*] ");
        }
        for line in finding.trace.iter().filter(|l| style.verbose || !l.detail) {
            let _ = write!(text, "\n    {}", line.text);
        }
        if style.verbose {
            let evidence = serde_json::to_string_pretty(&finding.evidence).unwrap_or_default();
            let _ = write!(text, "\n    evidence: {}", evidence.replace('\n', "\n    "));
        }
        let location = locate(files, finding);
        let label = location.as_ref().map(|l| LabeledSpan::new(Some("defined here".to_string()), l.offset, l.len));
        let excerpt = location.and_then(|l| excerpts.get(l.index).cloned());
        let diagnostic = FindingDiagnostic { finding, text, source: excerpt, label, width: style.width };
        let _ = handler.render_report(&mut out, &diagnostic);
        out.push('\n');
    }
    let s = &report.summary;
    let _ = writeln!(
        out,
        "{} error(s), {} warning(s), {} info; {} check(s) passed, {} skipped",
        s.errors, s.warnings, s.infos, s.passed, s.skipped
    );
    match report.findings.iter().filter(|f| fixable.edits_of(f).is_some()).count() {
        0 => {}
        n => {
            let _ = writeln!(out, "[*] {n} fixable with `check --fix` (`--diff` shows the edits first)");
        }
    }
    if !quiet {
        for caveat in &report.caveats {
            let _ = writeln!(out, "{}", wrap(&format!("  caveat ({}): {}", caveat.codes.join(", "), caveat.text), style.width, "    "));
        }
        for skipped in &report.skipped {
            let _ = writeln!(out, "{}", wrap(&format!("  skipped {}: {}", skipped.code, skipped.reason), style.width, "    "));
        }
        for ignored in &report.ignored {
            let line = format!("  ignored {} on {}: {}", ignored.code, ignored.resource.as_deref().unwrap_or("-"), ignored.reason);
            let _ = writeln!(out, "{}", wrap(&line, style.width, "    "));
        }
        out.push('\n');
    }
    out
}

/// Where miette starts the text of `help:`.
const HELP_INDENT: usize = 8;

/// Remediation commands broken with shell continuations (` \`) so that a wrapped command still pastes
/// as one; prose lines are left to miette's wrapping.
fn shell_wrapped(remediation: &str, width: usize) -> String {
    let lines: Vec<String> = remediation
        .lines()
        .map(|line| {
            if !line.starts_with("aws ") || line.chars().count() <= width.saturating_sub(2) {
                return line.to_string();
            }
            // Room for the ` \` and the two columns miette keeps at the right of a help text: a continuation
            // never wraps onto a line of its own, where a paste would lose the flags after it.
            let room = width.saturating_sub(4).max(20);
            let options = textwrap::Options::new(room)
                .subsequent_indent("  ")
                .break_words(false)
                .word_splitter(textwrap::WordSplitter::NoHyphenation)
                .word_separator(textwrap::WordSeparator::AsciiSpace);
            // A word wider than the room (a policy document) goes unindented on its own line: miette would
            // break at the indent's spaces and leave an empty line, which ends the command.
            let wrapped: Vec<String> = textwrap::wrap(line, options)
                .into_iter()
                .map(|part| if part.trim_start().chars().count() > room { part.trim_start().to_string() } else { part.into_owned() })
                .collect();
            wrapped.join(" \\\n")
        })
        .collect();
    lines.join("\n")
}

/// A line of our own (not miette's) wrapped to the width, continuation lines indented.
fn wrap(text: &str, width: usize, indent: &str) -> String {
    textwrap::fill(
        text,
        textwrap::Options::new(width)
            .subsequent_indent(indent)
            .break_words(false)
            .word_splitter(textwrap::WordSplitter::NoHyphenation)
            .word_separator(textwrap::WordSeparator::AsciiSpace),
    )
}

/// The audit's summary table: one line per environment.
/// The widest an audit table cell may be.
const MAX_CELL: usize = 120;

pub fn audit_table(reports: &[Report]) -> String {
    let mut rows =
        vec![["environment".to_string(), "status".into(), "routing".into(), "errors".into(), "warnings".into(), "first problem".into()]];
    for r in reports {
        rows.push([
            r.target.environment.clone().unwrap_or_else(|| "-".into()),
            r.target.status.clone().unwrap_or_else(|| "-".into()),
            r.target.routing.to_string(),
            r.summary.errors.to_string(),
            r.summary.warnings.to_string(),
            r.first_problem().unwrap_or_else(|| "none".into()),
        ]);
    }
    // A cell longer than any real name (MWAA's are at most 80 characters) is cut, so one hostile name
    // cannot stretch every row.
    for row in &mut rows {
        for cell in row.iter_mut() {
            if cell.chars().count() > MAX_CELL {
                *cell = cell.chars().take(MAX_CELL - 1).chain(['…']).collect();
            }
        }
    }
    let widths: Vec<usize> = (0..6).map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for row in &rows {
        let cells: Vec<String> = row.iter().zip(&widths).map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count()))).collect();
        let _ = writeln!(out, "{}", cells.join("  ").trim_end());
    }
    let failing = reports.iter().filter(|r| r.summary.errors > 0).count();
    let _ = writeln!(out, "\n{} environment(s), {failing} with errors\n", reports.len());
    out
}
