//! The COS XML request signature (work in progress).
#![forbid(unsafe_code)]
#![deny(missing_docs)]
