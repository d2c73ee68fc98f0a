//! Proptest strategies for every document and input type (feature `proptest`).
//!
//! Values cover unknown enum values (`Other`), unicode and the XML-special characters
//! `<&"'>` as well as tab, LF and CR in strings, leading and trailing spaces in strings (kept
//! verbatim by the decoder; numbers, booleans, enums and timestamps are trimmed, so `Other`
//! values never have surrounding whitespace), and ISO 8601 (with fractions and offsets) and
//! epoch-seconds timestamps. Input values pass `validate()`, so the codec crate can use them
//! directly; response values may hold any value the decoder accepts.

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

use crate::*;

/// A string of `min..=max` characters (at most 4 bytes each) mixing ASCII, the XML specials
/// `<&"'>`, whitespace including CR, and other unicode (no other control characters).
pub fn text(min: usize, max: usize) -> impl Strategy<Value = String> {
    let ch = prop_oneof![
        4 => proptest::char::range('a', 'z'),
        2 => select(vec!['<', '&', '"', '\'', '>', ' ', '\t', '\n', '\r', ';', '#', ']']),
        2 => any::<char>().prop_filter("no control characters", |c| !c.is_control()),
    ];
    vec(ch, min..=max).prop_map(|cs| cs.into_iter().collect())
}

/// An unknown wire value for an enum with `known` values: non-empty, no surrounding whitespace.
fn unknown(known: &'static [&'static str]) -> impl Strategy<Value = String> {
    text(1, 12).prop_filter("an unknown, trimmed, non-empty value", move |s| {
        let trimmed = s.trim_matches([' ', '\t', '\r', '\n']);
        !s.is_empty() && trimmed == s && !known.contains(&s.as_str())
    })
}

/// A wire enum value: mostly known values, sometimes an unknown one.
fn wire<T: From<String> + std::fmt::Debug + Clone>(
    known: &'static [&'static str],
) -> impl Strategy<Value = T> {
    prop_oneof![
        3 => select(known).prop_map(|s| T::from(s.to_owned())),
        1 => unknown(known).prop_map(T::from),
    ]
}

/// A `JobStatus`, known or not.
pub fn job_status() -> impl Strategy<Value = JobStatus> {
    wire(JobStatus::KNOWN)
}

/// A timestamp: ISO 8601 in UTC, ISO 8601 with milliseconds and an offset, or epoch seconds.
pub fn timestamp() -> BoxedStrategy<Timestamp> {
    let secs = 0i64..4_102_444_800;
    prop_oneof![
        secs.clone()
            .prop_filter_map("in range", |s| Timestamp::from_unix_seconds(s).ok()),
        (secs.clone(), 0u16..1000, -12i8..=14).prop_filter_map("in range", |(s, ms, h)| {
            let at = OffsetDateTime::from_unix_timestamp(s)
                .ok()?
                .replace_millisecond(ms)
                .ok()?
                .to_offset(UtcOffset::from_hms(h, 0, 0).ok()?);
            Timestamp::parse(&at.format(&Rfc3339).ok()?).ok()
        }),
        secs.prop_filter_map("in range", |s| Timestamp::epoch_seconds(s).ok()),
    ]
    .boxed()
}

/// A timestamp in epoch seconds, the only form the copy constraints are encoded in.
pub fn epoch_timestamp() -> impl Strategy<Value = Timestamp> {
    (0i64..4_102_444_800).prop_filter_map("in range", |s| Timestamp::epoch_seconds(s).ok())
}

fn priority() -> impl Strategy<Value = u32> {
    prop_oneof![Just(0), Just(MAX_PRIORITY), 0..=MAX_PRIORITY]
}

fn tag() -> impl Strategy<Value = Tag> {
    (text(1, 16), text(0, 16)).prop_map(|(key, value)| Tag { key, value })
}

