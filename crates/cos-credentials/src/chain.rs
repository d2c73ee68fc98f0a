//! [`ChainProvider`]: providers tried in order; the first that is set up answers, and when
//! none is, the error says what each one found.

use std::fmt;
use std::sync::Arc;

use crate::cos_conf::CosConfProvider;
use crate::cvm_role::CvmRoleProvider;
use crate::env_provider::EnvProvider;
use crate::environment::Environment;
use crate::error::{CredentialsError, CredentialsErrorKind};
use crate::http_client::HttpClient;
use crate::provider::{CredentialsFuture, ProvideCredentials, ProvidedCredentials};
use crate::tccli_profile::TccliProfileProvider;
use crate::web_identity::WebIdentityProvider;

/// One named provider of a chain.
struct Link {
    name: String,
    provider: Box<dyn ProvideCredentials>,
}

/// Providers tried in order.
///
/// A provider that answers [`CredentialsErrorKind::NotFound`] (not set up here) passes to the
/// next; any other error stops the chain — a half-set variable pair or a broken profile file
/// is a mistake to report, not a reason to use other keys. When every provider is not set
/// up, the error lists what each one found.
///
/// [`ChainProvider::standard`] is the chain for production, in this order:
/// 1. the environment ([`EnvProvider`]: `COS_*`, then `TENCENTCLOUD_*`);
/// 2. the `tccli` profile ([`TccliProfileProvider`]: `~/.tccli/<TCCLI_PROFILE or default>.credential`);
/// 3. `coscmd`'s file ([`CosConfProvider`]: `~/.cos.conf`, `[common]`);
/// 4. TKE web identity ([`WebIdentityProvider`]: the `TKE_*` variables and STS);
/// 5. the CVM instance role ([`CvmRoleProvider`]: the metadata service).
///
/// Local, explicit sources come first; the web identity is used only where its variables
/// are set; the metadata probe, the one step that waits on the network off a CVM, comes last.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use cos_credentials::{ChainProvider, EnvProvider, Environment, ProvideCredentials, TccliProfileProvider};
///
/// let env = Environment::from_pairs([("HOME", "/nonexistent")]);
/// let chain = ChainProvider::new()
///     .with("environment", EnvProvider::with_environment(env.clone()))
///     .with("tccli profile", TccliProfileProvider::with_environment(env));
/// let e = chain.provide_credentials().await.unwrap_err();
/// assert!(e.is_not_found());
/// assert!(e.to_string().contains("environment: neither COS_SECRET_ID"), "{e}");
/// assert!(e.to_string().contains("tccli profile: no profile file"), "{e}");
/// # }
/// ```
#[derive(Default)]
pub struct ChainProvider {
    links: Vec<Link>,
}

impl ChainProvider {
    /// An empty chain (which finds nothing).
    pub fn new() -> Self {
        Self::default()
    }

    /// The production chain (see the type's documentation), reading the process environment
    /// and calling the network through `client`.
    pub fn standard(client: Arc<dyn HttpClient>) -> Self {
        Self::standard_with_environment(client, Environment::process())
    }

    /// The production chain, reading `env` instead of the process environment.
    pub fn standard_with_environment(client: Arc<dyn HttpClient>, env: Environment) -> Self {
        Self::new()
            .with("environment", EnvProvider::with_environment(env.clone()))
            .with(
                "tccli profile",
                TccliProfileProvider::with_environment(env.clone()),
            )
            .with(
                "coscmd config",
                CosConfProvider::with_environment(env.clone()),
            )
            .with(
                "TKE web identity",
                WebIdentityProvider::new(Arc::clone(&client)).with_environment(env),
            )
            .with("CVM instance role", CvmRoleProvider::new(client))
    }

    /// The production chain with the default hyper client.
    #[cfg(feature = "hyper")]
    pub fn standard_hyper() -> Result<Self, crate::HttpError> {
        Ok(Self::standard(Arc::new(crate::HyperHttpClient::new()?)))
    }

    /// Adds `provider`, tried after those already in, under `name` (used in messages).
    pub fn with(
        mut self,
        name: impl Into<String>,
        provider: impl ProvideCredentials + 'static,
    ) -> Self {
        self.links.push(Link {
            name: name.into(),
            provider: Box::new(provider),
        });
        self
    }

