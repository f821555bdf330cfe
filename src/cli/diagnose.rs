//! `diagnose`: an existing environment's state explained with the failing facts; `--wait` re-reads it
//! (read-only) until it is AVAILABLE (exit 0) or failed (exit 1), printing each change on stderr.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use mwaa_preflight::config::Config;
use mwaa_preflight::input::{Request, Selection, Source};
use mwaa_preflight::Mode;

use super::args::DiagnoseArgs;
use super::{configuration, output, progress, refuse_overwriting_inputs, source, Failure};

pub fn run(args: &DiagnoseArgs) -> Result<ExitCode, Failure> {
    let config = configuration(&args.output)?;
    let source = source(args.snapshot.as_deref(), &super::args::TemplateArgs::default(), &args.aws)?;
    refuse_overwriting_inputs(&args.output.written(), &source, Some(&config))?;
    let selection = if args.all { Selection::All } else { Selection::Environment(args.name.clone()) };
    let request = Request { selection, routing: args.routing };
    if args.wait {
        return wait(args, &source, &request, &config);
    }
    let input = progress::while_reading(&source, args.output.quiet, || source.read(&request))?;
    let reports = mwaa_preflight::evaluate_input(&input, Mode::Diagnose, &config);
    output::emit(&reports, &input, &args.output, config.gate())
}

fn wait(args: &DiagnoseArgs, source: &Source, request: &Request, config: &Config) -> Result<ExitCode, Failure> {
    let name = args.name.as_deref().unwrap_or_default();
    let started = Instant::now();
    let mut interval = args.interval;
    let mut last: Option<(String, Vec<String>)> = None;
    loop {
        let input = source.read(request)?;
        let reports = mwaa_preflight::evaluate_input(&input, Mode::Diagnose, config);
        let emit = |code: ExitCode| -> Result<ExitCode, Failure> {
            output::emit(&reports, &input, &args.output, config.gate())?;
            Ok(code)
        };
        let Some(report) = reports.first() else { return emit(ExitCode::from(1)) };
        let status = report.target.status.clone().unwrap_or_else(|| "UNKNOWN".to_string());
        let problems: Vec<String> = report.findings.iter().map(|f| f.headline()).collect();
        print_changes(name, &status, &problems, last.as_ref());
        match status.as_str() {
            "AVAILABLE" => return emit(ExitCode::SUCCESS),
            "CREATE_FAILED" | "UPDATE_FAILED" | "UNAVAILABLE" | "DELETED" | "DELETING" | "ROLLING_BACK" => return emit(ExitCode::from(1)),
            _ => {}
        }
        // The last read happens at the timeout, not an interval before it.
        let remaining = args.timeout.saturating_sub(started.elapsed());
        if remaining.is_zero() {
            eprintln!("{} gave up after {}s: {name} is still {status}", clock(), started.elapsed().as_secs());
            return emit(ExitCode::from(1));
        }
        last = Some((status, problems));
        std::thread::sleep(interval.min(remaining));
        interval = (interval * 2).min(Duration::from_secs(300));
    }
}

/// The status change and the findings resolved or new since the previous read.
fn print_changes(name: &str, status: &str, problems: &[String], last: Option<&(String, Vec<String>)>) {
    let now = clock();
    match last {
        None => eprintln!("{now} {name} is {status}"),
        Some((previous, _)) if previous != status => eprintln!("{now} {name}: {previous} -> {status}"),
        _ => {}
    }
    if let Some((_, before)) = last {
        for gone in before.iter().filter(|p| !problems.contains(p)) {
            eprintln!("{now}   resolved: {gone}");
        }
        for new in problems.iter().filter(|p| !before.contains(p)) {
            eprintln!("{now}   new: {new}");
        }
    }
}

fn clock() -> String {
    jiff::Timestamp::now().strftime("%H:%M:%S").to_string()
}
