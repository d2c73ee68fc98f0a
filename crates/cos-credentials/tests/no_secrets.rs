//! Every provider's errors, and the `Debug` of what holds keys, checked for the secrets they
//! were given.
#![cfg(feature = "hyper")]

mod support;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use cos_credentials::{
    ChainProvider, CosConfProvider, CredentialsCache, CredentialsError, CvmRoleProvider,
    EnvProvider, Environment, ProvideCredentials, ProvidedCredentials, RequestSigner,
    StaticProvider, TccliProfileProvider, WebIdentityProvider,
};
use cos_sign::Credentials;
use support::{Answer, FakeService, client, unix_in};

const SECRET: &str = "S3CRET-never-shown-0123456789";

/// Fails the test if `shown` holds the secret.
fn assert_clean(what: &str, shown: &str) {
    assert!(!shown.contains(SECRET), "{what} shows the secret: {shown}");
}

fn check(what: &str, e: &CredentialsError) {
    assert_clean(what, &format!("{e} | {e:?}"));
}

async fn fail(what: &str, provider: &dyn ProvideCredentials) {
    match provider.provide_credentials().await {
        Ok(p) => panic!("{what} should fail, gave {p:?}"),
        Err(e) => check(what, &e),
    }
}

#[tokio::test]
async fn no_provider_shows_a_secret_in_an_error() {
    let home = tempfile::tempdir().unwrap();
    let env = Environment::from_pairs([("HOME", home.path())]);

    // Environment: the key without its id, and a token without keys.
    fail(
        "env (half set)",
        &EnvProvider::with_environment(Environment::from_pairs([
            ("TENCENTCLOUD_SECRET_KEY", SECRET),
            ("TENCENTCLOUD_TOKEN", SECRET),
        ])),
    )
    .await;

    // tccli profile: a key without an id, broken JSON around a key, a key of the wrong type.
    std::fs::create_dir(home.path().join(".tccli")).unwrap();
    for body in [
        format!(r#"{{"secretKey":"{SECRET}","token":"{SECRET}"}}"#),
        format!(r#"{{"secretId":"AKIDx","secretKey":"{SECRET}"#),
        format!(r#"{{"secretId":["{SECRET}"],"secretKey":"{SECRET}"}}"#),
    ] {
        std::fs::write(home.path().join(".tccli/default.credential"), &body).unwrap();
        fail(
            "tccli profile",
            &TccliProfileProvider::with_environment(env.clone()),
        )
        .await;
    }

    // coscmd config: a key without an id; the keys in another section.
    for body in [
        format!("[common]\nsecret_key = {SECRET}\ntoken = {SECRET}\n"),
        format!("[other]\nsecret_id = AKIDx\nsecret_key = {SECRET}\n"),
    ] {
        std::fs::write(home.path().join(".cos.conf"), &body).unwrap();
        fail(
            "coscmd config",
            &CosConfProvider::with_environment(env.clone()),
        )
        .await;
    }

    // CVM role: the keys in a 500, in broken JSON, in a failure, expired.
    for answer in [
        Answer::status(500, SECRET),
        Answer::ok(format!(
            r#"{{"TmpSecretId":"AKIDx","TmpSecretKey":"{SECRET}"#
        )),
        Answer::ok(format!(
            r#"{{"TmpSecretId":"AKIDx","TmpSecretKey":"{SECRET}","ExpiredTime":"{SECRET}"}}"#
        )),
        Answer::ok(format!(
            r#"{{"Code":"Failed","TmpSecretKey":"{SECRET}","Token":"{SECRET}"}}"#
        )),
        Answer::ok(format!(
            r#"{{"TmpSecretId":"AKIDx","TmpSecretKey":"{SECRET}","Token":"{SECRET}","ExpiredTime":{},"Code":"Success"}}"#,
            unix_in(-1)
        )),
    ] {
        let fake = FakeService::start(move |path| {
            if path.ends_with("security-credentials/") {
                Answer::ok("role")
            } else {
                answer.clone()
            }
        })
        .await;
        fail(
            "CVM role",
            &CvmRoleProvider::new(client()).with_endpoint(fake.url("/")),
        )
        .await;
    }

    // TKE web identity: the OIDC token is the secret; STS echoes it in a 500 and an error.
    let token_file = home.path().join("oidc-token");
    std::fs::write(&token_file, SECRET).unwrap();
    let tke = Environment::from_pairs([
        ("TKE_REGION", "ap-guangzhou".into()),
        ("TKE_PROVIDER_ID", "p".into()),
        ("TKE_ROLE_ARN", "qcs::cam::uin/1:roleName/r".into()),
        ("TKE_WEB_IDENTITY_TOKEN_FILE", token_file.into_os_string()),
    ]);
    for answer in [
        Answer::status(500, SECRET),
        Answer::status(
            400,
            format!(
                r#"{{"Response":{{"Error":{{"Code":"InvalidParameter","Message":"bad token {SECRET}"}}}}}}"#
            ),
        ),
        Answer::ok(format!(
            r#"{{"Response":{{"Credentials":{{"TmpSecretKey":"{SECRET}"}},"ExpiredTime":1}}}}"#
        )),
    ] {
        let fake = FakeService::start(move |_| answer.clone()).await;
        let provider = WebIdentityProvider::new(client())
            .with_environment(tke.clone())
            .with_endpoint(fake.url("/"));
        assert_clean("web identity Debug", &format!("{provider:?}"));
        fail("TKE web identity", &provider).await;
    }

    // The chain wraps its providers' errors.
    fail(
        "chain",
        &ChainProvider::new().with(
            "environment",
            EnvProvider::with_environment(Environment::from_pairs([("COS_SECRET_KEY", SECRET)])),
        ),
    )
    .await;

    // The cache: expired static keys.
    let expired = StaticProvider::from_provided(ProvidedCredentials::expiring(
        Credentials::new("AKIDx", SECRET).with_session_token(SECRET),
        SystemTime::now() - Duration::from_secs(1),
    ));
    let cache = CredentialsCache::new(expired);
    check("cache", &cache.credentials().await.unwrap_err());

    // The signer: a token that cannot be a header value.
    let bad_token = format!("{SECRET}\n");
    let cache = Arc::new(CredentialsCache::new(StaticProvider::new(
        Credentials::new("AKIDx", SECRET).with_session_token(bad_token),
    )));
    let signer = RequestSigner::new(Arc::clone(&cache));
    let (mut parts, ()) = http::Request::get("http://127.0.0.1/")
        .body(())
        .unwrap()
        .into_parts();
    let e = signer.sign(&mut parts).await.unwrap_err();
    assert_clean("signer", &format!("{e} | {e:?}"));
    assert_clean("signer Debug", &format!("{signer:?} {cache:?}"));
}

#[tokio::test]
async fn debug_of_provided_credentials_shows_no_secret() {
    let provided =
        StaticProvider::new(Credentials::new("AKIDx", SECRET).with_session_token(SECRET))
            .provide_credentials()
            .await
            .unwrap();
    assert_clean("ProvidedCredentials", &format!("{provided:?}"));
}
