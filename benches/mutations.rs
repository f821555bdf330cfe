//! The mutation property at scale: `cargo bench --bench mutations [-- CASES [SEED]]` (default 100,000
//! cases) mutates the failing fixture cases' networks and counts inputs rejected, verdicts held, and flips
//! (a rule's error turned into a pass with nothing skipped), which must be none.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::Instant;

use support::mutations::{bases, check, Rng, Verdict};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let cases: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let seed: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1);
    let scratch = support::root().join("target/mutations-bench");
    std::fs::create_dir_all(&scratch).expect("scratch dir");
    let bases = bases(&scratch);
    let mut rng = Rng::new(seed);
    let started = Instant::now();
    let (mut rejected, mut held, mut flipped) = (0usize, 0usize, Vec::new());
    for i in 0..cases {
        match check(&bases[i % bases.len()], &mut rng, &scratch) {
            Verdict::Rejected => rejected += 1,
            Verdict::Held => held += 1,
            Verdict::Flipped(what) => flipped.push(what),
        }
    }
    println!(
        "{cases} cases over {} fixture networks (seed {seed}): {rejected} rejected, {held} held, {} flipped, {:.1} s",
        bases.len(),
        flipped.len(),
        started.elapsed().as_secs_f64()
    );
    for what in flipped.iter().take(20) {
        println!("  flipped: {what}");
    }
    assert!(flipped.is_empty(), "{} mutated inputs turned an error into a pass", flipped.len());
}
