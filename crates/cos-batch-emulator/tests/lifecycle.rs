//! Each lifecycle path end to end over real HTTP, the four operations' effects, report rows
//! checked one by one, and path escape attempts.

mod common;

use std::time::Duration;

use common::*;
use cos_batch_emulator::ObjectMeta;
use cos_batch_model::*;
use cos_batch_proto::{CreateJob, ListJobs, UpdateJobPriority, UpdateJobStatus};

fn copy_to(f: &Fixture, bucket: &str) -> PutObjectCopy {
    f.emulator.create_bucket(bucket, APPID).unwrap();
    PutObjectCopy::new(f.emulator.bucket_arn(bucket, APPID))
}

fn src() -> String {
    format!("src-{APPID}")
}

fn ok_row(key: &str) -> Vec<String> {
    vec![
        src(),
        encode(key),
        String::new(),
        "succeeded".into(),
        String::new(),
        "200".into(),
        "Successful".into(),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_job_completes_with_prefix_rewrite_directives_and_report() {
    let f = Fixture::new(|c| c).await;
    let ks: Vec<String> = ["photos/a.jpg", "photos/b c.jpg", "photos/深.jpg"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    f.put_objects("src", &ks);
    // The source of one object has tags and headers of its own.
    let mut meta = ObjectMeta::default();
    meta.tags.insert("old".into(), "tag".into());
    meta.headers.content_type = Some("image/jpeg".into());
    f.emulator
        .set_object_meta("src", APPID, "photos/a.jpg", &meta)
        .unwrap();

    let mut all = ks.clone();
    all.push("photos/missing.jpg".into());
    let manifest = f.manifest("src", "manifest.csv", &rows(&src(), &all));
    let mut copy = copy_to(&f, "dst");
    copy.prefix_replace = Some(true);
    copy.resources_prefix = Some("photos/".into());
    copy.target_key_prefix = Some("archive/2024/".into());
    copy.tagging_directive = Some(Directive::Add);
    copy.new_object_tagging = vec![Tag::new("copied", "yes")];
    copy.metadata_directive = Some(Directive::Copy);
    copy.canned_access_control_list = Some(CannedAcl::PublicRead);
    copy.storage_class = Some(StorageClass::StandardIa);
    let request = job(
        "copy",
        manifest,
        Operation::PutObjectCopy(copy),
        10,
        f.report(ReportScope::AllTasks),
    );
    let id = f
        .client
        .call::<CreateJob>(&request)
        .await
        .unwrap()
        .job_id
        .unwrap();
    let done = f.client.wait_end(&id).await;
    assert_eq!(done.status, Some(JobStatus::Complete));
    assert_eq!(progress(&done), (3, 1, 4));

    for k in &ks {
        let target = k.replacen("photos/", "archive/2024/", 1);
        let path = f.emulator.object_path("dst", APPID, &target).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), k.as_bytes(), "{target}");
        let meta = f.emulator.object_meta("dst", APPID, &target).unwrap();
        assert_eq!(meta.tags.get("copied").map(String::as_str), Some("yes"));
        assert_eq!(meta.acl.canned.as_deref(), Some("public-read"));
        assert_eq!(meta.storage_class.as_deref(), Some("STANDARD_IA"));
    }
    let a = f
        .emulator
        .object_meta("dst", APPID, "archive/2024/a.jpg")
        .unwrap();
    assert_eq!(a.tags.len(), 2, "Add keeps the source's tags");
    assert_eq!(a.headers.content_type.as_deref(), Some("image/jpeg"));

    // The report, row by row, in manifest order.
    assert_eq!(
        f.report_rows(&id, "succeeded"),
        vec![ok_row(&ks[0]), ok_row(&ks[1]), ok_row(&ks[2])]
    );
    assert_eq!(
        f.report_rows(&id, "failed"),
        vec![vec![
            src(),
            "photos/missing.jpg".to_owned(),
            String::new(),
            "failed".into(),
            "NoSuchKey".into(),
            "404".into(),
            "The specified key does not exist.".into(),
        ]]
    );
    let manifest = f.report_manifest(&id);
    assert_eq!(manifest["Format"], "Report_CSV_V1");
    assert_eq!(
        manifest["ReportSchema"],
        "Bucket, Key, VersionId, TaskStatus, ErrorCode, HTTPStatusCode, ResultMessage"
    );
    let results = manifest["Results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["TaskExecutionStatus"], "succeeded");
    assert_eq!(results[0]["Bucket"], format!("reports-{APPID}"));
    assert_eq!(
        results[0]["Key"],
        format!("batch/job-{id}/results/succeeded.csv")
    );
    assert_eq!(results[1]["TaskExecutionStatus"], "failed");
    f.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confirmation_suspends_until_ready() {
    let f = Fixture::new(|c| c).await;
    let ks = keys("k", 4);
    f.put_objects("src", &ks);
    let manifest = f.manifest("src", "m.csv", &rows(&src(), &ks));
    let mut request = job(
        "confirm",
        manifest,
        tagging(&[("t", "1")]),
        1,
        f.report(ReportScope::FailedTasksOnly),
    );
    request.confirmation_required = Some(true);
    let id = f
        .client
        .call::<CreateJob>(&request)
        .await
        .unwrap()
        .job_id
        .unwrap();
    let job = f.client.wait_status(&id, JobStatus::Suspended).await;
    assert_eq!(progress(&job), (0, 0, 4));
    // Nothing runs while it waits.
    assert!(
        f.emulator
            .object_meta("src", APPID, &ks[0])
            .unwrap()
            .tags
            .is_empty()
    );
    f.client
        .call::<UpdateJobStatus>(&UpdateJobStatusRequest::new(
            id.as_str(),
            RequestedJobStatus::Ready,
        ))
        .await
        .unwrap();
    let done = f.client.wait_end(&id).await;
    assert_eq!(done.status, Some(JobStatus::Complete));
    assert_eq!(progress(&done), (4, 0, 4));
    // FailedTasksOnly with no failures: no CSV, a manifest with no results.
    assert!(f.report_rows(&id, "succeeded").is_empty());
    assert!(f.report_rows(&id, "failed").is_empty());
    assert_eq!(
        f.report_manifest(&id)["Results"].as_array().unwrap().len(),
        0
    );
    f.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_stops_an_active_job_and_reports_what_ran() {
    let f = Fixture::new(|c| c.with_workers(1).with_task_delay(Duration::from_millis(10))).await;
    let ks = keys("k", 200);
    f.put_objects("src", &ks);
    let manifest = f.manifest("src", "m.csv", &rows(&src(), &ks));
    let request = job(
        "cancel",
        manifest,
        tagging(&[("t", "1")]),
        1,
        f.report(ReportScope::AllTasks),
    );
    let id = f
        .client
        .call::<CreateJob>(&request)
        .await
        .unwrap()
        .job_id
        .unwrap();
    let running = f
        .client
        .wait_for(&id, "some progress", |j| {
            j.status == Some(JobStatus::Active) && progress(j).0 >= 3
        })
        .await;
    assert_eq!(progress(&running).2, 200);
    // Progress is live in ListJobs too.
    let page = f
        .client
        .call::<ListJobs>(&ListJobsRequest::new())
        .await
        .unwrap();
    let listed = page.jobs[0].progress_summary.unwrap();
    assert!(listed.number_of_tasks_succeeded.unwrap() >= 3);
    assert_eq!(listed.total_number_of_tasks, Some(200));

    let mut cancel = UpdateJobStatusRequest::new(id.as_str(), RequestedJobStatus::Cancelled);
    cancel.status_update_reason = Some("changed my mind".into());
    let answer = f.client.call::<UpdateJobStatus>(&cancel).await.unwrap();
    assert_eq!(answer.status, Some(JobStatus::Cancelling));
    let done = f.client.wait_end(&id).await;
    assert_eq!(done.status, Some(JobStatus::Cancelled));
    assert_eq!(
        done.status_update_reason.as_deref(),
        Some("changed my mind")
    );
    assert!(done.termination_date.is_some());
    let (ok, failed, total) = progress(&done);
    assert!(ok < 200 && failed == 0 && total == 200, "{ok} {failed}");
    // The report has exactly the tasks that ran, and they are the tagged objects.
    let reported = f.report_rows(&id, "succeeded");
    assert_eq!(reported.len() as u64, ok);
    let tagged = ks
        .iter()
        .filter(|k| {
            !f.emulator
                .object_meta("src", APPID, k)
                .unwrap()
                .tags
                .is_empty()
        })
        .count();
    assert_eq!(tagged as u64, ok);
    // Cancelling again or another status change: the job has already been completed.
    let err = f.client.call_err::<UpdateJobStatus>(&cancel).await;
    assert_eq!(err.code(), &ErrorCode::InvalidRequest);
    assert!(err.is_job_ended(), "{err}");
    f.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_that_are_waiting_can_be_cancelled() {
    let f = Fixture::new(|c| c).await;
    let ks = keys("k", 2);
    f.put_objects("src", &ks);
    let manifest = f.manifest("src", "m.csv", &rows(&src(), &ks));
    let mut request = job(
        "wait",
        manifest,
        tagging(&[]),
        1,
        f.report(ReportScope::AllTasks),
    );
    request.confirmation_required = Some(true);
    let id = f
        .client
        .call::<CreateJob>(&request)
        .await
        .unwrap()
        .job_id
        .unwrap();
    f.client.wait_status(&id, JobStatus::Suspended).await;
    f.client
        .call::<UpdateJobStatus>(&UpdateJobStatusRequest::new(
            id.as_str(),
            RequestedJobStatus::Cancelled,
        ))
        .await
        .unwrap();
    let done = f.client.wait_end(&id).await;
    assert_eq!(done.status, Some(JobStatus::Cancelled));
    assert_eq!(progress(&done), (0, 0, 2));
    assert_eq!(
        f.report_manifest(&id)["Results"].as_array().unwrap().len(),
        0
    );
    f.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_higher_priority_job_pauses_the_active_one_which_resumes_later() {
    let f = Fixture::new(|c| {
        c.with_active_jobs(1)
            .with_workers(1)
            .with_task_delay(Duration::from_millis(5))
    })
    .await;
    let low_keys = keys("low/", 150);
    let high_keys = keys("high/", 5);
    f.put_objects("src", &low_keys);
    f.put_objects("src", &high_keys);
    let low_manifest = f.manifest("src", "low.csv", &rows(&src(), &low_keys));
    let high_manifest = f.manifest("src", "high.csv", &rows(&src(), &high_keys));
    let low = job(
        "low",
        low_manifest,
        tagging(&[("p", "low")]),
        1,
        f.report(ReportScope::AllTasks),
    );
    let low_id = f
        .client
        .call::<CreateJob>(&low)
        .await
        .unwrap()
        .job_id
        .unwrap();
    f.client
        .wait_for(&low_id, "the low job to run", |j| {
            j.status == Some(JobStatus::Active) && progress(j).0 >= 2
        })
        .await;

    let high = job(
        "high",
        high_manifest,
        tagging(&[("p", "high")]),
        100,
        f.report(ReportScope::AllTasks),
    );
    let high_id = f
        .client
        .call::<CreateJob>(&high)
        .await
        .unwrap()
        .job_id
        .unwrap();
    let paused = f.client.wait_status(&low_id, JobStatus::Paused).await;
    let (done_when_paused, _, _) = progress(&paused);
    assert!(done_when_paused < 150);
    let high_done = f.client.wait_end(&high_id).await;
    assert_eq!(high_done.status, Some(JobStatus::Complete));
    assert_eq!(progress(&high_done), (5, 0, 5));

    let low_done = f.client.wait_end(&low_id).await;
    assert_eq!(low_done.status, Some(JobStatus::Complete));
    assert_eq!(progress(&low_done), (150, 0, 150));
    // Every task ran exactly once: the report has each key once.
    let reported: Vec<String> = f
        .report_rows(&low_id, "succeeded")
        .into_iter()
        .map(|r| r[1].clone())
        .collect();
    let expected: Vec<String> = low_keys.iter().map(|k| encode(k)).collect();
    assert_eq!(reported, expected);
    f.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raising_the_priority_of_a_paused_job_takes_the_slot_back() {
    let f = Fixture::new(|c| {
        c.with_active_jobs(1)
            .with_workers(1)
            .with_task_delay(Duration::from_millis(5))
    })
    .await;
    let a_keys = keys("a/", 150);
    let b_keys = keys("b/", 400);
    f.put_objects("src", &a_keys);
    f.put_objects("src", &b_keys);
    let a = job(
        "a",
        f.manifest("src", "a.csv", &rows(&src(), &a_keys)),
        tagging(&[]),
        1,
        no_report(&f),
    );
    let a_id = f
        .client
        .call::<CreateJob>(&a)
        .await
        .unwrap()
        .job_id
        .unwrap();
    f.client.wait_status(&a_id, JobStatus::Active).await;
    let b = job(
        "b",
        f.manifest("src", "b.csv", &rows(&src(), &b_keys)),
        tagging(&[]),
        50,
        no_report(&f),
    );
    let b_id = f
        .client
        .call::<CreateJob>(&b)
        .await
        .unwrap()
        .job_id
        .unwrap();
    f.client.wait_status(&a_id, JobStatus::Paused).await;
    f.client.wait_status(&b_id, JobStatus::Active).await;
    f.client
        .call::<UpdateJobPriority>(&UpdateJobPriorityRequest::new(a_id.as_str(), 99))
        .await
        .unwrap();
    let a_done = f.client.wait_end(&a_id).await;
    assert_eq!(a_done.status, Some(JobStatus::Complete));
    // b gave its slot back and has not finished while a ran.
    let b_now = f.client.describe(&b_id).await;
    assert!(progress(&b_now).0 < 400);
    f.client
        .call::<UpdateJobStatus>(&UpdateJobStatusRequest::new(
            b_id.as_str(),
            RequestedJobStatus::Cancelled,
        ))
        .await
        .unwrap();
    assert_eq!(
        f.client.wait_end(&b_id).await.status,
        Some(JobStatus::Cancelled)
    );
    f.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_fails_once_over_half_of_over_1000_tasks_failed() {
    let f = Fixture::new(|c| c.with_workers(8)).await;
    // 700 missing objects first, then 500 that exist.
    let missing = keys("missing/", 700);
    let present = keys("present/", 500);
    f.put_objects("src", &present);
    let mut all = missing.clone();
    all.extend(present.iter().cloned());
    let manifest = f.manifest("src", "m.csv", &rows(&src(), &all));
    let request = job(
        "fail",
        manifest,
        tagging(&[("t", "1")]),
        1,
        f.report(ReportScope::FailedTasksOnly),
    );
    let id = f
        .client
        .call::<CreateJob>(&request)
        .await
        .unwrap()
        .job_id
        .unwrap();
    let done = f.client.wait_end(&id).await;
    assert_eq!(done.status, Some(JobStatus::Failed));
    let (ok, failed, total) = progress(&done);
    assert_eq!(total, 1200);
    assert_eq!(failed, 700);
    assert!(
        ok + failed > 1000 && failed * 2 > ok + failed,
        "{ok} {failed}"
    );
    assert_eq!(done.failure_reasons.len(), 1);
    assert_eq!(
        done.failure_reasons[0].failure_code.as_deref(),
        Some("TaskFailureThresholdExceeded")
    );
    assert!(done.termination_date.is_some());
    let failed_rows = f.report_rows(&id, "failed");
    assert_eq!(failed_rows.len(), 700);
    assert!(
        failed_rows
            .iter()
            .all(|r| r[3] == "failed" && r[4] == "NoSuchKey" && r[5] == "404")
    );
    assert!(f.report_rows(&id, "succeeded").is_empty());
    f.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_manifest_fails_the_job_in_preparing() {
    let f = Fixture::new(|c| c).await;
    let ks = keys("k", 2);
    f.put_objects("src", &ks);
    let mut manifest = f.manifest("src", "m.csv", &rows(&src(), &ks));
    manifest.location.etag = "\"00000000000000000000000000000000\"".into();
    let id = f
        .client
        .call::<CreateJob>(&job(
            "etag",
            manifest.clone(),
            tagging(&[]),
            1,
            no_report(&f),
        ))
        .await
        .unwrap()
        .job_id
        .unwrap();
    let done = f.client.wait_end(&id).await;
    assert_eq!(done.status, Some(JobStatus::Failed));
    assert_eq!(
        done.failure_reasons[0].failure_code.as_deref(),
        Some("ManifestETagMismatch")
    );
    assert!(done.termination_date.is_some());
    assert_eq!(progress(&done), (0, 0, 0));

    // The manifest is read at its ObjectVersionId: `null` is the one version the emulator keeps.
    let mut versioned = f.manifest("src", "v.csv", &rows(&src(), &ks));
    versioned.location.object_version_id = Some("MTg0NDUxNzc2ODQ2MjQ1MzY".into());
    let id = f
        .client
        .call::<CreateJob>(&job(
            "version",
            versioned.clone(),
            tagging(&[]),
            1,
            no_report(&f),
        ))
        .await
        .unwrap()
        .job_id
        .unwrap();
    let done = f.client.wait_end(&id).await;
    assert_eq!(done.status, Some(JobStatus::Failed));
    assert_eq!(
        done.failure_reasons[0].failure_code.as_deref(),
        Some("NoSuchVersion")
    );
    versioned.location.object_version_id = Some("null".into());
    let id = f
        .client
        .call::<CreateJob>(&job(
            "null-version",
            versioned,
            tagging(&[]),
            1,
            no_report(&f),
        ))
        .await
        .unwrap()
        .job_id
        .unwrap();
    assert_eq!(progress(&f.client.wait_end(&id).await), (2, 0, 2));

    manifest.location.object_arn = f.emulator.object_arn("src", APPID, "nope.csv");
    let id = f
        .client
        .call::<CreateJob>(&job("missing", manifest, tagging(&[]), 1, no_report(&f)))
        .await
        .unwrap()
        .job_id
        .unwrap();
    let done = f.client.wait_end(&id).await;
    assert_eq!(done.status, Some(JobStatus::Failed));
    assert_eq!(
        done.failure_reasons[0].failure_code.as_deref(),
        Some("ManifestNotFound")
    );
    f.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_constraints_fail_tasks_with_412() {
    let f = Fixture::new(|c| c).await;
    let ks = keys("k", 3);
    f.put_objects("src", &ks);
    let manifest = f.manifest("src", "m.csv", &rows(&src(), &ks));
    let mut copy = copy_to(&f, "dst");
    copy.modified_since_constraint = Some(Timestamp::epoch_seconds(4_000_000_000).unwrap());
    let id = f
        .client
        .call::<CreateJob>(&job(
            "since",
            manifest.clone(),
            Operation::PutObjectCopy(copy),
            1,
            f.report(ReportScope::FailedTasksOnly),
        ))
        .await
        .unwrap()
        .job_id
        .unwrap();
    let done = f.client.wait_end(&id).await;
    assert_eq!(done.status, Some(JobStatus::Complete));
    assert_eq!(progress(&done), (0, 3, 3));
    let rows = f.report_rows(&id, "failed");
    assert_eq!(rows.len(), 3);
    for (row, k) in rows.iter().zip(&ks) {
        assert_eq!(&row[1], k);
        assert_eq!(
            (row[3].as_str(), row[4].as_str(), row[5].as_str()),
            ("failed", "PreconditionFailed", "412")
        );
    }
    assert!(
        f.emulator
            .object_path("dst", APPID, &ks[0])
            .unwrap()
            .metadata()
            .is_err()
    );

    let mut copy = copy_to(&f, "dst");
    copy.un_modified_since_constraint = Some(Timestamp::parse("2000-01-01T00:00:00Z").unwrap());
    let id = f
        .client
        .call::<CreateJob>(&job(
            "unmodified",
            manifest.clone(),
            Operation::PutObjectCopy(copy),
            1,
            no_report(&f),
        ))
        .await
        .unwrap()
        .job_id
        .unwrap();
    assert_eq!(progress(&f.client.wait_end(&id).await), (0, 3, 3));

    // Constraints that hold let the copy through.
    let mut copy = copy_to(&f, "dst");
    copy.modified_since_constraint = Some(Timestamp::parse("2000-01-01T00:00:00Z").unwrap());
    copy.un_modified_since_constraint = Some(Timestamp::epoch_seconds(4_000_000_000).unwrap());
    let id = f
        .client
        .call::<CreateJob>(&job(
            "holds",
            manifest,
            Operation::PutObjectCopy(copy),
            1,
            no_report(&f),
        ))
        .await
        .unwrap()
        .job_id
        .unwrap();
    assert_eq!(progress(&f.client.wait_end(&id).await), (3, 0, 3));
    assert!(
        f.emulator
            .object_path("dst", APPID, &ks[0])
            .unwrap()
            .is_file()
    );
    f.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_tagging_and_delete_jobs() {
    let f = Fixture::new(|c| c).await;
    let ks = keys("k", 3);
    f.put_objects("src", &ks);
    let mut archived = ObjectMeta::default();
    archived.storage_class = Some("ARCHIVE".into());
    f.emulator
        .set_object_meta("src", APPID, &ks[0], &archived)
        .unwrap();
    archived.storage_class = Some("DEEP_ARCHIVE".into());
    f.emulator
        .set_object_meta("src", APPID, &ks[1], &archived)
        .unwrap();
    let manifest = f.manifest("src", "m.csv", &rows(&src(), &ks));

    // Restore: the two archived objects are restored, the standard one fails.
    let restore =
        Operation::InitiateRestoreObject(InitiateRestoreObject::new(7, JobTier::Standard));
    let id = f
        .client
        .call::<CreateJob>(&job(
            "restore",
            manifest.clone(),
            restore,
            1,
            f.report(ReportScope::AllTasks),
        ))
        .await
        .unwrap()
        .job_id
        .unwrap();
    let done = f.client.wait_end(&id).await;
    assert_eq!(progress(&done), (2, 1, 3));
    for k in &ks[..2] {
        let r = f
            .emulator
            .object_meta("src", APPID, k)
            .unwrap()
            .restore
            .unwrap();
        assert_eq!((r.expiration_in_days, r.tier.as_str()), (7, "Standard"));
        assert_eq!(r.expires_at - r.restored_at, 7 * 86_400);
    }
    let failed = f.report_rows(&id, "failed");
    assert_eq!(failed.len(), 1);
    assert_eq!(
        (
            failed[0][1].as_str(),
            failed[0][4].as_str(),
            failed[0][5].as_str()
        ),
        (ks[2].as_str(), "InvalidObjectState", "403")
    );

    // Tagging replaces the tags.
    let id = f
        .client
        .call::<CreateJob>(&job(
            "tag",
            manifest.clone(),
            tagging(&[("team", "media"), ("env", "test")]),
            1,
            no_report(&f),
        ))
        .await
        .unwrap()
        .job_id
        .unwrap();
    assert_eq!(progress(&f.client.wait_end(&id).await), (3, 0, 3));
    for k in &ks {
        let tags = f.emulator.object_meta("src", APPID, k).unwrap().tags;
        assert_eq!(tags.len(), 2);
        assert_eq!(tags["team"], "media");
    }

    // Delete removes the objects and their sidecars; a second run finds nothing (404).
    let delete = Operation::DeleteObject(DeleteObject::new());
    let id = f
        .client
        .call::<CreateJob>(&job(
            "delete",
            manifest.clone(),
            delete.clone(),
            1,
            f.report(ReportScope::AllTasks),
        ))
        .await
        .unwrap()
        .job_id
        .unwrap();
    assert_eq!(progress(&f.client.wait_end(&id).await), (3, 0, 3));
    for k in &ks {
        assert!(!f.emulator.object_path("src", APPID, k).unwrap().exists());
        assert!(f.emulator.object_meta("src", APPID, k).unwrap().is_empty());
    }
    let rows_ok = f.report_rows(&id, "succeeded");
    assert!(rows_ok.iter().all(|r| r[3] == "succeeded" && r[5] == "204"));
    let id = f
        .client
        .call::<CreateJob>(&job("delete-again", manifest, delete, 1, no_report(&f)))
        .await
        .unwrap()
        .job_id
        .unwrap();
    let done = f.client.wait_end(&id).await;
    assert_eq!(done.status, Some(JobStatus::Complete));
    assert_eq!(progress(&done), (0, 3, 3));
    f.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn path_escapes_fail_their_task_and_the_job_goes_on() {
    let f = Fixture::new(|c| c).await;
    // A file outside the data directory that an escaping key would reach.
    let outside = f.dir.path().join("outside.txt");
    std::fs::write(&outside, b"precious").unwrap();
    f.put_objects("src", &["fine.txt".to_owned()]);
    let escapes = [
        "..%2F..%2Foutside.txt",
        "%2Fetc%2Fpasswd",
        "a%2F..%2F..%2F..%2Foutside.txt",
        "%252e%252e%2Foutside.txt",
        "a%00b",
        "a%5C..%5C..%5Coutside.txt",
        "a%2F%2Fb",
    ];
    let mut csv = format!("src-{APPID},fine.txt\n");
    for e in escapes {
        csv.push_str(&format!("src-{APPID},{e}\n"));
    }
    // A bucket column that tries to escape, and rows that cannot be read.
    csv.push_str("..,outside.txt\n");
    csv.push_str(&format!("src-{APPID}\n"));
    let manifest = f.raw_manifest("src", "m.csv", csv.as_bytes());
    let delete = Operation::DeleteObject(DeleteObject::new());
    let id = f
        .client
        .call::<CreateJob>(&job(
            "escape",
            manifest.clone(),
            delete,
            1,
            f.report(ReportScope::AllTasks),
        ))
        .await
        .unwrap()
        .job_id
        .unwrap();
    let done = f.client.wait_end(&id).await;
    assert_eq!(done.status, Some(JobStatus::Complete));
    assert_eq!(progress(&done), (1, 9, 10));
    assert_eq!(std::fs::read(&outside).unwrap(), b"precious");
    let failed = f.report_rows(&id, "failed");
    let codes: Vec<&str> = failed.iter().map(|r| r[4].as_str()).collect();
    assert_eq!(
        codes,
        [
            "InvalidObjectKey",
            "InvalidObjectKey",
            "InvalidObjectKey",
            "InvalidObjectKey",
            "InvalidObjectKey",
            "InvalidObjectKey",
            "InvalidObjectKey",
            "InvalidBucketName",
            "InvalidManifestRow",
        ]
    );
    assert!(failed.iter().all(|r| r[5] == "400"));

    // A copy whose target prefix climbs out fails each task, writes nothing outside.
    f.put_objects("src", &["fine.txt".to_owned()]);
    let mut copy = copy_to(&f, "dst");
    copy.target_key_prefix = Some("../../".into());
    let manifest = f.manifest("src", "m2.csv", &rows(&src(), &["fine.txt".to_owned()]));
    let id = f
        .client
        .call::<CreateJob>(&job(
            "escape-copy",
            manifest,
            Operation::PutObjectCopy(copy),
            1,
            no_report(&f),
        ))
        .await
        .unwrap()
        .job_id
        .unwrap();
    let done = f.client.wait_end(&id).await;
    assert_eq!(
        (done.status.clone(), progress(&done)),
        (Some(JobStatus::Complete), (0, 1, 1))
    );
    assert!(!f.dir.path().join("fine.txt").exists());
    f.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inventory_manifests_are_read() {
    let f = Fixture::new(|c| c).await;
    let ks = keys("inv/", 4);
    f.put_objects("src", &ks);
    let part = |keys: &[String]| -> Vec<u8> {
        keys.iter()
            .map(|k| format!("{APPID},src-{APPID},{},4\n", encode(k)))
            .collect::<String>()
            .into_bytes()
    };
    // Two data files: one plain, one gzip-compressed as inventory reports are delivered.
    let plain = part(&ks[..2]);
    let packed = gzip(&part(&ks[2..]));
    let inventory = |files: &[(&str, &[u8])], name: &str| -> Manifest {
        let mut entries = Vec::new();
        for (key, bytes) in files {
            let etag = f.emulator.put_object("src", APPID, key, bytes).unwrap();
            entries.push(format!(
                r#"{{"key":"{key}","size":{},"MD5checksum":"{etag}"}}"#,
                bytes.len()
            ));
        }
        let json = format!(
            r#"{{"sourceBucket":"src-{APPID}","fileFormat":"CSV","fileSchema":"appid, Bucket, Key, Size",
                "files":[{}]}}"#,
            entries.join(",")
        );
        let key = format!("inventory/{name}.json");
        let etag = f
            .emulator
            .put_object("src", APPID, &key, json.as_bytes())
            .unwrap();
        Manifest::new(
            ManifestLocation::new(f.emulator.object_arn("src", APPID, &key), etag),
            ManifestSpec::new(ManifestFormat::CosInventoryReportCsvV1, vec![]),
        )
    };
    let manifest = inventory(
        &[
            ("inventory/data/part-0.csv", &plain),
            ("inventory/data/part-1.csv.gz", &packed),
        ],
        "manifest",
    );
    let id = f
        .client
        .call::<CreateJob>(&job(
            "inventory",
            manifest,
            tagging(&[("i", "1")]),
            1,
            no_report(&f),
        ))
        .await
        .unwrap()
        .job_id
        .unwrap();
    let done = f.client.wait_end(&id).await;
    assert_eq!(
        (done.status.clone(), progress(&done)),
        (Some(JobStatus::Complete), (4, 0, 4))
    );

    // A data file that cannot be read fails the job with a reason, never Complete with nothing.
    let mut broken = packed.clone();
    broken.truncate(broken.len() / 2);
    let manifest = inventory(&[("inventory/data/broken.csv.gz", &broken)], "broken");
    let id = f
        .client
        .call::<CreateJob>(&job("broken", manifest, tagging(&[]), 1, no_report(&f)))
        .await
        .unwrap()
        .job_id
        .unwrap();
    let done = f.client.wait_end(&id).await;
    assert_eq!(done.status, Some(JobStatus::Failed));
    let reason = &done.failure_reasons[0];
    assert_eq!(reason.failure_code.as_deref(), Some("InvalidManifest"));
    assert!(
        reason
            .failure_reason
            .as_deref()
            .unwrap()
            .contains("broken.csv.gz"),
        "{reason:?}"
    );
    f.emulator.shutdown().await;
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}
