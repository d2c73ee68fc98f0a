//! `cos-batch sign`: every intermediate value of a COS request signature, like the vendor's web
//! signature tool, or a presigned URL.

use std::time::Duration;

use cos_batch_proto::{APPID as APPID_HEADER, Endpoint};
use cos_sign::{CanonicalRequest, Credentials, HeaderPolicy, KeyTime, SECURITY_TOKEN, Signer};
use http::header::{HOST, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Uri};
use serde::Serialize;

use crate::cli::{OutputFormat, SignArgs};
use crate::failure::Failure;
use crate::output;

/// What `sign` prints, with the vendor tool's names.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SignOutput {
    /// `SignKey`: HMAC-SHA1 of the key time under the SecretKey, hex.
    pub sign_key: String,
    /// `HttpString`.
    pub http_string: String,
    /// SHA-1 of the `HttpString`, hex.
    #[serde(rename = "HttpStringSha1")]
    pub http_string_sha1: String,
    /// `StringToSign`.
    pub string_to_sign: String,
    /// `Signature`.
    pub signature: String,
    /// The `Authorization` header value.
    pub authorization: String,
    /// The presigned URL, with `--presign`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// Run `sign`: a relative target is signed against `endpoint` (the configured batch endpoint,
/// when there is one) with its `x-cos-appid`, as the client sends it.
pub fn run(
    args: &SignArgs,
    credentials: Credentials,
    endpoint: Option<&Endpoint>,
    format: OutputFormat,
) -> Result<(), Failure> {
    let result = compute(args, credentials, endpoint)?;
    output::emit(format, &result, || {
        let mut rows = vec![
            ("SignKey", Some(result.sign_key.clone())),
            ("HttpString", Some(escape(&result.http_string))),
            ("HttpStringSha1", Some(result.http_string_sha1.clone())),
            ("StringToSign", Some(escape(&result.string_to_sign))),
            ("Signature", Some(result.signature.clone())),
            ("Authorization", Some(result.authorization.clone())),
        ];
        rows.push(("Url", result.url.clone()));
        output::fields(&rows)
    })
}

/// Whether `sign` signs against the configured batch endpoint: a relative target without a
/// host of its own (`--host` or a `Host` header). Only then is the endpoint configuration
/// needed: a full URL signs with the keys alone.
pub fn uses_endpoint(args: &SignArgs) -> bool {
    args.target.starts_with('/')
        && args.host.is_none()
        && !args.headers.iter().any(|h| {
            h.split(':')
                .next()
                .is_some_and(|n| n.trim().eq_ignore_ascii_case("host"))
        })
}

/// Compute every value `sign` prints.
pub fn compute(
    args: &SignArgs,
    credentials: Credentials,
    endpoint: Option<&Endpoint>,
) -> Result<SignOutput, Failure> {
    let method = Method::from_bytes(args.method.to_ascii_uppercase().as_bytes())
        .map_err(|_| Failure::usage(format!("not an HTTP method: `{}`", args.method)))?;
    let parse = |target: &str| {
        target
            .parse::<Uri>()
            .map_err(|e| Failure::usage(format!("not a request target or URL: `{target}`: {e}")))
    };
    let mut uri = parse(&args.target)?;
    if uri.scheme().is_none() && !args.target.starts_with('/') {
        return Err(Failure::usage(format!(
            "the target must start with `/` or be a full URL, got `{}`",
            args.target
        )));
    }
    let mut appid = None;
    if uri.scheme().is_none() {
        if let (Some(endpoint), true) = (endpoint, uses_endpoint(args)) {
            uri = parse(&format!("{}{}", endpoint.base_url(), args.target))?;
            appid = Some(endpoint.appid());
        } else if let (true, Some(host)) = (args.presign, &args.host) {
            uri = parse(&format!("https://{host}{}", args.target))?;
        } else if args.presign {
            return Err(Failure::usage(
                "--presign needs a full URL, --host, or the batch endpoint \
                 (COS_BATCH_ENDPOINT, or COS_UIN and COS_REGION) to make an absolute URL",
            ));
        }
    }
    let mut headers = HeaderMap::new();
    for line in &args.headers {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| Failure::usage(format!("expected `Name: value`, got `{line}`")))?;
        let name = HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| Failure::usage(format!("not a header name: `{}`", name.trim())))?;
        let value = HeaderValue::from_str(value.trim())
            .map_err(|_| Failure::usage(format!("not a header value for `{name}`")))?;
        headers.append(name, value);
    }
    if let Some(appid) = appid
        && !headers.contains_key(APPID_HEADER)
    {
        let value = HeaderValue::from_str(appid)
            .map_err(|_| Failure::usage(format!("not an APPID: `{appid}`")))?;
        headers.insert(HeaderName::from_static(APPID_HEADER), value);
    }
    if let Some(host) = &args.host
        && !headers.contains_key(HOST)
    {
        let value = HeaderValue::from_str(host)
            .map_err(|_| Failure::usage(format!("not a host: `{host}`")))?;
        headers.insert(HOST, value);
    }
    if !args.presign
        && let Some(token) = credentials.session_token()
    {
        let value = HeaderValue::from_str(token.expose())
            .map_err(|_| Failure::usage("the session token is not a valid header value"))?;
        headers.insert(HeaderName::from_static(SECURITY_TOKEN), value);
    }
    let key_time = match &args.key_time {
        Some(text) => parse_time(text, "--key-time")?,
        None => KeyTime::now(Duration::from_secs(args.expires.max(1))),
    };
    let sign_time = match &args.sign_time {
        Some(text) => parse_time(text, "--sign-time")?,
        None => key_time,
    };
    let policy = header_policy(&args.signed_headers)?;
    let signer = Signer::new(credentials).with_header_policy(policy.clone());
    let canonical = CanonicalRequest::new(&method, &uri, &headers, &policy);
    let authorization = signer
        .authorization_with_sign_time(&method, &uri, &headers, sign_time, key_time)
        .map_err(|e| Failure::usage(format!("cannot sign: {e}")))?;
    let url = if args.presign {
        let url = signer
            .presign(&method, &uri, &headers, key_time)
            .map_err(|e| Failure::usage(format!("cannot presign: {e}")))?;
        Some(url.to_string())
    } else {
        None
    };
    Ok(SignOutput {
        sign_key: signer.signing_key(key_time).expose_hex().to_owned(),
        http_string: canonical.http_string_lossy().into_owned(),
        http_string_sha1: canonical.http_string_sha1(),
        string_to_sign: canonical.string_to_sign(key_time),
        signature: authorization.signature().to_owned(),
        authorization: authorization.to_string(),
        url,
    })
}

