//! A spinner with the AWS requests in flight, on stderr, while a live source is read; only on a terminal.
//! indicatif draws it (frames, redraws, clearing the line when done); the count is read at each tick.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mwaa_preflight::input::{requests_in_flight, Source};

/// Runs `read`, with the spinner when the source is the account, stderr a terminal and not `quiet`.
pub fn while_reading<T>(source: &Source, quiet: bool, read: impl FnOnce() -> T) -> T {
    let spinner = (source.is_live() && !quiet && std::io::stderr().is_terminal()).then(spinner);
    let result = read();
    if let Some(spinner) = spinner {
        spinner.finish_and_clear();
    }
    result
}

fn spinner() -> ProgressBar {
    let style = ProgressStyle::with_template("{spinner} reading AWS: {in_flight} request(s) in flight")
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
        .with_key("in_flight", |_: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = write!(w, "{}", requests_in_flight());
        });
    let spinner = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(style);
    spinner.enable_steady_tick(Duration::from_millis(100));
    spinner
}
