//! `CvmRoleProvider` against a fake metadata service on loopback.
#![cfg(feature = "hyper")]

mod support;

use std::time::{Duration, UNIX_EPOCH};

use cos_credentials::{CredentialsErrorKind, CvmRoleProvider, ProvideCredentials};
use support::{Answer, FakeService, client, closed_url, unix_in};

const ROLE: &str = "cvm-role";
const KEY: &str = "tmp-secret-key-value";
const TOKEN: &str = "tmp-session-token-value";

fn keys(expired_time: i64) -> String {
    format!(
        r#"{{"TmpSecretId":"AKIDtmp","TmpSecretKey":"{KEY}","ExpiredTime":{expired_time},"Expiration":"2030-01-01T00:00:00Z","Token":"{TOKEN}","Code":"Success"}}"#
    )
}

/// A metadata service that lists `ROLE` and answers its keys with `answer`.
async fn metadata(answer: Answer) -> FakeService {
    FakeService::start(move |path| match path {
        "/latest/meta-data/cam/security-credentials/" => Answer::ok(format!("{ROLE}\n")),
        p if p == format!("/latest/meta-data/cam/security-credentials/{ROLE}") => answer.clone(),
        _ => Answer::status(404, "not found"),
    })
    .await
}

fn provider(fake: &FakeService) -> CvmRoleProvider {
    CvmRoleProvider::new(client()).with_endpoint(fake.url("latest/meta-data/"))
}

#[tokio::test]
async fn gets_the_bound_roles_keys_with_their_expiry() {
    let expires = unix_in(3600);
    let fake = metadata(Answer::ok(keys(expires))).await;
    let provided = provider(&fake).provide_credentials().await.unwrap();
    assert_eq!(provided.credentials().secret_id(), "AKIDtmp");
    assert_eq!(provided.credentials().secret_key().expose(), KEY);
    assert_eq!(
        provided.credentials().session_token().unwrap().expose(),
        TOKEN
    );
    assert_eq!(
        provided.expires_at(),
        Some(UNIX_EPOCH + Duration::from_secs(expires as u64))
    );
    assert_eq!(provided.source(), "CVM instance role cvm-role");
    let paths: Vec<_> = fake
        .seen()
        .into_iter()
        .map(|s| (s.method, s.path))
        .collect();
    assert_eq!(
        paths,
        [
            (
                "GET".to_owned(),
                "/latest/meta-data/cam/security-credentials/".to_owned()
            ),
            (
                "GET".to_owned(),
                format!("/latest/meta-data/cam/security-credentials/{ROLE}")
            ),
        ]
    );
}

#[tokio::test]
async fn a_given_role_skips_the_listing() {
    let fake = metadata(Answer::ok(keys(unix_in(3600)))).await;
    provider(&fake)
        .with_role(ROLE)
        .provide_credentials()
        .await
        .unwrap();
    assert_eq!(fake.seen().len(), 1);
}

#[tokio::test]
async fn a_slow_answer_is_a_timeout() {
    let fake = metadata(Answer::ok(keys(unix_in(3600))).delayed(Duration::from_secs(5))).await;
    let started = std::time::Instant::now();
    let e = provider(&fake)
        .with_timeout(Duration::from_millis(200))
        .provide_credentials()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), CredentialsErrorKind::Timeout, "{e}");
    assert!(started.elapsed() < Duration::from_secs(3));

    // A silent metadata service on the probe means "not on a CVM": the chain moves on.
    let silent = FakeService::start(|_| Answer::ok(ROLE).delayed(Duration::from_secs(5))).await;
    let e = provider(&silent)
        .with_timeout(Duration::from_millis(200))
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(e.is_not_found(), "{e:?}");
}

#[tokio::test]
async fn a_500_malformed_json_a_failure_code_or_no_keys_are_service_errors() {
    for (answer, expect) in [
        (Answer::status(500, KEY), "answered 500"),
        (
            Answer::ok(format!(
                r#"{{"TmpSecretId":"AKIDtmp","TmpSecretKey":"{KEY}""#
            )),
            "not the documented JSON",
        ),
        (
            Answer::ok(format!(
                r#"{{"TmpSecretId":"AKIDtmp","TmpSecretKey":"{KEY}","ExpiredTime":"{KEY}"}}"#
            )),
            "not the documented JSON",
        ),
        (
            Answer::ok(format!(r#"{{"Code":"Failed","TmpSecretKey":"{KEY}"}}"#)),
            "Code \"Failed\"",
        ),
        (
            Answer::ok(r#"{"Code":"Success","ExpiredTime":1}"#),
            "without TmpSecretId and TmpSecretKey",
        ),
        (
            Answer::ok(format!(
                r#"{{"TmpSecretId":"","TmpSecretKey":"{KEY}","ExpiredTime":99999999999,"Code":"Success"}}"#
            )),
            "without TmpSecretId",
        ),
    ] {
        let fake = metadata(answer).await;
        let e = provider(&fake).provide_credentials().await.unwrap_err();
        assert_eq!(e.kind(), CredentialsErrorKind::Service, "{e}");
        assert!(e.to_string().contains(expect), "{e}");
        assert!(!format!("{e} {e:?}").contains(KEY), "{e}");
    }
}

#[tokio::test]
async fn expired_keys_are_refused() {
    let fake = metadata(Answer::ok(keys(unix_in(-10)))).await;
    let e = provider(&fake).provide_credentials().await.unwrap_err();
    assert_eq!(e.kind(), CredentialsErrorKind::Expired, "{e}");
}

#[tokio::test]
async fn no_role_or_no_metadata_service_is_not_found() {
    let fake = FakeService::start(|_| Answer::status(404, "")).await;
    let e = provider(&fake).provide_credentials().await.unwrap_err();
    assert!(e.is_not_found(), "{e:?}");
    assert!(e.to_string().contains("no CAM role"), "{e}");

    let e = CvmRoleProvider::new(client())
        .with_endpoint(closed_url().await)
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(e.is_not_found(), "{e:?}");
}

#[tokio::test]
async fn a_listed_role_that_is_gone_is_a_service_error() {
    let fake = FakeService::start(|path| {
        if path.ends_with("security-credentials/") {
            Answer::ok("gone-role")
        } else {
            Answer::status(404, "")
        }
    })
    .await;
    let e = provider(&fake).provide_credentials().await.unwrap_err();
    assert_eq!(e.kind(), CredentialsErrorKind::Service, "{e}");
}
