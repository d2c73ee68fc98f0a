//! Hand-written documents at the edges the vendor's pages imply: prolog, indentation, whitespace
//! around values, empty `JobFailure`, unknown elements and operations, limits and errors.

use cos_batch_model::*;

fn round_trip<T: XmlDocument + PartialEq + std::fmt::Debug>(value: &T) {
    let xml = value.to_xml();
    let back = T::from_xml(xml.as_bytes()).unwrap();
    assert_eq!(&back, value);
    assert_eq!(back.to_xml(), xml);
}

#[test]
fn full_create_job_request() {
    let r = CreateJobRequest::from_xml(include_bytes!("data/edge/create_job_request_full.xml"))
        .unwrap();
    assert_eq!(r.confirmation_required, Some(true));
    assert_eq!(
        r.description.as_deref(),
        Some("copy <all> & tag 'em — 复制")
    );
    assert_eq!(
        r.manifest.spec.fields,
        vec![
            ManifestField::Bucket,
            ManifestField::Key,
            ManifestField::VersionId
        ]
    );
    assert_eq!(r.priority, MAX_PRIORITY);
    let Operation::PutObjectCopy(c) = &r.operation else {
        panic!("copy")
    };
    assert_eq!(c.access_control_directive, Some(Directive::Replaced));
    assert_eq!(c.access_control_grants.len(), 2);
    assert_eq!(
        c.access_control_grants[0].grantee.display_name.as_deref(),
        Some("alice")
    );
    assert_eq!(
        c.access_control_grants[0].grantee.type_identifier,
        GranteeType::Id
    );
    assert_eq!(
        c.access_control_grants[1].permission,
        Permission::FullControl
    );
    assert_eq!(c.canned_access_control_list, Some(CannedAcl::Private));
    let since = c.modified_since_constraint.as_ref().unwrap();
    assert!(since.is_epoch_seconds());
    assert_eq!(since.unix_seconds(), 1_576_753_540);
    assert_eq!(
        c.un_modified_since_constraint
            .as_ref()
            .unwrap()
            .unix_seconds(),
        1_576_753_540
    );
    let m = c.new_object_metadata.as_ref().unwrap();
    assert_eq!(m.sse_algorithm, Some(SseAlgorithm::Aes256));
    assert_eq!(
        m.content_disposition.as_deref(),
        Some("attachment; filename=\"a.txt\"")
    );
    // Strings are kept verbatim, spaces included.
    assert_eq!(m.user_metadata[1], Tag::new("x-cos-meta-b", " spaced "));
    assert_eq!(c.tagging_directive, Some(Directive::Add));
    assert_eq!(c.storage_class, Some(StorageClass::StandardIa));
    assert_eq!(r.report.report_scope, ReportScope::FailedTasksOnly);
    r.validate().unwrap();
    // The ISO 8601 constraint is re-encoded as epoch seconds, as the Go SDK reads it.
    let xml = r.to_xml();
    assert!(xml.contains("<UnModifiedSinceConstraint>1576753540</UnModifiedSinceConstraint>"));
    let back = CreateJobRequest::from_xml(xml.as_bytes()).unwrap();
    round_trip(&back);
}

#[test]
fn other_operations() {
    let r = CreateJobRequest::from_xml(include_bytes!("data/edge/create_job_request_restore.xml"))
        .unwrap();
    assert_eq!(
        r.operation,
        Operation::InitiateRestoreObject(InitiateRestoreObject::new(365, JobTier::Bulk))
    );
    assert_eq!(
        r.manifest.spec.format,
        ManifestFormat::CosInventoryReportCsvV1
    );
    r.validate().unwrap();
    round_trip(&r);

    let r = CreateJobRequest::from_xml(include_bytes!("data/edge/create_job_request_tagging.xml"))
        .unwrap();
    let mut expected = PutObjectTagging::new(vec![Tag::new("k", "v & w"), Tag::new("k2", "")]);
    expected.tagging_directive = Some(Directive::Replaced);
    assert_eq!(r.operation, Operation::PutObjectTagging(expected));
    round_trip(&r);

    let r = CreateJobRequest::from_xml(include_bytes!("data/edge/create_job_request_delete.xml"))
        .unwrap();
    assert_eq!(r.operation, Operation::DeleteObject(DeleteObject::new()));
    assert!(
        r.to_xml()
            .contains("<Operation><COSDeleteObject/></Operation>")
    );
    round_trip(&r);
}