/// A `Manifest` that passes validation.
pub fn manifest() -> impl Strategy<Value = Manifest> {
    let location = (text(1, 40), text(1, 40), option::of(text(1, 40))).prop_map(
        |(etag, object_arn, object_version_id)| ManifestLocation {
            etag,
            object_arn,
            object_version_id,
        },
    );
    let spec = (
        vec(wire::<ManifestField>(ManifestField::KNOWN), 1..4),
        wire::<ManifestFormat>(ManifestFormat::KNOWN),
    )
        .prop_map(|(fields, format)| ManifestSpec { fields, format });
    (location, spec)
        .prop_map(|(location, spec)| Manifest { location, spec })
        .boxed()
}

/// A `Report` that passes validation.
pub fn report() -> impl Strategy<Value = Report> {
    (
        text(1, 40),
        any::<bool>(),
        wire::<ReportFormat>(ReportFormat::KNOWN),
        option::of(text(0, 40)),
        wire::<ReportScope>(ReportScope::KNOWN),
    )
        .prop_map(|(bucket, enabled, format, prefix, report_scope)| Report {
            bucket,
            enabled,
            format,
            prefix,
            report_scope,
        })
        .boxed()
}

fn directive() -> impl Strategy<Value = Option<Directive>> {
    option::of(wire::<Directive>(Directive::KNOWN))
}

fn grant() -> impl Strategy<Value = Grant> {
    (
        option::of(text(0, 16)),
        text(1, 24),
        wire::<GranteeType>(GranteeType::KNOWN),
        wire::<Permission>(Permission::KNOWN),
    )
        .prop_map(
            |(display_name, identifier, type_identifier, permission)| Grant {
                grantee: Grantee {
                    display_name,
                    identifier,
                    type_identifier,
                },
                permission,
            },
        )
}

fn new_object_metadata() -> impl Strategy<Value = NewObjectMetadata> {
    (
        option::of(text(0, 16)),
        option::of(text(0, 16)),
        option::of(text(0, 16)),
        option::of(text(0, 16)),
        option::of(text(1, 30)),
        option::of(wire::<SseAlgorithm>(SseAlgorithm::KNOWN)),
        vec(tag(), 0..3),
    )
        .prop_map(|(cc, cd, ce, ct, expires, sse, user)| NewObjectMetadata {
            cache_control: cc,
            content_disposition: cd,
            content_encoding: ce,
            content_type: ct,
            http_expires_date: expires,
            sse_algorithm: sse,
            user_metadata: user,
        })
        .boxed()
}

/// A `COSPutObjectCopy` that passes validation.
pub fn put_object_copy() -> impl Strategy<Value = PutObjectCopy> {
    let head = (
        directive(),
        vec(grant(), 0..3),
        option::of(any::<bool>()),
        option::of(text(0, 24)),
        option::of(text(0, 24)),
        option::of(wire::<CannedAcl>(CannedAcl::KNOWN)),
        directive(),
    );
    let tail = (
        option::of(epoch_timestamp()),
        option::of(epoch_timestamp()),
        option::of(new_object_metadata()),
        directive(),
        vec(tag(), 0..3),
        option::of(wire::<StorageClass>(StorageClass::KNOWN)),
        text(1, 40),
    );
    (head, tail)
        .prop_map(
            |((acd, grants, pr, rp, tkp, acl, md), (ms, ums, nom, td, tags, sc, tr))| {
                PutObjectCopy {
                    access_control_directive: acd,
                    access_control_grants: grants,
                    prefix_replace: pr,
                    resources_prefix: rp,
                    target_key_prefix: tkp,
                    canned_access_control_list: acl,
                    metadata_directive: md,
                    modified_since_constraint: ms,
                    un_modified_since_constraint: ums,
                    new_object_metadata: nom,
                    tagging_directive: td,
                    new_object_tagging: tags,
                    storage_class: sc,
                    target_resource: tr,
                }
            },
        )
        .boxed()
}

