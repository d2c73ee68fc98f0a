//! Where a bucket lives: [`BucketName`] (`{name}-{appid}`), [`BucketEndpoint`] (the client's
//! address of one bucket), and the server's reading of a request's host and path.

use std::fmt;

use http::uri::{Authority, Scheme, Uri};
use percent_encoding::utf8_percent_encode;

use crate::EndpointError;
use crate::endpoint::{parse_base_url, valid_region};
use crate::path::SEGMENT;

/// A bucket's full name, `{name}-{appid}`: the name is 1–50 lower-case ASCII letters, digits
/// and inner `-`, the APPID 1–20 ASCII digits.
///
/// ```
/// use cos_batch_proto::object::BucketName;
/// let b = BucketName::parse("photos-1250000000").unwrap();
/// assert_eq!((b.name(), b.appid()), ("photos", "1250000000"));
/// assert!(BucketName::parse("photos").is_err());
/// assert!(BucketName::parse("Photos-1250000000").is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BucketName {
    full: String,
    dash: usize,
}

/// A bucket name that is not `{name}-{appid}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidBucketName(pub String);

impl fmt::Display for InvalidBucketName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the bucket {:?} is not {{name}}-{{appid}} (a name of 1-50 lower-case letters, digits and inner '-', an APPID of digits)",
            self.0
        )
    }
}

impl std::error::Error for InvalidBucketName {}

impl BucketName {
    /// Checks a full bucket name.
    pub fn parse(full: &str) -> Result<Self, InvalidBucketName> {
        let bad = || InvalidBucketName(full.to_owned());
        let (name, appid) = full.rsplit_once('-').ok_or_else(bad)?;
        let name_ok = (1..=50).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !name.starts_with('-')
            && !name.ends_with('-');
        let appid_ok = (1..=20).contains(&appid.len()) && appid.bytes().all(|b| b.is_ascii_digit());
        if !(name_ok && appid_ok) {
            return Err(bad());
        }
        Ok(Self {
            full: full.to_owned(),
            dash: name.len(),
        })
    }

    /// The full name, `{name}-{appid}`.
    pub fn as_str(&self) -> &str {
        &self.full
    }

    /// The name without its APPID.
    pub fn name(&self) -> &str {
        &self.full[..self.dash]
    }

    /// The APPID.
    pub fn appid(&self) -> &str {
        &self.full[self.dash + 1..]
    }
}

impl fmt::Display for BucketName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.full)
    }
}

/// The address of one bucket for a client: virtual-hosted
/// (`https://{bucket}.cos.{region}.myqcloud.com/{key}`, as COS serves it) or path style under a
/// base URL (`http://127.0.0.1:9000/{bucket}/{key}`, as the emulator also serves it).
///
/// Its methods build unsigned requests; sign them with `cos-sign` like the batch operations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BucketEndpoint {
    scheme: Scheme,
    authority: Authority,
    /// The path before the key: `` (virtual-hosted) or `{base path}/{bucket}`.
    prefix: String,
    bucket: BucketName,
}

impl BucketEndpoint {
    /// `https://{bucket}.cos.{region}.myqcloud.com`.
    ///
    /// ```
    /// use cos_batch_proto::object::BucketEndpoint;
    /// let b = BucketEndpoint::new("photos-1250000000", "ap-chengdu").unwrap();
    /// assert_eq!(b.authority(), "photos-1250000000.cos.ap-chengdu.myqcloud.com");
    /// ```
    pub fn new(bucket: &str, region: &str) -> Result<Self, EndpointError> {
        let bucket =
            BucketName::parse(bucket).map_err(|e| EndpointError::InvalidBucket(e.to_string()))?;
        if !valid_region(region) {
            return Err(EndpointError::InvalidRegion);
        }
        let authority = format!("{bucket}.cos.{region}.myqcloud.com")
            .parse()
            .map_err(|_| EndpointError::InvalidRegion)?;
        Ok(Self {
            scheme: Scheme::HTTPS,
            authority,
            prefix: String::new(),
            bucket,
        })
    }

    /// Path style under `base_url` (`http://127.0.0.1:9000` gives
    /// `http://127.0.0.1:9000/{bucket}/{key}`).
    pub fn with_base_url(base_url: &str, bucket: &str) -> Result<Self, EndpointError> {
        let bucket =
            BucketName::parse(bucket).map_err(|e| EndpointError::InvalidBucket(e.to_string()))?;
        let (scheme, authority, path) = parse_base_url(base_url)?;
        let prefix = format!("{path}/{bucket}");
        Ok(Self {
            scheme,
            authority,
            prefix,
            bucket,
        })
    }

