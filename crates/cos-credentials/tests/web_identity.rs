//! `WebIdentityProvider` against a fake STS on loopback.
#![cfg(feature = "hyper")]

mod support;

use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use cos_credentials::{
    CredentialsErrorKind, Environment, ProvideCredentials, TKE_IDENTITY_TOKEN_FILE,
    TKE_PROVIDER_ID, TKE_REGION, TKE_ROLE_ARN, TKE_WEB_IDENTITY_TOKEN_FILE, WebIdentityProvider,
};
use support::{Answer, FakeService, client, unix_in};

const OIDC_TOKEN: &str = "eyJoidc.token.value";
const KEY: &str = "sts-secret-key-value";
const ROLE_ARN: &str = "qcs::cam::uin/100000000001:roleName/tke-role";

fn keys(expired_time: i64) -> String {
    format!(
        r#"{{"Response":{{"ExpiredTime":{expired_time},"Expiration":"2030-01-01T00:00:00Z","Credentials":{{"Token":"sts-token","TmpSecretId":"AKIDsts","TmpSecretKey":"{KEY}"}},"RequestId":"req-1"}}}}"#
    )
}

/// The `TKE_*` variables with the token in a file under `dir`.
fn tke_env(dir: &Path) -> Environment {
    let token_file = dir.join("token");
    std::fs::write(&token_file, format!("{OIDC_TOKEN}\n")).unwrap();
    Environment::from_pairs([
        (TKE_REGION, "ap-guangzhou".into()),
        (TKE_PROVIDER_ID, "oidc-provider".into()),
        (TKE_ROLE_ARN, ROLE_ARN.into()),
        (TKE_WEB_IDENTITY_TOKEN_FILE, token_file.into_os_string()),
    ])
}

fn provider(fake: &FakeService, env: Environment) -> WebIdentityProvider {
    WebIdentityProvider::new(client())
        .with_environment(env)
        .with_endpoint(fake.url("/"))
}

#[tokio::test]
async fn exchanges_the_token_with_sts_as_the_sdks_do() {
    let dir = tempfile::tempdir().unwrap();
    let expires = unix_in(7200);
    let fake = FakeService::start(move |_| Answer::ok(keys(expires))).await;
    let provided = provider(&fake, tke_env(dir.path()))
        .with_session_name("session-1")
        .provide_credentials()
        .await
        .unwrap();
    assert_eq!(provided.credentials().secret_id(), "AKIDsts");
    assert_eq!(provided.credentials().secret_key().expose(), KEY);
    assert_eq!(
        provided.credentials().session_token().unwrap().expose(),
        "sts-token"
    );
    assert_eq!(
        provided.expires_at(),
        Some(UNIX_EPOCH + Duration::from_secs(expires as u64))
    );
    assert_eq!(
        provided.source(),
        format!("TKE web identity (role {ROLE_ARN})")
    );

    let seen = fake.seen();
    assert_eq!(seen.len(), 1);
    let request = &seen[0];
    assert_eq!(request.method, "POST");
    let header = |name: &str| request.headers[name].to_str().unwrap().to_owned();
    assert_eq!(header("x-tc-action"), "AssumeRoleWithWebIdentity");
    assert_eq!(header("x-tc-version"), "2018-08-13");
    assert_eq!(header("x-tc-region"), "ap-guangzhou");
    assert_eq!(header("authorization"), "SKIP");
    assert_eq!(header("content-type"), "application/json");
    assert!(header("x-tc-timestamp").parse::<u64>().unwrap() > 1_700_000_000);
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({
            "ProviderId": "oidc-provider",
            "WebIdentityToken": OIDC_TOKEN,
            "RoleArn": ROLE_ARN,
            "RoleSessionName": "session-1",
            "DurationSeconds": 7200,
        })
    );
}

