//! [`TccliProfileProvider`]: the Tencent Cloud CLI's credential file,
//! `~/.tccli/<profile>.credential`.

use std::path::PathBuf;

use serde::Deserialize;

use crate::environment::Environment;
use crate::error::CredentialsError;
use crate::profile_file::{self, Fields};
use crate::provider::{CredentialsFuture, ProvideCredentials, ProvidedCredentials};

/// The variable `tccli` reads its profile name from.
pub const TCCLI_PROFILE: &str = "TCCLI_PROFILE";
/// The profile used when neither a parameter nor [`TCCLI_PROFILE`] names one.
pub const DEFAULT_PROFILE: &str = "default";

/// The JSON `tccli configure` writes.
#[derive(Deserialize)]
struct CredentialFile {
    #[serde(rename = "secretId")]
    secret_id: Option<String>,
    #[serde(rename = "secretKey")]
    secret_key: Option<String>,
    token: Option<String>,
}

/// Keys from the `tccli` credential file `~/.tccli/<profile>.credential`, a JSON object with
/// `secretId`, `secretKey` and optionally `token`.
///
/// The profile is the one given to [`TccliProfileProvider::with_profile`], else the
/// `TCCLI_PROFILE` variable, else `default`. No file is
/// [`crate::CredentialsErrorKind::NotFound`]; a file that is not that JSON, or lacks a key, is
/// an [`crate::CredentialsErrorKind::InvalidProfile`] error naming the file and the field.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use cos_credentials::{Environment, ProvideCredentials, TccliProfileProvider};
///
/// let home = tempfile::tempdir().unwrap();
/// std::fs::create_dir(home.path().join(".tccli")).unwrap();
/// std::fs::write(
///     home.path().join(".tccli/prod.credential"),
///     r#"{"secretId": "AKIDexample", "secretKey": "secret"}"#,
/// ).unwrap();
///
/// let env = Environment::from_pairs([("HOME", home.path())]);
/// let provider = TccliProfileProvider::with_environment(env).with_profile("prod");
/// let provided = provider.provide_credentials().await.unwrap();
/// assert_eq!(provided.credentials().secret_id(), "AKIDexample");
/// # }
/// ```
#[derive(Clone, Debug, Default)]
pub struct TccliProfileProvider {
    env: Environment,
    profile: Option<String>,
    dir: Option<PathBuf>,
}

impl TccliProfileProvider {
    /// Reads the profile named by `TCCLI_PROFILE` (or `default`) under `$HOME/.tccli`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads `TCCLI_PROFILE` and `HOME` from `env`.
    pub fn with_environment(env: Environment) -> Self {
        Self {
            env,
            ..Self::default()
        }
    }

    /// Reads this profile, whatever `TCCLI_PROFILE` says.
    pub fn with_profile(mut self, profile: impl Into<String>) -> Self {
        self.profile = Some(profile.into());
        self
    }

    /// Looks for the files in `dir` instead of `$HOME/.tccli`.
    pub fn with_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dir = Some(dir.into());
        self
    }

    /// The file this provider reads now.
    pub fn path(&self) -> Result<PathBuf, CredentialsError> {
        let profile = match &self.profile {
            Some(p) => p.clone(),
            None => self
                .env
                .var(TCCLI_PROFILE)?
                .unwrap_or_else(|| DEFAULT_PROFILE.to_owned()),
        };
        if profile.is_empty() || profile.contains(['/', '\\']) || profile == "." || profile == ".."
        {
            return Err(profile_file::invalid(
                "the tccli profile name must be a plain file name".to_owned(),
            ));
        }
        let dir = match &self.dir {
            Some(dir) => dir.clone(),
            None => self
                .env
                .home_dir()
                .ok_or_else(|| CredentialsError::not_found("HOME is not set"))?
                .join(".tccli"),
        };
        Ok(dir.join(format!("{profile}.credential")))
    }

    /// Reads the file now.
    pub fn load(&self) -> Result<ProvidedCredentials, CredentialsError> {
        let path = self.path()?;
        let text = profile_file::read(&path)?;
        // serde_json's messages can quote a value: say only where the JSON broke.
        let file: CredentialFile = serde_json::from_str(&text).map_err(|e| {
            profile_file::invalid(format!(
                "the profile file {} is not tccli's JSON ({:?} error at line {}, column {})",
                path.display(),
                e.classify(),
                e.line(),
                e.column()
            ))
        })?;
        Fields {
            path: &path,
            id: ("secretId", file.secret_id),
            key: ("secretKey", file.secret_key),
            token: file.token,
        }
        .into_provided(format!("tccli profile {}", path.display()))
    }
}

