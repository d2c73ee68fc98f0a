//! Retries, CreateJob idempotency after a lost response, timeouts and clock skew, against a
//! server scripted to fail.

mod support;

use std::time::Duration;

use cos_batch_hyper::model::{CreateJobRequest, DescribeJobRequest, ListJobsRequest, XmlDocument};
use cos_batch_hyper::{Client, CosError, Credentials, ErrorCode, RetryPolicy, TransportErrorKind};
use http::StatusCode;
use support::{Fault, SECRET_ID, SECRET_KEY, TestServer, create_request, guarded, slow_down};

#[tokio::test]
async fn retries_500_and_503_then_succeeds() {
    let server = TestServer::start().await;
    let client = server.client().build().unwrap();
    let id = guarded(client.create_job_with(create_request(None)))
        .await
        .unwrap()
        .job_id
        .unwrap();
    server.fail_next(
        Some("DescribeJob"),
        Fault::Error(CosError::internal_error("boom")),
    );
    server.fail_next(Some("DescribeJob"), Fault::Error(slow_down()));
    let described = guarded(client.describe_job_with(DescribeJobRequest::new(id.as_str())))
        .await
        .unwrap();
    assert_eq!(described.job.unwrap().job_id, Some(id));
    assert_eq!(server.seen_of("DescribeJob"), 3);
}

#[tokio::test]
async fn gives_up_after_max_attempts_with_the_last_error() {
    let server = TestServer::start().await;
    let client = server
        .client()
        .retry_policy(support::quick_retries().with_max_attempts(3))
        .build()
        .unwrap();
    for _ in 0..5 {
        server.fail_next(
            Some("ListJobs"),
            Fault::Error(CosError::internal_error("boom")),
        );
    }
    let err = guarded(client.list_jobs_with(ListJobsRequest::new()))
        .await
        .unwrap_err();
    assert_eq!(err.service().unwrap().code(), &ErrorCode::InternalError);
    assert!(err.is_retryable());
    assert_eq!(server.seen_of("ListJobs"), 3);
}

#[tokio::test]
async fn max_elapsed_stops_retrying_before_max_attempts() {
    let server = TestServer::start().await;
    // A first delay of at least 0 and at most 10 s, but no retry may start after 1 ms: with
    // full jitter the first delay may be tiny, so allow one retry at most, never ten.
    let policy = RetryPolicy::default()
        .with_max_attempts(10)
        .with_base_delay(Duration::from_secs(10))
        .with_max_delay(Duration::from_secs(10))
        .with_max_elapsed(Some(Duration::from_millis(1)));
    let client = server.client().retry_policy(policy).build().unwrap();
    for _ in 0..10 {
        server.fail_next(Some("ListJobs"), Fault::Error(slow_down()));
    }
    let err = guarded(client.list_jobs_with(ListJobsRequest::new()))
        .await
        .unwrap_err();
    assert_eq!(err.service().unwrap().code(), &ErrorCode::SlowDown);
    assert!(
        server.seen_of("ListJobs") <= 2,
        "{}",
        server.seen_of("ListJobs")
    );
}

#[tokio::test]
async fn a_connection_closed_mid_response_is_retried() {
    let server = TestServer::start().await;
    let client = server.client().build().unwrap();
    let id = guarded(client.create_job_with(create_request(None)))
        .await
        .unwrap()
        .job_id
        .unwrap();
    server.fail_next(Some("DescribeJob"), Fault::CutBody);
    let described = guarded(client.describe_job_with(DescribeJobRequest::new(id.as_str())))
        .await
        .unwrap();
    assert_eq!(described.job.unwrap().job_id, Some(id.clone()));
    assert_eq!(server.seen_of("DescribeJob"), 2);

    // Without retries the failure shows as a body error, with the request id of the head.
    let once = server
        .client()
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    server.fail_next(Some("DescribeJob"), Fault::CutBody);
    let err = guarded(once.describe_job_with(DescribeJobRequest::new(id.as_str())))
        .await
        .unwrap_err();
    let transport = err.transport().expect("a transport error");
    assert_eq!(transport.kind(), TransportErrorKind::Body, "{err}");
    assert!(err.request_id().is_some());
    assert!(err.is_retryable());

    // A connection closed before any response is "closed".
    server.fail_next(Some("DescribeJob"), Fault::DropBefore);
    let err = guarded(once.describe_job_with(DescribeJobRequest::new(id.as_str())))
        .await
        .unwrap_err();
    assert_eq!(
        err.transport().unwrap().kind(),
        TransportErrorKind::Closed,
        "{err}"
    );
}

