//! Every operation end to end against a verifying server on 127.0.0.1; validation, service
//! and decode errors; pagination; builder errors; Debug without secrets.

mod support;

use std::pin::pin;

use cos_batch_hyper::model::{
    DeleteJobRequest, DescribeJobRequest, JobStatus, ListJobsRequest, RequestedJobStatus,
    UpdateJobPriorityRequest, UpdateJobStatusRequest,
};
use cos_batch_hyper::{
    BuildError, Client, Credentials, CredentialsErrorKind, Error, ErrorCode, ResponseError,
    TransportErrorKind,
};
use futures_util::StreamExt;
use http::StatusCode;
use support::{APPID, Fault, SECRET_ID, SECRET_KEY, TestServer, create_request, guarded};

#[tokio::test]
async fn every_operation_end_to_end() {
    let server = TestServer::start().await;
    let client = server.client().user_agent("ops-test/1.0").build().unwrap();
    guarded(async {
        let created = client
            .create_job_with(create_request(Some("token-1")))
            .await
            .unwrap();
        let id = created.job_id.clone().unwrap();

        let described = client
            .describe_job_with(DescribeJobRequest::new(id.as_str()))
            .await
            .unwrap();
        let job = described.job.unwrap();
        assert_eq!(job.job_id.as_deref(), Some(id.as_str()));
        assert_eq!(job.client_request_token.as_deref(), Some("token-1"));
        assert_eq!(job.description.as_deref(), Some("a test job"));
        assert_eq!(job.status, Some(JobStatus::New));

        let page = client.list_jobs_with(ListJobsRequest::new()).await.unwrap();
        assert_eq!(page.jobs.len(), 1);
        assert_eq!(page.jobs[0].job_id.as_deref(), Some(id.as_str()));
        assert_eq!(page.next_token, None);

        let mut cancel = UpdateJobStatusRequest::new(id.as_str(), RequestedJobStatus::Cancelled);
        cancel.status_update_reason = Some("no longer needed".into());
        let status = client.update_job_status_with(cancel).await.unwrap();
        assert_eq!(status.status, Some(JobStatus::Cancelled));
        assert_eq!(
            status.status_update_reason.as_deref(),
            Some("no longer needed")
        );

        let priority = client
            .update_job_priority_with(UpdateJobPriorityRequest::new(id.as_str(), 42))
            .await
            .unwrap();
        assert_eq!(priority.priority, Some(42));
        assert_eq!(server.jobs()[0].priority, Some(42));

        client
            .delete_job_with(DeleteJobRequest::new(id.as_str()))
            .await
            .unwrap();
        assert!(server.jobs().is_empty());

        let err = client
            .describe_job_with(DescribeJobRequest::new(id.as_str()))
            .await
            .unwrap_err();
        let service = err.service().expect("a service error");
        assert_eq!(service.code(), &ErrorCode::NoSuchJob);
        assert_eq!(service.status(), StatusCode::NOT_FOUND);
        assert!(err.request_id().is_some_and(|r| r.starts_with("req-")));
        assert!(!err.is_retryable());
    })
    .await;

    // Every request passed the server's signature check (a failure would be a 403 error
    // above), carried the appid and the user agent, and each operation was sent once.
    let seen = server.seen();
    let ops: Vec<&str> = seen.iter().map(|s| s.operation).collect();
    assert_eq!(
        ops,
        [
            "CreateJob",
            "DescribeJob",
            "ListJobs",
            "UpdateJobStatus",
            "UpdateJobPriority",
            "DeleteJob",
            "DescribeJob"
        ]
    );
    for s in &seen {
        assert_eq!(s.headers["x-cos-appid"], APPID);
        assert_eq!(s.headers["user-agent"], "ops-test/1.0");
        let auth = s.headers["authorization"].to_str().unwrap();
        assert!(auth.contains(&format!("q-ak={SECRET_ID}")), "{auth}");
        assert!(!auth.contains(SECRET_KEY));
        assert!(s.headers.get("x-cos-security-token").is_none());
    }
    assert_eq!(server.requests(), 7);
}

#[tokio::test]
async fn a_request_the_server_cannot_verify_is_a_service_error() {
    let server = TestServer::start().await;
    let client = server
        .client()
        .credentials(Credentials::new(SECRET_ID, "the-wrong-key"))
        .build()
        .unwrap();
    let err = guarded(client.list_jobs_with(ListJobsRequest::new()))
        .await
        .unwrap_err();
    assert_eq!(
        err.service().unwrap().code(),
        &ErrorCode::SignatureDoesNotMatch
    );
    assert_eq!(server.requests(), 1, "an auth failure is not retried");
    assert!(!format!("{err} {err:?}").contains("the-wrong-key"));
}

