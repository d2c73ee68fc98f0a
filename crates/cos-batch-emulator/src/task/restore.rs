//! `COSInitiateRestoreObject`: an `ARCHIVE` / `DEEP_ARCHIVE` object is marked restored for
//! `ExpirationInDays`; any other object fails with 403 `InvalidObjectState`.

use cos_batch_model::InitiateRestoreObject;
use http::StatusCode;

use super::{invalid_state, now_secs, storage_failure};
use crate::object_meta::RestoreState;
use crate::storage::Bucket;
use crate::task_outcome::TaskFailure;

/// Restores object `key` of `bucket` (which exists).
pub(super) fn run(
    bucket: &Bucket,
    key: &str,
    restore: &InitiateRestoreObject,
) -> Result<StatusCode, TaskFailure> {
    let mut meta = bucket
        .read_meta(key)
        .map_err(|e| storage_failure("the object's metadata cannot be read", e))?;
    if !meta.is_archived() {
        return Err(invalid_state(format!(
            "The object's storage class is {}; only ARCHIVE and DEEP_ARCHIVE objects are restored",
            meta.storage_class.as_deref().unwrap_or("STANDARD")
        )));
    }
    let now = now_secs();
    meta.restore = Some(RestoreState {
        expiration_in_days: restore.expiration_in_days,
        tier: restore.job_tier.as_str().to_owned(),
        restored_at: now,
        expires_at: now.saturating_add(u64::from(restore.expiration_in_days) * 86_400),
    });
    bucket
        .write_meta(key, &meta)
        .map_err(|e| storage_failure("the object's metadata cannot be written", e))?;
    Ok(StatusCode::OK)
}
