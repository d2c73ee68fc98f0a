//! What the two profile-file providers share: reading the file (absent is "not found",
//! unreadable is an error) and turning its fields into credentials, with errors that name the
//! file and the field, never a value.

use std::io;
use std::path::Path;

use cos_sign::Credentials;

use crate::error::{CredentialsError, CredentialsErrorKind};
use crate::provider::ProvidedCredentials;

/// The file's text; [`CredentialsErrorKind::NotFound`] when it does not exist.
pub(crate) fn read(path: &Path) -> Result<String, CredentialsError> {
    match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes)
            .map_err(|_| invalid(format!("the profile file {} is not UTF-8", path.display()))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(CredentialsError::not_found(format!(
            "no profile file at {}",
            path.display()
        ))),
        Err(e) => Err(invalid(format!(
            "the profile file {} cannot be read: {}",
            path.display(),
            e.kind()
        ))),
    }
}

/// A [`CredentialsErrorKind::InvalidProfile`] error.
pub(crate) fn invalid(message: String) -> CredentialsError {
    CredentialsError::with_kind(CredentialsErrorKind::InvalidProfile, message)
}

/// The fields of a profile, by their names in the file.
pub(crate) struct Fields<'a> {
    /// The file, for messages.
    pub(crate) path: &'a Path,
    /// The secret id field: its name and value.
    pub(crate) id: (&'a str, Option<String>),
    /// The secret key field: its name and value.
    pub(crate) key: (&'a str, Option<String>),
    /// The session token, if any.
    pub(crate) token: Option<String>,
}

impl Fields<'_> {
    /// The credentials, or an error naming the missing or empty field.
    pub(crate) fn into_provided(
        self,
        source: String,
    ) -> Result<ProvidedCredentials, CredentialsError> {
        let present = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
        let missing = |field: &str| {
            invalid(format!(
                "the profile file {} has no {field}",
                self.path.display()
            ))
        };
        let id = present(self.id.1).ok_or_else(|| missing(self.id.0))?;
        let key = present(self.key.1).ok_or_else(|| missing(self.key.0))?;
        let mut credentials = Credentials::new(id.trim(), key.trim());
        if let Some(token) = present(self.token) {
            credentials = credentials.with_session_token(token.trim());
        }
        Ok(ProvidedCredentials::new(credentials).with_source(source))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_is_not_found_and_a_directory_is_invalid() {
        let dir = tempfile::tempdir().unwrap();
        let e = read(&dir.path().join("nope")).unwrap_err();
        assert!(e.is_not_found(), "{e:?}");
        let e = read(dir.path()).unwrap_err();
        assert_eq!(e.kind(), CredentialsErrorKind::InvalidProfile, "{e:?}");
    }

    #[test]
    fn not_utf8_is_invalid() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bin");
        std::fs::write(&path, [0xff, 0xfe]).unwrap();
        assert_eq!(
            read(&path).unwrap_err().kind(),
            CredentialsErrorKind::InvalidProfile
        );
    }
}