#[tokio::test]
async fn invalid_input_is_refused_before_anything_is_sent() {
    let server = TestServer::start().await;
    let client = server.client().build().unwrap();
    guarded(async {
        let err = client
            .describe_job_with(DescribeJobRequest::new(""))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Invalid(_)), "{err:?}");
        assert!(err.to_string().contains("nothing was sent"), "{err}");

        let mut bad = create_request(Some("t"));
        bad.priority = u32::MAX;
        assert!(matches!(
            client.create_job_with(bad).await,
            Err(Error::Invalid(_))
        ));

        let mut list = ListJobsRequest::new();
        list.max_results = Some(0);
        assert!(matches!(
            client.list_jobs_with(list.clone()).await,
            Err(Error::Invalid(_))
        ));

        let items: Vec<_> = client.list_jobs_stream(list).collect().await;
        assert_eq!(items.len(), 1);
        assert!(matches!(items[0], Err(Error::Invalid(_))));

        let too_long = "x".repeat(65);
        assert!(matches!(
            client
                .update_job_priority_with(UpdateJobPriorityRequest::new(too_long.as_str(), 1))
                .await,
            Err(Error::Invalid(_))
        ));
        assert!(matches!(
            client
                .delete_job_with(DeleteJobRequest::new(too_long.as_str()))
                .await,
            Err(Error::Invalid(_))
        ));
    })
    .await;
    assert_eq!(server.requests(), 0);
}

#[tokio::test]
async fn list_jobs_stream_walks_every_page_with_the_filter() {
    let server = TestServer::start().await;
    let client = server.client().build().unwrap();
    let expected = guarded(async {
        let mut cancelled = Vec::new();
        for i in 0..10 {
            let id = client
                .create_job_with(create_request(None))
                .await
                .unwrap()
                .job_id
                .unwrap();
            if i % 3 != 0 {
                client
                    .update_job_status_with(UpdateJobStatusRequest::new(
                        id.as_str(),
                        RequestedJobStatus::Cancelled,
                    ))
                    .await
                    .unwrap();
                cancelled.push(id);
            }
        }
        cancelled
    })
    .await;
    assert_eq!(expected.len(), 6);

    let mut input = ListJobsRequest::new();
    input.job_statuses = vec![JobStatus::Cancelled];
    input.max_results = Some(2);
    let listed: Vec<String> = guarded(client.list_jobs_stream(input).collect::<Vec<_>>())
        .await
        .into_iter()
        .map(|r| r.unwrap().job_id.unwrap())
        .collect();
    assert_eq!(listed, expected);
    // 6 jobs, 2 a page: 3 pages, the last without a NextToken.
    assert_eq!(server.seen_of("ListJobs"), 3);

    // A page that fails ends the stream after the error.
    let mut input = ListJobsRequest::new();
    input.max_results = Some(4);
    server.fail_next(
        Some("ListJobs"),
        Fault::Error(cos_batch_hyper::CosError::no_such_job("x")),
    );
    let mut stream = pin!(client.list_jobs_stream(input));
    let first = guarded(stream.next()).await.unwrap();
    assert!(first.unwrap_err().service().is_some());
    assert!(guarded(stream.next()).await.is_none());
}

/// A page of 1000 members, each with one of the odd values a real server may return in every
/// typed element (or empty elements), and unknown elements.
fn odd_page() -> String {
    const ODD: [&str; 5] = [
        "2019-12-19 18:00:30",
        "Thu, 19 Dec 2019 18:00:30 GMT",
        "-",
        "1e3",
        "",
    ];
    let mut xml = String::from("<ListJobsResult><Jobs>");
    for i in 0..1000 {
        let odd = ODD[i % ODD.len()];
        xml.push_str(&format!(
            "<member><CreationTime>{odd}</CreationTime><JobId>job-{i}</JobId>\
             <Operation>COSPutObjectCopy</Operation><Priority>{odd}</Priority>\
             <ProgressSummary><NumberOfTasksFailed>{odd}</NumberOfTasksFailed>\
             <NumberOfTasksSucceeded>7</NumberOfTasksSucceeded>\
             <TotalNumberOfTasks>{odd}</TotalNumberOfTasks></ProgressSummary>\
             <Status>Complete</Status><TerminationDate>{odd}</TerminationDate>\
             <NewElement><Deep>x</Deep></NewElement></member>"
        ));
    }
    xml.push_str("</Jobs></ListJobsResult>");
    xml
}

