//! Every request shape of the Go SDK (`cos-go-sdk-v5`, the fixtures of `cos-batch-proto`)
//! signed and sent to a running emulator: accepted, and answered with documents the Go SDK's
//! field types read (constraints as epoch seconds, one `COSGrant` per grant, integer counts).

mod common;
#[path = "../../cos-batch-proto/tests/go_sdk/mod.rs"]
mod go_sdk;

use bytes::Bytes;
use common::*;
use cos_batch_emulator::ObjectMeta;
use cos_batch_model::*;
use cos_batch_proto::{CreateJob, DescribeJob, ListJobs, Operation as _, UpdateJobStatus};
use http::Response;

/// The text of every `<name>` element of `xml`.
fn texts<'a>(xml: &'a str, name: &str) -> Vec<&'a str> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    xml.match_indices(&open)
        .filter_map(|(i, _)| {
            let rest = &xml[i + open.len()..];
            rest.find(&close).map(|end| &rest[..end])
        })
        .collect()
}

struct GoClient<'a> {
    f: &'a Fixture,
    vars: Vec<(&'static str, String)>,
}

impl GoClient<'_> {
    async fn send(&self, text: &str, extra: &[(&'static str, &str)]) -> Response<Bytes> {
        let mut vars: Vec<(&str, &str)> = self.vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        vars.extend_from_slice(extra);
        let request = go_sdk::request(text, &vars);
        let c = &self.f.client;
        c.send(c.sign(request)).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_go_sdk_request_is_accepted_and_answered_in_go_types() {
    let f = Fixture::new(|c| c).await;
    let e = &f.emulator;
    e.put_object("photos", APPID, "in/a.txt", b"hello").unwrap();
    // A source of another class and ACL: a copy without settings must not carry them over.
    let mut source = ObjectMeta::default();
    source.storage_class = Some("STANDARD_IA".into());
    source.acl.canned = Some("public-read".into());
    e.set_object_meta("photos", APPID, "in/a.txt", &source)
        .unwrap();
    let etag = e
        .put_object(
            "photos",
            APPID,
            "manifest.csv",
            b"photos-1250000000,in/a.txt\n",
        )
        .unwrap();
    e.create_bucket("dst", APPID).unwrap();
    e.create_bucket("reports", APPID).unwrap();
    let go = GoClient {
        f: &f,
        vars: vec![
            ("HOST", f.client.endpoint.authority().to_owned()),
            ("APPID", APPID.to_owned()),
            ("MANIFEST_ETAG", etag),
            (
                "MANIFEST_ARN",
                e.object_arn("photos", APPID, "manifest.csv"),
            ),
            ("TARGET_ARN", e.bucket_arn("dst", APPID)),
            ("REPORT_ARN", e.bucket_arn("reports", APPID)),
            ("ROLE_ARN", ROLE.to_owned()),
        ],
    };

    // A value the API does not document is refused at CreateJob, not failed later.
    let copy = go_sdk::CREATE_JOB[0].1;
    for (from, to) in [
        (">STANDARD_IA<", ">COLD<"),
        ("<JobTier>Bulk<", "<JobTier>Fast<"),
        (
            "<AccessControlDirective>Replaced<",
            "<AccessControlDirective>Merge<",
        ),
    ] {
        let text = if from.contains("JobTier") {
            go_sdk::CREATE_JOB[2].1.replace(from, to)
        } else {
            copy.replace(from, to)
        };
        let response = go.send(&text, &[("TOKEN", "refused")]).await;
        let err = CreateJob::decode_response(&response).unwrap_err();
        let err = err.as_service().unwrap();
        assert_eq!(
            (err.code(), err.status().as_u16()),
            (&ErrorCode::MalformedXml, 400),
            "{to}"
        );
    }

    let mut ids = Vec::new();
    for (name, text) in go_sdk::CREATE_JOB {
        let response = go.send(text, &[("TOKEN", name)]).await;
        let body = String::from_utf8_lossy(response.body()).into_owned();
        assert_eq!(response.status(), 200, "{name}: {body}");
        let id = CreateJob::decode_response(&response)
            .unwrap()
            .job_id
            .unwrap();

        let response = go.send(go_sdk::DESCRIBE_JOB, &[("JOB_ID", &id)]).await;
        assert_eq!(response.status(), 200);
        let xml = String::from_utf8(response.body().to_vec()).unwrap();
        // The Go SDK reads these as int / int64: digits only.
        for element in [
            "Priority",
            "NumberOfTasksFailed",
            "NumberOfTasksSucceeded",
            "TotalNumberOfTasks",
            "ModifiedSinceConstraint",
            "UnModifiedSinceConstraint",
        ] {
            for value in texts(&xml, element) {
                assert!(
                    !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()),
                    "{name}: {element} = {value:?}"
                );
            }
        }
        if name == "copy-full" {
            assert_eq!(texts(&xml, "ModifiedSinceConstraint"), ["1576753540"]);
            assert_eq!(texts(&xml, "COSGrant").len(), 1, "one COSGrant per grant");
            assert_eq!(
                texts(&xml, "HttpExpiresDate"),
                ["Thu, 19 Dec 2030 18:00:30 GMT"]
            );
        }
        let job = DescribeJob::decode_response(&response)
            .unwrap()
            .job
            .unwrap();
        assert!(job.unparsed.is_empty(), "{name}: {:?}", job.unparsed);
        ids.push((name, id));
    }
    let id_of = |wanted: &str| {
        ids.iter()
            .find(|(name, _)| *name == wanted)
            .map(|(_, id)| id.clone())
            .unwrap()
    };

    // The listing, plain and filtered, as the Go SDK asks for it.
    let response = go.send(go_sdk::LIST_JOBS, &[]).await;
    assert_eq!(response.status(), 200);
    assert_eq!(ListJobs::decode_response(&response).unwrap().jobs.len(), 5);
    let first = &ids[0].1;
    let response = go
        .send(go_sdk::LIST_JOBS_FILTERED, &[("JOB_ID", first)])
        .await;
    assert_eq!(response.status(), 200, "{:?}", response.body());

    // The confirmed copy: priority, then Ready, then it runs.
    let copy = id_of("copy-full");
    f.client.wait_status(&copy, JobStatus::Suspended).await;
    let response = go
        .send(go_sdk::UPDATE_JOB_PRIORITY, &[("JOB_ID", &copy)])
        .await;
    assert_eq!(response.status(), 200, "{:?}", response.body());
    let response = go
        .send(go_sdk::UPDATE_JOB_STATUS_READY, &[("JOB_ID", &copy)])
        .await;
    assert_eq!(response.status(), 200, "{:?}", response.body());
    let job = f.client.wait_end(&copy).await;
    assert_eq!(job.status, Some(JobStatus::Complete));
    assert_eq!(progress(&job), (1, 0, 1));
    let meta = e.object_meta("dst", APPID, "out/a.txt").unwrap();
    assert_eq!(meta.storage_class.as_deref(), Some("STANDARD_IA"));
    assert_eq!(meta.tags.get("reviewed").map(String::as_str), Some(""));
    assert_eq!(
        meta.headers.expires.as_deref(),
        Some("Thu, 19 Dec 2030 18:00:30 GMT")
    );

    // The confirmed delete: cancelled with the Go SDK's reason, then deleted.
    let delete = id_of("delete");
    f.client.wait_status(&delete, JobStatus::Suspended).await;
    let response = go
        .send(go_sdk::UPDATE_JOB_STATUS_CANCELLED, &[("JOB_ID", &delete)])
        .await;
    assert_eq!(response.status(), 200, "{:?}", response.body());
    let result = UpdateJobStatus::decode_response(&response).unwrap();
    assert_eq!(
        result.status_update_reason.as_deref(),
        Some(go_sdk::CANCEL_REASON)
    );
    f.client.wait_end(&delete).await;
    let response = go.send(go_sdk::DELETE_JOB, &[("JOB_ID", &delete)]).await;
    assert!(response.status().is_success(), "{:?}", response.body());
    assert!(e.object_meta("photos", APPID, "in/a.txt").is_ok());

    // The minimal copy: STANDARD and the bucket's ACL, not the source's class and ACL.
    let minimal = id_of("copy-minimal");
    assert_eq!(
        f.client.wait_end(&minimal).await.status,
        Some(JobStatus::Complete)
    );
    let meta = e.object_meta("dst", APPID, "in/a.txt").unwrap();
    assert_eq!(meta.storage_class, None, "STANDARD");
    assert!(
        meta.acl.is_empty(),
        "the bucket's default ACL: {:?}",
        meta.acl
    );

    // The tagging job with its empty TaggingDirective ran as a replace.
    let tagging = id_of("tagging");
    let job = f.client.wait_end(&tagging).await;
    assert_eq!(progress(&job), (1, 0, 1));
    f.emulator.shutdown().await;
}