#[test]
fn describe_job_with_empty_job_failure() {
    let r = DescribeJobResult::from_xml(include_bytes!("data/edge/describe_job_result_full.xml"))
        .unwrap();
    let job = r.job.as_ref().unwrap();
    assert_eq!(job.failure_reasons, vec![JobFailure::new("", "")]);
    assert_eq!(job.priority, Some(10));
    assert_eq!(
        job.progress_summary.unwrap().total_number_of_tasks,
        Some(u64::MAX)
    );
    assert_eq!(job.status, Some(JobStatus::Complete));
    assert!(job.status.as_ref().unwrap().is_terminal());
    round_trip(&r);
}

#[test]
fn describe_job_is_lenient() {
    let r = DescribeJobResult::from_xml(include_bytes!(
        "data/edge/describe_job_result_unknown_operation.xml"
    ))
    .unwrap();
    let job = r.job.as_ref().unwrap();
    assert_eq!(
        job.operation, None,
        "unknown operations are ignored in responses"
    );
    assert_eq!(job.status, Some(JobStatus::Suspended));
    assert_eq!(
        job.suspended_date.as_ref().unwrap().as_str(),
        "2019-12-19T11:05:40.123+08:00"
    );
    round_trip(&r);

    let r = DescribeJobResult::from_xml(include_bytes!("data/edge/describe_job_result_sparse.xml"))
        .unwrap();
    let job = r.job.as_ref().unwrap();
    let manifest = job.manifest.as_ref().unwrap();
    assert_eq!(manifest.location.object_arn, "a");
    assert_eq!(manifest.location.etag, "");
    assert!(!job.report.as_ref().unwrap().enabled);
    assert_eq!(
        job.operation,
        Some(Operation::DeleteObject(DeleteObject::new()))
    );
    round_trip(&r);

    let r = DescribeJobResult::from_xml(b"<DescribeJobResult/>").unwrap();
    assert_eq!(r, DescribeJobResult::default());
}

#[test]
fn list_jobs_edge_cases() {
    let r =
        ListJobsResult::from_xml(include_bytes!("data/edge/list_jobs_result_empty.xml")).unwrap();
    assert_eq!(r, ListJobsResult::default());
    round_trip(&r);
    let r = ListJobsResult::from_xml(include_bytes!("data/edge/list_jobs_result_whitespace.xml"))
        .unwrap();
    assert_eq!(r.jobs[0].priority, Some(7));
    assert_eq!(r.jobs[0].status, Some(JobStatus::Paused));
    assert_eq!(
        r.jobs[0].operation,
        Some(OperationName::InitiateRestoreObject)
    );
    assert_eq!(
        r.jobs[0].creation_time.as_ref().unwrap().as_str(),
        "2019-12-19T11:05:40Z"
    );
    assert_eq!(
        r.jobs[1].operation,
        Some(OperationName::Other("COSFutureOperation".into()))
    );
    assert_eq!(r.jobs[1].status, Some(JobStatus::Other("Archived".into())));
    assert_eq!(r.next_token, None);
    round_trip(&r);
}

