//! Every request shape of the Go SDK's batch calls decodes with `decode_request` (fixtures in
//! `go_sdk/data`), and unknown enum values are `MalformedXML`.

mod go_sdk;

use cos_batch_model::*;
use cos_batch_proto::{Call, decode_request};

const JOB: &str = "53dc6228-c50b-46f7-8ad7-65e7159f1aae";

fn vars() -> Vec<(&'static str, &'static str)> {
    vec![
        ("HOST", "100000000001.cos-control.ap-chengdu.myqcloud.com"),
        ("APPID", "1250000000"),
        ("TOKEN", "go-sdk-token"),
        ("MANIFEST_ETAG", "15150651828fa9cdcb8356b6d1c7638b"),
        (
            "MANIFEST_ARN",
            "qcs::cos:ap-chengdu::sourcebucket-1250000000/manifest.csv",
        ),
        (
            "TARGET_ARN",
            "qcs::cos:ap-chengdu::destinationbucket-1250000000",
        ),
        ("REPORT_ARN", "qcs::cos:ap-chengdu::reports-1250000000"),
        (
            "ROLE_ARN",
            "qcs::cam::uin/100000000001:roleName/COS_Batch_QcsRole",
        ),
        ("JOB_ID", JOB),
    ]
}

fn call(text: &str) -> Call {
    let incoming =
        decode_request(&go_sdk::request(text, &vars())).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(incoming.appid, "1250000000");
    incoming.call
}

fn create_job(text: &str) -> CreateJobRequest {
    let Call::CreateJob(job) = call(text) else {
        panic!("not CreateJob")
    };
    assert_eq!(job.client_request_token.as_deref(), Some("go-sdk-token"));
    assert_eq!(
        job.manifest.location.etag,
        "\"15150651828fa9cdcb8356b6d1c7638b\""
    );
    *job
}

#[test]
fn every_create_job_body_decodes() {
    for (name, text) in go_sdk::CREATE_JOB {
        let job = create_job(text);
        match name {
            "copy-full" => {
                assert_eq!(job.confirmation_required, Some(true));
                let Operation::PutObjectCopy(c) = &job.operation else {
                    panic!("copy")
                };
                assert_eq!(c.access_control_grants.len(), 1);
                assert_eq!(
                    c.modified_since_constraint
                        .as_ref()
                        .map(Timestamp::unix_seconds),
                    Some(1_576_753_540)
                );
                let m = c.new_object_metadata.as_ref().unwrap();
                assert_eq!(
                    m.http_expires_date.as_deref(),
                    Some("Thu, 19 Dec 2030 18:00:30 GMT")
                );
                assert_eq!(
                    c.new_object_tagging,
                    vec![Tag::new("team", "media"), Tag::new("reviewed", "")]
                );
                assert!(job.report.enabled);
            }
            "copy-minimal" => {
                assert_eq!(job.priority, 0);
                assert!(!job.report.enabled);
                assert_eq!(job.confirmation_required, None);
            }
            "restore" => {
                assert_eq!(
                    job.operation,
                    Operation::InitiateRestoreObject(InitiateRestoreObject::new(3, JobTier::Bulk))
                );
                assert_eq!(job.confirmation_required, Some(false));
            }
            "tagging" => {
                let Operation::PutObjectTagging(t) = &job.operation else {
                    panic!("tagging")
                };
                assert_eq!(t.tagging_directive, None);
                assert_eq!(t.tag_set.len(), 2);
            }
            "delete" => {
                assert_eq!(job.priority, MAX_PRIORITY);
                assert!(matches!(job.operation, Operation::DeleteObject(_)));
            }
            other => panic!("{other}"),
        }
    }
}

#[test]
fn every_query_form_decodes() {
    assert_eq!(
        call(go_sdk::LIST_JOBS),
        Call::ListJobs(ListJobsRequest::new())
    );
    let Call::ListJobs(list) = call(go_sdk::LIST_JOBS_FILTERED) else {
        panic!("ListJobs")
    };
    assert_eq!(list.job_statuses, vec![JobStatus::Suspended]);
    assert_eq!(list.max_results, Some(10));
    assert_eq!(list.next_token.as_deref(), Some(JOB));
    assert_eq!(
        call(go_sdk::DESCRIBE_JOB),
        Call::DescribeJob(DescribeJobRequest::new(JOB))
    );
    assert_eq!(
        call(go_sdk::UPDATE_JOB_PRIORITY),
        Call::UpdateJobPriority(UpdateJobPriorityRequest::new(JOB, 7))
    );
    assert_eq!(
        call(go_sdk::UPDATE_JOB_STATUS_READY),
        Call::UpdateJobStatus(UpdateJobStatusRequest::new(JOB, RequestedJobStatus::Ready))
    );
    let mut cancel = UpdateJobStatusRequest::new(JOB, RequestedJobStatus::Cancelled);
    cancel.status_update_reason = Some(go_sdk::CANCEL_REASON.to_owned());
    assert_eq!(
        call(go_sdk::UPDATE_JOB_STATUS_CANCELLED),
        Call::UpdateJobStatus(cancel)
    );
    assert_eq!(
        call(go_sdk::DELETE_JOB),
        Call::DeleteJob(DeleteJobRequest::new(JOB))
    );
}

#[test]
fn unknown_enum_values_are_malformed_xml() {
    let copy = go_sdk::CREATE_JOB[0].1;
    for (from, to) in [
        ("<StorageClass>STANDARD_IA<", "<StorageClass>COLD<"),
        ("<MetadataDirective>Replaced<", "<MetadataDirective>Merge<"),
        ("<Permission>READ<", "<Permission>READ_ACP<"),
        (
            "<CannedAccessControlList>private<",
            "<CannedAccessControlList>x<",
        ),
        ("<ReportScope>AllTasks<", "<ReportScope>Some<"),
        ("<Format>Report_CSV_V1<", "<Format>Report_CSV_V2<"),
        ("<Format>COSBatchOperations_CSV_V1<", "<Format>Parquet<"),
        ("<Bucket>${REPORT_ARN}<", "<Bucket><"),
    ] {
        let text = copy.replace(from, to);
        assert_ne!(text, copy, "{from}");
        let e = decode_request(&go_sdk::request(&text, &vars())).unwrap_err();
        assert_eq!(e.code(), &ErrorCode::MalformedXml, "{to}: {e}");
        assert_eq!(e.status(), 400);
    }
    let restore = go_sdk::CREATE_JOB[2].1.replace(">Bulk<", ">Expedited<");
    let e = decode_request(&go_sdk::request(&restore, &vars())).unwrap_err();
    assert_eq!(e.code(), &ErrorCode::MalformedXml, "{e}");
    assert!(e.message().contains("JobTier"), "{e}");
    let tagging = go_sdk::CREATE_JOB[3]
        .1
        .replace("<TaggingDirective></", "<TaggingDirective>Merge</");
    let e = decode_request(&go_sdk::request(&tagging, &vars())).unwrap_err();
    assert_eq!(e.code(), &ErrorCode::MalformedXml, "{e}");
}
