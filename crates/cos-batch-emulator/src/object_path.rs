//! Where buckets and objects live on disk, and the one place keys become paths.
//!
//! Layout under the data directory:
//! - `{data}/{bucket}-{appid}/{key}`: the object's bytes (a key's `/` are directories);
//! - `{data}/.cos-meta/{bucket}-{appid}/{h[0..2]}/{h}.json` with `h` the MD5 hex of the key: the
//!   object's sidecar, written by `storage::meta` (tags, metadata, ACL, storage class, restore state; see
//!   [`ObjectMeta`](crate::ObjectMeta)). Bucket names cannot start with `.`, so the sidecar tree
//!   never collides with a bucket, and sidecar names are hashes, so they never collide with keys.
//!
//! A key is accepted only if it cannot name anything outside its bucket directory: no `.` or
//! `..` segment, no empty segment (`a//b`, a leading or trailing `/`), no NUL, backslash or
//! control character, and no percent-encoded `.`, `/`, `\` or NUL left after decoding.

use std::fmt;
use std::path::{Component, Path, PathBuf};

use md5::{Digest, Md5};

/// The directory under the data directory that holds the sidecars.
pub(crate) const META_DIR: &str = ".cos-meta";
/// The longest key accepted, in bytes.
pub(crate) const MAX_KEY_LEN: usize = 1024;
/// The longest key segment (between two `/`) accepted, in bytes: a file name.
pub(crate) const MAX_SEGMENT_LEN: usize = 255;

/// Why a bucket or key was refused: it could reach outside its bucket directory, or cannot be
/// stored as a file.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) enum PathError {
    /// The bucket name is not lower-case ASCII letters, digits and inner `-`.
    InvalidBucket,
    /// The APPID is not 1–64 ASCII letters or digits.
    InvalidAppId,
    /// The key is empty.
    EmptyKey,
    /// The key is longer than [`MAX_KEY_LEN`] or a segment longer than [`MAX_SEGMENT_LEN`].
    TooLong,
    /// The key holds a NUL byte.
    Nul,
    /// The key holds a backslash.
    Backslash,
    /// The key holds a control character.
    ControlCharacter,
    /// The key starts with `/`.
    Absolute,
    /// The key has a `.` or `..` segment.
    DotSegment,
    /// The key has an empty segment (`a//b`, or a trailing `/`).
    EmptySegment,
    /// The key still holds a percent-encoded `.`, `/`, `\` or NUL (`%2e`, `%2f`, `%5c`, `%00`).
    EncodedSeparator,
    /// A key segment is the name of a temporary file (`.cos-tmp-*`), never an object.
    Reserved,
    /// A directory or file on the way is a symbolic link.
    Symlink,
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::InvalidBucket => {
                "the bucket name must be lower-case ASCII letters, digits and inner '-'"
            }
            Self::InvalidAppId => "the APPID must be 1-64 ASCII letters or digits",
            Self::EmptyKey => "the object key is empty",
            Self::TooLong => "the object key or one of its segments is too long",
            Self::Nul => "the object key holds a NUL byte",
            Self::Backslash => "the object key holds a backslash",
            Self::ControlCharacter => "the object key holds a control character",
            Self::Absolute => "the object key starts with '/'",
            Self::DotSegment => "the object key has a '.' or '..' segment",
            Self::EmptySegment => "the object key has an empty segment",
            Self::EncodedSeparator => {
                "the object key holds a percent-encoded '.', '/', '\\' or NUL"
            }
            Self::Reserved => {
                "the object key names a temporary file of the emulator ('.cos-tmp-*')"
            }
            Self::Symlink => "the object path goes through a symbolic link",
        })
    }
}

impl std::error::Error for PathError {}

/// The directory name of a bucket: `bucket` when it already ends with `-{appid}`, else
/// `{bucket}-{appid}`.
pub(crate) fn bucket_dir_name(bucket: &str, appid: &str) -> Result<String, PathError> {
    if appid.is_empty() || appid.len() > 64 || !appid.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(PathError::InvalidAppId);
    }
    let valid = !bucket.is_empty()
        && bucket.len() <= 128
        && bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !bucket.starts_with('-')
        && !bucket.ends_with('-');
    if !valid {
        return Err(PathError::InvalidBucket);
    }
    let suffix_len = appid.len() + 1;
    let has_suffix = bucket.len() > suffix_len
        && bucket.ends_with(appid)
        && bucket.as_bytes()[bucket.len() - suffix_len] == b'-';
    if has_suffix {
        Ok(bucket.to_owned())
    } else {
        Ok(format!("{bucket}-{appid}"))
    }
}

/// Checks that `key` names a file inside its bucket directory (see the module docs).
pub(crate) fn check_key(key: &str) -> Result<(), PathError> {
    if key.is_empty() {
        return Err(PathError::EmptyKey);
    }
    if key.len() > MAX_KEY_LEN {
        return Err(PathError::TooLong);
    }
    if key.contains('\0') {
        return Err(PathError::Nul);
    }
    if key.contains('\\') {
        return Err(PathError::Backslash);
    }
    if key.chars().any(char::is_control) {
        return Err(PathError::ControlCharacter);
    }
    if key.starts_with('/') {
        return Err(PathError::Absolute);
    }
    let lower = key.to_ascii_lowercase();
    if ["%2e", "%2f", "%5c", "%00"]
        .iter()
        .any(|e| lower.contains(e))
    {
        return Err(PathError::EncodedSeparator);
    }
    for segment in key.split('/') {
        match segment {
            "" => return Err(PathError::EmptySegment),
            "." | ".." => return Err(PathError::DotSegment),
            s if s.len() > MAX_SEGMENT_LEN => return Err(PathError::TooLong),
            s if is_temporary(s) => return Err(PathError::Reserved),
            _ => {}
        }
    }
    Ok(())
}

