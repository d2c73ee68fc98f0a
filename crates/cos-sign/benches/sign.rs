//! Signing benchmarks (work in progress).
fn main() {}
