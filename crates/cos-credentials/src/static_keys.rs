//! [`StaticProvider`]: fixed keys given by the caller (a flag, a secret store).

use cos_sign::Credentials;

use crate::provider::{CredentialsFuture, ProvideCredentials, ProvidedCredentials};

/// Fixed keys, given in code. They never expire (unless given with an expiry).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use cos_credentials::{ProvideCredentials, StaticProvider};
/// use cos_sign::Credentials;
///
/// let provider = StaticProvider::new(Credentials::new("AKIDexample", "secret"));
/// let provided = provider.provide_credentials().await.unwrap();
/// assert_eq!(provided.credentials().secret_id(), "AKIDexample");
/// assert_eq!(provided.source(), "static keys");
/// assert_eq!(provided.expires_at(), None);
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct StaticProvider {
    provided: ProvidedCredentials,
}

impl StaticProvider {
    /// The source name of keys given in code.
    pub const SOURCE: &'static str = "static keys";

    /// Provides `credentials`, which never expire.
    pub fn new(credentials: Credentials) -> Self {
        Self {
            provided: ProvidedCredentials::new(credentials).with_source(Self::SOURCE),
        }
    }

    /// Provides exactly `provided` (with its expiry and source), every time.
    pub fn from_provided(provided: ProvidedCredentials) -> Self {
        Self { provided }
    }
}

impl From<Credentials> for StaticProvider {
    fn from(credentials: Credentials) -> Self {
        Self::new(credentials)
    }
}

impl ProvideCredentials for StaticProvider {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        let provided = self.provided.clone();
        Box::pin(async move { Ok(provided) })
    }
}
