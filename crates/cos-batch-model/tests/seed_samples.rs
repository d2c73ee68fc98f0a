//! Every XML sample of the vendor's pages (copied into `tests/data/`) decodes to the values it
//! shows and re-encodes to an equivalent document.
//!
//! Skeletons carry placeholders (`string`, `integer`, `boolean`, `timestamp`); `fill` puts typed
//! values in their place. Equivalence: the encoding equals the sample with the whitespace between
//! elements removed (element order follows the skeletons), after unescaping `&quot;`/`&apos;`,
//! which the encoder writes for `"` and `'` in text and the samples write literally.

use cos_batch_model::*;

fn compact(xml: &str) -> String {
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml.trim();
    while let Some(i) = rest.find('>') {
        let (head, tail) = rest.split_at(i + 1);
        out.push_str(head);
        let trimmed = tail.trim_start();
        rest = if trimmed.starts_with('<') {
            trimmed
        } else {
            tail
        };
    }
    out.push_str(rest);
    out
}

fn fill(xml: &str) -> String {
    xml.replace(">timestamp<", ">2019-12-19T11:05:40Z<")
        .replace("> integer <", ">10<")
        .replace(">integer<", ">10<")
        .replace("> string <", ">string<")
        .replace(">boolean<", ">true<")
}

/// Drops the first `<name>...</name>` element of `xml` (no nesting of the same name).
fn remove_element(xml: &str, name: &str) -> String {
    let start = xml.find(&format!("<{name}>")).expect("element");
    let close = format!("</{name}>");
    let end = xml[start..].find(&close).expect("end") + start + close.len();
    format!("{}{}", &xml[..start], &xml[end..])
}

/// `xml` with its copy constraints in epoch seconds, as they are always encoded.
fn epoch_constraints(xml: &str) -> String {
    xml.replace(
        "Constraint>2019-12-19T11:05:40Z</",
        "Constraint>1576753540</",
    )
}

fn assert_reencodes<T: XmlDocument + PartialEq + std::fmt::Debug>(value: &T, sample: &str) {
    let xml = value.to_xml();
    // The encoder escapes quotes in text too; the samples do not.
    let unquoted = xml.replace("&quot;", "\"").replace("&apos;", "'");
    assert_eq!(unquoted, compact(sample));
    // Decoding what was encoded gives the same encoding (copy constraints read back as the
    // epoch seconds they were written as).
    assert_eq!(T::from_xml(xml.as_bytes()).unwrap().to_xml(), xml);
}

const REQ_EXAMPLE_000: &str = include_str!("data/000_create_job_request_example.xml");
const REQ_EXAMPLE_003: &str = include_str!("data/003_create_job_request_example.xml");
const REQ_SKELETON_000: &str = include_str!("data/000_create_job_request_skeleton.xml");
const REQ_SKELETON_003: &str = include_str!("data/003_create_job_request_skeleton.xml");

#[test]
fn create_job_request_example_000() {
    let r = CreateJobRequest::from_xml(REQ_EXAMPLE_000.as_bytes()).unwrap();
    assert_eq!(
        r.client_request_token.as_deref(),
        Some("184ce261-18af-5e3d-3e30-253723cfd937")
    );
    assert_eq!(r.confirmation_required, Some(false));
    assert_eq!(r.description.as_deref(), Some("example-job"));
    assert_eq!(
        r.manifest.location.etag,
        "\"15150651828fa9cdcb8356b6d1c7638b\""
    );
    assert_eq!(
        r.manifest.location.object_arn,
        "qcs::cos:ap-chengdu::sourcebucket-1250000000/manifests/batch-copy-manifest.csv"
    );
    assert_eq!(r.manifest.location.object_version_id, None);
    assert_eq!(
        r.manifest.spec.fields,
        vec![ManifestField::Bucket, ManifestField::Key]
    );
    assert_eq!(
        r.manifest.spec.format,
        ManifestFormat::CosBatchOperationsCsvV1
    );
    let Operation::PutObjectCopy(copy) = &r.operation else {
        panic!("expected a copy: {:?}", r.operation)
    };
    assert_eq!(
        copy,
        &PutObjectCopy::new("qcs::cos:ap-chengdu:uid/1250000000:destinationbucket-1250000000")
    );
    assert_eq!(r.priority, 10);
    assert_eq!(
        r.report,
        Report::new(
            "qcs::cos:ap-chengdu::sourcebucket-1250000000",
            true,
            ReportScope::AllTasks
        )
        .with_prefix("job-result")
    );
    assert_eq!(
        r.role_arn,
        "qcs::cam::uin/100000000001:roleName/COS_Batch_QcsRole"
    );
    r.validate().unwrap();
    assert_reencodes(&r, REQ_EXAMPLE_000);
}

