//! `Endpoint`: where the batch API lives for one account, and the `x-cos-appid` it sends.

use std::fmt;

use http::HeaderValue;
use http::uri::{Authority, Scheme, Uri};

/// Why an endpoint could not be built.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EndpointError {
    /// The UIN is not 1–32 ASCII letters or digits (anything else could change the host).
    InvalidUin,
    /// The region is not 1–64 lower-case ASCII letters, digits and inner `-`.
    InvalidRegion,
    /// The APPID is not 1–64 visible ASCII bytes.
    InvalidAppId,
    /// The base URL is not an absolute `http` or `https` URL without a query.
    InvalidBaseUrl(String),
    /// A bucket name that is not `{name}-{appid}` (the object API's
    /// [`BucketEndpoint`](crate::object::BucketEndpoint)).
    InvalidBucket(String),
}

impl fmt::Display for EndpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidUin => f.write_str("the UIN must be 1-32 ASCII letters or digits"),
            Self::InvalidRegion => f.write_str(
                "the region must be 1-64 lower-case ASCII letters, digits and inner '-' (e.g. ap-guangzhou)",
            ),
            Self::InvalidAppId => f.write_str("the APPID must be 1-64 visible ASCII bytes"),
            Self::InvalidBaseUrl(why) => write!(f, "invalid base URL: {why}"),
            Self::InvalidBucket(why) => write!(f, "invalid bucket: {why}"),
        }
    }
}

impl std::error::Error for EndpointError {}

/// The batch control plane of one account: its base URL and its APPID.
///
/// ```
/// use cos_batch_proto::Endpoint;
///
/// let ep = Endpoint::new("100000000001", "ap-chengdu", "1250000000").unwrap();
/// assert_eq!(ep.base_url(), "https://100000000001.cos-control.ap-chengdu.myqcloud.com");
///
/// // A UIN or region that would change the host is refused.
/// assert!(Endpoint::new("1.evil.com#", "ap-chengdu", "1250000000").is_err());
///
/// // The emulator, a proxy or a test double: any base URL.
/// let local = Endpoint::with_base_url("http://127.0.0.1:8080", "1250000000").unwrap();
/// assert_eq!(local.base_url(), "http://127.0.0.1:8080");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    scheme: Scheme,
    authority: Authority,
    /// A path prefix without a trailing `/` (empty for the service itself).
    prefix: String,
    appid: HeaderValue,
}

fn valid_uin(uin: &str) -> bool {
    (1..=32).contains(&uin.len()) && uin.bytes().all(|b| b.is_ascii_alphanumeric())
}

pub(crate) fn valid_region(region: &str) -> bool {
    (1..=64).contains(&region.len())
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !region.starts_with('-')
        && !region.ends_with('-')
}

/// A base URL's scheme (`http` or `https`), authority (no user information) and path (without
/// its trailing `/`); it may have no query.
pub(crate) fn parse_base_url(base_url: &str) -> Result<(Scheme, Authority, String), EndpointError> {
    let bad = |why: &str| EndpointError::InvalidBaseUrl(why.to_owned());
    let uri: Uri = base_url.parse().map_err(|_| bad("not a URL"))?;
    let scheme = uri.scheme().cloned().ok_or_else(|| bad("no scheme"))?;
    if scheme != Scheme::HTTP && scheme != Scheme::HTTPS {
        return Err(bad("the scheme must be http or https"));
    }
    let authority = uri.authority().cloned().ok_or_else(|| bad("no host"))?;
    if authority.as_str().contains('@') {
        return Err(bad("user information is not allowed"));
    }
    if uri.query().is_some() {
        return Err(bad("a query is not allowed"));
    }
    Ok((
        scheme,
        authority,
        uri.path().trim_end_matches('/').to_owned(),
    ))
}

