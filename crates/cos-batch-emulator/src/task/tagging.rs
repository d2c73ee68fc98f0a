//! `COSPutObjectTagging`: sets the object's tags (`Add` merges into the existing ones).

use cos_batch_model::{Directive, PutObjectTagging};
use http::StatusCode;

use super::{storage_failure, tag_map};
use crate::storage::Bucket;
use crate::task_outcome::TaskFailure;

/// Tags object `key` of `bucket` (which exists).
pub(super) fn run(
    bucket: &Bucket,
    key: &str,
    tagging: &PutObjectTagging,
) -> Result<StatusCode, TaskFailure> {
    let mut meta = bucket
        .read_meta(key)
        .map_err(|e| storage_failure("the object's metadata cannot be read", e))?;
    let new = tag_map(&tagging.tag_set);
    match tagging.tagging_directive {
        Some(Directive::Add) => meta.tags.extend(new),
        _ => meta.tags = new,
    }
    bucket
        .write_meta(key, &meta)
        .map_err(|e| storage_failure("the object's metadata cannot be written", e))?;
    Ok(StatusCode::OK)
}
