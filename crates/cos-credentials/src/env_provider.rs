//! [`EnvProvider`]: keys from environment variables, Tencent Cloud's names and ours.

use cos_sign::Credentials;

use crate::environment::Environment;
use crate::error::{CredentialsError, CredentialsErrorKind};
use crate::provider::{CredentialsFuture, ProvideCredentials, ProvidedCredentials};

/// Our secret id variable.
pub const COS_SECRET_ID: &str = "COS_SECRET_ID";
/// Our secret key variable.
pub const COS_SECRET_KEY: &str = "COS_SECRET_KEY";
/// Our (optional) session token variable.
pub const COS_SESSION_TOKEN: &str = "COS_SESSION_TOKEN";
/// The secret id variable of Tencent Cloud's CLI and SDKs.
pub const TENCENTCLOUD_SECRET_ID: &str = "TENCENTCLOUD_SECRET_ID";
/// The secret key variable of Tencent Cloud's CLI and SDKs.
pub const TENCENTCLOUD_SECRET_KEY: &str = "TENCENTCLOUD_SECRET_KEY";
/// The session token variable of Tencent Cloud's CLI (`tccli`).
pub const TENCENTCLOUD_TOKEN: &str = "TENCENTCLOUD_TOKEN";
/// The session token variable some Tencent Cloud tools use instead.
pub const TENCENTCLOUD_SECURITY_TOKEN: &str = "TENCENTCLOUD_SECURITY_TOKEN";

/// One set of variables: the id, the key and the token names, in order of preference.
struct VariableSet {
    id: &'static str,
    key: &'static str,
    tokens: &'static [&'static str],
}

/// Ours first (they name this tool's keys, the more specific choice), then Tencent Cloud's.
const SETS: [VariableSet; 2] = [
    VariableSet {
        id: COS_SECRET_ID,
        key: COS_SECRET_KEY,
        tokens: &[COS_SESSION_TOKEN],
    },
    VariableSet {
        id: TENCENTCLOUD_SECRET_ID,
        key: TENCENTCLOUD_SECRET_KEY,
        tokens: &[TENCENTCLOUD_TOKEN, TENCENTCLOUD_SECURITY_TOKEN],
    },
];

/// Keys from `COS_SECRET_ID` / `COS_SECRET_KEY` / `COS_SESSION_TOKEN`, else from
/// `TENCENTCLOUD_SECRET_ID` / `TENCENTCLOUD_SECRET_KEY` with the token in
/// `TENCENTCLOUD_TOKEN` or `TENCENTCLOUD_SECURITY_TOKEN`.
///
/// A set with its id but not its key (or the other way round) is an error naming the missing
/// variable, never a silent fall-through to the next set or provider. Neither set present is
/// [`CredentialsErrorKind::NotFound`]. Empty values count as unset. The variables are read on
/// every call.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use cos_credentials::{Environment, EnvProvider, ProvideCredentials};
///
/// let env = Environment::from_pairs([
///     ("TENCENTCLOUD_SECRET_ID", "AKIDexample"),
///     ("TENCENTCLOUD_SECRET_KEY", "secret"),
///     ("TENCENTCLOUD_TOKEN", "token"),
/// ]);
/// let provided = EnvProvider::with_environment(env).provide_credentials().await.unwrap();
/// assert_eq!(provided.credentials().secret_id(), "AKIDexample");
/// assert_eq!(provided.source(), "environment (TENCENTCLOUD_SECRET_ID)");
///
/// let half = Environment::from_pairs([("COS_SECRET_ID", "AKIDexample")]);
/// let e = EnvProvider::with_environment(half).provide_credentials().await.unwrap_err();
/// assert_eq!(e.missing_variable(), Some("COS_SECRET_KEY"));
/// # }
/// ```
#[derive(Clone, Debug, Default)]
pub struct EnvProvider {
    env: Environment,
}

impl EnvProvider {
    /// Reads the process environment.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads `env` instead of the process environment.
    pub fn with_environment(env: Environment) -> Self {
        Self { env }
    }