fn appid_header(appid: &str) -> Result<HeaderValue, EndpointError> {
    if !(1..=64).contains(&appid.len()) || !appid.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(EndpointError::InvalidAppId);
    }
    HeaderValue::from_str(appid).map_err(|_| EndpointError::InvalidAppId)
}

impl Endpoint {
    /// The service endpoint `https://{uin}.cos-control.{region}.myqcloud.com`.
    pub fn new(uin: &str, region: &str, appid: &str) -> Result<Self, EndpointError> {
        if !valid_uin(uin) {
            return Err(EndpointError::InvalidUin);
        }
        if !valid_region(region) {
            return Err(EndpointError::InvalidRegion);
        }
        let authority = format!("{uin}.cos-control.{region}.myqcloud.com")
            .parse()
            .map_err(|_| EndpointError::InvalidRegion)?;
        Ok(Self {
            scheme: Scheme::HTTPS,
            authority,
            prefix: String::new(),
            appid: appid_header(appid)?,
        })
    }

    /// Any other base URL (`http` or `https`, optionally with a path prefix): the emulator, a
    /// proxy, a test double.
    pub fn with_base_url(base_url: &str, appid: &str) -> Result<Self, EndpointError> {
        let (scheme, authority, prefix) = parse_base_url(base_url)?;
        Ok(Self {
            scheme,
            authority,
            prefix,
            appid: appid_header(appid)?,
        })
    }

    /// Sends plain `http` instead of `https` (for a local service; never for the real one).
    pub fn with_scheme_http(mut self) -> Self {
        self.scheme = Scheme::HTTP;
        self
    }

    /// The APPID sent as `x-cos-appid`.
    pub fn appid(&self) -> &str {
        self.appid.to_str().unwrap_or_default()
    }

    pub(crate) fn appid_header(&self) -> &HeaderValue {
        &self.appid
    }

    /// The host (and port) requests go to.
    pub fn authority(&self) -> &str {
        self.authority.as_str()
    }

    /// The base URL, without a trailing `/`.
    pub fn base_url(&self) -> String {
        format!("{}://{}{}", self.scheme, self.authority, self.prefix)
    }

    /// The URI of `path_and_query` (which starts with `/`) under this endpoint.
    pub(crate) fn uri(&self, path_and_query: &str) -> Result<Uri, http::Error> {
        let pq = format!("{}{}", self.prefix, path_and_query);
        Uri::builder()
            .scheme(self.scheme.clone())
            .authority(self.authority.clone())
            .path_and_query(pq)
            .build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_uins_and_regions_are_refused() {
        for uin in ["", "1/2", "1.2", "a@b", "1:80", "1 2", &"9".repeat(33)] {
            assert_eq!(
                Endpoint::new(uin, "ap-guangzhou", "1").unwrap_err(),
                EndpointError::InvalidUin,
                "{uin:?}"
            );
        }
        for region in ["", "AP", "ap_x", "ap.x", "-ap", "ap-", "ap/x", "ap#"] {
            assert_eq!(
                Endpoint::new("1", region, "1").unwrap_err(),
                EndpointError::InvalidRegion,
                "{region:?}"
            );
        }
        for appid in ["", "a b", "a\nb", &"1".repeat(65)] {
            assert_eq!(
                Endpoint::new("1", "ap-x", appid).unwrap_err(),
                EndpointError::InvalidAppId,
                "{appid:?}"
            );
        }
    }

    #[test]
    fn base_urls() {
        let ep = Endpoint::with_base_url("http://127.0.0.1:9000/prefix/", "1250000000").unwrap();
        assert_eq!(
            ep.uri("/jobs").unwrap().to_string(),
            "http://127.0.0.1:9000/prefix/jobs"
        );
        assert_eq!(ep.authority(), "127.0.0.1:9000");
        for bad in [
            "127.0.0.1",
            "ftp://h",
            "http://u@h",
            "http://h/?q",
            "/jobs",
            "",
        ] {
            assert!(Endpoint::with_base_url(bad, "1").is_err(), "{bad:?}");
        }
    }
}
