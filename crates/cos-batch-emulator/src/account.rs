//! `Account`: a COS account the emulator serves (UIN, APPID, secret id and secret key).

use std::fmt;

use cos_sign::{Credentials, SecretKey};

/// An account of the emulator: requests for its APPID must be signed with its secret id and key.
///
/// The secret key never shows in `Debug`:
/// ```
/// use cos_batch_emulator::Account;
///
/// let account = Account::new("100000000002", "1250000001", "AKIDexample", "top-secret");
/// assert!(!format!("{account:?}").contains("top-secret"));
/// assert_eq!(account.credentials().secret_id(), "AKIDexample");
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Account {
    /// The account's UIN (`100000000001`): the first label of the service host.
    pub uin: String,
    /// The APPID (`1250000000`): the `x-cos-appid` header and the suffix of bucket names.
    pub appid: String,
    /// The secret id (`q-ak` of signatures).
    pub secret_id: String,
    secret_key: SecretKey,
}

impl Account {
    /// The UIN of [`Account::demo`].
    pub const DEMO_UIN: &'static str = "100000000001";
    /// The APPID of [`Account::demo`].
    pub const DEMO_APPID: &'static str = "1250000000";
    /// The secret id of [`Account::demo`].
    pub const DEMO_SECRET_ID: &'static str = "AKIDEMULATORDEMOACCOUNT0000000000000";
    /// The secret key of [`Account::demo`]: well known, for local use only.
    pub const DEMO_SECRET_KEY: &'static str = "emulator-demo-secret-key";

    /// An account with these identifiers and this secret key.
    pub fn new(
        uin: impl Into<String>,
        appid: impl Into<String>,
        secret_id: impl Into<String>,
        secret_key: impl Into<String>,
    ) -> Self {
        Self {
            uin: uin.into(),
            appid: appid.into(),
            secret_id: secret_id.into(),
            secret_key: SecretKey::new(secret_key),
        }
    }

    /// The fixed, well-known demo account: UIN `100000000001`, APPID `1250000000`, secret id
    /// `AKIDEMULATORDEMOACCOUNT0000000000000`, secret key `emulator-demo-secret-key`.
    pub fn demo() -> Self {
        Self::new(
            Self::DEMO_UIN,
            Self::DEMO_APPID,
            Self::DEMO_SECRET_ID,
            Self::DEMO_SECRET_KEY,
        )
    }

    /// The credentials a client signs this account's requests with.
    pub fn credentials(&self) -> Credentials {
        Credentials::new(self.secret_id.clone(), self.secret_key.expose())
    }

    /// The secret key (the emulator prints the demo credentials; it is the user's own config).
    pub fn secret_key(&self) -> &str {
        self.secret_key.expose()
    }

    pub(crate) fn secret(&self) -> &SecretKey {
        &self.secret_key
    }
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account")
            .field("uin", &self.uin)
            .field("appid", &self.appid)
            .field("secret_id", &self.secret_id)
            .field("secret_key", &"***")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_account_is_fixed_and_debug_hides_the_key() {
        let demo = Account::demo();
        assert_eq!(demo.uin, "100000000001");
        assert_eq!(demo.appid, "1250000000");
        assert_eq!(demo.secret_id, "AKIDEMULATORDEMOACCOUNT0000000000000");
        assert_eq!(demo.secret_key(), "emulator-demo-secret-key");
        let shown = format!("{demo:?}");
        assert!(!shown.contains("emulator-demo-secret-key"), "{shown}");
        assert!(shown.contains("***"));
        assert_eq!(
            demo.credentials().secret_key().expose(),
            "emulator-demo-secret-key"
        );
    }
}
