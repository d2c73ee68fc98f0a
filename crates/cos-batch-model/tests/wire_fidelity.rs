//! Wire fidelity (issue 15): responses survive odd values element by element; requests take
//! what the Go SDK sends (empty elements, disabled reports, tags without a value) and the copy
//! constraints go out as epoch seconds.

use cos_batch_model::*;

/// The odd values of the issue, each as (element text, whether it is empty).
const ODD: [&str; 4] = [
    "2019-12-19 18:00:30",
    "Thu, 19 Dec 2019 18:00:30 GMT",
    "-",
    "1e3",
];

/// A job body with `TerminationDate`, `CreationTime`, `Priority`, `ConfirmationRequired` and the
/// three counts all set to `odd`.
fn odd_elements(odd: &str) -> String {
    format!(
        "<ConfirmationRequired>{odd}</ConfirmationRequired><CreationTime>{odd}</CreationTime>\
         <JobId>j</JobId><Priority>{odd}</Priority><ProgressSummary>\
         <NumberOfTasksFailed>{odd}</NumberOfTasksFailed>\
         <NumberOfTasksSucceeded>{odd}</NumberOfTasksSucceeded>\
         <TotalNumberOfTasks>{odd}</TotalNumberOfTasks></ProgressSummary>\
         <Status>Complete</Status><TerminationDate>{odd}</TerminationDate>"
    )
}

#[test]
fn describe_job_keeps_unparsed_values_and_reads_empty_ones_as_absent() {
    for odd in ODD {
        let xml = format!(
            "<DescribeJobResult><Job>{}<Report><Bucket>b</Bucket><Enabled>{odd}</Enabled></Report>\
             <SuspendedDate>{odd}</SuspendedDate></Job></DescribeJobResult>",
            odd_elements(odd)
        );
        let job = DescribeJobResult::from_xml(xml.as_bytes())
            .unwrap_or_else(|e| panic!("{odd}: {e}"))
            .job
            .unwrap();
        assert_eq!(job.job_id.as_deref(), Some("j"));
        assert_eq!(job.status, Some(JobStatus::Complete));
        assert_eq!(job.priority, None);
        assert_eq!(job.creation_time, None);
        assert_eq!(job.termination_date, None);
        assert_eq!(job.confirmation_required, None);
        assert_eq!(job.progress_summary, Some(ProgressSummary::default()));
        for element in [
            "ConfirmationRequired",
            "CreationTime",
            "Priority",
            "ProgressSummary/NumberOfTasksFailed",
            "ProgressSummary/NumberOfTasksSucceeded",
            "ProgressSummary/TotalNumberOfTasks",
            "TerminationDate",
            "SuspendedDate",
            "Report/Enabled",
        ] {
            assert_eq!(job.unparsed(element), Some(odd), "{element}");
        }
    }

    let empty = "<DescribeJobResult><Job><TerminationDate></TerminationDate>\
        <ProgressSummary><NumberOfTasksFailed/><TotalNumberOfTasks>3</TotalNumberOfTasks>\
        </ProgressSummary><ConfirmationRequired/><Priority> </Priority><Status></Status>\
        <Unknown><Deep>x</Deep></Unknown></Job></DescribeJobResult>";
    let job = DescribeJobResult::from_xml(empty.as_bytes())
        .unwrap()
        .job
        .unwrap();
    assert_eq!(job.termination_date, None);
    assert_eq!(job.confirmation_required, None);
    assert_eq!(job.priority, None);
    assert_eq!(job.status, None);
    let p = job.progress_summary.unwrap();
    assert_eq!(p.number_of_tasks_failed, None);
    assert_eq!(p.total_number_of_tasks, Some(3));
    assert!(job.unparsed.is_empty(), "{:?}", job.unparsed);
}

#[test]
fn a_repeated_element_in_a_response_keeps_the_first() {
    let xml = "<DescribeJobResult><Job><Priority>1</Priority><Priority>2</Priority>\
        <Operation><COSDeleteObject/></Operation><Operation><COSDeleteObject/></Operation>\
        </Job></DescribeJobResult>";
    let job = DescribeJobResult::from_xml(xml.as_bytes())
        .unwrap()
        .job
        .unwrap();
    assert_eq!(job.priority, Some(1));
    assert!(matches!(job.operation, Some(Operation::DeleteObject(_))));
}

/// A page of 1000 members; member `i` with `i % 5 == 0..=3` carries the odd value `ODD[i % 5]`
/// in every typed element, `i % 5 == 4` is empty elements only.
fn odd_page() -> String {
    let mut xml = String::from("<ListJobsResult><Jobs>");
    for i in 0..1000 {
        let body = match ODD.get(i % 5) {
            Some(odd) => {
                odd_elements(odd).replace("<JobId>j</JobId>", &format!("<JobId>j{i}</JobId>"))
            }
            None => format!(
                "<CreationTime/><JobId>j{i}</JobId><Operation></Operation><Priority></Priority>\
                 <ProgressSummary><TotalNumberOfTasks/></ProgressSummary><TerminationDate></TerminationDate>"
            ),
        };
        xml.push_str(&format!("<member>{body}<Extra>ignored</Extra></member>"));
    }
    xml.push_str("</Jobs><NextToken>j999</NextToken></ListJobsResult>");
    xml
}

