//! Credentials providers through the client (one refresh for many concurrent calls, refresh
//! before expiry, failures), and the tracing spans (fields recorded, no secret anywhere).

mod support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use cos_batch_hyper::model::{DescribeJobRequest, ListJobsRequest};
use cos_batch_hyper::{
    Client, CosError, Credentials, CredentialsError, CredentialsErrorKind, CredentialsFuture,
    EnvProvider, Error, ProvideCredentials, ProvidedCredentials,
};
use support::{Fault, SECRET_KEY, TestServer, create_request, guarded};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

const TEMP_KEY: &str = "temporary-secret-key-hidden";
const TOKEN: &str = "session-token-hidden-too";

/// Temporary keys `AKIDtemp{n}` valid for `lifetime`, counting the calls.
struct Sts {
    calls: AtomicUsize,
    lifetime: Duration,
}

impl ProvideCredentials for Sts {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(async move {
            let n = self.calls.fetch_add(1, Ordering::SeqCst);
            // A real STS takes a while: let the other callers pile up.
            tokio::time::sleep(Duration::from_millis(20)).await;
            Ok(ProvidedCredentials::expiring(
                Credentials::new(format!("AKIDtemp{n}"), TEMP_KEY).with_session_token(TOKEN),
                SystemTime::now() + self.lifetime,
            ))
        })
    }
}

fn sts_client(server: &TestServer, sts: Arc<Sts>) -> Client {
    for n in 0..8 {
        server.add_account(&format!("AKIDtemp{n}"), TEMP_KEY);
    }
    server.client().credentials_provider(sts).build().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_share_one_credentials_refresh() {
    let server = TestServer::start().await;
    let sts = Arc::new(Sts {
        calls: AtomicUsize::new(0),
        lifetime: Duration::from_secs(3600),
    });
    let client = sts_client(&server, Arc::clone(&sts));
    let calls = (0..32).map(|_| {
        let client = client.clone();
        async move { client.list_jobs_with(ListJobsRequest::new()).await }
    });
    let results = guarded(futures_util::future::join_all(calls)).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(sts.calls.load(Ordering::SeqCst), 1);
    let seen = server.seen();
    assert_eq!(seen.len(), 32);
    for s in &seen {
        assert_eq!(s.headers["x-cos-security-token"], TOKEN);
        assert!(
            s.headers["authorization"]
                .to_str()
                .unwrap()
                .contains("q-ak=AKIDtemp0&")
        );
    }
    let shown = format!("{client:?}");
    assert!(
        !shown.contains(TEMP_KEY) && !shown.contains(TOKEN),
        "{shown}"
    );
}

#[tokio::test]
async fn credentials_are_refreshed_before_they_expire() {
    let server = TestServer::start().await;
    // Valid for 1 s: the refresh margin is capped at half the lifetime, so a call 0.6 s
    // after the last refresh refreshes again.
    let short = Arc::new(Sts {
        calls: AtomicUsize::new(0),
        lifetime: Duration::from_secs(1),
    });
    let client = sts_client(&server, Arc::clone(&short));
    for i in 0..3 {
        if i > 0 {
            tokio::time::sleep(Duration::from_millis(600)).await;
        }
        guarded(client.list_jobs_with(ListJobsRequest::new()))
            .await
            .unwrap();
    }
    assert_eq!(short.calls.load(Ordering::SeqCst), 3);
    let keys: Vec<String> = server
        .seen()
        .iter()
        .map(|s| s.headers["authorization"].to_str().unwrap().to_owned())
        .collect();
    assert!(keys[2].contains("q-ak=AKIDtemp2&"));

    // With a margin of 10 s, the same credentials serve all three calls.
    let long = Arc::new(Sts {
        calls: AtomicUsize::new(0),
        lifetime: Duration::from_secs(60),
    });
    let client = server
        .client()
        .credentials_provider(Arc::clone(&long))
        .credentials_refresh_margin(Duration::from_secs(10))
        .build()
        .unwrap();
    for _ in 0..3 {
        guarded(client.list_jobs_with(ListJobsRequest::new()))
            .await
            .unwrap();
    }
    assert_eq!(long.calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_failing_provider_is_a_credentials_error_and_sends_nothing() {
    struct Down;
    impl ProvideCredentials for Down {
        fn provide_credentials(&self) -> CredentialsFuture<'_> {
            Box::pin(async {
                Err(CredentialsError::new("the STS is unreachable")
                    .with_source(std::io::Error::other("connection refused")))
            })
        }
    }
    let server = TestServer::start().await;
    let client = server.client().credentials_provider(Down).build().unwrap();
    let err = guarded(client.list_jobs_with(ListJobsRequest::new()))
        .await
        .unwrap_err();
    match &err {
        Error::Credentials(e) => assert_eq!(e.kind(), CredentialsErrorKind::Provider),
        other => panic!("{other:?}"),
    }
    assert!(!err.is_retryable());
    assert_eq!(server.requests(), 0);

    {
        let half_set = cos_credentials::Environment::from_pairs([("COS_SECRET_KEY", "k")]);
        let client = server
            .client()
            .credentials_provider(EnvProvider::with_environment(half_set))
            .build()
            .unwrap();
        let err = guarded(client.list_jobs_with(ListJobsRequest::new()))
            .await
            .unwrap_err();
        match &err {
            Error::Credentials(e) => assert_eq!(e.missing_variable(), Some("COS_SECRET_ID")),
            other => panic!("{other:?}"),
        }
        assert_eq!(server.requests(), 0);
    }
}

/// Field names and values, as text.
type FieldList = Vec<(String, String)>;

#[tokio::test]
async fn the_overall_timeout_bounds_a_provider_that_never_answers() {
    struct Stuck;
    impl ProvideCredentials for Stuck {
        fn provide_credentials(&self) -> CredentialsFuture<'_> {
            Box::pin(std::future::pending())
        }
    }
    let server = TestServer::start().await;
    let client = server
        .client()
        .credentials_provider(Stuck)
        .overall_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let err = guarded(client.list_jobs_with(ListJobsRequest::new()))
        .await
        .unwrap_err();
    assert_eq!(
        err.transport().unwrap().kind(),
        cos_batch_hyper::TransportErrorKind::OverallTimeout,
        "{err}"
    );
    assert_eq!(server.requests(), 0);
}

/// A subscriber that keeps every span's fields and every event's fields as text.
#[derive(Clone, Default)]
struct Capture {
    next: Arc<AtomicU64>,
    spans: Arc<Mutex<HashMap<u64, (String, FieldList)>>>,
    events: Arc<Mutex<Vec<FieldList>>>,
}

#[derive(Default)]
struct Fields(FieldList);

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push((field.name().to_owned(), value.to_owned()));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push((field.name().to_owned(), format!("{value:?}")));
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        let id = self.next.fetch_add(1, Ordering::SeqCst) + 1;
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        self.spans
            .lock()
            .unwrap()
            .insert(id, (attrs.metadata().name().to_owned(), fields.0));
        Id::from_u64(id)
    }
    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut fields = Fields::default();
        values.record(&mut fields);
        if let Some((_, all)) = self.spans.lock().unwrap().get_mut(&span.into_u64()) {
            all.extend(fields.0);
        }
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        self.events.lock().unwrap().push(fields.0);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

