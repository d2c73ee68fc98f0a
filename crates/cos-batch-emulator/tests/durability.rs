//! State that survives a restart, and a job of 10,000 tasks.

mod common;

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::Duration;

use common::*;
use cos_batch_emulator::{Account, Config, Emulator};
use cos_batch_model::*;
use cos_batch_proto::CreateJob;

fn src() -> String {
    format!("src-{APPID}")
}

/// Puts `csv` as manifest `name` of bucket `src`; the manifest element for it.
fn csv_manifest(e: &cos_batch_emulator::EmulatorHandle, name: &str, csv: &str) -> Manifest {
    let etag = e.put_object("src", APPID, name, csv.as_bytes()).unwrap();
    Manifest::new(
        ManifestLocation::new(e.object_arn("src", APPID, name), etag),
        ManifestSpec::new(
            ManifestFormat::CosBatchOperationsCsvV1,
            vec![ManifestField::Bucket, ManifestField::Key],
        ),
    )
}

/// Creates the buckets `dst` and `reports`; a report of all tasks into `reports`.
fn target_buckets(e: &cos_batch_emulator::EmulatorHandle) -> Report {
    e.create_bucket("dst", APPID).unwrap();
    e.create_bucket("reports", APPID).unwrap();
    Report::new(e.bucket_arn("reports", APPID), true, ReportScope::AllTasks)
}

