//! `cos-batch whoami`: which keys the other commands would sign with — the secret id, the
//! provider that supplied them and when they expire. Never the secret key or the token.

use std::time::SystemTime;

use cos_credentials::ProvidedCredentials;
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::cli::{GlobalArgs, OutputFormat};
use crate::config::{self, Keys};
use crate::failure::Failure;
use crate::output;

/// What `whoami` prints.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct WhoamiOutput {
    /// The secret id (`q-ak`), which is not a secret.
    pub secret_id: String,
    /// The provider that supplied the keys.
    pub source: String,
    /// Whether they are temporary keys (with a session token).
    pub temporary: bool,
    /// When they expire, RFC 3339; absent for keys that do not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// Seconds until they expire.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in_seconds: Option<u64>,
}

impl WhoamiOutput {
    /// What to say about `provided` at `now`.
    pub fn new(provided: &ProvidedCredentials, now: SystemTime) -> Self {
        let expires_at = provided.expires_at();
        Self {
            secret_id: provided.credentials().secret_id().to_owned(),
            source: provided.source().to_owned(),
            temporary: provided.credentials().session_token().is_some(),
            expires_at: expires_at.and_then(|at| OffsetDateTime::from(at).format(&Rfc3339).ok()),
            expires_in_seconds: expires_at
                .map(|at| at.duration_since(now).map_or(0, |left| left.as_secs())),
        }
    }

    fn text(&self) -> String {
        let expires = match (&self.expires_at, self.expires_in_seconds) {
            (Some(at), Some(secs)) => format!("{at} (in {secs} s)"),
            _ => "never".to_owned(),
        };
        output::fields(&[
            ("SecretId", Some(self.secret_id.clone())),
            ("Source", Some(self.source.clone())),
            (
                "Temporary",
                Some(if self.temporary { "yes" } else { "no" }.to_owned()),
            ),
            ("Expires", Some(expires)),
        ])
    }
}

/// Run `whoami`.
pub async fn run(global: &GlobalArgs, format: OutputFormat) -> Result<(), Failure> {
    let provided = match Keys::from_args(global)? {
        Keys::Given(credentials) => {
            ProvidedCredentials::new(credentials).with_source(Keys::GIVEN_SOURCE)
        }
        Keys::Chain => config::chain()?
            .load()
            .await
            .map_err(|e| Failure::usage(format!("credentials: {e}")))?,
    };
    let out = WhoamiOutput::new(&provided, SystemTime::now());
    output::emit(format, &out, || out.text())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cos_sign::Credentials;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn says_the_id_source_and_expiry_never_the_secret() {
        let at = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let provided = ProvidedCredentials::expiring(
            Credentials::new("AKIDtmp", "the-secret-key").with_session_token("the-token"),
            at,
        )
        .with_source("CVM instance role r");
        let out = WhoamiOutput::new(&provided, at - Duration::from_secs(90));
        assert_eq!(out.expires_at.as_deref(), Some("2027-01-15T08:00:00Z"));
        assert_eq!(out.expires_in_seconds, Some(90));
        assert!(out.temporary);
        let text = out.text();
        assert!(
            text.contains("AKIDtmp") && text.contains("CVM instance role r"),
            "{text}"
        );
        let json = serde_json::to_string(&out).unwrap();
        for shown in [text, json] {
            assert!(!shown.contains("the-secret-key") && !shown.contains("the-token"));
        }

        let fixed = ProvidedCredentials::new(Credentials::new("AKIDfixed", "k"));
        let out = WhoamiOutput::new(&fixed, at);
        assert!(out.text().contains("never"));
        assert!(!serde_json::to_string(&out).unwrap().contains("ExpiresAt"));
    }
}
