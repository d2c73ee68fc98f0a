//! Retry-After, the shared retry budget and the bounded CreateJob recovery, against the
//! verifying test server.

mod support;

use std::time::{Duration, Instant, SystemTime};

use cos_batch_hyper::model::DescribeJobRequest;
use cos_batch_hyper::{CosError, Error, ErrorCode, RecoveryLimits, RetryBudget, RetryPolicy};
use support::{Fault, TestServer, create_request, guarded, quick_retries, slow_down};

#[tokio::test]
async fn retry_after_in_seconds_is_waited_for() {
    guarded(async {
        let server = TestServer::start().await;
        let id = server.seed_job("t", Duration::ZERO);
        // The policy's own back-off is at most 5 ms: a wait of a second is the header's.
        let client = server.client().build().unwrap();
        server.fail_next(
            Some("DescribeJob"),
            Fault::RetryAfter(slow_down(), "1".into()),
        );
        let started = Instant::now();
        client.describe_job().job_id(&id).send().await.unwrap();
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(1000) && waited < Duration::from_millis(1500),
            "{waited:?}"
        );
        assert_eq!(server.seen_of("DescribeJob"), 2);
    })
    .await;
}

#[tokio::test]
async fn retry_after_as_a_date_is_waited_for_and_capped() {
    guarded(async {
        let server = TestServer::start().await;
        let id = server.seed_job("t", Duration::ZERO);
        let client = server.client().build().unwrap();
        // A date 2 s ahead (whole seconds: the wait is between 1 and 2 s).
        let at = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(2));
        server.fail_next(Some("DescribeJob"), Fault::RetryAfter(slow_down(), at));
        let started = Instant::now();
        client.describe_job().job_id(&id).send().await.unwrap();
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(900) && waited < Duration::from_millis(2500),
            "{waited:?}"
        );

        // A policy caps what it honours.
        let capped = server
            .client()
            .retry_policy(quick_retries().with_max_retry_after(Duration::from_millis(100)))
            .build()
            .unwrap();
        server.fail_next(
            Some("DescribeJob"),
            Fault::RetryAfter(slow_down(), "30".into()),
        );
        let started = Instant::now();
        capped.describe_job().job_id(&id).send().await.unwrap();
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(100) && waited < Duration::from_millis(600),
            "{waited:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_retry_after_past_the_overall_timeout_ends_the_call() {
    guarded(async {
        let server = TestServer::start().await;
        let id = server.seed_job("t", Duration::ZERO);
        let client = server
            .client()
            .overall_timeout(Duration::from_millis(500))
            .build()
            .unwrap();
        server.fail_next(
            Some("DescribeJob"),
            Fault::RetryAfter(slow_down(), "5".into()),
        );
        let started = Instant::now();
        let e = client.describe_job().job_id(&id).send().await.unwrap_err();
        assert!(started.elapsed() < Duration::from_millis(400));
        assert_eq!(e.service().unwrap().code(), &ErrorCode::SlowDown);
        assert_eq!(server.seen_of("DescribeJob"), 1);
    })
    .await;
}

#[tokio::test]
async fn the_budget_stops_retries_under_a_total_failure() {
    guarded(async {
        let server = TestServer::start().await;
        let id = server.seed_job("t", Duration::ZERO);
        for _ in 0..200 {
            server.fail_next(None, Fault::Error(CosError::internal_error("down")));
        }
        let policy = quick_retries().with_max_attempts(10);
        // 20 tokens at 5 a retry: 4 retries for all the calls of the client and its clones.
        let client = server
            .client()
            .retry_policy(policy.clone())
            .retry_budget(RetryBudget::default().with_capacity(20).with_retry_cost(5))
            .build()
            .unwrap();
        let clone = client.clone();
        for c in [&client, &clone, &client, &clone, &client] {
            let e = c
                .describe_job_with(DescribeJobRequest::new(id.as_str()))
                .await
                .unwrap_err();
            assert_eq!(e.service().unwrap().code(), &ErrorCode::InternalError);
        }
        assert_eq!(server.requests(), 5 + 4);
        assert_eq!(client.retry_tokens(), 0);

        // Without a budget the same calls make every retry their policy allows.
        let unbudgeted = server
            .client()
            .retry_policy(policy)
            .retry_budget(RetryBudget::unlimited())
            .build()
            .unwrap();
        for _ in 0..5 {
            unbudgeted
                .describe_job_with(DescribeJobRequest::new(id.as_str()))
                .await
                .unwrap_err();
        }
        assert_eq!(server.requests(), 9 + 5 * 10);
    })
    .await;
}

#[tokio::test]
async fn a_success_refills_the_budget() {
    guarded(async {
        let server = TestServer::start().await;
        let id = server.seed_job("t", Duration::ZERO);
        let client = server
            .client()
            .retry_budget(RetryBudget::default().with_capacity(10).with_retry_cost(5))
            .build()
            .unwrap();
        server.fail_next(None, Fault::Error(CosError::internal_error("blip")));
        client.describe_job().job_id(&id).send().await.unwrap();
        // The retry took 5 tokens; its success gave them back.
        assert_eq!(client.retry_tokens(), 10);
    })
    .await;
}

/// A client whose first CreateJob attempt makes the job but loses the response, so its retry
/// meets "Duplicate request" and the recovery looks for the job.
fn recovering_client(server: &TestServer, limits: RecoveryLimits) -> cos_batch_hyper::Client {
    server.fail_next(Some("CreateJob"), Fault::DropAfterServing);
    server
        .client()
        .recovery_policy(RetryPolicy::none())
        .recovery_limits(limits)
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_recovery_returns_the_duplicate_once_its_window_is_spent() {
    guarded(async {
        let server = TestServer::start().await;
        let client = recovering_client(
            &server,
            RecoveryLimits::default().with_window(Duration::from_millis(300)),
        );
        server.fail_next(Some("ListJobs"), Fault::Hang);
        let started = Instant::now();
        let e = client
            .create_job_with(create_request(None))
            .await
            .unwrap_err();
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(300) && took < Duration::from_secs(2),
            "{took:?}"
        );
        assert!(
            matches!(&e, Error::Service(d) if d.is_duplicate_request()),
            "{e:?}"
        );
        assert_eq!(server.jobs().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn the_recovery_reads_no_more_pages_than_its_limit() {
    guarded(async {
        let server = TestServer::start().await;
        for i in 0..4 {
            server.seed_job(&format!("other-{i}"), Duration::ZERO);
        }
        // The lost job is listed fifth: on the third page of 2.
        let limits = RecoveryLimits::default().with_page_size(2);
        let client = recovering_client(&server, limits.with_max_pages(2));
        let e = client
            .create_job_with(create_request(None))
            .await
            .unwrap_err();
        assert!(
            matches!(&e, Error::Service(d) if d.is_duplicate_request()),
            "{e:?}"
        );
        assert_eq!(server.seen_of("ListJobs"), 2);

        let client = recovering_client(&server, limits.with_max_pages(3));
        let created = client.create_job_with(create_request(None)).await.unwrap();
        let ours = server.jobs().pop().unwrap();
        assert_eq!(created.job_id, ours.job_id);
        assert_eq!(server.seen_of("ListJobs"), 2 + 3);
    })
    .await;
}
