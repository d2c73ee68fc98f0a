//! PUT Object's input: the key and what its headers set (digest, metadata, storage class,
//! tags).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cos_batch_model::ErrorCode;
use http::{HeaderMap, StatusCode};

use crate::CosError;
use crate::path::SEGMENT;
use crate::query::pairs;
use percent_encoding::utf8_percent_encode;

/// The storage classes PUT Object takes (`x-cos-storage-class`, upper case).
pub const KNOWN_STORAGE_CLASSES: &[&str] = &[
    "STANDARD",
    "STANDARD_IA",
    "ARCHIVE",
    "DEEP_ARCHIVE",
    "INTELLIGENT_TIERING",
    "MAZ_STANDARD",
    "MAZ_STANDARD_IA",
    "MAZ_INTELLIGENT_TIERING",
];

/// The most tags an object may carry.
const MAX_TAGS: usize = 10;

/// What a PUT Object sets besides its bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PutObjectInput {
    /// The object key.
    pub key: String,
    /// The MD5 of the body the client sent (`Content-MD5`), to check the body against.
    pub content_md5: Option<[u8; 16]>,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// `Cache-Control`.
    pub cache_control: Option<String>,
    /// `Content-Disposition`.
    pub content_disposition: Option<String>,
    /// `Content-Encoding`.
    pub content_encoding: Option<String>,
    /// `Expires`.
    pub expires: Option<String>,
    /// `x-cos-meta-*` headers: (full lower-case header name, value), sorted by name.
    pub user_metadata: Vec<(String, String)>,
    /// `x-cos-storage-class`, one of [`KNOWN_STORAGE_CLASSES`].
    pub storage_class: Option<String>,
    /// `x-cos-tagging` (`k1=v1&k2=v2`, escaped): the tags, in order.
    pub tags: Vec<(String, String)>,
}

impl PutObjectInput {
    /// A PUT of `key` with nothing else set.
    pub fn new(key: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            ..Self::default()
        }
    }

    /// Reads the headers of a PUT Object of `key`: `InvalidDigest` for a `Content-MD5` that is
    /// not the Base64 of 16 bytes, `InvalidArgument` for an unknown storage class, a tagging
    /// header that does not parse (or more than 10 tags, or a key twice) or a header that is
    /// not visible ASCII.
    pub fn from_headers(key: String, headers: &HeaderMap) -> Result<Self, CosError> {
        let text = |name: &str| -> Result<Option<String>, CosError> {
            headers
                .get(name)
                .map(|v| {
                    v.to_str().map(|s| s.trim().to_owned()).map_err(|_| {
                        CosError::invalid_argument(format!("The {name} header is not ASCII"))
                    })
                })
                .transpose()
        };
        let content_md5 = match text("content-md5")? {
            None => None,
            Some(v) => Some(
                STANDARD
                    .decode(v.as_bytes())
                    .ok()
                    .and_then(|d| <[u8; 16]>::try_from(d).ok())
                    .ok_or_else(|| {
                        CosError::new(
                            StatusCode::BAD_REQUEST,
                            ErrorCode::from("InvalidDigest"),
                            "The Content-MD5 you specified is not valid",
                        )
                    })?,
            ),
        };
        let storage_class = match text("x-cos-storage-class")? {
            None => None,
            Some(v) => {
                let upper = v.to_ascii_uppercase();
                if !KNOWN_STORAGE_CLASSES.contains(&upper.as_str()) {
                    return Err(CosError::invalid_argument(format!(
                        "The storage class {v:?} is not valid"
                    )));
                }
                Some(upper)
            }
        };
        let mut tags: Vec<(String, String)> = Vec::new();
        if let Some(v) = text("x-cos-tagging")? {
            for pair in pairs(Some(&v)) {
                let (k, v) = pair.map_err(|k| {
                    CosError::invalid_argument(format!("The tag {k:?} is not UTF-8"))
                })?;
                if k.is_empty() || tags.iter().any(|(seen, _)| *seen == k) {
                    return Err(CosError::invalid_argument(
                        "The x-cos-tagging header has an empty or repeated tag key",
                    ));
                }
                tags.push((k, v));
            }
            if tags.len() > MAX_TAGS {
                return Err(CosError::invalid_argument(format!(
                    "An object can have at most {MAX_TAGS} tags"
                )));
            }
        }
        let mut user_metadata = Vec::new();
        for (name, value) in headers {
            if name.as_str().starts_with("x-cos-meta-") {
                let value = value.to_str().map_err(|_| {
                    CosError::invalid_argument(format!("The {name} header is not ASCII"))
                })?;
                user_metadata.push((name.as_str().to_owned(), value.trim().to_owned()));
            }
        }
        user_metadata.sort();
        Ok(Self {
            key,
            content_md5,
            content_type: text("content-type")?,
            cache_control: text("cache-control")?,
            content_disposition: text("content-disposition")?,
            content_encoding: text("content-encoding")?,
            expires: text("expires")?,
            user_metadata,
            storage_class,
            tags,
        })
    }

    /// The `x-cos-tagging` value of the tags, escaped; `None` without tags.
    pub fn tagging_header(&self) -> Option<String> {
        if self.tags.is_empty() {
            return None;
        }
        let escape = |s: &str| utf8_percent_encode(s, SEGMENT).to_string();
        let pairs: Vec<String> = self
            .tags
            .iter()
            .map(|(k, v)| format!("{}={}", escape(k), escape(v)))
            .collect();
        Some(pairs.join("&"))
    }
}
