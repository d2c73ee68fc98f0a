//! [`CosConfProvider`]: `coscmd`'s configuration file, `~/.cos.conf`.

use std::path::PathBuf;

use crate::environment::Environment;
use crate::error::CredentialsError;
use crate::ini;
use crate::profile_file::{self, Fields};
use crate::provider::{CredentialsFuture, ProvideCredentials, ProvidedCredentials};

/// The section `coscmd` keeps its keys in.
pub const DEFAULT_SECTION: &str = "common";

/// Keys from `coscmd`'s `~/.cos.conf`: an INI file whose `[common]` section has `secret_id`
/// (or the older `access_id`), `secret_key` and optionally `token`.
///
/// [`CosConfProvider::with_path`] reads another file (`coscmd -c FILE`) and
/// [`CosConfProvider::with_section`] another section (a profile of your own). No file is
/// [`crate::CredentialsErrorKind::NotFound`]; a file without the section or a key is an
/// [`crate::CredentialsErrorKind::InvalidProfile`] error naming the file and the field.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use cos_credentials::{CosConfProvider, ProvideCredentials};
///
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("cos.conf");
/// std::fs::write(&path, "[common]\nsecret_id = AKIDexample\nsecret_key = secret\nbucket = b-1250000000\n").unwrap();
///
/// let provided = CosConfProvider::new().with_path(&path).provide_credentials().await.unwrap();
/// assert_eq!(provided.credentials().secret_id(), "AKIDexample");
/// # }
/// ```
#[derive(Clone, Debug, Default)]
pub struct CosConfProvider {
    env: Environment,
    path: Option<PathBuf>,
    section: Option<String>,
}

impl CosConfProvider {
    /// Reads `[common]` of `$HOME/.cos.conf`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads `HOME` from `env`.
    pub fn with_environment(env: Environment) -> Self {
        Self {
            env,
            ..Self::default()
        }
    }

    /// Reads this file instead of `$HOME/.cos.conf`.
    pub fn with_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Reads this section instead of `[common]`.
    pub fn with_section(mut self, section: impl Into<String>) -> Self {
        self.section = Some(section.into());
        self
    }

    /// The file this provider reads.
    pub fn path(&self) -> Result<PathBuf, CredentialsError> {
        match &self.path {
            Some(path) => Ok(path.clone()),
            None => self
                .env
                .home_dir()
                .map(|home| home.join(".cos.conf"))
                .ok_or_else(|| CredentialsError::not_found("HOME is not set")),
        }
    }

    /// Reads the file now.
    pub fn load(&self) -> Result<ProvidedCredentials, CredentialsError> {
        let path = self.path()?;
        let text = profile_file::read(&path)?;
        let section = self.section.as_deref().unwrap_or(DEFAULT_SECTION);
        if !ini::has_section(&text, section) {
            return Err(profile_file::invalid(format!(
                "the profile file {} has no [{section}] section",
                path.display()
            )));
        }
        let id =
            ini::get(&text, section, "secret_id").or_else(|| ini::get(&text, section, "access_id"));
        Fields {
            path: &path,
            id: ("secret_id", id),
            key: ("secret_key", ini::get(&text, section, "secret_key")),
            token: ini::get(&text, section, "token"),
        }
        .into_provided(format!("coscmd config {} [{section}]", path.display()))
    }
}

impl ProvideCredentials for CosConfProvider {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(async { self.load() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::CredentialsErrorKind;

    fn conf(body: &str) -> (tempfile::TempDir, CosConfProvider) {
        let home = tempfile::tempdir().unwrap();
        std::fs::write(home.path().join(".cos.conf"), body).unwrap();
        let env = Environment::from_pairs([("HOME", home.path())]);
        (home, CosConfProvider::with_environment(env))
    }

    #[test]
    fn reads_common_from_home_with_the_token_and_the_old_access_id() {
        let (_home, p) = conf("[common]\nsecret_id = AKIDa\nsecret_key = k\ntoken = t\n");
        let c = p.load().unwrap();
        assert_eq!(c.credentials().secret_id(), "AKIDa");
        assert_eq!(c.credentials().secret_key().expose(), "k");
        assert_eq!(c.credentials().session_token().unwrap().expose(), "t");
        assert!(c.source().ends_with(".cos.conf [common]"), "{}", c.source());

        let (_home, p) = conf("[common]\naccess_id = AKIDold\nsecret_key = k\ntoken =\n");
        let c = p.load().unwrap();
        assert_eq!(c.credentials().secret_id(), "AKIDold");
        assert!(c.credentials().session_token().is_none());
    }

    #[test]
    fn the_section_is_a_parameter() {
        let (_home, p) = conf(
            "[common]\nsecret_id = AKIDa\nsecret_key = k\n[prod]\nsecret_id = AKIDp\nsecret_key = k\n",
        );
        let c = p.with_section("prod").load().unwrap();
        assert_eq!(c.credentials().secret_id(), "AKIDp");
    }

    #[test]
    fn missing_section_or_key_is_an_error_without_the_secret() {
        let (_home, p) = conf("[other]\nsecret_id = AKIDa\nsecret_key = s3cr3t\n");
        let e = p.load().unwrap_err();
        assert_eq!(e.kind(), CredentialsErrorKind::InvalidProfile);
        assert!(e.to_string().contains("[common]"), "{e}");
        let (_home, p) = conf("[common]\nsecret_key = s3cr3t\n");
        let e = p.load().unwrap_err();
        assert!(e.to_string().contains("has no secret_id"), "{e}");
        assert!(!format!("{e} {e:?}").contains("s3cr3t"));
    }

    #[test]
    fn no_file_is_not_found() {
        let home = tempfile::tempdir().unwrap();
        let env = Environment::from_pairs([("HOME", home.path())]);
        assert!(
            CosConfProvider::with_environment(env)
                .load()
                .unwrap_err()
                .is_not_found()
        );
    }
}