#[test]
fn a_thousand_member_page_with_odd_values_decodes_every_member() {
    let page = ListJobsResult::from_xml(odd_page().as_bytes()).unwrap();
    assert_eq!(page.jobs.len(), 1000);
    assert_eq!(page.next_token.as_deref(), Some("j999"));
    for (i, member) in page.jobs.iter().enumerate() {
        assert_eq!(member.job_id.as_deref(), Some(format!("j{i}").as_str()));
        assert_eq!(member.priority, None);
        assert_eq!(member.termination_date, None);
        assert_eq!(member.creation_time, None);
        match ODD.get(i % 5) {
            Some(odd) => {
                assert_eq!(member.status, Some(JobStatus::Complete));
                assert_eq!(member.unparsed("Priority"), Some(*odd));
                assert_eq!(member.unparsed("TerminationDate"), Some(*odd));
                assert_eq!(member.unparsed("CreationTime"), Some(*odd));
                assert_eq!(
                    member.unparsed("ProgressSummary/TotalNumberOfTasks"),
                    Some(*odd)
                );
            }
            None => {
                assert!(member.unparsed.is_empty());
                assert_eq!(member.operation, None);
            }
        }
    }
}

/// The Report of a Go SDK request whose report is disabled: every element but `Enabled` empty.
const GO_DISABLED_REPORT: &str = "<Report><Bucket></Bucket><Enabled>false</Enabled><Format></Format><ReportScope></ReportScope></Report>";

fn go_request(operation: &str, report: &str) -> String {
    format!(
        "<CreateJobRequest><ClientRequestToken>t</ClientRequestToken>\
         <Manifest><Location><ETag>e</ETag><ObjectArn>a</ObjectArn></Location>\
         <Spec><Fields><member>Bucket</member><member>Key</member></Fields>\
         <Format>COSBatchOperations_CSV_V1</Format></Spec></Manifest>\
         <Operation>{operation}</Operation><Priority>0</Priority>{report}<RoleArn>r</RoleArn>\
         </CreateJobRequest>"
    )
}

#[test]
fn a_disabled_report_needs_nothing_else() {
    let r = CreateJobRequest::from_xml(
        go_request("<COSDeleteObject></COSDeleteObject>", GO_DISABLED_REPORT).as_bytes(),
    )
    .unwrap();
    assert!(!r.report.enabled);
    assert_eq!(r.report.bucket, "");
    r.validate().unwrap();
    r.validate_known_values().unwrap();
    // Enabled, the same report is missing its bucket, format and scope.
    let enabled = GO_DISABLED_REPORT.replace("false", "true");
    let r =
        CreateJobRequest::from_xml(go_request("<COSDeleteObject/>", &enabled).as_bytes()).unwrap();
    let errors = r.validate().unwrap_err();
    for path in ["Bucket", "Format", "ReportScope"] {
        assert!(
            errors.has_path(&format!("CreateJobRequest/Report/{path}")),
            "{errors}"
        );
    }
}

#[test]
fn empty_elements_of_a_request_are_absent() {
    let tagging = "<COSPutObjectTagging><TagSet><COSTag><Key>k</Key></COSTag>\
        <COSTag><Key>e</Key><Value></Value></COSTag></TagSet>\
        <TaggingDirective></TaggingDirective></COSPutObjectTagging>";
    let r = CreateJobRequest::from_xml(go_request(tagging, GO_DISABLED_REPORT).as_bytes()).unwrap();
    let Operation::PutObjectTagging(t) = &r.operation else {
        panic!("tagging")
    };
    assert_eq!(t.tagging_directive, None);
    // A missing or empty Value is the empty string, encoded as <Value></Value>.
    assert_eq!(t.tag_set, vec![Tag::new("k", ""), Tag::new("e", "")]);
    let xml = r.to_xml();
    assert!(
        xml.contains("<COSTag><Key>k</Key><Value></Value></COSTag>"),
        "{xml}"
    );
    r.validate_known_values().unwrap();

    let restore = "<COSInitiateRestoreObject><ExpirationInDays>1</ExpirationInDays>\
        <JobTier></JobTier></COSInitiateRestoreObject>";
    let e =
        CreateJobRequest::from_xml(go_request(restore, GO_DISABLED_REPORT).as_bytes()).unwrap_err();
    assert_eq!(e.kind(), &DecodeErrorKind::MissingElement);
    assert_eq!(
        e.path(),
        "CreateJobRequest/Operation/COSInitiateRestoreObject/JobTier"
    );
}