#[tokio::test]
async fn a_create_job_whose_response_is_lost_yields_exactly_one_job() {
    let server = TestServer::start().await;
    let client = server.client().build().unwrap();
    // Another job created earlier in the same second must not be mistaken for ours.
    let other = guarded(client.create_job_with(create_request(None)))
        .await
        .unwrap()
        .job_id
        .unwrap();

    server.fail_next(Some("CreateJob"), Fault::DropAfterServing);
    let created = guarded(client.create_job_with(create_request(None)))
        .await
        .unwrap();
    let jobs = server.jobs();
    assert_eq!(jobs.len(), 2, "{jobs:?}");
    let ours = jobs
        .iter()
        .find(|j| j.job_id != Some(other.clone()))
        .unwrap();
    assert_eq!(created.job_id, ours.job_id);
    // The same token (a UUID the client made) went out on both attempts, in identical bodies.
    let creates: Vec<_> = server
        .seen()
        .into_iter()
        .filter(|s| s.operation == "CreateJob")
        .collect();
    assert_eq!(creates.len(), 3);
    assert_eq!(creates[1].body, creates[2].body);
    assert_ne!(creates[0].body, creates[1].body);
    let token = ours.client_request_token.clone().unwrap();
    assert_eq!(token.len(), 36);
    assert!(String::from_utf8_lossy(&creates[2].body).contains(&token));
    // It found the job through ListJobs and DescribeJob.
    assert_eq!(server.seen_of("ListJobs"), 1);
    assert!(server.seen_of("DescribeJob") >= 1);
}

#[tokio::test]
async fn attempts_that_run_out_after_a_lost_response_still_find_the_job() {
    let server = TestServer::start().await;
    let client = server.client().build().unwrap();
    // The first attempt makes the job but its response is lost; every other attempt of the
    // call's policy (4) fails with a 500.
    server.fail_next(Some("CreateJob"), Fault::DropAfterServing);
    for _ in 0..3 {
        server.fail_next(
            Some("CreateJob"),
            Fault::Error(CosError::internal_error("boom")),
        );
    }
    let created = guarded(client.create_job_with(create_request(Some("lost"))))
        .await
        .unwrap();
    let jobs = server.jobs();
    assert_eq!(jobs.len(), 1);
    assert_eq!(created.job_id, jobs[0].job_id);
    // The recovery sent it a fifth time, met the duplicate and looked the job up.
    assert_eq!(server.seen_of("CreateJob"), 5);
    assert_eq!(server.seen_of("ListJobs"), 1);
}

#[tokio::test]
async fn a_recovery_that_cannot_decide_is_outcome_unknown_with_the_token() {
    let server = TestServer::start().await;
    let client = server
        .client()
        .recovery_policy(support::quick_retries().with_max_attempts(3))
        .build()
        .unwrap();
    server.fail_next(Some("CreateJob"), Fault::DropAfterServing);
    // The recovery's look-up fails more often than its own retries allow.
    for _ in 0..3 {
        server.fail_next(
            Some("ListJobs"),
            Fault::Error(CosError::internal_error("boom")),
        );
    }
    let err = guarded(client.create_job_with(create_request(Some("my-token"))))
        .await
        .unwrap_err();
    assert_eq!(err.outcome_unknown_token(), Some("my-token"), "{err}");
    assert!(err.service().is_none(), "never the bare duplicate: {err}");
    assert!(!err.is_retryable());
    assert!(err.to_string().contains("my-token"), "{err}");
    assert_eq!(server.seen_of("ListJobs"), 3, "the recovery's own retries");
    assert_eq!(server.jobs().len(), 1);
    // Called again with the token, as the error says: no second job.
    let again = guarded(client.create_job_with(create_request(Some("my-token"))))
        .await
        .unwrap_err();
    assert!(again.service().unwrap().is_duplicate_request());
    assert_eq!(server.jobs().len(), 1);
}

