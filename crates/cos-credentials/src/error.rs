//! [`CredentialsError`]: why a provider gave no usable credentials. It never holds a secret
//! key, a session token, a web identity token or the body of a file or response that may
//! hold one.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

/// What kind of failure a [`CredentialsError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialsErrorKind {
    /// The provider is not set up here (no variables, no file, no instance role): a
    /// [`crate::ChainProvider`] moves on to the next provider.
    NotFound,
    /// A variable that must come with another one is not set (a secret id without its key).
    MissingVariable(&'static str),
    /// An environment variable is not Unicode.
    InvalidVariable(&'static str),
    /// A profile or token file exists but cannot be read or holds no usable keys.
    InvalidProfile,
    /// A call to the metadata service or to STS took longer than its timeout.
    Timeout,
    /// The metadata service or STS could not be reached.
    Transport,
    /// The metadata service or STS answered with an error status, an error document or a body
    /// that is not what it documents (malformed JSON, a role without keys).
    Service,
    /// The provider gave credentials that have already expired.
    Expired,
    /// The credentials cannot sign a request (a secret id with bytes a signature cannot carry,
    /// a session token that cannot be a header value).
    Unusable,
    /// A caller-implemented provider failed.
    Provider,
}

/// Why no usable credentials could be had.
///
/// Its `Display` and `Debug` never show a secret: messages name variables, files, fields and
/// status codes, never their values.
///
/// ```
/// use cos_credentials::{CredentialsError, CredentialsErrorKind};
///
/// let e = CredentialsError::new("the vault is sealed");
/// assert_eq!(e.kind(), CredentialsErrorKind::Provider);
/// assert_eq!(e.to_string(), "the vault is sealed");
/// ```
#[derive(Clone)]
pub struct CredentialsError {
    kind: CredentialsErrorKind,
    message: String,
    source: Option<Arc<dyn StdError + Send + Sync>>,
}

impl CredentialsError {
    /// A caller-implemented provider's failure, described by `message`.
    pub fn new(message: impl Into<String>) -> Self {
        Self::with_kind(CredentialsErrorKind::Provider, message)
    }

    /// A failure of this kind, described by `message` (which must not hold a secret).
    pub fn with_kind(kind: CredentialsErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// Adds the error that caused this one (which must not show a secret either).
    pub fn with_source(mut self, source: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        self.source = Some(Arc::from(source.into()));
        self
    }

    /// The provider is not set up here: `message` says what is missing.
    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::with_kind(CredentialsErrorKind::NotFound, message)
    }

    /// The same error with `context: ` before its message.
    pub(crate) fn context(mut self, context: impl fmt::Display) -> Self {
        self.message = format!("{context}: {}", self.message);
        self
    }

    /// The same error with ` (note)` after its message.
    pub(crate) fn note(mut self, note: impl fmt::Display) -> Self {
        self.message = format!("{} ({note})", self.message);
        self
    }

    /// The kind of failure.
    pub fn kind(&self) -> CredentialsErrorKind {
        self.kind
    }

    /// Whether the provider is simply not set up here (see [`CredentialsErrorKind::NotFound`]).
    pub fn is_not_found(&self) -> bool {
        self.kind == CredentialsErrorKind::NotFound
    }

    /// The variable that is missing, when that is the failure.
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

    #[test]
    fn context_prefixes_the_message_and_keeps_the_kind() {
        let e = CredentialsError::with_kind(CredentialsErrorKind::Timeout, "no answer in 1s")
            .context("CVM role");
        assert_eq!(e.to_string(), "CVM role: no answer in 1s");
        assert_eq!(e.kind(), CredentialsErrorKind::Timeout);
        assert!(!e.is_not_found());
        assert!(CredentialsError::not_found("x").is_not_found());
    }

    #[test]
    fn source_is_kept() {
        let io = std::io::Error::other("disk");
        let e = CredentialsError::new("read failed").with_source(io);
        assert_eq!(e.source().map(|s| s.to_string()).as_deref(), Some("disk"));
    }
}
