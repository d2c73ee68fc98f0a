//! The six operations over real HTTP: signatures, documented errors, pagination, faults.

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use common::*;
use cos_batch_emulator::{Account, Config, Emulator, Faults};
use cos_batch_model::*;
use cos_batch_proto::{
    CreateJob, DeleteJob, DescribeJob, ListJobs, Operation as _, UpdateJobPriority, UpdateJobStatus,
};
use cos_sign::{Credentials, KeyTime, Signer};
use http::{HeaderValue, Request};

fn second_account() -> Account {
    Account::new(
        "100000000002",
        "1250000002",
        "AKIDSECONDACCOUNT",
        "second-secret",
    )
}

/// A fixture with one manifest of three objects, for jobs that must find their manifest.
async fn fixture(configure: impl FnOnce(Config) -> Config) -> (Fixture, Manifest) {
    let f = Fixture::new(configure).await;
    let ks = keys("obj/", 3);
    f.put_objects("src", &ks);
    let manifest = f.manifest("src", "manifest.csv", &rows(&format!("src-{APPID}"), &ks));
    (f, manifest)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_over_http() {
    let (f, manifest) = fixture(|c| c).await;
    let c = &f.client;
    let mut request = job(
        "t-1",
        manifest,
        tagging(&[("a", "1")]),
        5,
        f.report(ReportScope::AllTasks),
    );
    request.confirmation_required = Some(true);
    request.description = Some("tag them".into());
    let id = c.call::<CreateJob>(&request).await.unwrap().job_id.unwrap();

    // DescribeJob shows everything that was asked.
    let job = c.wait_status(&id, JobStatus::Suspended).await;
    assert_eq!(job.job_id.as_deref(), Some(id.as_str()));
    assert_eq!(job.client_request_token.as_deref(), Some("t-1"));
    assert_eq!(job.confirmation_required, Some(true));
    assert_eq!(job.description.as_deref(), Some("tag them"));
    assert_eq!(job.manifest.as_ref(), Some(&request.manifest));
    assert_eq!(job.operation.as_ref(), Some(&request.operation));
    assert_eq!(job.report.as_ref(), Some(&request.report));
    assert_eq!(job.role_arn.as_deref(), Some(ROLE));
    assert_eq!(job.priority, Some(5));
    assert_eq!(progress(&job), (0, 0, 3));
    assert!(job.creation_time.is_some() && job.suspended_date.is_some());
    assert!(job.suspended_cause.is_some());
    assert!(job.termination_date.is_none());

    // ListJobs, with and without a status filter.
    let mut list = ListJobsRequest::new();
    let page = c.call::<ListJobs>(&list).await.unwrap();
    assert_eq!(page.jobs.len(), 1);
    assert_eq!(page.jobs[0].job_id.as_deref(), Some(id.as_str()));
    assert_eq!(
        page.jobs[0].operation,
        Some(OperationName::PutObjectTagging)
    );
    assert_eq!(page.jobs[0].description.as_deref(), Some("tag them"));
    assert_eq!(page.next_token, None);
    list.job_statuses = vec![JobStatus::Active, JobStatus::Complete];
    assert!(c.call::<ListJobs>(&list).await.unwrap().jobs.is_empty());
    list.job_statuses = vec![JobStatus::Suspended];
    assert_eq!(c.call::<ListJobs>(&list).await.unwrap().jobs.len(), 1);

    // UpdateJobPriority, UpdateJobStatus.
    let prio = c
        .call::<UpdateJobPriority>(&UpdateJobPriorityRequest::new(id.as_str(), 42))
        .await
        .unwrap();
    assert_eq!(
        (prio.job_id.as_deref(), prio.priority),
        (Some(id.as_str()), Some(42))
    );
    let mut ready = UpdateJobStatusRequest::new(id.as_str(), RequestedJobStatus::Ready);
    ready.status_update_reason = Some("looks good".into());
    let updated = c.call::<UpdateJobStatus>(&ready).await.unwrap();
    assert_eq!(updated.status, Some(JobStatus::Ready));
    assert_eq!(updated.status_update_reason.as_deref(), Some("looks good"));

    let done = c.wait_end(&id).await;
    assert_eq!(done.status, Some(JobStatus::Complete));
    assert_eq!(done.priority, Some(42));
    assert_eq!(done.status_update_reason.as_deref(), Some("looks good"));
    assert_eq!(progress(&done), (3, 0, 3));
    assert!(done.termination_date.is_some());
    assert!(done.failure_reasons.is_empty());

    // DeleteJob, then it is gone.
    c.call::<DeleteJob>(&DeleteJobRequest::new(id.as_str()))
        .await
        .unwrap();
    let err = c
        .call_err::<DescribeJob>(&DescribeJobRequest::new(id.as_str()))
        .await;
    assert_eq!(
        (err.code(), err.status().as_u16()),
        (&ErrorCode::NoSuchJob, 404)
    );
    assert!(
        c.call::<ListJobs>(&ListJobsRequest::new())
            .await
            .unwrap()
            .jobs
            .is_empty()
    );
    f.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_request_ids() {
    let (f, _) = fixture(|c| c).await;
    let ok = f
        .client
        .send(
            f.client
                .sign(f.client.request::<ListJobs>(&ListJobsRequest::new())),
        )
        .await;
    assert_eq!(ok.status(), 200);
    assert!(ok.headers().contains_key("x-cos-request-id"));
    assert_eq!(ok.headers()["content-type"], "application/xml");
    let err = f
        .client
        .send(
            f.client.sign(
                f.client
                    .request::<DescribeJob>(&DescribeJobRequest::new("nope")),
            ),
        )
        .await;
    assert_eq!(err.status(), 404);
    assert!(err.headers().contains_key("x-cos-request-id"));
    assert!(err.headers().contains_key("x-cos-trace-id"));
    let body = String::from_utf8_lossy(err.body());
    assert!(body.contains("<Code>NoSuchJob</Code>"), "{body}");
    assert!(body.contains("<Resource>/jobs/nope</Resource>"), "{body}");
    f.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signature_failures_are_403() {
    let (f, _) = fixture(|c| {
        c.with_account(Account::demo())
            .with_account(second_account())
    })
    .await;
    let list = || f.client.request::<ListJobs>(&ListJobsRequest::new());
    let code = |r: &http::Response<Bytes>| {
        let e = cos_batch_proto::CosError::from_response(r.status(), r.headers(), r.body());
        (e.status().as_u16(), e.code().as_str().to_owned())
    };

    // No signature.
    let r = f.client.send(list()).await;
    assert_eq!(code(&r), (403, "AccessDenied".into()));

    // The right id with the wrong key.
    let forged = Signer::new(Credentials::new(Account::DEMO_SECRET_ID, "wrong-key"));
    let (mut parts, body) = list().into_parts();
    forged
        .sign(&mut parts, KeyTime::now(Duration::from_secs(600)))
        .unwrap();
    let r = f.client.send(Request::from_parts(parts, body)).await;
    assert_eq!(code(&r), (403, "SignatureDoesNotMatch".into()));

    // An unknown secret id.
    let stranger = Signer::new(Credentials::new("AKIDUNKNOWN", "k"));
    let (mut parts, body) = list().into_parts();
    stranger
        .sign(&mut parts, KeyTime::now(Duration::from_secs(600)))
        .unwrap();
    let r = f.client.send(Request::from_parts(parts, body)).await;
    assert_eq!(code(&r), (403, "InvalidAccessKeyId".into()));

    // An expired signature.
    let (mut parts, body) = list().into_parts();
    let an_hour_ago = SystemTime::now() - Duration::from_secs(3600);
    f.client
        .signer
        .sign(
            &mut parts,
            KeyTime::starting_at(an_hour_ago, Duration::from_secs(60)),
        )
        .unwrap();
    let r = f.client.send(Request::from_parts(parts, body)).await;
    assert_eq!(code(&r), (403, "AccessDenied".into()));

    // A signature from the future.
    let (mut parts, body) = list().into_parts();
    let in_an_hour = SystemTime::now() + Duration::from_secs(3600);
    f.client
        .signer
        .sign(
            &mut parts,
            KeyTime::starting_at(in_an_hour, Duration::from_secs(60)),
        )
        .unwrap();
    let r = f.client.send(Request::from_parts(parts, body)).await;
    assert_eq!(code(&r), (403, "RequestTimeTooSkewed".into()));

    // A request changed after signing (the path is signed; unlisted parameters are not).
    let mut tampered = f.client.sign(list());
    *tampered.uri_mut() = format!("{}/jobs/other", f.emulator.base_url())
        .parse()
        .unwrap();
    let r = f.client.send(tampered).await;
    assert_eq!(code(&r), (403, "SignatureDoesNotMatch".into()));

    // Signed by one account for the other account's APPID.
    let mut foreign = list();
    foreign
        .headers_mut()
        .insert("x-cos-appid", HeaderValue::from_static("1250000002"));
    let r = f.client.send(f.client.sign(foreign)).await;
    assert_eq!(code(&r), (403, "AccessDenied".into()));

    // An APPID no account has.
    let mut unknown = list();
    unknown
        .headers_mut()
        .insert("x-cos-appid", HeaderValue::from_static("1999999999"));
    let r = f.client.send(f.client.sign(unknown)).await;
    assert_eq!(code(&r), (403, "AccessDenied".into()));

    // The service host names another account's UIN.
    let mut wrong_host = list();
    wrong_host.headers_mut().insert(
        "host",
        HeaderValue::from_static("100000000002.cos-control.ap-guangzhou.myqcloud.com"),
    );
    let r = f.client.send(f.client.sign(wrong_host)).await;
    assert_eq!(code(&r), (403, "AccessDenied".into()));
    let mut right_host = list();
    right_host.headers_mut().insert(
        "host",
        HeaderValue::from_static("100000000001.cos-control.ap-guangzhou.myqcloud.com"),
    );
    let r = f.client.send(f.client.sign(right_host)).await;
    assert_eq!(r.status(), 200);

    // The second account is served with its own keys.
    let second = Client::new(&f.emulator, &second_account());
    assert!(
        second
            .call::<ListJobs>(&ListJobsRequest::new())
            .await
            .is_ok()
    );

    // A presigned request.
    let (parts, body) = list().into_parts();
    let url = f
        .client
        .signer
        .presign(
            &parts.method,
            &parts.uri,
            &parts.headers,
            KeyTime::now(Duration::from_secs(600)),
        )
        .unwrap();
    let mut presigned = Request::from_parts(parts, body);
    *presigned.uri_mut() = url;
    presigned.headers_mut().insert(
        "host",
        HeaderValue::from_str(f.client.endpoint.authority()).unwrap(),
    );
    let r = f.client.send(presigned).await;
    assert_eq!(r.status(), 200, "{:?}", r.body());
    f.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documented_errors() {
    let (f, manifest) = fixture(|c| {
        c.with_account(Account::demo())
            .with_account(second_account())
    })
    .await;
    let c = &f.client;
    let mut request = job("dup", manifest, tagging(&[("a", "1")]), 1, no_report(&f));
    request.confirmation_required = Some(true);
    let id = c.call::<CreateJob>(&request).await.unwrap().job_id.unwrap();

    // A repeated ClientRequestToken.
    let err = c.call_err::<CreateJob>(&request).await;
    assert_eq!(err.code(), &ErrorCode::InvalidRequest);
    assert!(err.is_duplicate_request(), "{err}");

    // Priority out of range, on CreateJob (InvalidRequest) and UpdateJobPriority (InvalidArgument).
    let mut big = request.clone();
    big.client_request_token = Some("big".into());
    let xml = big
        .to_xml()
        .replace("<Priority>1</Priority>", "<Priority>2147483648</Priority>");
    let mut raw = c.request::<CreateJob>(&big);
    set_body(&mut raw, Bytes::from(xml));
    let r = c.send(c.sign(raw)).await;
    let err = CreateJob::decode_response(&r).unwrap_err();
    assert_eq!(err.as_service().unwrap().code(), &ErrorCode::InvalidRequest);
    let mut raw = c.request::<UpdateJobPriority>(&UpdateJobPriorityRequest::new(id.as_str(), 1));
    *raw.uri_mut() = format!(
        "{}/jobs/{id}/priority?priority=2147483648",
        f.emulator.base_url()
    )
    .parse()
    .unwrap();
    let r = c.send(c.sign(raw)).await;
    let err = UpdateJobPriority::decode_response(&r).unwrap_err();
    assert_eq!(
        err.as_service().unwrap().code(),
        &ErrorCode::InvalidArgument
    );

    // Illegal status changes: Ready is only for a suspended job.
    c.wait_status(&id, JobStatus::Suspended).await;
    c.call::<UpdateJobStatus>(&UpdateJobStatusRequest::new(
        id.as_str(),
        RequestedJobStatus::Ready,
    ))
    .await
    .unwrap();
    let err = c
        .call_err::<UpdateJobStatus>(&UpdateJobStatusRequest::new(
            id.as_str(),
            RequestedJobStatus::Ready,
        ))
        .await;
    // Ready again: the job is Ready, Active or already Complete.
    assert!(
        matches!(err.code(), ErrorCode::InvalidRequest | ErrorCode::NoSuchJob),
        "{err}"
    );
    c.wait_status(&id, JobStatus::Complete).await;

    // A job that has ended: InvalidRequest "has already been completed" for a status change,
    // NoSuchJob "does not exist or has already been completed" for a priority change; both
    // are typed as a job that has ended.
    let err = c
        .call_err::<UpdateJobStatus>(&UpdateJobStatusRequest::new(
            id.as_str(),
            RequestedJobStatus::Cancelled,
        ))
        .await;
    assert_eq!(
        (err.code(), err.status().as_u16()),
        (&ErrorCode::InvalidRequest, 400)
    );
    assert!(
        err.message().contains("has already been completed"),
        "{err}"
    );
    assert!(err.is_job_ended(), "{err}");
    let err = c
        .call_err::<UpdateJobPriority>(&UpdateJobPriorityRequest::new(id.as_str(), 3))
        .await;
    assert_eq!(err.code(), &ErrorCode::NoSuchJob);
    assert!(err.is_job_ended(), "{err}");

    // Unknown jobs.
    for err in [
        c.call_err::<DescribeJob>(&DescribeJobRequest::new("nope"))
            .await,
        c.call_err::<DeleteJob>(&DeleteJobRequest::new("nope"))
            .await,
        c.call_err::<UpdateJobPriority>(&UpdateJobPriorityRequest::new("nope", 1))
            .await,
    ] {
        assert_eq!(
            (err.code(), err.status().as_u16()),
            (&ErrorCode::NoSuchJob, 404)
        );
        assert!(!err.is_job_ended(), "{err}");
    }

    // Another account's job does not exist for this one.
    let second = Client::new(&f.emulator, &second_account());
    let err = second
        .call_err::<DescribeJob>(&DescribeJobRequest::new(id.as_str()))
        .await;
    assert_eq!(err.code(), &ErrorCode::NoSuchJob);
    assert!(
        second
            .call::<ListJobs>(&ListJobsRequest::new())
            .await
            .unwrap()
            .jobs
            .is_empty()
    );

    // ListJobs parameters.
    for query in [
        "maxResults=0",
        "maxResults=1001",
        "maxResults=x",
        "jobStatuses=Bogus",
        "nextToken=unknown",
    ] {
        let mut raw = c.request::<ListJobs>(&ListJobsRequest::new());
        *raw.uri_mut() = format!("{}/jobs?{query}", f.emulator.base_url())
            .parse()
            .unwrap();
        let r = c.send(c.sign(raw)).await;
        let err = ListJobs::decode_response(&r).unwrap_err();
        assert_eq!(
            err.as_service().unwrap().code(),
            &ErrorCode::InvalidArgument,
            "{query}"
        );
    }
    // requestedJobStatus must be Ready or Cancelled.
    let mut raw = c.request::<UpdateJobStatus>(&UpdateJobStatusRequest::new(
        id.as_str(),
        RequestedJobStatus::Ready,
    ));
    *raw.uri_mut() = format!(
        "{}/jobs/{id}/status?requestedJobStatus=Active",
        f.emulator.base_url()
    )
    .parse()
    .unwrap();
    let r = c.send(c.sign(raw)).await;
    assert_eq!(
        UpdateJobStatus::decode_response(&r)
            .unwrap_err()
            .as_service()
            .unwrap()
            .code(),
        &ErrorCode::InvalidArgument
    );

    // An operation or enabled report that cannot run is refused up front, as a body that
    // does not conform (MalformedXML); a disabled report is not looked at.
    let mut bad_target = request.clone();
    bad_target.client_request_token = Some("bad-target".into());
    bad_target.operation =
        Operation::PutObjectCopy(PutObjectCopy::new("qcs::cos:ap-guangzhou::Bad_Bucket"));
    assert_eq!(
        c.call_err::<CreateJob>(&bad_target).await.code(),
        &ErrorCode::MalformedXml
    );
    let mut bad_prefix = request.clone();
    bad_prefix.client_request_token = Some("bad-prefix".into());
    bad_prefix.report = f.report(ReportScope::AllTasks).with_prefix("../../escape");
    assert_eq!(
        c.call_err::<CreateJob>(&bad_prefix).await.code(),
        &ErrorCode::MalformedXml
    );
    bad_prefix.report.enabled = false;
    let ended = c
        .call::<CreateJob>(&bad_prefix)
        .await
        .unwrap()
        .job_id
        .unwrap();
    c.call::<UpdateJobStatus>(&UpdateJobStatusRequest::new(
        ended.as_str(),
        RequestedJobStatus::Cancelled,
    ))
    .await
    .unwrap();

    // Only a job that has ended can be deleted.
    let mut waiting = request.clone();
    waiting.client_request_token = Some("waiting".into());
    let waiting_id = c.call::<CreateJob>(&waiting).await.unwrap().job_id.unwrap();
    let err = c
        .call_err::<DeleteJob>(&DeleteJobRequest::new(waiting_id.as_str()))
        .await;
    assert_eq!(err.code(), &ErrorCode::InvalidRequest);

    // A wrong method, a wrong path.
    let mut raw = c.request::<ListJobs>(&ListJobsRequest::new());
    *raw.method_mut() = http::Method::PUT;
    let r = c.send(c.sign(raw)).await;
    assert_eq!(r.status(), 405);
    f.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_jobs_at_the_limit() {
    let (f, manifest) = fixture(|c| c.with_job_limit(2)).await;
    let c = &f.client;
    let mut request = job("a", manifest, tagging(&[("a", "1")]), 1, no_report(&f));
    request.confirmation_required = Some(true);
    let first = c.call::<CreateJob>(&request).await.unwrap().job_id.unwrap();
    request.client_request_token = Some("b".into());
    c.call::<CreateJob>(&request).await.unwrap();
    request.client_request_token = Some("c".into());
    let err = c.call_err::<CreateJob>(&request).await;
    assert_eq!(
        (err.code(), err.status().as_u16()),
        (&ErrorCode::TooManyJobs, 500)
    );
    assert!(!err.is_retryable());
    // A job that ended no longer counts.
    c.call::<UpdateJobStatus>(&UpdateJobStatusRequest::new(
        first.as_str(),
        RequestedJobStatus::Cancelled,
    ))
    .await
    .unwrap();
    c.wait_status(&first, JobStatus::Cancelled).await;
    c.call::<CreateJob>(&request).await.unwrap();
    f.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_jobs_pages_oldest_first() {
    let (f, manifest) = fixture(|c| c).await;
    let c = &f.client;
    let mut ids = Vec::new();
    for i in 0..5 {
        let mut request = job(
            &format!("p{i}"),
            manifest.clone(),
            tagging(&[]),
            i,
            no_report(&f),
        );
        request.confirmation_required = Some(true);
        ids.push(c.call::<CreateJob>(&request).await.unwrap().job_id.unwrap());
    }
    let mut input = ListJobsRequest::new();
    input.max_results = Some(2);
    let mut seen = Vec::new();
    let mut tokens = Vec::new();
    loop {
        let page = c.call::<ListJobs>(&input).await.unwrap();
        assert!(page.jobs.len() <= 2);
        seen.extend(page.jobs.iter().map(|j| j.job_id.clone().unwrap()));
        tokens.push(page.next_token.clone());
        if let Some(token) = &page.next_token {
            assert_eq!(Some(token), page.jobs.last().unwrap().job_id.as_ref());
        }
        match cos_batch_proto::next_page(&input, &page) {
            Some(next) => input = next,
            None => break,
        }
    }
    assert_eq!(seen, ids);
    assert_eq!(tokens.len(), 3);
    assert_eq!(tokens[2], None);
    // Exactly a full last page: no token either.
    input = ListJobsRequest::new();
    input.max_results = Some(5);
    assert_eq!(c.call::<ListJobs>(&input).await.unwrap().next_token, None);
    f.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_errors_and_delays() {
    let f = Fixture::new(|c| c.with_faults(Faults::new().with_share_500(1.0))).await;
    let r = f
        .client
        .send(
            f.client
                .sign(f.client.request::<ListJobs>(&ListJobsRequest::new())),
        )
        .await;
    let err = ListJobs::decode_response(&r).unwrap_err();
    let err = err.as_service().unwrap();
    assert_eq!(
        (err.status().as_u16(), err.code()),
        (500, &ErrorCode::InternalError)
    );
    assert!(err.is_retryable());
    f.emulator.shutdown().await;

    let f = Fixture::new(|c| c.with_faults(Faults::new().with_share_503(1.0))).await;
    let err = f.client.call_err::<ListJobs>(&ListJobsRequest::new()).await;
    assert_eq!(
        (err.status().as_u16(), err.code()),
        (503, &ErrorCode::ServiceUnavailable)
    );
    assert!(err.is_retryable());
    f.emulator.shutdown().await;

    let f =
        Fixture::new(|c| c.with_faults(Faults::new().with_delay(1.0, Duration::from_millis(30))))
            .await;
    assert!(
        f.client
            .call::<ListJobs>(&ListJobsRequest::new())
            .await
            .is_ok()
    );
    f.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_create_job_response_still_makes_the_job() {
    let (f, manifest) =
        fixture(|c| c.with_faults(Faults::new().with_share_drop_after_create(1.0))).await;
    let c = &f.client;
    let request = job("lost", manifest, tagging(&[("a", "1")]), 1, no_report(&f));
    let sent = send_raw(
        c.endpoint.authority(),
        c.sign(c.request::<CreateJob>(&request)),
    )
    .await;
    assert!(
        sent.is_err(),
        "the connection was closed without a response: {sent:?}"
    );
    // The job exists: a retry with the same token is a duplicate, and ListJobs finds it.
    let err = c.call_err::<CreateJob>(&request).await;
    assert!(err.is_duplicate_request());
    let page = c.call::<ListJobs>(&ListJobsRequest::new()).await.unwrap();
    assert_eq!(page.jobs.len(), 1);
    let id = page.jobs[0].job_id.clone().unwrap();
    assert_eq!(
        c.describe(&id).await.client_request_token.as_deref(),
        Some("lost")
    );
    f.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_bodies_are_refused() {
    let f = Fixture::new(|c| c).await;
    let mut raw = f.client.request::<ListJobs>(&ListJobsRequest::new());
    *raw.method_mut() = http::Method::POST;
    raw.headers_mut()
        .insert("content-length", HeaderValue::from(2 * 1024 * 1024));
    let (parts, _) = f.client.sign(raw).into_parts();
    // The emulator answers from the head, before any body byte.
    let answer = send_head_alone(f.emulator.local_addr(), &parts).await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("<Code>EntityTooLarge</Code>"), "{answer}");
    f.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_configurations_do_not_start() {
    let dir = tempfile::tempdir().unwrap();
    let twice = Config::new(dir.path())
        .with_account(Account::demo())
        .with_account(Account::new("1", Account::DEMO_APPID, "other", "k"));
    assert!(Emulator::start(twice).await.is_err());
    let bad_appid = Config::new(dir.path()).with_account(Account::new("1", "../x", "id", "k"));
    assert!(Emulator::start(bad_appid).await.is_err());
    let bad_region = Config::new(dir.path()).with_region("Not A Region");
    assert!(Emulator::start(bad_region).await.is_err());
    let busy = Emulator::start(Config::new(dir.path())).await.unwrap();
    let same_port = Config::new(dir.path()).with_bind(busy.local_addr());
    assert!(matches!(
        Emulator::start(same_port).await,
        Err(cos_batch_emulator::StartError::Bind(_))
    ));
    busy.shutdown().await;
    let _ = UNIX_EPOCH;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_characters_never_reach_the_xml() {
    let f = Fixture::new(|c| c).await;
    for path in ["/jobs/%00", "/jobs/a%1B%5B31mb%07", "/jobs/%EF%BF%BE"] {
        let mut raw = f
            .client
            .request::<DescribeJob>(&DescribeJobRequest::new("x"));
        *raw.uri_mut() = format!("{}{path}", f.emulator.base_url()).parse().unwrap();
        let r = f.client.send(f.client.sign(raw)).await;
        let body = String::from_utf8(r.body().to_vec()).unwrap();
        assert!(
            body.chars().all(|c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)),
            "{path}: {body:?}"
        );
        let err = cos_batch_proto::CosError::from_response(r.status(), r.headers(), r.body());
        assert_eq!(err.code(), &ErrorCode::NoSuchJob, "{path}: {body}");
        assert!(err.message().contains('\u{FFFD}'), "{}", err.message());
    }
}
