//! Fuzz checks for `cos-sign`.

/// The `cos-sign` fuzz targets.
pub const TARGETS: &[crate::Target] = &[];
