//! `ObjectMeta`: what COS keeps beside an object's bytes (storage class, tags, headers, ACL,
//! restore state), stored by the storage layer in a JSON sidecar beside the bucket tree.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

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
