//! Credentials for the client: static, from the environment, or from a provider of temporary
//! keys that the client refreshes before they expire.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::SystemTime;

use cos_sign::Credentials;

/// The variable [`EnvCredentials`] reads the secret id from.
pub const SECRET_ID_VAR: &str = "COS_SECRET_ID";
/// The variable [`EnvCredentials`] reads the secret key from.
pub const SECRET_KEY_VAR: &str = "COS_SECRET_KEY";
/// The (optional) variable [`EnvCredentials`] reads the session token from.
pub const SESSION_TOKEN_VAR: &str = "COS_SESSION_TOKEN";

/// Credentials from a [`ProvideCredentials`], with the time they stop being valid (for
/// temporary keys).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ProvidedCredentials {
    credentials: Credentials,
    expires_at: Option<SystemTime>,
}

impl ProvidedCredentials {
    /// Credentials that do not expire.
    pub fn new(credentials: Credentials) -> Self {
        Self {
            credentials,
            expires_at: None,
        }
    }

    /// Credentials valid until `expires_at` (temporary keys with their session token).
    pub fn expiring(credentials: Credentials, expires_at: SystemTime) -> Self {
        Self {
            credentials,
            expires_at: Some(expires_at),
        }
    }

    /// The credentials.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// When they expire, if they do.
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.expires_at
    }
}

/// The future a [`ProvideCredentials`] returns.
pub type CredentialsFuture<'a> =
    Pin<Box<dyn Future<Output = Result<ProvidedCredentials, CredentialsError>> + Send + 'a>>;

/// A source of credentials, asked again when the last ones are about to expire.
///
/// The client caches what the provider gives and asks again only when the credentials are
/// within the refresh margin of their expiry (see
/// [`crate::ClientBuilder::credentials_refresh_margin`]); concurrent calls that find them
/// stale share one refresh.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use cos_batch_hyper::{Credentials, CredentialsError, CredentialsFuture, ProvideCredentials, ProvidedCredentials};
///
/// /// Temporary keys from your STS of choice.
/// struct MySts;
///
/// impl ProvideCredentials for MySts {
///     fn provide_credentials(&self) -> CredentialsFuture<'_> {
///         Box::pin(async {
///             // ... ask the STS ...
///             let credentials = Credentials::new("AKIDtemporary", "temporary-secret")
///                 .with_session_token("token");
///             Ok(ProvidedCredentials::expiring(
///                 credentials,
///                 SystemTime::now() + Duration::from_secs(1800),
///             ))
///         })
///     }
/// }
/// # let _ = MySts;
/// ```
pub trait ProvideCredentials: Send + Sync + 'static {
    /// Fetches credentials.
    fn provide_credentials(&self) -> CredentialsFuture<'_>;
}

impl ProvideCredentials for Credentials {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        let provided = ProvidedCredentials::new(self.clone());
        Box::pin(async move { Ok(provided) })
    }
}

impl<P: ProvideCredentials> ProvideCredentials for Arc<P> {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        (**self).provide_credentials()
    }
}

/// Credentials from `COS_SECRET_ID`, `COS_SECRET_KEY` and, optionally, `COS_SESSION_TOKEN`.
///
/// As a [`ProvideCredentials`] it reads the variables when the client first needs
/// credentials (they do not expire, so once); [`EnvCredentials::load`] reads them now, with an
/// error naming a missing variable.
///
/// ```
/// use cos_batch_hyper::EnvCredentials;
///
/// match EnvCredentials::load() {
///     Ok(credentials) => println!("signing as {}", credentials.secret_id()),
///     Err(e) => println!("{e}"), // e.g. "the environment variable COS_SECRET_ID is not set"
/// }
/// ```
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct EnvCredentials;

impl EnvCredentials {
    /// The provider.
    pub fn new() -> Self {
        Self
    }

    /// Reads the variables now. An unset or empty `COS_SECRET_ID` or `COS_SECRET_KEY`, or a
    /// variable that is not Unicode, is an error naming it; an empty `COS_SESSION_TOKEN`
    /// counts as unset.
    pub fn load() -> Result<Credentials, CredentialsError> {
        Self::load_from(|name| std::env::var_os(name))
    }

    /// [`EnvCredentials::load`] with the variables looked up by `lookup`.
    fn load_from(
        lookup: impl Fn(&str) -> Option<std::ffi::OsString>,
    ) -> Result<Credentials, CredentialsError> {
        let read = |name: &'static str| -> Result<Option<String>, CredentialsError> {
            match lookup(name) {
                None => Ok(None),
                Some(value) => match value.into_string() {
                    Ok(s) if s.trim().is_empty() => Ok(None),
                    Ok(s) => Ok(Some(s)),
                    Err(_) => Err(CredentialsError::with_kind(
                        CredentialsErrorKind::InvalidVariable(name),
                        format!("the environment variable {name} is not valid Unicode"),
                    )),
                },
            }
        };
        let required = |name: &'static str| {
            read(name)?.ok_or_else(|| {
                CredentialsError::with_kind(
                    CredentialsErrorKind::MissingVariable(name),
                    format!("the environment variable {name} is not set"),
                )
            })
        };
        let id = required(SECRET_ID_VAR)?;
        let key = required(SECRET_KEY_VAR)?;
        let credentials = Credentials::new(id.trim(), key);
        Ok(match read(SESSION_TOKEN_VAR)? {
            Some(token) => credentials.with_session_token(token),
            None => credentials,
        })
    }
}

