//! `Authorization`: the seven `q-*` fields of a signature, as a header value or a presigned query.

use std::borrow::Cow;
use std::fmt;

use crate::canonical::{COS_ENCODE_SET, query_pairs};
use crate::{KeyTime, KeyTimeError};

/// The only algorithm COS XML signatures use.
pub const ALGORITHM: &str = "sha1";

/// The field names, in the order they are written.
const FIELDS: [&str; 7] = [
    "q-sign-algorithm",
    "q-ak",
    "q-sign-time",
    "q-key-time",
    "q-header-list",
    "q-url-param-list",
    "q-signature",
];

/// A parsed or computed signature: who signed (`q-ak`), when it is valid (`q-sign-time`,
/// `q-key-time`), what it covers (`q-header-list`, `q-url-param-list`) and the signature itself.
///
/// `Display` gives the `Authorization` header value; [`Authorization::to_query`] the presigned
/// query string.
///
/// ```
/// use cos_sign::Authorization;
/// let text = "q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q\
///     &q-sign-time=1557989753;1557996953&q-key-time=1557989753;1557996953\
///     &q-header-list=date;host&q-url-param-list=response-cache-control;response-content-type\
///     &q-signature=01681b8c9d798a678e43b685a9f1bba0f6c0e012";
/// let auth = Authorization::parse(text).unwrap();
/// assert_eq!(auth.secret_id(), "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q");
/// assert_eq!(auth.header_list().collect::<Vec<_>>(), ["date", "host"]);
/// assert_eq!(auth.to_string(), text);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorization {
    secret_id: String,
    sign_time: KeyTime,
    key_time: KeyTime,
    header_list: String,
    param_list: String,
    signature: String,
}

/// Why a text is not a well-formed [`Authorization`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthorizationError {
    /// A required field is absent (its name is given).
    Missing(&'static str),
    /// A field is given twice.
    Duplicate(&'static str),
    /// `q-sign-algorithm` is not `sha1` (the value, cut to 32 bytes, is given).
    UnsupportedAlgorithm(String),
    /// `q-sign-time` or `q-key-time` is not `start;end`.
    InvalidTime(&'static str, KeyTimeError),
    /// A field holds bytes that cannot be part of it (not UTF-8, or empty where a value is
    /// required).
    InvalidValue(&'static str),
}

impl fmt::Display for AuthorizationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing(field) => write!(f, "the authorization has no {field}"),
            Self::Duplicate(field) => write!(f, "the authorization gives {field} twice"),
            Self::UnsupportedAlgorithm(alg) => {
                write!(f, "q-sign-algorithm {alg:?} is not supported (only sha1)")
            }
            Self::InvalidTime(field, e) => write!(f, "{field}: {e}"),
            Self::InvalidValue(field) => write!(f, "the authorization's {field} is not valid"),
        }
    }
}

impl std::error::Error for AuthorizationError {}

impl Authorization {
    /// Assembles an authorization from its parts (`signature` in lower-case hex).
    pub(crate) fn new(
        secret_id: &str,
        sign_time: KeyTime,
        key_time: KeyTime,
        header_list: String,
        param_list: String,
        signature: &[u8; 40],
    ) -> Self {
        Self {
            secret_id: secret_id.to_owned(),
            sign_time,
            key_time,
            header_list,
            param_list,
            signature: String::from_utf8_lossy(signature).into_owned(),
        }
    }

    /// Parses an `Authorization` header value: `&`-separated `q-*=value` fields in any order;
    /// unknown fields are ignored, a repeated or missing one is an error.
    pub fn parse(value: &str) -> Result<Self, AuthorizationError> {
        let pairs = value
            .split('&')
            .map(|p| p.split_once('=').unwrap_or((p, "")))
            .map(|(k, v)| (k.as_bytes(), Some(v)));
        Self::from_fields(pairs)
    }

    /// Finds a presigned signature in a raw query string (values percent-decoded). `Ok(None)`
    /// when the query carries no `q-sign-algorithm` and no `q-signature`.
    pub fn from_query(query: &str) -> Result<Option<Self>, AuthorizationError> {
        let decoded: Vec<_> = query_pairs(query)
            .filter(|(k, _)| k.starts_with(b"q-"))
            .collect();
        let present = decoded
            .iter()
            .any(|(k, _)| &**k == b"q-sign-algorithm" || &**k == b"q-signature");
        if !present {
            return Ok(None);
        }
        let pairs = decoded
            .iter()
            .map(|(k, v)| (&**k, std::str::from_utf8(v).ok()));
        Self::from_fields(pairs).map(Some)
    }

