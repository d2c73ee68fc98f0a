//! [`WebIdentityProvider`]: TKE's OIDC web identity — the service account token file and the
//! role named by the `TKE_*` variables, exchanged with STS `AssumeRoleWithWebIdentity`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::Request;
use http::header::{AUTHORIZATION, CONTENT_TYPE};
use serde::{Deserialize, Serialize};

use crate::environment::Environment;
use crate::error::{CredentialsError, CredentialsErrorKind};
use crate::http_client::{HttpClient, exchange};
use crate::provider::{CredentialsFuture, ProvideCredentials, ProvidedCredentials};
use crate::temporary::{Expiry, TemporaryKeys, parse_json, service_error};

/// The region of the STS call.
pub const TKE_REGION: &str = "TKE_REGION";
/// The OIDC identity provider's id in CAM.
pub const TKE_PROVIDER_ID: &str = "TKE_PROVIDER_ID";
/// The file holding the service account's OIDC token (the Tencent Cloud SDKs' name).
pub const TKE_WEB_IDENTITY_TOKEN_FILE: &str = "TKE_WEB_IDENTITY_TOKEN_FILE";
/// The same, under the name `reqsign` reads; used when the SDKs' name is unset.
pub const TKE_IDENTITY_TOKEN_FILE: &str = "TKE_IDENTITY_TOKEN_FILE";
/// The CAM role to assume.
pub const TKE_ROLE_ARN: &str = "TKE_ROLE_ARN";
/// STS's endpoint by default.
pub const STS_ENDPOINT: &str = "https://sts.tencentcloudapi.com/";
/// The STS API version of `AssumeRoleWithWebIdentity`.
pub const STS_VERSION: &str = "2018-08-13";
/// How long the assumed keys last by default (the SDKs' 7200 s; STS allows up to 43200 s).
pub const DEFAULT_DURATION: Duration = Duration::from_secs(7200);
/// The timeout of the STS call by default.
pub const DEFAULT_STS_TIMEOUT: Duration = Duration::from_secs(5);

/// The request body, a JSON object of the action's parameters.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct AssumeRoleWithWebIdentity<'a> {
    provider_id: &'a str,
    web_identity_token: &'a str,
    role_arn: &'a str,
    role_session_name: &'a str,
    duration_seconds: u64,
}

/// `{"Response": {...}}`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Answer {
    response: AnswerBody,
}

/// The keys with their expiry, or an error.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AnswerBody {
    #[serde(default)]
    credentials: Option<TemporaryKeys>,
    #[serde(flatten)]
    expiry: Expiry,
    #[serde(default)]
    error: Option<StsError>,
    #[serde(default)]
    request_id: Option<String>,
}

/// A Tencent Cloud API error.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct StsError {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
}

/// The settings read from the variables at each refresh.
struct Settings {
    region: String,
    provider_id: String,
    token_file: PathBuf,
    role_arn: String,
}

/// Temporary keys for a TKE workload: its OIDC token exchanged with STS.
///
/// At each refresh it reads `TKE_REGION`, `TKE_PROVIDER_ID`, `TKE_ROLE_ARN` and the token file
/// named by `TKE_WEB_IDENTITY_TOKEN_FILE` (or `TKE_IDENTITY_TOKEN_FILE`) — the token is
/// rotated by the kubelet, so it is read afresh — then sends STS (`sts.tencentcloudapi.com`,
/// API `2018-08-13`) an unsigned `POST` with `X-TC-Action: AssumeRoleWithWebIdentity` and a
/// JSON body of `ProviderId`, `WebIdentityToken`, `RoleArn`, `RoleSessionName` and
/// `DurationSeconds`. The region and the endpoint can be overridden.
///
/// None of the variables set is [`crate::CredentialsErrorKind::NotFound`]; some but not all
/// is an error naming the first missing one. The token never appears in an error.
///
/// ```
/// use std::sync::Arc;
/// use cos_credentials::{HttpClient, WebIdentityProvider};
///
/// fn provider(client: Arc<dyn HttpClient>) -> WebIdentityProvider {
///     WebIdentityProvider::new(client)
///         .with_region("ap-shanghai")
///         .with_endpoint("https://sts.internal.tencentcloudapi.com/")
/// }
/// # let _ = provider;
/// ```
#[derive(Clone)]
pub struct WebIdentityProvider {
    client: Arc<dyn HttpClient>,
    env: Environment,
    endpoint: String,
    region: Option<String>,
    session_name: Option<String>,
    duration: Duration,
    timeout: Duration,
}