impl ProvideCredentials for TccliProfileProvider {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(async { self.load() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::CredentialsErrorKind;

    fn home_with(profile: &str, body: &str) -> tempfile::TempDir {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir(home.path().join(".tccli")).unwrap();
        std::fs::write(
            home.path().join(format!(".tccli/{profile}.credential")),
            body,
        )
        .unwrap();
        home
    }

    #[test]
    fn the_profile_comes_from_the_parameter_then_the_variable_then_default() {
        let home = home_with("default", r#"{"secretId":"AKIDdef","secretKey":"k"}"#);
        std::fs::write(
            home.path().join(".tccli/env.credential"),
            r#"{"secretId":"AKIDenv","secretKey":"k","token":"t"}"#,
        )
        .unwrap();
        std::fs::write(
            home.path().join(".tccli/param.credential"),
            r#"{"secretId":"AKIDparam","secretKey":"k","region":"ap-guangzhou"}"#,
        )
        .unwrap();
        let plain = Environment::from_pairs([("HOME", home.path())]);
        let with_var = Environment::from_pairs([
            ("HOME", home.path().as_os_str()),
            (TCCLI_PROFILE, "env".as_ref()),
        ]);
        let id = |p: TccliProfileProvider| p.load().unwrap().credentials().secret_id().to_owned();
        assert_eq!(id(TccliProfileProvider::with_environment(plain)), "AKIDdef");
        let p = TccliProfileProvider::with_environment(with_var.clone())
            .load()
            .unwrap();
        assert_eq!(p.credentials().secret_id(), "AKIDenv");
        assert_eq!(p.credentials().session_token().unwrap().expose(), "t");
        assert!(p.source().starts_with("tccli profile "), "{}", p.source());
        assert_eq!(
            id(TccliProfileProvider::with_environment(with_var).with_profile("param")),
            "AKIDparam"
        );
    }

    #[test]
    fn no_file_or_no_home_is_not_found() {
        let home = tempfile::tempdir().unwrap();
        let env = Environment::from_pairs([("HOME", home.path())]);
        assert!(
            TccliProfileProvider::with_environment(env)
                .load()
                .unwrap_err()
                .is_not_found()
        );
        let env = Environment::from_pairs::<&str, &str>([]);
        assert!(
            TccliProfileProvider::with_environment(env)
                .load()
                .unwrap_err()
                .is_not_found()
        );
    }

    #[test]
    fn broken_files_are_errors_naming_the_file_or_field_without_the_secret() {
        for (body, expect) in [
            (r#"{"secretId":"AKIDx","secretKey":"#, "not tccli's JSON"),
            (r#"{"secretId":"AKIDx","secretKey":42}"#, "not tccli's JSON"),
            (r#"{"secretKey":"s3cr3t-value"}"#, "has no secretId"),
            (
                r#"{"secretId":"AKIDx","token":"s3cr3t-value"}"#,
                "has no secretKey",
            ),
            (
                r#"{"secretId":"AKIDx","secretKey":"  "}"#,
                "has no secretKey",
            ),
        ] {
            let home = home_with("default", body);
            let env = Environment::from_pairs([("HOME", home.path())]);
            let e = TccliProfileProvider::with_environment(env)
                .load()
                .unwrap_err();
            assert_eq!(e.kind(), CredentialsErrorKind::InvalidProfile, "{body}");
            assert!(e.to_string().contains(expect), "{e}");
            assert!(e.to_string().contains("default.credential"), "{e}");
            assert!(!format!("{e} {e:?}").contains("s3cr3t"), "{e}");
        }
    }

    #[test]
    fn a_profile_name_cannot_leave_the_directory() {
        let env = Environment::from_pairs([("HOME", "/home/me")]);
        for bad in ["../x", "a/b", "..", ""] {
            let e = TccliProfileProvider::with_environment(env.clone())
                .with_profile(bad)
                .load()
                .unwrap_err();
            assert_eq!(e.kind(), CredentialsErrorKind::InvalidProfile, "{bad}");
        }
    }
}
