//! Where reports go: the chosen format to `--output` or standard output, the Markdown report appended to
//! `$GITHUB_STEP_SUMMARY` for `--format github`, and the exit code by `--fail-on`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use mwaa_preflight::config::Gate;
use mwaa_preflight::input::Input;
use mwaa_preflight::output_file;
use mwaa_preflight::report::{diagram, html, human, junit, markdown, sarif, svg, Audit, Report};

use super::args::{ColorChoice, Format, OutputArgs};
use super::{usage, Failure};

/// Width of the human view when standard output is not a terminal.
const DEFAULT_WIDTH: usize = 100;

/// The format a report file's extension names (`report.sarif`), if any.
fn format_of_file(path: &Path) -> Option<Format> {
    let extension = path.extension()?.to_str()?.to_ascii_lowercase();
    Some(match extension.as_str() {
        "json" => Format::Json,
        "sarif" => Format::Sarif,
        "md" | "markdown" => Format::Markdown,
        "html" | "htm" => Format::Html,
        "svg" => Format::Svg,
        "xml" => Format::Junit,
        "dot" | "gv" => Format::Dot,
        "mmd" | "mermaid" => Format::Mermaid,
        _ => return None,
    })
}

/// Writes the reports in the chosen format, and in each `--output-format FMT=PATH` to its file; exit 1 when
/// any fails the gate (`--fail-on`, `--fail-on-skipped`).
pub fn emit(reports: &[Report], input: &Input, output: &OutputArgs, gate: Gate) -> Result<ExitCode, Failure> {
    let to_terminal = output.output.is_none() && std::io::stdout().is_terminal();
    let format = output.format.or_else(|| output.output.as_deref().and_then(format_of_file)).unwrap_or(Format::Human);
    let text = render(format, reports, input, output, gate, to_terminal)?;
    // Every file the run writes was refused as an input before anything was read (refuse_overwriting_inputs).
    if let Some(path) = &output.create_baseline {
        write_file(path, &mwaa_preflight::baseline::of(reports))?;
    }
    for (extra, path) in &output.output_formats {
        write_file(path, &render(*extra, reports, input, output, gate, false)?)?;
    }
    let written: Vec<String> = output.written().iter().map(|p| p.display().to_string()).collect();
    match &output.output {
        Some(path) => write_file(path, &text)?,
        None => write_stdout(text.as_bytes())?,
    }
    // A report went to a file: the verdict still shows where the run was started.
    if !written.is_empty() && !output.quiet {
        eprintln!("mwaa-preflight: {} (report in {})", human::counts(reports), written.join(", "));
    }
    Ok(exit_code(reports, gate))
}

