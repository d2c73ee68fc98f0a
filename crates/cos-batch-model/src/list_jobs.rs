//! ListJobs: `ListJobsRequest` and `ListJobsResult`.

use crate::describe_job::{ProgressSummary, status, timestamp};
use crate::enums::{JobStatus, OperationName};
use crate::error::DecodeError;
use crate::limits::Limits;
use crate::timestamp::Timestamp;
use crate::unparsed::{self, UnparsedValue};
use crate::validate::{ValidationErrors, Validator};
use crate::xml::reader::{self, Mode, XmlReader};
use crate::xml::writer::XmlWriter;
use crate::xml::{XmlDocument, decode_document};

/// ListJobs's input: `GET /jobs` with optional `jobStatuses`, `maxResults`, `nextToken`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "PascalCase"))]
#[non_exhaustive]
pub struct ListJobsRequest {
    /// `jobStatuses`: only jobs in these statuses (empty: all jobs). The API documents one
    /// status; the codec repeats the parameter for several.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub job_statuses: Vec<JobStatus>,
    /// `maxResults`: 1–1000 (server default 1000).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub max_results: Option<u32>,
    /// `nextToken`: 1–64 bytes, the `NextToken` of the previous page.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub next_token: Option<String>,
}

impl ListJobsRequest {
    /// List all jobs, first page, server-default page size.
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks `maxResults` (1–1000), `nextToken` (1–64 bytes) and that no status is empty.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut v = Validator::new("ListJobsRequest");
        for s in &self.job_statuses {
            v.non_empty("jobStatuses", s.as_str());
        }
        if let Some(m) = self.max_results {
            v.range("maxResults", i64::from(m), 1, 1000);
        }
        v.opt_length("nextToken", self.next_token.as_deref(), 1, 64);
        v.finish()
    }
}

/// `ListJobsResult`: one page of jobs, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "PascalCase"))]
#[non_exhaustive]
pub struct ListJobsResult {
    /// `Jobs>member*` (the `Jobs` element is always encoded).
    #[cfg_attr(feature = "serde", serde(default))]
    pub jobs: Vec<JobListEntry>,
    /// `NextToken`: pass as `nextToken` for the next page; absent (or empty) on the last page.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub next_token: Option<String>,
}

impl ListJobsResult {
    /// A page of `jobs` followed by `next_token`.
    pub fn new(jobs: Vec<JobListEntry>, next_token: Option<String>) -> Self {
        Self { jobs, next_token }
    }
}

impl XmlDocument for ListJobsResult {
    const ROOT: &'static str = "ListJobsResult";

    fn from_xml_with(bytes: &[u8], limits: &Limits) -> Result<Self, DecodeError> {
        decode_document(bytes, limits, Self::ROOT, Mode::Lenient, |r| {
            let (mut jobs, mut next_token) = (None, None);
            r.each_child(|r, name| match name {
                "Jobs" => r.list(&mut jobs, "member", JobListEntry::decode),
                "NextToken" => r.string(&mut next_token),
                _ => Ok(()),
            })?;
            Ok(Self {
                jobs: jobs.unwrap_or_default(),
                next_token,
            })
        })
    }

    fn to_xml(&self) -> String {
        let mut w = XmlWriter::with_capacity(64 + 480 * self.jobs.len());
        w.element(Self::ROOT, |w| {
            w.element("Jobs", |w| {
                for j in &self.jobs {
                    j.encode(w);
                }
            });
            w.opt_text("NextToken", self.next_token.as_deref());
        });
        w.finish()
    }
}

/// `ListJobsResult/Jobs/member`: the summary of one job. Every element may be absent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "PascalCase"))]
#[non_exhaustive]
pub struct JobListEntry {
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
    /// `JobId`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub job_id: Option<String>,
    /// `Operation`: the operation's name as text, e.g. `COSPutObjectCopy`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub operation: Option<OperationName>,
    /// `Priority`, 0–2147483647.
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
    /// `Status`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub status: Option<JobStatus>,
    /// `TerminationDate`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub termination_date: Option<Timestamp>,
    /// Values of this member that did not parse, with their text (their typed fields are
    /// `None`); never encoded. See [`UnparsedValue`].
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub unparsed: Vec<UnparsedValue>,
}

impl JobListEntry {
    /// The text of `element` (a path relative to the member, e.g. `Priority` or
    /// `ProgressSummary/NumberOfTasksFailed`) when it was present but did not parse.
    pub fn unparsed(&self, element: &str) -> Option<&str> {
        unparsed::find(&self.unparsed, element)
    }

    fn decode(r: &mut XmlReader<'_>) -> Result<Self, DecodeError> {
        let mut j = Self::default();
        let mark = r.unparsed_mark();
        r.each_child(|r, name| match name {
            "CreationTime" => timestamp(r, &mut j.creation_time),
            "Description" => r.string(&mut j.description),
            "JobId" => r.string(&mut j.job_id),
            "Operation" => r.value(&mut j.operation, "an operation name", |s| {
                Some(OperationName::from(s))
            }),
            "Priority" => r.value(&mut j.priority, reader::PRIORITY, reader::parse_priority),
            "ProgressSummary" => r.nested(&mut j.progress_summary, ProgressSummary::decode),
            "Status" => status(r, &mut j.status),
            "TerminationDate" => timestamp(r, &mut j.termination_date),
            _ => Ok(()),
        })?;
        j.unparsed = r.take_unparsed(mark);
        Ok(j)
    }

    fn encode(&self, w: &mut XmlWriter) {
        w.element("member", |w| {
            w.opt_timestamp("CreationTime", self.creation_time.as_ref());
            w.opt_text("Description", self.description.as_deref());
            w.opt_text("JobId", self.job_id.as_deref());
            if let Some(op) = &self.operation {
                w.text("Operation", op.as_str());
            }
            w.opt_number("Priority", self.priority.map(u64::from));
            if let Some(p) = &self.progress_summary {
                p.encode(w);
            }
            if let Some(s) = &self.status {
                w.text("Status", s.as_str());
            }
            w.opt_timestamp("TerminationDate", self.termination_date.as_ref());
        });
    }
}
