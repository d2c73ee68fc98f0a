//! UpdateJobStatus, UpdateJobPriority and DeleteJob: inputs and results.

use crate::create_job::MAX_PRIORITY;
use crate::describe_job::status;
use crate::enums::{JobStatus, RequestedJobStatus};
use crate::error::DecodeError;
use crate::limits::Limits;
use crate::unparsed::{self, UnparsedValue};
use crate::validate::{ValidationErrors, Validator, ViolationKind};
use crate::xml::reader::{self, Mode};
use crate::xml::writer::XmlWriter;
use crate::xml::{XmlDocument, decode_document};

/// UpdateJobStatus's input: `POST /jobs/{JobId}/status?requestedJobStatus=..&statusUpdateReason=..`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "PascalCase"))]
#[non_exhaustive]
pub struct UpdateJobStatusRequest {
    /// `JobId`, 1–64 bytes.
    pub job_id: String,
    /// `requestedJobStatus`: Ready (confirm a suspended job) or Cancelled.
    pub requested_job_status: RequestedJobStatus,
    /// `statusUpdateReason`, 0–256 bytes.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub status_update_reason: Option<String>,
}

impl UpdateJobStatusRequest {
    /// Move job `job_id` to `requested`.
    pub fn new(job_id: impl Into<String>, requested: RequestedJobStatus) -> Self {
        Self {
            job_id: job_id.into(),
            requested_job_status: requested,
            status_update_reason: None,
        }
    }

    /// Checks `JobId` (1–64 bytes), `requestedJobStatus` (Ready or Cancelled) and
    /// `statusUpdateReason` (0–256 bytes).
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut v = Validator::new("UpdateJobStatusRequest");
        v.length("JobId", &self.job_id, 1, 64);
        if !self.requested_job_status.is_known() {
            v.push(
                "requestedJobStatus",
                ViolationKind::NotAllowed {
                    value: self.requested_job_status.as_str().to_owned(),
                    allowed: "Ready or Cancelled",
                },
            );
        }
        v.opt_length(
            "statusUpdateReason",
            self.status_update_reason.as_deref(),
            0,
            256,
        );
        v.finish()
    }
}

/// `UpdateJobStatusResult`: the response to UpdateJobStatus. Every element may be absent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "PascalCase"))]
#[non_exhaustive]
pub struct UpdateJobStatusResult {
    /// `JobId`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub job_id: Option<String>,
    /// `Status`: the job's status now.
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
}

impl UpdateJobStatusResult {
    /// A result for `job_id` now in `status`.
    pub fn new(job_id: impl Into<String>, status: JobStatus) -> Self {
        Self {
            job_id: Some(job_id.into()),
            status: Some(status),
            status_update_reason: None,
        }
    }
}

impl XmlDocument for UpdateJobStatusResult {
    const ROOT: &'static str = "UpdateJobStatusResult";

    fn from_xml_with(bytes: &[u8], limits: &Limits) -> Result<Self, DecodeError> {
        decode_document(bytes, limits, Self::ROOT, Mode::Lenient, |r| {
            let mut out = Self::default();
            r.each_child(|r, name| match name {
                "JobId" => r.string(&mut out.job_id),
                "Status" => status(r, &mut out.status),
                "StatusUpdateReason" => r.string(&mut out.status_update_reason),
                _ => Ok(()),
            })?;
            Ok(out)
        })
    }

    fn to_xml(&self) -> String {
        let mut w = XmlWriter::with_capacity(160);
        w.element(Self::ROOT, |w| {
            w.opt_text("JobId", self.job_id.as_deref());
            if let Some(s) = &self.status {
                w.text("Status", s.as_str());
            }
            w.opt_text("StatusUpdateReason", self.status_update_reason.as_deref());
        });
        w.finish()
    }
}

/// UpdateJobPriority's input: `POST /jobs/{JobId}/priority?priority=..`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "PascalCase"))]
#[non_exhaustive]
pub struct UpdateJobPriorityRequest {
    /// `JobId`, 1–64 bytes.
    pub job_id: String,
    /// `priority`, 0–2147483647.
    pub priority: u32,
}

impl UpdateJobPriorityRequest {
    /// Set the priority of job `job_id` to `priority`.
    pub fn new(job_id: impl Into<String>, priority: u32) -> Self {
        Self {
            job_id: job_id.into(),
            priority,
        }
    }

    /// Checks `JobId` (1–64 bytes) and `priority` (0–2147483647).
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut v = Validator::new("UpdateJobPriorityRequest");
        v.length("JobId", &self.job_id, 1, 64);
        v.range(
            "priority",
            i64::from(self.priority),
            0,
            i64::from(MAX_PRIORITY),
        );
        v.finish()
    }
}

/// `UpdateJobPriorityResult`: the response to UpdateJobPriority. Every element may be absent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "PascalCase"))]
#[non_exhaustive]
pub struct UpdateJobPriorityResult {
    /// `JobId`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub job_id: Option<String>,
    /// `Priority`, 0–2147483647.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub priority: Option<u32>,
    /// Values that did not parse (`Priority`), with their text; never encoded. See
    /// [`UnparsedValue`].
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub unparsed: Vec<UnparsedValue>,
}

impl UpdateJobPriorityResult {
    /// A result for `job_id` now at `priority`.
    pub fn new(job_id: impl Into<String>, priority: u32) -> Self {
        Self {
            job_id: Some(job_id.into()),
            priority: Some(priority),
            unparsed: Vec::new(),
        }
    }

    /// The text of `element` (e.g. `Priority`) when it was present but did not parse.
    pub fn unparsed(&self, element: &str) -> Option<&str> {
        unparsed::find(&self.unparsed, element)
    }
}

impl XmlDocument for UpdateJobPriorityResult {
    const ROOT: &'static str = "UpdateJobPriorityResult";

    fn from_xml_with(bytes: &[u8], limits: &Limits) -> Result<Self, DecodeError> {
        decode_document(bytes, limits, Self::ROOT, Mode::Lenient, |r| {
            let mut out = Self::default();
            r.each_child(|r, name| match name {
                "JobId" => r.string(&mut out.job_id),
                "Priority" => r.value(&mut out.priority, reader::PRIORITY, reader::parse_priority),
                _ => Ok(()),
            })?;
            out.unparsed = r.take_unparsed(0);
            Ok(out)
        })
    }

    fn to_xml(&self) -> String {
        let mut w = XmlWriter::with_capacity(128);
        w.element(Self::ROOT, |w| {
            w.opt_text("JobId", self.job_id.as_deref());
            w.opt_number("Priority", self.priority.map(u64::from));
        });
        w.finish()
    }
}

/// DeleteJob's input: `DELETE /jobs/{JobId}` (undocumented by the vendor; the Go SDK has it).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "PascalCase"))]
#[non_exhaustive]
pub struct DeleteJobRequest {
    /// `JobId`, 1–64 bytes.
    pub job_id: String,
}

impl DeleteJobRequest {
    /// Delete job `job_id`.
    pub fn new(job_id: impl Into<String>) -> Self {
        Self {
            job_id: job_id.into(),
        }
    }

    /// Checks the `JobId` length (1–64 bytes).
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut v = Validator::new("DeleteJobRequest");
        v.length("JobId", &self.job_id, 1, 64);
        v.finish()
    }
}

/// DeleteJob's result: an empty body (204 or 200).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DeleteJobResult;
