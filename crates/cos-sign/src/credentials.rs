//! Credentials: a secret id, a secret key that never prints, and an optional session token.
//! The key and the token are wiped from memory when they are dropped.

use std::fmt;

use zeroize::Zeroizing;

/// A secret text: `new` wraps it, `expose` reads it, `Debug` prints `Name(***)`, and its bytes
/// are overwritten with zeros when it is dropped.
macro_rules! secret_text {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(Zeroizing<Box<str>>);

        impl $name {
            #[doc = concat!("Wraps a ", $what, ".")]
            pub fn new(value: impl Into<String>) -> Self {
                Self(Zeroizing::new(value.into().into_boxed_str()))
            }

            #[doc = concat!("The ", $what, " itself, named so that every use is easy to find.")]
            pub fn expose(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "(***)"))
            }
        }
    };
}

secret_text! {
    /// A COS secret key (`SecretKey` in the console). Its `Debug` prints `***`, and its bytes
    /// are overwritten with zeros when it is dropped.
    ///
    /// ```
    /// let key = cos_sign::SecretKey::new("BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz");
    /// assert_eq!(format!("{key:?}"), "SecretKey(***)");
    /// ```
    SecretKey, "secret key"
}

secret_text! {
    /// The session token of temporary credentials, sent as `x-cos-security-token`. Its `Debug`
    /// prints `***`, and its bytes are overwritten with zeros when it is dropped.
    SessionToken, "session token"
}

/// A secret id (`q-ak`), its secret key and, for temporary credentials, a session token.
///
/// ```
/// use cos_sign::Credentials;
/// let creds = Credentials::new("AKIDexample", "my-secret-key").with_session_token("my-token");
/// assert_eq!(creds.secret_id(), "AKIDexample");
/// assert!(!format!("{creds:?}").contains("my-secret-key"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    secret_id: String,
    secret_key: SecretKey,
    session_token: Option<SessionToken>,
}

impl Credentials {
    /// Long-term credentials: a secret id and its secret key.
    pub fn new(secret_id: impl Into<String>, secret_key: impl Into<String>) -> Self {
        Self {
            secret_id: secret_id.into(),
            secret_key: SecretKey::new(secret_key),
            session_token: None,
        }
    }

    /// Adds the session token of temporary credentials.
    pub fn with_session_token(mut self, token: impl Into<String>) -> Self {
        self.session_token = Some(SessionToken::new(token));
        self
    }

    /// The secret id, sent in the clear as `q-ak`.
    pub fn secret_id(&self) -> &str {
        &self.secret_id
    }

    /// The secret key.
    pub fn secret_key(&self) -> &SecretKey {
        &self.secret_key
    }

    /// The session token, for temporary credentials.
    pub fn session_token(&self) -> Option<&SessionToken> {
        self.session_token.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_every_secret() {
        let creds = Credentials::new("AKIDid", "the-secret-key").with_session_token("the-token");
        let shown = format!("{creds:?}");
        assert!(shown.contains("AKIDid"));
        assert!(!shown.contains("the-secret-key"), "{shown}");
        assert!(!shown.contains("the-token"), "{shown}");
        assert_eq!(creds.secret_key().expose(), "the-secret-key");
        assert_eq!(
            creds.session_token().map(SessionToken::expose),
            Some("the-token")
        );
    }
}