    /// `None` as a value means "present but not UTF-8".
    fn from_fields<'a>(
        pairs: impl Iterator<Item = (&'a [u8], Option<&'a str>)>,
    ) -> Result<Self, AuthorizationError> {
        let mut values: [Option<Option<&str>>; 7] = [None; 7];
        for (key, value) in pairs {
            let Some(i) = FIELDS.iter().position(|f| f.as_bytes() == key) else {
                continue;
            };
            if values[i].is_some() {
                return Err(AuthorizationError::Duplicate(FIELDS[i]));
            }
            values[i] = Some(value);
        }
        let field = |i: usize| match values[i] {
            None => Err(AuthorizationError::Missing(FIELDS[i])),
            Some(None) => Err(AuthorizationError::InvalidValue(FIELDS[i])),
            Some(Some(v)) => Ok(v),
        };
        let algorithm = field(0)?;
        if algorithm != ALGORITHM {
            let shown: String = algorithm.chars().take(32).collect();
            return Err(AuthorizationError::UnsupportedAlgorithm(shown));
        }
        let time = |i: usize| -> Result<KeyTime, _> {
            let parsed = field(i)?.parse();
            parsed.map_err(|e| AuthorizationError::InvalidTime(FIELDS[i], e))
        };
        let non_empty = |i: usize| match field(i)? {
            "" => Err(AuthorizationError::InvalidValue(FIELDS[i])),
            v => Ok(v.to_owned()),
        };
        Ok(Self {
            secret_id: non_empty(1)?,
            sign_time: time(2)?,
            key_time: time(3)?,
            header_list: field(4)?.to_owned(),
            param_list: field(5)?.to_owned(),
            signature: non_empty(6)?,
        })
    }

    /// `q-ak`: the secret id.
    pub fn secret_id(&self) -> &str {
        &self.secret_id
    }

    /// `q-sign-time`: when the request may be sent.
    pub fn sign_time(&self) -> KeyTime {
        self.sign_time
    }

    /// `q-key-time`: the key time the signing key was derived for.
    pub fn key_time(&self) -> KeyTime {
        self.key_time
    }

    /// `q-header-list`, split: the signed header names, in order (a name repeats for a repeated
    /// header).
    pub fn header_list(&self) -> impl Iterator<Item = &str> {
        self.header_list.split(';').filter(|s| !s.is_empty())
    }

    /// `q-url-param-list`, split: the signed parameter names, in order.
    pub fn param_list(&self) -> impl Iterator<Item = &str> {
        self.param_list.split(';').filter(|s| !s.is_empty())
    }

    /// `q-signature`: the signature in hex.
    pub fn signature(&self) -> &str {
        &self.signature
    }

    /// The values of the fields, in the order of [`FIELDS`].
    fn values(&self) -> [Cow<'_, str>; 7] {
        [
            ALGORITHM.into(),
            self.secret_id.as_str().into(),
            self.sign_time.text().into(),
            self.key_time.text().into(),
            self.header_list.as_str().into(),
            self.param_list.as_str().into(),
            self.signature.as_str().into(),
        ]
    }

    /// The presigned form: `q-sign-algorithm=sha1&q-ak=...&...&q-signature=...`, each value
    /// percent-encoded, ready to put in a URL's query.
    pub fn to_query(&self) -> String {
        join_fields(self.values().each_ref().map(|v| &**v), true)
    }
}

/// `q-sign-algorithm=sha1&q-ak=...&q-signature=...`: the [`FIELDS`] with these `values`,
/// percent-encoded or as they are, in a buffer of the exact size (a `HeaderValue` takes it over).
pub(crate) fn join_fields(values: [&str; 7], encode: bool) -> String {
    let fields = FIELDS.iter().zip(values);
    let len = fields
        .clone()
        .map(|(f, v)| f.len() + v.len() + 2)
        .sum::<usize>();
    let mut out = String::with_capacity(len.saturating_sub(1));
    for (field, value) in fields {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(field);
        out.push('=');
        match encode {
            true => out.extend(percent_encoding::utf8_percent_encode(value, COS_ENCODE_SET)),
            false => out.push_str(value),
        }
    }
    out
}

impl fmt::Display for Authorization {
    /// The `Authorization` header value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&join_fields(self.values().each_ref().map(|v| &**v), false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_value_fills_its_buffer_exactly() {
        let key_time = KeyTime::new(1576778429, 1576785629).unwrap();
        for param_list in ["", "maxresults;nexttoken"] {
            let auth = Authorization::new(
                "AKIDexample",
                key_time,
                key_time,
                "host;x-cos-appid".to_owned(),
                param_list.to_owned(),
                b"0123456789abcdef0123456789abcdef01234567",
            );
            let value = join_fields(auth.values().each_ref().map(|v| &**v), false);
            assert_eq!(value.capacity(), value.len());
            assert_eq!(value, auth.to_string());
            assert_eq!(Authorization::parse(&value), Ok(auth));
        }
    }
}