impl std::fmt::Debug for WebIdentityProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebIdentityProvider")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("duration", &self.duration)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl WebIdentityProvider {
    /// Reads the process environment and calls STS at [`STS_ENDPOINT`] through `client`.
    pub fn new(client: Arc<dyn HttpClient>) -> Self {
        Self {
            client,
            env: Environment::process(),
            endpoint: STS_ENDPOINT.to_owned(),
            region: None,
            session_name: None,
            duration: DEFAULT_DURATION,
            timeout: DEFAULT_STS_TIMEOUT,
        }
    }

    /// Reads the `TKE_*` variables from `env`.
    pub fn with_environment(mut self, env: Environment) -> Self {
        self.env = env;
        self
    }

    /// Calls STS at this URL (an internal endpoint, a proxy, a test double).
    pub fn with_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = endpoint.into();
        self
    }

    /// Uses this region for the STS call, whatever `TKE_REGION` says.
    pub fn with_region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// The `RoleSessionName` (by default `cos-credentials-<unix micros>`).
    pub fn with_session_name(mut self, name: impl Into<String>) -> Self {
        self.session_name = Some(name.into());
        self
    }

    /// How long the keys should last (by default [`DEFAULT_DURATION`]).
    pub fn with_duration(mut self, duration: Duration) -> Self {
        self.duration = duration;
        self
    }

    /// The timeout of the STS call (by default [`DEFAULT_STS_TIMEOUT`]).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The settings, or why there are none.
    fn settings(&self) -> Result<Settings, CredentialsError> {
        let region = match &self.region {
            Some(r) => Some(r.clone()),
            None => self.env.var(TKE_REGION)?,
        };
        let provider_id = self.env.var(TKE_PROVIDER_ID)?;
        let token_name = if self.env.path(TKE_WEB_IDENTITY_TOKEN_FILE).is_some() {
            TKE_WEB_IDENTITY_TOKEN_FILE
        } else {
            TKE_IDENTITY_TOKEN_FILE
        };
        let token_file = self.env.path(token_name);
        let role_arn = self.env.var(TKE_ROLE_ARN)?;
        match (region, provider_id, token_file, role_arn) {
            (Some(region), Some(provider_id), Some(token_file), Some(role_arn)) => Ok(Settings {
                region,
                provider_id,
                token_file,
                role_arn,
            }),
            (None, None, None, None) => Err(CredentialsError::not_found(format!(
                "{TKE_ROLE_ARN}, {TKE_PROVIDER_ID} and {TKE_WEB_IDENTITY_TOKEN_FILE} are not set"
            ))),
            // The region alone (set by the region override, or for other tools) is no sign of
            // a web identity set-up.
            (Some(_), None, None, None) => Err(CredentialsError::not_found(format!(
                "{TKE_ROLE_ARN}, {TKE_PROVIDER_ID} and {TKE_WEB_IDENTITY_TOKEN_FILE} are not set"
            ))),
            (region, provider_id, token_file, _) => {
                let missing = if region.is_none() {
                    TKE_REGION
                } else if provider_id.is_none() {
                    TKE_PROVIDER_ID
                } else if token_file.is_none() {
                    TKE_WEB_IDENTITY_TOKEN_FILE
                } else {
                    TKE_ROLE_ARN
                };
                Err(CredentialsError::with_kind(
                    CredentialsErrorKind::MissingVariable(missing),
                    format!("TKE web identity is partly configured: {missing} is not set"),
                ))
            }
        }
    }

    /// Exchanges the token with STS now.
    pub async fn load(&self) -> Result<ProvidedCredentials, CredentialsError> {
        let settings = self.settings()?;
        let token = std::fs::read_to_string(&settings.token_file).map_err(|e| {
            CredentialsError::with_kind(
                CredentialsErrorKind::InvalidProfile,
                format!(
                    "the web identity token file {} cannot be read: {}",
                    settings.token_file.display(),
                    e.kind()
                ),
            )
        })?;
        let token = token.trim();
        if token.is_empty() {
            return Err(CredentialsError::with_kind(
                CredentialsErrorKind::InvalidProfile,
                format!(
                    "the web identity token file {} is empty",
                    settings.token_file.display()
                ),
            ));
        }
        let now = SystemTime::now();
        let unix = now.duration_since(UNIX_EPOCH).unwrap_or_default();
        let session_name = self
            .session_name
            .clone()
            .unwrap_or_else(|| format!("cos-credentials-{}", unix.as_micros()));
        let body = serde_json::to_vec(&AssumeRoleWithWebIdentity {
            provider_id: &settings.provider_id,
            web_identity_token: token,
            role_arn: &settings.role_arn,
            role_session_name: &session_name,
            duration_seconds: self.duration.as_secs(),
        })
        .map_err(|_| service_error("the STS request could not be encoded".to_owned()))?;
        let request = Request::post(self.endpoint.as_str())
            // The action is authenticated by the token in the body, not by a signature.
            .header(AUTHORIZATION, "SKIP")
            .header(CONTENT_TYPE, "application/json")
            .header("X-TC-Action", "AssumeRoleWithWebIdentity")
            .header("X-TC-Version", STS_VERSION)
            .header("X-TC-Region", settings.region.as_str())
            .header("X-TC-Timestamp", unix.as_secs())
            .body(Bytes::from(body))
            .map_err(|_| {
                service_error(format!(
                    "the STS endpoint {} or region {:?} cannot make a request",
                    self.endpoint, settings.region
                ))
            })?;
        let response = exchange(&*self.client, request, self.timeout, "STS").await?;
        let status = response.status();
        let parsed: Result<Answer, _> = parse_json(response.body(), "STS");
        let answer = match parsed {
            Ok(answer) => answer.response,
            Err(_) if !status.is_success() => {
                return Err(service_error(format!("STS answered {status}")));
            }
            Err(e) => return Err(e),
        };
        if let Some(error) = answer.error {
            // STS's message describes the request; it must not echo the token, but make sure.
            let message: String = error
                .message
                .replace(token, "<token>")
                .chars()
                .take(300)
                .collect();
            return Err(service_error(format!(
                "STS refused AssumeRoleWithWebIdentity: {} {message} (request id {})",
                error.code,
                answer.request_id.as_deref().unwrap_or("none")
            )));
        }
        if !status.is_success() {
            return Err(service_error(format!("STS answered {status}")));
        }
        let keys = answer.credentials.unwrap_or_default();
        Ok(keys
            .into_provided(&answer.expiry, SystemTime::now(), "STS")?
            .with_source(format!("TKE web identity (role {})", settings.role_arn)))
    }
}

impl ProvideCredentials for WebIdentityProvider {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(self.load())
    }
}
