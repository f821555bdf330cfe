//! The mutation property on a sample: no rule flips from error to pass on a mutated snapshot without a
//! skipped entry. `cargo bench --bench mutations` runs it on 100,000 cases.

mod support;

use support::mutations::{bases, check, Rng, Verdict};

#[test]
fn mutated_snapshots_never_turn_an_error_into_a_pass() {
    let scratch = support::root().join("target/mutations-test");
    std::fs::create_dir_all(&scratch).expect("scratch dir");
    let bases = bases(&scratch);
    assert!(bases.len() > 20, "only {} fixture cases to mutate", bases.len());
    let mut rng = Rng::new(0x5eed);
    let (mut rejected, mut held) = (0, 0);
    for i in 0..2_000 {
        match check(&bases[i % bases.len()], &mut rng, &scratch) {
            Verdict::Rejected => rejected += 1,
            Verdict::Held => held += 1,
            Verdict::Flipped(what) => panic!("{what}"),
        }
    }
    assert!(rejected > 100 && held > 100, "{rejected} rejected, {held} held: the mutations do not exercise both sides");
}