fn parse_time(text: &str, flag: &str) -> Result<KeyTime, Failure> {
    text.parse()
        .map_err(|e| Failure::usage(format!("{flag}: expected `start;end` in Unix seconds: {e}")))
}

fn header_policy(text: &str) -> Result<HeaderPolicy, Failure> {
    match text.trim() {
        "all" => Ok(HeaderPolicy::All),
        "default" => Ok(HeaderPolicy::Default),
        list => list
            .split(',')
            .filter(|n| !n.trim().is_empty())
            .map(|n| {
                HeaderName::from_bytes(n.trim().as_bytes()).map_err(|_| {
                    Failure::usage(format!("--signed-headers: not a header name: `{n}`"))
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(HeaderPolicy::Only),
    }
}

/// Newlines shown as `\n`, so each value stays on one line.
fn escape(text: &str) -> String {
    text.replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(target: &str) -> SignArgs {
        SignArgs {
            method: "get".into(),
            target: target.into(),
            headers: vec![],
            host: None,
            key_time: Some("1557989753;1557996953".into()),
            sign_time: None,
            expires: 3600,
            signed_headers: "all".into(),
            presign: false,
        }
    }

    fn creds() -> Credentials {
        Credentials::new(
            "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q",
            "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz",
        )
    }

    #[test]
    fn the_host_comes_from_a_full_url() {
        let out = compute(
            &args("https://examplebucket-1250000000.cos.ap-beijing.myqcloud.com/a?b=c"),
            creds(),
            None,
        )
        .unwrap();
        assert_eq!(
            out.http_string,
            "get\n/a\nb=c\nhost=examplebucket-1250000000.cos.ap-beijing.myqcloud.com\n"
        );
        assert!(
            out.authorization
                .contains("&q-header-list=host&q-url-param-list=b&")
        );
    }

    #[test]
    fn bad_input_is_a_usage_error() {
        for bad in ["relative/path", "/ok"] {
            let mut a = args(bad);
            if bad == "/ok" {
                a.headers = vec!["no colon".into()];
            }
            assert!(
                matches!(compute(&a, creds(), None), Err(Failure::Usage(_))),
                "{bad}"
            );
        }
        let mut a = args("/x");
        a.key_time = Some("9;1".into());
        assert!(matches!(compute(&a, creds(), None), Err(Failure::Usage(_))));
        let mut a = args("/x");
        a.method = "BAD METHOD".into();
        assert!(matches!(compute(&a, creds(), None), Err(Failure::Usage(_))));
    }

    #[test]
    fn presign_gives_a_url_with_the_signature() {
        let mut a = args("https://examplebucket-1250000000.cos.ap-beijing.myqcloud.com/a.txt");
        a.presign = true;
        let out = compute(&a, creds(), None).unwrap();
        let url = out.url.unwrap();
        assert!(
            url.contains("q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q"),
            "{url}"
        );
        assert!(
            url.ends_with(&format!("q-signature={}", out.signature)),
            "{url}"
        );
    }
}