#[test]
fn create_job_request_example_003_tab_indented() {
    let r = CreateJobRequest::from_xml(REQ_EXAMPLE_003.as_bytes()).unwrap();
    assert_eq!(
        r.client_request_token.as_deref(),
        Some("1829b6c7-3141-42f1-9fe4-17082b841646")
    );
    assert_eq!(r.description.as_deref(), Some("example job"));
    assert_eq!(
        r.manifest.location.object_arn,
        "qcs::cos:ap-chengdu::manifest-1250000000/1250000000/source/manifest/20190715/manifest.json"
    );
    assert_eq!(r.operation.name(), OperationName::PutObjectCopy);
    assert_eq!(r.report.prefix.as_deref(), Some("example-job-result"));
    assert_eq!(
        r.role_arn,
        "qcs::cam::uin/100000000001:roleName/examplerole"
    );
    r.validate().unwrap();
    assert_reencodes(&r, REQ_EXAMPLE_003);
}

#[test]
fn create_job_request_skeleton_000_errors_then_decodes() {
    // As published: placeholders are not values.
    let e = CreateJobRequest::from_xml(REQ_SKELETON_000.as_bytes()).unwrap_err();
    assert_eq!(e.path(), "CreateJobRequest/ConfirmationRequired");
    assert!(matches!(e.kind(), DecodeErrorKind::InvalidValue { .. }));

    // Filled in, it still lists two operations ...
    let filled = fill(REQ_SKELETON_000);
    let e = CreateJobRequest::from_xml(filled.as_bytes()).unwrap_err();
    assert_eq!(e.kind(), &DecodeErrorKind::SecondOperation);
    assert_eq!(e.path(), "CreateJobRequest/Operation/COSPutObjectCopy");

    // ... and MetadataDirective twice.
    let one_op = remove_element(&filled, "COSInitiateRestoreObject");
    let e = CreateJobRequest::from_xml(one_op.as_bytes()).unwrap_err();
    assert_eq!(e.kind(), &DecodeErrorKind::DuplicateElement);
    assert_eq!(
        e.path(),
        "CreateJobRequest/Operation/COSPutObjectCopy/MetadataDirective"
    );

    // Without the second MetadataDirective it decodes: every field of COSPutObjectCopy.
    let first = one_op.find("<MetadataDirective>").unwrap();
    let second = first + 1 + one_op[first + 1..].find("<MetadataDirective>").unwrap();
    let tail = remove_element(&one_op[second..], "MetadataDirective");
    let doc = format!("{}{}", &one_op[..second], tail);
    let r = CreateJobRequest::from_xml(doc.as_bytes()).unwrap();
    let Operation::PutObjectCopy(c) = &r.operation else {
        panic!("copy")
    };
    assert_eq!(
        c.access_control_directive,
        Some(Directive::Other("string".into()))
    );
    assert_eq!(c.access_control_grants.len(), 2);
    assert_eq!(c.access_control_grants[1].grantee.identifier, "string");
    assert_eq!(c.prefix_replace, Some(true));
    assert_eq!(c.resources_prefix.as_deref(), Some("string"));
    assert_eq!(c.target_key_prefix.as_deref(), Some("string"));
    assert_eq!(
        c.modified_since_constraint
            .as_ref()
            .map(Timestamp::unix_seconds),
        Some(1_576_753_540)
    );
    assert!(c.un_modified_since_constraint.is_some());
    let m = c.new_object_metadata.as_ref().unwrap();
    assert_eq!(m.user_metadata.len(), 2);
    assert_eq!(m.cache_control.as_deref(), Some("string"));
    assert!(m.http_expires_date.is_some());
    assert_eq!(c.new_object_tagging, vec![Tag::new("string", "string")]);
    assert_eq!(c.storage_class, Some(StorageClass::Other("string".into())));
    assert_eq!(c.target_resource, "string");
    assert_eq!(r.priority, 10);
    assert_eq!(r.confirmation_required, Some(true));
    assert_reencodes(&r, &epoch_constraints(&doc));
}