impl ProvideCredentials for EnvCredentials {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(async { Self::load().map(ProvidedCredentials::new) })
    }
}

/// What kind of failure a [`CredentialsError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialsErrorKind {
    /// An environment variable is not set (or empty).
    MissingVariable(&'static str),
    /// An environment variable is not Unicode.
    InvalidVariable(&'static str),
    /// The provider could not give credentials.
    Provider,
    /// The credentials cannot sign a request (a secret id with bytes a signature cannot carry,
    /// a session token that cannot be a header value).
    Unusable,
    /// The provider gave credentials that have already expired.
    Expired,
}

/// Why no usable credentials could be had. Never holds a secret key or a session token.
#[derive(Clone)]
pub struct CredentialsError {
    kind: CredentialsErrorKind,
    message: String,
    source: Option<Arc<dyn StdError + Send + Sync>>,
}

impl CredentialsError {
    /// A provider's failure, described by `message`.
    pub fn new(message: impl Into<String>) -> Self {
        Self::with_kind(CredentialsErrorKind::Provider, message)
    }

    /// A provider's failure caused by `source`.
    pub fn from_source(
        message: impl Into<String>,
        source: impl Into<Box<dyn StdError + Send + Sync>>,
    ) -> Self {
        let mut e = Self::new(message);
        e.source = Some(Arc::from(source.into()));
        e
    }

    pub(crate) fn with_kind(kind: CredentialsErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// The credentials cannot sign: `source` says why.
    pub(crate) fn unusable(source: cos_sign::SignError) -> Self {
        Self {
            kind: CredentialsErrorKind::Unusable,
            message: format!("the credentials cannot sign a request: {source}"),
            source: Some(Arc::new(source)),
        }
    }

    /// The kind of failure.
    pub fn kind(&self) -> CredentialsErrorKind {
        self.kind
    }

    /// The environment variable that is missing, when that is the failure.
    pub fn missing_variable(&self) -> Option<&'static str> {
        match self.kind {
            CredentialsErrorKind::MissingVariable(name) => Some(name),
            _ => None,
        }
    }
}

impl fmt::Debug for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialsError")
            .field("kind", &self.kind)
            .field("message", &self.message)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl StdError for CredentialsError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::ffi::OsString;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let map: HashMap<String, OsString> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), OsString::from(v)))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn reads_id_key_and_optional_token() {
        let c = EnvCredentials::load_from(env(&[
            (SECRET_ID_VAR, "AKIDx"),
            (SECRET_KEY_VAR, "the-key"),
        ]))
        .unwrap();
        assert_eq!(c.secret_id(), "AKIDx");
        assert_eq!(c.secret_key().expose(), "the-key");
        assert!(c.session_token().is_none());

        let c = EnvCredentials::load_from(env(&[
            (SECRET_ID_VAR, "AKIDx"),
            (SECRET_KEY_VAR, "the-key"),
            (SESSION_TOKEN_VAR, "tok"),
        ]))
        .unwrap();
        assert_eq!(c.session_token().unwrap().expose(), "tok");

        let c = EnvCredentials::load_from(env(&[
            (SECRET_ID_VAR, "AKIDx"),
            (SECRET_KEY_VAR, "the-key"),
            (SESSION_TOKEN_VAR, " "),
        ]))
        .unwrap();
        assert!(c.session_token().is_none());
    }

    #[test]
    fn errors_name_the_missing_variable_and_no_secret() {
        let e = EnvCredentials::load_from(env(&[(SECRET_KEY_VAR, "the-key")])).unwrap_err();
        assert_eq!(e.missing_variable(), Some(SECRET_ID_VAR));
        assert!(e.to_string().contains("COS_SECRET_ID"), "{e}");

        let e = EnvCredentials::load_from(env(&[(SECRET_ID_VAR, "AKIDx"), (SECRET_KEY_VAR, "")]))
            .unwrap_err();
        assert_eq!(e.missing_variable(), Some(SECRET_KEY_VAR));
        assert!(!format!("{e} {e:?}").contains("the-key"));
    }

    #[cfg(unix)]
    #[test]
    fn non_unicode_is_an_error_naming_the_variable() {
        use std::os::unix::ffi::OsStringExt;
        let e = EnvCredentials::load_from(|name| {
            (name == SECRET_ID_VAR).then(|| OsString::from_vec(vec![0xff, 0xfe]))
        })
        .unwrap_err();
        assert_eq!(
            e.kind(),
            CredentialsErrorKind::InvalidVariable(SECRET_ID_VAR)
        );
    }

    #[tokio::test]
    async fn static_credentials_provide_themselves() {
        let c = Credentials::new("AKIDx", "k");
        let p = c.provide_credentials().await.unwrap();
        assert_eq!(p.credentials(), &c);
        assert_eq!(p.expires_at(), None);
    }
}