#[test]
fn small_results_and_errors() {
    let r = UpdateJobPriorityResult::from_xml(include_bytes!(
        "data/edge/update_job_priority_result.xml"
    ))
    .unwrap();
    assert_eq!(
        r,
        UpdateJobPriorityResult::new("53dc6228-c50b-46f7-8ad7-65e7159f1aae", 100)
    );
    round_trip(&r);
    let r =
        UpdateJobStatusResult::from_xml(include_bytes!("data/edge/update_job_status_result.xml"))
            .unwrap();
    assert_eq!(r.status, Some(JobStatus::Cancelling));
    round_trip(&r);
    let e = ErrorDocument::from_xml(include_bytes!("data/edge/error_document.xml")).unwrap();
    assert_eq!(e.code, Some(ErrorCode::NoSuchJob));
    assert_eq!(
        e.message.as_deref(),
        Some("The specified job does not exist")
    );
    assert_eq!(
        e.request_id.as_deref(),
        Some("NWRmYmJhYmRfMjViMjU4NjRfNmIzYV8xMDE2****")
    );
    assert!(e.trace_id.is_some() && e.resource.is_some());
    round_trip(&e);
    let e = ErrorDocument::from_xml(include_bytes!("data/edge/error_document_unknown_code.xml"))
        .unwrap();
    assert_eq!(e.code, Some(ErrorCode::Other("QuotaExceeded".into())));
    assert_eq!(e.message.as_deref(), Some(""));
    round_trip(&e);
}

fn minimal_request(manifest: &str, operation: &str, priority: &str) -> String {
    format!(
        "<CreateJobRequest><ClientRequestToken>t</ClientRequestToken>{manifest}\
         <Operation>{operation}</Operation><Priority>{priority}</Priority>\
         <Report><Bucket>b</Bucket><Enabled>true</Enabled><Format>Report_CSV_V1</Format>\
         <ReportScope>AllTasks</ReportScope></Report><RoleArn>r</RoleArn></CreateJobRequest>"
    )
}

const MANIFEST: &str = "<Manifest><Location><ETag>e</ETag><ObjectArn>a</ObjectArn></Location>\
    <Spec><Fields><member>Bucket</member><member>Key</member></Fields>\
    <Format>COSBatchOperations_CSV_V1</Format></Spec></Manifest>";
const DELETE: &str = "<COSDeleteObject/>";

fn request_error(xml: &str) -> DecodeError {
    CreateJobRequest::from_xml(xml.as_bytes()).unwrap_err()
}