#[test]
fn copy_constraints_are_sent_as_epoch_seconds_and_read_in_both_forms() {
    let mut copy = PutObjectCopy::new("qcs::cos:ap-guangzhou::dst-1250000000");
    copy.modified_since_constraint = Some("2019-12-19T11:05:40Z".parse().unwrap());
    copy.un_modified_since_constraint = Some("2019-12-19T19:05:40+08:00".parse().unwrap());
    let mut job = Job::default();
    job.operation = Some(Operation::PutObjectCopy(copy));
    let xml = DescribeJobResult::new(job).to_xml();
    assert!(xml.contains("<ModifiedSinceConstraint>1576753540</ModifiedSinceConstraint>"));
    assert!(xml.contains("<UnModifiedSinceConstraint>1576753540</UnModifiedSinceConstraint>"));

    let iso = go_request(
        "<COSPutObjectCopy><ModifiedSinceConstraint>2019-12-19T11:05:40Z</ModifiedSinceConstraint>\
         <UnModifiedSinceConstraint>1576753540</UnModifiedSinceConstraint>\
         <TargetResource>t</TargetResource></COSPutObjectCopy>",
        GO_DISABLED_REPORT,
    );
    let r = CreateJobRequest::from_xml(iso.as_bytes()).unwrap();
    let Operation::PutObjectCopy(c) = &r.operation else {
        panic!("copy")
    };
    for t in [
        &c.modified_since_constraint,
        &c.un_modified_since_constraint,
    ] {
        assert_eq!(t.as_ref().map(Timestamp::unix_seconds), Some(1_576_753_540));
    }
}

#[test]
fn http_expires_date_is_kept_as_sent() {
    for expires in [
        "Thu, 19 Dec 2019 18:00:30 GMT",
        "2019-12-19T18:00:30Z",
        "1576778430",
        "whenever",
    ] {
        let copy = format!(
            "<COSPutObjectCopy><NewObjectMetadata><HttpExpiresDate>{expires}</HttpExpiresDate>\
             </NewObjectMetadata><TargetResource>t</TargetResource></COSPutObjectCopy>"
        );
        let r =
            CreateJobRequest::from_xml(go_request(&copy, GO_DISABLED_REPORT).as_bytes()).unwrap();
        let Operation::PutObjectCopy(c) = &r.operation else {
            panic!("copy")
        };
        let m = c.new_object_metadata.as_ref().unwrap();
        assert_eq!(m.http_expires_date.as_deref(), Some(expires));
        assert!(
            r.to_xml()
                .contains(&format!("<HttpExpiresDate>{expires}</HttpExpiresDate>"))
        );
    }
}

#[test]
fn unknown_enum_values_are_kept_by_decoding_and_named_by_the_known_values_check() {
    let copy = "<COSPutObjectCopy><AccessControlDirective>Merge</AccessControlDirective>\
        <AccessControlGrants><COSGrant><Grantee><Identifier>i</Identifier>\
        <TypeIdentifier>Group</TypeIdentifier></Grantee><Permission>READ_ACP</Permission>\
        </COSGrant></AccessControlGrants><CannedAccessControlList>authenticated-read\
        </CannedAccessControlList><MetadataDirective>Keep</MetadataDirective>\
        <NewObjectMetadata><SSEAlgorithm>KMS</SSEAlgorithm></NewObjectMetadata>\
        <TaggingDirective>Drop</TaggingDirective><StorageClass>COLD</StorageClass>\
        <TargetResource>t</TargetResource></COSPutObjectCopy>";
    let report = "<Report><Bucket>b</Bucket><Enabled>true</Enabled><Format>Report_CSV_V2</Format>\
        <ReportScope>SomeTasks</ReportScope></Report>";
    let xml = go_request(copy, report)
        .replace("COSBatchOperations_CSV_V1", "Parquet_V1")
        .replace("<member>Key</member>", "<member>Size</member>");
    let r = CreateJobRequest::from_xml(xml.as_bytes()).unwrap();
    let errors = r.validate_known_values().unwrap_err();
    let paths: Vec<&str> = errors
        .violations()
        .iter()
        .map(|v| v.path.as_str())
        .collect();
    let copy = "CreateJobRequest/Operation/COSPutObjectCopy";
    assert_eq!(
        paths,
        [
            "CreateJobRequest/Manifest/Spec/Format".to_owned(),
            "CreateJobRequest/Manifest/Spec/Fields/member".to_owned(),
            format!("{copy}/AccessControlDirective"),
            format!("{copy}/AccessControlGrants/COSGrant/Grantee/TypeIdentifier"),
            format!("{copy}/AccessControlGrants/COSGrant/Permission"),
            format!("{copy}/CannedAccessControlList"),
            format!("{copy}/MetadataDirective"),
            format!("{copy}/NewObjectMetadata/SSEAlgorithm"),
            format!("{copy}/TaggingDirective"),
            format!("{copy}/StorageClass"),
            "CreateJobRequest/Report/Format".to_owned(),
            "CreateJobRequest/Report/ReportScope".to_owned(),
        ]
    );
}