#[tokio::test]
async fn the_region_can_be_overridden_and_reqsigns_token_variable_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("t");
    std::fs::write(&token_file, OIDC_TOKEN).unwrap();
    let env = Environment::from_pairs([
        (TKE_PROVIDER_ID, "p".into()),
        (TKE_ROLE_ARN, ROLE_ARN.into()),
        (TKE_IDENTITY_TOKEN_FILE, token_file.into_os_string()),
    ]);
    let fake = FakeService::start(|_| Answer::ok(keys(unix_in(600)))).await;
    provider(&fake, env)
        .with_region("ap-shanghai")
        .provide_credentials()
        .await
        .unwrap();
    assert_eq!(fake.seen()[0].headers["x-tc-region"], "ap-shanghai");
}

#[tokio::test]
async fn a_slow_sts_is_a_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let fake =
        FakeService::start(|_| Answer::ok(keys(unix_in(600))).delayed(Duration::from_secs(5)))
            .await;
    let e = provider(&fake, tke_env(dir.path()))
        .with_timeout(Duration::from_millis(200))
        .provide_credentials()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), CredentialsErrorKind::Timeout, "{e}");
}

#[tokio::test]
async fn errors_of_sts_are_service_errors_without_the_token_or_keys() {
    for (answer, kind, expect) in [
        (
            Answer::status(500, OIDC_TOKEN),
            CredentialsErrorKind::Service,
            "STS answered 500",
        ),
        (
            Answer::ok(format!(
                r#"{{"Response":{{"Credentials":{{"TmpSecretKey":"{KEY}""#
            )),
            CredentialsErrorKind::Service,
            "not the documented JSON",
        ),
        (
            Answer::ok(format!(
                r#"{{"Response":{{"Error":{{"Code":"InvalidParameter.WebIdentityTokenError","Message":"token {OIDC_TOKEN} expired"}},"RequestId":"req-9"}}}}"#
            )),
            CredentialsErrorKind::Service,
            "InvalidParameter.WebIdentityTokenError",
        ),
        (
            Answer::ok(r#"{"Response":{"ExpiredTime":99999999999,"RequestId":"r"}}"#),
            CredentialsErrorKind::Service,
            "without TmpSecretId",
        ),
        (
            Answer::ok(keys(unix_in(-5))),
            CredentialsErrorKind::Expired,
            "already expired",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let fake = FakeService::start(move |_| answer.clone()).await;
        let e = provider(&fake, tke_env(dir.path()))
            .provide_credentials()
            .await
            .unwrap_err();
        assert_eq!(e.kind(), kind, "{e}");
        assert!(e.to_string().contains(expect), "{e}");
        let shown = format!("{e} {e:?}");
        assert!(
            !shown.contains(OIDC_TOKEN) && !shown.contains(KEY),
            "{shown}"
        );
    }
}

#[tokio::test]
async fn unset_is_not_found_and_half_set_names_the_missing_variable() {
    let fake = FakeService::start(|_| Answer::ok(keys(unix_in(600)))).await;
    let none = Environment::from_pairs([(TKE_REGION, "ap-guangzhou")]);
    let e = provider(&fake, none)
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(e.is_not_found(), "{e:?}");

    let half = Environment::from_pairs([(TKE_REGION, "ap-guangzhou"), (TKE_ROLE_ARN, ROLE_ARN)]);
    let e = provider(&fake, half)
        .provide_credentials()
        .await
        .unwrap_err();
    assert_eq!(e.missing_variable(), Some(TKE_PROVIDER_ID), "{e}");

    let dir = tempfile::tempdir().unwrap();
    let missing_file = Environment::from_pairs([
        (TKE_REGION, "r".into()),
        (TKE_PROVIDER_ID, "p".into()),
        (TKE_ROLE_ARN, ROLE_ARN.into()),
        (
            TKE_WEB_IDENTITY_TOKEN_FILE,
            dir.path().join("absent").into_os_string(),
        ),
    ]);
    let e = provider(&fake, missing_file)
        .provide_credentials()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), CredentialsErrorKind::InvalidProfile, "{e}");
    assert!(
        fake.seen().is_empty(),
        "STS must not be asked without a token"
    );
}
