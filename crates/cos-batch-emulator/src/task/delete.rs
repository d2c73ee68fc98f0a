//! `COSDeleteObject`: deletes the object, its sidecar and the directories it leaves empty
//! (204); a missing object is 404 `NoSuchKey`.

use http::StatusCode;

use super::storage_failure;
use crate::storage::Bucket;
use crate::task_outcome::TaskFailure;

/// Deletes object `key` of `bucket`.
pub(super) fn run(bucket: &Bucket, key: &str) -> Result<StatusCode, TaskFailure> {
    bucket
        .delete(key)
        .map_err(|e| storage_failure("the object cannot be deleted", e))?;
    Ok(StatusCode::NO_CONTENT)
}
