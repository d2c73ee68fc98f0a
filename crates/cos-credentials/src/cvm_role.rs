//! [`CvmRoleProvider`]: the temporary keys of the CAM role bound to a CVM instance, from the
//! instance metadata service.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{Request, StatusCode};
use serde::Deserialize;

use crate::error::{CredentialsError, CredentialsErrorKind};
use crate::http_client::{HttpClient, exchange};
use crate::provider::{CredentialsFuture, ProvideCredentials, ProvidedCredentials};
use crate::temporary::{Expiry, TemporaryKeys, parse_json, service_error};

/// The metadata service's base URL on a CVM instance.
pub const METADATA_ENDPOINT: &str = "http://metadata.tencentyun.com/latest/meta-data/";
/// The path, under the metadata endpoint, that lists the bound role and, with the role name
/// appended, gives its keys.
pub const ROLE_PATH: &str = "cam/security-credentials/";
/// The timeout of each metadata call by default: the service is link-local and answers at
/// once, and off a CVM the probe must not hold a chain up.
pub const DEFAULT_METADATA_TIMEOUT: Duration = Duration::from_secs(1);

/// What the metadata service answers for a role.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RoleCredentials {
    #[serde(flatten)]
    keys: TemporaryKeys,
    #[serde(flatten)]
    expiry: Expiry,
    #[serde(default)]
    code: Option<String>,
}

/// The temporary keys of the CVM instance's role.
///
/// It asks `GET {endpoint}cam/security-credentials/` for the role name (unless given one),
/// then `GET {endpoint}cam/security-credentials/{role}` for `TmpSecretId`, `TmpSecretKey`,
/// `Token`, `ExpiredTime` and `Code` (`Success`). No answer or a slow one to the first call (not on a
/// CVM) or a 404 (no role bound) is [`crate::CredentialsErrorKind::NotFound`]; a slow answer
/// for the keys is [`crate::CredentialsErrorKind::Timeout`]; an error status, a malformed body or a role
/// without keys is [`crate::CredentialsErrorKind::Service`]; keys already expired are
/// [`crate::CredentialsErrorKind::Expired`].
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use cos_credentials::{CvmRoleProvider, HttpClient};
///
/// fn provider(client: Arc<dyn HttpClient>) -> CvmRoleProvider {
///     CvmRoleProvider::new(client)
///         .with_role("my-cvm-role")
///         .with_timeout(Duration::from_millis(500))
/// }
/// # let _ = provider;
/// ```
#[derive(Clone)]
pub struct CvmRoleProvider {
    client: Arc<dyn HttpClient>,
    endpoint: String,
    role: Option<String>,
    timeout: Duration,
}

impl std::fmt::Debug for CvmRoleProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CvmRoleProvider")
            .field("endpoint", &self.endpoint)
            .field("role", &self.role)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl CvmRoleProvider {
    /// Asks the metadata service at [`METADATA_ENDPOINT`] through `client`.
    pub fn new(client: Arc<dyn HttpClient>) -> Self {
        Self {
            client,
            endpoint: METADATA_ENDPOINT.to_owned(),
            role: None,
            timeout: DEFAULT_METADATA_TIMEOUT,
        }
    }

    /// Asks the metadata service at `endpoint` (a base URL ending in `meta-data/`, or any
    /// base URL for a test double).
    pub fn with_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        let mut endpoint = endpoint.into();
        if !endpoint.ends_with('/') {
            endpoint.push('/');
        }
        self.endpoint = endpoint;
        self
    }

    /// Uses this role instead of asking which one is bound.
    pub fn with_role(mut self, role: impl Into<String>) -> Self {
        self.role = Some(role.into());
        self
    }

    /// The timeout of each call (by default [`DEFAULT_METADATA_TIMEOUT`]).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// `GET {endpoint}{ROLE_PATH}{suffix}`.
    async fn get(&self, suffix: &str) -> Result<(StatusCode, Bytes), CredentialsError> {
        let uri = format!("{}{ROLE_PATH}{suffix}", self.endpoint);
        let request = Request::get(uri.as_str())
            .body(Bytes::new())
            .map_err(|_| service_error(format!("the metadata URL {uri} is not a valid URI")))?;
        let response =
            exchange(&*self.client, request, self.timeout, "the metadata service").await?;
        Ok((response.status(), response.into_body()))
    }

    /// The role bound to the instance.
    async fn role_name(&self) -> Result<String, CredentialsError> {
        if let Some(role) = &self.role {
            return Ok(role.clone());
        }
        let (status, body) = self.get("").await.map_err(|e| {
            // The probe: off a CVM the service is unreachable or silent.
            if matches!(
                e.kind(),
                CredentialsErrorKind::Transport | CredentialsErrorKind::Timeout
            ) {
                CredentialsError::not_found(format!("{e} (not on a CVM instance?)"))
            } else {
                e
            }
        })?;
        if status == StatusCode::NOT_FOUND {
            return Err(CredentialsError::not_found(
                "the metadata service says no CAM role is bound to this instance",
            ));
        }
        if !status.is_success() {
            return Err(service_error(format!(
                "the metadata service answered {status} when asked for the role name"
            )));
        }
        // The listing is one role name per line; the first is the bound role.
        let role = std::str::from_utf8(&body)
            .ok()
            .and_then(|s| s.lines().map(str::trim).find(|l| !l.is_empty()))
            .filter(|r| !r.contains(['/', '?', '#']) && r.is_ascii())
            .ok_or_else(|| {
                service_error("the metadata service answered without a usable role name".to_owned())
            })?;
        Ok(role.to_owned())
    }

    /// Asks the metadata service now.
    pub async fn load(&self) -> Result<ProvidedCredentials, CredentialsError> {
        let role = self.role_name().await?;
        let what = format!("the metadata service (role {role})");
        let (status, body) = self.get(&role).await?;
        if status == StatusCode::NOT_FOUND {
            return Err(service_error(format!("{what} answered 404: no such role")));
        }
        if !status.is_success() {
            return Err(service_error(format!("{what} answered {status}")));
        }
        let answer: RoleCredentials = parse_json(&body, &what)?;
        if let Some(code) = answer.code.as_deref().filter(|c| *c != "Success") {
            // The code is a status word, never a secret; keep it short anyway.
            let code: String = code.chars().take(64).collect();
            return Err(service_error(format!("{what} answered Code {code:?}")));
        }
        Ok(answer
            .keys
            .into_provided(&answer.expiry, SystemTime::now(), &what)?
            .with_source(format!("CVM instance role {role}")))
    }
}

impl ProvideCredentials for CvmRoleProvider {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(self.load())
    }
}
