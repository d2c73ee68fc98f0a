//! Temporary keys as the metadata service and STS return them: `TmpSecretId`,
//! `TmpSecretKey`, `Token`, and the expiry as `ExpiredTime` (Unix seconds) or `Expiration`
//! (RFC 3339). Checked here once for both: keys present, expiry present and in the future.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cos_sign::Credentials;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::{CredentialsError, CredentialsErrorKind};
use crate::provider::ProvidedCredentials;

/// The keys of a temporary credential.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct TemporaryKeys {
    pub(crate) tmp_secret_id: Option<String>,
    pub(crate) tmp_secret_key: Option<String>,
    pub(crate) token: Option<String>,
}

/// When a temporary credential expires, in either or both forms.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct Expiry {
    pub(crate) expired_time: Option<i64>,
    pub(crate) expiration: Option<String>,
}

/// A [`CredentialsErrorKind::Service`] error.
pub(crate) fn service_error(message: String) -> CredentialsError {
    CredentialsError::with_kind(CredentialsErrorKind::Service, message)
}

/// `body` as JSON of type `T`. serde_json's messages can quote a value (a key of the wrong
/// type), so the error says only where the document broke.
pub(crate) fn parse_json<T: DeserializeOwned>(
    body: &[u8],
    what: &str,
) -> Result<T, CredentialsError> {
    serde_json::from_slice(body).map_err(|e| {
        service_error(format!(
            "{what} answered with a body that is not the documented JSON ({:?} error at line {}, column {})",
            e.classify(),
            e.line(),
            e.column()
        ))
    })
}

impl Expiry {
    /// The expiry as a time, preferring `ExpiredTime`.
    fn at(&self) -> Option<SystemTime> {
        if let Some(secs) = self.expired_time {
            return u64::try_from(secs)
                .ok()
                .map(|s| UNIX_EPOCH + Duration::from_secs(s));
        }
        let parsed = OffsetDateTime::parse(self.expiration.as_deref()?, &Rfc3339).ok()?;
        let secs = u64::try_from(parsed.unix_timestamp()).ok()?;
        Some(UNIX_EPOCH + Duration::from_secs(secs))
    }
}

impl TemporaryKeys {
    /// The credentials, valid until `expiry`; an error when a key or the expiry is missing,
    /// or the keys have already expired at `now`.
    pub(crate) fn into_provided(
        self,
        expiry: &Expiry,
        now: SystemTime,
        what: &str,
    ) -> Result<ProvidedCredentials, CredentialsError> {
        let present = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
        let (Some(id), Some(key)) = (present(self.tmp_secret_id), present(self.tmp_secret_key))
        else {
            return Err(service_error(format!(
                "{what} answered without TmpSecretId and TmpSecretKey"
            )));
        };
        let at = expiry.at().ok_or_else(|| {
            service_error(format!(
                "{what} answered without a usable ExpiredTime or Expiration"
            ))
        })?;
        if at <= now {
            return Err(CredentialsError::with_kind(
                CredentialsErrorKind::Expired,
                format!("{what} answered with keys that have already expired"),
            ));
        }
        let mut credentials = Credentials::new(id.trim(), key.trim());
        if let Some(token) = present(self.token) {
            credentials = credentials.with_session_token(token);
        }
        Ok(ProvidedCredentials::expiring(credentials, at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(id: &str, key: &str) -> TemporaryKeys {
        TemporaryKeys {
            tmp_secret_id: Some(id.into()),
            tmp_secret_key: Some(key.into()),
            token: Some("tok".into()),
        }
    }

    #[test]
    fn expiry_prefers_expired_time_and_parses_expiration() {
        let e = Expiry {
            expired_time: Some(1_543_914_376),
            expiration: Some("2000-01-01T00:00:00Z".into()),
        };
        assert_eq!(
            e.at(),
            Some(UNIX_EPOCH + Duration::from_secs(1_543_914_376))
        );
        let e = Expiry {
            expired_time: None,
            expiration: Some("2018-12-04T09:06:16Z".into()),
        };
        assert_eq!(
            e.at(),
            Some(UNIX_EPOCH + Duration::from_secs(1_543_914_376))
        );
        assert_eq!(Expiry::default().at(), None);
        let bad = Expiry {
            expired_time: Some(-1),
            expiration: None,
        };
        assert_eq!(bad.at(), None);
    }

    #[test]
    fn keys_need_both_halves_and_a_future_expiry() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000);
        let future = Expiry {
            expired_time: Some(2_000),
            expiration: None,
        };
        let p = keys("AKIDt", "k").into_provided(&future, now, "x").unwrap();
        assert_eq!(
            p.expires_at(),
            Some(UNIX_EPOCH + Duration::from_secs(2_000))
        );
        assert_eq!(p.credentials().session_token().unwrap().expose(), "tok");

        let e = keys("", "k").into_provided(&future, now, "x").unwrap_err();
        assert_eq!(e.kind(), CredentialsErrorKind::Service);
        let e = keys("AKIDt", "k")
            .into_provided(&Expiry::default(), now, "x")
            .unwrap_err();
        assert_eq!(e.kind(), CredentialsErrorKind::Service);
        let past = Expiry {
            expired_time: Some(1_000),
            expiration: None,
        };
        let e = keys("AKIDt", "k")
            .into_provided(&past, now, "x")
            .unwrap_err();
        assert_eq!(e.kind(), CredentialsErrorKind::Expired);
    }

    #[test]
    fn malformed_json_errors_do_not_quote_values() {
        #[derive(Deserialize, Debug)]
        struct Doc {
            #[allow(dead_code)]
            n: u32,
        }
        let e = parse_json::<Doc>(br#"{"n": "s3cr3t"}"#, "the service").unwrap_err();
        assert_eq!(e.kind(), CredentialsErrorKind::Service);
        assert!(!format!("{e} {e:?}").contains("s3cr3t"), "{e}");
    }
}
