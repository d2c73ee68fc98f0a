//! Wire types of the Tencent Cloud COS Batch Operations API (work in progress).
#![forbid(unsafe_code)]
#![deny(missing_docs)]