#[test]
fn request_errors_name_the_path() {
    assert!(CreateJobRequest::from_xml(minimal_request(MANIFEST, DELETE, "1").as_bytes()).is_ok());

    let no_format = MANIFEST.replace("<Format>COSBatchOperations_CSV_V1</Format>", "");
    let e = request_error(&minimal_request(&no_format, DELETE, "1"));
    assert_eq!(
        e.to_string(),
        "CreateJobRequest/Manifest/Spec/Format: missing required element"
    );

    let e = request_error(&minimal_request(MANIFEST, DELETE, "2147483648"));
    assert_eq!(e.path(), "CreateJobRequest/Priority");
    assert_eq!(
        e.kind(),
        &DecodeErrorKind::InvalidValue {
            value: "2147483648".into(),
            expected: "an integer in 0..=2147483647"
        }
    );
    let e = request_error(&minimal_request(MANIFEST, DELETE, "-1"));
    assert_eq!(e.path(), "CreateJobRequest/Priority");

    let e = request_error(&minimal_request(
        MANIFEST,
        "<COSDeleteObject/><COSDeleteObject/>",
        "1",
    ));
    assert_eq!(e.kind(), &DecodeErrorKind::SecondOperation);
    assert_eq!(e.path(), "CreateJobRequest/Operation/COSDeleteObject");

    let e = request_error(&minimal_request(MANIFEST, "<COSNew/>", "1"));
    assert_eq!(e.kind(), &DecodeErrorKind::UnknownOperation);
    assert_eq!(e.path(), "CreateJobRequest/Operation/COSNew");

    let e = request_error(&minimal_request(MANIFEST, "", "1"));
    assert_eq!(e.kind(), &DecodeErrorKind::MissingOperation);
    assert_eq!(e.path(), "CreateJobRequest/Operation");

    let restore = "<COSInitiateRestoreObject><ExpirationInDays>366</ExpirationInDays>\
                   <JobTier>Bulk</JobTier></COSInitiateRestoreObject>";
    let e = request_error(&minimal_request(MANIFEST, restore, "1"));
    assert_eq!(
        e.path(),
        "CreateJobRequest/Operation/COSInitiateRestoreObject/ExpirationInDays"
    );

    let no_tier = "<COSInitiateRestoreObject><ExpirationInDays>3</ExpirationInDays>\
                   </COSInitiateRestoreObject>";
    let e = request_error(&minimal_request(MANIFEST, no_tier, "1"));
    assert_eq!(
        e.to_string(),
        "CreateJobRequest/Operation/COSInitiateRestoreObject/JobTier: missing required element"
    );

    let e = request_error(
        "<CreateJobRequest><ClientRequestToken>a</ClientRequestToken><ClientRequestToken>b</ClientRequestToken></CreateJobRequest>",
    );
    assert_eq!(e.kind(), &DecodeErrorKind::DuplicateElement);
    assert_eq!(e.path(), "CreateJobRequest/ClientRequestToken");

    let e = request_error("<CreateJobResult/>");
    assert!(matches!(e.kind(), DecodeErrorKind::UnexpectedRoot { .. }));

    let bad_grant = "<COSPutObjectCopy><AccessControlGrants><COSGrant><Permission>READ</Permission>\
                     </COSGrant></AccessControlGrants><TargetResource>t</TargetResource></COSPutObjectCopy>";
    let e = request_error(&minimal_request(MANIFEST, bad_grant, "1"));
    assert_eq!(
        e.path(),
        "CreateJobRequest/Operation/COSPutObjectCopy/AccessControlGrants/COSGrant/Grantee"
    );

    let bad_time = "<COSPutObjectCopy><ModifiedSinceConstraint>yesterday</ModifiedSinceConstraint>\
                    <TargetResource>t</TargetResource></COSPutObjectCopy>";
    let e = request_error(&minimal_request(MANIFEST, bad_time, "1"));
    assert_eq!(
        e.path(),
        "CreateJobRequest/Operation/COSPutObjectCopy/ModifiedSinceConstraint"
    );
}

#[test]
fn malformed_and_hostile_documents() {
    for bad in [
        &b""[..],
        b"   ",
        b"<ListJobsResult>",
        b"<ListJobsResult></ListJobs>",
        b"<ListJobsResult><Jobs></ListJobsResult>",
        b"text<ListJobsResult/>",
        b"<ListJobsResult/>trailing",
        b"\xff\xfe<ListJobsResult/>",
    ] {
        let e = ListJobsResult::from_xml(bad).unwrap_err();
        assert!(e.path().len() < 64, "{e}");
    }

    let dtd = br#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><ListJobsResult><NextToken>&lol2;</NextToken></ListJobsResult>"#;
    assert_eq!(
        ListJobsResult::from_xml(dtd).unwrap_err().kind(),
        &DecodeErrorKind::DtdNotAllowed
    );
    let entity = b"<ListJobsResult><NextToken>&lol;</NextToken></ListJobsResult>";
    let e = ListJobsResult::from_xml(entity).unwrap_err();
    assert_eq!(e.kind(), &DecodeErrorKind::UnknownEntity("lol".into()));
    assert_eq!(e.path(), "ListJobsResult/NextToken");

    let doc = include_bytes!("data/edge/list_jobs_result_whitespace.xml");
    let small = Limits::default().with_max_bytes(100);
    assert_eq!(
        ListJobsResult::from_xml_with(doc, &small)
            .unwrap_err()
            .kind(),
        &DecodeErrorKind::TooLarge {
            size: doc.len(),
            limit: 100
        }
    );
    let shallow = Limits::default().with_max_depth(3);
    let e = ListJobsResult::from_xml_with(doc, &shallow).unwrap_err();
    assert_eq!(e.kind(), &DecodeErrorKind::TooDeep { limit: 3 });
    assert_eq!(e.path(), "ListJobsResult/Jobs/member/CreationTime");
    let short = Limits::default().with_max_list_len(1);
    let e = ListJobsResult::from_xml_with(doc, &short).unwrap_err();
    assert_eq!(e.kind(), &DecodeErrorKind::TooManyItems { limit: 1 });
    assert_eq!(e.path(), "ListJobsResult/Jobs/member");

    // Deep unknown elements are bounded too.
    let deep = format!(
        "<ListJobsResult>{}{}</ListJobsResult>",
        "<x>".repeat(100),
        "</x>".repeat(100)
    );
    assert_eq!(
        ListJobsResult::from_xml(deep.as_bytes())
            .unwrap_err()
            .kind(),
        &DecodeErrorKind::TooDeep { limit: 32 }
    );

    // Out of range in a response is not known, not an error.
    let r = UpdateJobPriorityResult::from_xml(
        b"<UpdateJobPriorityResult><Priority>4294967296</Priority></UpdateJobPriorityResult>",
    )
    .unwrap();
    assert_eq!(r.priority, None);
    assert_eq!(r.unparsed("Priority"), Some("4294967296"));
}

