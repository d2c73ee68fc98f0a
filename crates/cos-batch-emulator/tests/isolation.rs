//! Account isolation: a job of one account cannot read or write another account's buckets,
//! through any ARN of CreateJob or any manifest row, and nothing about the other account's
//! objects shows in an answer, a job or a report.

mod common;

use common::*;
use cos_batch_emulator::{Account, Config};
use cos_batch_model::*;
use cos_batch_proto::CreateJob;

const OTHER: &str = "1250000001";

fn other_account() -> Account {
    Account::new("100000000002", OTHER, "AKIDOTHERACCOUNT", "other-secret")
}

/// The demo account's fixture, with a second account that owns `secret-{OTHER}/data.txt`
/// and a manifest `secret-{OTHER}/manifest.csv`; the MD5s of both.
async fn two_accounts() -> (Fixture, String, String) {
    let f = Fixture::new(|c: Config| {
        c.with_account(Account::demo())
            .with_account(other_account())
    })
    .await;
    let data_md5 = f
        .emulator
        .put_object("secret", OTHER, "data.txt", b"the other account's data")
        .unwrap();
    let manifest_md5 = f
        .emulator
        .put_object(
            "secret",
            OTHER,
            "manifest.csv",
            format!("secret-{OTHER},data.txt\n").as_bytes(),
        )
        .unwrap();
    f.emulator.create_bucket("reports", OTHER).unwrap();
    (f, data_md5, manifest_md5)
}

fn own_manifest(f: &Fixture) -> Manifest {
    f.put_objects("src", &["a.txt".to_owned()]);
    f.manifest(
        "src",
        "manifest.csv",
        &[(format!("src-{APPID}"), "a.txt".to_owned())],
    )
}

fn assert_denied(err: &cos_batch_proto::CosError, secrets: &[&str]) {
    assert_eq!(err.status(), http::StatusCode::FORBIDDEN, "{err:?}");
    assert_eq!(err.code(), &ErrorCode::AccessDenied, "{err:?}");
    for s in secrets {
        assert!(
            !err.message().contains(s),
            "{:?} discloses {s}",
            err.message()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_job_refuses_every_arn_of_another_account() {
    let (f, data_md5, manifest_md5) = two_accounts().await;
    let secrets = [data_md5.as_str(), manifest_md5.as_str()];
    let own_report = f.report(ReportScope::AllTasks);

    // TargetResource: a copy into the other account's bucket.
    let copy = PutObjectCopy::new(f.emulator.bucket_arn("secret", OTHER));
    let request = job(
        "t1",
        own_manifest(&f),
        Operation::PutObjectCopy(copy),
        1,
        own_report.clone(),
    );
    assert_denied(&f.client.call_err::<CreateJob>(&request).await, &secrets);
    // The same bucket named without `uid/`, by its full name.
    let copy = PutObjectCopy::new(format!("qcs::cos:ap-guangzhou::secret-{OTHER}"));
    let request = job(
        "t2",
        own_manifest(&f),
        Operation::PutObjectCopy(copy),
        1,
        own_report.clone(),
    );
    assert_denied(&f.client.call_err::<CreateJob>(&request).await, &secrets);

    // Report/Bucket: the report written into the other account's bucket.
    let report = Report::new(
        f.emulator.bucket_arn("reports", OTHER),
        true,
        ReportScope::AllTasks,
    );
    let request = job("t3", own_manifest(&f), tagging(&[("k", "v")]), 1, report);
    assert_denied(&f.client.call_err::<CreateJob>(&request).await, &secrets);

    // Manifest ObjectArn: the other account's manifest, with a wrong ETag (whose mismatch
    // message would disclose the real MD5) and with the right one.
    for etag in [
        "\"0123456789abcdef0123456789abcdef\"",
        manifest_md5.as_str(),
    ] {
        let manifest = Manifest::new(
            ManifestLocation::new(f.emulator.object_arn("secret", OTHER, "manifest.csv"), etag),
            ManifestSpec::new(
                ManifestFormat::CosBatchOperationsCsvV1,
                vec![ManifestField::Bucket, ManifestField::Key],
            ),
        );
        let request = job(
            "t4",
            manifest,
            tagging(&[("k", "v")]),
            1,
            own_report.clone(),
        );
        assert_denied(&f.client.call_err::<CreateJob>(&request).await, &secrets);
    }
    assert!(
        f.client
            .call::<cos_batch_proto::ListJobs>(&ListJobsRequest::new())
            .await
            .unwrap()
            .jobs
            .is_empty(),
        "a refused job was made"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manifest_rows_naming_another_accounts_bucket_fail_per_task() {
    let (f, data_md5, _) = two_accounts().await;
    f.put_objects("src", &["mine.txt".to_owned()]);
    let manifest = f.manifest(
        "src",
        "manifest.csv",
        &[
            (format!("src-{APPID}"), "mine.txt".to_owned()),
            (format!("secret-{OTHER}"), "data.txt".to_owned()),
            (format!("secret-{OTHER}"), "missing.txt".to_owned()),
        ],
    );
    // A delete: had it reached the other account's bucket, its object would be gone.
    let request = job(
        "rows",
        manifest,
        Operation::DeleteObject(DeleteObject::new()),
        1,
        f.report(ReportScope::AllTasks),
    );
    let id = f.client.create(&request).await;
    let ended = f.client.wait_end(&id).await;
    assert_eq!(progress(&ended).0, 1);
    assert_eq!(progress(&ended).1, 2);
    let path = f.emulator.object_path("secret", OTHER, "data.txt").unwrap();
    assert_eq!(std::fs::read(path).unwrap(), b"the other account's data");
    let failed = f.report_rows(&id, "failed");
    assert_eq!(failed.len(), 2, "{failed:?}");
    // Both rows fail alike: whether the other account's object exists does not show.
    for row in &failed {
        assert_eq!(row[4], "AccessDenied", "{row:?}");
        assert_eq!(row[5], "403", "{row:?}");
        assert!(!row.join(",").contains(&data_md5), "{row:?}");
    }
    assert_eq!(failed[0][6], failed[1][6]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_object_helpers_keep_to_the_same_rule() {
    let (f, _, _) = two_accounts().await;
    let denied = f
        .emulator
        .put_object(&format!("secret-{OTHER}"), APPID, "data.txt", b"overwrite")
        .unwrap_err();
    assert_eq!(denied.kind(), std::io::ErrorKind::PermissionDenied);
    assert!(
        f.emulator
            .object_meta(&format!("secret-{OTHER}"), APPID, "data.txt")
            .is_err()
    );
    assert!(
        f.emulator
            .create_bucket(&format!("new-{OTHER}"), APPID)
            .is_err()
    );
    // Its own account's names are served as before.
    f.emulator
        .put_object(&format!("secret-{OTHER}"), OTHER, "data2.txt", b"ok")
        .unwrap();
}