#[tokio::test]
async fn one_odd_value_never_ends_the_stream_of_a_thousand_member_page() {
    let server = TestServer::start().await;
    let client = server.client().build().unwrap();
    // The fault takes a static body: leaking one test page is fine.
    let page: &'static str = Box::leak(odd_page().into_boxed_str());
    server.fail_next(Some("ListJobs"), Fault::Raw(StatusCode::OK, page));
    let members: Vec<_> = guarded(
        client
            .list_jobs_stream(ListJobsRequest::new())
            .collect::<Vec<_>>(),
    )
    .await
    .into_iter()
    .map(|r| r.unwrap())
    .collect();
    assert_eq!(members.len(), 1000, "the stream yields every member");
    for (i, m) in members.iter().enumerate() {
        assert_eq!(m.job_id.as_deref(), Some(format!("job-{i}").as_str()));
        assert_eq!(m.status, Some(JobStatus::Complete));
        assert_eq!(m.priority, None);
        let p = m.progress_summary.unwrap();
        assert_eq!(p.number_of_tasks_succeeded, Some(7));
        let odd = m.unparsed("TerminationDate");
        if i % 5 == 4 {
            assert!(m.unparsed.is_empty(), "an empty element is absent");
        } else {
            assert!(odd.is_some());
            assert_eq!(m.unparsed("Priority"), odd);
            assert_eq!(m.unparsed("ProgressSummary/NumberOfTasksFailed"), odd);
        }
    }
    assert_eq!(server.seen_of("ListJobs"), 1);
}

#[tokio::test]
async fn a_listing_whose_tokens_alternate_stops_with_an_error() {
    use cos_batch_hyper::model::{JobListEntry, ListJobsResult};
    use cos_batch_proto::Operation as _;
    let server = TestServer::start().await;
    let client = server.client().build().unwrap();
    // A server whose NextToken alternates A, B, A, B, ...: never the one just sent.
    for (i, token) in ["A", "B", "A", "B", "A", "B"].into_iter().enumerate() {
        let mut entry = JobListEntry::default();
        entry.job_id = Some(format!("job-{i}"));
        let page = ListJobsResult::new(vec![entry], Some(token.to_owned()));
        let response = cos_batch_proto::ListJobs::encode_response(&page, "req");
        let body: &'static str = Box::leak(
            String::from_utf8(response.body().to_vec())
                .unwrap()
                .into_boxed_str(),
        );
        server.fail_next(Some("ListJobs"), Fault::Raw(http::StatusCode::OK, body));
    }
    let items: Vec<_> = guarded(client.list_jobs_stream(ListJobsRequest::new()).collect()).await;
    let (jobs, errors): (Vec<_>, Vec<_>) = items.into_iter().partition(Result::is_ok);
    assert_eq!(jobs.len(), 3, "the pages of A, B and A again");
    assert_eq!(errors.len(), 1);
    let err = errors.into_iter().next().unwrap().unwrap_err();
    assert!(
        matches!(&err, cos_batch_hyper::Error::RepeatedPageToken { token, pages: 2 } if token == "A"),
        "{err:?}"
    );
    assert!(err.to_string().contains("again"), "{err}");
}

#[tokio::test]
async fn the_stream_is_send_and_static() {
    let server = TestServer::start().await;
    let client = server.client().build().unwrap();
    let _ = client.create_job_with(create_request(None)).await.unwrap();
    // Spawning needs Send + 'static; the client is dropped before the stream is polled.
    let stream = client.list_jobs_stream(ListJobsRequest::new());
    drop(client);
    let jobs = guarded(tokio::spawn(stream.collect::<Vec<_>>()))
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1);
}