/// An `Operation` (each of the four kinds) that passes validation.
pub fn operation() -> impl Strategy<Value = Operation> {
    prop_oneof![
        put_object_copy().prop_map(Operation::PutObjectCopy),
        (
            MIN_EXPIRATION_DAYS..=MAX_EXPIRATION_DAYS,
            wire::<JobTier>(JobTier::KNOWN)
        )
            .prop_map(|(expiration_in_days, job_tier)| {
                Operation::InitiateRestoreObject(InitiateRestoreObject {
                    expiration_in_days,
                    job_tier,
                })
            }),
        (directive(), vec(tag(), 0..3)).prop_map(|(tagging_directive, tag_set)| {
            Operation::PutObjectTagging(PutObjectTagging {
                tagging_directive,
                tag_set,
            })
        }),
        Just(Operation::DeleteObject(DeleteObject {})),
    ]
    .boxed()
}

/// A `CreateJobRequest` that passes validation.
pub fn create_job_request() -> impl Strategy<Value = CreateJobRequest> {
    (
        text(1, 16),
        option::of(any::<bool>()),
        option::of(text(0, 64)),
        manifest(),
        operation(),
        priority(),
        report(),
        text(1, 64),
    )
        .prop_map(
            |(token, confirm, description, manifest, operation, priority, report, role)| {
                CreateJobRequest {
                    client_request_token: Some(token),
                    confirmation_required: confirm,
                    description,
                    manifest,
                    operation,
                    priority,
                    report,
                    role_arn: role,
                }
            },
        )
}

/// A `CreateJobResult`.
pub fn create_job_result() -> impl Strategy<Value = CreateJobResult> {
    option::of(text(0, 16)).prop_map(|job_id| CreateJobResult { job_id })
}

fn progress_summary() -> impl Strategy<Value = ProgressSummary> {
    (
        option::of(any::<u64>()),
        option::of(any::<u64>()),
        option::of(any::<u64>()),
    )
        .prop_map(|(failed, succeeded, total)| ProgressSummary {
            number_of_tasks_failed: failed,
            number_of_tasks_succeeded: succeeded,
            total_number_of_tasks: total,
        })
}

/// A `Job` of a DescribeJob response, any element possibly absent.
pub fn job() -> impl Strategy<Value = Job> {
    let head = (
        option::of(text(0, 16)),
        option::of(any::<bool>()),
        option::of(timestamp()).boxed(),
        option::of(text(0, 32)),
        vec(
            (option::of(text(0, 8)), option::of(text(0, 16))).prop_map(|(code, reason)| {
                JobFailure {
                    failure_code: code,
                    failure_reason: reason,
                }
            }),
            0..3,
        ),
        option::of(text(0, 16)),
        option::of(manifest()),
        option::of(operation()),
    )
        .boxed();
    let tail = (
        option::of(priority()),
        option::of(progress_summary()),
        option::of(report()),
        option::of(text(0, 32)),
        option::of(job_status()),
        option::of(text(0, 32)),
        option::of(text(0, 32)),
        option::of(timestamp()),
        option::of(timestamp()),
    )
        .boxed();
    (head, tail).prop_map(
        |(
            (token, confirm, created, desc, failures, id, manifest, op),
            (prio, progress, report, role, status, reason, cause, suspended, terminated),
        )| Job {
            client_request_token: token,
            confirmation_required: confirm,
            creation_time: created,
            description: desc,
            failure_reasons: failures,
            job_id: id,
            manifest,
            operation: op,
            priority: prio,
            progress_summary: progress,
            report,
            role_arn: role,
            status,
            status_update_reason: reason,
            suspended_cause: cause,
            suspended_date: suspended,
            termination_date: terminated,
            unparsed: Vec::new(),
        },
    )
}

/// A `DescribeJobResult`.
pub fn describe_job_result() -> impl Strategy<Value = DescribeJobResult> {
    option::of(job()).prop_map(|job| DescribeJobResult { job })
}

/// A `ListJobsResult` member.
pub fn job_list_entry() -> impl Strategy<Value = JobListEntry> {
    (
        option::of(timestamp()),
        option::of(text(0, 32)),
        option::of(text(0, 16)),
        option::of(wire::<OperationName>(OperationName::KNOWN)),
        option::of(priority()),
        option::of(progress_summary()),
        option::of(job_status()),
        option::of(timestamp()),
    )
        .prop_map(
            |(created, description, job_id, operation, priority, progress, status, terminated)| {
                JobListEntry {
                    creation_time: created,
                    description,
                    job_id,
                    operation,
                    priority,
                    progress_summary: progress,
                    status,
                    termination_date: terminated,
                    unparsed: Vec::new(),
                }
            },
        )
}