fn remove_element_from(xml: &str, name: &str) -> String {
    remove_element(xml, name)
}

#[test]
fn create_job_request_skeleton_003() {
    let filled = fill(REQ_SKELETON_003);
    let e = CreateJobRequest::from_xml(filled.as_bytes()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "CreateJobRequest/Operation/COSPutObjectCopy: second operation; exactly one is allowed"
    );
    let restore_only = remove_element_from(&filled, "COSPutObjectCopy");
    let r = CreateJobRequest::from_xml(restore_only.as_bytes()).unwrap();
    assert_eq!(
        r.operation,
        Operation::InitiateRestoreObject(InitiateRestoreObject::new(
            10,
            JobTier::Other("string".into())
        ))
    );
    assert_eq!(
        r.manifest.location.object_version_id.as_deref(),
        Some("string")
    );
    assert_eq!(
        r.manifest.spec.fields,
        vec![
            ManifestField::Other("string".into()),
            ManifestField::Other("string".into())
        ]
    );
    assert_reencodes(&r, &restore_only);
    let copy_only = remove_element_from(&filled, "COSInitiateRestoreObject");
    let r = CreateJobRequest::from_xml(copy_only.as_bytes()).unwrap();
    assert_eq!(r.operation.name(), OperationName::PutObjectCopy);
    assert_reencodes(&r, &epoch_constraints(&copy_only));
}

#[test]
fn create_job_results() {
    for (sample, id) in [
        (
            include_str!("data/000_create_job_result_example.xml"),
            "53dc6228-c50b-46f7-8ad7-65e7159f1aae",
        ),
        (
            include_str!("data/003_create_job_result_example.xml"),
            "53dc6228-c50b-46f7-8ad7-65e7159f1aae",
        ),
        (
            include_str!("data/000_create_job_result_skeleton.xml"),
            "string",
        ),
        (
            include_str!("data/003_create_job_result_skeleton.xml"),
            "string",
        ),
    ] {
        let r = CreateJobResult::from_xml(sample.as_bytes()).unwrap();
        assert_eq!(r, CreateJobResult::new(id));
        assert_reencodes(&r, sample);
    }
}