/// The prefix of every temporary file's name (see `storage::temp`).
pub(crate) const TEMP_PREFIX: &str = ".cos-tmp-";

/// Whether a file name is a temporary file: `.cos-tmp-*`, or the older `.{name}.tmp-{16 hex}`
/// of whole-file writes. No key segment may be one.
pub(crate) fn is_temporary(name: &str) -> bool {
    name.starts_with(TEMP_PREFIX)
        || (name.starts_with('.')
            && name.rsplit_once(".tmp-").is_some_and(|(_, hex)| {
                hex.len() == 16 && hex.bytes().all(|b| b.is_ascii_hexdigit())
            }))
}

/// An object's place on disk: a checked bucket and key, and the paths they map to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ObjectPath {
    bucket: String,
    key: String,
    bucket_dir: PathBuf,
    path: PathBuf,
}

impl ObjectPath {
    /// Maps `bucket` (with or without its `-{appid}` suffix) and `key` under `data_dir`, or
    /// refuses them.
    pub fn resolve(
        data_dir: &Path,
        bucket: &str,
        appid: &str,
        key: &str,
    ) -> Result<Self, PathError> {
        let bucket = bucket_dir_name(bucket, appid)?;
        check_key(key)?;
        let bucket_dir = data_dir.join(&bucket);
        let mut path = bucket_dir.clone();
        for segment in key.split('/') {
            path.push(segment);
        }
        // Defence in depth: nothing but plain names below the bucket directory.
        let below = path
            .strip_prefix(&bucket_dir)
            .map_err(|_| PathError::DotSegment)?;
        if !below
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
        {
            return Err(PathError::DotSegment);
        }
        Ok(Self {
            bucket,
            key: key.to_owned(),
            bucket_dir,
            path,
        })
    }

    /// The bucket's full name (`name-appid`), its directory name.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The object's file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Lower-case hex MD5 of `bytes`.
pub(crate) fn md5_hex(bytes: &[u8]) -> String {
    let digest = Md5::digest(bytes);
    let mut out = String::with_capacity(32);
    for b in digest.iter() {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    out
}

const HEX: &[u8; 16] = b"0123456789abcdef";

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn escapes_are_refused() {
        let data = Path::new("/data");
        for (key, err) in [
            ("../../etc/passwd", PathError::DotSegment),
            ("/etc/passwd", PathError::Absolute),
            ("a/../../b", PathError::DotSegment),
            ("%2e%2e/x", PathError::EncodedSeparator),
            ("a%2Fb", PathError::EncodedSeparator),
            ("a%5c..", PathError::EncodedSeparator),
            ("a\0b", PathError::Nul),
            ("a\\..\\b", PathError::Backslash),
            ("a//b", PathError::EmptySegment),
            ("a/", PathError::EmptySegment),
            ("./a", PathError::DotSegment),
            ("..", PathError::DotSegment),
            ("", PathError::EmptyKey),
            ("a\nb", PathError::ControlCharacter),
            (".cos-tmp-0123", PathError::Reserved),
            ("a/.b.tmp-0123456789abcdef", PathError::Reserved),
        ] {
            assert_eq!(
                ObjectPath::resolve(data, "b", "1250000000", key),
                Err(err),
                "{key:?}"
            );
        }
        assert_eq!(
            ObjectPath::resolve(data, "b", "1250000000", &"x".repeat(256)),
            Err(PathError::TooLong)
        );
    }

    #[test]
    fn ordinary_keys_are_accepted() {
        let data = Path::new("/data");
        for key in [
            "a",
            "a/b/c.txt",
            "...",
            "a..b",
            "spaces and (parens)",
            "腾讯云/对象",
            "100%",
            "a%20b",
        ] {
            let p = ObjectPath::resolve(data, "b-1250000000", "1250000000", key).unwrap();
            assert!(p.path().starts_with("/data/b-1250000000/"), "{key:?}");
        }
    }

    #[test]
    fn bucket_names() {
        assert_eq!(bucket_dir_name("b", "125").unwrap(), "b-125");
        assert_eq!(bucket_dir_name("b-125", "125").unwrap(), "b-125");
        assert_eq!(bucket_dir_name("x-1125", "125").unwrap(), "x-1125-125");
        for bad in ["", "B", "a/b", "..", ".cos-meta", "a_b", "-a", "a-"] {
            assert!(bucket_dir_name(bad, "125").is_err(), "{bad:?}");
        }
        assert_eq!(bucket_dir_name("b", "1/2"), Err(PathError::InvalidAppId));
        assert_eq!(bucket_dir_name("b", ""), Err(PathError::InvalidAppId));
    }

    #[test]
    fn md5_is_lower_case_hex() {
        assert_eq!(md5_hex(b""), "d41d8cd98f00b204e9800998ecf8427e");
    }

    proptest! {
        /// No accepted key resolves outside its bucket directory.
        #[test]
        fn accepted_keys_stay_inside(key in "[a./\\\\%25eEfF0\\x00c\\- ]{0,24}") {
            let data = Path::new("/data");
            if let Ok(p) = ObjectPath::resolve(data, "b", "1250000000", &key) {
                let below = p.path().strip_prefix("/data/b-1250000000").unwrap();
                prop_assert!(below.components().count() >= 1);
                prop_assert!(below.components().all(|c| matches!(c, Component::Normal(_))));
            }
        }

        #[test]
        fn any_text_is_checked_without_panicking(key in "\\PC{0,64}", bucket in "\\PC{0,16}") {
            let _ = ObjectPath::resolve(Path::new("/d"), &bucket, "1", &key);
        }
    }
}
