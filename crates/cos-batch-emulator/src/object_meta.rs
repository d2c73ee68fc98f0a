//! `ObjectMeta`: what COS keeps beside an object's bytes (storage class, tags, headers, ACL,
//! restore state), stored in a JSON sidecar (see [`crate::ObjectPath::meta_path`]).

use std::collections::BTreeMap;
use std::io;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::atomic_file::write_atomically;
use crate::object_path::ObjectPath;

/// An object's metadata. An object without a sidecar has the default (all empty): storage
/// class `STANDARD`, no tags, no headers, the bucket's ACL, never restored.
///
/// ```
/// use cos_batch_emulator::ObjectMeta;
///
/// let mut meta = ObjectMeta::default();
/// assert!(meta.is_empty() && !meta.is_archived());
/// meta.storage_class = Some("ARCHIVE".into());
/// meta.tags.insert("team".into(), "media".into());
/// assert!(meta.is_archived() && !meta.is_restored_at(0));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ObjectMeta {
    /// The storage class (`STANDARD` when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_class: Option<String>,
    /// The object's tags.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// The object's HTTP headers and user metadata.
    #[serde(default, skip_serializing_if = "ObjectHeaders::is_empty")]
    pub headers: ObjectHeaders,
    /// The object's ACL.
    #[serde(default, skip_serializing_if = "ObjectAcl::is_empty")]
    pub acl: ObjectAcl,
    /// The restore of an archived object, once initiated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restore: Option<RestoreState>,
}

impl ObjectMeta {
    /// Whether nothing is set (no sidecar is needed).
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }

    /// Whether the storage class is `ARCHIVE` or `DEEP_ARCHIVE`.
    pub fn is_archived(&self) -> bool {
        matches!(
            self.storage_class.as_deref(),
            Some("ARCHIVE" | "DEEP_ARCHIVE")
        )
    }

    /// Whether a restored copy is readable at `now` (Unix seconds).
    pub fn is_restored_at(&self, now: u64) -> bool {
        self.restore.as_ref().is_some_and(|r| now < r.expires_at)
    }
}

/// The HTTP headers and user metadata of an object (`NewObjectMetadata`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ObjectHeaders {
    /// `Cache-Control`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<String>,
    /// `Content-Disposition`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_disposition: Option<String>,
    /// `Content-Encoding`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_encoding: Option<String>,
    /// `Content-Type`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// `Expires`, as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// `x-cos-server-side-encryption`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sse_algorithm: Option<String>,
    /// `x-cos-meta-*`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub user_metadata: BTreeMap<String, String>,
}

impl ObjectHeaders {
    /// Whether nothing is set.
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

/// An object's ACL: a canned ACL and explicit grants.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ObjectAcl {
    /// `private` or `public-read`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canned: Option<String>,
    /// Explicit grants.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grants: Vec<AclGrant>,
}

impl ObjectAcl {
    /// Whether nothing is set (the bucket's ACL applies).
    pub fn is_empty(&self) -> bool {
        self.canned.is_none() && self.grants.is_empty()
    }
}

/// One grant of an ACL.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AclGrant {
    /// The grantee's identifier.
    pub grantee: String,
    /// The grantee's display name, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// `READ`, `WRITE` or `FULL_CONTROL`.
    pub permission: String,
}

impl AclGrant {
    /// A grant of `permission` to `grantee`.
    pub fn new(grantee: impl Into<String>, permission: impl Into<String>) -> Self {
        Self {
            grantee: grantee.into(),
            display_name: None,
            permission: permission.into(),
        }
    }
}

/// The restore of an archived object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RestoreState {
    /// `ExpirationInDays` of the restore.
    pub expiration_in_days: u32,
    /// `JobTier` (`Bulk`, `Standard`).
    pub tier: String,
    /// When the restore was made, Unix seconds.
    pub restored_at: u64,
    /// When the restored copy expires, Unix seconds.
    pub expires_at: u64,
}

/// The sidecar file: the key (checked on reading) and the metadata.
#[derive(Serialize, Deserialize)]
struct Sidecar {
    key: String,
    meta: ObjectMeta,
}

/// Reads an object's metadata: the default when it has no sidecar.
pub(crate) fn read_meta(object: &ObjectPath, data_dir: &Path) -> io::Result<ObjectMeta> {
    let bytes = match std::fs::read(object.meta_path(data_dir)) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(ObjectMeta::default()),
        Err(e) => return Err(e),
    };
    let sidecar: Sidecar = serde_json::from_slice(&bytes)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    if sidecar.key == object.key() {
        Ok(sidecar.meta)
    } else {
        Ok(ObjectMeta::default())
    }
}

/// Writes an object's metadata; empty metadata removes the sidecar.
pub(crate) fn write_meta(
    object: &ObjectPath,
    data_dir: &Path,
    meta: &ObjectMeta,
) -> io::Result<()> {
    let path = object.meta_path(data_dir);
    if meta.is_empty() {
        return remove_meta_file(&path);
    }
    let sidecar = Sidecar {
        key: object.key().to_owned(),
        meta: meta.clone(),
    };
    let bytes = serde_json::to_vec(&sidecar).map_err(io::Error::other)?;
    write_atomically(&path, &bytes)
}

/// Removes an object's sidecar, if any.
pub(crate) fn remove_meta(object: &ObjectPath, data_dir: &Path) -> io::Result<()> {
    remove_meta_file(&object.meta_path(data_dir))
}

fn remove_meta_file(path: &Path) -> io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sidecar_round_trip_and_removal() {
        let dir = tempfile::tempdir().unwrap();
        let obj = ObjectPath::resolve(dir.path(), "b", "1", "a/b").unwrap();
        assert!(read_meta(&obj, dir.path()).unwrap().is_empty());
        let mut meta = ObjectMeta::default();
        meta.tags.insert("k".into(), "v".into());
        meta.acl.grants.push(AclGrant::new("100", "READ"));
        write_meta(&obj, dir.path(), &meta).unwrap();
        assert_eq!(read_meta(&obj, dir.path()).unwrap(), meta);
        // Another key never sees it.
        let other = ObjectPath::resolve(dir.path(), "b", "1", "a/c").unwrap();
        assert!(read_meta(&other, dir.path()).unwrap().is_empty());
        write_meta(&obj, dir.path(), &ObjectMeta::default()).unwrap();
        assert!(!obj.meta_path(dir.path()).exists());
        remove_meta(&obj, dir.path()).unwrap();
    }
}