#[test]
fn validate_reports_every_violation() {
    let mut r =
        CreateJobRequest::from_xml(minimal_request(MANIFEST, DELETE, "1").as_bytes()).unwrap();
    r.client_request_token = Some("x".repeat(65));
    r.description = Some("d".repeat(257));
    r.priority = u32::MAX;
    r.manifest.location.etag.clear();
    r.manifest.spec.fields.clear();
    r.report.prefix = Some("p".repeat(257));
    r.role_arn.clear();
    r.operation =
        Operation::InitiateRestoreObject(InitiateRestoreObject::new(0, JobTier::Standard));
    let errors = r.validate().unwrap_err();
    let paths: Vec<&str> = errors
        .violations()
        .iter()
        .map(|v| v.path.as_str())
        .collect();
    assert_eq!(
        paths,
        [
            "CreateJobRequest/ClientRequestToken",
            "CreateJobRequest/Description",
            "CreateJobRequest/Manifest/Location/ETag",
            "CreateJobRequest/Manifest/Spec/Fields",
            "CreateJobRequest/Operation/COSInitiateRestoreObject/ExpirationInDays",
            "CreateJobRequest/Priority",
            "CreateJobRequest/Report/Prefix",
            "CreateJobRequest/RoleArn",
        ]
    );

    let mut u = UpdateJobStatusRequest::new("", RequestedJobStatus::from("Active"));
    u.status_update_reason = Some("r".repeat(300));
    assert_eq!(u.validate().unwrap_err().violations().len(), 3);
    UpdateJobStatusRequest::new("j", RequestedJobStatus::Cancelled)
        .validate()
        .unwrap();

    let mut l = ListJobsRequest::new();
    l.validate().unwrap();
    l.max_results = Some(0);
    l.next_token = Some(String::new());
    assert_eq!(l.validate().unwrap_err().violations().len(), 2);
    l.max_results = Some(1000);
    l.next_token = Some("t".into());
    l.job_statuses = vec![JobStatus::Active, JobStatus::Complete];
    l.validate().unwrap();

    assert!(
        UpdateJobPriorityRequest::new("j", MAX_PRIORITY)
            .validate()
            .is_ok()
    );
    let e = UpdateJobPriorityRequest::new("j", MAX_PRIORITY + 1)
        .validate()
        .unwrap_err();
    assert!(e.has_path("UpdateJobPriorityRequest/priority"));
    assert!(DescribeJobRequest::new("x".repeat(65)).validate().is_err());
    assert!(DeleteJobRequest::new("").validate().is_err());
    assert!(DeleteJobRequest::new("j").validate().is_ok());
}
