//! DescribeJob: `DescribeJobRequest`, `DescribeJobResult` and the `Job` it describes.

use crate::enums::JobStatus;
use crate::error::DecodeError;
use crate::limits::Limits;
use crate::manifest::{Manifest, Report};
use crate::operation::Operation;
use crate::timestamp::Timestamp;
use crate::unparsed::{self, UnparsedValue};
use crate::validate::{ValidationErrors, Validator};
use crate::xml::reader::{self, Mode, XmlReader};
use crate::xml::writer::XmlWriter;
use crate::xml::{XmlDocument, decode_document};

/// DescribeJob's input: `GET /jobs/{JobId}` (no body).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "PascalCase"))]
#[non_exhaustive]
pub struct DescribeJobRequest {
    /// `JobId`, 1–64 bytes.
    pub job_id: String,
}

impl DescribeJobRequest {
    /// Describe job `job_id`.
    pub fn new(job_id: impl Into<String>) -> Self {
        Self {
            job_id: job_id.into(),
        }
    }

    /// Checks the `JobId` length (1–64 bytes).
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut v = Validator::new("DescribeJobRequest");
        v.length("JobId", &self.job_id, 1, 64);
        v.finish()
    }
}

/// `DescribeJobResult`: the response to DescribeJob. Every element may be absent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "PascalCase"))]
#[non_exhaustive]
pub struct DescribeJobResult {
    /// `Job`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub job: Option<Job>,
}

impl DescribeJobResult {
    /// The result describing `job`.
    pub fn new(job: Job) -> Self {
        Self { job: Some(job) }
    }
}

impl XmlDocument for DescribeJobResult {
    const ROOT: &'static str = "DescribeJobResult";

    fn from_xml_with(bytes: &[u8], limits: &Limits) -> Result<Self, DecodeError> {
        decode_document(bytes, limits, Self::ROOT, Mode::Lenient, |r| {
            let mut job = None;
            r.each_child(|r, name| match name {
                "Job" => r.nested(&mut job, Job::decode),
                _ => Ok(()),
            })?;
            Ok(Self { job })
        })
    }

    fn to_xml(&self) -> String {
        let mut w = XmlWriter::with_capacity(1024);
        w.element(Self::ROOT, |w| {
            if let Some(job) = &self.job {
                job.encode(w);
            }
        });
        w.finish()
    }
}

/// `DescribeJobResult/Job`: a job's parameters and status. Every element may be absent.
///
/// In a `Manifest` or `Report` of a response, absent required sub-elements decode as empty
/// values (and re-encode as empty elements).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "PascalCase"))]
#[non_exhaustive]
pub struct Job {
    /// `ClientRequestToken` the job was created with.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub client_request_token: Option<String>,
    /// `ConfirmationRequired`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub confirmation_required: Option<bool>,
    /// `CreationTime`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub creation_time: Option<Timestamp>,
    /// `Description`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub description: Option<String>,
    /// `FailureReasons>JobFailure*` (encoded only when not empty).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub failure_reasons: Vec<JobFailure>,
    /// `JobId`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub job_id: Option<String>,
    /// `Manifest`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub manifest: Option<Manifest>,
    /// `Operation`: `None` when absent or when it holds only operations this crate does not
    /// know (those are ignored, not an error, in a response).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub operation: Option<Operation>,
    /// `Priority`, 0–2147483647 (a value out of range is a decode error).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub priority: Option<u32>,
    /// `ProgressSummary`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub progress_summary: Option<ProgressSummary>,
    /// `Report`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub report: Option<Report>,
    /// `RoleArn`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub role_arn: Option<String>,
    /// `Status`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub status: Option<JobStatus>,
    /// `StatusUpdateReason`, 0–256 bytes.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub status_update_reason: Option<String>,
    /// `SuspendedCause`, 0–1024 bytes.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub suspended_cause: Option<String>,
    /// `SuspendedDate`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub suspended_date: Option<Timestamp>,
    /// `TerminationDate`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub termination_date: Option<Timestamp>,
    /// Values of this job's response that did not parse, with their text (their typed fields
    /// are `None`); never encoded. See [`UnparsedValue`].
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub unparsed: Vec<UnparsedValue>,
}

impl Job {
    /// The text of `element` (a path relative to the job, e.g. `CreationTime` or
    /// `ProgressSummary/TotalNumberOfTasks`) when it was present but did not parse.
    pub fn unparsed(&self, element: &str) -> Option<&str> {
        unparsed::find(&self.unparsed, element)
    }

    fn decode(r: &mut XmlReader<'_>) -> Result<Self, DecodeError> {
        let mut j = Self::default();
        let mark = r.unparsed_mark();
        let mut failures = None;
        r.each_child(|r, name| match name {
            "ClientRequestToken" => r.string(&mut j.client_request_token),
            "ConfirmationRequired" => r.value(
                &mut j.confirmation_required,
                reader::BOOL,
                reader::parse_bool,
            ),
            "CreationTime" => timestamp(r, &mut j.creation_time),
            "Description" => r.string(&mut j.description),
            "FailureReasons" => r.list(&mut failures, "JobFailure", JobFailure::decode),
            "JobId" => r.string(&mut j.job_id),
            "Manifest" => r.nested(&mut j.manifest, Manifest::decode),
            "Operation" => {
                let mut op = None;
                r.nested(&mut op, Operation::decode)?;
                // A response: a second `Operation` is ignored, as any repeated element.
                if j.operation.is_none() {
                    j.operation = op.flatten();
                }
                Ok(())
            }
            "Priority" => r.value(&mut j.priority, reader::PRIORITY, reader::parse_priority),
            "ProgressSummary" => r.nested(&mut j.progress_summary, ProgressSummary::decode),
            "Report" => r.nested(&mut j.report, Report::decode),
            "RoleArn" => r.string(&mut j.role_arn),
            "Status" => status(r, &mut j.status),
            "StatusUpdateReason" => r.string(&mut j.status_update_reason),
            "SuspendedCause" => r.string(&mut j.suspended_cause),
            "SuspendedDate" => timestamp(r, &mut j.suspended_date),
            "TerminationDate" => timestamp(r, &mut j.termination_date),
            _ => Ok(()),
        })?;
        j.failure_reasons = failures.unwrap_or_default();
        j.unparsed = r.take_unparsed(mark);
        Ok(j)
    }

