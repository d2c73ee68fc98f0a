//! The client against the local emulator: the real control plane, real jobs, real faults.

use std::time::Duration;

use cos_batch_emulator::Faults;
use cos_batch_emulator::test_util::{csv_manifest, put_manifest, put_objects, rows};
use cos_batch_hyper::model::{
    CreateJobRequest, DeleteJobRequest, DescribeJobRequest, Job, JobStatus, ListJobsRequest,
    Operation, PutObjectCopy, Report, ReportScope, RequestedJobStatus, UpdateJobPriorityRequest,
    UpdateJobStatusRequest,
};
use cos_batch_hyper::{Client, RetryPolicy};
use futures_util::TryStreamExt as _;

mod support;

use support::EmulatorSetup as Setup;

async fn setup(faults: Faults) -> Setup {
    Setup::with(faults, |client| {
        client
            .retry_policy(
                RetryPolicy::default()
                    .with_max_attempts(6)
                    .with_base_delay(Duration::from_millis(1))
                    .with_max_delay(Duration::from_millis(5)),
            )
            .attempt_timeout(Duration::from_secs(10))
    })
    .await
}

/// A copy job of `n` objects, not yet sent.
fn copy_job(s: &Setup, n: usize, confirm: bool) -> CreateJobRequest {
    let appid = &s.account.appid;
    let keys: Vec<String> = (0..n).map(|i| format!("in/{i}.txt")).collect();
    put_objects(&s.handle, "src", appid, &keys).unwrap();
    let csv = csv_manifest(&rows(&s.full("src"), &keys));
    let manifest = put_manifest(&s.handle, "src", appid, "manifest.csv", csv.as_bytes()).unwrap();
    s.handle.create_bucket("dst", appid).unwrap();
    let mut request = CreateJobRequest::new(
        "",
        manifest,
        Operation::PutObjectCopy(PutObjectCopy::new(s.handle.bucket_arn("dst", appid))),
        5,
        Report::new(
            s.handle.bucket_arn("dst", appid),
            false,
            ReportScope::AllTasks,
        ),
        format!("qcs::cam::uin/{}:roleName/COS_Batch_QcsRole", s.account.uin),
    );
    request.confirmation_required = Some(confirm);
    request
}

async fn wait_for(client: &Client, job_id: &str, status: JobStatus) -> Job {
    for _ in 0..2000 {
        let job = client
            .describe_job_with(DescribeJobRequest::new(job_id))
            .await
            .unwrap()
            .job
            .unwrap();
        if job.status.as_ref() == Some(&status) {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("job {job_id} never reached {status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_against_the_emulator() {
    let s = setup(Faults::default()).await;
    let created = s
        .client
        .create_job_with(copy_job(&s, 4, true))
        .await
        .unwrap();
    let id = created.job_id.unwrap();
    let job = wait_for(&s.client, &id, JobStatus::Suspended).await;
    assert_eq!(job.progress_summary.unwrap().total_number_of_tasks, Some(4));

    let raised = s
        .client
        .update_job_priority_with(UpdateJobPriorityRequest::new(&id, 9))
        .await
        .unwrap();
    assert_eq!(raised.priority, Some(9));

    let mut suspended = ListJobsRequest::new();
    suspended.job_statuses = vec![JobStatus::Suspended];
    let listed: Vec<_> = s
        .client
        .list_jobs_stream(suspended)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].job_id.as_deref(), Some(id.as_str()));

    let confirmed = s
        .client
        .update_job_status_with(UpdateJobStatusRequest::new(&id, RequestedJobStatus::Ready))
        .await
        .unwrap();
    assert_eq!(confirmed.job_id.as_deref(), Some(id.as_str()));
    let done = wait_for(&s.client, &id, JobStatus::Complete).await;
    assert_eq!(
        done.progress_summary.unwrap().number_of_tasks_succeeded,
        Some(4)
    );
    assert!(
        s.handle
            .object_path("dst", &s.account.appid, "in/3.txt")
            .unwrap()
            .is_file()
    );

    s.client
        .delete_job_with(DeleteJobRequest::new(&id))
        .await
        .unwrap();
    let gone = s
        .client
        .describe_job_with(DescribeJobRequest::new(&id))
        .await
        .unwrap_err();
    let service = gone.service().unwrap();
    assert_eq!(service.code().as_str(), "NoSuchJob");
    assert!(service.request_id().is_some());
    s.handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_create_job_response_yields_exactly_one_job() {
    // Every CreateJob that creates a job has its connection closed before the response.
    let s = setup(Faults::new().with_share_drop_after_create(1.0)).await;
    let created = s
        .client
        .create_job_with(copy_job(&s, 2, false))
        .await
        .unwrap();
    let id = created.job_id.unwrap();
    let all: Vec<_> = s
        .client
        .list_jobs_stream(ListJobsRequest::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0].job_id.as_deref(), Some(id.as_str()));
    wait_for(&s.client, &id, JobStatus::Complete).await;
    s.handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_are_retried_until_they_pass() {
    // Half the requests fail with 500 or 503; with retries every call still succeeds.
    let s = setup(
        Faults::new()
            .with_share_500(0.25)
            .with_share_503(0.25)
            .with_seed(7),
    )
    .await;
    let created = s
        .client
        .create_job_with(copy_job(&s, 3, false))
        .await
        .unwrap();
    let id = created.job_id.unwrap();
    wait_for(&s.client, &id, JobStatus::Complete).await;
    let all: Vec<_> = s
        .client
        .list_jobs_stream(ListJobsRequest::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 1);
    s.handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_is_found_by_its_token() {
    let s = setup(Faults::default()).await;
    let mut ids = Vec::new();
    for token in ["token-a", "token-b", "token-c"] {
        let mut request = copy_job(&s, 1, true);
        request.client_request_token = Some(token.to_owned());
        ids.push(
            s.client
                .create_job_with(request)
                .await
                .unwrap()
                .job_id
                .unwrap(),
        );
    }
    let epoch = std::time::UNIX_EPOCH;
    for (token, id) in ["token-a", "token-b", "token-c"].iter().zip(&ids) {
        let found = s.client.find_job_by_token(token, epoch).await.unwrap();
        assert_eq!(found.as_deref(), Some(id.as_str()), "{token}");
    }
    assert_eq!(
        s.client.find_job_by_token("token-z", epoch).await.unwrap(),
        None
    );
    // Jobs created before `since` (less the slack for clock skew) are not looked at.
    let tomorrow = std::time::SystemTime::now() + Duration::from_secs(86_400);
    assert_eq!(
        s.client
            .find_job_by_token("token-a", tomorrow)
            .await
            .unwrap(),
        None
    );
    s.handle.shutdown().await;
}