    /// The bucket.
    pub fn bucket(&self) -> &BucketName {
        &self.bucket
    }

    /// `host[:port]`.
    pub fn authority(&self) -> &str {
        self.authority.as_str()
    }

    /// The URI of the bucket (`key` empty) or of an object, with `query` (`""` or `?...`).
    pub(crate) fn uri(&self, key: &str, query: &str) -> Result<Uri, http::Error> {
        let mut path = self.prefix.clone();
        path.push('/');
        path.extend(key.split('/').enumerate().flat_map(|(i, segment)| {
            (i > 0)
                .then_some("/")
                .into_iter()
                .chain(utf8_percent_encode(segment, SEGMENT))
        }));
        path.push_str(query);
        Uri::builder()
            .scheme(self.scheme.clone())
            .authority(self.authority.clone())
            .path_and_query(path)
            .build()
    }
}

/// Where an object request points: the bucket as written, and the raw (still escaped) key
/// path, empty for the bucket itself.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Target<'a> {
    pub bucket: &'a str,
    pub raw_key: &'a str,
}

/// Reads the bucket from `host` (`{bucket}.cos.{region}.myqcloud.com`) or, for any other host
/// but a batch one (`{uin}.cos-control.{region}...`), from the first segment of `path`;
/// `None` for a batch request (a batch host, or `/` or `/jobs...` on a plain host).
pub(crate) fn target<'a>(host: Option<&'a str>, path: &'a str) -> Option<Target<'a>> {
    let host = host.map(|h| h.split(':').next().unwrap_or(h));
    if let Some(host) = host {
        if let Some((bucket, rest)) = host.split_once(".cos.")
            && rest.contains('.')
            && !bucket.contains('.')
        {
            return Some(Target {
                bucket,
                raw_key: path.strip_prefix('/').unwrap_or(path),
            });
        }
        if host.contains(".cos-control.") {
            return None;
        }
    }
    let rest = path.strip_prefix('/')?;
    let (bucket, raw_key) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() || bucket == "jobs" {
        return None;
    }
    Some(Target { bucket, raw_key })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_paths_pick_the_bucket() {
        let vhost = Some("photos-1250000000.cos.ap-chengdu.myqcloud.com");
        assert_eq!(
            target(vhost, "/a/b.txt"),
            Some(Target {
                bucket: "photos-1250000000",
                raw_key: "a/b.txt"
            })
        );
        assert_eq!(
            target(vhost, "/"),
            Some(Target {
                bucket: "photos-1250000000",
                raw_key: ""
            })
        );
        let batch = Some("100000000001.cos-control.ap-chengdu.myqcloud.com");
        assert_eq!(target(batch, "/jobs"), None);
        assert_eq!(target(batch, "/photos-1250000000/a"), None);
        let plain = Some("127.0.0.1:9000");
        assert_eq!(target(plain, "/jobs"), None);
        assert_eq!(target(plain, "/jobs/abc/status"), None);
        assert_eq!(target(plain, "/"), None);
        assert_eq!(
            target(plain, "/photos-1250000000/a/b"),
            Some(Target {
                bucket: "photos-1250000000",
                raw_key: "a/b"
            })
        );
        assert_eq!(
            target(None, "/photos-1250000000"),
            Some(Target {
                bucket: "photos-1250000000",
                raw_key: ""
            })
        );
    }

    #[test]
    fn keys_are_escaped_per_segment() {
        let b = BucketEndpoint::with_base_url("http://h:1/base/", "b-1").unwrap();
        assert_eq!(
            b.uri("a b/c%d", "?x=1").unwrap(),
            "http://h:1/base/b-1/a%20b/c%25d?x=1"
        );
        let v = BucketEndpoint::new("b-1", "ap-x").unwrap();
        assert_eq!(v.uri("", "").unwrap(), "https://b-1.cos.ap-x.myqcloud.com/");
    }

    #[test]
    fn bucket_names() {
        for bad in ["", "b", "-1", "b-", "B-1", "b-1a", "b.c-1", "-b-1"] {
            assert!(BucketName::parse(bad).is_err(), "{bad}");
        }
        let b = BucketName::parse("my-photos-1").unwrap();
        assert_eq!((b.name(), b.appid()), ("my-photos", "1"));
    }
}