/// A `ListJobsResult` of up to 4 members.
pub fn list_jobs_result() -> impl Strategy<Value = ListJobsResult> {
    (vec(job_list_entry(), 0..4), option::of(text(0, 16)))
        .prop_map(|(jobs, next_token)| ListJobsResult { jobs, next_token })
}

/// An `UpdateJobStatusResult`.
pub fn update_job_status_result() -> impl Strategy<Value = UpdateJobStatusResult> {
    (
        option::of(text(0, 16)),
        option::of(job_status()),
        option::of(text(0, 32)),
    )
        .prop_map(|(job_id, status, reason)| UpdateJobStatusResult {
            job_id,
            status,
            status_update_reason: reason,
        })
}

/// An `UpdateJobPriorityResult`.
pub fn update_job_priority_result() -> impl Strategy<Value = UpdateJobPriorityResult> {
    (option::of(text(0, 16)), option::of(priority())).prop_map(|(job_id, priority)| {
        UpdateJobPriorityResult {
            job_id,
            priority,
            unparsed: Vec::new(),
        }
    })
}

/// An `ErrorDocument`.
pub fn error_document() -> impl Strategy<Value = ErrorDocument> {
    (
        option::of(wire::<ErrorCode>(ErrorCode::KNOWN)),
        option::of(text(0, 32)),
        option::of(text(0, 32)),
        option::of(text(0, 16)),
        option::of(text(0, 16)),
    )
        .prop_map(
            |(code, message, resource, request_id, trace_id)| ErrorDocument {
                code,
                message,
                resource,
                request_id,
                trace_id,
            },
        )
}

/// A `DescribeJobRequest` that passes validation.
pub fn describe_job_request() -> impl Strategy<Value = DescribeJobRequest> {
    text(1, 16).prop_map(|job_id| DescribeJobRequest { job_id })
}

/// A `DeleteJobRequest` that passes validation.
pub fn delete_job_request() -> impl Strategy<Value = DeleteJobRequest> {
    text(1, 16).prop_map(|job_id| DeleteJobRequest { job_id })
}

/// A `ListJobsRequest` that passes validation (statuses known or not).
pub fn list_jobs_request() -> impl Strategy<Value = ListJobsRequest> {
    (
        vec(job_status(), 0..3),
        option::of(1u32..=1000),
        option::of(text(1, 16)),
    )
        .prop_map(|(job_statuses, max_results, next_token)| ListJobsRequest {
            job_statuses,
            max_results,
            next_token,
        })
}

/// An `UpdateJobStatusRequest` that passes validation (so the requested status is Ready or
/// Cancelled).
pub fn update_job_status_request() -> impl Strategy<Value = UpdateJobStatusRequest> {
    (
        text(1, 16),
        select(vec![
            RequestedJobStatus::Ready,
            RequestedJobStatus::Cancelled,
        ]),
        option::of(text(0, 64)),
    )
        .prop_map(|(job_id, requested_job_status, status_update_reason)| {
            UpdateJobStatusRequest {
                job_id,
                requested_job_status,
                status_update_reason,
            }
        })
}