impl Capture {
    /// The last value of each field of each `cos_batch` span, in creation order.
    fn call_spans(&self) -> Vec<HashMap<String, String>> {
        let spans = self.spans.lock().unwrap();
        let mut ids: Vec<&u64> = spans.keys().collect();
        ids.sort();
        ids.into_iter()
            .filter(|id| spans[id].0 == "cos_batch")
            .map(|id| spans[id].1.iter().cloned().collect())
            .collect()
    }

    fn everything(&self) -> String {
        format!(
            "{:?} {:?}",
            self.spans.lock().unwrap(),
            self.events.lock().unwrap()
        )
    }
}

#[tokio::test]
async fn one_span_per_call_with_operation_attempt_status_and_request_id() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let server = TestServer::start().await;
    let client = server
        .client()
        .credentials(Credentials::new(support::SECRET_ID, SECRET_KEY).with_session_token(TOKEN))
        .build()
        .unwrap();

    let id = guarded(client.create_job_with(create_request(None)))
        .await
        .unwrap()
        .job_id
        .unwrap();
    server.fail_next(
        Some("DescribeJob"),
        Fault::Error(CosError::internal_error("boom")),
    );
    guarded(client.describe_job_with(DescribeJobRequest::new(id.as_str())))
        .await
        .unwrap();
    let err = guarded(client.describe_job_with(DescribeJobRequest::new("missing")))
        .await
        .unwrap_err();
    let missing_request_id = err.request_id().unwrap().to_owned();
    // A lost CreateJob response: the look-up calls are spans of their own.
    server.fail_next(Some("CreateJob"), Fault::DropAfterServing);
    guarded(client.create_job_with(create_request(None)))
        .await
        .unwrap();

    let spans = capture.call_spans();
    let op = |s: &HashMap<String, String>| s["operation"].clone();
    let ops: Vec<String> = spans.iter().map(op).collect();
    assert_eq!(
        ops[..4],
        ["CreateJob", "DescribeJob", "DescribeJob", "CreateJob"].map(String::from)
    );
    assert!(ops[4..].contains(&"ListJobs".to_owned()), "{ops:?}");

    assert_eq!(spans[0]["attempt"], "1");
    assert_eq!(spans[0]["status"], "200");
    assert!(spans[0]["request_id"].starts_with("req-"));
    // The retried describe: attempt 2, status 200.
    assert_eq!(spans[1]["attempt"], "2");
    assert_eq!(spans[1]["status"], "200");
    // The failed one: its status and request id.
    assert_eq!(spans[2]["status"], "404");
    assert_eq!(spans[2]["request_id"], missing_request_id);
    assert_eq!(spans[3]["attempt"], "2");

    let everything = capture.everything();
    for secret in [
        SECRET_KEY,
        TOKEN,
        "q-signature",
        "authorization",
        "Authorization",
    ] {
        assert!(!everything.contains(secret), "{secret} in {everything}");
    }
    assert!(everything.contains("retrying"), "{everything}");
}
