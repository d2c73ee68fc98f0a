//! Fuzz checks for `cos-batch-model`.

/// The `cos-batch-model` fuzz targets.
pub const TARGETS: &[crate::Target] = &[];