    /// Reads the variables now.
    pub fn load(&self) -> Result<ProvidedCredentials, CredentialsError> {
        for set in &SETS {
            let id = self.env.var(set.id)?;
            let key = self.env.var(set.key)?;
            let (id, key) = match (id, key) {
                (None, None) => continue,
                (Some(id), Some(key)) => (id, key),
                (Some(_), None) => return Err(missing(set.key, set.id)),
                (None, Some(_)) => return Err(missing(set.id, set.key)),
            };
            let mut credentials = Credentials::new(id.trim(), key);
            for token in set.tokens {
                if let Some(token) = self.env.var(token)? {
                    credentials = credentials.with_session_token(token);
                    break;
                }
            }
            return Ok(ProvidedCredentials::new(credentials)
                .with_source(format!("environment ({})", set.id)));
        }
        Err(CredentialsError::not_found(format!(
            "neither {COS_SECRET_ID} nor {TENCENTCLOUD_SECRET_ID} is set"
        )))
    }
}

/// `absent` is missing although `present` is set.
fn missing(absent: &'static str, present: &str) -> CredentialsError {
    CredentialsError::with_kind(
        CredentialsErrorKind::MissingVariable(absent),
        format!("the environment variable {present} is set but {absent} is not"),
    )
}

impl ProvideCredentials for EnvProvider {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(async { self.load() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(
        pairs: &[(&'static str, &'static str)],
    ) -> Result<ProvidedCredentials, CredentialsError> {
        EnvProvider::with_environment(Environment::from_pairs(pairs.iter().copied())).load()
    }

    #[test]
    fn ours_win_over_tencent_clouds_and_tokens_pair_with_their_set() {
        let p = load(&[
            (COS_SECRET_ID, " AKIDcos "),
            (COS_SECRET_KEY, "cos-key"),
            (TENCENTCLOUD_SECRET_ID, "AKIDtc"),
            (TENCENTCLOUD_SECRET_KEY, "tc-key"),
            (TENCENTCLOUD_TOKEN, "tc-token"),
        ])
        .unwrap();
        assert_eq!(p.credentials().secret_id(), "AKIDcos");
        assert_eq!(p.credentials().secret_key().expose(), "cos-key");
        assert!(p.credentials().session_token().is_none());
        assert_eq!(p.source(), "environment (COS_SECRET_ID)");
        assert_eq!(p.expires_at(), None);

        let p = load(&[
            (COS_SECRET_ID, "AKIDcos"),
            (COS_SECRET_KEY, "cos-key"),
            (COS_SESSION_TOKEN, "cos-token"),
        ])
        .unwrap();
        assert_eq!(
            p.credentials().session_token().unwrap().expose(),
            "cos-token"
        );
    }

    #[test]
    fn either_tencent_cloud_token_name_is_read() {
        let base = [
            (TENCENTCLOUD_SECRET_ID, "AKIDtc"),
            (TENCENTCLOUD_SECRET_KEY, "tc-key"),
        ];
        let p = load(&[base[0], base[1], (TENCENTCLOUD_SECURITY_TOKEN, "sec")]).unwrap();
        assert_eq!(p.credentials().session_token().unwrap().expose(), "sec");
        let p = load(&[
            base[0],
            base[1],
            (TENCENTCLOUD_SECURITY_TOKEN, "sec"),
            (TENCENTCLOUD_TOKEN, "tok"),
        ])
        .unwrap();
        assert_eq!(p.credentials().session_token().unwrap().expose(), "tok");
        let p = load(&[base[0], base[1], (TENCENTCLOUD_TOKEN, " ")]).unwrap();
        assert!(p.credentials().session_token().is_none());
    }

    #[test]
    fn a_half_set_pair_names_the_missing_variable_and_does_not_fall_through() {
        let e = load(&[
            (COS_SECRET_KEY, "cos-key"),
            (TENCENTCLOUD_SECRET_ID, "AKIDtc"),
            (TENCENTCLOUD_SECRET_KEY, "tc-key"),
        ])
        .unwrap_err();
        assert_eq!(e.missing_variable(), Some(COS_SECRET_ID));
        assert!(e.to_string().contains("COS_SECRET_ID"), "{e}");
        assert!(!format!("{e} {e:?}").contains("cos-key"));

        let e = load(&[(TENCENTCLOUD_SECRET_ID, "AKIDtc")]).unwrap_err();
        assert_eq!(e.missing_variable(), Some(TENCENTCLOUD_SECRET_KEY));
    }

    #[test]
    fn nothing_set_is_not_found() {
        let e = load(&[(COS_SESSION_TOKEN, "orphan")]).unwrap_err();
        assert!(e.is_not_found(), "{e:?}");
        assert!(e.to_string().contains("COS_SECRET_ID"));
        assert!(!e.to_string().contains("orphan"));
    }
}
