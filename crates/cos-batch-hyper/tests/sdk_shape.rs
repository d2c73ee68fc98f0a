//! The SDK-shaped surface: fluent builders, the ListJobs paginator and the job waiter.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cos_batch_hyper::Error;
use cos_batch_hyper::model::{JobStatus, RequestedJobStatus};
use futures_util::TryStreamExt as _;
use support::{TestServer, create_request, guarded};

#[tokio::test]
async fn every_fluent_builder_sends_its_operation() {
    guarded(async {
        let server = TestServer::start().await;
        let client = server.client().build().unwrap();
        let template = create_request(None);
        let created = client
            .create_job()
            .manifest(template.manifest.clone())
            .operation(template.operation.clone())
            .report(template.report.clone())
            .role_arn(template.role_arn.clone())
            .priority(5)
            .description("fluent")
            .send()
            .await
            .unwrap();
        let id = created.job_id.unwrap();
        let job = server.jobs().pop().unwrap();
        // No token given: the client filled one (a UUID).
        assert_eq!(job.client_request_token.as_deref().map(str::len), Some(36));
        assert_eq!(job.description.as_deref(), Some("fluent"));

        let described = client.describe_job().job_id(&id).send().await.unwrap();
        assert_eq!(described.job.unwrap().priority, Some(5));
        let raised = client
            .update_job_priority()
            .job_id(&id)
            .priority(9)
            .send()
            .await
            .unwrap();
        assert_eq!(raised.priority, Some(9));
        let cancelled = client
            .update_job_status()
            .job_id(&id)
            .requested_job_status(RequestedJobStatus::Cancelled)
            .status_update_reason("done with it")
            .send()
            .await
            .unwrap();
        assert_eq!(
            cancelled.status_update_reason.as_deref(),
            Some("done with it")
        );
        let page = client
            .list_jobs()
            .job_status(JobStatus::Cancelled)
            .send()
            .await
            .unwrap();
        assert_eq!(page.jobs.len(), 1);
        client.delete_job().job_id(&id).send().await.unwrap();
        assert!(server.jobs().is_empty());
        for operation in [
            "CreateJob",
            "DescribeJob",
            "UpdateJobPriority",
            "UpdateJobStatus",
            "ListJobs",
            "DeleteJob",
        ] {
            assert_eq!(server.seen_of(operation), 1, "{operation}");
        }
    })
    .await;
}

#[tokio::test]
async fn a_given_token_is_sent_as_is() {
    guarded(async {
        let server = TestServer::start().await;
        let client = server.client().build().unwrap();
        let t = create_request(None);
        client
            .create_job()
            .client_request_token("mine-1")
            .manifest(t.manifest)
            .operation(t.operation)
            .report(t.report)
            .role_arn(t.role_arn)
            .priority(1)
            .send()
            .await
            .unwrap();
        assert_eq!(
            server.jobs()[0].client_request_token.as_deref(),
            Some("mine-1")
        );
    })
    .await;
}

#[tokio::test]
async fn a_missing_required_element_sends_nothing() {
    guarded(async {
        let server = TestServer::start().await;
        let client = server.client().build().unwrap();
        let e = client.create_job().priority(1).send().await.unwrap_err();
        assert!(
            matches!(&e, Error::MissingField(m) if m.field == "Manifest"),
            "{e:?}"
        );
        let e = client
            .update_job_status()
            .job_id("j")
            .send()
            .await
            .unwrap_err();
        assert!(matches!(&e, Error::MissingField(m) if m.field == "requestedJobStatus"));
        let e = client
            .update_job_priority()
            .job_id("j")
            .send()
            .await
            .unwrap_err();
        assert!(matches!(&e, Error::MissingField(m) if m.field == "priority"));
        assert!(!e.is_retryable());
        assert_eq!(server.requests(), 0);
    })
    .await;
}

#[tokio::test]
async fn the_paginator_yields_pages_and_items() {
    guarded(async {
        let server = TestServer::start().await;
        let client = server.client().build().unwrap();
        let ids: Vec<String> = (0..5)
            .map(|i| server.seed_job(&format!("t{i}"), Duration::ZERO))
            .collect();
        let pages: Vec<_> = client
            .list_jobs()
            .into_paginator()
            .page_size(2)
            .pages()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(
            pages.iter().map(|p| p.jobs.len()).collect::<Vec<_>>(),
            [2, 2, 1]
        );
        let items: Vec<_> = client
            .list_jobs()
            .into_paginator()
            .page_size(2)
            .items()
            .try_collect()
            .await
            .unwrap();
        let listed: Vec<String> = items.into_iter().filter_map(|j| j.job_id).collect();
        assert_eq!(listed, ids);
        assert_eq!(server.seen_of("ListJobs"), 6);
    })
    .await;
}

#[tokio::test]
async fn the_waiter_polls_until_a_terminal_or_chosen_status() {
    guarded(async {
        let server = TestServer::start().await;
        let client = server.client().build().unwrap();
        let id = server.seed_job("t", Duration::ZERO);
        // `New` is not terminal: the waiter polls until the status is changed.
        let seen = Arc::new(Mutex::new(Vec::new()));
        let progress = Arc::clone(&seen);
        let waiter = client
            .wait_for_job(&id)
            .poll_interval(Duration::from_millis(20))
            .max_poll_interval(Duration::from_millis(40))
            .timeout(Duration::from_secs(10))
            .on_progress(move |job| progress.lock().unwrap().push(job.status.clone()));
        let waiting = tokio::spawn(waiter.wait());
        tokio::time::sleep(Duration::from_millis(150)).await;
        client
            .update_job_status()
            .job_id(&id)
            .requested_job_status(RequestedJobStatus::Cancelled)
            .send()
            .await
            .unwrap();
        let job = waiting.await.unwrap().unwrap();
        assert_eq!(job.status, Some(JobStatus::Cancelled));
        let seen = seen.lock().unwrap().clone();
        assert!(seen.len() >= 3, "{seen:?}");
        assert_eq!(seen.last(), Some(&Some(JobStatus::Cancelled)));
        assert!(
            seen[..seen.len() - 1]
                .iter()
                .all(|s| s == &Some(JobStatus::New))
        );

        // A chosen status ends the wait at once; awaiting the waiter directly works too.
        let other = server.seed_job("u", Duration::ZERO);
        let job = client
            .wait_for_job(&other)
            .until(JobStatus::New)
            .await
            .unwrap();
        assert_eq!(job.status, Some(JobStatus::New));
    })
    .await;
}

#[tokio::test]
async fn the_waiter_times_out_with_the_last_status() {
    guarded(async {
        let server = TestServer::start().await;
        let client = server.client().build().unwrap();
        let id = server.seed_job("t", Duration::ZERO);
        let started = std::time::Instant::now();
        let e = client
            .wait_for_job(&id)
            .poll_interval(Duration::from_millis(10))
            .timeout(Duration::from_millis(200))
            .await
            .unwrap_err();
        let elapsed = started.elapsed();
        assert!(
            elapsed >= Duration::from_millis(200) && elapsed < Duration::from_secs(2),
            "{elapsed:?}"
        );
        match e {
            Error::WaitTimeout {
                job_id,
                polls,
                last_status,
                ..
            } => {
                assert_eq!(job_id, id);
                assert!(polls >= 3, "{polls}");
                assert_eq!(last_status, Some(JobStatus::New));
            }
            other => panic!("{other:?}"),
        }
    })
    .await;
}
