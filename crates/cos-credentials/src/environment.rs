//! [`Environment`]: where providers read variables and the home directory from — the
//! process, or a fixed set (tests, embedders that keep configuration elsewhere).

use std::collections::HashMap;
use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use crate::error::{CredentialsError, CredentialsErrorKind};

/// A function that looks a variable up.
type Lookup = dyn Fn(&str) -> Option<OsString> + Send + Sync;

/// The variables the providers read.
///
/// [`Environment::process`] reads the process environment when asked (every refresh);
/// [`Environment::from_pairs`] is a fixed set. `Debug` never shows a value.
///
/// ```
/// use cos_credentials::Environment;
///
/// let env = Environment::from_pairs([("TCCLI_PROFILE", "prod"), ("EMPTY", "")]);
/// assert_eq!(env.var("TCCLI_PROFILE").unwrap().as_deref(), Some("prod"));
/// // Empty (or blank) counts as unset.
/// assert_eq!(env.var("EMPTY").unwrap(), None);
/// assert_eq!(env.var("HOME").unwrap(), None);
/// ```
#[derive(Clone)]
pub struct Environment {
    lookup: Arc<Lookup>,
}

impl Environment {
    /// The process environment.
    pub fn process() -> Self {
        Self::from_fn(|name| std::env::var_os(name))
    }

    /// A fixed set of variables.
    pub fn from_pairs<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<OsString>,
    {
        let map: HashMap<String, OsString> = pairs
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        Self::from_fn(move |name| map.get(name).cloned())
    }

    /// Variables looked up by `lookup`.
    pub fn from_fn(lookup: impl Fn(&str) -> Option<OsString> + Send + Sync + 'static) -> Self {
        Self {
            lookup: Arc::new(lookup),
        }
    }

    /// The variable's value; `None` when unset, empty or blank. A value that is not Unicode is
    /// an error naming the variable (never showing the value).
    pub fn var(&self, name: &'static str) -> Result<Option<String>, CredentialsError> {
        match (self.lookup)(name) {
            None => Ok(None),
            Some(value) => match value.into_string() {
                Ok(s) if s.trim().is_empty() => Ok(None),
                Ok(s) => Ok(Some(s)),
                Err(_) => Err(CredentialsError::with_kind(
                    CredentialsErrorKind::InvalidVariable(name),
                    format!("the environment variable {name} is not valid Unicode"),
                )),
            },
        }
    }

    /// The raw value of a path variable (which may be any bytes); `None` when unset or empty.
    pub fn path(&self, name: &str) -> Option<PathBuf> {
        (self.lookup)(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    }

    /// The home directory: `HOME`, else `USERPROFILE` (Windows).
    pub fn home_dir(&self) -> Option<PathBuf> {
        self.path("HOME").or_else(|| self.path("USERPROFILE"))
    }
}

impl Default for Environment {
    fn default() -> Self {
        Self::process()
    }
}

impl fmt::Debug for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Environment").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_falls_back_to_userprofile() {
        let env = Environment::from_pairs([("USERPROFILE", "C:\\Users\\me")]);
        assert_eq!(env.home_dir(), Some(PathBuf::from("C:\\Users\\me")));
        let env = Environment::from_pairs([("HOME", "/home/me"), ("USERPROFILE", "x")]);
        assert_eq!(env.home_dir(), Some(PathBuf::from("/home/me")));
        assert_eq!(Environment::from_pairs::<&str, &str>([]).home_dir(), None);
    }

    #[cfg(unix)]
    #[test]
    fn non_unicode_is_an_error_naming_the_variable() {
        use std::os::unix::ffi::OsStringExt;
        let env = Environment::from_fn(|_| Some(OsString::from_vec(vec![0xff, 0xfe])));
        let e = env.var("COS_SECRET_ID").unwrap_err();
        assert_eq!(
            e.kind(),
            CredentialsErrorKind::InvalidVariable("COS_SECRET_ID")
        );
        assert!(e.to_string().contains("COS_SECRET_ID"));
    }
}