/// The reports as text in `format`.
fn render(
    format: Format,
    reports: &[Report],
    input: &Input,
    output: &OutputArgs,
    gate: Gate,
    to_terminal: bool,
) -> Result<String, Failure> {
    let files = &input.files;
    // Strings from the account reach a terminal or markup only made printable; JSON escapes them itself.
    let printable: Vec<Report>;
    let reports = if matches!(format, Format::Json | Format::Sarif) {
        reports
    } else {
        printable = reports.iter().map(Report::printable).collect();
        &printable
    };
    Ok(match format {
        Format::Json if input.audit => to_json(&Audit::new(reports.to_vec(), gate))?,
        Format::Json => to_json(reports.first().ok_or_else(|| usage("nothing was evaluated", "this is a bug; please report it"))?)?,
        Format::Sarif => to_json(&sarif::render(reports, files))?,
        Format::Markdown => markdown::markdown(reports),
        Format::Concise => human::concise(reports, files),
        Format::Github => {
            if let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY") {
                append(Path::new(&summary), &markdown::markdown(reports))?;
            }
            markdown::annotations(reports, files)
        }
        Format::Junit => junit::junit(reports)
            .map_err(|e| usage(format!("cannot write the JUnit report: {e}"), "this is a bug; please report it with the snapshot"))?,
        Format::Mermaid => diagram::mermaid(reports),
        Format::Dot => diagram::dot(reports),
        Format::Html => html::html(reports, files),
        Format::Svg => svg::svg(reports),
        Format::Human => {
            let color = match output.color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none(),
            };
            // COLUMNS, as shells and CI runners set it, wins; else the terminal's width, else 100.
            let columns = std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse::<usize>().ok()).filter(|c| (40..=1000).contains(c));
            let width = columns.unwrap_or(if to_terminal { terminal_width() } else { DEFAULT_WIDTH });
            let style = human::Style { color, width, verbose: output.verbose };
            let mut text = human::notes(&input.notes, output.verbose);
            // What the run noticed beyond the input: ignores and baseline entries that matched no finding.
            let read: Vec<String> = input.notes.iter().map(ToString::to_string).collect();
            for note in reports.first().map(|r| r.notes.as_slice()).unwrap_or_default().iter().filter(|n| !read.contains(n)) {
                text.push_str(&format!("note: {}\n\n", mwaa_preflight::text::printable(note)));
            }
            if input.audit {
                text.push_str(&human::audit_table(reports));
            }
            let excerpts: Vec<_> = files.files.iter().map(|f| mwaa_preflight::text::Excerpt::new(&f.path, &f.text)).collect();
            let fixable = mwaa_preflight::fix::fixable(files, reports);
            for report in reports {
                text.push_str(&human::render(report, files, &excerpts, &fixable, &style, output.quiet));
            }
            text
        }
    })
}

/// 2 when an environment could not be read (the tool did not do its whole job), 1 when a finding fails
/// the gate, else 0.
pub fn exit_code(reports: &[Report], gate: Gate) -> ExitCode {
    if reports.iter().any(|r| r.error.is_some()) {
        ExitCode::from(2)
    } else if reports.iter().any(|r| r.fails(gate)) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The terminal's width (stdout, else stderr), else the default.
pub fn terminal_width() -> usize {
    terminal_size::terminal_size_of(std::io::stdout())
        .or_else(|| terminal_size::terminal_size_of(std::io::stderr()))
        .map_or(DEFAULT_WIDTH, |(terminal_size::Width(w), _)| usize::from(w))
}

pub fn write_stdout(bytes: &[u8]) -> Result<(), Failure> {
    std::io::stdout().lock().write_all(bytes).map_err(|source| Failure::Output { path: "standard output".to_string(), source })
}

/// Writes the named output (see [`output_file`]: never a device or link replaced, never a file outside it).
pub fn write_file(path: &Path, text: &str) -> Result<(), Failure> {
    output_file::write(path, text.as_bytes()).map_err(|source| Failure::Output { path: path.display().to_string(), source })
}

fn append(path: &Path, text: &str) -> Result<(), Failure> {
    output_file::append(path, text.as_bytes()).map_err(|source| Failure::Output { path: path.display().to_string(), source })
}

/// Refuses an output that is one of the files the run reads (a template, the plan, a snapshot, the
/// parameters or the configuration): writing it would destroy the input.
pub fn refuse_inputs(output: Option<&Path>, reads: &[PathBuf]) -> Result<(), Failure> {
    let Some(output) = output else { return Ok(()) };
    match reads.iter().find(|read| output_file::same_file(read, output)) {
        Some(read) => Err(usage(
            format!("the report file {} is a file this run reads ({})", output.display(), read.display()),
            "write the report to another file",
        )),
        None => Ok(()),
    }
}

pub fn to_json<T: serde::Serialize>(value: &T) -> Result<String, Failure> {
    let mut text = serde_json::to_string_pretty(value)
        .map_err(|e| usage(format!("cannot serialise the output: {e}"), "this is a bug; please report it with the snapshot"))?;
    text.push('\n');
    Ok(text)
}