#[tokio::test]
async fn an_absent_token_is_filled_once_and_sent_on_every_retry() {
    let server = TestServer::start().await;
    let client = server.client().build().unwrap();
    let request = create_request(None);
    assert_eq!(request.client_request_token, None);
    server.fail_next(
        Some("CreateJob"),
        Fault::Error(CosError::internal_error("boom")),
    );
    server.fail_next(Some("CreateJob"), Fault::Error(slow_down()));
    let created = guarded(client.create_job_with(request)).await.unwrap();
    // Three attempts, each with the token the client chose before the first.
    let tokens: Vec<Option<String>> = server
        .seen()
        .into_iter()
        .filter(|s| s.operation == "CreateJob")
        .map(|s| {
            CreateJobRequest::from_xml(&s.body)
                .unwrap()
                .client_request_token
        })
        .collect();
    assert_eq!(tokens.len(), 3);
    let token = tokens[0].clone().unwrap();
    assert!(tokens.iter().all(|t| t.as_deref() == Some(token.as_str())));
    // A UUID v4: 36 characters, version nibble 4.
    assert_eq!((token.len(), token.as_bytes()[14]), (36, b'4'), "{token}");
    let jobs = server.jobs();
    assert_eq!(jobs.len(), 1);
    assert_eq!(created.job_id, jobs[0].job_id);
    assert_eq!(jobs[0].client_request_token, Some(token));
}

#[tokio::test]
async fn a_create_job_whose_body_is_cut_yields_exactly_one_job() {
    let server = TestServer::start().await;
    let client = server.client().build().unwrap();
    server.fail_next(Some("CreateJob"), Fault::CutBody);
    let created = guarded(client.create_job_with(create_request(Some("caller-token"))))
        .await
        .unwrap();
    let jobs = server.jobs();
    assert_eq!(jobs.len(), 1);
    assert_eq!(created.job_id, jobs[0].job_id);
    assert_eq!(
        jobs[0].client_request_token.as_deref(),
        Some("caller-token")
    );
}

#[tokio::test]
async fn a_duplicate_on_the_first_attempt_is_returned_as_is() {
    let server = TestServer::start().await;
    let client = server.client().build().unwrap();
    guarded(client.create_job_with(create_request(Some("reused"))))
        .await
        .unwrap();
    let err = guarded(client.create_job_with(create_request(Some("reused"))))
        .await
        .unwrap_err();
    assert!(err.service().unwrap().is_duplicate_request(), "{err}");
    assert_eq!(server.jobs().len(), 1);
    assert_eq!(
        server.seen_of("ListJobs"),
        0,
        "no look-up for a first-attempt duplicate"
    );
}

#[tokio::test]
async fn an_old_job_with_the_same_token_is_never_returned() {
    let server = TestServer::start().await;
    server.seed_job("old-token", Duration::from_secs(24 * 3600));
    let client = server.client().build().unwrap();
    // The first attempt never reaches the handler; the retry meets the old job's token.
    server.fail_next(Some("CreateJob"), Fault::DropBefore);
    let err = guarded(client.create_job_with(create_request(Some("old-token"))))
        .await
        .unwrap_err();
    assert!(err.service().unwrap().is_duplicate_request(), "{err}");
    assert_eq!(server.jobs().len(), 1);
    // It looked, and checked no job outside the call's window.
    assert_eq!(server.seen_of("ListJobs"), 1);
    assert_eq!(server.seen_of("DescribeJob"), 0);
}