/// (inode, mtime in ns) of every file under `dir`, by path.
fn files(dir: &Path) -> BTreeMap<String, (u64, i64)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries {
            let e = e.unwrap();
            let m = e.metadata().unwrap();
            if m.is_dir() {
                stack.push(e.path());
            } else {
                out.insert(
                    e.path().display().to_string(),
                    (m.ino(), m.mtime() * 1_000_000_000 + m.mtime_nsec()),
                );
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_resumes_the_active_job_without_running_tasks_twice() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let state = dir.path().join("state");
    let config = || {
        Config::new(&data)
            .with_state_dir(&state)
            .with_workers(2)
            .with_task_delay(Duration::from_millis(10))
    };
    let emulator = Emulator::start(config()).await.unwrap();
    let client = Client::new(&emulator, &Account::demo());
    let put = |e: &cos_batch_emulator::EmulatorHandle, name: &str, ks: &[String]| {
        for k in ks {
            e.put_object("src", APPID, k, k.as_bytes()).unwrap();
        }
        let csv: String = ks
            .iter()
            .map(|k| format!("{},{}\n", src(), encode(k)))
            .collect();
        csv_manifest(e, name, &csv)
    };
    let report = target_buckets(&emulator);

    // A job that ends before the restart, one that waits for confirmation, and a long one.
    let small = put(&emulator, "small.csv", &keys("small/", 3));
    let done_id = client
        .call::<CreateJob>(&job(
            "done",
            small.clone(),
            tagging(&[("a", "1")]),
            1,
            report.clone(),
        ))
        .await
        .unwrap()
        .job_id
        .unwrap();
    client.wait_status(&done_id, JobStatus::Complete).await;
    let mut waiting = job("waiting", small, tagging(&[("a", "1")]), 1, report.clone());
    waiting.confirmation_required = Some(true);
    let waiting_id = client
        .call::<CreateJob>(&waiting)
        .await
        .unwrap()
        .job_id
        .unwrap();
    client.wait_status(&waiting_id, JobStatus::Suspended).await;

    let ks = keys("big/", 200);
    let big = put(&emulator, "big.csv", &ks);
    let copy = Operation::PutObjectCopy(PutObjectCopy::new(emulator.bucket_arn("dst", APPID)));
    let id = client
        .call::<CreateJob>(&job("big", big, copy, 5, report.clone()))
        .await
        .unwrap()
        .job_id
        .unwrap();
    client
        .wait_for(&id, "progress", |j| {
            j.status == Some(JobStatus::Active) && progress(j).0 >= 20
        })
        .await;
    emulator.shutdown().await;

    // What the first run did, as the files and the saved state show it.
    let dst = data.join(format!("dst-{APPID}"));
    let first_run = files(&dst);
    assert!(!first_run.is_empty());
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(state.join(format!("jobs/{id}/job.json"))).unwrap())
            .unwrap();
    assert_eq!(record["status"], "Active");
    let saved_ok = record["succeeded"].as_u64().unwrap();
    assert_eq!(saved_ok as usize, first_run.len());
    assert!(saved_ok < 200, "the job had not finished");

    // Restart on the same directories (a new port).
    let emulator = Emulator::start(config()).await.unwrap();
    let client = Client::new(&emulator, &Account::demo());
    let resumed = client.describe(&id).await;
    assert!(progress(&resumed).0 >= saved_ok);
    let done = client.wait_end(&id).await;
    assert_eq!(done.status, Some(JobStatus::Complete));
    assert_eq!(progress(&done), (200, 0, 200));

    // No task ran twice: the first run's copies were not written again...
    let after = files(&dst);
    assert_eq!(after.len(), 200);
    for (path, stamp) in &first_run {
        assert_eq!(after.get(path), Some(stamp), "{path} was copied again");
    }
    // ...and the report lists each task once.
    let rows = read_csv(&data.join(format!("reports-{APPID}/job-{id}/results/succeeded.csv")));
    let reported: Vec<String> = rows.iter().map(|r| r[1].clone()).collect();
    let expected: Vec<String> = ks.iter().map(|k| encode(k)).collect();
    assert_eq!(reported, expected);

    // The other jobs are as they were.
    let waiting = client.describe(&waiting_id).await;
    assert_eq!(waiting.status, Some(JobStatus::Suspended));
    assert_eq!(progress(&waiting), (0, 0, 3));
    let finished = client.describe(&done_id).await;
    assert_eq!(finished.status, Some(JobStatus::Complete));
    assert_eq!(progress(&finished), (3, 0, 3));
    // The suspended job still runs once confirmed.
    client
        .call::<cos_batch_proto::UpdateJobStatus>(&UpdateJobStatusRequest::new(
            waiting_id.as_str(),
            RequestedJobStatus::Ready,
        ))
        .await
        .unwrap();
    assert_eq!(
        client.wait_end(&waiting_id).await.status,
        Some(JobStatus::Complete)
    );
    // Tokens are still known after the restart.
    let again = job(
        "done",
        put(&emulator, "x.csv", &keys("x", 1)),
        tagging(&[]),
        1,
        report,
    );
    assert!(
        client
            .call_err::<CreateJob>(&again)
            .await
            .is_duplicate_request()
    );
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_tasks_complete_with_exact_counters() {
    let f = Fixture::new(|c| c.with_workers(8)).await;
    let ks = keys("objects/", 10_000);
    let payload = [7u8; 64];
    for k in &ks[..9_990] {
        f.emulator.put_object("src", APPID, k, &payload).unwrap();
    }
    let manifest = f.manifest("src", "manifest.csv", &rows(&src(), &ks));
    f.emulator.create_bucket("dst", APPID).unwrap();
    let copy = Operation::PutObjectCopy(PutObjectCopy::new(f.emulator.bucket_arn("dst", APPID)));
    let id = f
        .client
        .call::<CreateJob>(&job(
            "ten-thousand",
            manifest,
            copy,
            1,
            f.report(ReportScope::FailedTasksOnly),
        ))
        .await
        .unwrap()
        .job_id
        .unwrap();
    let done = f.client.wait_end(&id).await;
    assert_eq!(done.status, Some(JobStatus::Complete));
    assert_eq!(progress(&done), (9_990, 10, 10_000));
    let copied = std::fs::read_dir(f.data().join(format!("dst-{APPID}/objects")))
        .unwrap()
        .count();
    assert_eq!(copied, 9_990);
    let failed = f.report_rows(&id, "failed");
    let failed_keys: Vec<&str> = failed.iter().map(|r| r[1].as_str()).collect();
    let expected: Vec<&str> = ks[9_990..].iter().map(String::as_str).collect();
    assert_eq!(failed_keys, expected);
    f.emulator.shutdown().await;
}

/// A fixture with a state directory under its temporary directory.
async fn with_state() -> (Fixture, tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let f = Fixture::new(|c| c.with_state_dir(&state)).await;
    (f, dir, state)
}

fn small_job(f: &Fixture, token: &str) -> CreateJobRequest {
    f.put_objects("src", &["a".to_owned()]);
    let manifest = f.manifest("src", "m.csv", &[(src(), "a".to_owned())]);
    job(token, manifest, tagging(&[("k", "v")]), 1, no_report(f))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_that_cannot_be_saved_is_a_500_and_is_not_made() {
    let (f, _dir, state) = with_state().await;
    let data = f.data();
    let saved = f.client.create(&small_job(&f, "saved")).await;
    // The state directory can no longer take a new job: `jobs` is a file now.
    std::fs::rename(state.join("jobs"), state.join("jobs.kept")).unwrap();
    std::fs::write(state.join("jobs"), b"in the way").unwrap();
    let err = f.client.call_err::<CreateJob>(&small_job(&f, "lost")).await;
    assert_eq!(err.status(), http::StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(err.code(), &ErrorCode::InternalError);
    let listed = f
        .client
        .call::<cos_batch_proto::ListJobs>(&ListJobsRequest::new())
        .await
        .unwrap();
    let ids: Vec<_> = listed
        .jobs
        .iter()
        .filter_map(|j| j.job_id.clone())
        .collect();
    assert_eq!(
        ids,
        std::slice::from_ref(&saved),
        "the refused job must not exist"
    );
    // With the directory back, the same token is free: the refused job left nothing behind.
    std::fs::remove_file(state.join("jobs")).unwrap();
    std::fs::rename(state.join("jobs.kept"), state.join("jobs")).unwrap();
    let again = f.client.create(&small_job(&f, "lost")).await;
    f.emulator.shutdown().await;
    let restarted = Emulator::start(Config::new(&data).with_state_dir(&state))
        .await
        .unwrap();
    let client = Client::new(&restarted, &Account::demo());
    assert_eq!(client.describe(&saved).await.job_id, Some(saved));
    assert_eq!(client.describe(&again).await.job_id, Some(again));
    restarted.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_jobs_are_set_aside_and_the_emulator_starts() {
    let (f, _dir, state) = with_state().await;
    let data = f.data();
    let ids = [
        f.client.create(&small_job(&f, "good")).await,
        f.client.create(&small_job(&f, "corrupt")).await,
    ];
    for id in &ids {
        f.client.wait_end(id).await;
    }
    // A job that needs its tasks after the restart (it waits for confirmation).
    let mut waiting = small_job(&f, "waiting");
    waiting.confirmation_required = Some(true);
    let waiting = f.client.create(&waiting).await;
    f.client.wait_status(&waiting, JobStatus::Suspended).await;
    f.emulator.shutdown().await;
    let jobs = state.join("jobs");
    std::fs::write(jobs.join(&ids[1]).join("job.json"), b"{\"JobId\": tru").unwrap();
    let tasks = jobs.join(&waiting).join("tasks.jsonl");
    std::fs::remove_file(&tasks).unwrap();
    std::fs::create_dir_all(&tasks).unwrap();

    let restarted = Emulator::start(Config::new(&data).with_state_dir(&state))
        .await
        .unwrap();
    let problems = restarted.set_aside_jobs();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems.iter().any(|p| p.contains(&ids[1])), "{problems:?}");
    assert!(
        problems.iter().any(|p| p.contains(&waiting)),
        "{problems:?}"
    );
    assert_eq!(
        std::fs::read_dir(state.join("set-aside")).unwrap().count(),
        2
    );
    let client = Client::new(&restarted, &Account::demo());
    assert_eq!(
        client.describe(&ids[0]).await.status,
        Some(JobStatus::Complete)
    );
    let missing = client
        .call_err::<cos_batch_proto::DescribeJob>(&DescribeJobRequest::new(ids[1].as_str()))
        .await;
    assert_eq!(missing.code(), &ErrorCode::NoSuchJob);
    restarted.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_does_not_read_the_task_files_of_jobs_that_ended() {
    let (f, _dir, state) = with_state().await;
    let data = f.data();
    let ks = keys("k", 3);
    f.put_objects("src", &ks[..2]);
    let manifest = f.manifest("src", "m.csv", &rows(&src(), &ks));
    let id = f
        .client
        .create(&job(
            "ended",
            manifest,
            tagging(&[("k", "v")]),
            1,
            f.report(ReportScope::AllTasks),
        ))
        .await;
    assert_eq!(
        f.client.wait_end(&id).await.status,
        Some(JobStatus::Complete)
    );
    f.emulator.shutdown().await;
    // The ended job's task files are gone (its record holds its counts); even task files that
    // cannot be read are not looked at.
    let job_dir = state.join("jobs").join(&id);
    let mut names: Vec<String> = std::fs::read_dir(&job_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["job.json"]);
    for name in ["tasks.jsonl", "outcomes.jsonl"] {
        std::fs::create_dir_all(job_dir.join(name)).unwrap();
    }

    let restarted = Emulator::start(Config::new(&data).with_state_dir(&state))
        .await
        .unwrap();
    assert!(restarted.set_aside_jobs().is_empty());
    let client = Client::new(&restarted, &Account::demo());
    let job = client.describe(&id).await;
    assert_eq!(job.status, Some(JobStatus::Complete));
    assert_eq!(progress(&job), (2, 1, 3));
    restarted.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_in_the_middle_of_a_hundred_thousand_tasks_loses_and_repeats_none() {
    const N: usize = 100_000;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let state = dir.path().join("state");
    let config = || Config::new(&data).with_state_dir(&state).with_workers(8);
    let emulator = Emulator::start(config()).await.unwrap();
    // A debug build on a shared machine: let each wait take minutes.
    let patience = Duration::from_secs(600);
    let client = Client::new(&emulator, &Account::demo()).patient(patience);
    let ks = keys("o/", N);
    for k in &ks {
        emulator.put_object("src", APPID, k, b"x").unwrap();
    }
    let csv: String = ks.iter().map(|k| format!("{},{k}\n", src())).collect();
    let manifest = csv_manifest(&emulator, "m.csv", &csv);
    let report = target_buckets(&emulator);
    let copy = Operation::PutObjectCopy(PutObjectCopy::new(emulator.bucket_arn("dst", APPID)));
    let id = client
        .call::<CreateJob>(&job("large", manifest, copy, 1, report))
        .await
        .unwrap()
        .job_id
        .unwrap();
    client
        .wait_for(&id, "progress", |j| progress(j).0 >= 5_000)
        .await;
    emulator.shutdown().await;

    let dst = data.join(format!("dst-{APPID}"));
    let first_run = files(&dst);
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(state.join(format!("jobs/{id}/job.json"))).unwrap())
            .unwrap();
    assert_eq!(record["status"], "Active", "the job had not finished");
    assert_eq!(record["succeeded"].as_u64(), Some(first_run.len() as u64));

    let emulator = Emulator::start(config()).await.unwrap();
    // A debug build on a shared machine: let each wait take minutes.
    let patience = Duration::from_secs(600);
    let client = Client::new(&emulator, &Account::demo()).patient(patience);
    assert_eq!(
        progress(&client.describe(&id).await).0,
        first_run.len() as u64
    );
    let done = client.wait_end(&id).await;
    assert_eq!(done.status, Some(JobStatus::Complete));
    assert_eq!(progress(&done), (N as u64, 0, N as u64));
    emulator.shutdown().await;

    // No copy of the first run was made again, and every task is in the report once, in
    // manifest order.
    let after = files(&dst);
    assert_eq!(after.len(), N);
    for (path, stamp) in &first_run {
        assert_eq!(after.get(path), Some(stamp), "{path} was copied again");
    }
    let rows = read_csv(&data.join(format!("reports-{APPID}/job-{id}/results/succeeded.csv")));
    let reported: Vec<&str> = rows.iter().map(|r| r[1].as_str()).collect();
    let expected: Vec<&str> = ks.iter().map(String::as_str).collect();
    assert!(reported == expected, "{} rows reported", reported.len());
}