/// An `UpdateJobPriorityRequest` that passes validation.
pub fn update_job_priority_request() -> impl Strategy<Value = UpdateJobPriorityRequest> {
    (text(1, 16), priority())
        .prop_map(|(job_id, priority)| UpdateJobPriorityRequest { job_id, priority })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xml_round_trip<T: XmlDocument + PartialEq + std::fmt::Debug>(value: &T) {
        let xml = value.to_xml();
        let back =
            T::from_xml(xml.as_bytes()).unwrap_or_else(|e| panic!("decode of {xml:?} failed: {e}"));
        assert_eq!(&back, value, "{xml}");
        assert_eq!(back.to_xml(), xml);
    }

    #[cfg(feature = "serde")]
    fn json_round_trip<T>(value: &T)
    where
        T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        let json = serde_json::to_string(value).unwrap();
        let back: T = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{json}: {e}"));
        assert_eq!(&back, value, "{json}");
    }

    macro_rules! round_trips {
        ($($name:ident: $strategy:expr;)+) => {
            proptest! {
                $(
                    #[test]
                    fn $name(value in $strategy) {
                        value.check_xml();
                        #[cfg(feature = "serde")]
                        json_round_trip(&value);
                    }
                )+
            }
        };
    }

    /// XML round trip for documents, nothing for inputs without a body.
    trait MaybeXml {
        fn check_xml(&self);
    }
    macro_rules! xml_docs {
        ($($t:ty),+) => { $(impl MaybeXml for $t { fn check_xml(&self) { xml_round_trip(self) } })+ };
    }
    macro_rules! not_xml {
        ($($t:ty),+) => { $(impl MaybeXml for $t { fn check_xml(&self) {} })+ };
    }
    xml_docs!(
        CreateJobRequest,
        CreateJobResult,
        DescribeJobResult,
        ListJobsResult,
        UpdateJobStatusResult,
        UpdateJobPriorityResult,
        ErrorDocument
    );
    not_xml!(
        DescribeJobRequest,
        DeleteJobRequest,
        ListJobsRequest,
        UpdateJobStatusRequest,
        UpdateJobPriorityRequest
    );

    round_trips! {
        create_job_request_round_trips: create_job_request();
        create_job_result_round_trips: create_job_result();
        describe_job_result_round_trips: describe_job_result();
        list_jobs_result_round_trips: list_jobs_result();
        update_job_status_result_round_trips: update_job_status_result();
        update_job_priority_result_round_trips: update_job_priority_result();
        error_document_round_trips: error_document();
        describe_job_request_round_trips: describe_job_request();
        delete_job_request_round_trips: delete_job_request();
        list_jobs_request_round_trips: list_jobs_request();
        update_job_status_request_round_trips: update_job_status_request();
        update_job_priority_request_round_trips: update_job_priority_request();
    }

    proptest! {
        #[test]
        fn generated_inputs_validate(
            c in create_job_request(),
            l in list_jobs_request(),
            s in update_job_status_request(),
            p in update_job_priority_request(),
            d in describe_job_request(),
            x in delete_job_request(),
        ) {
            prop_assert!(c.validate().is_ok(), "{:?}", c.validate());
            prop_assert!(l.validate().is_ok());
            prop_assert!(s.validate().is_ok());
            prop_assert!(p.validate().is_ok());
            prop_assert!(d.validate().is_ok());
            prop_assert!(x.validate().is_ok());
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..512)) {
            decode_all(&bytes);
        }

        #[test]
        fn mangled_documents_never_panic(
            doc in describe_job_result(),
            cut in any::<proptest::sample::Index>(),
            splice in vec(any::<u8>(), 0..8),
        ) {
            // Truncate a valid document somewhere and splice in random bytes.
            let xml = doc.to_xml().into_bytes();
            let at = cut.index(xml.len() + 1);
            let mut mangled = xml[..at].to_vec();
            mangled.extend_from_slice(&splice);
            mangled.extend_from_slice(&xml[at..]);
            decode_all(&mangled);
            decode_all(&xml[..at]);
        }

        #[test]
        fn enum_values_round_trip_unchanged(s in text(0, 12)) {
            let class = StorageClass::from(s.as_str());
            prop_assert_eq!(class.as_str(), s.as_str());
            prop_assert_eq!(JobStatus::from(s.clone()).to_string(), s);
        }
    }

    fn decode_all(bytes: &[u8]) {
        let _ = CreateJobRequest::from_xml(bytes);
        let _ = CreateJobResult::from_xml(bytes);
        let _ = DescribeJobResult::from_xml(bytes);
        let _ = ListJobsResult::from_xml(bytes);
        let _ = UpdateJobStatusResult::from_xml(bytes);
        let _ = UpdateJobPriorityResult::from_xml(bytes);
        let _ = ErrorDocument::from_xml(bytes);
    }
}