    /// The providers' names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.links.iter().map(|l| l.name.as_str())
    }

    /// Tries the providers now.
    pub async fn load(&self) -> Result<ProvidedCredentials, CredentialsError> {
        let mut found = Vec::with_capacity(self.links.len());
        for link in &self.links {
            match link.provider.provide_credentials().await {
                Ok(provided) => {
                    tracing::debug!(provider = %link.name, source = %provided.source(), "credentials found");
                    return Ok(provided);
                }
                Err(e) if e.is_not_found() => found.push(format!("{}: {e}", link.name)),
                Err(e) => {
                    let e = e.context(&link.name);
                    return Err(if found.is_empty() {
                        e
                    } else {
                        e.note(format_args!("before it, {}", found.join("; ")))
                    });
                }
            }
        }
        Err(CredentialsError::with_kind(
            CredentialsErrorKind::NotFound,
            if found.is_empty() {
                "no credentials provider is configured".to_owned()
            } else {
                format!("no credentials found: {}", found.join("; "))
            },
        ))
    }
}

impl fmt::Debug for ChainProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

impl ProvideCredentials for ChainProvider {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(self.load())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http_client::{HttpError, HttpFuture};
    use crate::static_keys::StaticProvider;
    use cos_sign::Credentials;

    /// A network that is never there.
    struct NoNetwork;

    impl HttpClient for NoNetwork {
        fn send(&self, _: http::Request<bytes::Bytes>, _: std::time::Duration) -> HttpFuture<'_> {
            Box::pin(async { Err(HttpError::connect("no network in this test")) })
        }
    }

    fn env(pairs: &[(&'static str, &'static str)]) -> Environment {
        Environment::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn the_standard_order() {
        let chain = ChainProvider::standard(Arc::new(NoNetwork));
        assert_eq!(
            chain.names().collect::<Vec<_>>(),
            [
                "environment",
                "tccli profile",
                "coscmd config",
                "TKE web identity",
                "CVM instance role"
            ]
        );
    }

    #[tokio::test]
    async fn the_first_provider_set_up_answers() {
        let home = tempfile::tempdir().unwrap();
        std::fs::write(
            home.path().join(".cos.conf"),
            "[common]\nsecret_id = AKIDconf\nsecret_key = k\n",
        )
        .unwrap();
        let env = Environment::from_pairs([("HOME", home.path())]);
        let chain = ChainProvider::standard_with_environment(Arc::new(NoNetwork), env);
        let provided = chain.load().await.unwrap();
        assert_eq!(provided.credentials().secret_id(), "AKIDconf");
        assert!(
            provided.source().starts_with("coscmd config "),
            "{}",
            provided.source()
        );
    }

    #[tokio::test]
    async fn when_nothing_is_set_up_the_error_says_what_each_found() {
        let chain = ChainProvider::standard_with_environment(
            Arc::new(NoNetwork),
            env(&[("HOME", "/nonexistent-home")]),
        );
        let e = chain.load().await.unwrap_err();
        assert!(e.is_not_found(), "{e:?}");
        let text = e.to_string();
        for part in [
            "environment: neither COS_SECRET_ID nor TENCENTCLOUD_SECRET_ID is set",
            "tccli profile: no profile file at /nonexistent-home/.tccli/default.credential",
            "coscmd config: no profile file at /nonexistent-home/.cos.conf",
            "TKE web identity: TKE_ROLE_ARN",
            "CVM instance role: the metadata service could not be reached",
        ] {
            assert!(text.contains(part), "{part:?} missing from {text}");
        }
        assert_eq!(
            ChainProvider::new().load().await.unwrap_err().to_string(),
            "no credentials provider is configured"
        );
    }

    #[tokio::test]
    async fn a_misconfigured_provider_stops_the_chain() {
        let chain = ChainProvider::new()
            .with(
                "tccli profile",
                TccliProfileProvider::with_environment(env(&[])),
            )
            .with(
                "environment",
                EnvProvider::with_environment(env(&[("COS_SECRET_ID", "AKIDx")])),
            )
            .with(
                "static",
                StaticProvider::new(Credentials::new("AKIDstatic", "k")),
            );
        let e = chain.load().await.unwrap_err();
        assert_eq!(e.missing_variable(), Some("COS_SECRET_KEY"));
        assert!(e.to_string().starts_with("environment: "), "{e}");
        assert!(
            e.to_string()
                .contains("before it, tccli profile: HOME is not set"),
            "{e}"
        );
    }
}