#[tokio::test]
async fn a_2xx_body_that_does_not_decode_is_a_decode_error_with_its_request_id() {
    let server = TestServer::start().await;
    let client = server.client().build().unwrap();
    server.fail_next(
        Some("ListJobs"),
        Fault::Raw(StatusCode::OK, "<NotListJobs/>"),
    );
    let err = guarded(client.list_jobs_with(ListJobsRequest::new()))
        .await
        .unwrap_err();
    match &err {
        Error::Response(ResponseError::Decode {
            status, request_id, ..
        }) => {
            assert_eq!(*status, StatusCode::OK);
            assert!(request_id.is_some());
        }
        other => panic!("{other:?}"),
    }
    assert!(!err.is_retryable());
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn a_body_over_the_cap_is_refused_and_not_retried() {
    let server = TestServer::start().await;
    let client = server.client().max_response_body(64).build().unwrap();
    let long = Box::leak(
        format!(
            "<ListJobsResult><Jobs/>{}</ListJobsResult>",
            " ".repeat(200)
        )
        .into_boxed_str(),
    );
    server.fail_next(Some("ListJobs"), Fault::Raw(StatusCode::OK, long));
    let err = guarded(client.list_jobs_with(ListJobsRequest::new()))
        .await
        .unwrap_err();
    assert_eq!(
        err.transport().unwrap().kind(),
        TransportErrorKind::BodyTooLarge
    );
    assert!(err.request_id().is_some());
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn a_non_xml_error_page_is_a_typed_service_error() {
    let server = TestServer::start().await;
    let client = server
        .client()
        .retry_policy(cos_batch_hyper::RetryPolicy::none())
        .build()
        .unwrap();
    server.fail_next(
        None,
        Fault::Raw(StatusCode::BAD_GATEWAY, "<html>Bad Gateway</html>"),
    );
    let err = guarded(client.list_jobs_with(ListJobsRequest::new()))
        .await
        .unwrap_err();
    let service = err.service().unwrap();
    assert_eq!(service.status(), StatusCode::BAD_GATEWAY);
    assert!(err.is_retryable());
}

#[test]
fn builder_errors_name_what_is_missing() {
    let server_endpoint =
        cos_batch_hyper::Endpoint::with_base_url("http://127.0.0.1:9", APPID).unwrap();
    let err = Client::builder()
        .credentials(Credentials::new(SECRET_ID, SECRET_KEY))
        .build()
        .unwrap_err();
    assert!(matches!(err, BuildError::MissingEndpoint));
    assert!(err.to_string().contains("endpoint"));

    let err = Client::builder()
        .endpoint(server_endpoint.clone())
        .build()
        .unwrap_err();
    assert!(matches!(err, BuildError::MissingCredentials));
    assert!(err.to_string().contains("credentials"));

    let err = Client::builder()
        .endpoint(server_endpoint.clone())
        .credentials(Credentials::new("AKID with spaces", SECRET_KEY))
        .build()
        .unwrap_err();
    match &err {
        BuildError::Credentials(e) => assert_eq!(e.kind(), CredentialsErrorKind::Unusable),
        other => panic!("{other:?}"),
    }
    assert!(!format!("{err} {err:?}").contains(SECRET_KEY));

    let err = Client::builder()
        .endpoint(server_endpoint.clone())
        .credentials(Credentials::new(SECRET_ID, SECRET_KEY))
        .user_agent("bad\nagent")
        .build()
        .unwrap_err();
    assert!(matches!(err, BuildError::InvalidUserAgent));

    // Building needs no runtime and makes no connection.
    let client = Client::builder()
        .endpoint(server_endpoint.clone())
        .credentials(Credentials::new(SECRET_ID, SECRET_KEY))
        .build()
        .unwrap();
    assert_eq!(client.endpoint(), &server_endpoint);
}

#[test]
fn debug_shows_no_secret() {
    let endpoint = cos_batch_hyper::Endpoint::new("100000000001", "ap-chengdu", APPID).unwrap();
    let client = Client::builder()
        .endpoint(endpoint)
        .credentials(
            Credentials::new(SECRET_ID, SECRET_KEY).with_session_token("session-token-secret"),
        )
        .build()
        .unwrap();
    let shown = format!("{client:?} {client:#?}");
    assert!(shown.contains(SECRET_ID), "{shown}");
    assert!(
        shown.contains("100000000001.cos-control.ap-chengdu.myqcloud.com"),
        "{shown}"
    );
    assert!(!shown.contains(SECRET_KEY), "{shown}");
    assert!(!shown.contains("session-token-secret"), "{shown}");

    let builder = Client::builder().credentials(Credentials::new(SECRET_ID, SECRET_KEY));
    let shown = format!("{builder:?}");
    assert!(!shown.contains(SECRET_KEY), "{shown}");
}
