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
        let etag = e.put_object("src", APPID, name, csv.as_bytes()).unwrap();
        Manifest::new(
            ManifestLocation::new(e.object_arn("src", APPID, name), etag),
            ManifestSpec::new(
                ManifestFormat::CosBatchOperationsCsvV1,
                vec![ManifestField::Bucket, ManifestField::Key],
            ),
        )
    };
    emulator.create_bucket("dst", APPID).unwrap();
    emulator.create_bucket("reports", APPID).unwrap();
    let report = Report::new(
        emulator.bucket_arn("reports", APPID),
        true,
        ReportScope::AllTasks,
    );

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
