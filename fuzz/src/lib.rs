//! The checks behind every fuzz target, as plain functions.
//!
//! Each `fuzz_targets/*.rs` binary is one line calling a function here, so the stable test
//! `tests/replay.rs` runs the same checks over the committed seed corpora in `seeds/<target>/`.
//!
//! The binaries need libFuzzer, behind this crate's `libfuzzer` feature:
//! `cargo +nightly fuzz run --features libfuzzer TARGET` (`cargo xtask fuzz` passes it). The
//! replay tests need neither the feature nor nightly.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod model;
pub mod proto;
pub mod sign;

/// A fuzz target: its name (the binary in `fuzz_targets/` and the folder in `seeds/`) and its check.
pub type Target = (&'static str, fn(&[u8]));

/// Every fuzz target of the workspace.
pub fn targets() -> impl Iterator<Item = Target> {
    sign::TARGETS
        .iter()
        .chain(model::TARGETS)
        .chain(proto::TARGETS)
        .copied()
}
