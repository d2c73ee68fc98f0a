//! Where each attempt gets its signer: fixed credentials, or a `cos-credentials` provider
//! whose keys are cached and refreshed before they expire (one refresh shared by concurrent
//! callers) through the same [`RequestSigner`] its tower layer uses.

use std::fmt;
use std::sync::Arc;

use cos_credentials::{CredentialsError, CredentialsErrorKind, RequestSigner};
use cos_sign::{Credentials, SignError, Signer};

/// The credentials cannot sign: `source` says why.
pub(crate) fn unusable(source: SignError) -> CredentialsError {
    CredentialsError::with_kind(
        CredentialsErrorKind::Unusable,
        format!("the credentials cannot sign a request: {source}"),
    )
    .with_source(source)
}

/// A signer for the credentials, or why they cannot sign (an invalid secret id or token).
pub(crate) fn signer_for(credentials: Credentials) -> Result<Signer, CredentialsError> {
    Signer::try_new(credentials).map_err(unusable)
}

/// The source of signers of a client.
#[derive(Clone)]
pub(crate) enum SignerSource {
    /// Fixed credentials: one signer for the client's life.
    Static(Arc<Signer>),
    /// A provider, behind a `cos-credentials` cache.
    Provided(RequestSigner),
}

impl SignerSource {
    /// The signer to use now.
    pub(crate) async fn signer(&self) -> Result<Arc<Signer>, CredentialsError> {
        match self {
            Self::Static(signer) => Ok(Arc::clone(signer)),
            Self::Provided(request_signer) => Ok(request_signer.signer().await?.1),
        }
    }
}

impl fmt::Debug for SignerSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // The credentials' Debug shows the secret id only.
            Self::Static(signer) => f.debug_tuple("Static").field(signer.credentials()).finish(),
            Self::Provided(request_signer) => f
                .debug_struct("Provided")
                .field("refresh_margin", &request_signer.cache().refresh_margin())
                .finish_non_exhaustive(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signer_for_checks_the_token() {
        assert!(signer_for(Credentials::new("AKIDx", "k").with_session_token("ok")).is_ok());
        let e = signer_for(Credentials::new("AKIDx", "k").with_session_token("bad\ntoken"))
            .unwrap_err();
        assert_eq!(e.kind(), CredentialsErrorKind::Unusable);
        assert!(!e.to_string().contains("bad\ntoken"));
    }
}