#[tokio::test]
async fn the_attempt_timeout_fires_and_the_retry_succeeds() {
    let server = TestServer::start().await;
    let client = server
        .client()
        .attempt_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    server.fail_next(Some("ListJobs"), Fault::Hang);
    let page = guarded(client.list_jobs_with(ListJobsRequest::new()))
        .await
        .unwrap();
    assert!(page.jobs.is_empty());
    assert_eq!(server.seen_of("ListJobs"), 2);

    let once = server
        .client()
        .attempt_timeout(Duration::from_millis(100))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    server.fail_next(Some("ListJobs"), Fault::Hang);
    let err = guarded(once.list_jobs_with(ListJobsRequest::new()))
        .await
        .unwrap_err();
    let transport = err.transport().unwrap();
    assert_eq!(transport.kind(), TransportErrorKind::AttemptTimeout);
    assert!(transport.is_timeout() && err.is_retryable());
}

#[tokio::test]
async fn the_overall_timeout_bounds_every_attempt_and_sleep() {
    let server = TestServer::start().await;
    let client = server
        .client()
        .attempt_timeout(Duration::from_secs(30))
        .overall_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    for _ in 0..10 {
        server.fail_next(Some("ListJobs"), Fault::Hang);
    }
    let err = guarded(client.list_jobs_with(ListJobsRequest::new()))
        .await
        .unwrap_err();
    assert_eq!(
        err.transport().unwrap().kind(),
        TransportErrorKind::OverallTimeout,
        "{err}"
    );
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn connect_failures_are_transport_errors_of_kind_connect() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = Client::builder()
        .endpoint(
            cos_batch_hyper::Endpoint::with_base_url(&format!("http://{addr}"), support::APPID)
                .unwrap(),
        )
        .credentials(Credentials::new(SECRET_ID, SECRET_KEY))
        .retry_policy(support::quick_retries())
        .build()
        .unwrap();
    let err = guarded(client.list_jobs_with(ListJobsRequest::new()))
        .await
        .unwrap_err();
    assert_eq!(
        err.transport().unwrap().kind(),
        TransportErrorKind::Connect,
        "{err}"
    );
    assert!(err.is_retryable());
}

#[tokio::test]
async fn clock_skew_is_corrected_from_the_date_and_retried_once() {
    let server = TestServer::start().await;
    // The server's clock is two hours behind: our signatures start in its future.
    server.set_clock_offset(-7200);
    let client = server
        .client()
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let page = guarded(client.list_jobs_with(ListJobsRequest::new()))
        .await
        .unwrap();
    assert!(page.jobs.is_empty());
    assert_eq!(server.requests(), 2, "one refused attempt, one retry");
    assert!(
        (-7201..=-7199).contains(&client.clock_offset_secs()),
        "{}",
        client.clock_offset_secs()
    );
    // Clones share the offset: the next call succeeds at once.
    let clone = client.clone();
    guarded(clone.list_jobs_with(ListJobsRequest::new()))
        .await
        .unwrap();
    assert_eq!(server.requests(), 3);
}

#[tokio::test]
async fn clock_skew_is_retried_only_once_per_call() {
    let server = TestServer::start().await;
    let client = server.client().build().unwrap();
    let skewed = || {
        Fault::Error(CosError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::RequestTimeTooSkewed,
            "The difference between the request time and the server's time is too large.",
        ))
    };
    server.fail_next(None, skewed());
    server.fail_next(None, skewed());
    let err = guarded(client.list_jobs_with(ListJobsRequest::new()))
        .await
        .unwrap_err();
    assert_eq!(
        err.service().unwrap().code(),
        &ErrorCode::RequestTimeTooSkewed
    );
    assert_eq!(server.requests(), 2);
}
