//! A spinner with the AWS requests in flight, on stderr, while a live source is read; only on a terminal.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use mwaa_preflight::input::{requests_in_flight, Source};

/// Runs `read`, with the spinner when the source is the account, stderr a terminal and not `quiet`.
pub fn while_reading<T>(source: &Source, quiet: bool, read: impl FnOnce() -> T) -> T {
    let _spinner = (source.is_live() && !quiet && std::io::stderr().is_terminal()).then(Spinner::start);
    read()
}

struct Spinner {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Spinner {
    fn start() -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
            let mut i = 0;
            while !flag.load(Ordering::Relaxed) {
                let mut err = std::io::stderr().lock();
                let _ = write!(err, "\r{} reading AWS: {} request(s) in flight   ", frames[i % frames.len()], requests_in_flight());
                let _ = err.flush();
                drop(err);
                i += 1;
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = write!(std::io::stderr(), "\r{:60}\r", "");
        });
        Spinner { stop, thread: Some(thread) }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