#[test]
fn describe_job_result_skeleton() {
    let sample = include_str!("data/001_describe_job_result_skeleton.xml");
    // The placeholders do not parse: the document still decodes, keeping their text.
    let raw = DescribeJobResult::from_xml(sample.as_bytes())
        .unwrap()
        .job
        .unwrap();
    assert_eq!(raw.confirmation_required, None);
    assert_eq!(raw.unparsed("ConfirmationRequired"), Some("boolean"));
    assert_eq!(raw.unparsed("Report/Enabled"), Some("boolean"));
    assert_eq!(raw.description.as_deref(), Some("string"));
    let filled = fill(sample);
    let r = DescribeJobResult::from_xml(filled.as_bytes()).unwrap();
    let job = r.job.as_ref().unwrap();
    assert_eq!(job.confirmation_required, Some(true));
    assert_eq!(
        job.creation_time.as_ref().unwrap().as_str(),
        "2019-12-19T11:05:40Z"
    );
    assert_eq!(job.description.as_deref(), Some("string"));
    assert_eq!(
        job.failure_reasons,
        vec![JobFailure::new("string", "string")]
    );
    assert_eq!(job.job_id.as_deref(), Some("string"));
    let manifest = job.manifest.as_ref().unwrap();
    assert_eq!(manifest.location.etag, "string");
    assert!(manifest.spec.fields.is_empty());
    let Some(Operation::PutObjectCopy(c)) = &job.operation else {
        panic!("copy")
    };
    assert_eq!(
        c.canned_access_control_list,
        Some(CannedAcl::Other("string".into()))
    );
    assert_eq!(
        c.new_object_metadata.as_ref().unwrap().user_metadata,
        vec![Tag::new("string", "string"), Tag::new("string", "string")]
    );
    assert_eq!(job.priority, Some(10));
    assert_eq!(job.progress_summary, Some(ProgressSummary::new(10, 10, 10)));
    assert!(job.report.as_ref().unwrap().enabled);
    assert_eq!(job.status, Some(JobStatus::Other("string".into())));
    assert_eq!(job.suspended_cause.as_deref(), Some("string"));
    assert!(job.suspended_date.is_some() && job.termination_date.is_some());
    assert_reencodes(&r, &filled);
}

#[test]
fn list_jobs_result_example() {
    let sample = include_str!("data/002_list_jobs_result_example.xml");
    let r = ListJobsResult::from_xml(sample.as_bytes()).unwrap();
    assert_eq!(r.jobs.len(), 2);
    let j = &r.jobs[0];
    assert_eq!(
        j.creation_time.as_ref().unwrap().as_str(),
        "2019-12-19T11:05:40Z"
    );
    assert_eq!(j.description.as_deref(), Some("example-job"));
    assert_eq!(
        j.job_id.as_deref(),
        Some("021140d8-67ca-4e89-8089-0de9a1e40943")
    );
    assert_eq!(j.operation, Some(OperationName::PutObjectCopy));
    assert_eq!(j.priority, Some(10));
    assert_eq!(j.progress_summary, Some(ProgressSummary::new(0, 10, 10)));
    assert_eq!(j.status, Some(JobStatus::Complete));
    assert_eq!(
        j.termination_date.as_ref().unwrap().as_str(),
        "2019-12-19T11:05:56Z"
    );
    assert_eq!(
        r.jobs[1].job_id.as_deref(),
        Some("066d919e-49b9-429e-b844-e17ea7b16421")
    );
    assert_eq!(
        r.next_token.as_deref(),
        Some("066d919e-49b9-429e-b844-e17ea7b16421")
    );
    assert_reencodes(&r, sample);
}

#[test]
fn list_jobs_result_skeleton() {
    let sample = include_str!("data/002_list_jobs_result_skeleton.xml");
    let raw = ListJobsResult::from_xml(sample.as_bytes()).unwrap();
    assert_eq!(raw.jobs[0].unparsed("CreationTime"), Some("timestamp"));
    assert_eq!(raw.jobs[0].creation_time, None);
    let filled = fill(sample);
    let r = ListJobsResult::from_xml(filled.as_bytes()).unwrap();
    assert_eq!(r.jobs.len(), 1);
    assert_eq!(
        r.jobs[0].operation,
        Some(OperationName::Other("string".into()))
    );
    assert_eq!(r.next_token.as_deref(), Some(""));
    assert_reencodes(&r, &filled);
}

#[test]
fn update_job_status_result_skeleton() {
    let sample = include_str!("data/004_update_job_status_result_skeleton.xml");
    let r = UpdateJobStatusResult::from_xml(sample.as_bytes()).unwrap();
    assert_eq!(r.job_id.as_deref(), Some("string"));
    assert_eq!(r.status, Some(JobStatus::Other("string".into())));
    assert_eq!(r.status_update_reason.as_deref(), Some("string"));
    assert_reencodes(&r, sample);
}