    fn encode(&self, w: &mut XmlWriter) {
        w.element("Job", |w| {
            w.opt_text("ClientRequestToken", self.client_request_token.as_deref());
            w.opt_bool("ConfirmationRequired", self.confirmation_required);
            w.opt_timestamp("CreationTime", self.creation_time.as_ref());
            w.opt_text("Description", self.description.as_deref());
            if !self.failure_reasons.is_empty() {
                w.element("FailureReasons", |w| {
                    for f in &self.failure_reasons {
                        w.element("JobFailure", |w| {
                            w.opt_text("FailureCode", f.failure_code.as_deref());
                            w.opt_text("FailureReason", f.failure_reason.as_deref());
                        });
                    }
                });
            }
            w.opt_text("JobId", self.job_id.as_deref());
            if let Some(m) = &self.manifest {
                m.encode(w);
            }
            if let Some(op) = &self.operation {
                op.encode(w);
            }
            w.opt_number("Priority", self.priority.map(u64::from));
            if let Some(p) = &self.progress_summary {
                p.encode(w);
            }
            if let Some(rep) = &self.report {
                rep.encode(w);
            }
            w.opt_text("RoleArn", self.role_arn.as_deref());
            if let Some(s) = &self.status {
                w.text("Status", s.as_str());
            }
            w.opt_text("StatusUpdateReason", self.status_update_reason.as_deref());
            w.opt_text("SuspendedCause", self.suspended_cause.as_deref());
            w.opt_timestamp("SuspendedDate", self.suspended_date.as_ref());
            w.opt_timestamp("TerminationDate", self.termination_date.as_ref());
        });
    }
}

pub(crate) fn timestamp(
    r: &mut XmlReader<'_>,
    slot: &mut Option<Timestamp>,
) -> Result<(), DecodeError> {
    r.value(slot, reader::TIMESTAMP, |s| Timestamp::parse(s).ok())
}

pub(crate) fn status(
    r: &mut XmlReader<'_>,
    slot: &mut Option<JobStatus>,
) -> Result<(), DecodeError> {
    r.value(slot, "a job status", |s| Some(JobStatus::from(s)))
}

/// `FailureReasons>JobFailure`: one reason a job failed. Successful jobs may carry an empty one
/// (`<JobFailure><FailureCode/><FailureReason/></JobFailure>`), decoded as empty strings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "PascalCase"))]
#[non_exhaustive]
pub struct JobFailure {
    /// `FailureCode`, 0–64 bytes.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub failure_code: Option<String>,
    /// `FailureReason`, 0–256 bytes.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub failure_reason: Option<String>,
}

impl JobFailure {
    /// A failure with `code` and `reason`.
    pub fn new(code: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            failure_code: Some(code.into()),
            failure_reason: Some(reason.into()),
        }
    }

    fn decode(r: &mut XmlReader<'_>) -> Result<Self, DecodeError> {
        let mut f = Self::default();
        r.each_child(|r, name| match name {
            "FailureCode" => r.string(&mut f.failure_code),
            "FailureReason" => r.string(&mut f.failure_reason),
            _ => Ok(()),
        })?;
        Ok(f)
    }
}

/// `ProgressSummary`: task counts of a job (64-bit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "PascalCase"))]
#[non_exhaustive]
pub struct ProgressSummary {
    /// `NumberOfTasksFailed`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub number_of_tasks_failed: Option<u64>,
    /// `NumberOfTasksSucceeded`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub number_of_tasks_succeeded: Option<u64>,
    /// `TotalNumberOfTasks`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub total_number_of_tasks: Option<u64>,
}

impl ProgressSummary {
    /// A summary with all three counts.
    pub fn new(failed: u64, succeeded: u64, total: u64) -> Self {
        Self {
            number_of_tasks_failed: Some(failed),
            number_of_tasks_succeeded: Some(succeeded),
            total_number_of_tasks: Some(total),
        }
    }

    pub(crate) fn decode(r: &mut XmlReader<'_>) -> Result<Self, DecodeError> {
        let mut p = Self::default();
        r.each_child(|r, name| {
            let slot = match name {
                "NumberOfTasksFailed" => &mut p.number_of_tasks_failed,
                "NumberOfTasksSucceeded" => &mut p.number_of_tasks_succeeded,
                "TotalNumberOfTasks" => &mut p.total_number_of_tasks,
                _ => return Ok(()),
            };
            r.value(slot, reader::COUNT, |s| s.parse::<u64>().ok())
        })?;
        Ok(p)
    }

    pub(crate) fn encode(&self, w: &mut XmlWriter) {
        w.element("ProgressSummary", |w| {
            w.opt_number("NumberOfTasksFailed", self.number_of_tasks_failed);
            w.opt_number("NumberOfTasksSucceeded", self.number_of_tasks_succeeded);
            w.opt_number("TotalNumberOfTasks", self.total_number_of_tasks);
        });
    }
}
